/**
 * Op colour families: every ONNX op a CNN uses has its family (ONNX operator
 * catalogue groupings). The expected families are written out here, not read
 * from the table under test, and each must have its colour in the stylesheet.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { opFamily, OP_FAMILIES } from '../../webview/graph/op-family';

const EXPECTED: Record<string, string[]> = {
  conv: ['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger', 'FusedConv', 'DeformConv', 'NhwcConv'],
  pool: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'MaxUnpool', 'RoiAlign', 'MaxRoiPool'],
  norm: ['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'LRN', 'SkipLayerNormalization'],
  activation: ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish', 'Softmax', 'Softplus', 'Gelu', 'Mish', 'Clip', 'FastGelu'],
  elementwise: ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Where', 'Max', 'Identity', 'QLinearAdd'],
  linear: ['Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Einsum', 'FusedMatMul'],
  shape: ['Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'Shape', 'Pad', 'Expand', 'Tile', 'Cast', 'TopK'],
  resize: ['Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth'],
  reduce: ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2', 'ReduceLogSumExp', 'ArgMax', 'ArgMin', 'ReduceFutureOp'],
  control: ['If', 'Loop', 'Scan'],
  quant: ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QLinearFutureOp'],
  io: ['Input', 'Output'],
  other: ['MyCustomOp', 'TreeEnsembleClassifier', 'RandomNormal', '', 'constructor', '__proto__'],
};

describe('op families', () => {
  it('the families, in legend order', () => {
    assert.deepEqual([...OP_FAMILIES], ['conv', 'pool', 'norm', 'activation', 'elementwise', 'linear', 'shape', 'resize', 'reduce', 'control', 'quant', 'io', 'other']);
  });

  for (const [family, ops] of Object.entries(EXPECTED)) {
    it(`${family}: ${ops.filter(Boolean).join(', ')}`, () => {
      for (const op of ops) assert.equal(opFamily(op), family, op);
    });
  }

  it('op types are case-sensitive, as in ONNX (`relu` is a custom op)', () => {
    assert.equal(opFamily('relu'), 'other');
  });

  it('every family has its colour in media/graph.css', () => {
    const css = readFileSync(resolve(__dirname, '../../media/graph.css'), 'utf8');
    for (const family of Object.keys(EXPECTED)) assert.match(css, new RegExp(`\\.fam-${family} \\{ --fam:`), family);
  });
});
