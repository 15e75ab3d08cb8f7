/** A problem with a model file, phrased for the user: `file: what is wrong`. */
export class ModelLoadError extends Error {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super(`${file}: ${problem}`);
    this.name = 'ModelLoadError';
  }
}

/**
 * A count with thousands separators (1,234,567), as in messages and the CLI's
 * totals. Whole numbers are grouped here: the first toLocaleString of a
 * process loads ICU's number formats, about 50 ms of CPU for a short CLI run.
 */
export function formatCount(n: number): string {
  if (!Number.isSafeInteger(n)) return n.toLocaleString('en-US');
  return String(n).replace(/\B(?=(\d{3})+$)/g, ',');
}

/**
 * A value read from a JSON model file as a message shows it: JSON numbers
 * past 1.8e308 arrive as ±Infinity and objects print as "[object Object]",
 * neither of which is what the file holds or helps the user find it.
 */
export function shownValue(v: unknown, depth = 0): string {
  if (typeof v === 'number') {
    if (Number.isFinite(v)) return String(v);
    return Number.isNaN(v) ? 'not a number' : `a number too large to read (${v > 0 ? '' : '−'}1e309 or beyond)`;
  }
  if (typeof v === 'string') return v.length > 60 ? `'${v.slice(0, 57)}…'` : `'${v}'`;
  if (v === null || v === undefined) return 'null';
  if (Array.isArray(v)) {
    if (depth > 0) return 'a list';
    const items = v.slice(0, 8).map((x) => shownValue(x, depth + 1));
    return `[${items.join(', ')}${v.length > 8 ? ', …' : ''}]`;
  }
  if (typeof v === 'object') return 'an object';
  // What is left of parsed data: booleans and bigints (pickles).
  return (v as boolean | bigint | symbol).toString();
}

/**
 * Input shapes asked for (`--input`, `--batch`, the batch setting) that the
 * graph cannot take, e.g. a Reshape whose target bakes in batch 1: the first
 * node that breaks and why. A profile then has no figures at all, since the
 * rest of the graph would mix the asked shapes with the file's.
 */
export class InputShapeError extends Error {
  constructor(
    /** `'image' as 2×3×512×512`, one per rebound input. */
    readonly asked: string[],
    readonly node: string,
    readonly op: string,
    readonly problem: string,
  ) {
    super(`input${asked.length > 1 ? 's' : ''} ${asked.join(', ')} ${asked.length > 1 ? 'do' : 'does'} not fit the graph: node '${node}' (${op}): ${problem}`);
    this.name = 'InputShapeError';
  }
}

/** Whether an error message (as it crosses a worker thread, class lost) is an InputShapeError's. */
export function isInputShapeMessage(message: string): boolean {
  return /^inputs? '.*' as .* not fit the graph: node '/s.test(message);
}
