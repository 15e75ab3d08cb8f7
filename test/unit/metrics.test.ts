/**
 * Per-layer parameters, MACs and FLOPs by the README's conventions, with the
 * expected figures worked out by hand in each test.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { profileModel } from '../../src/core/report/profile';
import { testModel, ints, int } from '../helpers/ir';

describe('MACs', () => {
  it('Conv: output elements × (C_in / group) × kernel area', () => {
    // x[1,32,56,56], 64 filters 3×3, group 4, pad 1 → y[1,64,56,56]; W[64,8,3,3].
    const m = testModel({
      inputs: { x: { shape: [1, 32, 56, 56] } },
      outputs: ['y'],
      initializers: { W: { dims: [64, 8, 3, 3] }, B: { dims: [64] } },
      nodes: [{ op: 'Conv', inputs: ['x', 'W', 'B'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), pads: ints([1, 1, 1, 1]), group: int(4) } }],
    });
    const l = profileModel(m).report.layers[0];
    const out = 64 * 56 * 56;
    assert.equal(l.macs, out * 8 * 9);
    assert.equal(l.flops, 2 * out * 8 * 9 + out); // + bias
    assert.equal(l.params, 64 * 8 * 9 + 64);
  });

  it('depthwise Conv: one input channel per filter', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 96, 112, 112] } },
      outputs: ['y'],
      initializers: { W: { dims: [96, 1, 3, 3] } },
      nodes: [{ op: 'Conv', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), group: int(96) } }],
    });
    assert.equal(profileModel(m).report.layers[0].macs, 96 * 56 * 56 * 9);
  });

  it('ConvTranspose: input elements × (C_out / group) × kernel area', () => {
    // x[1,16,8,8] → 4×4 stride 2 pad 1 → y[1,8,16,16]; W[16,8,4,4].
    const m = testModel({
      inputs: { x: { shape: [1, 16, 8, 8] } },
      outputs: ['y'],
      initializers: { W: { dims: [16, 8, 4, 4] } },
      nodes: [{ op: 'ConvTranspose', inputs: ['x', 'W'], outputs: ['y'], attrs: { kernel_shape: ints([4, 4]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) } }],
    });
    const { report } = profileModel(m);
    assert.deepEqual(report.outputs[0].shape, [1, 8, 16, 16]);
    assert.equal(report.layers[0].macs, 16 * 8 * 8 * 8 * 16);
  });

  it('Gemm: M × N × K, honouring transA', () => {
    // A is [K=512, M=4] transposed; B [512, 1000] → Y[4, 1000].
    const m = testModel({
      inputs: { a: { shape: [512, 4] } },
      outputs: ['y'],
      initializers: { B: { dims: [512, 1000] }, C: { dims: [1000] } },
      nodes: [{ op: 'Gemm', inputs: ['a', 'B', 'C'], outputs: ['y'], attrs: { transA: int(1) } }],
    });
    const l = profileModel(m).report.layers[0];
    assert.equal(l.macs, 4 * 1000 * 512);
    assert.equal(l.flops, 2 * 4 * 1000 * 512 + 4 * 1000);
    assert.equal(l.params, 512 * 1000 + 1000);
  });

  it('batched MatMul: batch × M × N × K', () => {
    const m = testModel({
      inputs: { a: { shape: [8, 12, 64, 32] }, b: { shape: [8, 12, 32, 64] } },
      outputs: ['y'],
      nodes: [{ op: 'MatMul', inputs: ['a', 'b'], outputs: ['y'] }],
    });
    assert.equal(profileModel(m).report.layers[0].macs, 8 * 12 * 64 * 64 * 32);
  });
});

describe('parameters', () => {
  it('weights reached through Cast count; a weight read by two layers counts once in the totals', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 10] } },
      outputs: ['y2'],
      initializers: { W: { dims: [10, 10] }, shape: { dtype: 'int64', dims: [2], values: [1, 10] } },
      nodes: [
        { op: 'Cast', inputs: ['W'], outputs: ['Wc'], attrs: { to: { type: 'int', value: 1 } } },
        { op: 'MatMul', inputs: ['x', 'Wc'], outputs: ['y1'] },
        { op: 'MatMul', inputs: ['y1', 'W'], outputs: ['y'] },
        { op: 'Reshape', inputs: ['y', 'shape'], outputs: ['y2'] },
      ],
    });
    const { report } = profileModel(m);
    // The Cast is a constant computation, folded into the MatMul that reads it (not a layer).
    assert.deepEqual(report.layers.map((l) => [l.op, l.params]), [['MatMul', 100], ['MatMul', 100], ['Reshape', 0]]);
    assert.equal(report.totals.params, 100); // the int64 shape tensor is not a parameter
    assert.equal(report.totals.paramBytes, 400);
  });

  it('an exporter\'s Identity copy of a weight is a parameter of its own (PyTorch writes one per parameter whose values equal another\'s)', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 10] } },
      outputs: ['y'],
      initializers: { W: { dims: [10, 10] } },
      nodes: [
        { op: 'Identity', inputs: ['W'], outputs: ['onnx::MatMul_7'] },
        { op: 'MatMul', inputs: ['x', 'onnx::MatMul_7'], outputs: ['y1'] },
        { op: 'MatMul', inputs: ['y1', 'W'], outputs: ['y'] },
      ],
    });
    const { report } = profileModel(m);
    assert.deepEqual(report.layers.map((l) => [l.op, l.params]), [['MatMul', 100], ['MatMul', 100]]);
    assert.deepEqual(report.foldedNodes, [{ name: report.foldedNodes[0].name, op: 'Identity' }]);
    assert.equal(report.totals.params, 200);
    // --all-nodes: listed, with no parameters of its own (the MatMul reads them).
    const all = profileModel(m, { showFoldedNodes: true }).report;
    assert.deepEqual(all.layers.map((l) => [l.op, l.params]), [['Identity', 0], ['MatMul', 100], ['MatMul', 100]]);
    assert.deepEqual(all.foldedNodes, []);
  });
});

describe('integer and quantized layers count like float ones (2 FLOPs per MAC)', () => {
  // x[1,3,8,8] uint8, W[4,3,3,3] uint8 → y[1,4,6,6]: 144 outputs × 27 = 3,888 MACs.
  const convMacs = 4 * 6 * 6 * 3 * 3 * 3;
  const u8 = (dims: number[]) => ({ dtype: 'uint8' as const, dims });
  const f32 = (dims: number[]) => ({ dims });
  it('ConvInteger: 3,888 MACs, 7,776 FLOPs', () => {
    const m = testModel({
      inputs: { x: { dtype: 'uint8', shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      initializers: { W: u8([4, 3, 3, 3]), xz: u8([]), wz: u8([]) },
      nodes: [{ op: 'ConvInteger', inputs: ['x', 'W', 'xz', 'wz'], outputs: ['y'] }],
    });
    const l = profileModel(m).report.layers[0];
    assert.deepEqual([l.macs, l.flops], [3888, 7776]);
    assert.equal(convMacs, 3888);
  });
  it('QLinearConv with a bias: 2 × 3,888 + 144 = 7,920 FLOPs', () => {
    const m = testModel({
      inputs: { x: { dtype: 'uint8', shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      initializers: { xs: f32([]), xz: u8([]), W: u8([4, 3, 3, 3]), ws: f32([]), wz: u8([]), ys: f32([]), yz: u8([]), B: { dtype: 'int32', dims: [4] } },
      nodes: [{ op: 'QLinearConv', inputs: ['x', 'xs', 'xz', 'W', 'ws', 'wz', 'ys', 'yz', 'B'], outputs: ['y'] }],
    });
    const l = profileModel(m).report.layers[0];
    assert.deepEqual([l.macs, l.flops], [3888, 7920]);
  });
  it('MatMulInteger and QLinearMatMul: [2,5]·[5,3] = 30 MACs, 60 FLOPs', () => {
    for (const [op, inputs, inits] of [
      ['MatMulInteger', ['a', 'B'], { B: u8([5, 3]) }],
      ['QLinearMatMul', ['a', 'as', 'az', 'B', 'bs', 'bz', 'ys', 'yz'], { as: f32([]), az: u8([]), B: u8([5, 3]), bs: f32([]), bz: u8([]), ys: f32([]), yz: u8([]) }],
    ] as const) {
      const m = testModel({
        inputs: { a: { dtype: 'uint8', shape: [2, 5] } },
        outputs: ['y'],
        initializers: inits,
        nodes: [{ op, inputs: [...inputs], outputs: ['y'] }],
      });
      const l = profileModel(m).report.layers[0];
      assert.deepEqual([l.macs, l.flops], [30, 60], op);
    }
  });
});

describe('quantized weights behind onnxruntime\'s com.microsoft DequantizeLinear', () => {
  it('count as parameters like ONNX\'s: int8 W[4,3,3,3] = 108, + the float scale = 109', () => {
    const m = testModel({
      inputs: { x: { shape: [1, 3, 8, 8] } },
      outputs: ['y'],
      initializers: { wq: { dtype: 'int8', dims: [4, 3, 3, 3] }, s: { dims: [] } },
      nodes: [{ op: 'DequantizeLinear', inputs: ['wq', 's'], outputs: ['w'] }, { op: 'Conv', inputs: ['x', 'w'], outputs: ['y'] }],
    });
    m.graph.nodes[0].domain = 'com.microsoft';
    m.opset['com.microsoft'] = 1;
    assert.equal(profileModel(m).report.totals.params, 109);
  });
});
