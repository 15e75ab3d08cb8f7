/**
 * ONNX models against onnxruntime: a copy of the model with every node
 * output made a graph output (written by our ONNX writer, graph
 * optimisations off so nothing is fused away) is run once on random input;
 * each reported layer output shape is compared with the executed one.
 * Params against the file's weights; Conv/ConvInteger/MatMul/Gemm MACs
 * against the count from the executed shapes and the weight's shape.
 */
import type * as ORT from 'onnxruntime-node';
import { rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { loadModelFile } from '../../src/core/loaders/index';
import { encodeOnnx } from '../../src/core/onnx/writer';
import type { Model, Node } from '../../src/core/ir';
import { bound, fmt, type Outcome, product, profiled } from './check';

const FLOAT = new Set(['float32', 'float16', 'bfloat16', 'float64']);
/** Inputs that are shapes, scales or indices, not weights: op → input positions. */
const NOT_WEIGHTS: Record<string, number[]> = { Resize: [1, 2, 3], Reshape: [1], Slice: [1, 2, 3, 4], Expand: [1], Tile: [1], Pad: [1, 2], Upsample: [1] };
/** Integer weights of quantized layers, at their input position. */
const QUANT_WEIGHT: Record<string, number> = { ConvInteger: 1, MatMulInteger: 1, QLinearConv: 3, QLinearMatMul: 3, DequantizeLinear: 0 };

/** Elements of the stored tensors consumed as weights: floating-point ones, and integer ones behind quantized layers. */
function referenceParams(model: Model): number {
  const g = model.graph;
  const counted = new Set<string>();
  for (const n of g.nodes) {
    n.inputs.forEach((name, i) => {
      const data = g.values.get(name)?.data;
      if (!name || !g.initializers.has(name) || !data || NOT_WEIGHTS[n.opType]?.includes(i)) return;
      if (FLOAT.has(data.dtype) || QUANT_WEIGHT[n.opType] === i) counted.add(name);
    });
  }
  return [...counted].reduce((a, name) => a + product(g.values.get(name)!.data!.dims), 0);
}

function referenceMacs(n: Node, shapeOf: (t: string) => number[] | undefined): number | undefined {
  const out = shapeOf(n.outputs[0]);
  if (!out) return undefined;
  switch (n.opType) {
    case 'Conv':
    case 'ConvInteger': {
      const w = shapeOf(n.inputs[1]);
      return w && product(out) * product(w.slice(1));
    }
    case 'QLinearConv': {
      const w = shapeOf(n.inputs[3]);
      return w && product(out) * product(w.slice(1));
    }
    case 'MatMul':
    case 'MatMulInteger': {
      const a = shapeOf(n.inputs[0]);
      return a && product(out) * a[a.length - 1];
    }
    case 'Gemm': {
      const a = shapeOf(n.inputs[0]);
      const transA = n.attributes.transA?.type === 'int' && n.attributes.transA.value === 1;
      return a && product(out) * (transA ? a[0] : a[1]);
    }
    default:
      return undefined;
  }
}

export async function checkOnnx(ort: typeof ORT, id: string, file: string): Promise<Outcome> {
  const { o, report } = profiled(id, 'onnx', file);
  if (!report) return o;
  const { model } = await loadModelFile(file);
  const g = model.graph;
  const ref = referenceParams(model);
  o.paramsExact = report.totals.params === ref;
  if (!o.paramsExact) o.disagreements.push(`params: ours ${report.totals.params}, the file's weights ${ref}`);

  // Every node output becomes a graph output of the copy that runs.
  const outputs = [...new Set(g.nodes.flatMap((n) => n.outputs).filter((x) => x))];
  g.outputs = outputs;
  const executed = new Map<string, number[]>();
  const copy = join(dirname(file), `.${basename(file)}.all-outputs.onnx`);
  try {
    // Beside the original: large weights are written as references into it (external data, relative paths).
    writeFileSync(copy, encodeOnnx(model));
    const session = await ort.InferenceSession.create(copy, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 2, interOpNumThreads: 1 });
    const feeds: Record<string, ORT.Tensor> = {};
    for (const inp of report.inputs) {
      const shape = bound(inp.shape, new Proxy({}, { get: () => 1 })) ?? [];
      const data = new Float32Array(product(shape)).map(() => Math.random() * 2 - 1);
      feeds[inp.name] = new ort.Tensor('float32', data, shape);
    }
    const results = await session.run(feeds);
    for (const [name, t] of Object.entries(results)) executed.set(name, [...t.dims]);
    await session.release();
  } catch (e) {
    o.executionError = (e as Error).message.split('\n')[0].slice(0, 200);
    return o;
  } finally {
    rmSync(copy, { force: true });
  }

  const shapeOf = (t: string) => executed.get(t) ?? g.values.get(t)?.data?.dims;
  for (const layer of report.layers) {
    for (const t of layer.outputs) {
      const shape = executed.get(t.name);
      if (!shape) continue;
      o.shapesCompared++;
      const ours = bound(t.shape, {});
      if (ours && ours.length === shape.length && ours.every((d, i) => d === shape[i])) o.shapesAgreeing++;
      else o.disagreements.push(`${layer.name} (${layer.op}) → ${t.name}: ours ${fmt(t.shape)}, onnxruntime ${fmt(shape)}`);
    }
  }
  const macsOf = new Map(report.layers.map((l) => [l.name, l.macs]));
  for (const n of g.nodes) {
    const refMacs = referenceMacs(n, shapeOf);
    if (refMacs === undefined) continue;
    o.macsCompared++;
    if (macsOf.get(n.name) === refMacs) o.macsAgreeing++;
    else o.disagreements.push(`${n.name} (${n.opType}) MACs: ours ${macsOf.get(n.name)}, from executed shapes ${refMacs}`);
  }
  return o;
}
