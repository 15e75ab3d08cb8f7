/**
 * The interactive graph of the model view: ELK layout in a worker, SVG
 * drawing, pan/zoom, minimap, collapsible name-scope groups, selection,
 * search highlights, heat overlays and export. The page (webview/main.ts)
 * talks to it only through this class. Where its layouts come from is
 * ./view-layouts.ts; where it looks after each drawing, ./placement.ts.
 */
import type { LayerView } from '../../src/core/report/layer-view';
import type { LayerReport, ProfileReport } from '../../src/core/report/profile';
import { formatShape } from '../../src/core/report/format';
import type { ElkNode } from './elk-graph';
import { defaultExpanded, hierarchyOf, nodeId, visibleIdOf, type Hierarchy } from './hierarchy';
import type { ViewLayout } from '../../src/protocol';
import { ViewLayouts, type LaidOut } from './view-layouts';
import { openingBox, Placement } from './placement';
import { arrowDefs, renderGraph, svgEl, type RenderedGraph } from './render';
import { Viewport, type Transform } from './viewport';
import { Minimap } from './minimap';
import { Legend } from './legend';
import { exportedSize, pngFromSvg, svgForExport } from './export';
import { availableModes, OVERLAY_MODES, type OverlayMode } from './overlay';
import { changeExpanded } from './change';
import type { DiffStatus } from '../../src/core/diff/model-diff';
import { hoverTarget, measureCharWidth, paintHeat, paintMarks, pointerTarget } from './decorate';

export type HoverTarget = { kind: 'layer'; layer: number } | { kind: 'group'; id: string; name: string; layers: number[] } | { kind: 'edge'; tensors: string[] };

export interface GraphState {
  transform?: { x: number; y: number; k: number };
  expanded?: string[];
  overlay?: OverlayMode;
}

export interface GraphCallbacks {
  /** A click on a layer box; a click on the empty background → null. */
  onSelect(layer: number | null): void;
  onHover(target: HoverTarget | null, clientX: number, clientY: number): void;
  /** After each layout is drawn (first paint and after expand/collapse). */
  onPainted(info: { visibleNodes: number; layoutMs: number; layoutIn: 'worker' | 'main thread' | 'cache' | 'extension'; partial: boolean }): void;
  /** Zoom, pan, expansion or overlay changed (the page persists `getState()`). */
  onStateChange(): void;
}

/** Zoom from which edges show their tensor shapes. */
const EDGE_LABEL_ZOOM = 0.7;
/** Zoom below which box text is not drawn (unreadable anyway, and costly). */
const FAR_ZOOM = 0.3;

const sameNames = (a: ProfileReport, b: ProfileReport) => a.layers.length === b.layers.length && a.layers.every((l, i) => l.name === b.layers[i].name);

export class GraphView {
  private readonly svg: SVGSVGElement;
  private readonly zoomLayer: SVGGElement;
  private readonly viewport: Viewport;
  private readonly placement: Placement;
  private readonly minimap: Minimap;
  private readonly legend: Legend;
  private readonly message: HTMLDivElement;
  private readonly layouts: ViewLayouts;
  private report: ProfileReport | undefined;
  private views: readonly LayerView[] = [];
  private hierarchy: Hierarchy | undefined;
  private shapes = new Map<string, string>();
  private expanded = new Set<string>();
  private overlay: OverlayMode = 'none';
  private latencyMs: number[] | undefined;
  /** A compare view: each layer's diff status (the 'change' overlay, the groups it opens with). */
  private statuses: readonly DiffStatus[] | undefined;
  private selected: number | null = null;
  private matches: readonly number[] = [];
  private current: number | null = null;
  private drawn: RenderedGraph | undefined;
  /** The latest layout request; `reveal` waits for it. */
  private painting: Promise<boolean> = Promise.resolve(false);
  private charWidth: number | undefined;
  /** The opening screen's boxes are drawn (a partial layout): the transform they were shown at, until the whole view replaces them. */
  private partialShown: Transform | undefined;
  private hovering = false;
  private stateTimer = 0;

