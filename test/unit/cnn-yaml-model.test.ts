/** `*.cnn.yaml` definitions → IR with Keras layer semantics (issue #5, step two): shapes, parameter counts, problems at their range. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCnnYaml } from '../../src/core/loaders/cnn-yaml';
import { definitionToModel } from '../../src/core/loaders/cnn-yaml-model';
import { profileModel } from '../../src/core/report/profile';

const example = (name: string) => readFileSync(join(__dirname, '..', '..', 'examples', name), 'utf8');

function lower(text: string) {
  const parsed = parseCnnYaml(text);
  assert.deepEqual(parsed.problems, []);
  const out = definitionToModel(parsed.definition!);
  return { ...out, profile: profileModel(out.model) };
}

/** NCHW → Keras's channels-last shape without the batch: [1, 6, 28, 28] → [28, 28, 6]. */
const keras = (s: (number | string)[] | null) => (s && s.length > 2 ? [...s.slice(2), s[1]] : s?.slice(1));

/** The output shape of each layer (its last node), by layer scope, in definition order. */
function layerShapes(p: ReturnType<typeof profileModel>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const l of p.report.layers) {
    if (l.op === 'Constant') continue;
    out.set(l.name.slice(0, l.name.lastIndexOf('/')), keras(l.outputs[0].shape));
  }
  return out;
}

const at = (text: string, r: { start: number; end: number }) => text.slice(r.start, r.end);

describe('cnn.yaml → IR: classic networks', () => {
  it('LeNet-5: per-layer shapes and 61,706 params (156 + 2,416 + 48,120 + 10,164 + 850)', () => {
    const { profile, problems } = lower(example('lenet5.cnn.yaml'));
    assert.deepEqual(problems, []);
    assert.deepEqual([...layerShapes(profile).values()], [
      [28, 28, 6], [14, 14, 6], [10, 10, 16], [5, 5, 16], [1, 1, 120], [120], [84], [10],
    ]);
    assert.equal(profile.report.totals.params, 61_706);
    assert.deepEqual(profile.report.layers.filter((l) => l.params! > 0).map((l) => l.params), [156, 2_416, 48_120, 10_164, 850]);
  });

  it('AlexNet (227×227 table): spatial sizes 55, 27, 27, 13, 13, 13, 13, 6', () => {
    const { profile, problems } = lower(example('alexnet.cnn.yaml'));
    assert.deepEqual(problems, []);
    const spatial = [...layerShapes(profile).values()].filter((s) => (s as number[]).length === 3).map((s) => (s as number[])[0]);
    assert.deepEqual(spatial, [55, 27, 27, 13, 13, 13, 13, 6]);
  });

  it('VGG-16 with top: 138,357,544 params (keras.applications.VGG16 summary)', () => {
    const { profile, problems } = lower(example('vgg16.cnn.yaml'));
    assert.deepEqual(problems, []);
    assert.equal(profile.report.totals.params, 138_357_544);
    assert.deepEqual(profile.report.outputs[0].shape, [1, 1000]);
  });

  it('MobileNet v1 (alpha 1.0, 224, include_top): 4,253,864 params (keras.applications.MobileNet summary)', () => {
    const filters = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];
    const strides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1];
    const blocks = filters.map((f, i) => `
  - DepthwiseConv2D: {kernel_size: 3, strides: ${strides[i]}, padding: same, use_bias: false}
  - BatchNormalization
  - ReLU: {max_value: 6}
  - Conv2D: {filters: ${f}, kernel_size: 1, use_bias: false}
  - BatchNormalization
  - ReLU: {max_value: 6}`).join('');
    const text = `name: MobileNet
input: [224, 224, 3]
layers:
  - Conv2D: {filters: 32, kernel_size: 3, strides: 2, padding: same, use_bias: false}
  - BatchNormalization
  - ReLU: {max_value: 6}${blocks}
  - GlobalAveragePooling2D: {keepdims: true}
  - Dropout: {rate: 0.001}
  - Conv2D: {filters: 1000, kernel_size: 1, padding: same}
  - Reshape: {target_shape: [1000]}
  - Activation: {activation: softmax}
`;
    const { profile, problems } = lower(text);
    assert.deepEqual(problems, []);
    assert.equal(profile.report.totals.params, 4_253_864);
    assert.deepEqual(profile.report.outputs[0].shape, [1, 1000]);
    const shapes = layerShapes(profile);
    assert.deepEqual(shapes.get('/depthwise_conv2d_12'), [7, 7, 1024]);
    // ReLU6 bounds are Constant nodes, not parameters.
    assert.equal(profile.report.layers.find((l) => l.name === '/re_lu/Clip')!.params, 0);
  });
});

