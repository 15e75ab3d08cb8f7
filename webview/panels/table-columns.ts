/**
 * The layer table's columns and their order, DOM-free (tested in Node): the
 * static figures, the measured ones a run adds, the status and deltas a
 * compare view adds, and the sort over any of them.
 */
import type { LayerReport } from '../../src/core/report/profile';
import type { RuntimeView } from '../../src/protocol';
import type { CompareData, CompareLayer } from '../../src/core/diff/compare-view';
import { humanBytes, humanCount } from '../../src/core/report/format';
import { changeNames, fieldDelta, layerDelta, signedText, STATUS_RANK } from './compare';

export type SortKey = 'index' | 'name' | 'op' | 'params' | 'macs' | 'flops' | 'receptiveField' | 'activationBytes' | 'savedBytes' | 'timeMs' | 'gflops' | CompareKey;
type CompareKey = 'status' | 'deltaParams' | 'deltaMacs' | 'deltaMemory' | 'deltaField';
const RUNTIME_KEYS: readonly SortKey[] = ['timeMs', 'gflops'];
const COMPARE_KEYS: readonly SortKey[] = ['status', 'deltaParams', 'deltaMacs', 'deltaMemory', 'deltaField'];
const isCompareKey = (k: SortKey): k is CompareKey => COMPARE_KEYS.includes(k);

/** A compare view's sortable figure of a layer: its status's rank, or a delta (null: none). */
function compareValue(c: CompareLayer, key: CompareKey): number | null {
  if (key === 'status') return STATUS_RANK[c.status];
  if (key === 'deltaField') return fieldDelta(c);
  return layerDelta(c, key === 'deltaParams' ? 'params' : key === 'deltaMacs' ? 'macs' : 'activationBytes');
}

export interface TableState {
  key: SortKey;
  descending: boolean;
}

/** Receptive field as one sortable number: product of the sizes; global largest, none smallest. */
function fieldRank(rf: LayerReport['receptiveField']): number {
  if (!rf) return -1;
  if ('global' in rf) return Number.POSITIVE_INFINITY;
  return rf.size.reduce((a, s) => a * s, 1);
}

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * Layer indices ordered by `key`. Stable: equal keys keep layer order in
 * either direction.
 */
export function sortLayers(layers: readonly LayerReport[], key: SortKey, descending: boolean, runtime?: RuntimeView | null, compare?: CompareData | null): number[] {
  const order = layers.map((_, i) => i);
  if (key === 'index' || (RUNTIME_KEYS.includes(key) && !runtime) || (isCompareKey(key) && !compare)) return descending ? order.reverse() : order;
  let cmp: (a: number, b: number) => number;
  if (isCompareKey(key)) {
    // A delta can be negative: layers without one go last in either direction.
    const value = layers.map((_, i) => (compare!.layers[i] ? compareValue(compare!.layers[i], key) : null));
    const sign = descending ? -1 : 1;
    const rank = (a: number | null, b: number | null) => (a === null ? (b === null ? 0 : 1) : b === null ? -1 : sign * (a < b ? -1 : a > b ? 1 : 0));
    return order.sort((a, b) => rank(value[a], value[b]) || a - b);
  } else if (key === 'timeMs' || key === 'gflops') {
    // Layers that did not run (fused, folded) sort as -1: after every measured one when descending.
    const value = layers.map((_, i) => runtime!.layers[i]?.[key] ?? -1);
    cmp = (a, b) => (value[a] < value[b] ? -1 : value[a] > value[b] ? 1 : 0);
  } else if (key === 'name' || key === 'op') {
    const text = layers.map((l) => l[key]);
    cmp = (a, b) => collator.compare(text[a], text[b]);
  } else {
    // Unknown figures (null) sort as -1: after every known one when descending.
    const value = layers.map((l) => (key === 'receptiveField' ? fieldRank(l.receptiveField) : l[key] ?? -1));
    cmp = (a, b) => (value[a] < value[b] ? -1 : value[a] > value[b] ? 1 : 0);
  }
  const sign = descending ? -1 : 1;
  return order.sort((a, b) => sign * cmp(a, b) || a - b);
}

export interface Column {
  key: SortKey | null;
  label: string;
  numeric: boolean;
  /** Direction of the first click: big numbers first, text A→Z. */
  firstDescending: boolean;
  /** Its width class (`layers-col-<width>` in media/panels.css). */
  width: 'index' | 'name' | 'op' | 'shape' | 'count' | 'field' | 'bytes' | 'time' | 'bound' | 'status' | 'delta';
}

