/**
 * The read-only editor for model files: opening a `.onnx` shows its profile
 * (totals and the per-layer table) in a webview instead of binary text. The
 * graph view (issue #4) will take this editor over; the protocol stays.
 * Runs under a strict CSP with a nonce; model strings are sent as data and
 * rendered as text by the webview, never as HTML.
 */
import * as vscode from 'vscode';
import { randomBytes } from 'node:crypto';
import { loadModelFile } from '../core/loaders/index';
import { profileWithSettings } from './settings';
import { ModelLoadError } from '../core/errors';
import type { FromWebviewMessage, ToWebviewMessage } from '../protocol';

export const MODEL_EDITOR_VIEW_TYPE = 'convlens.graph';

class ModelDocument implements vscode.CustomDocument {
  constructor(readonly uri: vscode.Uri) {}
  dispose(): void {}
}

export class ModelEditorProvider implements vscode.CustomReadonlyEditorProvider<ModelDocument> {
  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly log: (line: string) => void,
  ) {}

  openCustomDocument(uri: vscode.Uri): ModelDocument {
    return new ModelDocument(uri);
  }

  resolveCustomEditor(document: ModelDocument, panel: vscode.WebviewPanel): void {
    const webview = panel.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'dist'), vscode.Uri.joinPath(this.extensionUri, 'media')],
    };
    webview.html = this.html(webview);
    const post = (m: ToWebviewMessage) => void webview.postMessage(m);
    const send = () => post(this.profile(document.uri));
    const disposables: vscode.Disposable[] = [];
    disposables.push(
      webview.onDidReceiveMessage((m: FromWebviewMessage) => {
        if (m.type === 'ready') send();
      }),
    );
    // Reload when the file changes on disk.
    const folder = vscode.Uri.joinPath(document.uri, '..');
    const name = document.uri.path.split('/').pop() ?? '';
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(folder, name));
    disposables.push(watcher, watcher.onDidChange(send), watcher.onDidCreate(send));
    panel.onDidDispose(() => disposables.forEach((d) => d.dispose()));
  }

  private profile(uri: vscode.Uri): ToWebviewMessage {
    const file = uri.path.split('/').pop() ?? uri.toString();
    try {
      const { report, problems } = profileWithSettings(loadModelFile(uri.fsPath), uri);
      report.warnings.push(...problems);
      return { type: 'profile', file, report };
    } catch (err) {
      const message = err instanceof ModelLoadError ? err.problem : (err as Error).message;
      this.log(`error: ${file}: ${message}`);
      return { type: 'error', file, message };
    }
  }

  private html(webview: vscode.Webview): string {
    const nonce = randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'webview.css'));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `img-src ${webview.cspSource} data:`,
      `script-src 'nonce-${nonce}'`,
    ].join('; ');
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style}">
<title>ConvLens</title>
</head>
<body>
<main id="root" aria-live="polite"><p class="loading">Loading model…</p></main>
<script nonce="${nonce}" src="${script}"></script>
</body>
</html>`;
  }
}

export function registerModelEditor(context: vscode.ExtensionContext, log: (line: string) => void): vscode.Disposable {
  return vscode.window.registerCustomEditorProvider(MODEL_EDITOR_VIEW_TYPE, new ModelEditorProvider(context.extensionUri, log), {
    supportsMultipleEditorsPerDocument: true,
  });
}
