/**
 * "ConvLens: Profile Model…": runs a model in the runtime child process
 * (src/runtime) with a cancellable progress notification, logs to the
 * ConvLens output channel, keeps the last measured report per model, shows
 * it in the model view (latency overlay, table, details) and in a status bar
 * item (p50), and exports it. Thin glue: the figures come from src/core/timing.
 */
import * as vscode from 'vscode';
import { modelFileOf } from './model-document';
import { basename } from 'node:path';
import type { RuntimeReport } from '../core/timing/runtime-report';
import { formatRuntimeMarkdown, formatRuntimeTable, shortProvider } from '../core/report/runtime-format';
import { FILE_FORMATS, renderRuntime } from '../core/report/render';
import { runInChild, RuntimeError } from '../runtime/client';
import { batchSweep } from '../runtime/sweep';
import { formatSweep, type SweepReport } from '../core/timing/sweep';
import { runtimeSettings, type RuntimeSettings } from './settings';
import { RUN_DEFAULTS, type ProfileRequest } from '../runtime/messages';
import { activeTabUri, isModelPath, MODEL_FILE_FILTERS } from './model-files';
import type { ModelEditorProvider } from './model-editor';
import { confirmRunAnyway, isRefusal } from './run-anyway';
import { describeError, printable } from '../core/user-message';

const MANAGE_TRUST = 'Manage Workspace Trust';
export interface RunRequestOptions {
  /** Batch to run at (the view's batch field); undefined: the setting convlens.profile.batchSize. */
  batch?: number;
}

/** The last measured report of each model, and the runs in progress. */
export class RuntimeRuns implements vscode.Disposable {
  private readonly reports = new Map<string, { uri: vscode.Uri; report: RuntimeReport }>();
  private readonly sweeps = new Map<string, SweepReport>();
  private readonly running = new Map<string, AbortController>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  /** A model's report changed (a run ended), or a run started or stopped. */
  readonly onDidChange = this.changed.event;
  private readonly statusEmitter = new vscode.EventEmitter<{ uri: vscode.Uri; running: boolean; message?: string }>();
  readonly onDidChangeStatus = this.statusEmitter.event;
  /** The most recent report of any model. */
  latest: { uri: vscode.Uri; report: RuntimeReport } | undefined;

  constructor(
    private readonly log: (line: string) => void,
    private readonly peaksCache: string,
  ) {}

  get(uri: vscode.Uri): RuntimeReport | undefined {
    return this.reports.get(uri.toString())?.report;
  }

  sweepOf(uri: vscode.Uri): SweepReport | undefined {
    return this.sweeps.get(uri.toString());
  }

  isRunning(uri: vscode.Uri): boolean {
    return this.running.has(uri.toString());
  }

  cancel(uri: vscode.Uri): void {
    this.running.get(uri.toString())?.abort();
  }

