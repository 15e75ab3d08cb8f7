/**
 * What ConvLens knows about each operator, in one entry per op: its colour
 * family, how its cost is counted, what it does to receptive fields, which
 * input holds its weight, and from which opset the exporter may write it.
 * The shape rule lives with its family in ops/*.ts (onnx/defs style); every
 * op that has one must have an entry here (test/unit/op-meta.test.ts), so an
 * op added to one table cannot be silently 0 FLOPs, a wrong field or grey in
 * another. metrics.ts, receptive-field.ts, export/opset.ts and the webview's
 * op-family.ts all read this table; it is plain data (no Node, no DOM) so the
 * webview bundle can import it.
 *
 * Keys are as in the shape-rule table (ops/index.ts): the op type for the
 * default and ai.onnx.ml domains, `domain:OpType` for others.
 */
import { nullProto } from '../core/lookup';

/** Colour families, after the ONNX operator catalogue (onnx/defs/nn, math, tensor, reduction, quantization, controlflow). */
export type OpFamily = 'conv' | 'pool' | 'norm' | 'activation' | 'elementwise' | 'linear' | 'shape' | 'resize' | 'reduce' | 'control' | 'quant' | 'io' | 'other';

export const OP_FAMILIES: readonly OpFamily[] = ['conv', 'pool', 'norm', 'activation', 'elementwise', 'linear', 'shape', 'resize', 'reduce', 'control', 'quant', 'io', 'other'];

/**
 * How a layer's MACs and FLOPs are counted (README "Counting conventions").
 * - conv: MACs = output elements × (C_in / group) × kernel area (weight W[M, C/group, k…]); FLOPs = 2 × MACs + outputs when a bias is given.
 * - convTranspose: MACs = input elements × (C_out / group) × kernel area; FLOPs as conv.
 * - gemm: MACs = M × N × K; FLOPs = 2 × MACs + outputs when C is given.
 * - matmul: MACs = output elements × K (K = last dim of input 0); FLOPs = 2 × MACs.
 * - einsum: MACs = product of every index's size; FLOPs = 2 × MACs.
 * - window: FLOPs = output elements × window area (pooling).
 * - input: FLOPs = input elements × perInput (global pooling, reductions, scans).
 * - variadic: FLOPs = output elements × (inputs − 1) (Sum, Mean, Max, Min).
 * - elementwise: FLOPs = output elements × perOutput.
 * - lrn: FLOPs = output elements × (2 · size + 3) (square-sum over `size` channels, scale, pow, divide).
 * - none: no arithmetic (data movement, shape arithmetic, casts, constant and random fills): 0.
 * - unknown: the work depends on data or on subgraphs ConvLens does not count (If/Loop/Scan bodies, NonMaxSuppression, …): null.
 */
export type CostClass =
  | { kind: 'conv' | 'convTranspose' | 'gemm' | 'matmul' | 'einsum' | 'window' | 'variadic' | 'lrn' | 'none' | 'unknown' }
  | { kind: 'input'; perInput: number }
  | { kind: 'elementwise'; perOutput: number };

/**
 * What a layer does to receptive fields (Araujo et al. 2019; receptive-field.ts):
 * - window: a sliding window (Conv, pooling): grows the field, multiplies the jump.
 * - transposedWindow: ConvTranspose: divides the jump.
 * - global: every output sees every position.
 * - reduce: global when its axes include a spatial one, else unchanged.
 * - reshape: unchanged when the spatial dims survive in place, else global.
 * - transpose, pad, resize, slice, depthToSpace, spaceToDepth, squeeze, concat: their own rules.
 * - union: position-preserving (element-wise): the union of the inputs' fields.
 */
export type FieldRule =
  | 'window' | 'transposedWindow' | 'global' | 'reduce' | 'reshape' | 'transpose' | 'pad' | 'resize'
  | 'slice' | 'depthToSpace' | 'spaceToDepth' | 'squeeze' | 'concat' | 'union';

export interface OpMeta {
  family: OpFamily;
  cost: CostClass;
  field: FieldRule;
  /** Input index of the weight of conv-like and matmul-like ops. */
  weight?: number;
  /** Input index of the bias, when the op takes one. */
  bias?: number;
  /** Input index of an integer tensor that stands for float weights (QDQ and QLinear models): counted as parameters. */
  quantizedWeight?: number;
  /** The exporter may write this op from this ai.onnx opset (audited in export/opset.ts); absent: never written. */
  exportSince?: number;
}

