/**
 * `ConvLens: Export to ONNX`: a model definition (or any model ConvLens
 * reads) → a runnable ONNX file, weights He-normal with a fixed seed. The
 * text of an open editor is exported as it stands, saved or not.
 */
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { loadModelBytes } from '../core/loaders/index';
import { exportOnnx } from '../core/export/onnx-export';
import { ModelLoadError } from '../core/errors';
import { humanBytes } from '../core/report/format';
import { activeTabUri } from './model-files';

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

export function registerExportOnnx(log: (line: string) => void): vscode.Disposable {
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
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `ConvLens: exporting ${file} to ONNX` }, async () => {
      try {
        const bytes = await contentOf(from);
        const model = await loadModelBytes(bytes, file);
        const onnx = exportOnnx(model);
        await vscode.workspace.fs.writeFile(dest, onnx);
        const msg = `exported ${file} to ${dest.fsPath} (${humanBytes(onnx.length)}; opset 17, He-normal weights, seed 0)`;
        log(msg);
        void vscode.window.showInformationMessage(`ConvLens: ${msg}`, 'Open Graph View').then((choice) => {
          if (choice) void vscode.commands.executeCommand('vscode.openWith', dest, 'convlens.graph');
        });
        return dest;
      } catch (err) {
        const msg = err instanceof ModelLoadError ? err.message : `${file}: ${(err as Error).message}`;
        log(`error: export to ONNX: ${msg}`);
        void vscode.window.showErrorMessage(`ConvLens: cannot export to ONNX: ${msg}`);
        return undefined;
      }
    });
  });
}
