/**
 * Counts that are exact or unknown. A JavaScript number holds every integer
 * up to 2^53 − 1 exactly; past it a product of dims silently rounds (and a
 * hostile file reaches Infinity), so a count above it is no count at all.
 * These helpers give `null` — unknown — instead: for a shape that is not
 * known, and for a figure too large to be exact. Never NaN, Infinity or a
 * negative number.
 */
import type { DType } from '../core/ir';
import { dtypeBits } from '../core/dtype';

/** A per-layer or total figure: an exact non-negative integer, or null when it cannot be known. */
export type Figure = number | null;

/** `x` when it is an exact non-negative integer count, else null. */
export function exactCount(x: number): Figure {
  return Number.isSafeInteger(x) && x >= 0 ? x : null;
}

/** a × b × …, null when any factor is unknown or the product is not exact. */
export function mulExact(...xs: readonly Figure[]): Figure {
  let p = 1;
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i];
    if (x === null || !Number.isSafeInteger(x) || x < 0) return null;
    p *= x;
    if (!Number.isSafeInteger(p)) return null;
  }
  return p;
}

/** a + b, null when either is unknown or the sum is not exact. */
export function addExact(a: Figure, b: Figure): Figure {
  if (a === null || b === null) return null;
  return exactCount(a + b);
}

/** Elements of a numeric shape, null when the count is not exact (or a dim is not a count). */
export function productExact(dims: readonly number[]): Figure {
  let p = 1;
  for (let i = 0; i < dims.length; i++) {
    const x = dims[i];
    if (!Number.isSafeInteger(x) || x < 0) return null;
    p *= x;
    if (!Number.isSafeInteger(p)) return null;
  }
  return p;
}

/** A sum over figures some of which may be unknown. */
export interface PartialSum {
  /** The sum of the known figures; null when even that is not exact. */
  total: Figure;
  /** Some figures were unknown: the total is a lower bound. */
  partial: boolean;
}

export function sumFigures(values: Iterable<Figure>): PartialSum {
  let total: Figure = 0;
  let partial = false;
  for (const v of values) {
    if (v === null) partial = true;
    else total = addExact(total, v);
  }
  return { total, partial };
}

/** Bytes of `elements` elements of `dtype` (sub-byte types round up), null when not exact. */
export function bytesExact(dtype: DType, elements: Figure): Figure {
  if (elements === null) return null;
  const bits = dtypeBits(dtype);
  return bits % 8 === 0 ? mulExact(elements, bits / 8) : exactCount(Math.ceil((elements * bits) / 8));
}

/** Bytes of a tensor when its shape is fully numeric, its type known and the count exact. */
export function tensorBytes(t: { shape: readonly (number | string)[] | null; dtype: DType | null }): number | null {
  if (!t.dtype || !t.shape || !t.shape.every((d): d is number => typeof d === 'number')) return null;
  return bytesExact(t.dtype, productExact(t.shape));
}
