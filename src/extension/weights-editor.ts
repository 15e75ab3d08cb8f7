/**
 * `.pt`/`.pth`/`.pt2` files open in a read-only weights view: the tensors a
 * state_dict (or a TorchScript archive) holds, by module, read natively by
 * random access (core/pytorch/checkpoint.ts; no Python, nothing in the file
 * runs, a multi-GB file is not read whole). A static page: no scripts,
 * every model string escaped, a strict CSP; its two actions are command
 * links. "Compute weight statistics" reads every tensor, with progress and
 * cancel, and shows each one's mean, std, min, max and zeros. A TorchScript
 * or torch.export archive has a graph: in a trusted workspace it opens in
 * the model view through Python (PytorchFeatures.exportArchive), once per
 * file and session, so "Reopen Editor With… Weights" stays here.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readCheckpoint, torchArchiveKind, type Checkpoint } from '../core/pytorch/checkpoint';
import { checkpointStatsSteps, type TensorStatsResult } from '../core/pytorch/tensor-stats';
import { withFile, FileSource } from '../core/pytorch/zip';
import { weightsErrorHtml, weightsHtml, weightsReport, withStats, type WeightsPageLinks, type WeightsReport } from '../core/report/weights';
import { ModelLoadError } from '../core/errors';
import { humanBytes } from '../core/report/format';
import { TORCH_GRAPH_VIEW_TYPE } from './model-editor';

export const WEIGHTS_VIEW = 'convlens.weights';
const STATS_COMMAND = 'convlens.weightStatistics';
const GRAPH_COMMAND = 'convlens.openTorchGraph';
/** Stats work runs in slices this long, so the extension host stays responsive. */
const SLICE_MS = 40;

