/**
 * The compare view's data: one merged model the model view draws — B's
 * layers, with A's removed layers where they stood (their tensors renamed
 * `A:…` where B has no counterpart, so their edges stay A's) — and, per
 * merged layer, its diff status, what changed and both sides' figures. The
 * header shows B's totals with the deltas from A.
 */
import type { LayerView } from '../report/layer-view';
import type { ModelViewData } from '../report/model-session';
import type { LayerReport, Totals } from '../report/profile';
import type { DiffChange, DiffStatus, ModelDiff } from './model-diff';

export interface CompareLayer {
  status: DiffStatus;
  changes: DiffChange[];
  /** The layer in A and in B (null where it is not in that model). */
  a: LayerReport | null;
  b: LayerReport | null;
}

export interface CompareData {
  a: { file: string; totals: Totals };
  b: { file: string; totals: Totals };
  delta: ModelDiff['delta'];
  summary: ModelDiff['summary'];
  /** By the merged report's layer index. */
  layers: CompareLayer[];
}

/** The merged view of `diff` between A's and B's views (each side's own ModelViewData). */
export function mergedView(a: ModelViewData, b: ModelViewData, diff: ModelDiff): ModelViewData & { compare: CompareData } {
  const aIndex = new Map(a.report.layers.map((l, i) => [l.name, i]));
  const bIndex = new Map(b.report.layers.map((l, i) => [l.name, i]));
  // A's tensors that B has: a paired layer's outputs are its counterpart's, A's inputs are B's by position.
  const tensorInB = new Map<string, string>();
  a.report.inputs.forEach((t, k) => b.report.inputs[k] && tensorInB.set(t.name, b.report.inputs[k].name));
  for (const d of diff.layers) {
    if (!d.a || !d.b) continue;
    const la = a.report.layers[aIndex.get(d.a)!];
    const lb = b.report.layers[bIndex.get(d.b)!];
    la.outputs.forEach((t, k) => lb.outputs[k] && tensorInB.set(t.name, lb.outputs[k].name));
  }
  const inB = (name: string) => (name === '' ? '' : tensorInB.get(name) ?? `A:${name}`);
  const layers: LayerReport[] = [];
  const views: LayerView[] = [];
  const compare: CompareLayer[] = [];
  for (const d of diff.layers) {
    const ia = d.a !== null ? aIndex.get(d.a) : undefined;
    const ib = d.b !== null ? bIndex.get(d.b) : undefined;
    const la = ia !== undefined ? a.report.layers[ia] : null;
    const lb = ib !== undefined ? b.report.layers[ib] : null;
    if (lb && ib !== undefined) {
      layers.push(lb);
      views.push(b.layers[ib]);
    } else if (la && ia !== undefined) {
      // Removed: A's layer, its names kept, its tensors B's where B has them.
      layers.push({ ...la, name: `A:${la.name}`, inputs: la.inputs.map(inB), outputs: la.outputs.map((t) => ({ ...t, name: inB(t.name) })) });
      views.push(a.layers[ia]);
    } else continue;
    compare.push({ status: d.status, changes: d.changes, a: la, b: lb });
  }
  return {
    report: { ...b.report, layers },
    layers: views,
    summary: b.summary,
    compare: { a: diff.a, b: diff.b, delta: diff.delta, summary: diff.summary, layers: compare },
  };
}