const ew = (family: OpFamily, perOutput: number, extra: Partial<OpMeta> = {}): OpMeta => ({ family, cost: { kind: 'elementwise', perOutput }, field: 'union', ...extra });
const none = (family: OpFamily, field: FieldRule = 'union', extra: Partial<OpMeta> = {}): OpMeta => ({ family, cost: { kind: 'none' }, field, ...extra });
const reduce = (perInput = 1, family: OpFamily = 'reduce'): OpMeta => ({ family, cost: { kind: 'input', perInput }, field: 'reduce' });

export const OP_META: Readonly<Record<string, OpMeta>> = nullProto<Record<string, OpMeta>>({
  // ops/elementwise.ts — activations (FLOPs per output element: a small per-op cost).
  Relu: ew('activation', 1, { exportSince: 13 }),
  LeakyRelu: ew('activation', 2, { exportSince: 13 }),
  PRelu: ew('activation', 2, { exportSince: 13 }),
  Elu: ew('activation', 3, { exportSince: 13 }),
  Selu: ew('activation', 4, { exportSince: 13 }),
  Celu: ew('activation', 4),
  Sigmoid: ew('activation', 4, { exportSince: 13 }),
  HardSigmoid: ew('activation', 3, { exportSince: 13 }),
  HardSwish: ew('activation', 4),
  Tanh: ew('activation', 5, { exportSince: 13 }),
  Erf: ew('elementwise', 5, { exportSince: 13 }),
  Gelu: ew('activation', 8, { exportSince: 20 }),
  Mish: ew('activation', 8),
  Identity: none('elementwise', 'union', { exportSince: 13 }),
  Softplus: ew('activation', 3, { exportSince: 13 }),
  Softsign: ew('activation', 3, { exportSince: 13 }),
  Swish: ew('activation', 5),
  ThresholdedRelu: ew('activation', 1),
  Shrink: ew('activation', 2),
  Clip: ew('activation', 2, { exportSince: 13 }),
  Softmax: { ...ew('activation', 5, { exportSince: 13 }), field: 'reduce' },
  LogSoftmax: { ...ew('activation', 5), field: 'reduce' },
  Hardmax: { ...ew('activation', 1), field: 'reduce' },
  LRN: { family: 'norm', cost: { kind: 'lrn' }, field: 'union' },
  MeanVarianceNormalization: { ...ew('norm', 5), field: 'global' },
  // ops/elementwise.ts — unary math, 1 per output element.
  Abs: ew('elementwise', 1), Neg: ew('elementwise', 1), Exp: ew('elementwise', 1, { exportSince: 13 }), Log: ew('elementwise', 1),
  Sqrt: ew('elementwise', 1), Reciprocal: ew('elementwise', 1), Floor: ew('elementwise', 1), Ceil: ew('elementwise', 1),
  Round: ew('elementwise', 1), Sign: ew('elementwise', 1), Sin: ew('elementwise', 1), Cos: ew('elementwise', 1),
  Tan: ew('elementwise', 1), Asin: ew('elementwise', 1), Acos: ew('elementwise', 1), Atan: ew('elementwise', 1),
  Sinh: ew('elementwise', 1), Cosh: ew('elementwise', 1), Asinh: ew('elementwise', 1), Acosh: ew('elementwise', 1),
  Atanh: ew('elementwise', 1), Not: ew('elementwise', 1), BitwiseNot: ew('elementwise', 1), IsNaN: ew('elementwise', 1),
  IsInf: ew('elementwise', 1),
  // ops/elementwise.ts — binary and variadic (broadcasting), 1 per output element.
  Add: ew('elementwise', 1, { exportSince: 13 }), Sub: ew('elementwise', 1, { exportSince: 13 }),
  Mul: ew('elementwise', 1, { exportSince: 13 }), Div: ew('elementwise', 1, { exportSince: 13 }),
  Pow: ew('elementwise', 1), Mod: ew('elementwise', 1),
  Max: { family: 'elementwise', cost: { kind: 'variadic' }, field: 'union', exportSince: 13 },
  Min: { family: 'elementwise', cost: { kind: 'variadic' }, field: 'union', exportSince: 13 },
  Sum: { family: 'elementwise', cost: { kind: 'variadic' }, field: 'union' },
  Mean: { family: 'elementwise', cost: { kind: 'variadic' }, field: 'union', exportSince: 13 },
  Equal: ew('elementwise', 1), Less: ew('elementwise', 1), Greater: ew('elementwise', 1),
  LessOrEqual: ew('elementwise', 1), GreaterOrEqual: ew('elementwise', 1), And: ew('elementwise', 1),
  Or: ew('elementwise', 1), Xor: ew('elementwise', 1), BitwiseAnd: ew('elementwise', 1), BitwiseOr: ew('elementwise', 1),
  BitwiseXor: ew('elementwise', 1), BitShift: ew('elementwise', 1), Where: ew('elementwise', 1),
  Dropout: none('elementwise'),
  Cast: none('shape'),
  CastLike: none('shape'),

  // ops/conv.ts
  Conv: { family: 'conv', cost: { kind: 'conv' }, field: 'window', weight: 1, bias: 2, exportSince: 13 },
  ConvInteger: { family: 'conv', cost: { kind: 'conv' }, field: 'window', weight: 1, quantizedWeight: 1 },
  QLinearConv: { family: 'conv', cost: { kind: 'conv' }, field: 'window', weight: 3, bias: 8, quantizedWeight: 3 },
  // Its bilinear sampling of the offsets is not counted: the convolution is.
  DeformConv: { family: 'conv', cost: { kind: 'conv' }, field: 'window', weight: 1, bias: 3 },
  ConvTranspose: { family: 'conv', cost: { kind: 'convTranspose' }, field: 'transposedWindow', weight: 1, bias: 2, exportSince: 13 },
  Col2Im: { family: 'shape', cost: { kind: 'input', perInput: 1 }, field: 'global' },
  // ops/misc.ts: onnxruntime's Conv + activation fusion.
  'com.microsoft:FusedConv': { family: 'conv', cost: { kind: 'conv' }, field: 'window', weight: 1, bias: 2 },

  // ops/pool.ts
  MaxPool: { family: 'pool', cost: { kind: 'window' }, field: 'window', exportSince: 13 },
  AveragePool: { family: 'pool', cost: { kind: 'window' }, field: 'window', exportSince: 13 },
  LpPool: { family: 'pool', cost: { kind: 'window' }, field: 'window' },
  GlobalAveragePool: { family: 'pool', cost: { kind: 'input', perInput: 1 }, field: 'global', exportSince: 13 },
  GlobalMaxPool: { family: 'pool', cost: { kind: 'input', perInput: 1 }, field: 'global', exportSince: 13 },
  GlobalLpPool: { family: 'pool', cost: { kind: 'input', perInput: 1 }, field: 'global' },
  MaxUnpool: none('pool'),

  // ops/norm.ts
  BatchNormalization: { ...ew('norm', 2), exportSince: 13 },
  InstanceNormalization: { ...ew('norm', 5), field: 'global' },
  LayerNormalization: { ...ew('norm', 5), field: 'reduce', exportSince: 17 },
  GroupNormalization: { ...ew('norm', 5), field: 'global' },

  // ops/gemm.ts
  Gemm: { family: 'linear', cost: { kind: 'gemm' }, field: 'global', weight: 1, bias: 2, exportSince: 13 },
  MatMul: { family: 'linear', cost: { kind: 'matmul' }, field: 'global', weight: 1 },
  MatMulInteger: { family: 'linear', cost: { kind: 'matmul' }, field: 'global', weight: 1, quantizedWeight: 1 },
  QLinearMatMul: { family: 'linear', cost: { kind: 'matmul' }, field: 'global', weight: 3, quantizedWeight: 3 },

  // ops/resize.ts (interpolation arithmetic is not counted)
  Resize: none('resize', 'resize', { exportSince: 13 }),
  Upsample: none('resize', 'resize'),
  DepthToSpace: none('resize', 'depthToSpace'),
  SpaceToDepth: none('resize', 'spaceToDepth'),

  // ops/shape.ts, gather.ts, generators.ts: data movement and shape arithmetic.
  Reshape: none('shape', 'reshape', { exportSince: 13 }),
  Flatten: none('shape', 'global', { exportSince: 13 }),
  Transpose: none('shape', 'transpose', { exportSince: 13 }),
  Squeeze: none('shape', 'squeeze'),
  Unsqueeze: none('shape', 'squeeze'),
  Expand: none('shape'),
  Tile: none('shape'),
  Shape: none('shape'),
  Size: none('shape'),
  Gather: none('shape'),
  GatherElements: none('shape'),
  GatherND: none('shape'),
  NonZero: { family: 'shape', cost: { kind: 'input', perInput: 1 }, field: 'union' },
  Constant: none('shape', 'union', { exportSince: 13 }),
  ConstantOfShape: none('shape'),
  Range: none('shape'),
  OneHot: none('shape'),
  EyeLike: none('shape'),
  Trilu: none('shape'),

  // ops/tensor.ts
  Concat: none('shape', 'concat', { exportSince: 13 }),
  Split: none('shape', 'concat'),
  Slice: none('shape', 'slice', { exportSince: 13 }),
  Pad: none('shape', 'pad', { exportSince: 13 }),

  // ops/reduce.ts: 1 FLOP per input element.
  ReduceMean: reduce(), ReduceMax: reduce(), ReduceMin: reduce(), ReduceSum: reduce(), ReduceProd: reduce(),
  ReduceL1: reduce(), ReduceL2: reduce(), ReduceLogSum: reduce(), ReduceLogSumExp: reduce(), ReduceSumSquare: reduce(),
  ArgMax: reduce(), ArgMin: reduce(),
  TopK: { ...reduce(), field: 'global', family: 'shape' },
  CumSum: { ...reduce(), field: 'union' },

  // ops/control.ts: the bodies' work is not counted, so it is unknown.
  If: { family: 'control', cost: { kind: 'unknown' }, field: 'union' },
  Loop: { family: 'control', cost: { kind: 'unknown' }, field: 'union' },
  // TF1 control flow from TF.js graph models (loaders/tfjs-graph-control.ts): a collapsed while loop, a cond's Merge.
  'ai.tensorflow:WhileLoop': { family: 'control', cost: { kind: 'unknown' }, field: 'union' },
  'ai.tensorflow:Merge': { family: 'control', cost: { kind: 'none' }, field: 'union' },
  Scan: { family: 'control', cost: { kind: 'unknown' }, field: 'union' },

  // ops/misc.ts
  QuantizeLinear: ew('quant', 4), // divide by the scale, round, add the zero point, saturate
  DequantizeLinear: { ...ew('quant', 2), quantizedWeight: 0 }, // subtract the zero point, multiply by the scale
  DynamicQuantizeLinear: ew('quant', 6), // min and max over the input, then QuantizeLinear
  RandomNormal: none('other'),
  RandomUniform: none('other'),
  RandomNormalLike: none('other'),
  RandomUniformLike: none('other'),
  Bernoulli: none('other'),
  ScatterND: none('shape'),
  ScatterElements: none('shape'),
  Scatter: none('shape'),
  ReverseSequence: none('shape'),
  LpNormalization: ew('norm', 3),
  ImageScaler: ew('elementwise', 2),
  Crop: none('shape'),
  Einsum: { family: 'linear', cost: { kind: 'einsum' }, field: 'global' },
  RoiAlign: { family: 'pool', cost: { kind: 'unknown' }, field: 'global' },
  MaxRoiPool: { family: 'pool', cost: { kind: 'unknown' }, field: 'global' },
  NonMaxSuppression: { family: 'reduce', cost: { kind: 'unknown' }, field: 'global' },
  Compress: none('shape'),
  GridSample: { family: 'shape', cost: { kind: 'unknown' }, field: 'global' },
  Unique: { family: 'shape', cost: { kind: 'unknown' }, field: 'global' },
  Det: { family: 'linear', cost: { kind: 'unknown' }, field: 'global' },
});

