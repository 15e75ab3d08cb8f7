/**
 * One model file opened in the model view: loaded and profiled by a worker
 * thread (ModelHost), reloaded when the file changes on disk or the
 * `convlens.profile.*` settings change, with per-document overrides set from
 * the view or the "Set Input Shape / Batch Size" command. Every editor of
 * the document listens to `onDidUpdate`. The host answers in request order,
 * so a refresh asked for during a (re)load profiles that load.
 */
import * as vscode from 'vscode';
import type { Shape } from '../core/ir';
import type { ModelViewData } from '../core/report/model-session';
import { ModelHost } from './model-host';
import { profileSettings } from './settings';
import { isInputShapeMessage } from '../core/errors';
import type { ViewLayout } from '../protocol';
import type { LayoutHost } from './layout-host';
import type { SpareWorker } from './spare-worker';
import type { ModelWorkerApi } from './model-requests';
import type { TorchResult } from '../core/pytorch/bridge-types';

export interface Overrides {
  /** undefined: the setting's batch; null: the model's own. */
  batch?: number | null;
  inputShapes?: Record<string, Shape>;
  budgetBytes?: number;
}

export type DocumentState =
  | { kind: 'loading' }
  | { kind: 'ready'; data: ModelViewData; ms: number; layout?: ViewLayout }
  /** `inputShapes`: the profile at the asked input shapes failed (the file itself loaded). */
  | { kind: 'error'; message: string; inputShapes?: boolean };

/** The file a document's model was loaded from, where it is not the document's own (a PyTorch archive's ONNX export). */
const loadedFrom = new Map<string, string>();

/** The file that runs for `uri`: what its model view loaded (a PyTorch archive's export), else the file itself. */
export function modelFileOf(uri: vscode.Uri): string {
  return loadedFrom.get(uri.toString()) ?? uri.fsPath;
}

export class ModelDocument implements vscode.CustomDocument {
  private readonly host: ModelHost;
  private readonly updates = new vscode.EventEmitter<DocumentState>();
  readonly onDidUpdate = this.updates.event;
  private readonly summaryUpdates = new vscode.EventEmitter<ModelViewData['summary']>();
  /** The shown model's summary gained figures computed after the first paint (the largest batch that fits). */
  readonly onDidUpdateSummary = this.summaryUpdates.event;
  private readonly wholeLayouts = new vscode.EventEmitter<ViewLayout | null>();
  /** The whole first view, laid out after the opening screen's boxes were sent (null: it could not be). */
  readonly onDidLayOutWhole = this.wholeLayouts.event;
  private readonly disposables: vscode.Disposable[] = [this.updates, this.summaryUpdates, this.wholeLayouts];
  state: DocumentState = { kind: 'loading' };
  overrides: Overrides = {};
  /** Bumped by each load and refresh: only the latest one's outcome is shown. */
  private generation = 0;
  private disposed = false;
  private opened: Promise<void> | undefined;
  private preparing: AbortController | undefined;

