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

function model(nodes: Node[], inputs: Graph['inputs'], values: Graph['values']): Uint8Array {
  const graph: Graph = { name: 'peak', nodes, inputs, outputs: ['out'], values, initializers: new Set(['two']) };
  const m: Model = { format: 'onnx', opset: { '': 17 }, graph, functions: new Map(), warnings: [], metadata: {} };
  return encodeOnnx(m, { producerName: 'convlens' });
}

const node = (opType: string, inputs: string[], outputs: string[], attributes: Record<string, Attribute> = {}): Node => ({ name: outputs[0], opType, domain: '', inputs, outputs, attributes });

function matmulModel(): Uint8Array {
  const values: Graph['values'] = new Map([
    ['shape', { name: 'shape', dtype: 'int64', shape: [2] }],
    ['out', { name: 'out', dtype: 'float32', shape: [] }],
    ['two', { name: 'two', dtype: 'float32', shape: [], data: { dtype: 'float32', dims: [], storage: { kind: 'values', values: [2] } } }],
  ]);
  return model(
    [node('ConstantOfShape', ['shape'], ['a'], { value: f32(0.5) }), node('MatMul', ['a', 'a'], ['c']), node('ReduceMax', ['c'], ['out'], { keepdims: { type: 'int', value: 0 } })],
    ['shape'],
    values,
  );
}

function streamModel(): Uint8Array {
  const values: Graph['values'] = new Map([
    ['shape', { name: 'shape', dtype: 'int64', shape: [1] }],
    ['out', { name: 'out', dtype: 'float32', shape: [] }],
    ['two', { name: 'two', dtype: 'float32', shape: [], data: { dtype: 'float32', dims: [], storage: { kind: 'values', values: [2] } } }],
  ]);
  return model(
    [node('ConstantOfShape', ['shape'], ['x'], { value: f32(1) }), node('Mul', ['x', 'two'], ['y']), node('ReduceMax', ['y'], ['out'], { keepdims: { type: 'int', value: 0 } })],
    ['shape'],
    values,
  );
}

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
