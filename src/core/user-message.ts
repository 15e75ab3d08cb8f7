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

/** Terminal escape sequences (colours, cursor moves) that runtimes write. */
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]/g;
/** onnxruntime's source position and function before its message: `/onnxruntime_src/onnxruntime/core/…/bfc_arena.cc:376 void* onnxruntime::BFCArena::AllocateRawInternal(…) `. */
const ORT_SOURCE = /\/onnxruntime_src\/\S+:\d+ (?:(?:[\w:<>*&]+ )*?[\w:~<>]+\([^()]*\)(?: const)? )?/g;
/** Characters that would break the line or change how it reads: C0/C1 controls, line and paragraph separators, bidi controls. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const MAX_CHARS = 1000;

/** `\u0007` for a control character (what JSON and JavaScript write). */
const escapeChar = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * One line: the runtime's line breaks become spaces (its continuation lines
 * are parts of one sentence), every other control character is shown
 * escaped, and overly long text is cut.
 */
export function oneLine(text: string, maxChars = MAX_CHARS): string {
  const joined = text
    .replace(ANSI, '')
    .replace(ORT_SOURCE, '')
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' ')
    .replace(/\t/g, ' ')
    .replace(CONTROL, escapeChar);
  return joined.length > maxChars ? `${joined.slice(0, maxChars - 1)}…` : joined;
}

/** A name from a model, or a path, as it can stand in a one-line message: its control characters escaped. */
export function printable(name: string): string {
  return name.replace(/[\r\n\t]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t')).replace(CONTROL, escapeChar);
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
    if (NO_MEMORY.test(text)) return `not enough memory (an allocation failed${at})`;
    if (BAD_LENGTH.test(text)) return `a tensor of a size that cannot be allocated (a negative or too large shape${at})`;
    return `internal error (a bug in ConvLens; please report it with the model${at})`;
  }
  const text = oneLine(err instanceof Error ? err.message : String(err));
  return text || `failed without a message${at ? ` (${at.slice(2)})` : ''}`;
}
