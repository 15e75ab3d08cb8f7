/**
 * Array helpers for lists whose length a model file decides (layers,
 * problems, warnings, weights): `push(...xs)` and `Math.max(...xs)` pass every
 * element as an argument, and past about 100,000 of them the call overflows
 * the stack.
 */

/** Appends `items` to `target` (in place), one by one. */
export function append<T>(target: T[], items: Iterable<T>): T[] {
  for (const x of items) target.push(x);
  return target;
}

/** The largest of `values`, or `empty` when there are none. */
export function maxOf(values: Iterable<number>, empty = -Infinity): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    if (!any || v > m) m = v;
    any = true;
  }
  return any ? m : empty;
}

/** The smallest of `values`, or `empty` when there are none. */
export function minOf(values: Iterable<number>, empty = Infinity): number {
  let m = empty;
  let any = false;
  for (const v of values) {
    if (!any || v < m) m = v;
    any = true;
  }
  return any ? m : empty;
}
