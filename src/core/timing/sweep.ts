/**
 * A batch-size sweep's figures (the runtime measures them: src/runtime/sweep.ts):
 * latency, throughput and peak memory per batch, where it stopped, the
 * extrapolation that predicts the next batch's memory, and the table.
 */
import type { TimingSummary } from './stats';
import { visibleText } from '../report/safe-text';
import { maxOf } from '../arrays';

export interface SweepPoint {
  batch: number;
  latencyMs: TimingSummary;
  /** Samples per second at the median latency. */
  throughput: number;
  peakRssBytes: number;
  gpuBytes?: number;
}

export interface SweepReport {
  file: string;
  engine: string;
  providers: string[];
  device: string;
  points: SweepPoint[];
  /** Why the sweep ended before its limit, if it did. */
  stopped?: { batch: number; reason: 'memory' | 'predicted' | 'error'; message: string };
  /** The memory the sweep allowed, bytes. */
  memoryLimitBytes: number;
}

/** 1, 2, 4, … ≤ max. */
export function sweepBatches(max: number): number[] {
  const out: number[] = [];
  for (let b = 1; b <= max; b *= 2) out.push(b);
  return out;
}

/**
 * The need of the next batch, extrapolated linearly from the last two
 * points' resident peaks (from one point: baseline + per-sample growth).
 */
export function predictedPeak(points: readonly { batch: number; peakRssBytes: number }[], batch: number, baselineBytes: number): number {
  if (points.length === 0) return 0;
  const last = points[points.length - 1];
  if (points.length === 1) return baselineBytes + ((last.peakRssBytes - baselineBytes) * batch) / last.batch;
  const prev = points[points.length - 2];
  const perSample = Math.max(0, (last.peakRssBytes - prev.peakRssBytes) / (last.batch - prev.batch));
  return last.peakRssBytes + perSample * (batch - last.batch);
}

/** The sweep as a terminal table. */
export function formatSweep(s: SweepReport): string {
  const rows = s.points.map((p) => [String(p.batch), p.latencyMs.p50.toFixed(2), (p.latencyMs.p50 / p.batch).toFixed(3), p.throughput.toFixed(1), (p.peakRssBytes / 2 ** 20).toFixed(1), p.gpuBytes !== undefined ? (p.gpuBytes / 2 ** 20).toFixed(1) : '']);
  const head = ['Batch', 'p50 ms', 'ms/sample', 'samples/s', 'peak RSS MiB', 'GPU MiB'];
  const all = [head, ...rows];
  const w = head.map((_, c) => maxOf(all.map((r) => r[c].length), 0));
  const line = (r: string[]) => r.map((x, c) => x.padStart(w[c])).join('  ').trimEnd();
  // Engine, device and the stop message can quote names from outside (a layer, a provider): shown, never obeyed.
  return [
    visibleText(`Batch sweep on ${s.engine}, ${s.providers.join(', ')}, ${s.device}`),
    '',
    line(head),
    w.map((n) => '-'.repeat(n)).join('  '),
    ...rows.map(line),
    '',
    s.stopped ? `Stopped: ${visibleText(s.stopped.message)}` : `Reached the limit without running out of memory (limit ${(s.memoryLimitBytes / 2 ** 30).toFixed(2)} GiB)`,
  ].join('\n');
}
