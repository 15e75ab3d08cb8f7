/**
 * fp16 and quantized models written by the onnx package itself (a real
 * writer, in the forms PyTorch and onnxruntime's quantizers produce: see
 * test/helpers/quantized_models.py), checked three ways (issue #12):
 * - every shape ONNX's own shape inference finds equals ours;
 * - every node output onnxruntime-node computes has our shape and type;
 * - MACs and FLOPs are the hand-worked figures of README's conventions
 *   (integer layers count 2 FLOPs per MAC, as float ones).
 * Skips with the reason when Python's onnx package is missing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import * as ort from 'onnxruntime-node';
import { loadModelFileSync } from '../../src/core/loaders/index';
import { layerViews } from '../../src/core/report/layer-view';
import { layerInputs, tensorIndex } from '../../webview/panels/layer-inputs';
import { profileModel, type ProfileReport } from '../../src/core/report/profile';
import { PYTHON_ONNX_HINT, pythonWithOnnx } from '../helpers/python-onnx';
import { tempDir } from '../helpers/temp';

const python = pythonWithOnnx();
let dir: string;
let reference: Record<string, { onnx: string; values: Record<string, (number | string | null)[] | null> }> = {};

before(() => {
  if (!python) return;
  dir = tempDir('convlens-real-writer-');
  const r = spawnSync(python, [resolve(__dirname, '../helpers/quantized_models.py'), dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  reference = JSON.parse(r.stdout) as typeof reference;
});
after(() => dir && rmSync(dir, { recursive: true, force: true }));

const profile = (name: string, showFoldedNodes = false): ProfileReport => profileModel(loadModelFileSync(join(dir, `${name}.onnx`)).model, { showFoldedNodes }).report;
const layerOf = (r: ProfileReport, op: string) => r.layers.find((l) => l.op === op)!;

/** Input of every model: 1×3×16×16 float32 (matmul_integer: 4×32). */
async function runEveryOutput(name: string): Promise<Record<string, { dims: readonly number[]; type: string }>> {
  const session = await ort.InferenceSession.create(join(dir, `${name}.all.onnx`), { executionProviders: ['cpu'] });
  const shape = name === 'matmul_integer' ? [4, 32] : [1, 3, 16, 16];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
  const out = await session.run({ input: new ort.Tensor('float32', data, shape) });
  return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, { dims: v.dims, type: v.type }]));
}

const MODELS = ['fp16_cnn', 'conv_integer', 'qlinear', 'matmul_integer', 'qdq'];

