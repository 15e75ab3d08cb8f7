/**
 * Request/reply over a worker thread, both ends: WorkerThread is the
 * extension host's handle (requests kept by a RequestTracker, typed by the
 * worker's API), serveRequests the worker's loop, which answers one request
 * at a time in the order they came. No `vscode` import.
 */
import { parentPort, Worker, type ResourceLimits } from 'node:worker_threads';
import { createRequire } from 'node:module';
import { errorMessage, replyOf, RequestTracker, type Reply } from '../protocol';

/** A worker's API: each request type's parameters and the value it is answered with. */
export type WorkerApi<A> = { [K in keyof A]: { params: unknown; reply: unknown } };

type RepliesOf<A extends WorkerApi<A>> = { [K in keyof A]: A[K]['reply'] };

export type WorkerRequest<A extends WorkerApi<A>> = { [K in keyof A & string]: { type: K; requestId: number; params: A[K]['params'] } }[keyof A & string];

export interface WorkerReply {
  requestId: number;
  reply: Reply<unknown>;
}

/** The worker's first message: its modules are loaded and it takes requests. */
export interface WorkerReady {
  ready: true;
}

export type WorkerHandlers<A extends WorkerApi<A>> = { [K in keyof A]: (params: A[K]['params']) => A[K]['reply'] | Promise<A[K]['reply']> };

export interface WorkerThreadOptions {
  /** As messages name it: `the model worker`. */
  name: string;
  resourceLimits?: ResourceLimits;
  /** The thread stopped by itself (crash, out of memory), not by terminate(). */
  onStop?: (why: string) => void;
}

/**
 * Starts `script`; a TypeScript entry (tests, running from source) is loaded
 * through tsx. A bundle starts without the parent's Node flags: a loader the
 * parent runs under (tsx in tests and benchmarks) would cost every worker
 * ~150 ms of start-up that the bundle does not need.
 */
function startWorker(script: string, resourceLimits?: ResourceLimits): Worker {
  if (!script.endsWith('.ts')) return new Worker(script, { resourceLimits, execArgv: [] });
  const tsx = createRequire(script).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(script)});`, { eval: true, resourceLimits });
}

export class WorkerThread<A extends WorkerApi<A>> {
  private readonly worker: Worker;
  private readonly requests: RequestTracker<RepliesOf<A>>;
  private stoppedBecause: string | undefined;
  private active = 0;
  /** Settled when the worker has loaded its modules, or stopped: request timeouts count from here. */
  readonly ready: Promise<void>;
  private markReady!: () => void;

  /** Throws when the thread cannot be started. */
  constructor(script: string, private readonly options: WorkerThreadOptions) {
    this.options = { ...options };
    this.requests = new RequestTracker({ peer: options.name });
    this.ready = new Promise((resolve) => (this.markReady = resolve));
    this.worker = startWorker(script, options.resourceLimits);
    this.worker.on('message', (m: WorkerReply | WorkerReady) => {
      if ('ready' in m) this.markReady();
      else this.requests.settle(m.requestId, m.reply);
    });
    this.worker.on('error', (e) => this.ended(errorMessage(e)));
    this.worker.on('exit', (code) => this.ended(`exit code ${code}`));
    // An idle worker does not keep the process alive (the CLI, tests).
    this.worker.unref();
  }

  get stopped(): boolean {
    return this.stoppedBecause !== undefined;
  }

  /** Who hears that the thread stopped by itself from now on (a spare started ahead is handed to its user). */
  setOnStop(onStop: (why: string) => void): void {
    this.options.onStop = onStop;
  }

  /** Sends a request; rejects with a RequestError (the worker's error, `timeoutMs` passed, or the thread stopped). */
  async request<K extends keyof A & string>(type: K, params: A[K]['params'], timeoutMs = 0): Promise<A[K]['reply']> {
    if (this.active++ === 0) this.worker.ref();
    try {
      await this.ready;
      return await this.requests.request(type, (requestId) => this.worker.postMessage({ type, requestId, params }), timeoutMs);
    } finally {
      if (--this.active === 0) this.worker.unref();
    }
  }

  /** Stops the thread (even one stuck in a loop); waiting requests fail with `why`. */
  terminate(why: string): void {
    if (this.stoppedBecause !== undefined) return;
    this.stoppedBecause = why;
    this.requests.close(`${this.options.name} was stopped: ${why}`);
    this.markReady();
    void this.worker.terminate();
  }

  private ended(why: string): void {
    if (this.stoppedBecause !== undefined) return;
    this.stoppedBecause = why;
    this.requests.close(`${this.options.name} stopped (${why})`);
    this.markReady();
    this.options.onStop?.(why);
  }
}

/** Runs tasks one after another, each once the one before has settled. */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * The worker's side: answers each request from the parent with its
 * handler, strictly in arrival order (a request never sees the state of one
 * that came after it, nor runs while an earlier one awaits).
 */
export function serveRequests<A extends WorkerApi<A>>(handlers: WorkerHandlers<A>, describe: (err: unknown) => string = errorMessage): void {
  const port = parentPort;
  if (!port) throw new Error('serveRequests runs in a worker thread');
  const queue = new SerialQueue();
  port.postMessage({ ready: true } satisfies WorkerReady);
  port.on('message', (m: WorkerRequest<A>) => {
    void queue.run(async () => {
      // The handlers are typed per request type; the message's type picks one.
      const handler = handlers[m.type];
      const reply: WorkerReply = { requestId: m.requestId, reply: await replyOf(() => handler(m.params), describe) };
      try {
        port.postMessage(reply);
      } catch (err) {
        // A value that cannot be cloned still gets an answer.
        port.postMessage({ requestId: m.requestId, reply: { ok: false, error: `cannot send the ${m.type} reply: ${errorMessage(err)}` } } satisfies WorkerReply);
      }
    });
  });
}
