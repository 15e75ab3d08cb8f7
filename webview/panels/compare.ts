/**
 * The compare view's figures, for the panels that show both models: the
 * header's totals with their deltas, a layer's A / B / Δ rows (details), and
 * the table's per-layer deltas and status. Figures are pure (tested in
 * Node); `compareSection` builds the details panel's "Compare" section, every
 * model string set as text.
 */
import type { CompareData, CompareLayer } from '../../src/core/diff/compare-view';
import type { DiffChange, DiffStatus } from '../../src/core/diff/model-diff';
import type { LayerReport } from '../../src/core/report/profile';
import { deltaText, DIFF_TOTALS } from '../../src/core/diff/diff-format';
import { formatShape, humanBytes, humanCount } from '../../src/core/report/format';
import { CHANGE_COLORS } from '../graph/change';
import { el } from '../ui/dom';

/** Each total of the header: B's figure, the delta from A and A's figure, in the same unit. */
export const COMPARE_TOTALS = DIFF_TOTALS;

/** A total's delta as the header shows it: `+10.10 M (+86.5%)`, `no change`, `unknown`. */
export function totalDeltaText(delta: number | null, before: number | null, human: (n: number) => string): string {
  if (delta === null) return 'unknown';
  return delta === 0 ? 'no change' : deltaText(delta, before, human);
}

/** `8 changed · 3 added · 9 removed · 58 unchanged`. */
export function countsText(s: CompareData['summary']): string {
  return `${s.changed} changed · ${s.added} added · ${s.removed} removed · ${s.unchanged} unchanged`;
}

/** What changed, in the words the details panel uses. */
const CHANGE_NAMES: Record<DiffChange, string> = {
  op: 'op type',
  shape: 'output shape',
  dtype: 'data type',
  attributes: 'attributes',
  weights: 'weight shapes',
  params: 'parameters',
  macs: 'MACs',
  flops: 'FLOPs',
  memory: 'activation memory',
  receptiveField: 'receptive field',
  values: 'weight values',
};

export function changeNames(changes: readonly DiffChange[]): string[] {
  return changes.map((c) => CHANGE_NAMES[c] ?? c);
}

/** A receptive field as one number: its largest side; a global one ∞; none undefined. */
export function fieldSide(rf: LayerReport['receptiveField']): number | undefined {
  if (!rf) return undefined;
  if ('global' in rf) return Infinity;
  return rf.size.length ? Math.max(...rf.size) : undefined;
}

/** b − a, where two global fields (∞ − ∞) are the same. */
const minus = (a: number, b: number) => (a === b ? 0 : b - a);

/** `+1.20 K`, `−3`, `+∞`; '' for no change. */
export function signedText(n: number, human: (n: number) => string): string {
  if (n === 0) return '';
  const text = Number.isFinite(n) ? human(Math.abs(n)) : '∞';
  return `${n > 0 ? '+' : '−'}${text}`;
}

export type LayerDeltaKey = 'params' | 'macs' | 'activationBytes';

/**
 * A layer's share of the totals' delta: B's figure minus A's, a side the
 * layer is not in counting 0 (an added conv adds all of its parameters), so
 * the table's Δ column sums to the header's. null: a figure is unknown.
 */
export function layerDelta(c: CompareLayer, key: LayerDeltaKey): number | null {
  const a = c.a ? c.a[key] : 0;
  const b = c.b ? c.b[key] : 0;
  return a === null || b === null ? null : b - a;
}

/** The change of the receptive field's largest side; null unless the layer is in both and both fields are known. */
export function fieldDelta(c: CompareLayer): number | null {
  const a = c.a ? fieldSide(c.a.receptiveField) : undefined;
  const b = c.b ? fieldSide(c.b.receptiveField) : undefined;
  return a === undefined || b === undefined ? null : minus(a, b);
}

/** The table's Status column sorts changes first: changed, added, removed, then unchanged. */
export const STATUS_RANK: Record<DiffStatus, number> = { changed: 0, added: 1, removed: 2, unchanged: 3 };

export interface FigureRow {
  /** Short (the details panel is narrow); `name` says it in full (the label's tooltip). */
  label: string;
  name: string;
  a: string;
  b: string;
  /** '' where a side is missing or the figure is not a number (a shape). */
  delta: string;
  /** The delta as a share of A's figure, for its tooltip. */
  deltaTitle?: string;
}

