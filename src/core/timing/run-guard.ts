/**
 * What a run may allocate, decided before it starts. A model file declares
 * its input shapes, and a run allocates what they say: a 113-byte model
 * with an input of 2^31 elements asks for gigabytes, a negative dim for an
 * impossible array. So every feed shape is checked before it is allocated,
 * and the memory the run will need (the static estimate at the batch asked
 * for) is compared with the memory free, before any of it is taken.
 */
import { printable } from '../user-message';
import { formatCount } from '../errors';

/**
 * Most elements one input may have: the longest typed array Node allocates
 * (buffer.constants.MAX_LENGTH, 2^32 on 64-bit platforms), less one.
 */
export const MAX_FEED_ELEMENTS = 2 ** 32 - 1;

/** Bytes for a message: `4.0 GiB`, `512.0 MiB`, `12 B`. */
export function approxBytes(n: number): string {
  if (!Number.isFinite(n)) return 'an unbounded amount';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let i = 0;
  let v = Math.max(0, n);
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${Math.round(v)} B` : `${v >= 1e4 ? v.toExponential(1) : v.toFixed(1)} ${units[i]}`;
}

const shapeText = (dims: readonly number[]) => `[${dims.join(', ')}]`;

/**
 * Why an input of this shape cannot be fed, or undefined when it can: every
 * dim a whole number ≥ 0, and at most MAX_FEED_ELEMENTS elements.
 */
export function feedShapeProblem(input: string, dims: readonly number[]): string | undefined {
  const name = `input '${printable(input)}'`;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!Number.isSafeInteger(d)) return `${name} has shape ${shapeText(dims)}: dim ${i} is not a whole number, so it cannot be fed`;
    if (d < 0) return `${name} has shape ${shapeText(dims)}: dim ${i} is negative, so it cannot be fed`;
  }
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements > MAX_FEED_ELEMENTS) {
    return `${name} has shape ${shapeText(dims)}: ${elements.toPrecision(3)} elements, more than the ${formatCount(MAX_FEED_ELEMENTS)} one input can hold`;
  }
  return undefined;
}

/** The parts of a run's memory, bytes (the static estimate). */
export interface MemoryNeed {
  /** The input tensors the run feeds (held for the whole run). */
  inputBytes: number;
  /** The most activation bytes live at once (inputs included while they are used). */
  peakActivationBytes: number;
  /** Output tensors copied back to JavaScript (onnxruntime-node copies each run's outputs), or fetched feature maps. */
  outputBytes: number;
  weightBytes: number;
  /** Copies of the weights held at once (a definition's export, its encoding and the runtime's own: 3). */
  weightCopies: number;
  totalBytes: number;
  /** Parts the static analysis could not size (shapes unknown): the total is a lower bound. */
  unknown: string[];
}

/** A size that may be unknown, as a figure: NaN, infinities and negatives count as unknown. */
const known = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

export function memoryNeed(parts: { inputBytes: number | null; peakActivationBytes: number | null; outputBytes: number | null; weightBytes: number | null; weightCopies?: number }): MemoryNeed {
  const unknown: string[] = [];
  const take = (label: string, n: number | null) => {
    if (known(n)) return n;
    unknown.push(label);
    return 0;
  };
  const inputBytes = take('inputs', parts.inputBytes);
  const peakActivationBytes = take('activations', parts.peakActivationBytes);
  const outputBytes = take('outputs', parts.outputBytes);
  const weightBytes = take('weights', parts.weightBytes);
  const weightCopies = Math.max(1, Math.floor(parts.weightCopies ?? 1));
  return { inputBytes, peakActivationBytes, outputBytes, weightBytes, weightCopies, totalBytes: inputBytes + peakActivationBytes + outputBytes + weightBytes * weightCopies, unknown };
}

/** `needs ≈ 8.0 GiB of memory (inputs 2.0 GiB + peak activations 4.0 GiB + outputs 2.0 GiB + weights 0 B)`. */
export function describeNeed(need: MemoryNeed): string {
  const weights = `weights ${approxBytes(need.weightBytes)}${need.weightCopies > 1 ? ` × ${need.weightCopies} copies` : ''}`;
  const parts = [`inputs ${approxBytes(need.inputBytes)}`, `peak activations ${approxBytes(need.peakActivationBytes)}`, `outputs ${approxBytes(need.outputBytes)}`, weights];
  return `needs ≈ ${approxBytes(need.totalBytes)} of memory (${parts.join(' + ')})`;
}

/**
 * Why the run should not start, or undefined when it fits: the static
 * need is more than the memory free (`where`: `free` for the machine's
 * memory, `free on the GPU` for a device's).
 */
export function memoryRefusal(need: MemoryNeed, freeBytes: number, where = 'free'): string | undefined {
  if (!known(freeBytes) || need.totalBytes <= freeBytes) return undefined;
  return `${describeNeed(need)}, ${approxBytes(freeBytes)} ${where}`;
}

/**
 * The resident memory a runtime process may reach before it is stopped:
 * 90% of the memory available when it starts, leaving the rest to the
 * system (an out-of-memory killer that fires first may pick another process,
 * such as the editor).
 */
export function residentLimit(availableBytes: number): number {
  return Math.floor(Math.max(0, availableBytes) * 0.9);
}

/**
 * The JavaScript heap cap of a runtime process, MiB: half the memory
 * available, between 512 MiB (enough to decode large models) and 4 GiB
 * (Node's own default on large machines). Tensors live outside this heap.
 */
export function heapLimitMiB(availableBytes: number): number {
  return Math.min(4096, Math.max(512, Math.floor(availableBytes / 2 / 2 ** 20)));
}

/** MemAvailable of /proc/meminfo, bytes (undefined when absent: kernels before 3.14). */
export function parseMemAvailable(meminfo: string): number | undefined {
  const m = /^MemAvailable:\s+(\d+)\s+kB/m.exec(meminfo);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** A cgroup's headroom: its limit (`max` in v2: none) less its usage, bytes. */
export function cgroupHeadroom(limit: string, usage: string): number | undefined {
  const l = limit.trim();
  const u = Number(usage.trim());
  // cgroup v1 writes "no limit" as a number near 2^63.
  if (l === 'max' || !/^\d+$/.test(l) || Number(l) >= 2 ** 60 || !Number.isFinite(u)) return undefined;
  return Math.max(0, Number(l) - u);
}

/** VmRSS of a /proc/<pid>/status, bytes. */
export function parseVmRss(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : undefined;
}

/** nvidia-smi's `--query-gpu=index,memory.free --format=csv,noheader,nounits`: free bytes of GPU `index`. */
export function parseGpuFree(csv: string, index: number): number | undefined {
  for (const line of csv.trim().split('\n')) {
    const [i, mib] = line.split(',').map((s) => s.trim());
    if (Number(i) === index && /^\d+$/.test(mib ?? '')) return Number(mib) * 2 ** 20;
  }
  return undefined;
}
