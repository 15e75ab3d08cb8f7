/**
 * What the CLI's commands share: the two kinds of user error and their exit
 * codes, one-line messages, and the option parsers they have in common.
 */
import { describeError, oneLine } from './core/user-message';
import { parseByteSize } from './core/report/format';
import { InputShapeError, ModelLoadError } from './core/errors';
import { BARE_INPUT } from './core/report/profile';
import { parseShape } from './core/analysis/infer';
import { dict } from './core/lookup';
import type { Shape } from './core/ir';

/** The command line is malformed (unknown command or option, a missing argument, options that do not go together): exit 1. */
export class UsageError extends Error {}

/**
 * The command line is well formed but an option's value cannot be used (a `-1` dim, a batch of
 * 2^53, an unknown element type): like a model that cannot be profiled, exit 2 with one line.
 */
export class OptionValueError extends Error {}

/** An error for the user: exactly one stderr line, whatever the message holds (library text, a model's names). */
export function fail(err: (s: string) => void, message: string): void {
  err(`convlens: ${oneLine(message)}\n`);
}

/** An error no message was written for: what kind of trouble, and the stack only on request. */
export function unexpected(e: unknown): string {
  if (process.env.CONVLENS_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
  return describeError(e);
}

/** A file-system error in words, without Node's `EACCES: permission denied, open '…'` framing. */
export function describeWriteError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    EACCES: 'permission denied', EPERM: 'not permitted', ENOENT: 'its folder does not exist', EISDIR: 'it is a folder',
    ENOSPC: 'the disk is full', EROFS: 'the file system is read-only', ENOTDIR: 'a part of the path is not a folder',
  };
  return (code && words[code]) || (e as Error).message;
}

/** A size option (`8GiB`, `512MB`). */
export function parseBytes(s: string, option = '--budget'): number {
  const bytes = parseByteSize(s);
  if (bytes === null) throw new OptionValueError(`${option}: cannot read '${s}' as a size (e.g. 8GiB, 512MB)`);
  return bytes;
}

export function positiveInt(name: string, s: string): number {
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(Number(s)) || Number(s) < 1) throw new OptionValueError(`${name}: expected a positive integer below 2^53, got '${s}'`);
  return Number(s);
}

/**
 * Writes the one line a failed command ends with and returns its exit code: 1 for the command
 * line, 2 for an option value or a model that cannot be used. `file`: the model the command was
 * on, named before the problems that do not name it.
 */
export function failure(err: (s: string) => void, e: unknown, file?: string): number {
  const on = file === undefined ? '' : `${file}: `;
  if (e instanceof UsageError) {
    fail(err, e.message);
    return 1;
  }
  if (e instanceof OptionValueError || e instanceof ModelLoadError) {
    fail(err, e.message);
    return 2;
  }
  // Never a report that mixes the asked shapes with the file's: the node that breaks, and exit 2.
  if (e instanceof InputShapeError) {
    fail(err, `${on}${e.message}`);
    return 2;
  }
  fail(err, `${on}${unexpected(e)}`);
  return 2;
}

/** Options of `profile` alone (export refuses them), and of `profile --run` alone. */
export const PROFILE_ONLY = ['input', 'python', 'stats', 'dtype', 'optimizer', 'budget', 'checkpoint', 'all-nodes', 'json', 'csv', 'markdown', 'run', 'provider', 'engine', 'tfjs-backend', 'runs', 'warmup', 'timeout', 'zeros', 'html', 'sweep', 'image', 'normalize', 'force'] as const;
export const RUN_ONLY = ['provider', 'engine', 'tfjs-backend', 'runs', 'warmup', 'timeout', 'zeros', 'sweep', 'image', 'normalize', 'force'] as const;

/** `--input NAME=DIMS` options as input shapes. */
export function inputShapesOf(specs: readonly string[] | undefined): Record<string, Shape> {
  const shapes: Record<string, Shape> = dict();
  for (const spec of specs ?? []) {
    const eq = spec.lastIndexOf('=');
    if (eq < 0 && parseShape(spec).error === undefined) {
      // Bare dims: the model's only input.
      if (Object.keys(shapes).length > 0) throw new UsageError(`--input ${spec}: bare dims name no input; with several --input, write NAME=DIMS`);
      shapes[BARE_INPUT] = (parseShape(spec) as { shape: Shape }).shape;
      continue;
    }
    if (eq <= 0) throw new UsageError(`--input: expected NAME=DIMS or DIMS, got '${spec}'`);
    const parsed = parseShape(spec.slice(eq + 1));
    if (parsed.error !== undefined) throw new OptionValueError(`--input ${spec.slice(0, eq)}: ${parsed.error}`);
    shapes[spec.slice(0, eq)] = parsed.shape;
  }
  return shapes;
}