describe('models written by Python onnx: shapes against ONNX and onnxruntime, figures by hand', { skip: python ? false : PYTHON_ONNX_HINT }, () => {
  for (const name of MODELS) {
    it(`${name}: every shape ONNX shape inference knows is ours`, () => {
      const r = profile(name);
      let compared = 0;
      for (const l of r.layers) {
        for (const o of l.outputs) {
          const ref = reference[name].values[o.name];
          if (!ref || ref.some((d) => typeof d !== 'number')) continue;
          assert.deepEqual(o.shape, ref, `${name}: ${l.op} ${o.name}`);
          compared++;
        }
      }
      assert.ok(compared >= 4, `${name}: only ${compared} shapes compared`);
    });

    it(`${name}: every node output onnxruntime computes has our shape and element type`, async () => {
      // Every node, the folded shape arithmetic and DequantizeLinear of weights too.
      const r = profile(name, true);
      const ran = await runEveryOutput(name);
      let compared = 0;
      for (const l of r.layers) {
        for (const o of l.outputs) {
          const got = ran[o.name];
          assert.ok(got, `${name}: onnxruntime gave no ${o.name}`);
          assert.deepEqual(o.shape, [...got.dims], `${name}: ${l.op} ${o.name}`);
          assert.equal(o.dtype, got.type, `${name}: ${l.op} ${o.name}`);
          compared++;
        }
      }
      assert.equal(compared, Object.keys(ran).length);
    });
  }

  it('fp16_cnn: Resize to sizes from Shape → Slice → Concat (ONNX cannot infer it; onnxruntime and we say 1×4×16×16)', () => {
    assert.equal(reference.fp16_cnn.values.up?.some((d) => typeof d !== 'number'), true);
    assert.deepEqual(profile('fp16_cnn').outputs[0].shape, [1, 4, 16, 16]);
  });

  it('fp16_cnn: the Resize\'s sizes, computed by Shape → Slice → Concat, are folded into the Resize as a constant with its value', () => {
    const loaded = loadModelFileSync(join(dir, 'fp16_cnn.onnx')).model;
    const p = profileModel(loaded);
    assert.deepEqual(p.report.foldedNodes.map((n) => n.op), ['Shape', 'Slice', 'Concat']);
    assert.deepEqual(p.report.layers.map((l) => l.op), ['Cast', 'Conv', 'Relu', 'MaxPool', 'Conv', 'Resize', 'Cast']);
    const resize = layerViews(loaded, p)[5];
    assert.deepEqual(resize.constants, [{ input: 3, name: 'sizes', dtype: 'int64', shape: [4], via: 'Shape → Slice → Concat', from: 'xh', value: '[1, 4, 16, 16]' }]);
    // The page puts the inputs together from the report and the view: activation, two omitted, the folded sizes.
    assert.deepEqual(layerInputs(p.report.layers[5], resize, tensorIndex(p.report)), [
      { name: 'c2', shape: [1, 4, 8, 8], dtype: 'float16' },
      { name: '', shape: null, dtype: null },
      { name: '', shape: null, dtype: null },
      { name: 'sizes', shape: [4], dtype: 'int64' },
    ]);
  });

  it('fp16_cnn: Conv 3×3 pad 1 to 8×16×16 = 8·16·16·27 = 55,296 MACs, 2 × 55,296 + 2,048 (bias) = 112,640 FLOPs', () => {
    const r = profile('fp16_cnn');
    const [c1, c2] = r.layers.filter((l) => l.op === 'Conv');
    assert.deepEqual([c1.macs, c1.flops], [55_296, 112_640]);
    // 1×1 conv 8 → 4 on 8×8: 4·8·8·8 = 2,048 MACs, no bias.
    assert.deepEqual([c2.macs, c2.flops], [2_048, 4_096]);
    // fp16 weights: 216 + 8 + 32 parameters, 2 bytes each.
    assert.deepEqual([r.totals.params, r.totals.paramBytes], [256, 512]);
    // Activations are fp16 between the Casts: the Conv output 8·16·16 × 2 bytes.
    assert.equal(c1.activationBytes, 4_096);
  });

  it('conv_integer: ConvInteger 3×3 to 8×14×14 = 42,336 MACs and 84,672 FLOPs (was 0 FLOPs)', () => {
    const r = profile('conv_integer');
    const c = layerOf(r, 'ConvInteger');
    assert.deepEqual([c.macs, c.flops], [42_336, 84_672]);
    // The int32 accumulator is 4 bytes an element: 8·14·14·4.
    assert.equal(c.activationBytes, 6_272);
    // The uint8 weight counts as parameters (216); its integer zero point does not.
    assert.equal(c.params, 216);
  });

  it('qlinear: QLinearConv 55,296 MACs + bias = 112,640 FLOPs; QLinearMatMul 2048 × 10 = 20,480 MACs, 40,960 FLOPs', () => {
    const r = profile('qlinear');
    const c = layerOf(r, 'QLinearConv');
    const m = layerOf(r, 'QLinearMatMul');
    assert.deepEqual([c.macs, c.flops], [55_296, 112_640]);
    assert.deepEqual([m.macs, m.flops], [20_480, 40_960]);
  });

  it('matmul_integer: [4, 32] · [32, 16] = 2,048 MACs, 4,096 FLOPs', () => {
    const l = layerOf(profile('matmul_integer'), 'MatMulInteger');
    assert.deepEqual([l.macs, l.flops], [2_048, 4_096]);
  });

  it('qdq: the float Conv between DequantizeLinear nodes counts 42,336 MACs; its int8 weight counts as 216 parameters', () => {
    const r = profile('qdq');
    const c = layerOf(r, 'Conv');
    assert.deepEqual([c.macs, c.flops], [42_336, 84_672]);
    // 216 int8 weights + the two float scales (x and w); integer zero points are not parameters.
    assert.equal(r.totals.params, 216 + 2);
  });

  it('every conv- and matmul-like layer of every model has FLOPs ≥ 2 × MACs > 0', () => {
    for (const name of MODELS) {
      for (const l of profile(name).layers) {
        if (!/Conv|MatMul|Gemm/.test(l.op)) continue;
        assert.ok(l.macs! > 0 && l.flops! >= 2 * l.macs!, `${name}: ${l.op} ${l.macs} MACs, ${l.flops} FLOPs`);
      }
    }
  });
});
