/**
 * `exportOnnx` / `convlens export` against external references: the exported
 * files run in onnxruntime-node with exactly the shapes our inference
 * predicts, and the numbers our Keras lowering computes agree with TF.js's
 * Keras layers (channels-last, TensorFlow padding rules) given the same
 * weights.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import * as tf from '@tensorflow/tfjs';
import type { Model, TensorConst } from '../../src/core/ir';
import { loadCnnYaml } from '../../src/core/loaders/cnn-yaml-model';
import { loadModelBytesSync } from '../../src/core/loaders/index';
import { inferShapes } from '../../src/core/analysis/infer';
import { profileModel } from '../../src/core/report/profile';
import { encodeOnnx } from '../../src/core/onnx/writer';
import { tensorNumbers } from '../../src/core/tensor-data';
import { ExportError, exportOnnx, prepareExport } from '../../src/core/export/onnx-export';
import { TRUNCATED_STD } from '../../src/core/export/init-weights';
import { mulberry32 } from '../../src/core/random';
import { layerOfNode } from '../../src/core/export/opset';
import { runCli } from '../helpers/cli';
import { tempDir } from '../helpers/temp';

const EXAMPLES = resolve(__dirname, '../../examples');
const yaml = (text: string, file = 'test.cnn.yaml'): Model => loadCnnYaml(text, file);
const example = (name: string): Model => yaml(readFileSync(join(EXAMPLES, name), 'utf8'), name);
const numbers = (t: TensorConst | undefined): Float32Array => Float32Array.from(tensorNumbers(t!) ?? []);
const inputShape = (m: Model): number[] => m.graph.values.get(m.graph.inputs[0])!.shape as number[];

function randomInput(shape: number[], seed: number): Float32Array {
  const r = mulberry32(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1);
}

async function run(bytes: Uint8Array, input: Float32Array, shape: number[]): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['cpu'] });
  return session.run({ [session.inputNames[0]]: new ort.Tensor('float32', input, shape) });
}

/** Every output's dims equal our inferred shape for that value, and its elements are finite. */
async function checkShapes(model: Model, bytes: Uint8Array): Promise<ort.InferenceSession.OnnxValueMapType> {
  const shape = inputShape(model);
  const outputs = await run(bytes, randomInput(shape, 1), shape);
  const inferred = inferShapes(model).values;
  const exported = inferShapes(prepareExport(model)).values;
  for (const [name, t] of Object.entries(outputs)) {
    const want = inferred.get(name)?.shape ?? exported.get(name)?.shape;
    assert.deepEqual(t.dims, want, `${model.graph.name}: ${name}`);
    assert.ok((t.data as Float32Array).every(Number.isFinite), `${model.graph.name}: ${name} has non-finite elements`);
  }
  return outputs;
}

describe('exportOnnx: every example runs in onnxruntime with the predicted shapes', () => {
  for (const file of readdirSync(EXAMPLES).filter((f) => f.endsWith('.cnn.yaml'))) {
    it(file, async () => {
      const model = example(file);
      const outputs = await checkShapes(model, exportOnnx(model, { intermediateOutputs: true }));
      // One output per computing node (Constants excluded), the model output among them.
      assert.equal(Object.keys(outputs).length, model.graph.nodes.filter((n) => n.opType !== 'Constant').length);
      const last = model.graph.nodes.find((n) => n.outputs[0] === model.graph.outputs[0])!;
      if (last.opType === 'Softmax') {
        const p = outputs[model.graph.outputs[0]].data as Float32Array;
        assert.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-5);
      }
    });
  }
});

/** Every operator the Keras lowering emits (opset 20), so the opset-17 rewrite and fills all run. */
const EVERYTHING = `
name: Everything
input: [12, 12, 3]
layers:
  - Rescaling: {scale: 0.5, offset: -1}
  - Conv2D: {filters: 8, kernel_size: 3, padding: same, activation: gelu}
  - LayerNormalization: {}
  - PReLU: {shared_axes: [1, 2]}
  - Conv2DTranspose: {filters: 4, kernel_size: 2, strides: 2, activation: relu6}
  - Cropping2D: {cropping: [[1, 2], [3, 0]]}
  - UpSampling2D: {size: 2, interpolation: bilinear}
  - DepthwiseConv2D: {kernel_size: 3, depth_multiplier: 2, activation: swish}
  - Residual: {layers: [BatchNormalization: {}, ELU: {}], shortcut: [LeakyReLU: {}]}
  - MaxPooling2D: {pool_size: 3, strides: 2, padding: same}
  - Activation: {activation: hard_sigmoid}
  - Reshape: {target_shape: [25, 16, -1]}
  - Conv2D: {filters: 6, kernel_size: 1, activation: selu}
  - Branches: [[Activation: {activation: softplus}], [Activation: {activation: softsign}], [Activation: {activation: exponential}]]
  - GlobalAveragePooling2D: {}
  - Dense: {units: 5, activation: sigmoid}
  - Dense: {units: 3, activation: softmax}
`;