  constructor(
    readonly uri: vscode.Uri,
    workerScript: string,
    private readonly log: (line: string) => void,
    /** Lays out the first view ahead of the page (the extension's warm ELK worker), for the width the pages measure. */
    private readonly ahead?: { layouts: LayoutHost; charWidth: () => number },
    /** Model workers started ahead: opening takes one instead of starting a thread. */
    spares?: SpareWorker<ModelWorkerApi>,
    /**
     * Before each load, the file the worker loads and torch's facts about it: a TorchScript or
     * torch.export archive's ONNX export made through Python (PytorchFeatures.exportArchive), or a
     * PyTorch source's export with its profile's facts. Its error is the view's.
     */
    private readonly prepare?: (signal: AbortSignal) => Promise<{ path: string; torch?: TorchResult; compareWith?: string }>,
  ) {
    this.host = new ModelHost(uri.fsPath, workerScript, log, spares);
    const folder = vscode.Uri.joinPath(uri, '..');
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, this.fileName));
    this.disposables.push(
      watcher,
      watcher.onDidChange(() => this.reload()),
      watcher.onDidCreate(() => this.reload()),
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('convlens.profile', uri)) void this.refresh();
      }),
    );
  }

  /** torch's facts the loaded file's report takes (a PyTorch model's export). */
  get torchFacts(): TorchResult | undefined {
    return this.host.torch;
  }

  get fileName(): string {
    return this.uri.path.split('/').pop() ?? this.uri.toString();
  }

  /** Loads the file (once) and profiles it; later calls return the same work. */
  ensureLoaded(): Promise<void> {
    this.opened ??= this.load();
    return this.opened;
  }

  reload(): Promise<void> {
    this.log(`${this.fileName} changed on disk: reloading`);
    this.opened = this.load();
    return this.opened;
  }

  setOverrides(o: Overrides): Promise<void> {
    this.overrides = { ...this.overrides, ...o };
    return this.refresh();
  }

  private async load(): Promise<void> {
    const gen = ++this.generation;
    this.emit({ kind: 'loading' });
    const t0 = Date.now();
    try {
      if (this.prepare) {
        this.preparing?.abort();
        const ac = (this.preparing = new AbortController());
        const prepared = await this.prepare(ac.signal);
        this.host.path = prepared.path;
        this.host.torch = prepared.torch;
        this.host.compareWith = prepared.compareWith;
        if (prepared.path !== this.uri.fsPath) loadedFrom.set(this.uri.toString(), prepared.path);
        if (gen !== this.generation) return;
      }
      await this.host.open();
      this.log(`loaded ${this.uri.fsPath} in ${Date.now() - t0} ms`);
    } catch (err) {
      if (gen === this.generation) this.fail(err);
      return;
    }
    if (gen === this.generation) await this.refresh();
  }

  /** Profiles again with the current settings and overrides. */
  async refresh(): Promise<void> {
    const gen = ++this.generation;
    const settings = profileSettings(this.uri);
    for (const p of settings.problems) this.log(`warning: ${p}`);
    const o = this.overrides;
    const batch = o.batch === undefined ? settings.options.batch : o.batch ?? undefined;
    const t0 = Date.now();
    const options = {
      ...settings.options,
      batch,
      inputShapes: { ...settings.options.inputShapes, ...o.inputShapes },
      budgetBytes: o.budgetBytes ?? settings.budgetBytes,
    };
    let data: ModelViewData;
    try {
      data = await this.host.view(options);
      data.report.warnings.push(...settings.problems);
      if (gen !== this.generation) return;
      const ms = Date.now() - t0;
      this.log(`profiled ${this.fileName} (${data.report.layers.length} layers) in ${ms} ms`);
      const { layout, whole } = await this.layoutAhead(data);
      if (gen !== this.generation) return;
      this.emit({ kind: 'ready', data, ms, ...(layout ? { layout } : {}) });
      if (whole) {
        const done = await whole;
        if (gen !== this.generation || this.disposed) return;
        // A view opened from now on gets the whole layout with the model.
        if (this.state.kind === 'ready' && this.state.data === data) this.state = { kind: 'ready', data, ms, ...(done ? { layout: done } : {}) };
        this.wholeLayouts.fire(done ?? null);
      }
    } catch (err) {
      // The file loaded; the graph may not take the batch or input shapes asked for.
      if (gen === this.generation) this.fail(err, isInputShapeMessage((err as Error).message));
      return;
    }
    // After the first paint: the largest batch that fits profiles the model again.
    const t1 = Date.now();
    let largest: number | 'unbounded' | null;
    try {
      largest = await this.host.batchFit(options);
    } catch (err) {
      this.log(`warning: ${this.fileName}: the largest batch that fits could not be found: ${(err as Error).message}`);
      largest = null;
    }
    if (gen !== this.generation || this.disposed) return;
    data.summary.largestTrainingBatch = largest;
    this.log(`${this.fileName}: largest training batch within the budget found in ${Date.now() - t1} ms`);
    this.summaryUpdates.fire(data.summary);
  }

  /** The default view laid out by the extension's ELK worker, in two steps when it is large (LayoutHost.layoutView). */
  private async layoutAhead(data: ModelViewData): Promise<{ layout?: ViewLayout; whole?: Promise<ViewLayout | undefined> }> {
    if (!this.ahead) return {};
    return this.ahead.layouts.layoutView(data, this.ahead.charWidth(), (what, ms) =>
      this.log(`${this.fileName}: ${what} laid out ahead of the view in ${ms} ms`),
    );
  }

  weightStats(layer: number, input: number) {
    return this.host.weightStats(layer, input);
  }

  private fail(err: unknown, inputShapes = false): void {
    const message = (err as Error).message;
    this.log(`error: ${this.uri.fsPath}: ${message}`);
    this.emit(inputShapes ? { kind: 'error', message, inputShapes } : { kind: 'error', message });
  }

  private emit(s: DocumentState): void {
    if (this.disposed) return;
    this.state = s;
    this.updates.fire(s);
  }

  dispose(): void {
    this.disposed = true;
    this.preparing?.abort();
    loadedFrom.delete(this.uri.toString());
    this.host.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
