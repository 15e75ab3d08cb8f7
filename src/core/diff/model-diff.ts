/**
 * What changed between two models: their layers aligned (align.ts), each
 * pair classified — unchanged, or changed in op, output shape, dtype,
 * attributes, weights' shapes, parameters, MACs, activation memory or
 * receptive field — the rest added or removed, and the totals' deltas
 * (exactly B's totals minus A's). Works across formats: both sides are
 * the IR and its profile. Weights' values are compared on request (the
 * largest absolute difference) where both files hold them.
 */
import type { Attribute, Model, TensorConst } from '../ir';
import type { LayerReport, Profile, Totals } from '../report/profile';
import { dataThroughIdentity, tensorNumbers, type ExternalReader } from '../tensor-data';
import { alignLayers, type AlignItem } from './align';

export type DiffStatus = 'added' | 'removed' | 'changed' | 'unchanged';
export type DiffChange = 'op' | 'shape' | 'dtype' | 'attributes' | 'weights' | 'params' | 'macs' | 'flops' | 'memory' | 'receptiveField' | 'values';

export const DELTA_FIGURES = ['params', 'macs', 'flops', 'activationBytes', 'peakActivationBytes', 'trainingBytes'] as const;
export type DeltaFigure = (typeof DELTA_FIGURES)[number];

export interface DiffLayer {
  status: DiffStatus;
  /** The layer's name in A and in B (null: not in that model). */
  a: string | null;
  b: string | null;
  op: string;
  /**
   * What differs, for a changed layer (empty otherwise). A layer whose own definition is the same
   * but whose receptive field grew with layers added before it is unchanged: `receptiveField` is
   * listed only beside a change of its own (its kernel, its stride).
   */
  changes: DiffChange[];
  /** B's figure minus A's, for layers in both (null where either is unknown). */
  delta?: { params: number | null; macs: number | null; activationBytes: number | null };
  /** Paired by structure though named differently. */
  renamed?: boolean;
  /** With `weights`: the largest absolute difference of each weight both hold, by B's tensor name. */
  maxAbsDiff?: Record<string, number>;
}

export interface ModelDiff {
  a: { file: string; totals: Totals };
  b: { file: string; totals: Totals };
  /** Exactly B's totals minus A's (null where either is unknown). */
  delta: Record<DeltaFigure, number | null>;
  summary: {
    added: number;
    removed: number;
    changed: number;
    unchanged: number;
    /** Share of layers aligned: 2·pairs / (layers of A + layers of B). */
    similarity: number;
    /** Set when the models share too little for a layer-by-layer reading. */
    unrelated?: string;
  };
  /** Merged order: B's, with A's removed layers where they stood. */
  layers: DiffLayer[];
}

export interface DiffSide {
  file: string;
  model: Model;
  profile: Profile;
  readExternal?: ExternalReader;
}

/** Below this similarity the models are called unrelated. */
const UNRELATED_BELOW = 0.3;

/** Attribute values that mean "not set": a writer may spell them out or leave them away. */
const DEFAULTS: Record<string, Record<string, (a: Attribute) => boolean>> = {};
const allInts = (n: number) => (a: Attribute) => a.type === 'ints' && a.value.every((x) => x === n);
const intIs = (n: number) => (a: Attribute) => a.type === 'int' && a.value === n;
const floatIs = (n: number) => (a: Attribute) => a.type === 'float' && Math.abs(a.value - n) <= 1e-6 * Math.max(1, Math.abs(n));
const notSet = (a: Attribute) => a.type === 'string' && a.value === 'NOTSET';
const WINDOW = { strides: allInts(1), pads: allInts(0), dilations: allInts(1), auto_pad: notSet };
for (const op of ['Conv', 'ConvTranspose']) DEFAULTS[op] = { ...WINDOW, group: intIs(1), kernel_shape: () => true };
for (const op of ['MaxPool', 'AveragePool', 'LpPool']) DEFAULTS[op] = { ...WINDOW, ceil_mode: intIs(0), storage_order: intIs(0), count_include_pad: intIs(0) };
DEFAULTS.Gemm = { alpha: floatIs(1), beta: floatIs(1), transA: intIs(0), transB: intIs(0) };
DEFAULTS.BatchNormalization = { epsilon: floatIs(1e-5), momentum: floatIs(0.9), training_mode: intIs(0) };
DEFAULTS.Flatten = { axis: intIs(1) };
DEFAULTS.LeakyRelu = { alpha: floatIs(0.01) };

