/**
 * The profile of a model: per-layer shapes, parameters, MACs/FLOPs, receptive
 * fields and activation memory, and the model's totals. This is the one
 * source of numbers for the CLI, the editor and the webview.
 */
import type { DType, Model, Shape } from '../ir';
import { inferShapes } from '../analysis/infer';
import type { InferResult } from '../analysis/infer-types';
import type { TensorInfo } from '../analysis/ops/types';
import { allNumeric } from '../analysis/ops/dims';
import { bytesExact, productExact, sumFigures, type Figure } from '../../shared/exact';
import { analyseDataflow } from '../analysis/dataflow';
import { foldableNodes, type Folding } from '../analysis/folding';
import { storedTensors } from '../analysis/metrics';
import type { ReceptiveField } from '../analysis/receptive-field';
import { peakActivation, type Optimizer } from '../analysis/memory';
import { trainingFigures, type TrainingReport } from './training-report';
import type { ExternalReader } from '../tensor-data';
import { dict } from '../lookup';
import { irInputShapes, layoutName, type LayoutName } from '../layout';
import { append } from '../arrays';
import { InputShapeError } from '../errors';
import { reboundInputs, refuseBrokenRebinding, symbolsBoundBy } from './rebinding';
import { layerRows, tensorReport } from './layer-rows';

export interface ProfileOptions {
  /** Input shape overrides by input name, in the model's own layout (the report's `layout`). */
  inputShapes?: Record<string, Shape>;
  /** Sets the batch (first) dim of the inputs chosen by `batchedInputs`. */
  batch?: number;
  /** Element type override for every graph input. */
  inputDtype?: DType;
  /** Values for named symbolic dims. */
  bindings?: Record<string, number>;
  /** Optimizer assumed by the training-memory estimate (default Adam). */
  optimizer?: Optimizer;
  /** Training memory with activation checkpointing of these groups (layer-name prefixes such as `layer3`). */
  checkpoint?: string[];
  /** Training memory with mixed precision: activations at 2 bytes, float32 master weights. */
  mixedPrecision?: boolean;
  readExternal?: ExternalReader;
  /** List constant and shape-arithmetic nodes as layers too (folding.ts); by default they are folded into their readers. */
  showFoldedNodes?: boolean;
}

export interface TensorReport {
  name: string;
  /** null when unknown; symbolic dims are strings. */
  shape: (number | string)[] | null;
  dtype: DType | null;
}

/**
 * One layer's figures. `null` = unknown: the shapes it needs could not be
 * inferred, its operator is unknown, or the count is too large to be exact
 * (≥ 2^53). Never negative, NaN or Infinity.
 */
export interface LayerReport {
  name: string;
  /** PyTorch models: the module that owns this layer (`layer1.0.conv1`); absent for other formats and the model's own forward. */
  module?: string;
  op: string;
  inputs: string[];
  outputs: TensorReport[];
  params: Figure;
  macs: Figure;
  flops: Figure;
  receptiveField: ReceptiveField | null;
  activationBytes: Figure;
  /** Bytes this layer keeps for backward in training (those an earlier layer keeps already are counted there). */
  savedBytes: Figure;
}

/** The figures of `Totals`, as named in `partial`. */
export type TotalFigure = 'params' | 'paramBytes' | 'macs' | 'flops' | 'activationBytes' | 'peakActivationBytes' | 'trainingBytes' | 'trainingPeakBytes';

export interface Totals {
  params: Figure;
  paramBytes: Figure;
  macs: Figure;
  flops: Figure;
  activationBytes: Figure;
  peakActivationBytes: Figure;
  /** What one training step keeps: saved tensors + parameters + gradients + optimizer state (TrainingReport). */
  trainingBytes: Figure;
  /** trainingBytes + the largest transient of the backward pass: what must fit. */
  trainingPeakBytes: Figure;
  /**
   * Totals that leave out unknown layer figures: each is the sum of the
   * known ones, a lower bound. Empty when every figure is known. (A total
   * is null only when even the known part is too large to be exact.)
   */
  partial: TotalFigure[];
}

/** The `--json` report, exactly as documented in README. */
export interface ProfileReport {
  format: Model['format'] | 'pytorch';
  opset: number;
  /** The layout of every shape here: the model's own (NHWC for Keras and TF.js layers models, batch symbolic when open). */
  layout: LayoutName;
  inputs: TensorReport[];
  outputs: TensorReport[];
  totals: Totals;
  layers: LayerReport[];
  /**
   * Nodes not listed in `layers`: exporters' constant and shape arithmetic
   * (Identity of a weight, Constant, Shape → Gather → Concat), folded into
   * the layers that read them (analysis/folding.ts). Empty with `showFoldedNodes`.
   */
  foldedNodes: { name: string; op: string }[];
  /** What training keeps, and what the estimate assumes (report/training-report.ts). */
  training: TrainingReport;
  warnings: string[];
  /** PyTorch models only: what torch itself counted and recorded (report/pytorch.ts). */
  pytorch?: PytorchFacts;
}

