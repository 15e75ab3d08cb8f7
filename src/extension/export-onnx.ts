/**
 * `ConvLens: Export to ONNX`: a model definition (or any model ConvLens
 * reads) → a runnable ONNX file, weights He-normal with a fixed seed. The
 * text of an open editor is exported as it stands, saved or not. The export
 * runs in a worker thread of its own (the definition worker's script), so a
 * huge or hostile definition cannot freeze the extension host: cancelling,
 * or a run past EXPORT_TIMEOUT_MS, terminates it.
 */
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { humanBytes } from '../core/report/format';
import { sameFile, writeFileAtomic } from '../core/files';
import { errorMessage, RequestError } from '../protocol';
import { activeTabUri } from './model-files';
import { definitionRequestHandlers, type DefinitionWorkerApi } from './definition-requests';
import { WorkerThread } from './worker-thread';

const EXPORT_TIMEOUT_MS = 5 * 60_000;

const EXPORTABLE = /\.(cnn\.ya?ml|keras|h5|json)$/i;

function sourceUri(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const doc = vscode.window.activeTextEditor?.document.uri;
  if (doc && EXPORTABLE.test(doc.path)) return doc;
  const tab = activeTabUri();
  return tab && EXPORTABLE.test(tab.path) ? tab : undefined;
}

/** The bytes to export: an open document's current text, else the file. */
async function contentOf(uri: vscode.Uri): Promise<Uint8Array> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  return open ? new TextEncoder().encode(open.getText()) : vscode.workspace.fs.readFile(uri);
}

/** The ONNX bytes; undefined when cancelled. In-process only when no worker can start. */
async function exportInWorker(workerScript: string, bytes: Uint8Array, file: string, token: vscode.CancellationToken, log: (line: string) => void): Promise<DefinitionWorkerApi['exportOnnx']['reply'] | undefined> {
  let worker: WorkerThread<DefinitionWorkerApi>;
  try {
    if (!existsSync(workerScript)) throw new Error(`${workerScript} is missing`);
    worker = new WorkerThread<DefinitionWorkerApi>(workerScript, { name: 'the export worker' });
  } catch (err) {
    log(`cannot start the export worker (${errorMessage(err)}); exporting on the extension host's thread`);
    return definitionRequestHandlers.exportOnnx({ bytes, file });
  }
  const cancelled = token.onCancellationRequested(() => worker.terminate('cancelled'));
  try {
    return await worker.request('exportOnnx', { bytes, file }, EXPORT_TIMEOUT_MS);
  } catch (err) {
    if (token.isCancellationRequested) return undefined;
    throw err;
  } finally {
    cancelled.dispose();
    worker.terminate('the export is done');
  }
}

export function registerExportOnnx(workerScript: string, log: (line: string) => void): vscode.Disposable {
  return vscode.commands.registerCommand('convlens.exportOnnx', async (source?: unknown, target?: unknown) => {
    let from = sourceUri(source);
    if (!from) {
      const picked = await vscode.window.showOpenDialog({ canSelectMany: false, filters: { 'Model definitions': ['yaml', 'yml', 'keras', 'h5', 'json'] } });
      from = picked?.[0];
    }
    if (!from) return undefined;
    const file = basename(from.path);
    let to = target instanceof vscode.Uri ? target : undefined;
    if (!to) {
      const stem = file.replace(/(\.cnn)?\.(ya?ml|keras|h5|json)$/i, '');
      to = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.joinPath(from, '..', `${stem}.onnx`), filters: { 'ONNX model': ['onnx'] } });
    }
    if (!to) return undefined;
    const dest = to;
    if (from.scheme === 'file' && dest.scheme === 'file' && sameFile(from.fsPath, dest.fsPath)) {
      // An export replaces its target: never the model it is made from.
      void vscode.window.showErrorMessage(`ConvLens: ${file} cannot be exported over itself; choose another file`);
      return undefined;
    }
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ConvLens: exporting ${file} to ONNX`, cancellable: true }, async (_progress, token) => {
      try {
        const exported = await exportInWorker(workerScript, await contentOf(from), file, token, log);
        if (!exported) return undefined;
        const { onnx } = exported;
        // Local files are written beside the target and renamed over it, so a failure leaves no half file.
        if (dest.scheme === 'file') writeFileAtomic(dest.fsPath, onnx);
        else await vscode.workspace.fs.writeFile(dest, onnx);
        const msg = `exported ${file} to ${dest.fsPath} (${humanBytes(onnx.length)}; opset ${exported.opset}${exported.initialWeights ? ', He-normal weights, seed 0' : ''})`;
        log(msg);
        void vscode.window.showInformationMessage(`ConvLens: ${msg}`, 'Open Graph View').then((choice) => {
          if (choice) void vscode.commands.executeCommand('vscode.openWith', dest, 'convlens.graph');
        });
        return dest;
      } catch (err) {
        // The worker's own errors name the file already.
        const msg = !(err instanceof RequestError) || err.reason === 'failed' ? errorMessage(err)
          : err.reason === 'timeout' ? `${file}: the export ran longer than ${EXPORT_TIMEOUT_MS / 60_000} min and was stopped`
            : `${file}: ${err.message}`;
        log(`error: export to ONNX: ${msg}`);
        void vscode.window.showErrorMessage(`ConvLens: cannot export to ONNX: ${msg}`);
        return undefined;
      }
    });
  });
}
