/**
 * Reading Keras layer arguments with their Keras defaults, reporting a
 * problem on the argument when a value has the wrong form, and "did you
 * mean …?" suggestions for misspelt names.
 */
import type { LoweringContext } from './context';
import { shownValue } from '../errors';

/** Levenshtein distance (case-sensitive). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

/** The closest known name, if close enough to be a likely typo. */
export function closest(name: string, known: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    // A case-only difference is the likeliest typo of all.
    const d = k.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

export const didYouMean = (name: string, known: Iterable<string>): string => {
  const s = closest(name, known);
  return s ? `; did you mean ${s}?` : '';
};

/** Arguments every layer accepts that do not change its structure. */
const COMMON = new Set(['trainable', 'dtype', 'input_shape', 'batch_input_shape', 'batch_size', 'input_dim', 'autocast', 'data_format', 'seed']);
const COMMON_SUFFIXES = ['_initializer', '_regularizer', '_constraint'];

export class Args {
  constructor(
    private readonly ctx: LoweringContext,
    /** `Conv2D 'conv2d_1'`, for messages. */
    readonly label: string,
    private readonly values: Record<string, unknown>,
  ) {}

  /** Reports arguments the layer does not take, with a suggestion. */
  checkKnown(known: readonly string[]): void {
    for (const name of Object.keys(this.values)) {
      if (known.includes(name) || COMMON.has(name) || COMMON_SUFFIXES.some((s) => name.endsWith(s))) continue;
      if (this.ctx.lenientArgs) {
        // Keras writes unset arguments as null and off switches as false: nothing was asked of them.
        const v = this.values[name];
        if (v !== null && v !== false) this.ctx.problem(`${this.label}: argument '${name}' ignored`, 'warning', { arg: name });
        continue;
      }
      this.ctx.problem(`${this.label}: unknown argument '${name}'${didYouMean(name, known)}`, 'error', { arg: name });
    }
    const format = this.values.data_format;
    if (format !== undefined && format !== 'channels_last') {
      this.ctx.problem(`${this.label}: data_format ${shownValue(format)} is not supported; definitions are channels-last`, 'error', { arg: 'data_format' });
    }
  }

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  private bad(name: string, what: string): void {
    this.ctx.problem(`${this.label}: ${name} must be ${what}; got ${JSON.stringify(this.values[name])}`, 'error', { arg: name });
  }

  /**
   * A positive integer; `undefined` (after a problem) when missing or
   * malformed. Integers must be exact (below 2^53): 1e308 is an integer to
   * JavaScript but no kernel size, stride or filter count.
   */
  int(name: string, fallback?: number, min = 1): number | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) {
      if (fallback === undefined) this.ctx.problem(`${this.label}: missing required argument '${name}'`, 'error', { onType: true });
      return fallback;
    }
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= min) return v;
    this.bad(name, min > 0 ? 'a positive integer below 2^53' : `an integer ≥ ${min} below 2^53`);
    return fallback;
  }

  num(name: string, fallback: number): number {
    const v = this.values[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    this.bad(name, 'a number');
    return fallback;
  }

  optionalNum(name: string): number | undefined {
    return this.has(name) ? this.num(name, 0) : undefined;
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.values[name];
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'boolean') return v;
    this.bad(name, 'true or false');
    return fallback;
  }

  str(name: string, fallback: string, allowed?: readonly string[]): string {
    const v = this.values[name];
    if (v === undefined || v === null) return fallback;
    const s = typeof v === 'string' ? v.toLowerCase() : undefined;
    if (s !== undefined && (!allowed || allowed.includes(s))) return s;
    this.bad(name, allowed ? `one of ${allowed.map((a) => `'${a}'`).join(', ')}` : 'a string');
    return fallback;
  }

  /** An integer or a list of `rank` integers (Keras `kernel_size: 3` or `[3, 3]`). */
  tuple(name: string, rank: number, fallback?: number[], min = 1): number[] | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) {
      if (!fallback) this.ctx.problem(`${this.label}: missing required argument '${name}'`, 'error', { onType: true });
      return fallback;
    }
    const ok = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= min;
    if (ok(v)) return Array<number>(rank).fill(v);
    if (Array.isArray(v) && v.length === rank && v.every(ok)) return v;
    this.bad(name, `${min > 0 ? 'a positive' : `an (≥ ${min})`} integer or a list of ${rank} such integers, below 2^53`);
    return fallback;
  }

  /** Raw value (for arguments with several accepted forms). */
  raw(name: string): unknown {
    return this.values[name];
  }
}
