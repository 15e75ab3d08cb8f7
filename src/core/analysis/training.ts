/**
 * Training memory as PyTorch keeps it for one step: the tensors autograd
 * saves in the forward pass (saved-tensors.ts says which, per op), each
 * storage counted once, plus parameters, their gradients and the optimizer's
 * state (added by the caller). Storages are shared where PyTorch shares them:
 * a value saved by its producer and by its consumers is one storage; an
 * in-place ReLU's result is the storage the next convolution saves; reshapes
 * are views; a constant Pad feeding a convolution or pooling is padding
 * inside that kernel, not a tensor.
 *
 * The peak adds the largest transient of the backward pass: one layer's
 * gradient buffers (of its outputs and of the inputs that need one) live
 * together, and a checkpointed segment's tensors are recomputed while its
 * backward runs.
 */
import type { Graph, Node } from '../ir';
import { opKey } from '../../shared/op-meta';
import { PADS_INSIDE, SAVED_BY_OP, type SavedRule } from './saved-tensors';
import { wildcardRegExp } from '../glob';

export interface ValueSize {
  elements: number;
  bytes: number;
  /** Bytes per element. */
  itemBytes: number;
  shape: readonly number[];
}

export interface TrainingGraph {
  graph: Graph;
  order: readonly Node[];
  /** Values that depend on a graph input (activations). */
  dynamic: ReadonlySet<string>;
  /** Stored weights (initializers, their Identity copies, weight-shaped Constants). */
  stored: { has(name: string): boolean };
  /** A value's size at the profiled shapes; undefined when unknown. */
  sizeOf(name: string): ValueSize | undefined;
  /** Values that hold no bytes of their own (layout views of their first input). */
  views?: ReadonlySet<string>;
}

export interface TrainingOptions {
  /** Layer-name prefixes (groups, e.g. `layer3`) whose activations are recomputed in backward instead of kept (activation checkpointing). */
  checkpoint?: readonly string[];
  /** Mixed precision: float32 activations (and the weight copies layers save) at 2 bytes, master weights float32. */
  mixedPrecision?: boolean;
}

export interface TrainingSaved {
  /** Bytes saved for backward at the end of the forward pass, each storage once (weights a layer saves included). */
  savedBytes: number;
  /** Of which stored weights (also counted among the parameters, as PyTorch's own accounting does). */
  savedWeightBytes: number;
  /** Largest extra memory during backward: one layer's gradient buffers, or a checkpointed segment's recomputation. */
  transientBytes: number;
  /** The layer where that transient occurs. */
  transientAt: string | null;
  /** Saved bytes by the layer that first saved them. */
  perNode: Map<string, number>;
  /** Op types not in the table: assumed to save every input. */
  guessed: string[];
  /** Checkpointed segments: the layers in each, the bytes kept at its boundary, and those recomputed in its backward. */
  segments: { prefix: string; layers: number; keptBytes: number; recomputedBytes: number }[];
  /** Some sizes were unknown: the figures are lower bounds. */
  partial: boolean;
}

/**
 * Whether the layer `name` lies in the group `pattern`: a scope of its name (`layer3` or
 * `layer3/layer3.0` of `/layer3/layer3.0/conv1/Conv`; `conv4_block1` of `/conv4_block1/conv2d_9/Conv`),
 * or a module path as PyTorch's exporter writes nested scopes (`layer3.0`). `*` matches within a scope.
 */
export function inGroup(name: string, pattern: string): boolean {
  return groupMatcher(pattern)(name);
}

/** `inGroup` for one pattern, compiled once. */
function groupMatcher(pattern: string): (name: string) => boolean {
  const re = wildcardRegExp(pattern.replace(/^\/|\/$/g, ''), { star: '[^/]*' });
  return (name) => {
    const scopes = name.split('/').filter(Boolean).slice(0, -1);
    return scopes.some((s, k) => re.test(scopes.slice(0, k + 1).join('/')) || (s.includes('.') && re.test(s)));
  };
}

