/**
 * The extension's layout worker (layout-worker.ts): started once, warmed on
 * a small graph, then asked for the first view of each model while its page
 * boots. The page draws that layout at once when it measured the same
 * character width (the boxes are sized by it); otherwise it lays out itself.
 * No `vscode` import.
 */
import { existsSync } from 'node:fs';
import { countBoxes, defaultExpanded, viewGraph, type ElkNode } from '../../webview/graph/elk-graph';
import { changeExpanded } from '../../webview/graph/change';
import type { ModelViewData } from '../core/report/model-session';
import { firstScreenGraph } from '../../webview/graph/ahead';
import type { ViewLayout } from '../protocol';
import { warmUpGraph } from '../../webview/graph/layout';
import { WorkerThread } from './worker-thread';
import type { LayoutWorkerApi } from './layout-worker';

/** A layout past this is given up: the page lays out by itself. */
const LAYOUT_TIMEOUT_MS = 20_000;
/**
 * ELK reaches its full speed only after several layouts (V8 optimises its
 * hot code as it runs): the first few real layouts of a session are each
 * repeated once, when the worker has been idle this long, so that the next
 * model's first view is laid out at that speed. Only a quick layout is
 * repeated: a real request that comes meanwhile waits for it.
 */
const PRACTICE_LAYOUTS = 3;
const PRACTICE_AFTER_MS = 1000;
const PRACTICE_UNDER_MS = 500;

export class LayoutHost {
  private worker: WorkerThread<LayoutWorkerApi> | undefined;
  private practised = 0;
  private busy = 0;
  private practice: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly script: string,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts the worker and warms ELK; later calls do nothing. */
  start(): void {
    if ((this.worker && !this.worker.stopped) || !existsSync(this.script)) return;
    this.worker = new WorkerThread<LayoutWorkerApi>(this.script, {
      name: 'the layout worker',
      onStop: (why) => this.log(`the layout worker stopped (${why}); the next layout starts a fresh one`),
    });
    this.worker.request('layout', { graph: warmUpGraph() }).catch(() => undefined);
  }

  /** The laid-out graph, or undefined when the worker cannot do it (the page then lays out itself). */
  async layout(graph: ElkNode): Promise<ElkNode | undefined> {
    this.start();
    if (!this.worker) return undefined;
    if (this.practice) clearTimeout(this.practice);
    this.practice = undefined;
    this.busy++;
    try {
      const t0 = performance.now();
      const laidOut = await this.worker.request('layout', { graph }, LAYOUT_TIMEOUT_MS);
      if (performance.now() - t0 < PRACTICE_UNDER_MS) this.practiseOn(graph);
      return laidOut;
    } catch (err) {
      this.log(`warning: the graph could not be laid out ahead of the view (${(err as Error).message}); the view lays it out`);
      return undefined;
    } finally {
      this.busy--;
    }
  }

  /** Lays `graph` out once more when the worker has been idle a while (the first few layouts of a session). */
  private practiseOn(graph: ElkNode): void {
    if (this.practised >= PRACTICE_LAYOUTS || this.practice) return;
    this.practice = setTimeout(() => {
      this.practice = undefined;
      const worker = this.worker;
      if (!worker || worker.stopped || this.busy > 0) return;
      this.practised++;
      worker.request('layout', { graph }, LAYOUT_TIMEOUT_MS).catch(() => undefined);
    }, PRACTICE_AFTER_MS);
    this.practice.unref?.();
  }

  /**
   * A model's first view (its default expanded groups, boxes sized by `charWidth`), laid out for
   * its page. A view of more boxes than the opening screen shows comes in two steps: those boxes
   * first (`partial`, quick to lay out, drawn at once), then, in `whole`, all of them. No layout:
   * the page lays out by itself.
   */
  async layoutView(
    view: Pick<ModelViewData, 'report' | 'layers' | 'compare'>,
    charWidth: number,
    log: (what: string, ms: number) => void = () => undefined,
  ): Promise<{ layout?: ViewLayout; whole?: Promise<ViewLayout | undefined> }> {
    // A compare view opens the groups that hold changes (as the page does: graph/change.ts).
    const expanded = view.compare ? changeExpanded(view.report.layers, view.compare.layers.map((l) => l.status)) : defaultExpanded(view.report.layers);
    const graph = viewGraph(view.report, view.layers, expanded, charWidth);
    const first = firstScreenGraph(graph);
    const layOut = async (g: ElkNode, what: string): Promise<ViewLayout | undefined> => {
      const t0 = Date.now();
      const laidOut = await this.layout(g);
      if (!laidOut) return undefined;
      log(what, Date.now() - t0);
      return { expanded: [...expanded], charWidth, graph: laidOut, ...(g === first ? { partial: true } : {}) };
    };
    if (!first) return { layout: await layOut(graph, 'the graph') };
    const layout = await layOut(first, `the opening screen (${countBoxes(first)} of ${countBoxes(graph)} boxes)`);
    // Without its opening screen the page lays out the whole view itself.
    return layout ? { layout, whole: layOut(graph, 'the whole graph') } : {};
  }

  dispose(): void {
    if (this.practice) clearTimeout(this.practice);
    this.practice = undefined;
    this.worker?.terminate('the extension was deactivated');
    this.worker = undefined;
  }
}
