/**
 * TF.js layers models against TF.js: the model loaded from its files, then
 * `tf.model` over every layer's output run on a batch of one. Each Keras
 * layer's output (the last node of those the loader names `/<layer>/…`) is
 * compared in the model's own layout (channels-last); params against the
 * weights manifest; Conv/Dense MACs against the count from the executed
 * shapes and the kernel's shape.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { bound, fmt, type Outcome, product, profiled } from './check';

interface Spec { name: string; shape: number[]; dtype: string; quantization?: { original_dtype?: string } }
interface LayersJson { modelTopology: object; weightsManifest: { paths: string[]; weights: Spec[] }[] }

/** MACs of a Keras layer from its executed input/output shapes and its kernels. */
function referenceMacs(layer: TF.layers.Layer, inShape: number[], outShape: number[]): number | undefined {
  const w = layer.weights.map((v) => v.shape as number[]);
  switch (layer.getClassName()) {
    case 'Conv2D':
      return product(outShape) * w[0][0] * w[0][1] * w[0][2];
    case 'DepthwiseConv2D':
      return product(outShape) * w[0][0] * w[0][1];
    case 'SeparableConv2D': {
      const [dw, pw] = w;
      const spatial = product(outShape.slice(0, -1));
      return spatial * dw[0] * dw[1] * dw[2] * dw[3] + product(outShape) * pw[2];
    }
    case 'Dense':
      return product(outShape) * inShape[inShape.length - 1];
    default:
      return undefined;
  }
}

export async function checkTfjsLayers(tf: typeof TF, id: string, file: string): Promise<Outcome> {
  const { o, report } = profiled(id, 'tfjs layers', file);
  if (!report) return o;
  const json = JSON.parse(readFileSync(file, 'utf8')) as LayersJson;
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const refParams = specs.filter((s) => ['float32', 'float16'].includes(s.quantization?.original_dtype ?? s.dtype)).reduce((a, s) => a + product(s.shape), 0);
  o.paramsExact = report.totals.params === refParams;
  if (!o.paramsExact) o.disagreements.push(`params: ours ${report.totals.params}, manifest's floating-point weights ${refParams}`);

  const executed = new Map<string, { input: number[]; output: number[]; layer: TF.layers.Layer }>();
  let model: TF.LayersModel | undefined;
  try {
    const weightData = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(file), p)))));
    const ab = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength);
    model = await tf.loadLayersModel(tf.io.fromMemory(json.modelTopology, specs as TF.io.WeightsManifestEntry[], ab));
    const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as TF.SymbolicTensor) });
    const x = model.inputs.map((i) => tf.randomUniform(i.shape.map((d) => d ?? 1), -1, 1));
    const outs = probe.predict(x);
    const list = Array.isArray(outs) ? outs : [outs];
    const shapes = new Map<string, number[]>(model.inputs.map((i, k) => [i.name.replace(/:\d+$/, ''), x[k].shape]));
    layers.forEach((l, k) => shapes.set(l.name, list[k].shape));
    for (const l of layers) {
      const inbound = l.input;
      const first = Array.isArray(inbound) ? inbound[0] : inbound;
      const inShape = (first.sourceLayer && shapes.get(first.sourceLayer.name)) ?? first.shape.map((d) => d ?? 1);
      executed.set(l.name, { input: inShape, output: shapes.get(l.name)!, layer: l });
    }
    tf.dispose([...x, ...list]);
  } catch (e) {
    o.executionError = (e as Error).message.split('\n')[0].slice(0, 200);
    return o;
  } finally {
    model?.dispose();
  }

  // The loader names each layer's nodes `/<layer>/<op>`; the last computing one gives the layer's output.
  const groups = new Map<string, typeof report.layers>();
  for (const l of report.layers) {
    const m = /^\/(.+)\/[^/]+$/.exec(l.name);
    if (m) groups.set(m[1], [...(groups.get(m[1]) ?? []), l]);
  }
  // H3's `layout` (when the report has it) says the shapes are already channels-last.
  for (const [name, ex] of executed) {
    const nodes = (groups.get(name) ?? []).filter((l) => l.op !== 'Constant');
    const last = nodes[nodes.length - 1];
    if (!last) continue;
    o.shapesCompared++;
    const ours = bound(last.outputs[0].shape, { N: 1 });
    const same = (a: number[] | undefined) => a !== undefined && a.length === ex.output.length && a.every((d, i) => d === ex.output[i]);
    if (same(ours)) o.shapesAgreeing++;
    else {
      const channelsFirst = ours && ours.length >= 3 && same([ours[0], ...ours.slice(2), ours[1]]);
      if (channelsFirst) o.channelsFirst++;
      else o.disagreements.push(`${name} (${ex.layer.getClassName()}): ours ${fmt(last.outputs[0].shape)}, TF.js ${fmt(ex.output)}`);
    }
    const ref = referenceMacs(ex.layer, ex.input, ex.output);
    if (ref === undefined) continue;
    o.macsCompared++;
    const macs = nodes.reduce<number | null>((a, l) => (a === null || l.macs === null ? null : a + l.macs), 0);
    if (macs === ref) o.macsAgreeing++;
    else o.disagreements.push(`${name} (${ex.layer.getClassName()}) MACs: ours ${macs}, from executed shapes ${ref}`);
  }
  return o;
}
