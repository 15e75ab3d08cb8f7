/**
 * Deterministic weight bytes for models built by `GraphBuilder`: a seeded
 * PRNG and a fast table-driven normal sampler, so generated files have
 * realistic sizes and contents that are identical from run to run.
 */
import type { DType, TensorConst } from '../ir';
import { dtypeBytes, isFloat } from '../dtype';
import { encodeElements } from './writer';
import { elementCount } from '../tensor-data';
import { mulberry32Uint } from '../random';

export type Fill =
  | 'zeros'
  | 'ones'
  /** He-normal N(0, 2/fan_in), fan_in = product of dims[1..]; N(0, 0.01²) below rank 2; integers 0..9 for integer types. */
  | 'random'
  | { normal: { mean?: number; std: number } }
  | { uniform: [low: number, high: number] }
  /** Explicit elements (stored as decoded values). */
  | ArrayLike<number>;

/** How weights without explicit values are stored (see GraphBuilderOptions.weights). */
export type WeightMode = 'random' | 'zeros' | 'none';

/** Standard normal quantile, Acklam's rational approximation (relative error < 1.2e-9). */
function normalQuantile(p: number): number {
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

let normalTable: Float64Array | undefined;

/**
 * 65,536 equiprobable quantiles of N(0, 1): a 16-bit random index into it is
 * a normal sample to 16-bit resolution, many times faster than Box–Muller
 * (VGG-16's 138M weights take about a second).
 */
function normals(): Float64Array {
  if (!normalTable) {
    normalTable = new Float64Array(65536);
    for (let i = 0; i < 65536; i++) normalTable[i] = normalQuantile((i + 0.5) / 65536);
  }
  return normalTable;
}

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Makes the storage of initializers, drawing from one seeded stream in call order. */
export class WeightFiller {
  private readonly random: () => number;
  private zeroBuffer = new ArrayBuffer(0);

  /** A numeric seed, or a string (e.g. the graph name) hashed into one. */
  constructor(seed: number | string, private readonly mode: WeightMode) {
    this.random = mulberry32Uint(typeof seed === 'number' ? seed : fnv1a(seed));
  }

  /** `what` names the tensor in error messages. */
  storage(what: string, dtype: DType, dims: number[], fill: Fill): TensorConst['storage'] {
    const count = elementCount(dims);
    if (typeof fill === 'object' && 'length' in fill) {
      const want = dtype === 'complex64' || dtype === 'complex128' ? 2 * count : count;
      if (fill.length !== want) throw new Error(`${what} has ${fill.length} values, ${want} expected for dims [${dims.join(', ')}]`);
      return { kind: 'values', values: Array.from(fill) };
    }
    if (this.mode === 'none') return { kind: 'none' };
    const bytes = dtypeBytes(dtype, count);
    if (fill === 'zeros' || (this.mode === 'zeros' && fill !== 'ones')) {
      // All-zero tensors share one buffer: views are never written to.
      if (this.zeroBuffer.byteLength < bytes) this.zeroBuffer = new ArrayBuffer(Math.max(bytes, 2 * this.zeroBuffer.byteLength));
      return { kind: 'raw', bytes: new Uint8Array(this.zeroBuffer, 0, bytes) };
    }
    const values = dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
    if (fill === 'ones') values.fill(1);
    else if (!isFloat(dtype)) for (let i = 0; i < count; i++) values[i] = dtype === 'bool' ? this.random() & 1 : this.random() % 10;
    else if (typeof fill === 'object' && 'uniform' in fill) {
      const [lo, hi] = fill.uniform;
      for (let i = 0; i < count; i++) values[i] = lo + ((hi - lo) * this.random()) / 4294967296;
    } else {
      const fanIn = dims.length >= 2 ? elementCount(dims.slice(1)) : 0;
      const { mean = 0, std } = fill === 'random' ? { std: fanIn > 0 ? Math.sqrt(2 / fanIn) : 0.01 } : fill.normal;
      this.gaussian(values, mean, std);
    }
    if (values instanceof Float32Array) return { kind: 'raw', bytes: new Uint8Array(values.buffer) };
    return { kind: 'raw', bytes: encodeElements(dtype, values) };
  }

  /** Two normal samples per 32-bit draw (see `normals`); mulberry32 inlined for speed. */
  private gaussian(out: Float32Array | Float64Array, mean: number, std: number): void {
    const table = normals();
    const n = out.length;
    let a = this.random();
    for (let i = 0; i < n; i += 2) {
      a = (a + 0x6d2b79f5) | 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const r = t ^ (t >>> 14);
      out[i] = mean + std * table[r & 0xffff];
      if (i + 1 < n) out[i + 1] = mean + std * table[(r >>> 16) & 0xffff];
    }
  }
}