describe('exportOnnx: opset conversion', () => {
  it('every emitted operator runs at opset 17 (Gelu decomposed) with the predicted shapes', async () => {
    const model = yaml(EVERYTHING);
    assert.ok(model.graph.nodes.some((n) => n.opType === 'Gelu'));
    const prepared = prepareExport(model);
    assert.equal(prepared.opset[''], 17);
    assert.ok(!prepared.graph.nodes.some((n) => n.opType === 'Gelu'));
    await checkShapes(model, exportOnnx(model, { intermediateOutputs: true }));
  });

  it('the Gelu decomposition computes what ONNX Gelu-20 computes', async () => {
    const model = yaml('input: [6]\nlayers:\n  - Dense: {units: 64, activation: gelu}\n  - Dense: {units: 4, activation: gelu}\n');
    const x = randomInput([1, 6], 7).map((v) => 4 * v);
    const a = (await run(exportOnnx(model, { opset: 20 }), x, [1, 6]))[model.graph.outputs[0]].data as Float32Array;
    const b = (await run(exportOnnx(model, { opset: 17 }), x, [1, 6]))[model.graph.outputs[0]].data as Float32Array;
    assert.ok(a.some((v) => v !== 0));
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-5, `${a[i]} vs ${b[i]}`);
  });

  it('fails naming the layer when an operator has no form at the opset', () => {
    const model = yaml('input: [4, 4, 2]\nlayers:\n  - LayerNormalization: {name: ln}\n');
    assert.throws(() => exportOnnx(model, { opset: 16 }), (e: Error) => e instanceof ExportError && /layer 'ln'.*LayerNormalization needs opset 17/.test(e.message));
    assert.throws(() => exportOnnx(model, { opset: 12 }), /opset 12 is not supported for export; choose 13–22/);
  });

  it('ONNX models are re-encoded at their own opset; another opset is refused', () => {
    const onnx = loadModelBytesSync(readFileSync(join(EXAMPLES, 'small-cnn.onnx')), 'small-cnn.onnx');
    const back = loadModelBytesSync(exportOnnx(onnx), 'back.onnx');
    assert.equal(back.opset[''], onnx.opset['']);
    assert.equal(profileModel(back).report.totals.params, profileModel(onnx).report.totals.params);
    assert.throws(() => exportOnnx(onnx, { opset: onnx.opset[''] === 17 ? 18 : 17 }), /opset conversion is only done for models ConvLens lowers/);
  });
});

describe('exportOnnx: weights', () => {
  const big = yaml('input: [8, 8, 128]\nlayers:\n  - Conv2D: {filters: 256, kernel_size: 3, name: conv}\n  - BatchNormalization: {name: bn}\n');

  it('the same seed gives identical bytes; another seed other weights', () => {
    const lenet = example('lenet5.cnn.yaml');
    const a = exportOnnx(lenet);
    assert.deepEqual(exportOnnx(lenet, { seed: 0 }), a);
    assert.notDeepEqual(exportOnnx(lenet, { seed: 1 }), a);
    // The source model is left without data.
    assert.ok([...lenet.graph.initializers].some((n) => lenet.graph.values.get(n)!.data!.storage.kind === 'none'));
  });

  it('kernels are Keras He-normal: truncated at 2σ₀, standard deviation √(2/fan_in)', () => {
    const g = loadModelBytesSync(exportOnnx(big), 'big.onnx').graph;
    const w = numbers(g.values.get('conv/kernel')!.data);
    assert.equal(w.length, 256 * 128 * 9);
    const fanIn = 128 * 9;
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    const want = Math.sqrt(2 / fanIn);
    assert.ok(Math.abs(std - want) / want < 0.05, `std ${std}, Keras ${want}`);
    assert.ok(Math.abs(mean) < 0.01 * want);
    const bound = (2 * want) / TRUNCATED_STD;
    assert.ok(w.every((v) => Math.abs(v) <= bound * (1 + 1e-6)));
    // A truncated normal still reaches close to its bounds.
    assert.ok(w.some((v) => Math.abs(v) > 0.95 * bound));
  });

  it('biases 0; BatchNormalization gamma 1, beta 0, moving mean 0, variance 1', () => {
    const g = loadModelBytesSync(exportOnnx(big), 'big.onnx').graph;
    const all = (name: string, v: number) => assert.ok(numbers(g.values.get(name)!.data).every((x) => x === v), name);
    all('conv/bias', 0);
    all('bn/gamma', 1);
    all('bn/beta', 0);
    all('bn/moving_mean', 0);
    all('bn/moving_variance', 1);
  });

  it('our ONNX loader reads the file back with the definition\'s parameter count', () => {
    for (const file of ['lenet5.cnn.yaml', 'alexnet.cnn.yaml']) {
      const model = example(file);
      const back = loadModelBytesSync(exportOnnx(model), file.replace('.cnn.yaml', '.onnx'));
      assert.equal(back.producer, 'convlens');
      assert.equal(back.graph.name, model.graph.name);
      assert.equal(profileModel(back).report.totals.params, profileModel(model).report.totals.params, file);
      assert.deepEqual(back.graph.values.get(back.graph.outputs[0])!.shape, inferShapes(model).values.get(model.graph.outputs[0])!.shape);
    }
  });
});

