/**
 * Summary statistics of repeated timings: min, percentiles by linear
 * interpolation between closest ranks (numpy.percentile's default), mean.
 */
export interface TimingSummary {
  n: number;
  min: number;
  p50: number;
  p90: number;
  max: number;
  mean: number;
}

/** The q-th percentile (0–100) of sorted values, numpy's 'linear' method. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = ((sorted.length - 1) * q) / 100;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): TimingSummary {
  const s = [...samples].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return { n: 0, min: NaN, p50: NaN, p90: NaN, max: NaN, mean: NaN };
  return { n, min: s[0], p50: percentile(s, 50), p90: percentile(s, 90), max: s[n - 1], mean: s.reduce((a, b) => a + b, 0) / n };
}

/** Each key's summary over the runs (a run without the key counts as 0). */
export function summaryPerKey(runs: readonly Map<string, number>[]): Map<string, TimingSummary> {
  const keys = new Set<string>();
  for (const r of runs) for (const k of r.keys()) keys.add(k);
  const out = new Map<string, TimingSummary>();
  for (const k of keys) out.set(k, summarize(runs.map((r) => r.get(k) ?? 0)));
  return out;
}
