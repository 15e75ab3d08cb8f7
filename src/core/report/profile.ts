/**
 * The profile of a model: per-layer shapes, parameters, MACs/FLOPs, receptive
 * fields and activation memory, and the model's totals. This is the one
 * source of numbers for the CLI, the editor and the webview.
 */
import type { DType, Model, Shape } from '../ir';
import { dtypeBytes } from '../dtype';
import { inferShapes, type InferResult } from '../analysis/infer';
import type { TensorInfo } from '../analysis/ops/types';
import { allNumeric, numel } from '../analysis/ops/dims';
import { analyseDataflow } from '../analysis/dataflow';
import { layerCost, nodeWeights, storedTensors } from '../analysis/metrics';
import { describeField, inputField, propagateField, type FieldState, type ReceptiveField } from '../analysis/receptive-field';
import { peakActivation, trainingBytes, type Optimizer } from '../analysis/memory';
import type { ExternalReader } from '../tensor-data';
import { dict } from '../lookup';

export interface ProfileOptions {
  /** Input shape overrides by input name. */
  inputShapes?: Record<string, Shape>;
  /** Sets the batch (first) dim of the inputs chosen by `batchedInputs`. */
  batch?: number;
  /** Element type override for every graph input. */
  inputDtype?: DType;
  /** Values for named symbolic dims. */
  bindings?: Record<string, number>;
  /** Optimizer assumed by the training-memory estimate (default Adam). */
  optimizer?: Optimizer;
  readExternal?: ExternalReader;
}

export interface TensorReport {
  name: string;
  /** null when unknown; symbolic dims are strings. */
  shape: (number | string)[] | null;
  dtype: DType | null;
}

/** Bytes of a tensor when its shape is fully numeric and its type known. */
export function tensorBytes(t: TensorReport): number | null {
  if (!t.dtype || !t.shape || !t.shape.every((d): d is number => typeof d === 'number')) return null;
  return dtypeBytes(t.dtype, t.shape.reduce((a, d) => a * d, 1));
}

export interface LayerReport {
  name: string;
  op: string;
  inputs: string[];
  outputs: TensorReport[];
  params: number;
  macs: number;
  flops: number;
  receptiveField: ReceptiveField | null;
  activationBytes: number;
}

export interface Totals {
  params: number;
  paramBytes: number;
  macs: number;
  flops: number;
  activationBytes: number;
  peakActivationBytes: number;
  trainingBytes: number;
}

/** The `--json` report, exactly as documented in README. */
export interface ProfileReport {
  format: Model['format'];
  opset: number;
  inputs: TensorReport[];
  outputs: TensorReport[];
  totals: Totals;
  layers: LayerReport[];
  warnings: string[];
}

/** Facts beyond the JSON report that the UI shows (not serialised by `--json`). */
export interface ProfileDetails {
  optimizer: Optimizer;
  /** Bytes of the graph inputs (saved for training). */
  inputBytes: number;
  /** Name of the layer during which inference memory peaks. */
  peakLayer: string | null;
  liveAtPeak: string[];
  /** Shape-inference problems per layer, for diagnostics. */
  issues: InferResult['issues'];
  /** Inferred type and shape (as reported: symbols kept) of every tensor by name. */
  tensorOf(name: string): TensorReport;
}

export interface Profile {
  report: ProfileReport;
  details: ProfileDetails;
}

function tensorReport(name: string, info: TensorInfo | undefined): TensorReport {
  return { name, shape: info?.shape ? [...info.shape] : null, dtype: info?.dtype ?? null };
}

