/**
 * Hover tooltips of the graph: what a node, a collapsed group or an edge
 * stands for. The content builders are pure (tested in Node); `Tooltip`
 * renders a content as text only.
 */
import type { LayerReport, TensorReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';
import type { RuntimeView } from '../../src/protocol';
import type { HoverTarget } from '../graph/graph-view';
import { figureText, formatField, formatShape, humanBytes, withUnit } from '../../src/core/report/format';
import { sumFigures, tensorBytes } from '../../src/shared/exact';
import { visibleText } from '../../src/core/report/safe-text';
import { shareOf } from './table-rows';

export { tensorBytes };

export interface TooltipContent {
  title: string;
  rows: [string, string][];
}

const exact = (n: number) => n.toLocaleString('en-US');

/** Shapes of the layer's activation inputs (weights, folded constants and omitted inputs left out). */
function inputShapes(layer: LayerReport, view: LayerView, tensors: ReadonlyMap<string, TensorReport>): string[] {
  const weights = new Set([...view.weights, ...(view.constants ?? [])].map((w) => w.input));
  return layer.inputs.filter((name, i) => name !== '' && !weights.has(i)).map((name) => formatShape(tensors.get(name)?.shape ?? null));
}

/**
 * A node: its op title, shapes in → out, and the figures that are not zero
 * (a Relu shows no parameter or MAC rows); activation memory always.
 */
export function layerTooltip(layer: LayerReport, view: LayerView, tensors: ReadonlyMap<string, TensorReport>, measured?: RuntimeView['layers'][number], trainingBytes: number | null = null): TooltipContent {
  const ins = inputShapes(layer, view, tensors);
  const outs = layer.outputs.map((o) => formatShape(o.shape));
  const rows: [string, string][] = [['Op', view.title || layer.op]];
  rows.push(['Shape', `${ins.length ? `${ins.join(', ')} ` : ''}→ ${outs.join(', ') || '?'}`]);
  // Zero figures are left out; unknown ones (null) are shown as unknown.
  if (layer.params !== 0) rows.push(['Params', figureText(layer.params, exact)]);
  if (layer.macs !== 0) rows.push(['MACs', figureText(layer.macs, (n) => withUnit(n, 'MACs'))]);
  if (layer.flops !== 0) rows.push(['FLOPs', figureText(layer.flops, (n) => withUnit(n, 'FLOPs'))]);
  if (layer.receptiveField) rows.push(['Receptive field', formatField(layer.receptiveField)]);
  rows.push(['Activations', figureText(layer.activationBytes, humanBytes)]);
  if (layer.savedBytes !== 0) rows.push(['Kept for training', figureText(layer.savedBytes, (n) => `${humanBytes(n)}${shareOf(n, trainingBytes)}`)]);
  if (measured?.status === 'ran') {
    const t = measured.timeMs >= 1 ? `${measured.timeMs.toFixed(2)} ms` : `${(measured.timeMs * 1000).toFixed(0)} µs`;
    rows.push(['Time', `${t} (${(measured.share * 100).toFixed(1)}%)${measured.fused?.length ? ` incl. ${measured.fused.length} fused` : ''}`]);
    if (measured.gflops !== undefined) rows.push(['Achieved', `${measured.gflops.toFixed(1)} GFLOP/s${measured.bound ? `, ${measured.bound}-bound` : ''}`]);
  } else if (measured?.status === 'fused') {
    rows.push(['Time', `fused into ${measured.fusedInto?.name ?? '?'}`]);
  }
  return { title: layer.name || view.title || layer.op, rows };
}

/** A collapsed group: how many layers it holds and their summed figures. */
export function groupTooltip(name: string, layers: readonly LayerReport[], trainingBytes: number | null = null): TooltipContent {
  // A sum over layers some of whose figures are unknown is a lower bound: `≥ …`.
  const sum = (figure: (l: LayerReport) => number | null, text: (n: number) => string): string => {
    const s = sumFigures(layers.map(figure));
    return s.total === null ? 'unknown' : `${s.partial ? '≥ ' : ''}${text(s.total)}`;
  };
  return {
    title: name,
    rows: [
      ['Layers', exact(layers.length)],
      ['Params', sum((l) => l.params, exact)],
      ['MACs', sum((l) => l.macs, (n) => withUnit(n, 'MACs'))],
      ['FLOPs', sum((l) => l.flops, (n) => withUnit(n, 'FLOPs'))],
      ['Activations', sum((l) => l.activationBytes, humanBytes)],
      // What checkpointing this group would stop keeping (README "Training memory").
      ['Kept for training', sum((l) => l.savedBytes, (n) => `${humanBytes(n)}${shareOf(n, trainingBytes)}`)],
    ],
  };
}

function tensorSummary(t: TensorReport): string {
  const bytes = tensorBytes(t);
  return `${formatShape(t.shape)} ${t.dtype ?? '?'}${bytes !== null ? `, ${humanBytes(bytes)}` : ''}`;
}

/** An edge: one tensor in detail, or one row per tensor when the edge carries several. */
export function tensorTooltip(tensors: readonly TensorReport[]): TooltipContent {
  if (tensors.length === 1) {
    const t = tensors[0];
    const rows: [string, string][] = [
      ['Shape', formatShape(t.shape)],
      ['Type', t.dtype ?? '?'],
    ];
    const bytes = tensorBytes(t);
    if (bytes !== null) rows.push(['Size', humanBytes(bytes)]);
    return { title: t.name, rows };
  }
  return { title: `${tensors.length} tensors`, rows: tensors.map((t) => [t.name, tensorSummary(t)]) };
}

/** What the pointer is over in the graph: a layer's box, a collapsed group, or an edge (a tensor not in `tensors` shows as unknown). */
export function hoverTooltip(t: HoverTarget, layers: readonly LayerReport[], views: readonly LayerView[], tensors: ReadonlyMap<string, TensorReport>, runtime: RuntimeView | null, trainingBytes: number | null = null): TooltipContent {
  if (t.kind === 'layer') return layerTooltip(layers[t.layer], views[t.layer], tensors, runtime?.layers[t.layer], trainingBytes);
  if (t.kind === 'group') return groupTooltip(t.name, t.layers.map((i) => layers[i]), trainingBytes);
  return tensorTooltip(t.tensors.map((n) => tensors.get(n) ?? { name: n, shape: null, dtype: null }));
}

/** Gap between the pointer and the tooltip, and between the tooltip and the window edge, px. */
const OFFSET = 12;
const MARGIN = 4;

/** A floating tooltip near the pointer, kept inside the window. Text only. */
export class Tooltip {
  private readonly el: HTMLDivElement;

  constructor(parent: HTMLElement) {
    this.el = document.createElement('div');
    this.el.className = 'tooltip';
    this.el.setAttribute('role', 'tooltip');
    this.el.hidden = true;
    parent.append(this.el);
  }

  show(c: TooltipContent, clientX: number, clientY: number): void {
    const title = document.createElement('div');
    title.className = 'tooltip-title';
    // Model strings are shown, control and bidi characters as escapes (safe-text.ts).
    title.textContent = visibleText(c.title);
    const dl = document.createElement('dl');
    dl.className = 'tooltip-rows';
    for (const [k, v] of c.rows) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = visibleText(v);
      dl.append(dt, dd);
    }
    this.el.replaceChildren(title, dl);
    this.el.hidden = false;
    // Measure at the origin, then place: right/below the pointer, flipped where the window ends.
    this.el.style.left = '0px';
    this.el.style.top = '0px';
    const w = this.el.offsetWidth;
    const h = this.el.offsetHeight;
    let x = clientX + OFFSET;
    let y = clientY + OFFSET;
    if (x + w > window.innerWidth - MARGIN) x = clientX - OFFSET - w;
    if (y + h > window.innerHeight - MARGIN) y = clientY - OFFSET - h;
    x = Math.max(MARGIN, Math.min(x, window.innerWidth - MARGIN - w));
    y = Math.max(MARGIN, Math.min(y, window.innerHeight - MARGIN - h));
    this.el.style.left = `${x}px`;
    this.el.style.top = `${y}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
