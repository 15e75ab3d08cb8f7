/**
 * The extension's layout worker (layout-worker.ts): started once, warmed on
 * a small graph, then asked for the first view of each model while its page
 * boots. The page draws that layout at once when it measured the same
 * character width (the boxes are sized by it); otherwise it lays out itself.
 * No `vscode` import.
 */
import { existsSync } from 'node:fs';
import type { ElkNode } from '../../webview/graph/elk-graph';
import { warmUpGraph } from '../../webview/graph/layout';
import { WorkerThread } from './worker-thread';
import type { LayoutWorkerApi } from './layout-worker';

/** A layout past this is given up: the page lays out by itself. */
const LAYOUT_TIMEOUT_MS = 20_000;

export class LayoutHost {
  private worker: WorkerThread<LayoutWorkerApi> | undefined;

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
    try {
      return await this.worker.request('layout', { graph }, LAYOUT_TIMEOUT_MS);
    } catch (err) {
      this.log(`warning: the graph could not be laid out ahead of the view (${(err as Error).message}); the view lays it out`);
      return undefined;
    }
  }

  dispose(): void {
    this.worker?.terminate('the extension was deactivated');
    this.worker = undefined;
  }
}
