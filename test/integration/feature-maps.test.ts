/**
 * Feature maps from the runtime process: a hand-set edge detector on the
 * bundled gratings answers to the orientation it was built for (numbers
 * checked against the response worked out by hand), a classifier gets its
 * top-5 with labels, and every layer of ResNet-18 gets a preview.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { runInChild, RuntimeError } from '../../src/runtime/client';
import type { CaptureRequest } from '../../src/runtime/messages';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { PRESETS } from '../../src/core/image/preprocess';
import { testModel } from '../helpers/ir';
import { tf, saveTfjs, writeKerasH5WithWeights } from '../helpers/keras-writers';
import type { FeatureMapPreview } from '../../src/core/image/feature-maps';
import { tempDir } from '../helpers/temp';

const ROOT = resolve(__dirname, '../..');
const sample = (f: string) => join(ROOT, 'media', 'samples', f);
const tmp = tempDir('convlens-fm-');

/**
 * One Conv, two 3×3 filters on the mean of the channels, no padding:
 * 0 = Sobel Gx [-1 0 1; -2 0 2; -1 0 1] (vertical edges), 1 = Gy, its transpose (horizontal edges).
 */
function edgeModel(): string {
  const gx = [-1, 0, 1, -2, 0, 2, -1, 0, 1];
  const gy = [-1, -2, -1, 0, 0, 0, 1, 2, 1];
  const w = [...[gx, gx, gx].flat(), ...[gy, gy, gy].flat()].map((v) => v / 3);
  const m = testModel({
    inputs: { image: { shape: [1, 3, 112, 112] } },
    outputs: ['edges'],
    initializers: { w: { dims: [2, 3, 3, 3], values: w } },
    nodes: [{ name: 'edge_conv', op: 'Conv', inputs: ['image', 'w'], outputs: ['edges'], attrs: { kernel_shape: { type: 'ints', value: [3, 3] } } }],
  });
  const file = join(tmp, 'edges.onnx');
  writeFileSync(file, encodeOnnx(m));
  return file;
}

const capture = (modelPath: string, image: string, extra: Partial<CaptureRequest> = {}) =>
  runInChild({ kind: 'capture', modelPath, image, provider: 'cpu', preprocess: { resize: 'stretch', channelOrder: 'RGB', ...PRESETS.unit }, ...extra }, { timeoutMs: 600_000 /* only catches a hang: one run can take minutes on a busy machine */ });

/** Rows of channel `c` of a preview, as numbers 0–255. */
function rows(p: FeatureMapPreview, c: number): number[][] {
  const px = Buffer.from(p.pixels, 'base64');
  return Array.from({ length: p.height }, (_, y) => [...px.subarray(c * p.height * p.width + y * p.width, c * p.height * p.width + (y + 1) * p.width)]);
}