// ---------------------------------------------------------------------------
// Numbers against TF.js's Keras layers

/** Covers TensorFlow's asymmetric SAME padding (odd sizes, stride 2), channels-last Flatten, depthwise layouts. */
const KERAS_CHECK = `
name: KerasCheck
input: [9, 9, 3]
layers:
  - ZeroPadding2D: {padding: [[1, 0], [2, 1]], name: zp}
  - Conv2D: {filters: 8, kernel_size: 3, strides: 2, padding: same, activation: relu, name: c1}
  - BatchNormalization: {name: bn, epsilon: 0.01}
  - Branches:
      name: br
      branches:
        - [DepthwiseConv2D: {kernel_size: 3, padding: same, depth_multiplier: 2, name: dw}]
        - [SeparableConv2D: {filters: 6, kernel_size: 3, padding: same, depth_multiplier: 2, activation: relu, name: sep}]
        - [AveragePooling2D: {pool_size: 3, strides: 1, padding: same, name: ap}]
  - Residual: {name: res, layers: [Conv2D: {filters: 30, kernel_size: 3, padding: same, name: c2}]}
  - MaxPooling2D: {pool_size: 3, strides: 2, padding: same, name: mp}
  - UpSampling2D: {size: 2, name: up}
  - AveragePooling2D: {pool_size: 2, name: ap2}
  - Flatten: {name: fl}
  - Dense: {units: 10, name: logits}
  - Activation: {activation: softmax, name: prob}
`;

/** Transposed convolutions (SAME with odd and even kernels), cropping, channels-last Reshape, LayerNorm, PReLU, activations. */
const KERAS_CHECK_2 = `
name: KerasCheck2
input: [7, 7, 4]
layers:
  - Conv2DTranspose: {filters: 6, kernel_size: 3, strides: 2, padding: same, name: ct1}
  - PReLU: {shared_axes: [1, 2], name: pr}
  - Conv2DTranspose: {filters: 4, kernel_size: 4, strides: 2, padding: same, name: ct2}
  - Conv2DTranspose: {filters: 3, kernel_size: 3, strides: 2, name: ct3}
  - Cropping2D: {cropping: [[1, 2], [3, 0]], name: cr}
  - Conv2D: {filters: 4, kernel_size: 3, strides: 3, activation: relu6, name: c}
  - LayerNormalization: {epsilon: 0.01, name: ln}
  - ELU: {name: elu}
  - LeakyReLU: {name: lr}
  - ReLU: {max_value: 1.5, name: rl}
  - Reshape: {target_shape: [36, 9, 4], name: rs}
  - GlobalAveragePooling2D: {name: gap}
  - Dense: {units: 3, activation: softmax, name: out}
`;

type Sym = tf.SymbolicTensor;
/** A TF.js network; `layers` maps our IR layer path (`br/dw`) to its TF.js layer; every layer's output is a model output. */
interface TfNet { model: tf.LayersModel; layers: Map<string, tf.layers.Layer> }
type Apply = (path: string, layer: tf.layers.Layer, input: Sym | Sym[]) => Sym;

