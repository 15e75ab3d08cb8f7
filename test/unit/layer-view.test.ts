/** What the graph view shows per layer: titles, attributes, inputs and weights; weight statistics; the model session. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { profileModel } from '../../src/core/report/profile';
import { attributeText, layerTitle, layerViews } from '../../src/core/report/layer-view';
import { weightStats } from '../../src/core/analysis/weight-stats';
import { ModelSession } from '../../src/core/report/model-session';
import type { Attribute, Node } from '../../src/core/ir';
import { resnet50 } from '../helpers/zoo';
import { pythonWithOnnx, PYTHON_ONNX_HINT } from '../helpers/python-onnx';
import { layerInputs, tensorIndex } from '../../webview/panels/layer-inputs';

const EXAMPLE = join(resolve(__dirname, '../..'), 'examples/small-cnn.onnx');

function node(opType: string, attributes: Record<string, Attribute> = {}): Node {
  return { name: 'n', opType, domain: '', attributes, inputs: ['x', 'w'], outputs: ['y'] };
}
const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const int = (value: number): Attribute => ({ type: 'int', value });

describe('layer titles', () => {
  it('Conv: kernel, stride, dilation, output channels, groups', () => {
    assert.equal(layerTitle(node('Conv', { strides: ints([2, 2]) }), () => [64, 3, 7, 7]), 'Conv 7×7 /2 ×64');
    assert.equal(layerTitle(node('Conv', { kernel_shape: ints([3, 3]), strides: ints([1, 1]) }), () => [128, 128, 3, 3]), 'Conv 3×3 ×128');
    assert.equal(layerTitle(node('Conv', { dilations: ints([2, 2]) }), () => [256, 256, 3, 3]), 'Conv 3×3 d2 ×256');
    // MobileNetV2's depthwise 3×3: group = channels, one input channel per group.
    assert.equal(layerTitle(node('Conv', { group: int(32), strides: ints([2, 2]) }), () => [32, 1, 3, 3]), 'Conv 3×3 /2 ×32 dw');
    assert.equal(layerTitle(node('Conv', { group: int(4) }), () => [64, 16, 3, 3]), 'Conv 3×3 ×64 g4');
    // ConvTranspose weights are [C, M/group, k…].
    assert.equal(layerTitle(node('ConvTranspose', { strides: ints([2, 2]) }), () => [64, 32, 4, 4]), 'ConvTranspose 4×4 /2 ×32');
    assert.equal(layerTitle(node('Conv1d'.slice(0, 4), {}), () => [8, 4, 5]), 'Conv 5 ×8');
  });

  it('pooling, Gemm, MatMul, Resize, Concat', () => {
    assert.equal(layerTitle(node('MaxPool', { kernel_shape: ints([3, 3]), strides: ints([2, 2]) }), () => undefined), 'MaxPool 3×3 /2');
    assert.equal(layerTitle(node('Gemm', { transB: int(1) }), () => [1000, 2048]), 'Gemm ×1000');
    assert.equal(layerTitle(node('MatMul'), () => [512, 10]), 'MatMul ×10');
    assert.equal(layerTitle(node('Resize', { mode: { type: 'string', value: 'nearest' } }), () => undefined), 'Resize nearest');
    assert.equal(layerTitle(node('Concat', { axis: int(1) }), () => undefined), 'Concat axis 1');
    assert.equal(layerTitle(node('Relu'), () => undefined), 'Relu');
  });

  it('attribute values as text', () => {
    assert.equal(attributeText({ type: 'ints', value: [1, 2, 3] }), '[1, 2, 3]');
    assert.equal(attributeText({ type: 'strings', value: ['a<b'] }), '["a<b"]');
    assert.equal(attributeText({ type: 'ints', value: Array.from({ length: 20 }, (_, i) => i) }), '[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, … (20)]');
    assert.equal(attributeText({ type: 'tensor', value: { dtype: 'float32', dims: [64], storage: { kind: 'none' } } }), 'tensor float32 [64]');
  });

  it('ResNet-50 as torch.onnx.export writes it: the stem and the classifier', () => {
    const model = resnet50({ weights: 'none' });
    const profile = profileModel(model);
    const views = layerViews(model, profile);
    assert.equal(views.length, profile.report.layers.length);
    assert.equal(views[0].title, 'Conv 7×7 /2 ×64');
    const gemm = profile.report.layers.findIndex((l) => l.op === 'Gemm');
    assert.equal(views[gemm].title, 'Gemm ×1000');
    assert.deepEqual(views[0].weights.map((w) => w.dims), [[64, 3, 7, 7], [64]]);
    // Activation inputs are found in the report by name (not repeated in the view).
    assert.deepEqual(layerInputs(profile.report.layers[0], views[0], tensorIndex(profile.report)).map((t) => t.shape), [[1, 3, 224, 224], [64, 3, 7, 7], [64]]);
    // torchvision's stem: 7×7 /2 pad 3 on 224 → 112, then the 3×3 /2 pad 1 max-pool → 56.
    assert.deepEqual(views[0].outputSize, ['H, W: out = ⌊(224 + 2·3 − 7)/2⌋ + 1 = 112']);
    const pool = profile.report.layers.findIndex((l) => l.op === 'MaxPool');
    assert.deepEqual(views[pool].outputSize, ['H, W: out = ⌊(112 + 2·1 − 3)/2⌋ + 1 = 56']);
    assert.equal(views[gemm].outputSize, undefined);
  });
});

describe('weight statistics', () => {
  it('moments, zeros, non-finite elements and bins of a hand-worked tensor', () => {
    const s = weightStats({ dtype: 'float32', dims: [6], storage: { kind: 'values', values: [0, 1, 2, 3, 4, NaN] } }, undefined, 4)!;
    assert.equal(s.count, 6);
    assert.equal(s.nonFinite, 1);
    assert.equal(s.zeros, 1);
    assert.equal(s.min, 0);
    assert.equal(s.max, 4);
    assert.equal(s.mean, 2);
    assert.ok(Math.abs(s.std - Math.sqrt(2)) < 1e-12);
    // Bins of width 1 over [0, 4]: [0,1) [1,2) [2,3) [3,4]; the last includes the maximum.
    assert.deepEqual(s.histogram.counts, [1, 1, 1, 2]);
  });

  it('strings and missing data have no statistics', () => {
    assert.equal(weightStats({ dtype: 'string', dims: [1], storage: { kind: 'strings', values: ['a'] } }), undefined);
    assert.equal(weightStats({ dtype: 'float32', dims: [1], storage: { kind: 'none' } }), undefined);
  });

  it('agrees with numpy (min/max/mean/std and np.histogram, 32 bins) on the example model\'s conv weight', (t) => {
    const py = pythonWithOnnx();
    if (!py) return t.skip(PYTHON_ONNX_HINT);
    const loaded = loadModelFileSync(EXAMPLE);
    const name = loaded.model.graph.nodes.find((n) => n.opType === 'Conv')!.inputs[1];
    const ours = weightStats(loaded.model.graph.values.get(name)!.data!)!;
    const script = `
import json, sys, numpy as np, onnx
from onnx import numpy_helper
m = onnx.load(sys.argv[1])
w = [numpy_helper.to_array(i) for i in m.graph.initializer if i.name == sys.argv[2]][0].astype(np.float64).ravel()
counts, _ = np.histogram(w, bins=32)
print(json.dumps({"min": w.min(), "max": w.max(), "mean": w.mean(), "std": w.std(), "counts": counts.tolist(), "n": int(w.size)}))`;
    const r = spawnSync(py, ['-c', script, EXAMPLE, name], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ref = JSON.parse(r.stdout) as { min: number; max: number; mean: number; std: number; counts: number[]; n: number };
    assert.equal(ours.count, ref.n);
    for (const k of ['min', 'max', 'mean', 'std'] as const) assert.ok(Math.abs(ours[k] - ref[k]) < 1e-9 * Math.max(1, Math.abs(ref[k])), `${k}: ${ours[k]} vs numpy ${ref[k]}`);
    assert.deepEqual(ours.histogram.counts, ref.counts);
  });
});

describe('model session (what the view shows)', () => {
  it('profiles at a batch, names the peak layer, finds the largest training batch in a budget, and gives weight stats', async () => {
    const s = await ModelSession.open(EXAMPLE);
    const one = s.view({ budgetBytes: 8 * 2 ** 30 });
    assert.equal(one.report.totals.params, 20_154);
    assert.equal(one.layers.length, one.report.layers.length);
    assert.equal(one.summary.batch, null);
    const eight = s.view({ batch: 8, budgetBytes: 8 * 2 ** 30 });
    assert.equal(eight.summary.batch, 8);
    assert.equal(eight.report.inputs[0].shape![0], 8);
    // The budget rule: the training peak at the answer fits, at answer + 1 it does not.
    const budget = 64 * 2 ** 20;
    const fit = s.view({ budgetBytes: budget }).summary.largestTrainingBatch as number;
    assert.ok(fit > 1);
    assert.ok(s.view({ batch: fit, budgetBytes: budget }).report.totals.trainingPeakBytes! <= budget);
    assert.ok(s.view({ batch: fit + 1, budgetBytes: budget }).report.totals.trainingPeakBytes! > budget);
    const conv = one.report.layers.findIndex((l) => l.op === 'Conv');
    assert.equal(s.weightStats(conv, 1).count, one.layers[conv].weights[0].dims.reduce((a, b) => a * b, 1));
    assert.throws(() => s.weightStats(conv, 0), /not a stored weight/);
  });
});
