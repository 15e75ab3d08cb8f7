/**
 * Statistics of a checkpoint's tensors (mean, standard deviation, min, max,
 * zeros), read from the archive's storage records on request. A tensor is
 * read in chunks, so a multi-GB checkpoint never sits in memory; the work is
 * a generator that yields after each chunk, so a caller can show progress,
 * stay responsive and stop. The standard deviation is torch's default
 * (`Tensor.std()`: Bessel's correction); mean and deviation are computed
 * per chunk in two passes and merged (Chan et al.), so they stay exact to
 * float64 where a running sum of squares would cancel.
 */
import type { TorchDtype } from './pickle';
import { ITEM_BYTES, type Checkpoint, type CheckpointTensor } from './checkpoint';
import { bytesSource, entryDataOffset, readEntry, ZipError, type ByteSource } from './zip';

export interface TensorStats {
  /** The finite values' count, mean and (Bessel-corrected) standard deviation; NaN when undefined. */
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Elements exactly zero. */
  zeros: number;
  /** NaN and ±Inf elements (left out of the mean, std, min and max). */
  nonFinite: number;
}

/** One tensor's outcome: its statistics, or why there are none. */
export type TensorStatsResult = { name: string; stats: TensorStats } | { name: string; skipped: string };

const CHUNK_ELEMENTS = 1 << 20;
/** A non-contiguous tensor is read whole: up to this many bytes of its storage. */
const MAX_STRIDED_BYTES = 512 * 1024 * 1024;

type Decode = (v: DataView, at: number, little: boolean) => number;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

const bf16 = new DataView(new ArrayBuffer(4));
const DECODERS: Partial<Record<TorchDtype, Decode>> = {
  float32: (v, at, le) => v.getFloat32(at, le),
  float64: (v, at, le) => v.getFloat64(at, le),
  float16: (v, at, le) => halfToFloat(v.getUint16(at, le)),
  bfloat16: (v, at, le) => (bf16.setUint32(0, v.getUint16(at, le) << 16), bf16.getFloat32(0)),
  int64: (v, at, le) => Number(v.getBigInt64(at, le)),
  int32: (v, at, le) => v.getInt32(at, le),
  int16: (v, at, le) => v.getInt16(at, le),
  int8: (v, at) => v.getInt8(at),
  uint8: (v, at) => v.getUint8(at),
  bool: (v, at) => (v.getUint8(at) ? 1 : 0),
};

type TypedCtor = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => ArrayLike<number>;
const TYPED: Partial<Record<TorchDtype, TypedCtor>> = {
  float32: Float32Array, float64: Float64Array, int32: Int32Array, int16: Int16Array, int8: Int8Array, uint8: Uint8Array,
};

/** Running statistics, merged chunk by chunk. */
class Accumulator {
  count = 0;
  mean = 0;
  m2 = 0;
  min = Infinity;
  max = -Infinity;
  zeros = 0;
  nonFinite = 0;

  add(values: Float64Array, n: number): void {
    let sum = 0;
    let k = 0;
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (x === 0) this.zeros++;
      if (!Number.isFinite(x)) {
        this.nonFinite++;
        continue;
      }
      values[k++] = x;
      sum += x;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
    }
    if (k === 0) return;
    const mean = sum / k;
    let m2 = 0;
    for (let i = 0; i < k; i++) {
      const d = values[i] - mean;
      m2 += d * d;
    }
    const total = this.count + k;
    const delta = mean - this.mean;
    this.mean += (delta * k) / total;
    this.m2 += m2 + (delta * delta * this.count * k) / total;
    this.count = total;
  }

  result(): TensorStats {
    const none = this.count === 0;
    return {
      count: this.count,
      mean: none ? NaN : this.mean,
      std: this.count > 1 ? Math.sqrt(this.m2 / (this.count - 1)) : NaN,
      min: none ? NaN : this.min,
      max: none ? NaN : this.max,
      zeros: this.zeros,
      nonFinite: this.nonFinite,
    };
  }
}

const isContiguous = (shape: readonly number[], stride: readonly number[]) => {
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && stride[i] !== expect) return false;
    expect *= shape[i];
  }
  return true;
};

/**
 * Statistics of one tensor, step by step: yields the bytes read so far after each chunk, returns the
 * result. `src` is the checkpoint's archive.
 */
