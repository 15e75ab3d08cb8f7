/**
 * The layer table's columns and their order, DOM-free (tested in Node): the
 * static figures, the measured ones a run adds, and the sort over either.
 */
import type { LayerReport } from '../../src/core/report/profile';
import type { RuntimeView } from '../../src/protocol';

export type SortKey = 'index' | 'name' | 'op' | 'params' | 'macs' | 'flops' | 'receptiveField' | 'activationBytes' | 'timeMs' | 'gflops';
const RUNTIME_KEYS: readonly SortKey[] = ['timeMs', 'gflops'];

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
export function sortLayers(layers: readonly LayerReport[], key: SortKey, descending: boolean, runtime?: RuntimeView | null): number[] {
  const order = layers.map((_, i) => i);
  if (key === 'index' || (RUNTIME_KEYS.includes(key) && !runtime)) return descending ? order.reverse() : order;
  let cmp: (a: number, b: number) => number;
  if (key === 'timeMs' || key === 'gflops') {
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
  width: 'index' | 'name' | 'op' | 'shape' | 'count' | 'field' | 'bytes' | 'time' | 'bound';
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
];

/** Where a run's columns go: after # , Layer and Op. */
export const RUNTIME_AT = 3;

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

