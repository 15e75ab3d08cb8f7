/**
 * Webview entry (browser). The graph view is built in a later issue; for now
 * it renders the report's totals as text, never as HTML.
 */
import type { FromWebviewMessage, ToWebviewMessage } from '../src/protocol';

declare function acquireVsCodeApi(): { postMessage(m: FromWebviewMessage): void };

const vscode = acquireVsCodeApi();

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const msg = event.data;
  const root = document.getElementById('root');
  if (!root) return;
  root.textContent = msg.type === 'error' ? `${msg.file}: ${msg.message}` : `${msg.file}: ${msg.report.totals.params} parameters, ${msg.report.totals.macs} MACs`;
});

vscode.postMessage({ type: 'ready' });
