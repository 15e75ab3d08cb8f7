/**
 * The extension host's handle on one open model, held by a worker thread
 * (model-worker.ts) so that loading and profiling a large model never block
 * the extension host. A worker that fails to start, or dies, is replaced by
 * running the same session in-process. No `vscode` import.
 */
import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { ModelSession, type ModelViewData, type SessionOptions } from '../core/report/model-session';
import { ModelLoadError } from '../core/errors';
import type { WeightStats } from '../core/analysis/weight-stats';
import type { WorkerReply, WorkerRequest } from './model-worker';

type Pending = { resolve(v: unknown): void; reject(e: Error): void };

type RequestBody = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

export class ModelHost {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private inProcess: ModelSession | undefined;
  private path: string | undefined;
  private readonly opened = new WeakSet<Worker>();

  /** `workerScript`: dist/model-worker.js; when missing, work runs in-process. */
  constructor(
    private readonly workerScript: string,
    private readonly log: (line: string) => void,
  ) {}

  async open(path: string): Promise<void> {
    this.path = path;
    await this.request({ kind: 'open', path });
  }

  view(options: SessionOptions): Promise<ModelViewData> {
    return this.request({ kind: 'view', options }) as Promise<ModelViewData>;
  }

  weightStats(layer: number, input: number): Promise<WeightStats> {
    return this.request({ kind: 'stats', layer, input }) as Promise<WeightStats>;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
    for (const p of this.pending.values()) p.reject(new Error('model closed'));
    this.pending.clear();
  }

  private ensureWorker(): Worker | undefined {
    if (this.worker || !existsSync(this.workerScript)) return this.worker;
    try {
      const w = new Worker(this.workerScript);
      w.on('message', (r: WorkerReply) => {
        const p = this.pending.get(r.id);
        if (!p) return;
        this.pending.delete(r.id);
        if (r.ok) p.resolve(r.value);
        else p.reject(new Error(r.error));
      });
      const fail = (why: string) => {
        this.log(`model worker stopped (${why}); running in-process`);
        this.worker = undefined;
        for (const p of this.pending.values()) p.reject(new Error(`the model worker stopped: ${why}`));
        this.pending.clear();
      };
      w.on('error', (e) => fail(e.message));
      w.on('exit', (code) => {
        if (this.worker === w) fail(`exit code ${code}`);
      });
      w.unref();
      this.worker = w;
    } catch (err) {
      this.log(`cannot start the model worker (${(err as Error).message}); running in-process`);
    }
    return this.worker;
  }

  private async request(body: RequestBody): Promise<unknown> {
    const worker = this.ensureWorker();
    if (!worker) return this.runInProcess(body);
    // A replacement worker (the previous one died) opens the model first.
    if (body.kind !== 'open' && !this.opened.has(worker) && this.path) await this.post(worker, { kind: 'open', path: this.path });
    if (body.kind === 'open') this.opened.add(worker);
    return this.post(worker, body);
  }

  private post(worker: Worker, body: RequestBody): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ...body } as WorkerRequest);
    });
  }

  private async runInProcess(body: RequestBody): Promise<unknown> {
    try {
      return await this.runSession(body);
    } catch (err) {
      // Same message as from the worker: the problem; the caller names the file.
      throw err instanceof ModelLoadError ? new Error(err.problem) : err;
    }
  }

  private async runSession(body: RequestBody): Promise<unknown> {
    switch (body.kind) {
      case 'open':
        this.inProcess = await ModelSession.open(body.path);
        return null;
      case 'view':
        this.inProcess ??= await ModelSession.open(this.path!);
        return this.inProcess.view(body.options);
      case 'stats':
        this.inProcess ??= await ModelSession.open(this.path!);
        return this.inProcess.weightStats(body.layer, body.input);
    }
  }
}
