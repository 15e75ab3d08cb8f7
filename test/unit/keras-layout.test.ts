/**
 * Keras and TF.js layers models in their own layout: the IR is NCHW (ONNX's
 * convolutions), the report shows every value as Keras does — channels last,
 * the batch a model leaves open (None) as N — as model.summary() and TF.js's
 * `layer.outputShape` give them. Counts take N as 1 unless --batch / --input
 * bind it; --input is given in the shown layout.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs';
import { loadModelBytesSync } from '../../src/core/loaders/index';
import { profileModel } from '../../src/core/report/profile';
import { layerViews } from '../../src/core/report/layer-view';
import { formatHtml } from '../../src/core/report/html';
import { formatMarkdown, formatTable } from '../../src/core/report/format';
import { prepareExport } from '../../src/core/export/onnx-export';
import { inferShapes } from '../../src/core/analysis/infer';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadModelFile } from '../../src/core/loaders/index';
import { kerasArchive, kerasJsonOf, saveTfjs, tfjsFunctionalCnn, tfjsReference, tfjsSequentialCnn, writeKerasH5 } from '../helpers/keras-writers';
import { testModel } from '../helpers/ir';
import { tempDir } from '../helpers/temp';
import { layerInputs, tensorIndex } from '../../webview/panels/layer-inputs';

const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

/** A report shape as TF.js writes it: the open batch N is TF.js's null. */
const asTfjs = (s: readonly (number | string)[] | null) => s && s.map((d, i) => (i === 0 && d === 'N' ? null : d));

/** Layers that move axes around: UpSampling2D, Cropping2D, Reshape to rank 3, Conv1D, LayerNormalization, Flatten. */
function reshapingModel(): tf.Sequential {
  return tf.sequential({
    name: 'reshaping',
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', name: 'c2' }),
      tf.layers.upSampling2d({ size: [2, 2], name: 'up' }),
      tf.layers.cropping2D({ cropping: [[1, 1], [1, 1]], name: 'crop' }),
      tf.layers.reshape({ targetShape: [49, 16], name: 'seq' }),
      tf.layers.conv1d({ filters: 6, kernelSize: 3, name: 'c1' }),
      tf.layers.layerNormalization({ name: 'ln' }),
      tf.layers.flatten({ name: 'flat' }),
      tf.layers.dense({ units: 3, name: 'head' }),
    ],
  });
}

async function load(build: () => tf.LayersModel) {
  const tfModel = build();
  const saved = await saveTfjs(tfModel);
  return { model: loadModelBytesSync(bytes(saved.modelJson), 'model.json'), ref: tfjsReference(tfModel) };
}

/** Each Keras layer's output as reported (its last node's), by layer name. */
function reportedShapes(report: ReturnType<typeof profileModel>['report']): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const l of report.layers) {
    if (l.op === 'Constant') continue;
    const scope = l.name.split('/').filter(Boolean);
    out.set(scope[scope.length - 2], asTfjs(l.outputs[0].shape));
  }
  return out;
}

