/**
 * Real-world TF.js layers models — nsfwjs's published MobileNet v2 (224×224)
 * and Inception v3 (299×299), Keras 2.2.4 topologies with uint8-quantized
 * weights — against TF.js itself: our per-layer shapes in the report (the
 * model's own NHWC, open batch N) are TF.js's `layer.outputShape` (null
 * batch) and, for MobileNet v2, the shapes TF.js computes when it runs every
 * layer's output on one image; parameters are `countParams()` per layer and
 * in total; Conv and Dense MACs are what TF.js's shapes give.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadModelFile } from '../../src/core/loaders/index';
import { profileModel, type LayerReport, type ProfileReport } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { nsfwjsArtifacts, weightData, writeNsfwjsModel, type NsfwjsModel } from '../helpers/nsfwjs';

type Shape = readonly (number | string | null)[];

/** Our report's layers grouped by the Keras layer they were lowered from (`/<layer>/<Op>`), Constants left out. */
function byKerasLayer(report: ProfileReport): Map<string, LayerReport[]> {
  const out = new Map<string, LayerReport[]>();
  for (const l of report.layers) {
    if (l.op === 'Constant') continue;
    const layer = l.name.split('/')[1];
    out.set(layer, [...(out.get(layer) ?? []), l]);
  }
  return out;
}

const sum = (ls: LayerReport[], f: (l: LayerReport) => number | null) => ls.reduce((a, l) => a + (f(l) ?? NaN), 0);
const product = (s: Shape) => s.reduce<number>((a, d) => a * (d as number), 1);

async function loadBoth(name: NsfwjsModel) {
  const a = nsfwjsArtifacts(name);
  const ours = (await loadModelFile(writeNsfwjsModel(name))).model;
  const data = weightData(a);
  const tfModel = await tf.loadLayersModel(tf.io.fromMemory({
    modelTopology: a.modelJson.modelTopology as object,
    weightSpecs: a.modelJson.weightsManifest.flatMap((g) => g.weights) as tf.io.WeightsManifestEntry[],
    weightData: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer,
  }));
  const manifest = a.modelJson.weightsManifest.flatMap((g) => g.weights) as { name: string; shape: number[] }[];
  return { ours, tfModel, manifest, report: profileModel(ours).report };
}

/** Every layer's output shape and parameter count as TF.js gives them; returns how many layers were compared. */
function assertLayersMatch(report: ProfileReport, tfModel: tf.LayersModel): number {
  const layers = byKerasLayer(report);
  let compared = 0;
  for (const layer of tfModel.layers) {
    const expected = layer.outputShape as Shape;
    if (layer.getClassName() === 'InputLayer') {
      assert.deepEqual(report.inputs[0].shape, expected.map((d) => d ?? 'N'), `input ${layer.name}`);
      continue;
    }
    const ls = layers.get(layer.name);
    assert.ok(ls, `layer ${layer.name} is lowered`);
    // The layer's output is its last node's (a Conv's activation comes after it); TF.js's null batch is our N.
    assert.deepEqual(ls[ls.length - 1].outputs[0].shape, expected.map((d) => d ?? 'N'), `shape of ${layer.name}`);
    assert.equal(sum(ls, (l) => l.params), layer.countParams(), `params of ${layer.name}`);
    compared++;
  }
  return compared;
}

describe('nsfwjs layers models against TF.js', () => {
  it('MobileNet v2: every layer\'s shape as TF.js runs it, params as countParams(), Conv and Dense MACs from TF.js\'s shapes', async () => {
    const { report, tfModel, ours: model, manifest } = await loadBoth('mobilenet_v2');
    assert.equal(report.layout, 'NHWC');
    assert.deepEqual(report.inputs[0].shape, ['N', 224, 224, 3]);
    assert.equal(report.totals.params, tfModel.countParams());
    assert.equal(report.totals.params, 2_619_461);
    assert.equal(assertLayersMatch(report, tfModel), tfModel.layers.length - 1);
    assert.equal(tfModel.layers.length, 162);
    // Weights as Keras stores them: the manifest's shapes (Conv1/kernel [3, 3, 3, 32], not ONNX's [32, 3, 3, 3]).
    const views = layerViews(model, profileModel(model));
    const shown = new Map(views.flatMap((v) => v.weights.map((w) => [w.name, w.dims] as const)));
    for (const w of manifest) assert.deepEqual(shown.get(w.name), w.shape, `weight ${w.name}`);

    // Run every layer's output at once on one image: the shapes TF.js computes (batch 1).
    const layers = tfModel.layers.filter((l) => l.getClassName() !== 'InputLayer');
    const probe = tf.model({ inputs: tfModel.inputs, outputs: layers.map((l) => l.output as tf.SymbolicTensor) });
    const outs = tf.tidy(() => probe.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor[]);
    const executed = new Map(layers.map((l, k) => [l.name, outs[k].shape]));
    tf.dispose(outs);
    const ours = byKerasLayer(report);
    let macs = 0;
    for (const layer of layers) {
      const shape = executed.get(layer.name)!;
      const ls = ours.get(layer.name)!;
      assert.deepEqual(ls[ls.length - 1].outputs[0].shape, ['N', ...shape.slice(1)], `executed shape of ${layer.name}`);
      const inShape = (layer.input as tf.SymbolicTensor).shape;
      const config = layer.getConfig() as { kernelSize?: number[] };
      const cls = layer.getClassName();
      // MACs: Conv2D = output elements × C_in × kernel area; depthwise = output elements × kernel area; Dense = outputs × inputs.
      const expected = cls === 'Conv2D' ? product(shape) * (inShape[3] as number) * product(config.kernelSize!)
        : cls === 'DepthwiseConv2D' ? product(shape) * product(config.kernelSize!)
          : cls === 'Dense' ? product(shape) * (inShape[1] as number)
            : undefined;
      if (expected === undefined) continue;
      assert.equal(sum(ls, (l) => l.macs), expected, `MACs of ${layer.name}`);
      macs += expected;
    }
    // Every MAC of the model is a Conv, depthwise or Dense one.
    assert.equal(report.totals.macs, macs);
    assert.equal(macs, 299_855_360);
  });

  it('Inception v3: every layer\'s shape as TF.js\'s outputShape, params as countParams() (22,360,869)', async () => {
    const { report, tfModel } = await loadBoth('inception_v3');
    assert.deepEqual(report.inputs[0].shape, ['N', 299, 299, 3]);
    assert.equal(report.totals.params, tfModel.countParams());
    assert.equal(report.totals.params, 22_360_869);
    assert.equal(assertLayersMatch(report, tfModel), tfModel.layers.length - 1);
    assert.equal(tfModel.layers.length, 318);
    assert.deepEqual(report.outputs[0].shape, ['N', 5]);
    tfModel.dispose();
  });
});