  constructor(
    container: HTMLElement,
    urls: { worker: string; mainThread: string; ahead?: boolean },
    private readonly callbacks: GraphCallbacks,
  ) {
    this.layouts = new ViewLayouts(urls);
    this.svg = svgEl('svg', { tabindex: 0, role: 'img', 'aria-label': 'Model graph' }, 'graph');
    this.zoomLayer = svgEl('g', {}, 'zoom');
    this.svg.append(arrowDefs(), this.zoomLayer);
    this.message = document.createElement('div');
    this.message.className = 'graph-message';
    this.message.hidden = true;
    container.append(this.svg, this.message);
    this.viewport = new Viewport(this.svg, this.zoomLayer);
    this.minimap = new Minimap(container, this.viewport);
    this.placement = new Placement(this.viewport, this.minimap);
    container.append(this.layouts.busy);
    this.legend = new Legend(container);
    this.viewport.onChange((t) => {
      this.svg.classList.toggle('edge-labels', t.k >= EDGE_LABEL_ZOOM);
      this.svg.classList.toggle('far', t.k < FAR_ZOOM);
      this.stateChangedSoon();
    });
    this.svg.addEventListener('click', (e) => this.onClick(e));
    this.svg.addEventListener('pointermove', (e) => this.onPointerMove(e));
    this.svg.addEventListener('pointerleave', (e) => this.hover(null, e));
    this.svg.addEventListener('keydown', (e) => {
      if (e.key === 'Escape' && this.selected !== null) {
        this.select(null);
        this.callbacks.onSelect(null);
      }
    });
    // Fit once the pane has a size (a model can arrive while the table tab is shown).
    new ResizeObserver(() => {
      if (this.viewport.size().width > 0) this.placement.apply(this.drawn);
      this.minimap.schedule();
    }).observe(container);
  }

  /**
   * Shows a model. With `state`, restores zoom/expanded/overlay; a re-show of a
   * model with the same layer names keeps the current zoom, expansion and
   * selection (file changed on disk). Else opens on the overview: the whole
   * graph fitted when it is legible so, else its top at a readable zoom.
   * `statuses`: a compare view's diff status per layer; it opens on the
   * 'change' overlay with the groups holding a change expanded.
   */
  async show(report: ProfileReport, views: readonly LayerView[], state?: GraphState, ahead?: ViewLayout, statuses?: readonly DiffStatus[]): Promise<void> {
    const same = this.report !== undefined && sameNames(this.report, report);
    const opened = (layers: readonly LayerReport[]) => (statuses ? changeExpanded(layers, statuses) : defaultExpanded(layers));
    // A view turning into a compare view opens on its changes; the change overlay leaves with it.
    if (statuses && !this.statuses) this.overlay = 'change';
    else if (!statuses && this.overlay === 'change') this.overlay = 'none';
    this.statuses = statuses;
    // A new report (another batch, a reload) may change every label: its layouts are made afresh.
    if (report !== this.report) this.layouts.reset();
    this.report = report;
    this.views = views;
    const h = (this.hierarchy = hierarchyOf(report.layers));
    this.shapes = new Map();
    for (const t of report.inputs) this.shapes.set(t.name, formatShape(t.shape));
    for (const l of report.layers) for (const t of l.outputs) this.shapes.set(t.name, formatShape(t.shape));
    this.charWidth ??= measureCharWidth(this.svg);
    this.svg.setAttribute('aria-label', `Model graph: ${report.layers.length} layers`);
    if (state) {
      this.expanded = state.expanded ? new Set(state.expanded.filter((id) => h.groups.has(id))) : opened(report.layers);
      if (state.overlay && OVERLAY_MODES.includes(state.overlay) && (state.overlay !== 'change' || statuses)) this.overlay = state.overlay;
      this.placement.openOn(state.transform ?? 'overview');
    } else if (same) {
      this.expanded = new Set([...this.expanded].filter((id) => h.groups.has(id)));
    } else {
      this.expanded = opened(report.layers);
      this.selected = null;
      this.matches = [];
      this.current = null;
      this.placement.openOn('overview');
    }
    if (this.selected !== null && this.selected >= report.layers.length) this.selected = null;
    // Laid out by the extension while this page booted: drawn as it is when made for this view.
    this.layouts.seed(ahead, this.expanded, this.charWidth);
    await this.relayout();
  }