describe('Keras layout in reports', () => {
  it('every layer shape of a reshaping model is TF.js\'s outputShape (Reshape to rank 3, Conv1D, LayerNormalization)', async () => {
    const { model, ref } = await load(reshapingModel);
    const { report } = profileModel(model);
    assert.equal(report.layout, 'NHWC');
    assert.equal(report.totals.params, ref.params);
    const ours = reportedShapes(report);
    for (const [name, shape] of ref.shapes) assert.deepEqual(ours.get(name), shape, `layer ${name}`);
    assert.deepEqual(report.inputs[0].shape, ['N', 8, 8, 3]);
    // Intermediates already in Keras's order (the Transpose before a Reshape) are shown as held, not moved again.
    const toKeras = report.layers.find((l) => l.name === '/seq/Transpose')!;
    assert.deepEqual(toKeras.outputs[0].shape, ['N', 14, 14, 4]);
    assert.deepEqual(inferShapes(model).issues, []);
  });

  it('.h5 (h5wasm), .keras and Keras JSON files of the same model: NHWC with N, every layer as TF.js\'s outputShape', async () => {
    const tfModel = tfjsFunctionalCnn();
    const ref = tfjsReference(tfModel);
    const config = kerasJsonOf(tfModel);
    const dir = tempDir('convlens-layout-');
    try {
      await writeKerasH5(join(dir, 'm.h5'), config);
      writeFileSync(join(dir, 'm.keras'), kerasArchive(config));
      writeFileSync(join(dir, 'm.json'), JSON.stringify(config));
      for (const f of ['m.h5', 'm.keras', 'm.json']) {
        const { report } = profileModel((await loadModelFile(join(dir, f))).model);
        assert.equal(report.layout, 'NHWC', f);
        assert.deepEqual(report.inputs[0].shape, ['N', 24, 24, 3], f);
        const ours = reportedShapes(report);
        for (const [name, shape] of ref.shapes) if (name !== 'image') assert.deepEqual(ours.get(name), shape, `${f}: layer ${name}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('counts take N as 1 (with the warning); --batch 8 binds it and multiplies the MACs', async () => {
    const { model } = await load(tfjsSequentialCnn);
    const one = profileModel(model).report;
    assert.ok(one.warnings.some((w) => /symbolic dims 'N' taken as 1/.test(w)));
    const eight = profileModel(model, { batch: 8 }).report;
    assert.ok(!eight.warnings.some((w) => /symbolic dims/.test(w)));
    assert.deepEqual(eight.inputs[0].shape, [8, 32, 32, 3]);
    assert.deepEqual(eight.outputs[0].shape, [8, 10]);
    assert.equal(eight.totals.macs, 8 * one.totals.macs!);
    assert.equal(eight.totals.params, one.totals.params);
  });

  it('--input is given in the shown layout (NHWC) and may keep N', async () => {
    const { model } = await load(tfjsSequentialCnn);
    const input = model.graph.inputs[0];
    const r = profileModel(model, { inputShapes: { [input]: [2, 32, 32, 3] } }).report;
    assert.deepEqual(r.inputs[0].shape, [2, 32, 32, 3]);
    assert.equal(r.layers.find((l) => l.op === 'Conv')!.outputs[0].shape![3], 8);
    const n = profileModel(model, { inputShapes: { [input]: ['B', 32, 32, 3] } }).report;
    assert.deepEqual(n.inputs[0].shape, ['B', 32, 32, 3]);
  });

  it('the layer view keeps the output-size arithmetic (read from the IR) and shows inputs channels last', async () => {
    const { model } = await load(tfjsSequentialCnn);
    const profile = profileModel(model);
    const views = layerViews(model, profile);
    const k = model.graph.nodes.findIndex((n) => n.opType === 'MaxPool');
    assert.deepEqual(layerInputs(profile.report.layers[k], views[k], tensorIndex(profile.report))[0].shape, ['N', 32, 32, 8]);
    assert.deepEqual(views[k].outputSize, ['H, W: out = ⌊(32 + 2·0 − 2)/2⌋ + 1 = 16']);
  });

  it('weights are shown as Keras stores them (the manifest\'s shapes: kernel [kh, kw, C_in, filters]); titles still read the IR', async () => {
    const tfModel = tfjsSequentialCnn();
    const saved = await saveTfjs(tfModel);
    const model = loadModelBytesSync(bytes(saved.modelJson), 'model.json');
    const manifest = (saved.modelJson.weightsManifest as { weights: { name: string; shape: number[] }[] }[])[0].weights;
    const profile = profileModel(model);
    const views = layerViews(model, profile);
    const shown = new Map(views.flatMap((v) => v.weights.map((w) => [w.name, w.dims] as const)));
    for (const w of manifest) assert.deepEqual(shown.get(w.name), w.shape, `weight ${w.name}`);
    assert.ok(manifest.some((w) => w.name.endsWith('depthwise_kernel')) && manifest.some((w) => w.name.endsWith('pointwise_kernel')));
    const c = model.graph.nodes.findIndex((n) => n.opType === 'Conv');
    const conv = views[c];
    assert.equal(conv.title, 'Conv 3×3 ×8');
    assert.deepEqual(layerInputs(profile.report.layers[c], conv, tensorIndex(profile.report))[1].shape, [3, 3, 3, 8]);
  });

  it('table, Markdown and HTML say the layout; ONNX models stay NCHW and say nothing', async () => {
    const { model } = await load(tfjsSequentialCnn);
    const { report } = profileModel(model);
    assert.match(formatTable(report), /^Inputs: .* N×32×32×3 float32\nOutputs: .* N×10 float32\nShapes: NHWC \(channels last\)/);
    assert.match(formatMarkdown(report), /- Shapes: NHWC/);
    assert.match(formatHtml(report, { title: 'm' }), /Shapes: NHWC/);
    const onnx = profileModel(testModel({ inputs: { x: { shape: [1, 3, 8, 8] } }, outputs: ['y'], nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }] })).report;
    assert.equal(onnx.layout, 'NCHW');
    assert.doesNotMatch(formatTable(onnx), /Shapes:/);
  });

  it('the ONNX export of a Keras model is NCHW with the batch left open', async () => {
    const { model } = await load(tfjsSequentialCnn);
    const exported = prepareExport(model);
    assert.equal(exported.layout, undefined);
    assert.deepEqual(exported.graph.values.get(exported.graph.inputs[0])!.shape, ['N', 3, 32, 32]);
    assert.equal(profileModel(exported).report.layout, 'NCHW');
  });
});