function tfNet(inputHWC: number[], build: (x: Sym, apply: Apply) => void): TfNet {
  const layers = new Map<string, tf.layers.Layer>();
  const outputs: Sym[] = [];
  const x = tf.input({ shape: inputHWC });
  build(x, (path, layer, input) => {
    layers.set(path, layer);
    outputs.push(layer.apply(input) as Sym);
    return outputs[outputs.length - 1];
  });
  return { model: tf.model({ inputs: x, outputs }), layers };
}

const sequential = (inputHWC: number[], steps: [string, tf.layers.Layer][]): TfNet =>
  tfNet(inputHWC, (x, apply) => steps.reduce((y, [path, layer]) => apply(path, layer, y), x));

const L = tf.layers;
const kerasCheckNet = (): TfNet => tfNet([9, 9, 3], (x, apply) => {
  let y = apply('zp', L.zeroPadding2d({ padding: [[1, 0], [2, 1]] }), x);
  y = apply('c1', L.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }), y);
  y = apply('bn', L.batchNormalization({ epsilon: 0.01 }), y);
  const dw = apply('br/dw', L.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthMultiplier: 2 }), y);
  const sep = apply('br/sep', L.separableConv2d({ filters: 6, kernelSize: 3, padding: 'same', depthMultiplier: 2, activation: 'relu' }), y);
  const ap = apply('br/ap', L.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same' }), y);
  y = apply('br/concatenate', L.concatenate(), [dw, sep, ap]);
  y = apply('res/add', L.add(), [apply('res/c2', L.conv2d({ filters: 30, kernelSize: 3, padding: 'same' }), y), y]);
  y = apply('mp', L.maxPooling2d({ poolSize: 3, strides: 2, padding: 'same' }), y);
  y = apply('up', L.upSampling2d({ size: [2, 2] }), y);
  y = apply('ap2', L.averagePooling2d({ poolSize: 2 }), y);
  y = apply('logits', L.dense({ units: 10 }), apply('fl', L.flatten(), y));
  apply('prob', L.activation({ activation: 'softmax' }), y);
});

const kerasCheck2Net = (): TfNet => sequential([7, 7, 4], [
  ['ct1', L.conv2dTranspose({ filters: 6, kernelSize: 3, strides: 2, padding: 'same' })],
  ['pr', L.prelu({ sharedAxes: [1, 2] })],
  ['ct2', L.conv2dTranspose({ filters: 4, kernelSize: 4, strides: 2, padding: 'same' })],
  ['ct3', L.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2 })],
  ['cr', L.cropping2D({ cropping: [[1, 2], [3, 0]] })],
  ['c', L.conv2d({ filters: 4, kernelSize: 3, strides: 3, activation: 'relu6' })],
  ['ln', L.layerNormalization({ epsilon: 0.01 })],
  ['elu', L.elu()],
  ['lr', L.leakyReLU()],
  ['rl', L.reLU({ maxValue: 1.5 })],
  ['rs', L.reshape({ targetShape: [36, 9, 4] })],
  ['gap', L.globalAveragePooling2d({})],
  ['out', L.dense({ units: 3, activation: 'softmax' })],
]);

const lenetNet = (): TfNet => sequential([32, 32, 1], [
  ['conv2d', L.conv2d({ filters: 6, kernelSize: 5, activation: 'tanh' })],
  ['average_pooling2d', L.averagePooling2d({ poolSize: 2 })],
  ['conv2d_1', L.conv2d({ filters: 16, kernelSize: 5, activation: 'tanh' })],
  ['average_pooling2d_1', L.averagePooling2d({ poolSize: 2 })],
  ['conv2d_2', L.conv2d({ filters: 120, kernelSize: 5, activation: 'tanh' })],
  ['flatten', L.flatten()],
  ['dense', L.dense({ units: 84, activation: 'tanh' })],
  ['dense_1', L.dense({ units: 10, activation: 'softmax' })],
]);

/**
 * Biases and BatchNorm statistics of the prepared model replaced by random
 * values (zeros and ones would hide a misplaced bias or a wrong epsilon).
 */
function randomiseNonKernels(m: Model, seed: number): void {
  const r = mulberry32(seed);
  for (const name of m.graph.initializers) {
    const v = m.graph.values.get(name)!;
    if (v.dtype !== 'float32' || /kernel$/.test(name)) continue;
    // (PReLU's alpha included: its Keras default 0 would make it a ReLU.)
    const values = Float32Array.from({ length: v.data!.dims.reduce((a, b) => a * b, 1) }, () => (/variance$/.test(name) ? 0.5 + r() : r() - 0.5));
    m.graph.values.set(name, { ...v, data: { ...v.data!, storage: { kind: 'values', values } } });
  }
}