  select(layer: number | null): void {
    this.selected = layer;
    this.applyMarks();
  }

  /** Expands the groups hiding `layer` (re-layout if needed), centres it, selects it. */
  async reveal(layer: number): Promise<void> {
    await this.painting;
    const h = this.hierarchy;
    if (!h || !this.report || layer < 0 || layer >= this.report.layers.length) return;
    const hidden = (h.ancestors[layer] ?? []).filter((id) => !this.expanded.has(id));
    if (hidden.length) {
      for (const id of hidden) this.expanded.add(id);
      if (!(await this.relayout())) return;
      this.stateChangedSoon();
    }
    this.selected = layer;
    this.applyMarks();
    const box = this.drawn?.boxes.get(nodeId(layer));
    if (box) this.placement.reveal(layer, box);
  }

  /** Search matches: layers inside collapsed groups highlight their group. */
  highlight(layers: readonly number[], current: number | null): void {
    this.matches = layers;
    this.current = current;
    this.applyMarks();
  }

  setOverlay(mode: OverlayMode): void {
    if (!OVERLAY_MODES.includes(mode) || (mode === 'change' && !this.statuses)) return;
    this.overlay = mode;
    this.applyOverlay();
    this.callbacks.onStateChange();
  }

  /** Measured time per layer (ms), enabling the 'latency' overlay; undefined removes it. */
  setLatency(latencyMs: number[] | undefined): void {
    this.latencyMs = latencyMs;
    if (!availableModes(latencyMs, this.statuses !== undefined).includes(this.overlay)) this.overlay = 'none';
    this.applyOverlay();
  }

  fit(): void {
    this.placement.fit();
  }

  zoomBy(factor: number): void {
    this.viewport.zoomBy(factor);
  }

  getState(): GraphState {
    return { transform: this.viewport.getTransform(), expanded: [...this.expanded], overlay: this.overlay };
  }

  visibleNodeCount(): number {
    return this.drawn?.boxIds.length ?? 0;
  }

  exportSvg(): string {
    if (!this.drawn) throw new Error('the graph is not drawn yet');
    return svgForExport(this.svg);
  }

  async exportPng(): Promise<string> {
    const text = this.exportSvg();
    const { width, height } = exportedSize(text);
    return pngFromSvg(text, width, height, 2);
  }

  // -------------------------------------------------------------------------

  private async relayout(): Promise<boolean> {
    const run = this.layoutOnce();
    this.painting = run.catch(() => false);
    return run;
  }

  private async layoutOnce(): Promise<boolean> {
    const report = this.report;
    if (!report) return false;
    let laidOut: LaidOut | null;
    try {
      const made = this.layouts.layout(report, this.views, this.expanded, this.charWidth);
      // One made before is drawn in this task, with no await.
      laidOut = made instanceof Promise ? await made : made;
    } catch (e) {
      this.showMessage(`The graph could not be laid out: ${(e as Error).message}`);
      return false;
    }
    if (!laidOut) return false;
    const { partial } = laidOut;
    this.showMessage(null);
    this.draw(laidOut.graph);
    this.partialShown = partial ? this.viewport.getTransform() : undefined;
    // The model's first whole view is on screen: the background layouts start.
    if (this.layouts.drawn(partial)) requestAnimationFrame(() => setTimeout(() => this.prepareToggles(), 0));
    const visibleNodes = this.drawn!.boxIds.length;
    const layoutMs = Math.round(laidOut.ms * 10) / 10;
    this.svg.dataset.visibleNodes = String(visibleNodes);
    this.svg.dataset.layoutMs = String(layoutMs);
    this.svg.dataset.layoutIn = laidOut.where;
    this.svg.dataset.partial = String(partial);
    this.callbacks.onPainted({ visibleNodes, layoutMs, layoutIn: laidOut.where, partial });
    return true;
  }

  /** Views one expand away, laid out in the background (ViewLayouts.prepareToggles). */
  private prepareToggles(): void {
    if (this.report && this.hierarchy && this.drawn) this.layouts.prepareToggles(this.report, this.views, this.hierarchy, this.expanded, this.charWidth, this.drawn.boxIds);
  }