class CheckpointDocument implements vscode.CustomDocument {
  checkpoint: Checkpoint | undefined;
  report: WeightsReport | undefined;
  /** An archive with a graph (TorchScript, torch.export): the model view can open it through Python. */
  graph = false;
  error: string | undefined;
  readonly panels = new Set<vscode.WebviewPanel>();
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

const commandHref = (command: string, uri: vscode.Uri) => `command:${command}?${encodeURIComponent(JSON.stringify([uri.toString()]))}`;

export function registerWeightsEditor(log: (line: string) => void): vscode.Disposable[] {
  const documents = new Map<string, CheckpointDocument>();
  /** Archives already sent to the model view this session: reopening them here stays here. */
  const redirected = new Set<string>();

  const render = (doc: CheckpointDocument, note?: string) => {
    const title = doc.uri.path.split('/').pop() ?? 'checkpoint';
    for (const panel of doc.panels) {
      const nonce = randomBytes(16).toString('base64');
      const links: WeightsPageLinks = {
        ...(doc.graph ? { graph: commandHref(GRAPH_COMMAND, doc.uri) } : {}),
        ...(doc.checkpoint ? { stats: commandHref(STATS_COMMAND, doc.uri) } : {}),
        ...(note ? { note } : {}),
      };
      panel.webview.html = doc.report ? weightsHtml(doc.report, title, nonce, links) : weightsErrorHtml(title, doc.error ?? 'not read', nonce, links);
    }
  };

  const load = (doc: CheckpointDocument) => {
    const t0 = Date.now();
    try {
      withFile(doc.uri.fsPath, (src) => {
        // TorchScript and torch.export archives have a graph (a .pt2's weights are not read here: readCheckpoint says so).
        doc.graph = torchArchiveKind(src) !== undefined;
        doc.checkpoint = readCheckpoint(src, doc.uri.fsPath);
        doc.report = weightsReport(doc.checkpoint);
      });
      log(`${doc.uri.fsPath}: ${doc.report!.totals.tensors} tensors read in ${Date.now() - t0} ms`);
    } catch (e) {
      doc.error = e instanceof ModelLoadError ? e.problem : (e as Error).message;
      log(`error: ${doc.uri.fsPath}: ${doc.error}`);
    }
  };

  const openGraph = (uri: vscode.Uri, column?: vscode.ViewColumn) => vscode.commands.executeCommand('vscode.openWith', uri, TORCH_GRAPH_VIEW_TYPE, column ?? vscode.ViewColumn.Active);

  /** Every tensor's statistics, read in slices with progress; cancellable. Returns how many tensors got statistics. */
  const computeStats = async (doc: CheckpointDocument): Promise<number> => {
    const ck = doc.checkpoint;
    if (!ck || !doc.report) return 0;
    const total = doc.report.totals.tensors;
    let results: TensorStatsResult[] | undefined;
    try {
      results = await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `ConvLens: weight statistics of ${doc.uri.path.split('/').pop()}`, cancellable: true },
        async (progress, token): Promise<TensorStatsResult[] | undefined> => {
          const src = new FileSource(doc.uri.fsPath);
          const t0 = Date.now();
          try {
            const all = Number(doc.report!.totals.bytes) || 1;
            const steps = checkpointStatsSteps(src, ck);
            let shown = 0;
            let done = 0;
            for (;;) {
              const slice = Date.now();
              let r = steps.next();
              while (!r.done && Date.now() - slice < SLICE_MS) r = steps.next();
              if (r.done) {
                log(`${doc.uri.fsPath}: statistics of ${total} tensors (${humanBytes(all)}) in ${Date.now() - t0} ms`);
                return r.value;
              }
              if (r.value.result) done++;
              const pct = (100 * r.value.bytes) / all;
              progress.report({ increment: pct - shown, message: `${done} of ${total} tensors` });
              shown = pct;
              await new Promise((resolve) => setImmediate(resolve));
              if (token.isCancellationRequested) {
                log(`${doc.uri.fsPath}: statistics cancelled`);
                return undefined;
              }
            }
          } finally {
            src.close();
          }
        },
      );
    } catch (e) {
      // The file went away or became unreadable since it was opened.
      const message = e instanceof Error ? e.message : String(e);
      log(`error: ${doc.uri.fsPath}: statistics: ${message}`);
      void vscode.window.showErrorMessage(`ConvLens: ${doc.uri.path.split('/').pop()}: the weights could not be read (${message})`);
      return 0;
    }
    if (!results) return 0;
    doc.report = withStats(doc.report, results);
    render(doc);
    return results.filter((r) => 'stats' in r).length;
  };

  const byUri = (arg: unknown) => (typeof arg === 'string' ? documents.get(vscode.Uri.parse(arg).toString()) : arg instanceof vscode.Uri ? documents.get(arg.toString()) : undefined);

  const provider: vscode.CustomReadonlyEditorProvider<CheckpointDocument> = {
    openCustomDocument(uri) {
      const doc = new CheckpointDocument(uri);
      load(doc);
      documents.set(uri.toString(), doc);
      return doc;
    },
    resolveCustomEditor(doc, panel) {
      panel.webview.options = { enableScripts: false, localResourceRoots: [], enableCommandUris: [STATS_COMMAND, GRAPH_COMMAND] };
      doc.panels.add(panel);
      panel.onDidDispose(() => {
        doc.panels.delete(panel);
        if (doc.panels.size === 0) documents.delete(doc.uri.toString());
      });
      // An archive with a graph, in a trusted workspace: to the model view, once per file and session.
      if (doc.graph && vscode.workspace.isTrusted && !redirected.has(doc.uri.toString())) {
        redirected.add(doc.uri.toString());
        render(doc, 'Opening its graph in the ConvLens model view (torch loads it)…');
        void openGraph(doc.uri, panel.viewColumn).then(() => {
          panel.dispose();
        });
        return;
      }
      render(doc, doc.graph && !vscode.workspace.isTrusted ? 'Its graph needs torch to load it (Python): trust this workspace to open it.' : undefined);
    },
  };
  return [
    vscode.window.registerCustomEditorProvider(WEIGHTS_VIEW, provider, { supportsMultipleEditorsPerDocument: true }),
    vscode.commands.registerCommand(STATS_COMMAND, (arg: unknown) => {
      const doc = byUri(arg);
      return doc ? computeStats(doc) : 0;
    }),
    vscode.commands.registerCommand(GRAPH_COMMAND, (arg: unknown) => {
      const doc = byUri(arg);
      if (!doc) return undefined;
      if (!vscode.workspace.isTrusted) {
        void vscode.window.showWarningMessage('ConvLens: opening this archive\'s graph runs torch (Python) on it; trust this workspace first.');
        return undefined;
      }
      return openGraph(doc.uri);
    }),
  ];
}