export const COLUMNS: Column[] = [
  { key: 'index', label: '#', numeric: true, firstDescending: false, width: 'index' },
  { key: 'name', label: 'Layer', numeric: false, firstDescending: false, width: 'name' },
  { key: 'op', label: 'Op', numeric: false, firstDescending: false, width: 'op' },
  { key: null, label: 'Output shape', numeric: false, firstDescending: false, width: 'shape' },
  { key: 'params', label: 'Params', numeric: true, firstDescending: true, width: 'count' },
  { key: 'macs', label: 'MACs', numeric: true, firstDescending: true, width: 'count' },
  { key: 'flops', label: 'FLOPs', numeric: true, firstDescending: true, width: 'count' },
  { key: 'receptiveField', label: 'Receptive field', numeric: false, firstDescending: true, width: 'field' },
  { key: 'activationBytes', label: 'Activations', numeric: true, firstDescending: true, width: 'bytes' },
  { key: 'savedBytes', label: 'Kept (training)', numeric: true, firstDescending: true, width: 'bytes' },
];

/** Where a run's (or a compare view's) columns go: after # , Layer and Op. */
export const RUNTIME_AT = 3;

/** Shown in a compare view: each layer's status and its share of the totals' deltas. */
export const COMPARE_COLUMNS: Column[] = [
  { key: 'status', label: 'Status', numeric: false, firstDescending: false, width: 'status' },
  { key: 'deltaParams', label: 'Δ params', numeric: true, firstDescending: true, width: 'delta' },
  { key: 'deltaMacs', label: 'Δ MACs', numeric: true, firstDescending: true, width: 'delta' },
  { key: 'deltaMemory', label: 'Δ memory', numeric: true, firstDescending: true, width: 'delta' },
  { key: 'deltaField', label: 'Δ receptive field', numeric: true, firstDescending: true, width: 'field' },
];

/** The table's columns: a compare view's and a run's after the op, where they are seen without scrolling sideways. */
export function tableColumns(runtime: boolean, compare: boolean): Column[] {
  if (!runtime && !compare) return COLUMNS;
  return [...COLUMNS.slice(0, RUNTIME_AT), ...(compare ? COMPARE_COLUMNS : []), ...(runtime ? RUNTIME_COLUMNS : []), ...COLUMNS.slice(RUNTIME_AT)];
}

/** A compared layer's cells: status, Δ params, Δ MACs, Δ memory, Δ receptive field ('' for no change). */
export function compareCells(c: CompareLayer): { text: string; title?: string }[] {
  const delta = (n: number | null, human: (n: number) => string, what: string) =>
    n === null ? { text: '?', title: `${what}: unknown in A or B` } : { text: signedText(n, human), title: n ? `${what}: ${n > 0 ? '+' : '−'}${Math.abs(n).toLocaleString('en-US')}` : undefined };
  const side = c.status === 'added' ? ' (added: all of B\'s)' : c.status === 'removed' ? ' (removed: all of A\'s)' : '';
  const field = fieldDelta(c);
  return [
    { text: c.status === 'unchanged' ? '' : c.status, title: c.changes.length ? `changed: ${changeNames(c.changes).join(', ')}` : undefined },
    delta(layerDelta(c, 'params'), humanCount, `parameters${side}`),
    delta(layerDelta(c, 'macs'), humanCount, `MACs${side}`),
    delta(layerDelta(c, 'activationBytes'), humanBytes, `activation bytes${side}`),
    field === null ? { text: '' } : { text: signedText(field, String), title: field ? 'change of the receptive field\'s largest side (px; global = ∞)' : undefined },
  ];
}

/** Shown once the model has been run (Profile Model…). */
export const RUNTIME_COLUMNS: Column[] = [
  { key: 'timeMs', label: 'Time', numeric: true, firstDescending: true, width: 'time' },
  { key: null, label: 'Share', numeric: true, firstDescending: true, width: 'time' },
  { key: 'gflops', label: 'GFLOP/s', numeric: true, firstDescending: true, width: 'time' },
  { key: null, label: 'Bound', numeric: false, firstDescending: false, width: 'bound' },
];

/** A measured layer's cells: time, share, GFLOP/s, bound; or where its time went. */
export function runtimeCells(r: RuntimeView['layers'][number]): { text: string; title?: string }[] {
  if (!r) return [{ text: '' }, { text: '' }, { text: '' }, { text: '' }];
  if (r.status !== 'ran') {
    const why = r.status === 'fused' ? `fused into ${r.fusedInto?.name ?? '?'}` : r.status === 'folded' ? 'folded (constant)' : 'removed by the runtime';
    return [{ text: r.status === 'fused' ? 'fused' : r.status === 'folded' ? 'folded' : 'removed', title: why }, { text: '' }, { text: '' }, { text: '' }];
  }
  const t = r.timeMs >= 1 ? `${r.timeMs.toFixed(2)} ms` : `${(r.timeMs * 1000).toFixed(0)} µs`;
  return [
    { text: t, title: `${r.timeMs.toFixed(4)} ms median${r.fused?.length ? `, including ${r.fused.join(', ')}` : ''}${r.providers?.length ? ` on ${r.providers.join(', ')}` : ''}` },
    { text: `${(r.share * 100).toFixed(1)}%` },
    { text: r.gflops === undefined ? '' : r.gflops >= 100 ? r.gflops.toFixed(0) : r.gflops.toFixed(1) },
    { text: r.bound ?? '' },
  ];
}