/**
 * Families of ops ConvLens draws but has no shape rule for (onnxruntime
 * contrib ops, newer or rarer ONNX ops): their figures are unknown, their
 * colour is not. Pseudo-nodes `Input`/`Output` are the graph's ends.
 */
export const DRAWN_ONLY_FAMILY: Readonly<Record<string, OpFamily>> = nullProto<Record<string, OpFamily>>({
  NhwcConv: 'conv', QLinearConvTranspose: 'conv',
  QLinearAveragePool: 'pool', QLinearGlobalAveragePool: 'pool', NhwcMaxPool: 'pool',
  RMSNormalization: 'norm', SimplifiedLayerNormalization: 'norm', SkipLayerNormalization: 'norm', SkipSimplifiedLayerNormalization: 'norm',
  FastGelu: 'activation', BiasGelu: 'activation', QuickGelu: 'activation',
  QLinearLeakyRelu: 'activation', QLinearSigmoid: 'activation', QLinearSoftmax: 'activation',
  QLinearAdd: 'elementwise', QLinearMul: 'elementwise', BiasAdd: 'elementwise',
  FusedMatMul: 'linear', MatMulNBits: 'linear', QGemm: 'linear', DynamicQuantizeMatMul: 'linear',
  SplitToSequence: 'shape', QLinearConcat: 'shape', CenterCropPad: 'shape', AffineGrid: 'shape',
  SequenceMap: 'control',
  Input: 'io', Output: 'io',
});

/** The key of an op in OP_META and the shape-rule table: the op type for the default and ai.onnx.ml domains, else `domain:OpType`. */
export function opKey(domain: string, opType: string): string {
  return domain === '' || domain === 'ai.onnx' || domain === 'ai.onnx.ml' ? opType : `${domain}:${opType}`;
}

/** The entry of a node's operator; undefined when ConvLens has no rule for it. */
export function opMeta(domain: string, opType: string): OpMeta | undefined {
  return OP_META[opKey(domain, opType)];
}