/** Our weights (ONNX layouts) → TF.js's (Keras layouts), layer by layer. */
function copyWeights(m: Model, net: TfNet): void {
  for (const [path, layer] of net.layers) {
    const w = (suffix: string) => {
      const v = m.graph.values.get(`${path}/${suffix}`);
      assert.ok(v?.data, `no weight ${path}/${suffix}`);
      return tf.tensor(numbers(v.data), v.data.dims);
    };
    const cls = layer.getClassName();
    const oihwToHwio = (t: tf.Tensor) => t.transpose([2, 3, 1, 0]);
    // ONNX depthwise [C·m, 1, kh, kw]: output c·m + j is filter j of channel c, as Keras's [kh, kw, C, m].
    const depthwise = (t: tf.Tensor) => {
      const [kh, kw, c, m] = layer.getWeights()[0].shape;
      return t.reshape([c, m, kh, kw]).transpose([2, 3, 0, 1]);
    };
    // Conv [O, I, kh, kw] and ConvTranspose [I, O, kh, kw] both map to Keras's [kh, kw, dims[1], dims[0]].
    if (cls === 'Conv2D' || cls === 'Conv2DTranspose') layer.setWeights([oihwToHwio(w('kernel')), w('bias')]);
    else if (cls === 'PReLU') layer.setWeights([w('alpha').transpose([1, 2, 0])]);
    else if (cls === 'LayerNormalization') layer.setWeights([w('gamma'), w('beta')]);
    else if (cls === 'DepthwiseConv2D') layer.setWeights([depthwise(w('depthwise_kernel')), w('bias')]);
    else if (cls === 'SeparableConv2D') layer.setWeights([depthwise(w('depthwise_kernel')), oihwToHwio(w('pointwise_kernel')), w('bias')]);
    else if (cls === 'BatchNormalization') layer.setWeights(['gamma', 'beta', 'moving_mean', 'moving_variance'].map(w));
    else if (cls === 'Dense') layer.setWeights([w('kernel'), w('bias')]);
    else assert.equal(layer.getWeights().length, 0, `${path}: ${cls} weights not copied`);
  }
}

/** Our model and TF.js on the same input and weights: every layer's output agrees. */
async function compareWithTfjs(model: Model, net: TfNet, seed: number): Promise<void> {
  const prepared = prepareExport(model, { seed, intermediateOutputs: true });
  randomiseNonKernels(prepared, seed + 1);
  copyWeights(prepared, net);
  const nchw = inputShape(model);
  const nhwc = [nchw[0], ...nchw.slice(2), nchw[1]];
  const x = tf.tensor(randomInput(nhwc, seed + 2), nhwc);
  const ours = await run(encodeOnnx(prepared), (await x.transpose([0, 3, 1, 2]).data()) as Float32Array, nchw);
  const theirs = net.model.predict(x) as tf.Tensor[];
  const paths = [...net.layers.keys()];
  assert.equal(theirs.length, paths.length);
  for (let k = 0; k < paths.length; k++) {
    // The layer's result is the output of its last node (after its activation).
    const node = prepared.graph.nodes.filter((n) => layerOfNode(n) === paths[k]).pop();
    assert.ok(node, `no nodes for layer ${paths[k]}`);
    const o = ours[node.outputs[0]];
    const nc = tf.tensor(o.data as Float32Array, o.dims as number[]);
    const t = o.dims.length === 4 ? nc.transpose([0, 2, 3, 1]) : nc;
    assert.deepEqual(t.shape, theirs[k].shape, `${paths[k]}: shape`);
    const [a, b] = [t.dataSync(), theirs[k].dataSync()];
    let worst = 0;
    for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
    assert.ok(worst < 1e-4, `${model.graph.name} layer ${paths[k]}: ours and TF.js differ by up to ${worst}`);
  }
}

