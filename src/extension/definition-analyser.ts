/**
 * Definition analysis for the text editor, off the extension host's thread:
 * one worker thread (definition-worker.ts) analyses one document version at
 * a time, in the order asked. Per document the newest version wins: an edit
 * drops a queued analysis of an older version, and the result of one already
 * running is dropped too (the run itself is stopped when it is still going a
 * moment later). Results are kept per document version. An analysis that
 * runs past the time limit has its worker terminated (a fresh one takes the
 * next analysis) and comes back as a problem saying so. Only when no worker
 * can start does analysis run in-process. No `vscode` import.
 */
import { existsSync } from 'node:fs';
import { DefinitionLocations } from '../core/report/definition-sync';
import type { DefinitionAnalysis, DefinitionFormat } from '../core/report/definition-view';
import { errorMessage, RequestError } from '../protocol';
import { definitionFigures, type DefinitionFigures, type DefinitionWorkerApi } from './definition-requests';
import { WorkerThread } from './worker-thread';

export interface DefinitionResult {
  /** The document version analysed. */
  version: number;
  analysis: DefinitionAnalysis;
  locations: DefinitionLocations;
}

export interface DefinitionAnalyserOptions {
  /** dist/definition-worker.js (a .ts entry runs through tsx). */
  workerScript: string;
  log: (line: string) => void;
  /** An analysis still running after this is stopped. */
  timeoutMs?: number;
  /** A superseded analysis still running this long after it started is stopped (its result would be dropped). */
  supersededGraceMs?: number;
  /** The worker's heap limit: a definition that needs more ends that worker, not the extension host. */
  heapMb?: number;
}

export const ANALYSIS_TIMEOUT_MS = 10_000;
const SUPERSEDED_GRACE_MS = 1_000;
const WORKER_HEAP_MB = 1_024;

interface Job {
  key: string;
  version: number;
  format: DefinitionFormat;
  /** Emptied once sent: a kept result does not keep its text. */
  text: string;
  result: Promise<DefinitionResult | undefined>;
  settle(r: DefinitionResult | undefined): void;
  superseded: boolean;
  done: boolean;
  startedAt: number;
  graceTimer?: ReturnType<typeof setTimeout>;
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

export class DefinitionAnalyser {
  private readonly newest = new Map<string, Job>();
  private readonly queue: Job[] = [];
  private running: Job | undefined;
  private worker: WorkerThread<DefinitionWorkerApi> | undefined;
  private inProcess = false;
  private disposed = false;
  private readonly timeoutMs: number;
  /** What happened so far, for the log and tests. */
  readonly counts = { workersStarted: 0, analysed: 0, stopped: 0 };

  constructor(private readonly options: DefinitionAnalyserOptions) {
    this.timeoutMs = options.timeoutMs ?? ANALYSIS_TIMEOUT_MS;
  }

  /**
   * The analysis of version `version` of document `key` (`text` is read only
   * when that version is not analysed or queued yet). Undefined when a newer
   * version superseded it first.
   */
  analyse(key: string, version: number, text: () => string, format: DefinitionFormat): Promise<DefinitionResult | undefined> {
    const last = this.newest.get(key);
    if (last && last.version === version && last.format === format) return last.result;
    if (this.disposed || (last && last.version > version)) return Promise.resolve(undefined);
    if (last) this.supersede(last);
    let settle!: Job['settle'];
    const result = new Promise<DefinitionResult | undefined>((r) => (settle = r));
    const job: Job = { key, version, format, text: text(), result, settle, superseded: false, done: false, startedAt: 0 };
    this.newest.set(key, job);
    this.queue.push(job);
    this.next();
    return result;
  }

  /** The document closed: drop its results and anything pending for it. */
  forget(key: string): void {
    const job = this.newest.get(key);
    if (!job) return;
    this.newest.delete(key);
    this.supersede(job);
  }

  dispose(): void {
    this.disposed = true;
    for (const job of [...this.newest.values()]) this.supersede(job);
    this.newest.clear();
    this.stopWorker('the extension is shutting down');
  }

