/**
 * The layout engine client: runs ELK in a Web Worker, or on the main thread
 * where a worker cannot start. This file is all of the layout code in the
 * view's bundle; ELK itself (1.6 MB) lives in dist/layout-worker.js and
 * dist/layout-main.js.
 *
 * VS Code serves webview resources from another origin, so `new Worker(url)`
 * is refused; the worker's script is fetched (CSP `connect-src`) and started
 * from a blob (CSP `worker-src blob:`). If that fails, dist/layout-main.js is
 * added as a `<script>` carrying the page's nonce, and ELK runs in the page.
 *
 * Only the latest request matters: an older one still running when a newer
 * one is made rejects with `SupersededError` once it ends.
 */
import { LAYERED_OPTIONS, type ElkNode } from './elk-graph';
import { FrameCache, layoutComposed } from './compose';

export type LayoutPlace = 'worker' | 'main thread';

export interface LayoutResult {
  graph: ElkNode;
  /** Time from the request to the laid-out graph, once ELK is loaded (its start-up is not counted). */
  ms: number;
  where: LayoutPlace;
}

export interface LayoutEngine {
  layout(g: ElkNode): Promise<LayoutResult>;
  /**
   * Lays out a view one group at a time (compose.ts), each group's interior kept by this engine:
   * after an expand or collapse only the groups that changed, and the groups around them, are
   * laid out again. Supersedes (and is superseded) like `layout`.
   */
  layoutView(g: ElkNode): Promise<LayoutResult>;
  /**
   * Lays out these views one group at a time in the background (a second worker), in order,
   * keeping every group's interior, so that the first expand or collapse lays out only what it
   * changes: the shown view, then the views one expand away. A later call replaces the list.
   */
  precompute(views: (() => ElkNode)[]): void;
  /**
   * Starts the worker and lays out a small nested graph, so that fetching
   * the script, starting the worker and JIT-compiling ELK (most of a first
   * layout's time) happen while the extension is still loading the model.
   */
  warmUp(): void;
  dispose(): void;
}

/** Three groups of eight boxes with a skip edge: exercises hierarchy and orthogonal routing. */
export function warmUpGraph(): ElkNode {
  const groups: ElkNode[] = [];
  const edges: ElkNode['edges'] = [];
  for (let g = 0; g < 3; g++) {
    const children: ElkNode[] = [];
    for (let i = 0; i < 8; i++) children.push({ id: `w${g}_${i}`, width: 120, height: 42 });
    const inner = children.slice(1).map((c, i) => ({ id: `we${g}_${i}`, sources: [`w${g}_${i}`], targets: [c.id], tensors: [] }));
    groups.push({ id: `wg${g}`, children, edges: inner, layoutOptions: { 'elk.padding': '[top=30,left=12,bottom=12,right=12]' } });
    if (g > 0) edges.push({ id: `wx${g}`, sources: [`w${g - 1}_7`], targets: [`w${g}_0`], tensors: [] }, { id: `ws${g}`, sources: [`w${g - 1}_2`], targets: [`w${g}_5`], tensors: [] });
  }
  return { id: 'root', children: groups, edges, layoutOptions: LAYERED_OPTIONS };
}

export class SupersededError extends Error {
  constructor() {
    super('layout superseded by a newer one');
    this.name = 'SupersededError';
  }
}

export const isSuperseded = (e: unknown): boolean => e instanceof SupersededError;

/** The worker itself failed (not the layout): the request is redone on the main thread. */
class WorkerFailed extends Error {}

interface ElkInstance {
  layout(g: ElkNode): Promise<ElkNode>;
}
type ElkConstructor = new () => ElkInstance;

// `currentScript` is only set while this bundle's own <script> first runs.
const pageNonce =
  typeof document === 'undefined'
    ? ''
    : (document.currentScript as HTMLScriptElement | null)?.nonce || document.querySelector<HTMLScriptElement>('script[nonce]')?.nonce || '';

function errorOf(e: unknown): Error {
  if (e instanceof Error) return e;
  const m = typeof e === 'object' && e !== null && 'message' in e ? String(e.message) : String(e);
  return new Error(`layout failed: ${m}`);
}

