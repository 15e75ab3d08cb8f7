/**
 * Webview entry (browser): renders a model's profile — totals and the
 * per-layer table — from the extension's messages. Every string from the
 * model is inserted as text (textContent), never parsed as HTML.
 */
import type { FromWebviewMessage, ToWebviewMessage } from '../src/protocol';
import type { LayerReport, ProfileReport } from '../src/core/report/profile';
import { formatField, formatShape, humanBytes, humanCount, withUnit } from '../src/core/report/format';

declare function acquireVsCodeApi(): { postMessage(m: FromWebviewMessage): void };

const vscode = acquireVsCodeApi();

function el<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function totals(report: ProfileReport): HTMLElement {
  const t = report.totals;
  const dl = el('dl', undefined, 'totals');
  const items: [string, string][] = [
    ['Parameters', `${t.params.toLocaleString('en-US')} (${humanBytes(t.paramBytes)})`],
    ['MACs', withUnit(t.macs, 'MACs')],
    ['FLOPs', withUnit(t.flops, 'FLOPs')],
    ['Activations', humanBytes(t.activationBytes)],
    ['Peak inference memory', humanBytes(t.peakActivationBytes)],
    ['Training memory', humanBytes(t.trainingBytes)],
  ];
  for (const [k, v] of items) {
    const item = el('div');
    item.append(el('dt', k), el('dd', v));
    dl.append(item);
  }
  return dl;
}

function layerRow(l: LayerReport, i: number): HTMLTableRowElement {
  const tr = el('tr');
  const cells = [
    String(i + 1), l.name, l.op, l.outputs.map((o) => formatShape(o.shape)).join(', '),
    l.params ? humanCount(l.params) : '', l.macs ? humanCount(l.macs) : '', formatField(l.receptiveField),
    l.activationBytes ? humanBytes(l.activationBytes) : '',
  ];
  cells.forEach((c, k) => tr.append(el('td', c, [0, 4, 5, 7].includes(k) ? 'num' : undefined)));
  return tr;
}

function render(root: HTMLElement, msg: ToWebviewMessage): void {
  root.replaceChildren();
  if (msg.type === 'error') {
    const box = el('div', undefined, 'error');
    box.append(el('h1', `Cannot open ${msg.file}`), el('p', msg.message));
    root.append(box);
    return;
  }
  const r = msg.report;
  const io = (ts: ProfileReport['inputs']) => ts.map((t) => `${t.name} ${formatShape(t.shape)} ${t.dtype ?? '?'}`).join(', ');
  root.append(el('h1', msg.file), el('p', `${r.format.toUpperCase()} opset ${r.opset} · inputs: ${io(r.inputs)} · outputs: ${io(r.outputs)}`, 'io'), totals(r));
  const table = el('table', undefined, 'layers');
  const head = el('tr');
  for (const h of ['#', 'Layer', 'Op', 'Output shape', 'Params', 'MACs', 'Receptive field', 'Activations']) head.append(el('th', h));
  table.append(el('thead'), el('tbody'));
  table.tHead!.append(head);
  r.layers.forEach((l, i) => table.tBodies[0].append(layerRow(l, i)));
  root.append(table);
  if (r.warnings.length) {
    const ul = el('ul', undefined, 'warnings');
    for (const w of r.warnings) ul.append(el('li', w));
    root.append(ul);
  }
}

window.addEventListener('message', (event: MessageEvent<ToWebviewMessage>) => {
  const root = document.getElementById('root');
  if (root) render(root, event.data);
});

vscode.postMessage({ type: 'ready' });