/** A PyTorch model as torch sees it: its counts and every submodule's shapes from forward hooks. */
export interface PytorchFacts {
  /** torch.__version__ of the interpreter that ran it. */
  torch: string;
  /** Buffers (BatchNorm running statistics and the like): elements and bytes, apart from the parameters. */
  buffers: number;
  bufferBytes: number;
  /** Every module (named_modules order; '' is the model): its class, own parameters and each call's shapes. */
  modules: { path: string; type: string; params: number; calls: { inputs: number[][]; outputs: number[][] }[] }[];
}

/** Facts beyond the JSON report that the UI shows (not serialised by `--json`). */
export interface ProfileDetails {
  optimizer: Optimizer;
  /** Name of the layer during which inference memory peaks. */
  peakLayer: string | null;
  liveAtPeak: string[];
  /** Shape-inference problems per layer, for diagnostics. */
  issues: InferResult['issues'];
  /** Inferred type and shape (as reported: symbols kept, in the model's layout) of every tensor by name. */
  tensorOf(name: string): TensorReport;
  /** The folded nodes and what they make (also when `showFoldedNodes` lists them). */
  folding: Folding;
  /** The float stored tensors (weights) a constant value is computed from; empty for activations. */
  weightSources(name: string): string[];
  /** A value's elements when inference knows them (small integer tensors: shapes, pads). */
  valueOf(name: string): readonly number[] | undefined;
  /** The same in the IR's layout (NCHW), for what reads the IR's nodes (output-size formulas). */
  irTensorOf(name: string): TensorReport;
}

export interface Profile {
  report: ProfileReport;
  details: ProfileDetails;
}

function collectSymbols(values: Map<string, TensorInfo>): Set<string> {
  const out = new Set<string>();
  values.forEach((v) => {
    const shape = v.shape;
    if (shape) for (let i = 0; i < shape.length; i++) if (typeof shape[i] === 'string') out.add(shape[i] as string);
  });
  return out;
}

/**
 * The inputs `--batch` applies to: those whose first dim is symbolic (the
 * exporter's dynamic batch axis); when none is, the first input only, since
 * other inputs may be weights fed at run time.
 */
export function batchedInputs(inputs: readonly string[], shapes: Record<string, Shape>): string[] {
  const withRank = inputs.filter((n) => (shapes[n]?.length ?? 0) > 0);
  const symbolic = withRank.filter((n) => typeof shapes[n][0] === 'string');
  return symbolic.length > 0 ? symbolic : withRank.slice(0, 1);
}

/** The key of `inputShapes` that stands for the model's only input (`--input 1x3x224x224`). */
export const BARE_INPUT = '';