describe('feature maps (onnxruntime-node, CPU)', () => {
  const model = edgeModel();

  it('vertical stripes: the vertical-edge filter answers with the amplitude worked out by hand, the horizontal one not at all', async () => {
    const { capture: c } = await capture(model, sample('stripes-vertical.png'));
    const conv = c.layers.find((l) => l.layer === 'edge_conv')!;
    assert.deepEqual(conv.shape, [1, 2, 110, 110]);
    const [gx, gy] = conv.stats;
    // The grating v(x) = ½ + ½cos(2πx/16) at 224 px, halved to 112 px by 2-pixel means (half-pixel
    // centres): ½ + A·cos(2πx/8 + π/16) with A = ½cos(π/16). Gx sums 4·(v(x+1) − v(x−1)) =
    // −8A·sin(2π/8)·sin(2πx/8 + π/16), largest at whole x where |sin| = sin(9π/16) = cos(π/16).
    // The resized pixels are rounded to 8 bits, as in any image pipeline: within 1%.
    const amplitude = 0.5 * Math.cos(Math.PI / 16);
    const peak = 8 * amplitude * Math.sin(Math.PI / 4) * Math.cos(Math.PI / 16);
    assert.ok(Math.abs(gx.max - peak) < 0.01 * peak, `Gx peak ${gx.max} vs ${peak}`);
    assert.ok(Math.abs(gx.min + peak) < 0.01 * peak, `Gx trough ${gx.min} vs ${-peak}`);
    assert.ok(Math.abs(gy.max) < 0.02 && Math.abs(gy.min) < 0.02, `Gy ${gy.min}…${gy.max} on vertical stripes`);
    // The preview of Gx: stripes vary along x only, so every row is the same.
    const r = rows(conv, 0);
    assert.ok(r.every((row) => row.every((v, x) => Math.abs(v - r[0][x]) <= 1)), 'vertical stripes in the Gx preview');
    assert.ok(Math.max(...r[0]) - Math.min(...r[0]) > 200, 'the preview spans the range');
  });

  it('horizontal stripes: the other way round; 45° stripes: both filters answer about equally', async () => {
    const h = (await capture(model, sample('stripes-horizontal.png'))).capture.layers[0].stats;
    assert.ok(h[1].meanAbs > 50 * h[0].meanAbs, `Gy ${h[1].meanAbs} vs Gx ${h[0].meanAbs}`);
    const d = (await capture(model, sample('stripes-diagonal-45.png'))).capture.layers[0].stats;
    const ratio = d[0].meanAbs / d[1].meanAbs;
    assert.ok(ratio > 0.8 && ratio < 1.25, `45°: Gx/Gy mean |response| ${ratio}`);
  });

  it('a classifier (small-cnn.onnx) gets its top-5 classes, labelled from labels.txt; the shown image is the resized input', async () => {
    const labels = join(tmp, 'labels.txt');
    writeFileSync(labels, Array.from({ length: 10 }, (_, i) => `digit ${i}`).join('\n') + '\n');
    const { capture: c } = await capture(join(ROOT, 'examples', 'small-cnn.onnx'), sample('scene.png'), { labelsPath: labels, preprocess: { resize: 'crop', channelOrder: 'RGB', ...PRESETS.imagenet } });
    assert.equal(c.top!.classes.length, 5);
    assert.equal(c.top!.labels, 'labels.txt');
    assert.match(c.top!.classes[0].label, /^digit \d$/);
    const p = c.top!.classes.map((x) => x.probability);
    assert.ok(p.every((v, i) => i === 0 || v <= p[i - 1]) && p.reduce((a, b) => a + b, 0) <= 1 + 1e-9);
    assert.deepEqual([c.shown.width, c.shown.height], [32, 32]);
    assert.equal(Buffer.from(c.shown.rgb, 'base64').length, 32 * 32 * 3);
    assert.equal(c.input.layout, 'NCHW');
  });

  it('ResNet-18 (definition → ONNX): a preview for every layer that makes an activation, in bounded chunks', async () => {
    const { capture: c } = await capture(join(ROOT, 'examples', 'resnet18.cnn.yaml'), sample('checkerboard.png'), { maxChannels: 64 });
    assert.ok(c.layers.length >= 70, `${c.layers.length} layers`);
    for (const l of c.layers) {
      assert.ok(l.shown <= 64);
      assert.ok(l.height <= 48 && l.width <= 48 * 8);
      assert.equal(Buffer.from(l.pixels, 'base64').length, l.shown * l.height * l.width);
    }
    const first = c.layers.find((l) => l.layer === '/conv1_conv/Conv')!;
    assert.deepEqual(first.shape, [1, 64, 112, 112]);
    assert.equal(first.pool, 3);
    assert.equal(c.top?.labels, 'none (class numbers)', 'no labels file, and 1,000 classes without the ImageNet list given');
  });

  it('no image input, or an unreadable image, is a clear error', async () => {
    await assert.rejects(capture(model, join(ROOT, 'README.md')), (e: RuntimeError) => /README\.md: not a PNG or JPEG image/.test(e.message));
    const vector = testModel({ inputs: { x: { shape: [1, 10] } }, outputs: ['y'], nodes: [{ name: 'r', op: 'Relu', inputs: ['x'], outputs: ['y'] }] });
    const file = join(tmp, 'vector.onnx');
    writeFileSync(file, encodeOnnx(vector));
    await assert.rejects(capture(file, sample('scene.png')), /no image input: feature maps need an input shaped \[N, 3, H, W\]/);
  });
});