function attrText(a: Attribute): string {
  switch (a.type) {
    case 'float':
      return Number(a.value.toPrecision(6)).toString();
    case 'floats':
      return a.value.map((x) => Number(x.toPrecision(6))).join(',');
    case 'int':
    case 'string':
    case 'ref':
    case 'unsupported':
      return String(a.value);
    case 'ints':
    case 'strings':
      return a.value.join(',');
    case 'tensor':
      return `${a.value.dtype}[${a.value.dims.join('x')}]`;
    case 'tensors':
      return a.value.map((t) => `${t.dtype}[${t.dims.join('x')}]`).join(',');
    default:
      return a.type;
  }
}

/** A node's attributes as one canonical string: sorted, defaults left out, floats to 6 digits. */
export function attributesText(op: string, attributes: Record<string, Attribute>): string {
  const defaults = DEFAULTS[op] ?? {};
  return Object.keys(attributes)
    .sort()
    .filter((k) => !defaults[k]?.(attributes[k]))
    .map((k) => `${k}=${attrText(attributes[k])}`)
    .join(';');
}

interface LayerFacts extends AlignItem {
  report: LayerReport;
  attrs: string;
  shapes: string;
  dtypes: string;
  weightShapes: string;
  weightNames: string[];
  /** The data of each weight (through Identity copies), in `weightNames`' order. */
  weights: (TensorConst | undefined)[];
  rf: string;
}

function factsOf(side: DiffSide): LayerFacts[] {
  const graph = side.model.graph;
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const details = side.profile.details;
  const stored = dataThroughIdentity(graph, (name) => graph.values.get(name)?.data);
  // Layers' outputs are activations: no weight comes from them.
  const activations = new Set<string>();
  for (const l of side.profile.report.layers) for (const o of l.outputs) activations.add(o.name);
  for (const i of graph.inputs) activations.add(i);
  return side.profile.report.layers.map((l) => {
    const node = nodes.get(l.name);
    const attrs = node ? attributesText(l.op, node.attributes) : '';
    const shapes = l.outputs.map((o) => (o.shape ? o.shape.join('x') : '?')).join(';');
    // The float weights it reads (through exporters' Identity and Cast chains), in input order.
    const weightNames: string[] = [];
    for (const i of l.inputs) {
      if (!i || activations.has(i)) continue;
      for (const w of details.weightSources(i)) if (!weightNames.includes(w)) weightNames.push(w);
    }
    const weights = weightNames.map(stored);
    const weightShapes = weights.map((d) => (d ? d.dims.join('x') : '?')).join(';');
    // Output dtypes, then the kinds of weight it reads (an exporter may share one zero bias or keep two).
    const dtypes = `${l.outputs.map((o) => o.dtype ?? '?').join(';')}|${[...new Set(weights.map((d) => d?.dtype ?? '?'))].sort().join(';')}`;
    const f = l.receptiveField;
    const rf = !f ? '' : 'global' in f ? 'global' : `${f.size.join('x')}/${f.stride.join('x')}/${f.offset.join('x')}`;
    return {
      name: l.name,
      op: l.op,
      full: `${l.op}|${attrs}|${shapes}|${dtypes}|${weightShapes}`,
      opAttrs: `${l.op}|${attrs}`,
      opShapes: `${l.op}|${shapes}`,
      report: l,
      attrs,
      shapes,
      dtypes,
      weightShapes,
      weightNames,
      weights,
      rf,
    };
  });
}

const minus = (b: number | null, a: number | null): number | null => (a === null || b === null ? null : b - a);

function changesOf(x: LayerFacts, y: LayerFacts): DiffChange[] {
  const out: DiffChange[] = [];
  if (x.op !== y.op) out.push('op');
  if (x.shapes !== y.shapes) out.push('shape');
  if (x.dtypes !== y.dtypes) out.push('dtype');
  if (x.attrs !== y.attrs) out.push('attributes');
  if (x.weightShapes !== y.weightShapes) out.push('weights');
  if (x.report.params !== y.report.params) out.push('params');
  if (x.report.macs !== y.report.macs) out.push('macs');
  else if (x.report.flops !== y.report.flops) out.push('flops');
  if (x.report.activationBytes !== y.report.activationBytes) out.push('memory');
  if (x.rf !== y.rf && out.length > 0) out.push('receptiveField');
  return out;
}

