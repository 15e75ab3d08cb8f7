/**
 * Feature maps on TensorFlow.js, for Keras and TF.js layers models: the
 * model with every layer's output as an output (`tf.model`), run once on
 * the preprocessed image (channels-last, as Keras takes it). Each Keras
 * layer's output is the output of the last graph node lowered from it, so
 * its previews are filed under that node's name; channels-last maps are
 * reduced as channels-first ones (src/core/image/feature-maps.ts).
 * TF.js layers models use their trained weights.
 */
import type * as TF from '@tensorflow/tfjs';
import { loadModelFile } from '../core/loaders/index';
import type { KerasConfig } from '../core/loaders/keras-config';
import { readImageFile } from '../core/image/decode';
import { inputLayout, preprocessImage, preprocessProblem } from '../core/image/preprocess';
import { reduceFeatureMap, type FeatureMapPreview } from '../core/image/feature-maps';
import { classify } from './labels';
import type { FeatureMapCapture } from '../core/image/capture';
import type { CaptureRequest } from './messages';
import { loadTfjs } from './tfjs-backend';
import { buildModel, kerasLayerOf } from './tfjs-profile';
import type { Progress } from './ort-profile';
import { profileModel } from '../core/report/profile';
import { checkFeedShapes, checkHostMemory, feedBytes, runNeed } from './run-checks';

/** [N, H, W, C] → [N, C, H, W] data of item 0, as reduceFeatureMap wants it. */
export function channelsFirst(data: ArrayLike<number>, dims: readonly number[]): { data: Float32Array; dims: number[] } {
  if (dims.length < 3) return { data: Float32Array.from(data), dims: [...dims] };
  const C = dims[dims.length - 1];
  const spatial = dims.slice(1, -1);
  const plane = spatial.reduce((a, b) => a * b, 1);
  const out = new Float32Array(C * plane);
  for (let i = 0; i < plane; i++) for (let c = 0; c < C; c++) out[c * plane + i] = data[i * C + c];
  return { data: out, dims: [1, C, ...spatial] };
}

export async function captureOnTfjs(req: CaptureRequest, k: KerasConfig, progress: Progress): Promise<FeatureMapCapture> {
  const t0 = Date.now();
  progress('loading TensorFlow.js', 0);
  const { tf, backend, notices } = await loadTfjs(req.tfjsBackend ?? 'auto');
  const ir = (await loadModelFile(req.modelPath)).model;
  // Before TF.js builds the model: the image feed (batch 1) and the memory, every layer's output fetched at once.
  const prof = profileModel(ir, { batch: 1 });
  const irFeeds = prof.report.inputs.map((t): [string, number[]] => [t.name, (t.shape ?? []).map((d) => (typeof d === 'number' ? d : 1))]);
  checkFeedShapes(irFeeds);
  checkHostMemory(runNeed(prof.report, feedBytes(irFeeds, () => 'float32'), { outputBytes: prof.report.totals.activationBytes === null ? null : 2 * prof.report.totals.activationBytes }), req.force);
  const { model, weights } = await buildModel(tf, k);
  notices.push(`weights ${weights}`);
  const warnings: string[] = [];
  try {
    if (model.inputs.length !== 1) throw new Error('feature maps need a model with one image input');
    const shape = model.inputs[0].shape.map((d, i) => (i === 0 ? 1 : d ?? -1));
    const layout = inputLayout(shape, 'NHWC');
    if (!layout) throw new Error(`no image input: feature maps need an input shaped [N, H, W, 3] (this one is ${JSON.stringify(model.inputs[0].shape)})`);
    const problem = preprocessProblem(req.preprocess, layout.channels);
    if (problem) throw new Error(`preprocessing: ${problem}`);
    const pre = preprocessImage(readImageFile(req.image), layout, { ...req.preprocess, layout: 'NHWC' });

    // Keras layer → the last IR node lowered from it (its output is the layer's output).
    const lastNode = new Map<string, string>();
    for (const n of ir.graph.nodes) {
      const k = kerasLayerOf(n.name);
      if (k && n.opType !== 'Constant') lastNode.set(k, n.name);
    }
    const layers = model.layers.filter((l) => l.getClassName() !== 'InputLayer');
    progress('running the model', 0.3);
    const tr = Date.now();
    const probe = tf.model({ inputs: model.inputs, outputs: layers.map((l) => l.output as TF.SymbolicTensor) });
    const input = tf.tensor(pre.data, pre.dims, 'float32');
    const outs = probe.predict(input);
    const list = Array.isArray(outs) ? outs : [outs];
    const values = await Promise.all(list.map((t) => t.data()));
    const runMs = Date.now() - tr;
    progress('reducing', 0.8);
    const previews: FeatureMapPreview[] = [];
    layers.forEach((l, i) => {
      const node = lastNode.get(l.name);
      if (!node) return;
      const dims = list[i].shape;
      const nchw = channelsFirst(values[i], dims);
      const p = reduceFeatureMap(node, l.name, nchw.data, nchw.dims, { maxSide: req.maxSide, maxChannels: req.maxChannels });
      // Reduced channels-first; shown as TF.js has it (NHWC), as the model view shows the layer.
      if (p) previews.push({ ...p, shape: dims.map((d) => d ?? 1) });
    });
    let top: FeatureMapCapture['top'];
    const last = list[list.length - 1];
    if (last && last.shape.length === 2 && (last.shape[1] ?? 0) >= 2) {
      const scores = Array.from(values[values.length - 1] as Float32Array).slice(0, last.shape[1]);
      top = classify(lastNode.get(layers[layers.length - 1].name) ?? layers[layers.length - 1].name, scores, req, warnings);
    }
    tf.dispose([input, ...list]);
    progress('done', 1);
    return {
      file: req.modelPath,
      image: req.image,
      input: { name: model.inputs[0].name, dims: pre.dims, layout: 'NHWC' },
      shown: { width: pre.shown.width, height: pre.shown.height, rgb: Buffer.from(pre.shown.rgb).toString('base64') },
      preprocess: { ...req.preprocess, layout: 'NHWC' },
      layers: previews,
      ...(top ? { top } : {}),
      providers: [`tfjs-${backend}`],
      notices,
      runMs,
      totalMs: Date.now() - t0,
      warnings,
    };
  } finally {
    model.dispose();
  }
}
