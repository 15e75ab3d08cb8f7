/**
 * Where the graph view's layouts come from: the layouts of the states this
 * model has shown and the one the extension made ahead (./layout-cache.ts),
 * drawn at once; else the page's ELK (./layout.ts), the model's first view in
 * one run and every later one group by group, with a progress note (`busy`)
 * when it runs long. Only the latest request is drawn. Once the model's first whole
 * view is drawn, the views one expand away are laid out in the background.
 */
import type { LayerView } from '../../src/core/report/layer-view';
import type { ProfileReport } from '../../src/core/report/profile';
import type { ViewLayout } from '../../src/protocol';
import { countBoxes, viewGraph, type ElkNode } from './elk-graph';
import type { Hierarchy } from './hierarchy';
import { LayoutCache } from './layout-cache';
import { createLayoutEngine, isSuperseded, type LayoutEngine, type LayoutPlace, type LayoutResult } from './layout';
import { progressRing } from '../ui/toolkit';

/** A layout shorter than this shows no progress (it would only flicker). */
const BUSY_AFTER_MS = 150;

/** Views one expand away laid out ahead, in the background, after the first view is drawn: the largest collapsed groups', then the first ones'. */
const PREPARED_LARGEST = 3;
const PREPARED_EXPANDS = 8;

export interface LaidOut {
  graph: ElkNode;
  ms: number;
  where: LayoutPlace | 'cache' | 'extension';
  /** Only the opening screen's boxes, laid out ahead by the extension (drawn once, never kept). */
  partial: boolean;
}

export class ViewLayouts {
  /** Shown while a layout runs longer than BUSY_AFTER_MS: what is being laid out (the view places it). */
  readonly busy: HTMLDivElement;
  private readonly engine: LayoutEngine;
  /** Layouts of the states this model has shown, and the one the extension made ahead. */
  private readonly cache = new LayoutCache();
  /** The latest layout request. */
  private seq = 0;
  /** This model's first whole view has been drawn: later layouts go group by group. */
  private wholeDrawn = false;

  constructor(urls: { worker: string; mainThread: string; ahead?: boolean }) {
    this.engine = createLayoutEngine(urls);
    // When the extension lays out the first view, the page's ELK starts after that view is drawn
    // (booting ELK takes a core for a while); otherwise it boots now, ready for the model.
    if (!urls.ahead) this.engine.warmUp();
    this.busy = document.createElement('div');
    this.busy.className = 'graph-busy';
    this.busy.setAttribute('role', 'status');
    this.busy.hidden = true;
  }

  /** Forgets this model's layouts and its first whole view (a new report). */
  reset(): void {
    this.cache.clear();
    this.wholeDrawn = false;
  }

  /** Keeps a layout the extension made, when it was made for `expanded` at the page's `charWidth`; says whether it was kept. */
  seed(ahead: ViewLayout | undefined, expanded: ReadonlySet<string>, charWidth: number | undefined): boolean {
    return this.cache.seed(ahead, expanded, charWidth);
  }

  /**
   * The layout of the view with `expanded` groups open: one made before or ahead, at once (in this
   * task, no await); else ELK's, or null when a later request superseded it. A failed layout throws.
   */
  layout(report: ProfileReport, views: readonly LayerView[], expanded: ReadonlySet<string>, charWidth: number | undefined): LaidOut | Promise<LaidOut | null> {
    const seq = ++this.seq;
    const cached = this.cache.take(expanded);
    if (!cached) return this.run(seq, viewGraph(report, views, expanded, charWidth), expanded);
    if (!cached.partial) this.cache.put(expanded, cached.graph);
    return { graph: cached.graph, ms: 0, where: cached.ahead ? 'extension' : 'cache', partial: cached.partial };
  }

  private async run(seq: number, graph: ElkNode, expanded: ReadonlySet<string>): Promise<LaidOut | null> {
    const busy = window.setTimeout(() => this.setBusy(`Laying out ${countBoxes(graph).toLocaleString('en-US')} boxes…`), BUSY_AFTER_MS);
    let result: LayoutResult;
    try {
      // A model's first view in one ELK run (2–3× quicker for a whole graph); every later one
      // group by group, each group's interior kept (compose.ts).
      result = this.wholeDrawn ? await this.engine.layoutView(graph) : await this.engine.layout(graph);
    } catch (e) {
      if (isSuperseded(e) || seq !== this.seq) return null;
      throw e;
    } finally {
      clearTimeout(busy);
      if (seq === this.seq) this.setBusy(null);
    }
    if (seq !== this.seq) return null;
    this.cache.put(expanded, result.graph);
    return { graph: result.graph, ms: result.ms, where: result.where, partial: false };
  }

  private setBusy(text: string | null): void {
    this.busy.hidden = text === null;
    this.busy.replaceChildren(...(text === null ? [] : [progressRing(text), Object.assign(document.createElement('span'), { textContent: text })]));
  }

  /** Notes a drawn view; true for the model's first whole one (the background layouts start after it). */
  drawn(partial: boolean): boolean {
    if (partial || this.wholeDrawn) return false;
    this.wholeDrawn = true;
    return true;
  }

  /**
   * After a model's first whole view is drawn: the page's ELK starts (warm for the first toggle;
   * when the extension laid that view out, it has not run yet), and lays out in the background,
   * group by group, this view and the views that expand its largest collapsed groups and the
   * first ones shown (where a click is likeliest), so that an expand or collapse lays out only
   * what it changes. `shown`: the ids of the boxes drawn.
   */
  prepareToggles(report: ProfileReport, views: readonly LayerView[], h: Hierarchy, expandedNow: ReadonlySet<string>, charWidth: number | undefined, shown: readonly string[]): void {
    const expanded = new Set(expandedNow);
    const closed = shown.filter((id) => h.groups.has(id) && !expanded.has(id));
    // The largest collapsed groups first (the ones slowest to lay out), then the first ones shown.
    const largest = [...closed].sort((a, b) => h.groups.get(b)!.layers.length - h.groups.get(a)!.layers.length).slice(0, PREPARED_LARGEST);
    const collapsed = [...new Set([...largest, ...closed.slice(0, PREPARED_EXPANDS)])];
    this.engine.warmUp();
    this.engine.precompute([() => viewGraph(report, views, expanded, charWidth), ...collapsed.map((id) => () => viewGraph(report, views, new Set([...expanded, id]), charWidth))]);
  }
}