export function* tensorStatsSteps(src: ByteSource, ck: Checkpoint, t: CheckpointTensor): Generator<number, TensorStatsResult> {
  const decode = DECODERS[t.dtype];
  if (!decode) return { name: t.name, skipped: `${t.dtype}: no statistics for this dtype` };
  const entry = ck.storages.get(t.storage);
  if (!entry) return { name: t.name, skipped: `its storage record data/${t.storage} is missing` };
  const item = ITEM_BYTES[t.dtype];
  const little = ck.byteOrder === 'little';
  let base: number;
  try {
    if (entry.method !== 0) {
      // A re-zipped archive: the record inflated whole (torch itself stores records uncompressed).
      src = bytesSource(readEntry(src, entry, MAX_STRIDED_BYTES));
      base = 0;
    } else {
      base = entryDataOffset(src, entry);
    }
  } catch (e) {
    if (e instanceof ZipError) return { name: t.name, skipped: e.message };
    throw e;
  }
  const acc = new Accumulator();
  const values = new Float64Array(Math.min(CHUNK_ELEMENTS, Math.max(1, t.elements)));
  if (t.elements === 0) return { name: t.name, stats: acc.result() };
  if (isContiguous(t.shape, t.stride)) {
    // The machine's own order (every platform Node runs on is little-endian): typed-array views, no decoding.
    const Typed = little ? TYPED[t.dtype] : undefined;
    if ((t.offset + t.elements) * item > entry.size) return { name: t.name, skipped: 'it runs past the end of its storage' };
    for (let done = 0; done < t.elements;) {
      const n = Math.min(CHUNK_ELEMENTS, t.elements - done);
      const bytes = src.read(base + (t.offset + done) * item, n * item);
      if (bytes.length < n * item) return { name: t.name, skipped: 'the file ends inside it (truncated)' };
      if (Typed && bytes.byteOffset % item === 0) {
        values.set(new Typed(bytes.buffer, bytes.byteOffset, n));
      } else {
        const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < n; i++) values[i] = decode(v, i * item, little);
      }
      acc.add(values, n);
      done += n;
      yield done * item;
    }
    return { name: t.name, stats: acc.result() };
  }
  // Strided (a view saved as is): read the span it covers, then walk its indices.
  let last = t.offset;
  for (let d = 0; d < t.shape.length; d++) last += (t.shape[d] - 1) * t.stride[d];
  const span = (last - t.offset + 1) * item;
  if ((last + 1) * item > entry.size) return { name: t.name, skipped: 'it runs past the end of its storage' };
  if (span > MAX_STRIDED_BYTES) return { name: t.name, skipped: `a strided view over ${span} bytes of its storage: too large to read at once` };
  const bytes = src.read(base + t.offset * item, span);
  if (bytes.length < span) return { name: t.name, skipped: 'the file ends inside it (truncated)' };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const index = new Array<number>(t.shape.length).fill(0);
  let n = 0;
  let at = 0;
  for (let k = 0; k < t.elements; k++) {
    values[n++] = decode(v, at * item, little);
    if (n === values.length) {
      acc.add(values, n);
      n = 0;
    }
    // The next index, last dimension fastest.
    for (let d = t.shape.length - 1; d >= 0; d--) {
      index[d]++;
      at += t.stride[d];
      if (index[d] < t.shape[d]) break;
      at -= index[d] * t.stride[d];
      index[d] = 0;
    }
  }
  acc.add(values, n);
  yield span;
  return { name: t.name, stats: acc.result() };
}

/** Every tensor's statistics, step by step: yields `{ bytes }` read so far (of `totalBytes`) and each result as it comes. */
export function* checkpointStatsSteps(src: ByteSource, ck: Checkpoint): Generator<{ bytes: number; result?: TensorStatsResult }, TensorStatsResult[]> {
  const results: TensorStatsResult[] = [];
  let before = 0;
  for (const t of ck.tensors) {
    const steps = tensorStatsSteps(src, ck, t);
    let r = steps.next();
    while (!r.done) {
      yield { bytes: before + r.value };
      r = steps.next();
    }
    before += t.bytes;
    results.push(r.value);
    yield { bytes: before, result: r.value };
  }
  return results;
}

/** Every tensor's statistics at once (the CLI). */
export function checkpointStats(src: ByteSource, ck: Checkpoint): TensorStatsResult[] {
  const steps = checkpointStatsSteps(src, ck);
  let r = steps.next();
  while (!r.done) r = steps.next();
  return r.value;
}
