/**
 * The training-memory part of a profile: what one training step keeps
 * (analysis/training.ts: the tensors backward needs, each storage once, plus
 * parameters, gradients and optimizer state), its peak with the largest
 * backward transient, each layer's share, and what the estimate assumes.
 */
import type { Graph, Model, Node } from '../ir';
import type { TensorInfo } from '../analysis/ops/types';
import { allNumeric } from '../analysis/ops/dims';
import { addExact, bytesExact, exactCount, mulExact, productExact, type Figure } from '../../shared/exact';
import { optimizerStateFactor, type Optimizer } from '../analysis/memory';
import { trainingSaved, type TrainingOptions } from '../analysis/training';

export interface TrainingReport {
  optimizer: Optimizer;
  /** Activations (and the weight copies layers save) at 2 bytes: mixed precision with float32 master weights. */
  mixedPrecision: boolean;
  /** Kept for backward at the end of the forward pass, each storage once (the weights layers save included, as PyTorch counts them). */
  savedBytes: Figure;
  /** Of which stored weights (also among the parameters). */
  savedWeightBytes: Figure;
  paramBytes: Figure;
  gradientBytes: Figure;
  optimizerStateBytes: Figure;
  /** savedBytes + parameters + gradients + optimizer state (= totals.trainingBytes). */
  keptBytes: Figure;
  /** The largest extra memory during backward: one layer's gradient buffers, or a checkpointed segment recomputed. */
  transientBytes: Figure;
  transientLayer: string | null;
  /** keptBytes + transientBytes (= totals.trainingPeakBytes): what must fit. */
  peakBytes: Figure;
  /** Checkpointed segments (option `checkpoint`): their layers, the bytes kept at their boundary and those recomputed in backward. */
  checkpoint: { prefix: string; layers: number; keptBytes: number; recomputedBytes: number }[];
  /** Op types the estimate does not know: assumed to keep every input. */
  assumedOps: string[];
  /** What the figure cannot know about this graph (an export made for inference). */
  notes: string[];
  /** PyTorch sources: what torch itself kept, measured with saved-tensor hooks (report/pytorch.ts). */
  measured?: {
    torch: string;
    savedBytes: number;
    keptBytes: number;
    estimatedKeptBytes: Figure;
    /** Where measurement and estimate differ most: saved bytes by module (`''` the model's own), largest difference first. */
    modules: { module: string; type: string; measuredBytes: number; estimatedBytes: number }[];
  };
}

export interface TrainingFigures {
  report: TrainingReport;
  /** Saved bytes by the layer that first keeps them. */
  perLayer: ReadonlyMap<string, number>;
  partial: boolean;
}

export interface TrainingInputs {
  model: Model;
  order: readonly Node[];
  dynamic: ReadonlySet<string>;
  stored: { has(name: string): boolean };
  values: ReadonlyMap<string, TensorInfo>;
  paramBytes: Figure;
  optimizer: Optimizer;
}

/**
 * The parameters' part of a training step: their gradients and the optimizer's state, and with what
 * backward keeps (`savedBytes`) the kept total and, adding backward's transient, the peak.
 */
export function withParameters(t: Pick<TrainingReport, 'savedBytes' | 'transientBytes'>, paramBytes: Figure, optimizer: Optimizer): Pick<TrainingReport, 'paramBytes' | 'gradientBytes' | 'optimizerStateBytes' | 'keptBytes' | 'peakBytes'> {
  const state = mulExact(paramBytes, optimizerStateFactor(optimizer));
  const kept = addExact(addExact(t.savedBytes, mulExact(paramBytes, 2)), state);
  return { paramBytes, gradientBytes: paramBytes, optimizerStateBytes: state, keptBytes: kept, peakBytes: addExact(kept, t.transientBytes) };
}

export function trainingFigures(t: TrainingInputs, options: TrainingOptions = {}): TrainingFigures {
  const sizeOf = (name: string) => {
    const v = t.values.get(name);
    if (!v?.dtype || !allNumeric(v.shape)) return undefined;
    const elements = productExact(v.shape);
    const bytes = bytesExact(v.dtype, elements);
    const itemBytes = bytesExact(v.dtype, 1);
    return elements === null || bytes === null || itemBytes === null ? undefined : { elements, bytes, itemBytes, shape: v.shape };
  };
  const saved = trainingSaved({ graph: t.model.graph, order: t.order, dynamic: t.dynamic, stored: t.stored, sizeOf, views: t.model.layout?.views }, options);
  const savedBytes = exactCount(saved.savedBytes);
  const transientBytes = exactCount(saved.transientBytes);
  const parts = withParameters({ savedBytes, transientBytes }, t.paramBytes, t.optimizer);
  return {
    report: {
      optimizer: t.optimizer,
      mixedPrecision: options.mixedPrecision ?? false,
      savedBytes,
      savedWeightBytes: exactCount(saved.savedWeightBytes),
      paramBytes: parts.paramBytes,
      gradientBytes: parts.gradientBytes,
      optimizerStateBytes: parts.optimizerStateBytes,
      keptBytes: parts.keptBytes,
      transientBytes,
      transientLayer: saved.transientAt,
      peakBytes: parts.peakBytes,
      checkpoint: saved.segments,
      assumedOps: saved.guessed,
      notes: inferenceExportNotes(t.model),
    },
    perLayer: saved.perNode,
    partial: saved.partial,
  };
}

/**
 * An ONNX graph exported for inference has BatchNorm folded into the
 * convolutions (and Dropout removed): training it is not training the
 * original network, whose BatchNorm layers keep their inputs too.
 */
function inferenceExportNotes(model: Model): string[] {
  if (model.format !== 'onnx') return [];
  const ops = countOps(model.graph);
  const convs = model.graph.nodes.filter((n) => n.opType === 'Conv');
  if (convs.length < 3 || (ops.get('BatchNormalization') ?? 0) > 0) return [];
  if (!convs.every((n) => n.inputs[2])) return [];
  return [
    'every convolution has a bias and none is followed by BatchNorm, as in an export made in eval mode (BatchNorm folded into the convolutions): ' +
    'the training figure is for this graph as exported; the original network, if it has BatchNorm layers, keeps their inputs too (often 30–60 % more)',
  ];
}

function countOps(g: Graph): Map<string, number> {
  const out = new Map<string, number>();
  for (const n of g.nodes) out.set(n.opType, (out.get(n.opType) ?? 0) + 1);
  return out;
}
