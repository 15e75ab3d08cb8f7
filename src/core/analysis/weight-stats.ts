/**
 * Statistics of a weight tensor for the details panel: min/max/mean/std
 * (population), zeros and non-finite counts, and an equal-width histogram.
 * Computed on request only, in one pass for the moments and one for the bins.
 */
import type { TensorConst } from '../ir';
import { tensorNumbers, type ExternalReader } from '../tensor-data';

export interface WeightStats {
  count: number;
  /** Finite elements only; NaN/±Inf are counted in `nonFinite`. */
  min: number;
  max: number;
  mean: number;
  std: number;
  zeros: number;
  nonFinite: number;
  /** `bins` equal-width bins over [min, max]; the last bin includes max. */
  histogram: { min: number; max: number; counts: number[] };
}

/** Stats of `t`, or undefined when its elements are not available (strings, missing data). */
export function weightStats(t: TensorConst, readExternal?: ExternalReader, bins = 32): WeightStats | undefined {
  if (t.dtype === 'string') return undefined;
  const v = tensorNumbers(t, readExternal);
  if (!v) return undefined;
  let n = 0;
  let min = Infinity;
  let max = -Infinity;
  let zeros = 0;
  let nonFinite = 0;
  // Welford's running mean and variance: stable for millions of elements.
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    if (x === 0) zeros++;
    if (x < min) min = x;
    if (x > max) max = x;
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  const counts = new Array<number>(bins).fill(0);
  if (n === 0) return { count: v.length, min: NaN, max: NaN, mean: NaN, std: NaN, zeros, nonFinite, histogram: { min: NaN, max: NaN, counts } };
  const width = (max - min) / bins;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((x - min) / width)) : 0;
    counts[b]++;
  }
  return { count: v.length, min, max, mean, std: Math.sqrt(m2 / n), zeros, nonFinite, histogram: { min, max, counts } };
}
