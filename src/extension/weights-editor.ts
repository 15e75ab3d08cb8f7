/**
 * `.pt`/`.pth` checkpoints open in a read-only weights view: the tensors a
 * state_dict holds, by module, read natively (core/pytorch/checkpoint.ts;
 * no Python, nothing in the file runs). A static page: no scripts, every
 * model string escaped, a strict CSP. Works in untrusted workspaces.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { readCheckpoint } from '../core/pytorch/checkpoint';
import { weightsErrorHtml, weightsHtml, weightsReport } from '../core/report/weights';
import { ModelLoadError } from '../core/errors';

export const WEIGHTS_VIEW = 'convlens.weights';

class CheckpointDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export function registerWeightsEditor(log: (line: string) => void): vscode.Disposable {
  const provider: vscode.CustomReadonlyEditorProvider<CheckpointDocument> = {
    openCustomDocument: (uri) => new CheckpointDocument(uri),
    async resolveCustomEditor(doc, panel) {
      panel.webview.options = { enableScripts: false, localResourceRoots: [] };
      const title = doc.uri.path.split('/').pop() ?? 'checkpoint';
      const nonce = randomBytes(16).toString('base64');
      try {
        const t0 = Date.now();
        const report = weightsReport(readCheckpoint(await readFile(doc.uri.fsPath), doc.uri.fsPath));
        log(`${doc.uri.fsPath}: ${report.totals.tensors} tensors read in ${Date.now() - t0} ms`);
        panel.webview.html = weightsHtml(report, title, nonce);
      } catch (e) {
        const message = e instanceof ModelLoadError ? e.problem : (e as Error).message;
        log(`error: ${doc.uri.fsPath}: ${message}`);
        panel.webview.html = weightsErrorHtml(title, message, nonce);
      }
    },
  };
  return vscode.window.registerCustomEditorProvider(WEIGHTS_VIEW, provider, { supportsMultipleEditorsPerDocument: true });
}
