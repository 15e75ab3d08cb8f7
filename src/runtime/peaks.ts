/**
 * The device's achievable peaks for the roofline (src/core/timing/roofline.ts):
 * a float32 matrix product C = A·A (2n³ FLOPs) and a stream that writes,
 * scales and reduces a large vector (16 bytes of traffic per element). Both
 * graphs make their data on the device (ConstantOfShape from a shape input),
 * so no host↔device copy is timed. Best of five runs after a warm-up.
 * Measured once per device and provider, then read from a cache file.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Attribute, Graph, Model, Node } from '../core/ir';
import { encodeOnnx } from '../core/onnx/writer';
import type { DevicePeaks } from '../core/timing/roofline';
import type { OrtModule } from './ort-session';

const f32 = (v: number): Attribute => ({ type: 'tensor', value: { dtype: 'float32', dims: [1], storage: { kind: 'values', values: [v] } } });

const node = (opType: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node => ({ name: outputs[0], opType, domain: '', inputs, outputs, attributes });

/**
 * `shape` (int64, of `rank` entries) → ConstantOfShape(fill) → `op` → ReduceMax → `out`:
 * the data is made on the device, and only a scalar comes back.
 */
function peakModel(rank: number, fill: number, op: Node): Uint8Array {
  const values: Graph['values'] = new Map([
    ['shape', { name: 'shape', dtype: 'int64', shape: [rank] }],
    ['out', { name: 'out', dtype: 'float32', shape: [] }],
    ['two', { name: 'two', dtype: 'float32', shape: [], data: { dtype: 'float32', dims: [], storage: { kind: 'values', values: [2] } } }],
  ]);
  const nodes = [node('ConstantOfShape', ['shape'], ['x'], { value: f32(fill) }), op, node('ReduceMax', [op.outputs[0]], ['out'], { keepdims: { type: 'int', value: 0 } })];
  const initializers = new Set(op.inputs.includes('two') ? ['two'] : []);
  if (!initializers.size) values.delete('two');
  const graph: Graph = { name: 'peak', nodes, inputs: ['shape'], outputs: ['out'], values, initializers };
  const m: Model = { format: 'onnx', opset: { '': 17 }, graph, functions: new Map(), warnings: [], metadata: {} };
  return encodeOnnx(m, { producerName: 'convlens' });
}

/** C = A·A on an n×n matrix: 2n³ FLOPs. */
const matmulModel = () => peakModel(2, 0.5, node('MatMul', ['x', 'x'], ['y']));
/** y = 2x on a vector: with ConstantOfShape's write and ReduceMax's read, 16 bytes per element. */
const streamModel = () => peakModel(1, 1, node('Mul', ['x', 'two'], ['y']));

async function bestOf(ort: OrtModule, bytes: Uint8Array, providers: string[], shape: number[], runs = 5): Promise<number> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: providers, graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  try {
    const feeds = { shape: new ort.Tensor('int64', BigInt64Array.from(shape.map(BigInt)), [shape.length]) };
    await session.run(feeds);
    let best = Infinity;
    for (let i = 0; i < runs; i++) {
      const t0 = process.hrtime.bigint();
      await session.run(feeds);
      best = Math.min(best, Number(process.hrtime.bigint() - t0) / 1e9);
    }
    return best;
  } finally {
    await session.release();
  }
}

export async function measurePeaks(ort: OrtModule, providers: string[], device: string, gpu: boolean): Promise<DevicePeaks> {
  const n = gpu ? 8192 : 2048;
  const len = gpu ? 2 ** 28 : 2 ** 25;
  const mm = await bestOf(ort, matmulModel(), providers, [n, n]);
  const stream = await bestOf(ort, streamModel(), providers, [len]);
  return { device, flopsPerSec: (2 * n ** 3) / mm, bytesPerSec: (16 * len) / stream, measuredAt: new Date().toISOString() };
}

/** Cached peaks for `device`, else measured and cached. A broken cache is measured over. */
export async function devicePeaks(ort: OrtModule, providers: string[], device: string, gpu: boolean, cacheFile?: string): Promise<{ peaks: DevicePeaks; cached: boolean }> {
  let cache: Record<string, DevicePeaks> = {};
  if (cacheFile) {
    try {
      const parsed = JSON.parse(readFileSync(cacheFile, 'utf8')) as unknown;
      if (parsed && typeof parsed === 'object') cache = parsed as Record<string, DevicePeaks>;
      const hit = cache[device];
      if (hit && hit.flopsPerSec > 0 && hit.bytesPerSec > 0) return { peaks: hit, cached: true };
    } catch {
      // No cache yet.
    }
  }
  const peaks = await measurePeaks(ort, providers, device, gpu);
  if (cacheFile) {
    try {
      mkdirSync(dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, JSON.stringify({ ...cache, [device]: peaks }, null, 2));
    } catch {
      // A read-only cache location only costs a re-measure next time.
    }
  }
  return { peaks, cached: false };
}