describe('Keras semantics against TF.js (same weights, same input)', () => {
  before(() => tf.setBackend('cpu'));

  it('LeNet-5', async () => {
    await compareWithTfjs(example('lenet5.cnn.yaml'), lenetNet(), 11);
  });

  it('SAME padding with stride 2, depthwise/separable, pools, BN, NHWC Flatten, padding, upsampling, concat, add', async () => {
    const model = yaml(KERAS_CHECK);
    // The definition's odd sizes do give asymmetric SAME padding (10×12 input, stride 2, kernel 3: 0 before, 1 after).
    assert.deepEqual(inferShapes(model).values.get(model.graph.outputs[0])!.shape, [1, 10]);
    await compareWithTfjs(model, kerasCheckNet(), 21);
  });

  it('Conv2DTranspose (SAME, odd and even kernels; VALID), Cropping2D, Reshape, LayerNormalization, PReLU, ELU, LeakyReLU, ReLU max', async () => {
    await compareWithTfjs(yaml(KERAS_CHECK_2), kerasCheck2Net(), 31);
  });
});

// ---------------------------------------------------------------------------
// CLI

describe('convlens export', () => {
  let dir: string;
  before(() => (dir = tempDir('convlens-export-')));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a file onnxruntime loads, and says what it wrote', async () => {
    const out = join(dir, 'lenet.onnx');
    const r = await runCli('export', join(EXAMPLES, 'lenet5.cnn.yaml'), '-o', out, '--seed', '3', '--batch', '2');
    assert.equal(r.code, 0, r.stderr);
    const bytes = readFileSync(out);
    assert.match(r.stdout, new RegExp(`^Wrote ${out.replace(/[.\\]/g, '\\$&')}: ${bytes.length.toLocaleString('en-US')} bytes, 61,706 params, opset 17, input input 2×1×32×32 \\(NCHW\\), initial weights seed 3\\n$`));
    const y = await run(bytes, randomInput([2, 1, 32, 32], 4), [2, 1, 32, 32]);
    assert.deepEqual(Object.values(y)[0].dims, [2, 10]);
    // The same command writes the same bytes.
    assert.equal((await runCli('export', join(EXAMPLES, 'lenet5.cnn.yaml'), '-o', out, '--seed', '3', '--batch', '2')).code, 0);
    assert.deepEqual(readFileSync(out), bytes);
  });

  it('--opset and re-encoding an ONNX file', async () => {
    const out = join(dir, 'lenet20.onnx');
    assert.equal((await runCli('export', join(EXAMPLES, 'lenet5.cnn.yaml'), '--output', out, '--opset', '20')).code, 0);
    assert.equal(loadModelBytesSync(readFileSync(out), out).opset[''], 20);
    const r = await runCli('export', join(EXAMPLES, 'small-cnn.onnx'), '-o', join(dir, 'small.onnx'));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /params, opset \d+, input/);
  });

  it('usage errors exit 1 (as `profile`), unusable option values and export failures 2, each with a message', async () => {
    const lenet = join(EXAMPLES, 'lenet5.cnn.yaml');
    const usage = async (args: string[], message: RegExp) => {
      const r = await runCli(...args);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, message);
    };
    await usage(['export', lenet], /give the output file with -o/);
    await usage(['export', lenet, '-o', join(dir, 'x.onnx'), '--json'], /--json applies to 'profile'/);
    await usage(['profile', lenet, '--seed', '1'], /--seed applies to 'export'/);
    await usage(['export', join(EXAMPLES, 'small-cnn.onnx'), '-o', join(dir, 'x.onnx'), '--batch', '2'], /--batch applies to .cnn.yaml definitions/);
    // A value that cannot be used is not a malformed command line: exit 2, one line.
    // (`--seed -1` reads as a missing value: a malformed command line.)
    await usage(['export', lenet, '-o', join(dir, 'x.onnx'), '--seed', '-1'], /Option '--seed' argument is ambiguous/);
    for (const [args, message] of [[['--seed', '99999999999'], /--seed: expected an integer 0–4294967295/], [['--opset', '9'], /--opset: expected 13–22, got 9/]] as const) {
      const r = await runCli('export', lenet, '-o', join(dir, 'x.onnx'), ...args);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, message);
    }
    const ln = join(dir, 'ln.cnn.yaml');
    writeFileSync(ln, 'input: [4, 4, 2]\nlayers:\n  - LayerNormalization: {name: ln}\n');
    const r = await runCli('export', ln, '-o', join(dir, 'ln.onnx'), '--opset', '16');
    assert.ok(r.code === 2 && /cannot export: layer 'ln'.*needs opset 17/.test(r.stderr), r.stderr);
    assert.match((await runCli('--help')).stdout, /convlens export <model\.cnn\.yaml> -o <out\.onnx>/);
  });
});