  /**
   * The whole first view, after its opening screen was drawn from a partial layout (null: the
   * extension could not lay it out; the page does). Drawn in place of the opening screen, with the
   * input box kept where it is on screen (fitted instead when the whole graph fits legibly and the
   * user has not moved the view). Ignored once the user has expanded or collapsed a group (the
   * page laid that out).
   */
  async completeLayout(layout: ViewLayout | null): Promise<void> {
    await this.painting;
    if (!this.partialShown || !this.drawn) return;
    if (layout && !layout.partial && !this.layouts.seed(layout, this.expanded, this.charWidth)) return;
    const t = this.viewport.getTransform();
    const still = this.partialShown;
    const unmoved = t.k === still.k && t.x === still.x && t.y === still.y;
    if (unmoved && layout && this.viewport.fitsLegibly(layout.graph.width ?? 0, layout.graph.height ?? 0)) this.placement.openOn('overview');
    else {
      const id = this.drawn.boxes.has(openingBox(this.drawn)) ? openingBox(this.drawn) : this.drawn.boxIds[0];
      const box = id === undefined ? undefined : this.drawn.boxes.get(id);
      if (id !== undefined && box) this.placement.keep(id, box);
    }
    await this.relayout();
  }

  private draw(graph: ElkNode): void {
    const kept = this.placement.takeKept();
    const r = renderGraph(graph, (t) => this.shapes.get(t));
    this.drawn?.scene.remove();
    this.drawn = r;
    this.zoomLayer.append(r.scene);
    this.svg.dataset.graphWidth = String(r.width);
    this.svg.dataset.graphHeight = String(r.height);
    this.viewport.setContent(r.width, r.height);
    this.minimap.setContent(r.boxIds.map((id) => r.boxes.get(id)!), r.width, r.height);
    this.applyMarks();
    this.applyOverlay();
    // Keep a toggled group where it was on screen; then fit, restore or reveal.
    this.placement.placeDrawing(r, kept);
  }

  private toggle(id: string): void {
    const box = this.drawn?.boxes.get(id);
    if (box) this.placement.keep(id, box);
    if (this.expanded.has(id)) this.expanded.delete(id);
    else this.expanded.add(id);
    this.hover(null);
    void this.relayout().then((ok) => ok && this.callbacks.onStateChange());
  }

  /** The visible element standing for a layer: its box, or the collapsed group around it. */
  private elementOf(layer: number): SVGGElement | undefined {
    if (!this.drawn || !this.hierarchy) return undefined;
    return this.drawn.elements.get(visibleIdOf(this.hierarchy, layer, this.expanded));
  }

  private applyMarks(): void {
    if (this.drawn) paintMarks(this.drawn, this.svg, (l) => this.elementOf(l), { selected: this.selected, matches: this.matches, current: this.current });
  }

  private applyOverlay(): void {
    if (!this.drawn || !this.report) return;
    this.legend.show(paintHeat(this.drawn, this.svg, this.report.layers, this.hierarchy, this.overlay, this.latencyMs, this.statuses));
  }

  private showMessage(text: string | null): void {
    this.message.hidden = text === null;
    this.message.textContent = text ?? '';
  }

  private stateChangedSoon(): void {
    clearTimeout(this.stateTimer);
    this.stateTimer = window.setTimeout(() => this.callbacks.onStateChange(), 250);
  }

  // -------------------------------------------------------------------------
  // Pointer

  private onClick(e: MouseEvent): void {
    const t = pointerTarget(e.target as Element);
    if (t?.kind === 'toggle') return this.toggle(t.group);
    if (t?.kind === 'edge') return;
    const layer = t?.kind === 'layer' ? t.layer : null;
    this.select(layer);
    this.callbacks.onSelect(layer);
  }

  private onPointerMove(e: PointerEvent): void {
    const t = this.viewport.dragging ? null : pointerTarget(e.target as Element);
    this.hover(hoverTarget(t, this.hierarchy, this.drawn), e);
  }

  /** Targets are reported on every move (the tooltip follows the pointer); "nothing" once. */
  private hover(t: HoverTarget | null, e?: { clientX: number; clientY: number }): void {
    if (!t && !this.hovering) return;
    this.hovering = t !== null;
    this.callbacks.onHover(t, e?.clientX ?? 0, e?.clientY ?? 0);
  }
}
