/**
 * The colour family of an operator: what kind of work a node box does, at a
 * glance. Families follow the ONNX operator catalogue's groupings
 * (onnx/defs/nn, math, tensor, reduction, quantization, controlflow); the
 * graph draws each as a `fam-<family>` CSS class coloured from the theme.
 */

export type OpFamily = 'conv' | 'pool' | 'norm' | 'activation' | 'elementwise' | 'linear' | 'shape' | 'resize' | 'reduce' | 'control' | 'quant' | 'io' | 'other';

export const OP_FAMILIES: readonly OpFamily[] = ['conv', 'pool', 'norm', 'activation', 'elementwise', 'linear', 'shape', 'resize', 'reduce', 'control', 'quant', 'io', 'other'];

const FAMILY: Record<Exclude<OpFamily, 'other'>, readonly string[]> = {
  conv: ['Conv', 'ConvTranspose', 'QLinearConv', 'ConvInteger', 'FusedConv', 'DeformConv', 'NhwcConv', 'QLinearConvTranspose'],
  pool: ['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'GlobalLpPool', 'LpPool', 'MaxUnpool', 'MaxRoiPool', 'RoiAlign', 'QLinearAveragePool', 'QLinearGlobalAveragePool', 'NhwcMaxPool'],
  norm: [
    'BatchNormalization', 'InstanceNormalization', 'LayerNormalization', 'GroupNormalization', 'LRN', 'LpNormalization',
    'MeanVarianceNormalization', 'RMSNormalization', 'SimplifiedLayerNormalization', 'SkipLayerNormalization', 'SkipSimplifiedLayerNormalization',
  ],
  activation: [
    'Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'ThresholdedRelu', 'HardSigmoid', 'HardSwish', 'Softmax',
    'LogSoftmax', 'Hardmax', 'Softplus', 'Softsign', 'Gelu', 'FastGelu', 'BiasGelu', 'QuickGelu', 'Mish', 'Clip', 'Swish', 'Shrink',
    'QLinearLeakyRelu', 'QLinearSigmoid', 'QLinearSoftmax',
  ],
  elementwise: [
    'Add', 'Sub', 'Mul', 'Div', 'Pow', 'Sqrt', 'Exp', 'Log', 'Abs', 'Neg', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf',
    'Min', 'Max', 'Mean', 'Sum', 'Mod', 'BitShift', 'And', 'Or', 'Xor', 'Not', 'Equal', 'Greater', 'GreaterOrEqual', 'Less',
    'LessOrEqual', 'Where', 'IsNaN', 'IsInf', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh',
    'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitwiseNot', 'QLinearAdd', 'QLinearMul', 'BiasAdd', 'Identity', 'Dropout',
  ],
  linear: ['Gemm', 'MatMul', 'MatMulInteger', 'QLinearMatMul', 'Einsum', 'FusedMatMul', 'MatMulNBits', 'QGemm', 'DynamicQuantizeMatMul'],
  shape: [
    'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Split', 'SplitToSequence', 'Slice', 'Gather', 'GatherElements',
    'GatherND', 'Scatter', 'ScatterElements', 'ScatterND', 'Shape', 'Size', 'Pad', 'Expand', 'Tile', 'Cast', 'CastLike', 'Constant',
    'ConstantOfShape', 'Range', 'NonZero', 'OneHot', 'Compress', 'ReverseSequence', 'Trilu', 'CenterCropPad', 'EyeLike', 'TopK',
    'Unique', 'QLinearConcat', 'Col2Im', 'GridSample', 'AffineGrid',
  ],
  resize: ['Resize', 'Upsample', 'DepthToSpace', 'SpaceToDepth'],
  reduce: ['ArgMax', 'ArgMin', 'CumSum', 'NonMaxSuppression'],
  control: ['If', 'Loop', 'Scan', 'SequenceMap'],
  quant: ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear'],
  io: ['Input', 'Output'],
};

const BY_OP = new Map<string, OpFamily>();
for (const [family, ops] of Object.entries(FAMILY) as [OpFamily, readonly string[]][]) for (const op of ops) BY_OP.set(op, family);

export function opFamily(op: string): OpFamily {
  const known = BY_OP.get(op);
  if (known) return known;
  // ReduceSum, ReduceMean, ReduceMax, … (and the ai.onnx.ml/contrib variants)
  if (op.startsWith('Reduce')) return 'reduce';
  if (op.startsWith('QLinear') || op.startsWith('Quantize') || op.startsWith('Dequantize')) return 'quant';
  return 'other';
}
