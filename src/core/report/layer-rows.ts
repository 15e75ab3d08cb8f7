/**
 * The per-layer rows of a profile: for every node, its outputs as reported,
 * its parameters, MACs and FLOPs (analysis/metrics.ts), the bytes of the
 * activations it writes, and the receptive field of its first output,
 * propagated through the graph in execution order (analysis/receptive-field.ts).
 * profile.ts sums the rows into the model's totals.
 */
import type { Model } from '../ir';
import type { InferResult } from '../analysis/infer-types';
import type { TensorInfo } from '../analysis/ops/types';
import type { Dataflow } from '../analysis/dataflow';
import { layerCost, type StoredTensor } from '../analysis/metrics';
import { describeField, inputField, propagateField, type FieldState } from '../analysis/receptive-field';
import { addExact, type Figure } from '../../shared/exact';
import { shownShape } from '../layout';
import type { LayerReport, TensorReport } from './profile';

/** What the rows are computed from. */
export interface LayerRowSources {
  model: Model;
  /** Inference with symbolic dims kept: the shapes as reported. */
  display: InferResult;
  /** Inference with every symbol bound: what counts and fields need. */
  numeric: InferResult;
  flow: Dataflow;
  stored: Map<string, StoredTensor>;
  /** A value's bytes (null: unknown, or too large to be exact). */
  bytesOf: (name: string) => Figure;
}

/** A tensor as reported; `model` given: its shape in the model's own layout. */
export function tensorReport(name: string, info: TensorInfo | undefined, model?: Pick<Model, 'layout'>): TensorReport {
  const shape = info?.shape ? [...info.shape] : null;
  return { name, shape: shape && model ? shownShape(model, name, shape) : shape, dtype: info?.dtype ?? null };
}

/** Each value's receptive field, in execution order; nodes in `refused` have none. */
function receptiveFields(model: Model, numeric: InferResult, flow: Dataflow, refused: ReadonlySet<string>): Map<string, FieldState | undefined> {
  const fields = new Map<string, FieldState | undefined>();
  for (const name of model.graph.inputs) fields.set(name, inputField(numeric.values.get(name)?.shape));
  const fieldCtx = {
    shapeOf: (n: string) => numeric.values.get(n)?.shape,
    valueOf: (n: string) => numeric.values.get(n)?.value,
    warn: () => undefined,
    opset: model.opset[''],
  };
  const isDynamic = (o: string) => flow.dynamic.has(o);
  for (const node of numeric.order) {
    const dynamic = node.outputs.some(isDynamic) && !refused.has(node.name);
    let f: FieldState | undefined;
    if (dynamic) {
      const inputFields = new Array<FieldState | undefined>(node.inputs.length);
      for (let k = 0; k < inputFields.length; k++) inputFields[k] = fields.get(node.inputs[k]);
      f = propagateField(node, inputFields, fieldCtx);
    }
    for (const o of node.outputs) fields.set(o, f);
  }
  return fields;
}

/** One row per node, in file order, and the stored tensors the rows count as weights. */
export function layerRows({ model, display, numeric, flow, stored, bytesOf }: LayerRowSources): { layers: LayerReport[]; usedWeights: Set<string> } {
  // A node refused by shape inference (a forbidden attribute, inconsistent shapes) has no field.
  // So has one whose operator is unknown: what it does to positions is unknown.
  const refused = new Set<string>();
  const unknownOps = new Set<string>();
  for (const i of numeric.issues) {
    if (i.unknownOperator) unknownOps.add(i.node);
    if (i.severity === 'error' || i.unknownOperator) refused.add(i.node);
  }
  const fields = receptiveFields(model, numeric, flow, refused);

  const usedWeights = new Set<string>();
  const hasFunctions = model.functions.size > 0;
  const layers: LayerReport[] = model.graph.nodes.map((node) => {
    const def = hasFunctions ? model.functions.get(`${node.domain}:${node.opType}`) : undefined;
    const call = def && numeric.functionCalls.get(node.name);
    const cost = layerCost(node, flow, stored, numeric.values, { fn: def && call ? { def, call, functions: model.functions } : undefined, unknownOperator: unknownOps.has(node.name) });
    for (const w of cost.weights) usedWeights.add(w.name);
    let activationBytes: Figure = 0;
    const outputs: TensorReport[] = [];
    for (const o of node.outputs) {
      outputs.push(tensorReport(o, display.values.get(o), model));
      if (!o || !flow.dynamic.has(o)) continue;
      const b = bytesOf(o);
      activationBytes = b === null || activationBytes === null ? null : addExact(activationBytes, b);
    }
    const out0 = node.outputs[0];
    const spatialOut = out0 && flow.dynamic.has(out0) ? fields.get(out0) : undefined;
    return {
      name: node.name,
      op: node.opType,
      inputs: node.inputs.slice(),
      outputs,
      params: cost.params,
      macs: cost.macs,
      flops: cost.flops,
      receptiveField: describeField(spatialOut),
      activationBytes,
      // Filled in by the training figures (report/training-report.ts), which need every row's values first.
      savedBytes: 0,
    };
  });
  return { layers, usedWeights };
}