const figure = (n: number | null | undefined, human: (n: number) => string) => (n === undefined ? '—' : n === null ? 'unknown' : human(n));

function numberRow(label: string, name: string, c: CompareLayer, get: (l: LayerReport) => number | null, human: (n: number) => string): FigureRow {
  const a = c.a ? get(c.a) : undefined;
  const b = c.b ? get(c.b) : undefined;
  const row: FigureRow = { label, name, a: figure(a, human), b: figure(b, human), delta: '' };
  if (typeof a !== 'number' || typeof b !== 'number') return row;
  row.delta = a === b ? '0' : signedText(b - a, human);
  if (a !== b && a > 0) row.deltaTitle = deltaText(b - a, a, human);
  return row;
}

/** A layer in both models, or one of them: its figures side by side. */
export function figureRows(c: CompareLayer): FigureRow[] {
  const shape = (l: LayerReport | null) => (l ? l.outputs.map((o) => formatShape(o.shape)).join(', ') : '—');
  const field = (l: LayerReport | null) => {
    const rf = l?.receptiveField;
    return !l ? '—' : !rf ? 'none' : 'global' in rf ? 'global' : rf.size.join('×');
  };
  const rfDelta = fieldDelta(c);
  return [
    { label: 'Output', name: 'Output shape', a: shape(c.a), b: shape(c.b), delta: '' },
    numberRow('Params', 'Parameters', c, (l) => l.params, humanCount),
    numberRow('MACs', 'Multiply-accumulates', c, (l) => l.macs, humanCount),
    numberRow('FLOPs', 'Floating-point operations', c, (l) => l.flops, humanCount),
    numberRow('Memory', 'Activation memory (the output, once)', c, (l) => l.activationBytes, humanBytes),
    {
      label: 'Field',
      name: 'Receptive field (px; Δ of its largest side)',
      a: field(c.a),
      b: field(c.b),
      delta: rfDelta === null ? '' : rfDelta === 0 ? '0' : signedText(rfDelta, String),
    },
  ];
}

/** What the details panel says of a layer's status, beside its colour. */
export function statusText(c: CompareLayer): string {
  if (c.status === 'added') return 'added: only in B';
  if (c.status === 'removed') return 'removed: only in A';
  if (c.status === 'changed') return 'changed';
  return 'unchanged';
}

/** A status's colour chip (the change overlay's colour, through the CSSOM). */
export function statusSwatch(status: DiffStatus): HTMLElement {
  const s = el('span', undefined, `compare-swatch compare-swatch-${status}`);
  s.setAttribute('aria-hidden', 'true');
  if (status !== 'unchanged') s.style.backgroundColor = CHANGE_COLORS[status];
  return s;
}

/** The details panel's first section in a compare view: the status, what changed, and A / B / Δ. */
export function compareSection(c: CompareLayer): HTMLElement {
  const s = el('section', undefined, 'details-section details-compare');
  const status = el('p', undefined, 'details-compare-status');
  status.append(statusSwatch(c.status), el('span', statusText(c)));
  s.append(el('h3', 'Compare'), status);
  if (c.changes.length) {
    const ul = el('ul', undefined, 'details-compare-changes');
    for (const name of changeNames(c.changes)) ul.append(el('li', name));
    s.append(ul);
  }
  // A layer paired across a rename: both names.
  if (c.a && c.b && c.a.name !== c.b.name) s.append(el('p', `In A: ${c.a.name}`, 'details-meta'));
  const t = el('table', undefined, 'details-table details-compare-figures');
  const head = t.createTHead().insertRow();
  for (const h of ['', 'A', 'B', 'Δ']) {
    const th = el('th', h);
    th.scope = 'col';
    head.append(th);
  }
  const body = t.createTBody();
  for (const r of figureRows(c)) {
    const tr = body.insertRow();
    const th = el('th', r.label);
    th.scope = 'row';
    th.title = r.name;
    const delta = el('td', r.delta, 'details-compare-delta');
    if (r.deltaTitle) delta.title = r.deltaTitle;
    // The same in both (a shape, a field): said once, across A and B.
    if (c.a && c.b && r.a === r.b) {
      const same = el('td', r.a, 'details-compare-same');
      same.colSpan = 2;
      tr.append(th, same, delta);
    } else tr.append(th, el('td', r.a), el('td', r.b), delta);
  }
  s.append(t);
  return s;
}
