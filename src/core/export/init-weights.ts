/**
 * Initial values for the weights of a model that has none (a lowered
 * `*.cnn.yaml` definition stores dims only), so the exported ONNX file runs.
 *
 * Kernels (Conv, ConvTranspose, Gemm) are He-normal as Keras draws it
 * (keras/src/initializers/random_initializers.py, `HeNormal` =
 * `VarianceScaling(scale=2, mode="fan_in", distribution="truncated_normal")`):
 * a normal truncated at ±2σ₀ with σ₀ = √(2/fan_in) / 0.87962566103423978, the
 * factor that makes the *truncated* distribution's standard deviation exactly
 * √(2/fan_in). fan_in is the true number of inputs of one output unit:
 * in_channels/groups × kernel area for Conv (ONNX weight [M, C/g, k…]: dims[1]
 * × area), in_features for Gemm. This equals Keras's `compute_fans` for
 * Conv, grouped Conv, ConvTranspose and Dense; for DepthwiseConv2D Keras
 * computes C × kernel area from its (kh, kw, C, m) kernel layout, which counts
 * channels a depthwise filter never sees, so we use the kernel area there.
 *
 * Everything else takes Keras's layer defaults: biases 0, BatchNormalization
 * gamma 1 / beta 0 / moving_mean 0 / moving_variance 1, LayerNormalization
 * gamma 1 / beta 0, PReLU alpha 0.
 *
 * Randomness: mulberry32 seeded per tensor from (seed, tensor name), so a
 * tensor's values do not depend on which other layers exist, and Box–Muller
 * (polar) normals with rejection outside ±2σ₀. V8's Math.log is an fdlibm port,
 * so the same seed gives the same bytes on every platform.
 */
import type { Graph, Node, TensorConst } from '../ir';
import { elementCount } from '../tensor-data';
import { nullProto } from '../lookup';

/** FNV-1a of a string mixed with a seed: one independent stream per tensor. */
export function tensorSeed(seed: number, name: string): number {
  let h = (0x811c9dc5 ^ Math.imul(seed >>> 0, 0x9e3779b1)) >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Keras's factor: the standard deviation of N(0, 1) truncated to [−2, 2]. */
export const TRUNCATED_STD = 0.87962566103423978;

/**
 * `count` samples of a normal with mean 0 truncated at ±2σ₀, σ₀ = `std` /
 * TRUNCATED_STD, so the samples' standard deviation is `std` (as Keras).
 * Box–Muller in Marsaglia's polar form (no trigonometry: VGG-16's 138M
 * weights in seconds) on a mulberry32 stream seeded with `seed`, inlined.
 */
export function truncatedNormal(count: number, std: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  const s0 = std / TRUNCATED_STD;
  let a = seed >>> 0;
  let i = 0;
  while (i < count) {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
    a = (a + 0x6d2b79f5) | 0;
    t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const v = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
    // A uniform point in the unit disc (excluding 0) gives two independent N(0, 1).
    const q = u * u + v * v;
    if (q >= 1 || q === 0) continue;
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    const z0 = u * f;
    const z1 = v * f;
    // Keras's truncation: values beyond 2σ₀ are redrawn.
    if (z0 <= 2 && z0 >= -2) out[i++] = s0 * z0;
    if (i < count && z1 <= 2 && z1 >= -2) out[i++] = s0 * z1;
  }
  return out;
}

/** How to fill one weight: He-normal with a fan-in, or a constant. */
export type WeightInit = { heNormal: number } | { constant: number };

/** Why a weight has no rule: the exporter turns this into an error naming the layer. */
export interface UnknownWeight {
  node: Node;
  input: string;
  index: number;
}

const CONSTANT_INPUTS: Record<string, Record<number, number>> = nullProto({
  // Inputs 1 and 2 of Conv/Gemm are handled below (kernel, bias 0).
  BatchNormalization: { 1: 1, 2: 0, 3: 0, 4: 1 },
  LayerNormalization: { 1: 1, 2: 0 },
  PRelu: { 1: 0 },
});

/** The rule for input `index` of `node`, whose tensor has `dims`; undefined when there is none. */
export function initFor(node: Node, index: number, dims: number[]): WeightInit | undefined {
  const op = node.opType;
  if (op === 'Conv' || op === 'ConvTranspose') {
    if (index === 2) return { constant: 0 };
    // [M, C/g, k…] (Conv) or [C, M/g, k…] (ConvTranspose): dims[1] × kernel area in both.
    if (index === 1 && dims.length >= 3) return { heNormal: elementCount(dims.slice(1)) };
  }
  if (op === 'Gemm') {
    if (index === 2) return { constant: 0 };
    const transB = node.attributes.transB;
    const t = transB?.type === 'int' && transB.value === 1;
    if (index === 1 && dims.length === 2) return { heNormal: t ? dims[1] : dims[0] };
  }
  const c = CONSTANT_INPUTS[op]?.[index];
  return c === undefined ? undefined : { constant: c };
}

/** Float32 elements for a weight of `dims`. */
export function fillWeight(name: string, dims: number[], init: WeightInit, seed: number): Float32Array {
  const count = elementCount(dims);
  if ('constant' in init) return new Float32Array(count).fill(init.constant);
  return truncatedNormal(count, Math.sqrt(2 / Math.max(1, init.heNormal)), tensorSeed(seed, name));
}

/**
 * Fills, in place on a copied `values` map, every float32 initializer of
 * `graph` that has no data. Returns the weights no rule covers (left empty).
 */
export function fillMissingWeights(graph: Graph, seed: number): UnknownWeight[] {
  const unknown: UnknownWeight[] = [];
  const done = new Set<string>();
  for (const node of graph.nodes) {
    node.inputs.forEach((input, index) => {
      const v = graph.values.get(input);
      if (!graph.initializers.has(input) || done.has(input) || !v?.data || v.data.storage.kind !== 'none') return;
      const init = initFor(node, index, v.data.dims);
      if (!init || v.data.dtype !== 'float32') {
        unknown.push({ node, input, index });
        return;
      }
      done.add(input);
      const values = fillWeight(input, v.data.dims, init, seed);
      const data: TensorConst = { ...v.data, storage: { kind: 'raw', bytes: new Uint8Array(values.buffer) } };
      graph.values.set(input, { ...v, data });
    });
  }
  return unknown;
}