describe('feature maps on TensorFlow.js (a TF.js layers model with its own weights)', () => {
  it('a hand-set Sobel Gx/Gy Conv2D saved by TF.js: on vertical stripes Gx answers and Gy does not, with the layer\'s trained weights', async () => {
    const model = tf.sequential({ name: 'edges' });
    model.add(tf.layers.conv2d({ inputShape: [112, 112, 3], filters: 2, kernelSize: 3, useBias: false, name: 'edge_conv' }));
    // Keras kernels are [kh, kw, in, out]; Gx and Gy on the mean of the channels.
    const gx = [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]];
    const kernel = new Float32Array(3 * 3 * 3 * 2);
    for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) for (let c = 0; c < 3; c++) {
      kernel[((y * 3 + x) * 3 + c) * 2] = gx[y][x] / 3;
      kernel[((y * 3 + x) * 3 + c) * 2 + 1] = gx[x][y] / 3;
    }
    model.layers[0].setWeights([tf.tensor4d(kernel, [3, 3, 3, 2])]);
    // The same model as a legacy Keras .h5 (model.save("m.h5") layout): its weights are read too.
    const h5 = join(mkdtempSync(join(tmp, 'h5-')), 'edges.h5');
    await writeKerasH5WithWeights(h5, model.toJSON(null, false), [{ name: 'edge_conv', weights: [{ name: 'edge_conv/kernel:0', shape: [3, 3, 3, 2], values: kernel }] }]);
    const fromH5 = (await capture(h5, sample('stripes-vertical.png'))).capture;
    assert.match(fromH5.notices.join('\n'), /weights from the \.h5 file \(1 layers\)/);
    const h5Stats = fromH5.layers.find((l) => l.value === 'edge_conv')!.stats;
    const saved = await saveTfjs(model);
    const dir = mkdtempSync(join(tmp, 'tfjs-'));
    writeFileSync(join(dir, 'model.json'), JSON.stringify(saved.modelJson));
    writeFileSync(join(dir, saved.shardName), saved.weights);
    const { capture: c } = await capture(join(dir, 'model.json'), sample('stripes-vertical.png'));
    assert.match(c.providers[0], /^tfjs-/);
    assert.equal(c.input.layout, 'NHWC');
    assert.match(c.notices.join('\n'), /weights from the weight shards/);
    const conv = c.layers.find((l) => l.value === 'edge_conv')!;
    assert.equal(conv.layer, '/edge_conv/Conv', 'filed under the graph node the Keras layer became');
    // Reduced channels-first (two 110×110 maps), shown as TF.js has it (NHWC), as the model view shows the layer.
    assert.deepEqual(conv.shape, [1, 110, 110, 2]);
    assert.equal(conv.channels, 2);
    assert.equal(conv.mapHeight, 110);
    const [x, y] = conv.stats;
    const peak = 8 * 0.5 * Math.cos(Math.PI / 16) * Math.sin(Math.PI / 4) * Math.cos(Math.PI / 16);
    assert.ok(Math.abs(x.max - peak) < 0.01 * peak, `Gx peak ${x.max} vs ${peak}`);
    assert.ok(Math.abs(y.max) < 0.02 && Math.abs(y.min) < 0.02, `Gy ${y.min}…${y.max}`);
    const r = rows(conv, 0);
    assert.ok(r.every((row) => row.every((v, i) => Math.abs(v - r[0][i]) <= 1)), 'vertical stripes in the Gx preview');
    assert.deepEqual(h5Stats, conv.stats, 'the .h5 and the TF.js shards give the same maps');
  });
});