/** Under mixed precision (autocast) these ops run on float16 copies of their weights, and keep those; normalisation keeps float32. */
const CASTS_WEIGHTS = new Set(['Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'Einsum']);

export function trainingSaved(t: TrainingGraph, options: TrainingOptions = {}): TrainingSaved {
  const { graph, order, dynamic, stored } = t;
  let partial = false;
  const unknown = () => (partial = true);
  const half = options.mixedPrecision ?? false;
  const ruleOf = (n: Node): SavedRule | undefined => SAVED_BY_OP[n.domain === '' ? n.opType : opKey(n.domain, n.opType)];
  const sizeOf = (v: string) => t.sizeOf(v);

  // Storage roots: views and folded pads share their input's storage.
  const padsInside = constantPadsInsideKernels(order);
  const rootOf = new Map<string, string>();
  for (const n of order) {
    const out = n.outputs[0];
    const src = n.inputs[0];
    if (!out || !src) continue;
    if (ruleOf(n)?.view || t.views?.has(out) || padsInside.has(out)) rootOf.set(out, rootOf.get(src) ?? src);
  }
  const root = (v: string) => rootOf.get(v) ?? v;
  const bytesOfStorage = (v: string, halfWeight: boolean): number => {
    const s = sizeOf(v);
    if (!s) {
      partial = true;
      return 0;
    }
    // Mixed precision halves float32 activations and the float16 copies of weights that layers save.
    return half && s.itemBytes === 4 && (halfWeight || dynamic.has(v)) ? s.elements * 2 : s.bytes;
  };

  const segments = (options.checkpoint ?? []).map((prefix) => {
    const matches = groupMatcher(prefix);
    return { prefix, nodes: order.filter((n) => matches(n.name)) };
  });
  const segmentOf = new Map<Node, number>();
  segments.forEach((s, k) => s.nodes.forEach((n) => segmentOf.has(n) || segmentOf.set(n, k)));
  const segmentOutputs = segments.map((s) => new Set(s.nodes.flatMap((m) => m.outputs)));

  const savedStorages = new Set<string>();
  const perNode = new Float64Array(order.length);
  const guessed = new Set<string>();
  let savedBytes = 0;
  let savedWeightBytes = 0;
  const segmentBytes = segments.map(() => 0);
  const segmentInputs = segments.map(() => new Set<string>());

  const keep = (at: number, storage: string | undefined, extra = 0) => {
    const n = order[at];
    let bytes = extra;
    if (storage !== undefined) {
      if (savedStorages.has(storage)) return;
      savedStorages.add(storage);
      const weight = stored.has(storage);
      bytes = bytesOfStorage(storage, weight && CASTS_WEIGHTS.has(n.opType));
      if (weight) savedWeightBytes += bytes;
    }
    savedBytes += bytes;
    perNode[at] += bytes;
  };

  for (let at = 0; at < order.length; at++) {
    const n = order[at];
    const seg = segmentOf.get(n);
    let rule = ruleOf(n);
    if (!rule) {
      guessed.add(n.opType);
      rule = { inputs: n.inputs.map((_, i) => i) };
    }
    const wanted = savedValues(n, rule);
    const extra = extraBytes(n, rule, sizeOf, half, unknown);
    if (seg !== undefined) {
      // Inside a checkpointed segment only its inputs from outside are kept; the rest is recomputed in backward.
      for (const i of n.inputs) if (i && dynamic.has(i) && !segmentOutputs[seg].has(i)) segmentInputs[seg].add(root(i));
      for (const v of wanted) {
        const r = root(v);
        if (dynamic.has(v) || stored.has(r)) segmentBytes[seg] += bytesOfStorage(r, stored.has(r) && CASTS_WEIGHTS.has(n.opType));
      }
      segmentBytes[seg] += extra;
      continue;
    }
    for (const v of wanted) {
      const r = root(v);
      if (dynamic.has(v) || stored.has(r)) keep(at, r);
    }
    if (extra > 0) keep(at, undefined, extra);
  }
  const segmentReports = segments.map((s, k) => {
    const before = savedBytes;
    const first = s.nodes.length ? order.indexOf(s.nodes[0]) : -1;
    if (first >= 0) for (const v of segmentInputs[k]) keep(first, v);
    return { prefix: s.prefix, layers: s.nodes.length, keptBytes: savedBytes - before, recomputedBytes: segmentBytes[k] };
  });

  // Backward: one layer's output gradients and the gradients of its inputs that need one, live together.
  let transientBytes = 0;
  let transientAt: string | null = null;
  const inputs = new Set(graph.inputs);
  for (const n of order) {
    if (n.outputs[0] && rootOf.has(n.outputs[0])) continue; // a view or a folded pad: no gradient buffers of its own
    let bytes = 0;
    for (const o of n.outputs) if (o && dynamic.has(o)) bytes += bytesOfStorage(o, false);
    n.inputs.forEach((i, k) => {
      // Each input gradient once (Add(x, x) has one).
      if (i && dynamic.has(i) && !inputs.has(i) && n.inputs.indexOf(i) === k && !n.outputs.includes(i)) bytes += bytesOfStorage(i, false);
    });
    if (bytes > transientBytes) [transientBytes, transientAt] = [bytes, n.name];
  }
  for (const s of segmentReports) if (s.recomputedBytes > transientBytes) [transientBytes, transientAt] = [s.recomputedBytes, s.prefix];

  const byName = new Map<string, number>();
  for (let k = 0; k < order.length; k++) if (perNode[k]) byName.set(order[k].name, (byName.get(order[k].name) ?? 0) + perNode[k]);
  return { savedBytes, savedWeightBytes, transientBytes, transientAt, perNode: byName, guessed: [...guessed].sort(), segments: segmentReports, partial };
}

/** Outputs of constant Pads whose readers are all convolutions or poolings: padding inside those kernels in PyTorch. */
function constantPadsInsideKernels(order: readonly Node[]): Set<string> {
  const pads = new Set<string>();
  for (const n of order) {
    const mode = n.attributes.mode;
    if (n.opType === 'Pad' && n.domain === '' && n.outputs[0] && (mode === undefined || mode.value === 'constant')) pads.add(n.outputs[0]);
  }
  if (pads.size === 0) return pads;
  for (const n of order) for (const i of n.inputs) if (pads.has(i) && !PADS_INSIDE.has(n.opType)) pads.delete(i);
  return pads;
}

function savedValues(n: Node, rule: SavedRule): string[] {
  const out: string[] = [];
  for (const i of rule.inputs ?? []) if (n.inputs[i]) out.push(n.inputs[i]);
  if (rule.output && n.outputs[0]) out.push(n.outputs[0]);
  return out;
}

/** Tensors a layer saves that are not graph values: argmax indices, batch statistics, dropout masks. */
function extraBytes(n: Node, rule: SavedRule, sizeOf: (v: string) => ValueSize | undefined, half: boolean, unknown: () => void): number {
  if (!rule.indices && !rule.perChannel && !rule.perRow && !rule.mask) return 0;
  let bytes = 0;
  const size = (v: string | undefined) => {
    const s = v ? sizeOf(v) : undefined;
    if (!s) unknown();
    return s;
  };
  if (rule.indices) bytes += (size(n.outputs[0])?.elements ?? 0) * 8;
  if (rule.perChannel) {
    const s = size(n.inputs[0]);
    if (s && s.shape.length >= 2) bytes += (n.opType === 'BatchNormalization' ? s.shape[1] : s.shape[0] * s.shape[1]) * 4 * rule.perChannel;
  }
  if (rule.perRow) {
    const s = size(n.inputs[0]);
    const axis = n.attributes.axis?.type === 'int' ? Number(n.attributes.axis.value) : -1;
    if (s) bytes += s.shape.slice(0, axis < 0 ? s.shape.length + axis : axis).reduce((a, d) => a * d, 1) * 4 * rule.perRow;
  }
  if (rule.mask) {
    const s = size(n.inputs[0]);
    if (s) bytes += half && s.itemBytes === 4 ? s.elements * 2 : s.bytes;
  }
  return bytes;
}
