/**
 * A self-contained HTML profile: one file with its own style sheet, no
 * scripts and no external resources, readable offline and safe to open
 * anywhere. Every string from the model is escaped.
 */
import type { ProfileReport, TensorReport } from './profile';
import { exactText, formatField, formatShape, humanBytes, humanCount, layoutText, foldedText, partialNote, totalText, UNKNOWN, withUnit } from './format';
import { visibleText } from './safe-text';

/** Text for an HTML page: markup characters as entities, control characters as visible escapes (safe-text.ts). */
export function escapeHtml(s: string): string {
  return visibleText(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\'': '&#39;' })[c]!);
}

export const STYLE = `
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 24px; color: #1f2328; background: #fff; }
h1 { font-size: 20px; margin: 0 0 4px; }
.io { color: #59636e; margin: 0 0 16px; }
dl { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 0 0 20px; }
dt { color: #59636e; font-size: 12px; }
dd { margin: 2px 0 0; font-size: 16px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 3px 10px; border-bottom: 1px solid #d1d9e0; text-align: left; white-space: nowrap; }
th { position: sticky; top: 0; background: #f6f8fa; }
td.num { text-align: right; }
.warnings { color: #9a6700; }
footer { margin-top: 20px; color: #59636e; font-size: 12px; }
@media (prefers-color-scheme: dark) {
  body { color: #e6edf3; background: #0d1117; }
  .io, dt, footer { color: #9198a1; }
  th { background: #151b23; }
  th, td { border-color: #3d444d; }
  .warnings { color: #d29922; }
}`;

/** A self-contained page: its own style sheet, no scripts, nothing remote (the CSP says so too). */
export function htmlPage(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

export interface HtmlOptions {
  /** Title (usually the model file's name). */
  title: string;
  optimizer?: string;
  /** ISO timestamp for the footer; omitted when undefined (reproducible output). */
  generatedAt?: string;
}

export function formatHtml(report: ProfileReport, o: HtmlOptions): string {
  const e = escapeHtml;
  const t = report.totals;
  const io = (ts: TensorReport[]) => ts.map((x) => `${x.name} ${formatShape(x.shape)} ${x.dtype ?? '?'}`).join(', ');
  const totals: [string, string][] = [
    ['Parameters', `${totalText(t, 'params', exactText)} (${totalText(t, 'paramBytes', humanBytes)})`],
    ['MACs', totalText(t, 'macs', (n) => withUnit(n, 'MACs'))],
    ['FLOPs', totalText(t, 'flops', (n) => withUnit(n, 'FLOPs'))],
    ['Activations', totalText(t, 'activationBytes', humanBytes)],
    ['Peak inference memory', totalText(t, 'peakActivationBytes', humanBytes)],
    [`Training memory (${o.optimizer ?? 'adam'})`, totalText(t, 'trainingBytes', humanBytes)],
  ];
  const note = partialNote(t);
  const figure = (n: number | null, text: (n: number) => string) => (n === 0 ? '' : n === null ? UNKNOWN : text(n));
  const head = ['#', 'Layer', 'Op', 'Output shape', 'Params', 'MACs', 'FLOPs', 'Receptive field', 'Activations'];
  const numeric = new Set([0, 4, 5, 6, 8]);
  const rows = report.layers.map((l, i) => {
    const cells = [
      String(i + 1), l.name, l.op, l.outputs.map((x) => formatShape(x.shape)).join(', '),
      figure(l.params, humanCount), figure(l.macs, humanCount), figure(l.flops, humanCount),
      formatField(l.receptiveField), figure(l.activationBytes, humanBytes),
    ];
    return `<tr>${cells.map((c, k) => `<td${numeric.has(k) ? ' class="num"' : ''}>${e(c)}</td>`).join('')}</tr>`;
  });
  return htmlPage(`${o.title} — ConvLens profile`, `<h1>${e(o.title)}</h1>
<p class="io">${e(`${report.format.toUpperCase()} opset ${report.opset} · inputs: ${io(report.inputs)} · outputs: ${io(report.outputs)}`)}</p>
${layoutText(report) ? `<p class="io">${e(layoutText(report)!)}</p>` : ''}
${foldedText(report) ? `<p class="io">${e(foldedText(report)!)}</p>` : ''}
<dl>${totals.map(([k, v]) => `<div><dt>${e(k)}</dt><dd>${e(v)}</dd></div>`).join('')}</dl>
${note ? `<p class="io">${e(note)}</p>` : ''}
<table>
<thead><tr>${head.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
${report.warnings.length ? `<ul class="warnings">${report.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>` : ''}
<footer>ConvLens profile${o.generatedAt ? ` · ${e(o.generatedAt)}` : ''} · MACs count multiply–accumulates (torchvision/fvcore call these FLOPs); FLOPs = 2 × MACs + bias and element-wise work.</footer>`);
}