export function profileModel(model: Model, options: ProfileOptions = {}): Profile {
  const graph = model.graph;
  const warnings = [...model.warnings];
  const bare = options.inputShapes?.[BARE_INPUT];
  if (bare) {
    const { [BARE_INPUT]: _bare, ...named } = options.inputShapes!;
    if (graph.inputs.length === 1) options = { ...options, inputShapes: { ...named, [graph.inputs[0]]: bare } };
    else {
      options = { ...options, inputShapes: named };
      warnings.push(`an input shape without a name (${bare.join('×')}) is for a model with one input; this one has ${graph.inputs.length}: it is not used`);
    }
  }
  const inputShapes: Record<string, Shape> = dict();
  const overrides = irInputShapes(model, options.inputShapes);
  for (const name of graph.inputs) {
    const shape = overrides?.[name] ?? graph.values.get(name)?.shape;
    if (shape) inputShapes[name] = shape;
  }
  if (options.batch !== undefined) {
    for (const name of batchedInputs(graph.inputs, inputShapes)) inputShapes[name] = [options.batch, ...inputShapes[name].slice(1)];
  }
  for (const name of Object.keys(options.inputShapes ?? {})) {
    if (!graph.inputs.includes(name)) warnings.push(`--input names '${name}', which is not an input of this model (inputs: ${graph.inputs.join(', ') || 'none'})`);
  }
  const inputDtypes: Record<string, DType> = dict();
  if (options.inputDtype) for (const name of graph.inputs) inputDtypes[name] = options.inputDtype;
  const rebound = reboundInputs(graph.inputs, (n) => graph.values.get(n)?.shape, inputShapes);
  const symbolsBound = symbolsBoundBy(rebound, (n) => graph.values.get(n)?.shape, inputShapes);
  const bindings = { ...symbolsBound, ...options.bindings };
  const fixedChanged = rebound.some((n) => {
    const f = graph.values.get(n)?.shape;
    return !f || f.length !== inputShapes[n].length || f.some((d, i) => typeof d === 'number' && d !== inputShapes[n][i]);
  });
  const parametricSymbols = fixedChanged ? [] : Object.keys(symbolsBound);
  const base = { inputShapes, inputDtypes, bindings, readExternal: options.readExternal, reboundInputs: rebound, parametricSymbols };

  // Shapes as reported keep symbolic dims; counts need numbers, so any symbol
  // still unbound is taken as 1 for a second, numeric pass.
  const display = inferShapes(model, base);
  const symbols = collectSymbols(display.values);
  const numeric = symbols.size > 0 ? inferShapes(model, { ...base, bindRemaining: 1 }) : display;
  if (rebound.length > 0) refuseBrokenRebinding(model, options, rebound, inputShapes, [display, numeric]);
  const listed = (names: Set<string>) => [...names].slice(0, 5).map((s) => `'${s}'`).join(', ') + (names.size > 5 ? ', …' : '');
  // Say only what happened: the symbols the numeric pass did set to 1, and
  // apart from them the dims no binding reaches (data-dependent sizes, dims
  // of outputs whose inputs are unknown), whose figures stay unknown.
  if (numeric.boundRemaining.size > 0) {
    warnings.push(`symbolic dims ${listed(numeric.boundRemaining)} taken as 1 for counts and memory (bind them with --input or --batch)`);
  }
  const unresolved = numeric === display ? new Set<string>() : collectSymbols(numeric.values);
  if (unresolved.size > 0) {
    warnings.push(`dims ${listed(unresolved)} are known only when the model runs (data-dependent, or not inferable): figures that need them are unknown`);
  }
  append(warnings, display.warnings);
  for (const issue of display.issues) {
    // Unknown operators are already summarised once per op type above.
    if (!issue.unknownOperator) warnings.push(`${issue.node}: ${issue.message}`);
  }

  const order = numeric.order;
  const flow = analyseDataflow(graph, order);
  const stored = storedTensors(graph);
  const views = model.layout?.views;
  const bytesOf = (name: string): Figure => {
    if (views?.has(name)) return 0;
    const v = numeric.values.get(name);
    if (!v?.dtype || !allNumeric(v.shape)) return null;
    return bytesExact(v.dtype, productExact(v.shape));
  };

  const rows = layerRows({ model, display, numeric, flow, stored, bytesOf });
  const usedWeights = rows.usedWeights;
  const params = sumFigures([...usedWeights].map((name) => stored.get(name)!.elements));
  const paramBytes = sumFigures([...usedWeights].map((name) => stored.get(name)!.bytes));
  const macs = sumFigures(rows.layers.map((l) => l.macs));
  const flops = sumFigures(rows.layers.map((l) => l.flops));
  const activations = sumFigures(rows.layers.map((l) => l.activationBytes));
  const peak = peakActivation(graph, order, flow, bytesOf, views);
  const optimizer = options.optimizer ?? 'adam';
  const training = trainingFigures(
    { model, order, dynamic: flow.dynamic, stored, values: numeric.values, paramBytes: paramBytes.total, optimizer },
    { checkpoint: options.checkpoint, mixedPrecision: options.mixedPrecision ?? (options.inputDtype === 'float16' || options.inputDtype === 'bfloat16') },
  );
  for (const c of training.report.checkpoint) if (c.layers === 0) warnings.push(`checkpoint '${c.prefix}' names no group of layers here: nothing is checkpointed for it`);
  const layers: LayerReport[] = rows.layers;
  for (const l of layers) l.savedBytes = training.perLayer.get(l.name) ?? 0;
  const partial: TotalFigure[] = [];
  const mark = (figure: TotalFigure, isPartial: boolean) => isPartial && partial.push(figure);
  mark('params', params.partial);
  mark('paramBytes', paramBytes.partial);
  mark('macs', macs.partial);
  mark('flops', flops.partial);
  mark('activationBytes', activations.partial);
  mark('peakActivationBytes', peak.partial);
  mark('trainingBytes', paramBytes.partial || training.partial);
  mark('trainingPeakBytes', paramBytes.partial || training.partial);
  const totals: Totals = {
    params: params.total,
    paramBytes: paramBytes.total,
    macs: macs.total,
    flops: flops.total,
    activationBytes: activations.total,
    peakActivationBytes: peak.peakBytes,
    trainingBytes: training.report.keptBytes,
    trainingPeakBytes: training.report.peakBytes,
    partial,
  };
  const folding = foldableNodes(graph, order, flow);
  const layersShown = options.showFoldedNodes ? layers : layers.filter((l) => !folding.nodes.has(l.name));
  const foldedNodes = options.showFoldedNodes ? [] : layers.filter((l) => folding.nodes.has(l.name)).map((l) => ({ name: l.name, op: l.op }));
  const unknownLayers = layersShown.filter((l) => l.macs === null || l.flops === null || l.activationBytes === null || l.params === null);
  if (unknownLayers.length > 0) {
    const shown = unknownLayers.slice(0, 3).map((l) => `'${l.name}'`).join(', ');
    warnings.push(
      `${unknownLayers.length} layer${unknownLayers.length === 1 ? ' has' : 's have'} unknown figures (${shown}${unknownLayers.length > 3 ? ', …' : ''}: ` +
      'shape or operator unknown, or a count too large to be exact); ' +
      (partial.length ? `the totals of ${partial.join(', ')} are partial (the sum of the known figures)` : 'the totals are complete'),
    );
  }
  return {
    report: {
      format: model.format,
      opset: model.opset[''] ?? 0,
      layout: layoutName(model),
      inputs: graph.inputs.map((n) => tensorReport(n, display.values.get(n), model)),
      outputs: graph.outputs.map((n) => tensorReport(n, display.values.get(n), model)),
      totals,
      layers: layersShown,
      foldedNodes,
      training: training.report,
      warnings,
    },
    details: {
      optimizer,
      peakLayer: peak.atStep >= 0 && peak.atStep < order.length ? order[peak.atStep].name : null,
      liveAtPeak: peak.liveAtPeak,
      issues: display.issues,
      tensorOf: (name) => tensorReport(name, display.values.get(name), model),
      folding,
      weightSources: (name) => [...(flow.constSources.get(name) ?? [])].filter((s) => stored.get(s)?.float),
      valueOf: (name) => display.values.get(name)?.value,
      irTensorOf: (name) => tensorReport(name, display.values.get(name)),
    },
  };
}