export interface DiffOptions {
  /** Compare weights' values too (largest absolute difference) where both hold the same shapes. */
  weights?: boolean;
}

export function diffModels(A: DiffSide, B: DiffSide, opts: DiffOptions = {}): ModelDiff {
  const fa = factsOf(A);
  const fb = factsOf(B);
  const alignment = alignLayers(fa, fb);
  const total = fa.length + fb.length;
  // Weak pairs (the same op where the orders disagree) do not make models alike.
  const strong = alignment.pairs.filter((p) => p.by !== 'op');
  const similarity = total === 0 ? 1 : (2 * strong.length) / total;
  const unrelated = similarity < UNRELATED_BELOW && total > 0;
  // Unrelated models: no weak pairs; what does not align is removed and added.
  const pairs = unrelated ? strong : alignment.pairs;
  const byA = new Map(pairs.map((p) => [p.a, p]));
  const pairedB = new Set(pairs.map((p) => p.b));
  const added = new Set(fb.map((_, j) => j).filter((j) => !pairedB.has(j)));
  const layers: DiffLayer[] = [];
  let nextB = 0;
  const flushAdded = (upTo: number) => {
    for (; nextB < upTo; nextB++) {
      if (added.has(nextB)) layers.push({ status: 'added', a: null, b: fb[nextB].name, op: fb[nextB].op, changes: [] });
    }
  };
  for (let i = 0; i < fa.length; i++) {
    const p = byA.get(i);
    if (!p) {
      layers.push({ status: 'removed', a: fa[i].name, b: null, op: fa[i].op, changes: [] });
      continue;
    }
    flushAdded(p.b);
    nextB = Math.max(nextB, p.b + 1);
    const x = fa[i];
    const y = fb[p.b];
    const changes = changesOf(x, y);
    const entry: DiffLayer = {
      status: changes.length ? 'changed' : 'unchanged',
      a: x.name,
      b: y.name,
      op: y.op,
      changes,
      delta: { params: minus(y.report.params, x.report.params), macs: minus(y.report.macs, x.report.macs), activationBytes: minus(y.report.activationBytes, x.report.activationBytes) },
    };
    if (x.name !== y.name) entry.renamed = true;
    if (opts.weights && x.weightShapes === y.weightShapes) compareValues(A.readExternal, B.readExternal, x, y, entry);
    layers.push(entry);
  }
  flushAdded(fb.length);
  const count = (s: DiffStatus) => layers.filter((l) => l.status === s).length;
  const summary: ModelDiff['summary'] = { added: count('added'), removed: count('removed'), changed: count('changed'), unchanged: count('unchanged'), similarity };
  if (unrelated) {
    summary.unrelated = `the models share little structure: ${strong.length} of ${fa.length} layers of ${A.file} have a counterpart among the ${fb.length} of ${B.file} (similarity ${(similarity * 100).toFixed(0)}%), so they are listed as one model's layers removed and the other's added, not as changes`;
  }
  const ta = A.profile.report.totals;
  const tb = B.profile.report.totals;
  const delta = Object.fromEntries(DELTA_FIGURES.map((k) => [k, minus(tb[k], ta[k])])) as ModelDiff['delta'];
  return { a: { file: A.file, totals: ta }, b: { file: B.file, totals: tb }, delta, summary, layers };
}

/** The largest absolute difference of each pair of weights both models hold (same shapes). */
function compareValues(readA: ExternalReader | undefined, readB: ExternalReader | undefined, x: LayerFacts, y: LayerFacts, entry: DiffLayer): void {
  const out: Record<string, number> = {};
  x.weights.forEach((da, k) => {
    const db = y.weights[k];
    if (!da || !db) return;
    const va = tensorNumbers(da, readA);
    const vb = tensorNumbers(db, readB);
    if (!va || !vb || va.length !== vb.length) return;
    let max = 0;
    for (let i = 0; i < va.length; i++) {
      const d = Math.abs(va[i] - vb[i]);
      if (Number.isNaN(d)) {
        max = NaN;
        break;
      }
      if (d > max) max = d;
    }
    out[y.weightNames[k]] = max;
  });
  if (Object.keys(out).length === 0) return;
  entry.maxAbsDiff = out;
  if (Object.values(out).some((d) => d !== 0) && !entry.changes.includes('values')) {
    entry.changes.push('values');
    entry.status = 'changed';
  }
}