export function createLayoutEngine(urls: { worker: string; mainThread: string }): LayoutEngine {
  let worker: Promise<Worker | null> | undefined;
  let blobUrl: string | undefined;
  let workerBroken = false;
  let mainElk: Promise<ElkInstance> | undefined;
  let seq = 0;
  let latest = 0;
  let disposed = false;
  const pending = new Map<number, { resolve(g: ElkNode): void; reject(e: Error): void }>();

  const failAll = (e: Error) => {
    const all = [...pending.values()];
    pending.clear();
    for (const p of all) p.reject(e);
  };

  let script: Promise<string> | undefined;
  /** A fresh ELK worker (its script fetched once), ready once ELK has answered; null when none can start. */
  async function spawn(): Promise<Worker | null> {
    if (typeof Worker === 'undefined' || !urls.worker) return null;
    try {
      script ??= (async () => {
        const res = await fetch(urls.worker);
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        const text = await res.text();
        blobUrl = URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
        return blobUrl;
      })();
      const w = new Worker(await script);
      // Ready once ELK has answered the first message: its script has loaded and run.
      const ready = new Promise<boolean>((resolve) => {
        w.onmessage = (e: MessageEvent<{ id: number; data?: ElkNode; error?: unknown }>) => {
          if (e.data.id === 0) return resolve(e.data.error === undefined);
          const p = pending.get(e.data.id);
          if (!p) return;
          pending.delete(e.data.id);
          if (e.data.error !== undefined || !e.data.data) p.reject(errorOf(e.data.error));
          else p.resolve(e.data.data);
        };
        w.onerror = (e) => {
          e.preventDefault();
          workerBroken = true;
          resolve(false);
          failAll(new WorkerFailed(e.message));
        };
      });
      // ELK's worker knows no algorithm until told (elk-api.js does the same on start).
      w.postMessage({ id: 0, cmd: 'register', algorithms: ['layered'] });
      if (await ready) return w;
      w.terminate();
      workerBroken = true;
      return null;
    } catch {
      workerBroken = true;
      return null;
    }
  }

  function startWorker(): Promise<Worker | null> {
    worker ??= spawn();
    return worker;
  }

  function loadMainThread(): Promise<ElkInstance> {
    mainElk ??= new Promise<ElkConstructor>((resolve, reject) => {
      const g = globalThis as { ConvLensElk?: ElkConstructor };
      if (g.ConvLensElk) return resolve(g.ConvLensElk);
      const s = document.createElement('script');
      s.src = urls.mainThread;
      if (pageNonce) s.nonce = pageNonce;
      s.onload = () => (g.ConvLensElk ? resolve(g.ConvLensElk) : reject(new Error(`${urls.mainThread} did not define ELK`)));
      s.onerror = () => reject(new Error(`cannot load the layout script ${urls.mainThread}`));
      document.head.append(s);
    }).then((Elk) => new Elk());
    return mainElk;
  }

  const viaWorker = (w: Worker, id: number, g: ElkNode) =>
    new Promise<ElkNode>((resolve, reject) => {
      pending.set(id, { resolve, reject });
      try {
        w.postMessage({ id, cmd: 'layout', graph: g });
      } catch (e) {
        pending.delete(id);
        reject(errorOf(e));
      }
    });

  // Each group's laid-out interior, by its ELK input (compose.ts).
  const frames = new FrameCache();
  let rawSeq = 1_000_000_000;
  let background: { cancelled: boolean } | undefined;
  /**
   * A second ELK worker for the background layouts: a group's interior can take ELK seconds
   * (DenseNet's dense blocks), and an expand or collapse meanwhile must not wait behind it.
   */
  let backgroundWorker: Promise<Worker | null> | undefined;
  /** One ELK run in the worker (on the main thread when the worker failed), superseding nothing. */
  const raw = async (g: ElkNode): Promise<{ graph: ElkNode; where: LayoutPlace }> => {
    const w = workerBroken ? null : await startWorker();
    if (w && !workerBroken) {
      try {
        return { graph: await viaWorker(w, ++rawSeq, g), where: 'worker' };
      } catch (e) {
        if (!(e instanceof WorkerFailed)) throw e;
      }
    }
    const elk = await loadMainThread();
    return { graph: await elk.layout(g), where: 'main thread' };
  };

  /**
   * A layout that only the latest request keeps: `work` runs ELK through the `one` it is given,
   * which rejects once a newer request is made. ELK's start-up is not counted in `ms`.
   */
  const latestOnly = async (work: (one: (g: ElkNode) => Promise<ElkNode>) => Promise<ElkNode>): Promise<LayoutResult> => {
    if (disposed) throw new Error('layout engine disposed');
    const id = ++seq;
    latest = id;
    if (workerBroken) await loadMainThread();
    else await startWorker();
    if (id !== latest) throw new SupersededError();
    const t0 = performance.now();
    let where: LayoutPlace = 'worker';
    const graph = await work(async (one) => {
      if (id !== latest || disposed) throw new SupersededError();
      const r = await raw(one);
      where = r.where;
      return r.graph;
    });
    if (id !== latest || disposed) throw new SupersededError();
    return { graph, ms: performance.now() - t0, where };
  };

  return {
    layout: (g) => latestOnly((one) => one(g)),
    layoutView: (g) => latestOnly((one) => layoutComposed(g, one, frames)),
    precompute(views) {
      if (disposed || workerBroken) return;
      if (background) background.cancelled = true;
      const job = { cancelled: false };
      background = job;
      const one = async (g: ElkNode) => {
        if (job.cancelled || disposed) throw new SupersededError();
        const w = await (backgroundWorker ??= spawn());
        if (!w || job.cancelled || disposed) throw new SupersededError();
        return viaWorker(w, ++rawSeq, g);
      };
      void (async () => {
        for (const view of views) {
          if (job.cancelled || disposed) return;
          await layoutComposed(view(), one, frames, { oneAtATime: true });
        }
      })()
        .catch(() => undefined)
        .finally(() => {
          if (background === job) background = undefined;
        });
    },
    warmUp() {
      if (disposed || workerBroken) return;
      void startWorker().then((w) => {
        // Id -1: its answer matches no pending request and is dropped.
        // Pointless once a real layout is waiting: it would only delay it.
        if (w && !disposed && seq === 0) w.postMessage({ id: -1, cmd: 'layout', graph: warmUpGraph() });
      });
    },
    dispose() {
      disposed = true;
      failAll(new SupersededError());
      void worker?.then((w) => w?.terminate());
      void backgroundWorker?.then((w) => w?.terminate());
      if (blobUrl) URL.revokeObjectURL(blobUrl);
    },
  };
}
