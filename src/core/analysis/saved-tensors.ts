/**
 * What backward keeps: for each op, the tensors PyTorch's autograd saves in
 * the forward pass for its backward (torch 1.13, checked with
 * `torch.autograd.graph.saved_tensors_hooks` on torchvision models; see
 * test/helpers/torch_training_memory.py). Plain data beside the op facts of
 * shared/op-meta.ts; training.ts applies it to a graph.
 *
 * An op absent from this table saves every input it reads (the conservative
 * guess), and the report says which op types were guessed.
 */
import { nullProto } from '../lookup';

export interface SavedRule {
  /** Inputs saved (by index; weights included: autograd saves the weight a convolution reads). */
  inputs?: readonly number[];
  /** Output 0 is saved (activations whose gradient is computed from their result: ReLU, Sigmoid, Softmax, in place or not). */
  output?: boolean;
  /** int64 argmax indices, one per output element (max pooling). */
  indices?: boolean;
  /** Float32 statistics kept per channel of input 0 (BatchNorm's save_mean and save_invstd: 2). */
  perChannel?: number;
  /** Float32 statistics kept per normalised row (LayerNorm's mean and rstd: 2). */
  perRow?: number;
  /** A mask the size of input 0, in its element type (Dropout in training: torch's CPU kernel keeps a float mask). */
  mask?: boolean;
  /** Output 0 is a view of input 0's storage (reshapes, and constant pads folded into the next window op). */
  view?: boolean;
}

const NOTHING: SavedRule = {};
const INPUT: SavedRule = { inputs: [0] };
const RESULT: SavedRule = { output: true };
const BOTH: SavedRule = { inputs: [0, 1] };
const VIEW: SavedRule = { view: true };

export const SAVED_BY_OP: Readonly<Record<string, SavedRule>> = nullProto<Record<string, SavedRule>>({
  // Convolution and matrix products keep both operands (the input for the weight's gradient, the weight for the input's).
  Conv: BOTH, ConvTranspose: BOTH, Gemm: BOTH, MatMul: BOTH, Einsum: { inputs: [0, 1, 2] },
  // Normalisation: the input, the affine weight and running statistics, and the batch statistics.
  BatchNormalization: { inputs: [0, 1, 3, 4], perChannel: 2 },
  InstanceNormalization: { inputs: [0, 1], perChannel: 2 },
  LayerNormalization: { inputs: [0, 1, 2], perRow: 2 },
  GroupNormalization: { inputs: [0, 1], perChannel: 2 },
  LRN: { inputs: [0], output: true },
  // Activations: ReLU-like and saturating functions keep their result; the others their input.
  Relu: RESULT, Sigmoid: RESULT, Tanh: RESULT, Softmax: RESULT, LogSoftmax: RESULT, Exp: RESULT, Sqrt: RESULT,
  Clip: INPUT, LeakyRelu: INPUT, Elu: INPUT, Selu: INPUT, Celu: INPUT, Gelu: INPUT, HardSigmoid: INPUT, HardSwish: INPUT,
  Softplus: INPUT, Softsign: INPUT, Mish: INPUT, Erf: INPUT, Log: INPUT, Abs: INPUT, Reciprocal: RESULT, ThresholdedRelu: INPUT,
  PRelu: BOTH,
  // Pooling: max pooling keeps its input and the argmax; average pooling its input (torch 1.13).
  MaxPool: { inputs: [0], indices: true }, GlobalMaxPool: { inputs: [0], indices: true },
  AveragePool: INPUT, GlobalAveragePool: INPUT, LpPool: { inputs: [0], output: true },
  // Arithmetic: products and quotients keep their operands; sums keep nothing.
  Mul: BOTH, Div: BOTH, Pow: BOTH, Max: BOTH, Min: BOTH,
  Add: NOTHING, Sub: NOTHING, Sum: NOTHING, Neg: NOTHING, Mean: NOTHING,
  ReduceMean: NOTHING, ReduceSum: NOTHING, ReduceMax: { inputs: [0], output: true }, ReduceMin: { inputs: [0], output: true },
  Dropout: { mask: true },
  // Data movement keeps nothing; reshapes are views of their input's storage.
  Reshape: VIEW, Flatten: VIEW, Squeeze: VIEW, Unsqueeze: VIEW, Identity: VIEW, Transpose: VIEW,
  Concat: NOTHING, Split: NOTHING, Slice: NOTHING, Pad: NOTHING, Resize: NOTHING, Upsample: NOTHING, Tile: NOTHING, Expand: NOTHING,
  Cast: NOTHING, Gather: { inputs: [1] }, Where: { inputs: [0] }, DepthToSpace: NOTHING, SpaceToDepth: NOTHING,
  Shape: NOTHING, Size: NOTHING, Constant: NOTHING, ConstantOfShape: NOTHING, Range: NOTHING, Equal: NOTHING, Not: NOTHING,
});

/** Windowed ops that pad inside their kernel in PyTorch: a constant Pad feeding only these is no tensor of its own there. */
export const PADS_INSIDE = new Set(['Conv', 'ConvTranspose', 'MaxPool', 'AveragePool']);
