/**
 * The compare view's 'change' overlay: each box coloured by its diff status
 * (added, removed, changed), unchanged ones left plain. Categorical, not a
 * scale: a status is a kind, not an amount. A collapsed group shows the kind
 * of change inside it. Also which groups a compare view opens with: those
 * holding a change. Pure: tested in Node.
 */
import type { DiffStatus } from '../../src/core/diff/model-diff';
import type { LayerReport } from '../../src/core/report/profile';
import { DEFAULT_BUDGET, defaultExpanded } from './hierarchy';

export type ChangeKind = Exclude<DiffStatus, 'unchanged'>;

/** Legend and table order: what B lost, what it gained, what it altered. */
export const CHANGE_KINDS: readonly ChangeKind[] = ['changed', 'added', 'removed'];

/**
 * Okabe & Ito's colour-universal palette (2008): bluish green, vermillion and
 * yellow stay apart under protan, deutan and tritan vision (CIELAB ΔE ≥ 34
 * between any two, where RdYlGn's green and red fall to 20), and all three
 * carry dark text on light and dark themes alike. Removed boxes are dashed
 * too (media/graph.css), so the kind never rests on hue alone.
 */
export const CHANGE_COLORS: Record<ChangeKind, string> = { added: '#009e73', removed: '#d55e00', changed: '#f0e442' };

/**
 * A collapsed group's status: unchanged when every layer inside is; the one
 * kind when its changes are all of one kind (a block of added layers is
 * added); changed when they are of several (a block with layers added and
 * others removed was altered).
 */
export function groupStatus(statuses: readonly DiffStatus[]): DiffStatus {
  let kind: DiffStatus = 'unchanged';
  for (const s of statuses) {
    if (s === 'unchanged' || s === kind) continue;
    if (kind !== 'unchanged') return 'changed';
    kind = s;
  }
  return kind;
}

export interface ChangeLegendEntry {
  kind: ChangeKind;
  color: string;
  /** Layers of this status (groups not counted). */
  layers: number;
}

/** One entry per kind present among the layers and the groups (a mixed group makes 'changed' present). */
export function changeLegend(layerStatuses: readonly DiffStatus[], groupStatuses: readonly DiffStatus[]): ChangeLegendEntry[] {
  const present = new Set<DiffStatus>([...layerStatuses, ...groupStatuses]);
  return CHANGE_KINDS.filter((k) => present.has(k)).map((kind) => ({ kind, color: CHANGE_COLORS[kind], layers: layerStatuses.filter((s) => s === kind).length }));
}

export const changeColor = (s: DiffStatus | undefined): string | null => (s === undefined || s === 'unchanged' ? null : CHANGE_COLORS[s]);

/**
 * The groups a compare view opens with: those holding a layer that is not
 * unchanged (and so their ancestors, which hold it too), breadth first within
 * the visible-box budget as `defaultExpanded`; groups with no change stay
 * collapsed, out of the way.
 */
export function changeExpanded(layers: readonly LayerReport[], statuses: readonly DiffStatus[], budget = DEFAULT_BUDGET): Set<string> {
  return defaultExpanded(layers, budget, (g) => g.layers.some((i) => statuses[i] !== undefined && statuses[i] !== 'unchanged'));
}
