/**
 * What the PyTorch bridge (src/runtime/torch_bridge.py) answers: the model's
 * parameter and buffer counts as torch counts them, and every submodule's
 * input and output shapes as its forward hooks saw them.
 */

export type TorchErrorKind =
  /** No interpreter at that path or name. */
  | 'no-python'
  | 'no-torch'
  | 'old-torch'
  /** The user's file raised while being imported. */
  | 'import'
  /** No such class or function, or it did not make an nn.Module. */
  | 'target'
  /** Building the model raised. */
  | 'build'
  /** The forward pass raised (a shape mismatch, usually). */
  | 'forward'
  | 'crashed'
  | 'timeout'
  | 'cancelled';

/** One traceback frame; `user`: in the user's file. */
export interface TorchFrame {
  file: string;
  line: number;
  function: string;
  user: boolean;
}

export interface TorchModuleCall {
  inputs: number[][];
  outputs: number[][];
}

export interface TorchModule {
  /** As named_modules() names it: '' for the model, `layer1.0.conv1` below. */
  path: string;
  /** Its class name (Conv2d, BasicBlock, …). */
  type: string;
  /** Its own parameters' elements (not its children's). */
  params: number;
  buffers: number;
  /** Each forward call of it, in order (a module used twice is called twice). */
  calls: TorchModuleCall[];
}

export interface TorchResult {
  /** torch.__version__ */
  torch: string;
  params: number;
  paramBytes: number;
  /** Buffers (BatchNorm running statistics and the like): state, not parameters. */
  buffers: number;
  bufferBytes: number;
  modules: TorchModule[];
  /** The model's output shapes. */
  outputs: number[][];
  /** The ONNX export, when it was asked for and succeeded. */
  onnx?: string;
  /** Why the export failed (the hooks' shapes are still there). */
  exportError?: string;
  /** What one training step keeps, measured in torch (when asked). */
  training?: TorchTraining;
  /** Why the training measurement failed (a train-mode forward refused the input, e.g. BatchNorm at batch 1). */
  trainingError?: string;
}

/**
 * What PyTorch keeps for one training step, measured with saved-tensor hooks in one forward pass
 * in train mode: every storage autograd saves (once each; weights a layer saves included), plus
 * parameters, gradients and optimizer state.
 */
export interface TorchTraining {
  optimizer: string;
  savedBytes: number;
  /** Of the saved bytes, parameters' storages (also in paramBytes). */
  savedParamBytes: number;
  paramBytes: number;
  gradBytes: number;
  optimizerBytes: number;
  /** savedBytes + paramBytes + gradBytes + optimizerBytes. */
  keptBytes: number;
  /** Saved bytes by the innermost module running when they were first saved ('' the model itself). */
  perModule: { name: string; type: string; savedBytes: number }[];
  /** Saved bytes by backward node and slot (ConvolutionBackward0 input, …). */
  perOp: { op: string; slot: string; dtype: string; kind: string; tensors: number; bytes: number; sharedTensors: number; sharedBytes: number }[];
}
