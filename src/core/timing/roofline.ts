/**
 * The roofline model (Williams, Waterman & Patterson, "Roofline: an insightful
 * visual performance model", CACM 2009): a kernel of arithmetic intensity I
 * (FLOPs per byte of memory traffic) can reach at most
 * min(peak FLOP/s, I × peak bytes/s). Below the ridge point
 * I* = peak FLOP/s ÷ peak bytes/s it is memory-bound, above it compute-bound.
 * The peaks are measured on the device by a short matmul and a copy
 * (src/runtime/peaks.ts), once per device and provider, and cached.
 */
export interface DevicePeaks {
  /** What the peaks were measured on: `CPUExecutionProvider on Intel(R) Xeon(R) …`. */
  device: string;
  /** Achieved FLOP/s of a large float32 matrix product. */
  flopsPerSec: number;
  /** Achieved bytes/s of a large element-wise copy (read + write). */
  bytesPerSec: number;
  /** When measured (ISO time). */
  measuredAt: string;
  /** How the figures were adjusted for a report, if they were. */
  note?: string;
}

export type Bound = 'compute' | 'memory';

export const ridgePoint = (p: DevicePeaks): number => p.flopsPerSec / p.bytesPerSec;

export function classifyBound(intensity: number, peaks: DevicePeaks): Bound {
  return intensity >= ridgePoint(peaks) ? 'compute' : 'memory';
}

/** The roofline's attainable FLOP/s at an intensity. */
export function attainable(intensity: number, peaks: DevicePeaks): number {
  return Math.min(peaks.flopsPerSec, intensity * peaks.bytesPerSec);
}
