/** Op colour families: every ONNX op a CNN uses has its family (ONNX operator catalogue groupings). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { opFamily, OP_FAMILIES, type OpFamily } from '../../webview/graph/op-family';

const EXPECTED: Record<OpFamily, string[]> = {
  conv: ['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger', 'FusedConv'],
  pool: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'LpPool', 'MaxUnpool', 'RoiAlign'],
  norm: ['BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'LRN'],
  activation: ['Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'HardSigmoid', 'HardSwish', 'Softmax', 'Softplus', 'Gelu', 'Mish', 'Clip'],
  elementwise: ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Where', 'Max'],
  linear: ['Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Einsum'],
  shape: ['Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'Slice', 'Gather', 'Shape', 'Pad', 'Expand', 'Tile'],
  resize: ['Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth'],
  reduce: ['ReduceMean', 'ReduceSum', 'ReduceMax', 'ReduceL2', 'ReduceLogSumExp', 'ArgMax', 'ArgMin'],
  control: ['If', 'Loop', 'Scan'],
  quant: ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear'],
  io: ['Input', 'Output'],
  other: ['MyCustomOp', 'TreeEnsembleClassifier', ''],
};

describe('op families', () => {
  for (const family of OP_FAMILIES) {
    it(`${family}: ${EXPECTED[family].filter(Boolean).join(', ')}`, () => {
      for (const op of EXPECTED[family]) assert.equal(opFamily(op), family, op);
    });
  }

  it('op types are case-sensitive, as in ONNX (`relu` is a custom op)', () => {
    assert.equal(opFamily('relu'), 'other');
  });
});
