/**
 * Error text as the user reads it: one line, terminal-safe, without
 * JavaScript internals. onnxruntime ends its messages with a newline and
 * spreads them over several lines, prefixed with its C++ source position;
 * a model's names may hold any character (quotes, newlines, escape
 * sequences, bidirectional overrides that reorder what a terminal shows).
 * Every message a run produces goes through here before it reaches a
 * terminal, a notification or a log line.
 */
import { ModelLoadError } from './errors';
import { visibleText } from './report/safe-text';

/** Terminal escape sequences (colours, cursor moves) that runtimes write in their logs. */
// eslint-disable-next-line no-control-regex -- matches terminal escape sequences (ESC [ …)
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;

/** A runtime's log line without its colours (its text is the runtime's, not a model's: nothing to show escaped). */
export function stripAnsi(line: string): string {
  return line.replace(ANSI, '');
}
/** onnxruntime's source position and function before its message: `/onnxruntime_src/onnxruntime/core/…/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(…) `. */
const ORT_SOURCE = /\/onnxruntime_src\/\S+:\d+ (?:(?:[\w:<>*&]+ )*?[\w:~<>]+\([^()]*\)(?: const)? )?/g;
const MAX_CHARS = 1000;

/**
 * One line: the runtime's line breaks become spaces (its continuation lines
 * are parts of one sentence), every other control character is shown
 * escaped, and overly long text is cut.
 */
export function oneLine(text: string, maxChars = MAX_CHARS): string {
  const joined = text
    .replace(ORT_SOURCE, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\t/g, ' ');
  const shown = visibleText(joined);
  return shown.length > maxChars ? `${shown.slice(0, maxChars - 1)}…` : shown;
}

/** A name from a model, or a path, as it can stand in a one-line message: its control characters escaped. */
export function printable(name: string): string {
  return visibleText(name);
}

const INTERNAL = [RangeError, TypeError, ReferenceError, SyntaxError, EvalError, URIError];
/** No memory for an allocation, as JavaScript reports it. */
const NO_MEMORY = /allocation failed|out of memory/i;
/** An array of a length no array can have (negative, or past the engine's limit). */
const BAD_LENGTH = /invalid (typed )?array (buffer )?length|cannot create a buffer larger|must be a non-negative integer/i;

/** True for the JavaScript engine's own errors (a bug, or an allocation that failed), whose text means nothing to a user. */
export function isJavaScriptInternal(err: unknown): boolean {
  return INTERNAL.some((E) => err instanceof E);
}

/**
 * The one-line message for an error caught at `step` (what the run was
 * doing, e.g. `creating the onnxruntime session (cpu)`): ours and the
 * runtimes' messages as they are; the JavaScript engine's own errors as
 * what went wrong, without their text.
 */
export function describeError(err: unknown, step?: string): string {
  const at = step ? `; step: ${oneLine(step, 200)}` : '';
  if (err instanceof ModelLoadError) return oneLine(err.message);
  if (isJavaScriptInternal(err)) {
    const text = (err as Error).message;
    if (/Maximum call stack/i.test(text)) return `the model is nested too deeply to process${at}`;
    if (NO_MEMORY.test(text)) return `not enough memory (an allocation failed${at})`;
    if (BAD_LENGTH.test(text)) return `a tensor of a size that cannot be allocated (a negative or too large shape${at})`;
    return `internal error (a bug in ConvLens; please report it with the model${at})`;
  }
  const text = oneLine(err instanceof Error ? err.message : String(err));
  return text || `failed without a message${at ? ` (${at.slice(2)})` : ''}`;
}