function collectSymbols(values: Iterable<TensorInfo>): Set<string> {
  const out = new Set<string>();
  for (const v of values) for (const d of v.shape ?? []) if (typeof d === 'string') out.add(d);
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

export function profileModel(model: Model, options: ProfileOptions = {}): Profile {
  const graph = model.graph;
  const warnings = [...model.warnings];
  const inputShapes: Record<string, Shape> = dict();
  for (const name of graph.inputs) {
    const shape = options.inputShapes?.[name] ?? graph.values.get(name)?.shape;
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
  const base = { inputShapes, inputDtypes, bindings: options.bindings, readExternal: options.readExternal };

  // Shapes as reported keep symbolic dims; counts need numbers, so any symbol
  // still unbound is taken as 1 for a second, numeric pass.
  const display = inferShapes(model, base);
  const symbols = collectSymbols(display.values.values());
  const numeric = symbols.size > 0 ? inferShapes(model, { ...base, bindRemaining: 1 }) : display;
  if (symbols.size > 0) {
    const shown = [...symbols].slice(0, 5).map((s) => `'${s}'`).join(', ');
    warnings.push(`symbolic dims ${shown}${symbols.size > 5 ? ', …' : ''} taken as 1 for counts and memory (bind them with --input or --batch)`);
  }
  warnings.push(...display.warnings);
  for (const issue of display.issues) {
    // Unknown operators are already summarised once per op type above.
    if (!issue.unknownOperator) warnings.push(`${issue.node}: ${issue.message}`);
  }

  const order = numeric.order;
  const flow = analyseDataflow(graph, order);
  const stored = storedTensors(graph);
  const bytesOf = (name: string): number => {
    const v = numeric.values.get(name);
    if (!v?.dtype || !allNumeric(v.shape)) return 0;
    return dtypeBytes(v.dtype, numel(v.shape));
  };

  // Receptive fields, in execution order.
  const fields = new Map<string, FieldState | undefined>();
  for (const name of graph.inputs) fields.set(name, inputField(numeric.values.get(name)?.shape));
  const fieldCtx = {
    shapeOf: (n: string) => numeric.values.get(n)?.shape,
    valueOf: (n: string) => numeric.values.get(n)?.value,
    warn: () => undefined,
  };
  for (const node of order) {
    const dynamic = node.outputs.some((o) => flow.dynamic.has(o));
    const f = dynamic ? propagateField(node, node.inputs.map((i) => fields.get(i)), fieldCtx) : undefined;
    node.outputs.forEach((o) => fields.set(o, f));
  }

  const usedWeights = new Set<string>();
  const layers: LayerReport[] = graph.nodes.map((node) => {
    const def = model.functions.get(`${node.domain}:${node.opType}`);
    const scope = numeric.functionScopes.get(node.name);
    const cost = layerCost(node, flow, stored, numeric.values, def && scope ? { def, scope } : undefined);
    for (const w of nodeWeights(node, flow, stored)) usedWeights.add(w.name);
    const activationBytes = node.outputs.filter((o) => o && flow.dynamic.has(o)).reduce((a, o) => a + bytesOf(o), 0);
    const out0 = node.outputs[0];
    const spatialOut = out0 && flow.dynamic.has(out0) ? fields.get(out0) : undefined;
    return {
      name: node.name,
      op: node.opType,
      inputs: [...node.inputs],
      outputs: node.outputs.map((o) => tensorReport(o, display.values.get(o))),
      params: cost.params,
      macs: cost.macs,
      flops: cost.flops,
      receptiveField: describeField(spatialOut),
      activationBytes,
    };
  });

  let params = 0;
  let paramBytes = 0;
  for (const name of usedWeights) {
    params += stored.get(name)!.elements;
    paramBytes += stored.get(name)!.bytes;
  }
  const activationBytes = layers.reduce((a, l) => a + l.activationBytes, 0);
  const inputBytes = graph.inputs.reduce((a, i) => a + bytesOf(i), 0);
  const peak = peakActivation(graph, order, flow, bytesOf);
  const optimizer = options.optimizer ?? 'adam';
  const totals: Totals = {
    params,
    paramBytes,
    macs: layers.reduce((a, l) => a + l.macs, 0),
    flops: layers.reduce((a, l) => a + l.flops, 0),
    activationBytes,
    peakActivationBytes: peak.peakBytes,
    trainingBytes: trainingBytes(paramBytes, inputBytes + activationBytes, optimizer),
  };
  return {
    report: {
      format: model.format,
      opset: model.opset[''] ?? 0,
      inputs: graph.inputs.map((n) => tensorReport(n, display.values.get(n))),
      outputs: graph.outputs.map((n) => tensorReport(n, display.values.get(n))),
      totals,
      layers,
      warnings,
    },
    details: {
      optimizer,
      inputBytes,
      peakLayer: peak.atStep >= 0 && peak.atStep < order.length ? order[peak.atStep].name : null,
      liveAtPeak: peak.liveAtPeak,
      issues: display.issues,
      tensorOf: (name) => tensorReport(name, display.values.get(name)),
    },
  };
}

export interface BatchFit {
  /** Largest batch whose memory fits the budget (0: not even batch 1). */
  batch: number;
  bytesAtBatch: number;
  perSampleBytes: number;
}

/**
 * The largest batch whose training (or inference peak) memory fits `budgetBytes`.
 * Memory is affine in the batch size, so two profiles (batch 1 and 2) give the
 * line; the answer is then checked with a profile at that batch.
 */
export function largestBatchThatFits(model: Model, budgetBytes: number, mode: 'training' | 'inference', options: ProfileOptions = {}): BatchFit {
  const mem = (batch: number) => {
    const t = profileModel(model, { ...options, batch }).report.totals;
    return mode === 'training' ? t.trainingBytes : t.peakActivationBytes;
  };
  const m1 = mem(1);
  if (m1 > budgetBytes) return { batch: 0, bytesAtBatch: m1, perSampleBytes: mem(2) - m1 };
  const per = mem(2) - m1;
  if (per <= 0) return { batch: Number.POSITIVE_INFINITY, bytesAtBatch: m1, perSampleBytes: 0 };
  let batch = Math.max(1, Math.floor((budgetBytes - m1) / per) + 1);
  let bytes = mem(batch);
  while (bytes > budgetBytes && batch > 1) bytes = mem(--batch);
  return { batch, bytesAtBatch: bytes, perSampleBytes: per };
}
