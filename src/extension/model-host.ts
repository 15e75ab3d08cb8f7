/**
 * The extension host's handle on one model file, held by a worker thread
 * (model-worker.ts) so that loading and profiling a large model never block
 * the extension host. Requests are answered in the order they are made: a
 * view asked for after a (re)load is always of that load. A worker that
 * stops is replaced by a fresh one on the next request (which reloads the
 * file first); only when no worker can start does the work run in-process.
 * No `vscode` import.
 */
import { existsSync } from 'node:fs';
import type { ModelViewData, SessionOptions } from '../core/report/model-session';
import type { ProfileOptions, ProfileReport } from '../core/report/profile';
import type { WeightStats } from '../core/analysis/weight-stats';
import { describeModelError, modelRequestHandlers, type ModelWorkerApi } from './model-requests';
import { SerialQueue, WorkerThread, type WorkerHandlers } from './worker-thread';
import type { SpareWorker } from './spare-worker';
import type { TorchResult } from '../core/pytorch/bridge-types';

export class ModelHost {
  private worker: WorkerThread<ModelWorkerApi> | undefined;
  /** Set when no worker can start: the same handlers, on this thread, in the same order. */
  private inProcess: { handlers: WorkerHandlers<ModelWorkerApi>; queue: SerialQueue } | undefined;
  private disposed = false;

  /**
   * `workerScript`: dist/model-worker.js (a .ts entry runs through tsx); when missing, work runs in-process.
   * `spares`: model workers the extension starts ahead (of the same script); a host takes one when it needs a thread.
   */
  constructor(
    /** The file the worker loads; a PyTorch archive's document points it at its ONNX export before opening. */
    public path: string,
    private readonly workerScript: string,
    private readonly log: (line: string) => void,
    private readonly spares?: SpareWorker<ModelWorkerApi>,
  ) {}

  /** (Re)loads the file; requests made after this answer from this load, or fail with its error. */
  async open(): Promise<void> {
    await this.request('open', this.opening());
  }

  /** A PyTorch model's export: what torch counted, for the report (set before `open`). */
  torch: TorchResult | undefined;
  /** A compare view: the model (A) this one (B) is compared with (set before `open`). */
  compareWith: string | undefined;

  private opening(): ModelWorkerApi['open']['params'] {
    return { path: this.path, ...(this.torch ? { torch: this.torch } : {}), ...(this.compareWith !== undefined ? { compareWith: this.compareWith } : {}) };
  }

  view(options: SessionOptions): Promise<ModelViewData> {
    return this.request('view', { options });
  }

  batchFit(options: SessionOptions): Promise<number | 'unbounded' | null> {
    return this.request('batchFit', { options });
  }

  weightStats(layer: number, input: number): Promise<WeightStats> {
    return this.request('stats', { layer, input });
  }

  /** Loads and profiles the file once (the static-profile command). */
  profile(options: Omit<ProfileOptions, 'readExternal'>): Promise<ProfileReport> {
    return this.request('profile', { path: this.path, options });
  }

  dispose(): void {
    this.disposed = true;
    this.worker?.terminate('the model was closed');
    this.worker = undefined;
  }

  private request<K extends keyof ModelWorkerApi>(type: K, params: ModelWorkerApi[K]['params']): Promise<ModelWorkerApi[K]['reply']> {
    if (this.disposed) return Promise.reject(new Error('the model was closed'));
    const worker = this.workerFor(type);
    if (worker) return worker.request(type, params);
    const { handlers, queue } = (this.inProcess ??= { handlers: modelRequestHandlers(), queue: new SerialQueue() });
    return queue.run(async () => {
      try {
        return await (handlers[type] as (p: ModelWorkerApi[K]['params']) => Promise<ModelWorkerApi[K]['reply']>)(params);
      } catch (err) {
        // The same message as from the worker: the problem; the caller names the file.
        throw new Error(describeModelError(err));
      }
    });
  }

  /** The running worker, else a fresh one that reloads the file before answering `type`; undefined: in-process. */
  private workerFor(type: keyof ModelWorkerApi): WorkerThread<ModelWorkerApi> | undefined {
    if (this.worker && !this.worker.stopped) return this.worker;
    if (this.inProcess) return undefined;
    if (!existsSync(this.workerScript)) {
      this.log(`the model worker ${this.workerScript} is missing; loading models on the extension host's thread`);
      return undefined;
    }
    try {
      const onStop = (why: string) => this.log(`the model worker stopped (${why}); the next request starts a fresh one`);
      const spare = this.spares?.script === this.workerScript ? this.spares.take(onStop) : undefined;
      const worker = spare ?? new WorkerThread<ModelWorkerApi>(this.workerScript, { name: 'the model worker', onStop });
      // Its answer (or error) reaches the caller through the request that follows it.
      if (type !== 'open' && type !== 'profile') worker.request('open', this.opening()).catch(() => undefined);
      this.worker = worker;
      return worker;
    } catch (err) {
      this.log(`cannot start the model worker (${(err as Error).message}); loading models on the extension host's thread`);
      return undefined;
    }
  }
}