  private supersede(job: Job): void {
    if (job.done) return;
    job.superseded = true;
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      this.finish(job, undefined);
    } else if (this.running === job) {
      // Most analyses end within milliseconds: let this one end rather than pay for a fresh worker.
      const grace = this.options.supersededGraceMs ?? SUPERSEDED_GRACE_MS;
      job.graceTimer = setTimeout(() => {
        if (this.running === job) this.stopWorker(`a newer version superseded an analysis still running after ${seconds(grace)}`);
      }, Math.max(0, job.startedAt + grace - Date.now()));
    }
  }

  private next(): void {
    if (this.running || this.disposed) return;
    const job = this.queue.shift();
    if (!job) return;
    this.running = job;
    job.startedAt = Date.now();
    const { text, format } = job;
    job.text = '';
    const worker = this.workerThread();
    if (!worker) {
      this.finish(job, this.inProcessResult(job, text));
      return;
    }
    // Starting a fresh worker is not the analysis's time.
    void worker.ready.then(() => (job.startedAt = Date.now()));
    worker.request('analyse', { text, format }, this.timeoutMs).then(
      (figures) => {
        const ms = Date.now() - job.startedAt;
        if (ms > 50) this.options.log(`analysed ${job.key} (version ${job.version}) in ${ms} ms`);
        this.finish(job, resultOf(job, figures));
      },
      (err: unknown) => this.finish(job, this.failed(job, err)),
    );
  }

  private finish(job: Job, result: DefinitionResult | undefined): void {
    if (job.done) return;
    job.done = true;
    clearTimeout(job.graceTimer);
    if (this.running === job) {
      this.running = undefined;
      this.counts.analysed++;
    }
    job.settle(job.superseded ? undefined : result);
    this.next();
  }

  private failed(job: Job, err: unknown): DefinitionResult | undefined {
    if (err instanceof RequestError && err.reason === 'timeout') {
      this.counts.stopped++;
      this.stopWorker(`an analysis ran longer than ${seconds(this.timeoutMs)}`);
      if (job.superseded) return undefined;
      this.options.log(`stopped analysing ${job.key} (version ${job.version}) after ${seconds(this.timeoutMs)}; the next analysis gets a fresh worker`);
      return problemResult(job, `ConvLens stopped analysing this definition after ${seconds(this.timeoutMs)}, so it shows no hovers, inlay hints or figures until the next edit. Very large Repeat counts or very deep models are the usual cause.`, 'warning');
    }
    if (job.superseded) return undefined;
    // A bug or a crash, not the user's text: keep the editor usable and say so.
    this.options.log(`error: analysing ${job.key}: ${errorMessage(err)}`);
    return problemResult(job, `ConvLens could not analyse this definition: ${errorMessage(err)}`, 'error');
  }

  private inProcessResult(job: Job, text: string): DefinitionResult {
    try {
      return resultOf(job, definitionFigures(text, job.format));
    } catch (err) {
      return this.failed(job, err) ?? problemResult(job, errorMessage(err), 'error');
    }
  }

  /** The running worker, else a fresh one; undefined when none can start (analysis runs in-process). */
  private workerThread(): WorkerThread<DefinitionWorkerApi> | undefined {
    if (this.worker && !this.worker.stopped) return this.worker;
    if (this.inProcess) return undefined;
    const script = this.options.workerScript;
    try {
      if (!existsSync(script)) throw new Error(`${script} is missing`);
      this.worker = new WorkerThread<DefinitionWorkerApi>(script, {
        name: 'the definition worker',
        resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb ?? WORKER_HEAP_MB },
        onStop: (why) => this.options.log(`the definition worker stopped (${why}); the next analysis gets a fresh one`),
      });
      this.counts.workersStarted++;
      return this.worker;
    } catch (err) {
      this.inProcess = true;
      this.options.log(`cannot start the definition worker (${errorMessage(err)}); analysing definitions on the extension host's thread`);
      return undefined;
    }
  }

  private stopWorker(why: string): void {
    this.worker?.terminate(why);
    this.worker = undefined;
  }
}

function resultOf(job: Job, figures: DefinitionFigures): DefinitionResult {
  return { version: job.version, analysis: figures.analysis, locations: new DefinitionLocations(figures.locations) };
}

/** No figures, one problem at the start of the text. */
function problemResult(job: Job, message: string, severity: 'error' | 'warning'): DefinitionResult {
  return { version: job.version, analysis: { items: [], problems: [{ message, range: { start: 0, end: 0 }, severity }] }, locations: DefinitionLocations.empty };
}
