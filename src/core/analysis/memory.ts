/**
 * Activation memory. An activation is a value that depends on a graph input;
 * weights, folded shape arithmetic and ConstantOfShape fills are constants.
 *
 * Peak inference memory executes nodes in order: a value is live from the
 * node that produces it (graph inputs: from the start) until its last
 * consumer has run; graph outputs stay live to the end. A node's inputs and
 * outputs are live together while it runs. Training memory (what backward
 * keeps) is training.ts's.
 */
import type { Graph, Node } from '../ir';
import type { Dataflow } from './dataflow';
import { addExact, type Figure } from '../../shared/exact';

/** Bytes of a value; null when its shape or type is unknown (or the count is not exact). */
export type BytesOf = (value: string) => Figure;

export interface PeakResult {
  /** null when the sizes are too large to add up exactly. */
  peakBytes: Figure;
  /** Some live values have unknown sizes: the peak is a lower bound (and may sit elsewhere). */
  partial: boolean;
  /** Index in the execution order of the node during which the peak occurs (-1: before any node). */
  atStep: number;
  /** Values live at the peak. */
  liveAtPeak: string[];
}

/**
 * `views`: values that hold no bytes of their own (ModelLayout.views; `bytesOf`
 * gives them 0): each one's input stays live as long as the view is read, or
 * to the end when the view is a graph output.
 */
export function peakActivation(graph: Graph, order: readonly Node[], flow: Dataflow, bytesOf: BytesOf, views?: ReadonlySet<string>): PeakResult {
  const end = order.length; // graph outputs live past the last node
  // Each activation's live interval [from, to] (execution steps) and size.
  const names: string[] = [];
  const from: number[] = [];
  const to: number[] = [];
  const sizes: number[] = [];
  let partial = false;
  let allBytes: Figure = 0;
  const outputs = new Set(graph.outputs);
  const lastUse = views?.size ? viewSourcesReach(order, flow.lastUse, outputs, views) : flow.lastUse;
  const add = (name: string, step: number) => {
    if (!flow.dynamic.has(name)) return;
    const last = outputs.has(name) ? end : lastUse.get(name) ?? step;
    const bytes = bytesOf(name);
    if (bytes === null) partial = true;
    else allBytes = addExact(allBytes, bytes);
    names.push(name);
    from.push(step);
    to.push(Math.max(step, last));
    sizes.push(bytes ?? 0);
  };
  for (const i of graph.inputs) add(i, 0);
  for (let idx = 0; idx < order.length; idx++) for (const o of order[idx].outputs) if (o) add(o, idx);
  // Sweep: +bytes at `from`, −bytes after `to`.
  const delta = new Float64Array(end + 2);
  for (let k = 0; k < sizes.length; k++) {
    delta[from[k]] += sizes[k];
    delta[to[k] + 1] -= sizes[k];
  }
  let live = 0;
  let peakBytes = 0;
  let atStep = -1;
  for (let s = 0; s <= end; s++) {
    live += delta[s];
    if (live > peakBytes) {
      peakBytes = live;
      atStep = s;
    }
  }
  const liveAtPeak: string[] = [];
  for (let k = 0; k < names.length; k++) if (from[k] <= atStep && atStep <= to[k]) liveAtPeak.push(names[k]);
  // Every running sum is at most the sum of all sizes: when that is exact, so is the peak.
  return { peakBytes: allBytes === null ? null : peakBytes, partial, atStep, liveAtPeak };
}

/** Last uses with each view's reach passed on to its input. */
function viewSourcesReach(order: readonly Node[], lastUse: ReadonlyMap<string, number>, outputs: ReadonlySet<string>, views: ReadonlySet<string>): Map<string, number> {
  const reach = new Map(lastUse);
  // Backwards, so a view of a view passes its reach on to the first input.
  for (let k = order.length - 1; k >= 0; k--) {
    const v = order[k].outputs[0];
    const source = order[k].inputs[0];
    if (!v || !source || !views.has(v)) continue;
    const until = Math.max(reach.get(v) ?? k, outputs.has(v) ? order.length : -1);
    reach.set(source, Math.max(reach.get(source) ?? k, until));
  }
  return reach;
}

export type Optimizer = 'sgd' | 'momentum' | 'adam';
/** Every optimizer the training-memory estimate knows (setting `convlens.profile.optimizer`, `--optimizer`). */
export const OPTIMIZERS: readonly Optimizer[] = ['sgd', 'momentum', 'adam'];

/** The optimizer `s` names, or a message saying what is expected. */
export function parseOptimizer(s: string): { optimizer: Optimizer } | { error: string } {
  return (OPTIMIZERS as readonly string[]).includes(s) ? { optimizer: s as Optimizer } : { error: `expected ${OPTIMIZERS.join(', ')}, got '${s}'` };
}

/** Optimizer state tensors kept per parameter (SGD none, momentum 1, Adam 2 moments). */
export function optimizerStateFactor(o: Optimizer): number {
  return o === 'sgd' ? 0 : o === 'momentum' ? 1 : 2;
}