export interface BatchFit {
  /**
   * Largest batch whose memory fits the budget (0: not even batch 1);
   * 'unbounded' when memory does not grow with the batch; null when the
   * memory is unknown or partial (a lower bound cannot say what fits).
   */
  batch: number | 'unbounded' | null;
  bytesAtBatch: Figure;
  perSampleBytes: Figure;
  /** Why a batch was refused: the graph cannot take it (InputShapeError's message). */
  refusal?: string;
}

/**
 * The largest batch whose training (or inference peak) memory fits `budgetBytes`.
 * Memory is affine in the batch size, so two profiles (batch 1 and 2) give the
 * line; the answer is then checked with a profile at that batch and, when a
 * file's memory is not affine after all, found by bisection: a few dozen
 * profiles at most, never one per batch.
 */
export function largestBatchThatFits(model: Model, budgetBytes: number, mode: 'training' | 'inference', options: ProfileOptions = {}): BatchFit {
  const key: TotalFigure = mode === 'training' ? 'trainingPeakBytes' : 'peakActivationBytes';
  // A batch the graph cannot take (a Reshape baked for batch 1) does not fit; the first such refusal is kept.
  let refusal: string | undefined;
  const mem = (batch: number): Figure => {
    try {
      const t = profileModel(model, { ...options, batch }).report.totals;
      return t.partial.includes(key) ? null : t[key];
    } catch (e) {
      if (!(e instanceof InputShapeError)) throw e;
      refusal ??= e.message;
      return null;
    }
  };
  const budget = Number.isFinite(budgetBytes) ? Math.max(0, budgetBytes) : 0;
  const m1 = mem(1);
  if (m1 === null) return { batch: null, bytesAtBatch: null, perSampleBytes: null, ...(refusal ? { refusal } : {}) };
  const m2 = mem(2);
  if (m2 === null && refusal) return { batch: m1 <= budget ? 1 : 0, bytesAtBatch: m1, perSampleBytes: null, refusal };
  if (m2 === null) return { batch: null, bytesAtBatch: m1, perSampleBytes: null };
  const per = Math.max(0, m2 - m1);
  if (m1 > budget) return { batch: 0, bytesAtBatch: m1, perSampleBytes: per };
  if (per === 0) return { batch: 'unbounded', bytesAtBatch: m1, perSampleBytes: 0 };
  let hi = Math.min(Math.floor((budget - m1) / per) + 1, Number.MAX_SAFE_INTEGER);
  const atEstimate = mem(hi);
  if (atEstimate !== null && atEstimate <= budget) return { batch: hi, bytesAtBatch: atEstimate, perSampleBytes: per };
  // mem(lo) fits, mem(hi) does not (or is too large to count, or refused).
  let lo = 1;
  let loBytes = m1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const bytes = mem(mid);
    if (bytes !== null && bytes <= budget) [lo, loBytes] = [mid, bytes];
    else hi = mid;
  }
  return { batch: lo, bytesAtBatch: loBytes, perSampleBytes: per };
}
