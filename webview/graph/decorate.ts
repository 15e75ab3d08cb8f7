/**
 * What the graph view paints onto a drawing after it is made: selection and
 * search marks, heat- and change-overlay fills; and what lies under the
 * pointer. Classes only (media/graph.css), except the fills, set through the CSSOM.
 */
import type { LayerReport } from '../../src/core/report/profile';
import type { Hierarchy } from './hierarchy';
import type { RenderedGraph } from './render';
import { groupValue, heatScale, overlayValues, textOn, type OverlayMode } from './overlay';
import { CHANGE_KINDS, changeColor, changeLegend, groupStatus } from './change';
import { changeLegendData, heatLegend, type LegendData } from './legend';
import type { DiffStatus } from '../../src/core/diff/model-diff';
import type { HoverTarget } from './graph-view';

export interface Marks {
  selected: number | null;
  matches: readonly number[];
  current: number | null;
}

/** Marks the element drawn for each layer (its box, or the collapsed group hiding it). */
export function paintMarks(d: RenderedGraph, svg: SVGSVGElement, elementOf: (layer: number) => SVGGElement | undefined, m: Marks): void {
  for (const el of d.elements.values()) el.classList.remove('selected', 'match', 'match-current');
  svg.classList.toggle('searching', m.matches.length > 0);
  for (const layer of m.matches) elementOf(layer)?.classList.add('match');
  if (m.current !== null) elementOf(m.current)?.classList.add('match-current');
  if (m.selected !== null) elementOf(m.selected)?.classList.add('selected');
}

/**
 * Fills each drawn box from one log scale over every layer and every group
 * (a collapsed group counts its layers together), whatever is collapsed: a
 * colour keeps its meaning when a group is expanded or collapsed. The
 * 'change' overlay fills by diff status instead (`statuses`, by layer).
 * Returns what the legend shows (undefined: no overlay).
 */
export function paintHeat(d: RenderedGraph, svg: SVGSVGElement, layers: readonly LayerReport[], h: Hierarchy | undefined, mode: OverlayMode, latencyMs?: readonly number[], statuses?: readonly DiffStatus[]): LegendData | undefined {
  svg.classList.toggle('heat', mode !== 'none');
  const groupIds = [...(h?.groups.keys() ?? [])];
  const membersOf = (id: string) => h?.groups.get(id)?.layers ?? [];
  let colorOf: (id: string) => string | null = () => null;
  let statusOf: (id: string) => DiffStatus | undefined = () => undefined;
  let legend: LegendData | undefined;
  if (mode === 'change') {
    const all = statuses ?? [];
    statusOf = (id) => (id.startsWith('node:') ? all[Number(id.slice(5))] : groupStatus(membersOf(id).map((i) => all[i])));
    colorOf = (id) => changeColor(statusOf(id));
    legend = changeLegendData(changeLegend(all, groupIds.map((id) => statusOf(id) ?? 'unchanged')));
  } else if (mode !== 'none') {
    const values = overlayValues(layers, mode, latencyMs);
    const valueOf = (id: string): number | undefined => (id.startsWith('node:') ? values[Number(id.slice(5))] : groupValue(membersOf(id).map((i) => values[i]), mode));
    const scale = heatScale([...values, ...groupIds.map(valueOf)], mode);
    colorOf = (id) => scale.colorOf(valueOf(id));
    legend = heatLegend(mode, scale);
  }
  for (const id of d.boxIds) {
    const el = d.elements.get(id)!;
    const color = colorOf(id);
    const body = el.querySelector<SVGRectElement>('rect.body');
    if (body) body.style.fill = color ?? '';
    el.classList.toggle('heat-dark', color !== null && textOn(color) === 'dark');
    el.classList.toggle('heat-light', color !== null && textOn(color) === 'light');
    // The kind as a class too: removed boxes are struck through, not told by hue alone (media/graph.css).
    const status = statusOf(id);
    for (const kind of CHANGE_KINDS) el.classList.toggle(`change-${kind}`, status === kind);
  }
  return legend;
}

export type PointerTarget = { kind: 'toggle'; group: string } | { kind: 'layer'; layer: number } | { kind: 'edge'; edge: number } | { kind: 'frame' } | null;

/** What a pointer event's target belongs to: a group toggle (collapsed box or header), a layer, an edge, or nothing. */
export function pointerTarget(target: Element): PointerTarget {
  const toggle = target.closest('.group-collapsed') ?? target.closest('.group-header')?.closest('[data-group]');
  if (toggle) return { kind: 'toggle', group: toggle.getAttribute('data-group')! };
  const node = target.closest('[data-layer]');
  if (node) return { kind: 'layer', layer: Number(node.getAttribute('data-layer')) };
  const edge = target.closest('[data-edge]');
  if (edge) return { kind: 'edge', edge: Number(edge.getAttribute('data-edge')) };
  return target.closest('.group') ? { kind: 'frame' } : null;
}

/** What the view reports the pointer is over (see GraphCallbacks.onHover): a layer, a group (its toggle), an edge's tensors, or nothing. */
export function hoverTarget(t: PointerTarget, h: Hierarchy | undefined, d: RenderedGraph | undefined): HoverTarget | null {
  const g = t?.kind === 'toggle' ? h?.groups.get(t.group) : undefined;
  const tensors = t?.kind === 'edge' ? d?.edges[t.edge]?.tensors : undefined;
  if (t?.kind === 'layer') return { kind: 'layer', layer: t.layer };
  if (g) return { kind: 'group', id: g.id, name: g.name, layers: g.layers };
  if (tensors) return { kind: 'edge', tensors };
  return null;
}

/** Average glyph width of box titles in the svg's font (canvas measure), for sizing boxes. */
export function measureCharWidth(el: Element): number | undefined {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return undefined;
  ctx.font = `600 12px ${getComputedStyle(el).fontFamily || 'sans-serif'}`;
  const sample = 'Conv 3×3 /2 ×64 BatchNormalization 1×64×112×112 GlobalAveragePool';
  const w = ctx.measureText(sample).width / sample.length;
  return Number.isFinite(w) && w > 0 ? Math.min(9, Math.max(5.5, w * 1.05)) : undefined;
}