describe('cnn.yaml → IR: layers', () => {
  const one = (layers: string, input = '[32, 32, 8]') => lower(`input: ${input}\nlayers:\n${layers}`);

  it('Conv1D nets take [L, C] as [N, C, L]', () => {
    const { profile } = one('  - Conv1D: {filters: 4, kernel_size: 3, padding: causal}\n  - GlobalAveragePooling1D', '[100, 2]');
    assert.deepEqual(profile.report.inputs[0].shape, [1, 2, 100]);
    assert.deepEqual(profile.report.outputs[0].shape, [1, 4]);
    assert.equal(profile.report.totals.params, 4 * 2 * 3 + 4);
  });

  it('SeparableConv2D = depthwise (no bias) + pointwise with bias; BatchNormalization counts 4·C', () => {
    const { profile } = one('  - SeparableConv2D: {filters: 16, kernel_size: 3, padding: same}\n  - BatchNormalization');
    assert.equal(profile.report.totals.params, 8 * 9 + 8 * 16 + 16 + 4 * 16);
    assert.deepEqual(keras(profile.report.outputs[0].shape), [32, 32, 16]);
  });

  it('PReLU: alpha [C,1,1] with shared_axes [1, 2], else per element', () => {
    assert.equal(one('  - PReLU: {shared_axes: [1, 2]}').profile.report.totals.params, 8);
    assert.equal(one('  - PReLU').profile.report.totals.params, 32 * 32 * 8);
  });

  it('LayerNormalization over channels: 2·C params, shape kept', () => {
    const { profile } = one('  - LayerNormalization');
    assert.equal(profile.report.totals.params, 16);
    assert.deepEqual(keras(profile.report.outputs[0].shape), [32, 32, 8]);
  });

  it('ZeroPadding2D, Cropping2D, UpSampling2D, Conv2DTranspose, Rescaling', () => {
    const { profile, problems } = one(`  - Rescaling: {scale: 0.00392156862745098}
  - ZeroPadding2D: {padding: [[1, 2], [3, 4]]}
  - Cropping2D: {cropping: 1}
  - UpSampling2D: {size: 2, interpolation: bilinear}
  - Conv2DTranspose: {filters: 4, kernel_size: 3, strides: 2, padding: same}`);
    assert.deepEqual(problems, []);
    const shapes = [...layerShapes(profile).values()];
    assert.deepEqual(shapes, [[32, 32, 8], [35, 39, 8], [33, 37, 8], [66, 74, 8], [132, 148, 4]]);
    assert.equal(profile.report.totals.params, 8 * 4 * 9 + 4);
  });

  it('Residual adds its shortcut; Branches concatenate channels; names follow exporter scopes', () => {
    const { model, profile, problems } = one(`  - Residual:
      name: res1
      layers:
        - Conv2D: {filters: 16, kernel_size: 3, strides: 2, padding: same, activation: relu}
      shortcut:
        - Conv2D: {filters: 16, kernel_size: 1, strides: 2}
  - Branches: [[Conv2D: {filters: 4, kernel_size: 1}], [MaxPooling2D: {pool_size: 3, strides: 1, padding: same}]]
  - Repeat: {times: 2, layers: [Conv2D: {filters: 20, kernel_size: 1}]}`);
    assert.deepEqual(problems, []);
    const names = model.graph.nodes.map((n) => n.name);
    assert.ok(names.includes('/res1/conv2d/Conv') && names.includes('/res1/conv2d/Relu') && names.includes('/res1/add/Add'));
    assert.ok(names.includes('/branches_1/concatenate/Concat'));
    assert.ok(names.includes('/repeat_1/1/conv2d_3/Conv') && names.includes('/repeat_1/2/conv2d_4/Conv'));
    assert.deepEqual(keras(profile.report.outputs[0].shape), [16, 16, 20]);
  });
});

describe('cnn.yaml → IR: problems at their range', () => {
  const problemsOf = (text: string) => definitionToModel(parseCnnYaml(text).definition!).problems;

  it('unknown layer Conv2d → did you mean Conv2D?, at the layer key', () => {
    const text = 'input: [8, 8, 1]\nlayers:\n  - Conv2d: {filters: 2, kernel_size: 3}\n';
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.match(p.message, /unknown layer Conv2d; did you mean Conv2D\?/);
    assert.equal(at(text, p.range), 'Conv2d');
    assert.equal(p.severity, 'error');
  });

  it('unknown argument filter → did you mean filters?, at the argument', () => {
    const text = 'input: [8, 8, 1]\nlayers:\n  - Conv2D: {filter: 2, kernel_size: 3}\n';
    const ps = problemsOf(text);
    const p = ps.find((x) => /unknown argument/.test(x.message))!;
    assert.match(p.message, /unknown argument 'filter'; did you mean filters\?/);
    assert.equal(at(text, p.range), '2');
  });

  it('a Residual whose branches disagree in channels: the Add error at the block', () => {
    const text = 'input: [8, 8, 3]\nlayers:\n  - Residual: [Conv2D: {filters: 4, kernel_size: 3, padding: same}]\n';
    const [p, ...rest] = problemsOf(text);
    assert.deepEqual(rest, []);
    assert.equal(at(text, p.range), 'Residual');
    assert.equal(p.message, 'Residual \'residual_1\': its layers give 8×8×4 but its input is 8×8×3; add a shortcut (e.g. Conv2D 1×1 with 4 filters)');
  });

  it('a kernel larger than its input (valid padding): a problem at that layer', () => {
    const text = 'input: [4, 4, 1]\nlayers:\n  - Conv2D: {filters: 2, kernel_size: 5}\n  - Conv2D: {filters: 2, kernel_size: 7}\n';
    const ps = problemsOf(text);
    assert.ok(ps.length >= 1);
    assert.match(at(text, ps[0].range), /^Conv2D/);
    assert.ok(ps[0].range.start < text.indexOf('kernel_size: 7'));
  });

  it('Dense on a rank-4 input is not supported yet (clearly said)', () => {
    const text = 'input: [4, 4, 1]\nlayers:\n  - Dense: {units: 3}\n';
    const [p] = problemsOf(text);
    assert.match(p.message, /Dense on a rank-4 input .* is not supported yet/);
    assert.equal(at(text, p.range), 'Dense');
  });
});