  /**
   * One measured job on `uri` (a profiling run or a sweep): a trusted workspace, one job per
   * model at a time, the `convlens.runtime.*` settings, a cancellable progress notification
   * mirrored to the model view, and errors told to the user. Undefined when cancelled or failed.
   */
  private async exclusive<T>(
    uri: vscode.Uri,
    what: { title: string; done: string; failed: string },
    body: (ctx: { settings: RuntimeSettings; base: ProfileRequest; signal: AbortSignal; report: (message: string, fraction?: number) => void }) => Promise<T>,
  ): Promise<T | undefined> {
    const key = uri.toString();
    const file = basename(uri.fsPath);
    if (!vscode.workspace.isTrusted) {
      void vscode.window
        .showWarningMessage(`ConvLens: running ${file} needs a trusted workspace (running a model executes its graph natively). Static profiling works without trust.`, MANAGE_TRUST)
        .then((choice) => choice === MANAGE_TRUST && vscode.commands.executeCommand('workbench.trust.manage'));
      return undefined;
    }
    if (this.running.has(key)) {
      void vscode.window.showInformationMessage(`ConvLens: ${file} is already being profiled.`);
      return undefined;
    }
    if (vscode.workspace.textDocuments.some((d) => d.uri.toString() === key && d.isDirty)) this.log(`note: ${file} has unsaved changes; the saved file is run`);
    const { settings, problems } = runtimeSettings(uri);
    for (const p of problems) this.log(`warning: ${p}`);
    const base: ProfileRequest = {
      kind: 'profile', modelPath: modelFileOf(uri), provider: settings.provider, engine: settings.engine, tfjsBackend: settings.tfjsBackend,
      input: settings.input, warmup: settings.warmup, runs: settings.runs,
    };
    const ac = new AbortController();
    this.running.set(key, ac);
    this.statusEmitter.fire({ uri, running: true, message: 'starting' });
    try {
      return await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ConvLens: ${what.title} ${file}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          let done = 0;
          const report = (message: string, fraction?: number) => {
            const increment = fraction !== undefined ? Math.max(0, fraction * 100 - done) : undefined;
            if (fraction !== undefined) done = Math.max(done, fraction * 100);
            progress.report({ message, increment });
            this.statusEmitter.fire({ uri, running: true, message });
          };
          try {
            return await body({ settings, base, signal: ac.signal, report });
          } catch (err) {
            if (!(await confirmRunAnyway(file, err))) throw err;
            this.log(`running ${uri.fsPath} anyway (the static estimate is more than the memory free)`);
            return await body({ settings, base: { ...base, force: true }, signal: ac.signal, report });
          }
        },
      );
    } catch (err) {
      if (err instanceof RuntimeError && err.kind === 'cancelled') {
        this.log(`cancelled ${what.done} ${printable(uri.fsPath)}`);
        return undefined;
      }
      // One line, without JavaScript internals (RuntimeError messages already are).
      const msg = `${printable(file)}: ${err instanceof RuntimeError ? err.message : describeError(err)}`;
      this.log(`error: ${what.done} ${msg}`);
      // A refusal was just shown in the modal question.
      if (!isRefusal(err)) void vscode.window.showErrorMessage(`ConvLens: ${what.failed} ${msg}`);
      return undefined;
    } finally {
      this.running.delete(key);
      this.statusEmitter.fire({ uri, running: false });
    }
  }

  /** Runs `uri` with the settings; undefined when cancelled or failed (the user has been told). */
  run(uri: vscode.Uri, options: RunRequestOptions = {}): Promise<RuntimeReport | undefined> {
    const file = basename(uri.fsPath);
    return this.exclusive(uri, { title: 'profiling', done: 'profiling', failed: 'cannot profile' }, async ({ settings, base, signal, report: onProgress }) => {
      const t0 = Date.now();
      this.log(`profiling ${uri.fsPath}: provider ${settings.provider}, ${settings.warmup} warm-up + ${settings.runs} timed runs${options.batch ? `, batch ${options.batch}` : ''}`);
      const { report } = await runInChild(
        { ...base, peaksCache: this.peaksCache, ...(options.batch ? { batch: options.batch } : {}) },
        { signal, timeoutMs: settings.timeoutMs, onProgress, onLog: (line) => this.log(`runtime: ${line}`) },
      );
      this.reports.set(uri.toString(), { uri, report });
      this.latest = { uri, report };
      this.log(`# measured ${uri.fsPath} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
      this.log(formatRuntimeTable(report));
      for (const n of report.notices) this.log(`notice: ${n}`);
      this.changed.fire(uri);
      const where = report.providers.map(shortProvider).join(', ');
      // A GPU that is simply not installed is said quietly; one that failed points to the output's reason.
      const gpuNote = report.notices.find((n) => / is not installed|execution provider unavailable/.test(n));
      const fallback = !gpuNote ? '' : / is not installed/.test(gpuNote) ? ' (CUDA is not installed; see README)' : ' (the GPU provider failed: see the ConvLens output)';
      void vscode.window
        .showInformationMessage(`ConvLens: ${file}: p50 ${report.latencyMs.p50.toFixed(2)} ms on ${where}${fallback}`, 'Show Report', 'Export…')
        .then((choice) => {
          if (choice === 'Show Report') void vscode.commands.executeCommand('convlens.showRuntimeReport', uri);
          if (choice === 'Export…') void vscode.commands.executeCommand('convlens.exportRuntimeProfile', undefined, undefined, uri);
        });
      return report;
    });
  }

  /** A batch-size sweep of `uri` up to `maxBatch`; undefined when cancelled or failed (the user has been told). */
  sweep(uri: vscode.Uri, maxBatch: number): Promise<SweepReport | undefined> {
    return this.exclusive(uri, { title: 'batch sweep of', done: 'the batch sweep of', failed: 'batch sweep failed:' }, async ({ settings, base, signal, report }) => {
      this.log(`batch sweep of ${uri.fsPath} up to batch ${maxBatch}`);
      const sweep = await batchSweep(
        { ...base, warmup: 1, runs: Math.min(settings.runs, 10) },
        { maxBatch, signal, timeoutMs: settings.timeoutMs, onProgress: (message) => report(`batch sweep: ${message}`), onLog: (line) => this.log(`runtime: ${line}`) },
      );
      this.sweeps.set(uri.toString(), sweep);
      this.log(formatSweep(sweep));
      this.changed.fire(uri);
      return sweep;
    });
  }

  dispose(): void {
    for (const ac of this.running.values()) ac.abort();
    this.changed.dispose();
    this.statusEmitter.dispose();
  }
}

export function registerRuntime(runs: RuntimeRuns, provider: ModelEditorProvider, log: (line: string) => void): vscode.Disposable[] {
  const target = async (arg: unknown): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri) return arg;
    const view = provider.target();
    if (view) return view.document.uri;
    const active = vscode.window.activeTextEditor?.document.uri ?? activeTabUri();
    if (active && isModelPath(active.path)) return active;
    return (await vscode.window.showOpenDialog({ canSelectMany: false, filters: MODEL_FILE_FILTERS }))?.[0];
  };
  /** The report a command acts on: of `arg`, else the active view's model, else the latest run. */
  const reportFor = (arg: unknown): { uri: vscode.Uri; report: RuntimeReport } | undefined => {
    if (arg instanceof vscode.Uri) {
      const r = runs.get(arg);
      return r ? { uri: arg, report: r } : undefined;
    }
    const view = provider.target();
    const r = view ? runs.get(view.document.uri) : undefined;
    return view && r ? { uri: view.document.uri, report: r } : runs.latest;
  };

  const profile = async (arg?: unknown, options?: RunRequestOptions) => {
    const uri = await target(arg);
    if (!uri) return undefined;
    // From the model view: its batch field's value.
    const batch = options?.batch ?? provider.viewsOf(uri)[0]?.document.overrides.batch ?? undefined;
    return runs.run(uri, { batch: batch ?? undefined });
  };

  const exportReport = async (format?: unknown, dest?: unknown, source?: unknown): Promise<vscode.Uri | undefined> => {
    const found = reportFor(source);
    if (!found) {
      void vscode.window.showWarningMessage('ConvLens: no measured profile yet; run "ConvLens: Profile Model…" first.');
      return undefined;
    }
    const chosen = FILE_FORMATS.find((f) => f.format === format) ?? (await vscode.window.showQuickPick(FILE_FORMATS.map((f) => ({ ...f })), { title: 'Export the measured profile as' }));
    if (!chosen) return undefined;
    const base = found.uri.path.replace(/(\.cnn)?\.[^./]+$/, '');
    const uri = dest instanceof vscode.Uri ? dest : await vscode.window.showSaveDialog({ defaultUri: found.uri.with({ path: `${base}.runtime.${chosen.ext}` }), filters: { [chosen.label]: [chosen.ext] } });
    if (!uri) return undefined;
    const r = found.report;
    const title = basename(found.uri.fsPath);
    const text = renderRuntime(r, chosen.format, { title, generatedAt: new Date().toISOString() });
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    log(`wrote ${uri.fsPath}`);
    return uri;
  };

  const showReport = async (source?: unknown) => {
    const found = reportFor(source);
    if (!found) {
      void vscode.window.showWarningMessage('ConvLens: no measured profile yet; run "ConvLens: Profile Model…" first.');
      return undefined;
    }
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: `# ${basename(found.uri.fsPath)} — measured\n\n${formatRuntimeMarkdown(found.report)}` });
    await vscode.window.showTextDocument(doc, { preview: true });
    return doc;
  };

  // The status bar: the last run's p50, of the active view's model when it has one.
  const item = vscode.window.createStatusBarItem('convlens.runtime', vscode.StatusBarAlignment.Right, 99);
  item.name = 'ConvLens latency';
  item.command = 'convlens.showRuntimeReport';
  const update = () => {
    const view = provider.target();
    const running = view && runs.isRunning(view.document.uri);
    const found = reportFor(undefined);
    if (running) {
      item.text = '$(loading~spin) profiling…';
      item.tooltip = `ConvLens is running ${view.document.fileName}`;
      item.command = undefined;
      return item.show();
    }
    // Only the shown model's own run: another model's latency beside this one would read as this one's.
    if (!found || !view || found.uri.toString() !== view.document.uri.toString()) return item.hide();
    const r = found.report;
    item.text = `$(pulse) ${r.latencyMs.p50.toFixed(r.latencyMs.p50 >= 100 ? 0 : 2)} ms p50 · ${r.providers.map(shortProvider).join('+')}`;
    item.tooltip = `${basename(found.uri.fsPath)}: p50 ${r.latencyMs.p50.toFixed(3)} ms, p90 ${r.latencyMs.p90.toFixed(3)} ms over ${r.runs} runs at batch ${r.batch} on ${r.devices[0]?.name ?? '?'}. Click for the report.`;
    item.command = { title: 'Show report', command: 'convlens.showRuntimeReport', arguments: [found.uri] };
    item.show();
  };

  return [
    item,
    runs.onDidChange(update),
    runs.onDidChangeStatus(update),
    provider.onDidChange(update),
    vscode.commands.registerCommand('convlens.runProfile', profile),
    vscode.commands.registerCommand('convlens.batchSweep', async (arg?: unknown, maxBatch?: unknown) => {
      const uri = await target(arg);
      if (!uri) return undefined;
      const max = typeof maxBatch === 'number' && maxBatch >= 1 ? maxBatch : vscode.workspace.getConfiguration('convlens', uri).get<number>('runtime.sweepMaxBatch', RUN_DEFAULTS.sweepMaxBatch);
      return runs.sweep(uri, Math.max(1, Math.floor(max)));
    }),
    vscode.commands.registerCommand('convlens.cancelRunProfile', async (arg?: unknown) => {
      const uri = await target(arg);
      if (uri) runs.cancel(uri);
    }),
    vscode.commands.registerCommand('convlens.exportRuntimeProfile', exportReport),
    vscode.commands.registerCommand('convlens.showRuntimeReport', showReport),
  ];
}
