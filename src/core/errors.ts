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

/** Formats a byte count with thousands separators, as in error messages. */
export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}
