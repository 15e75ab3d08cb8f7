/**
 * The weights report of a checkpoint (a PyTorch state_dict read natively,
 * pytorch/checkpoint.ts): its tensors with shapes, dtypes, elements and
 * bytes, grouped by module prefix (`layer1.0.conv1.weight` belongs to
 * `layer1.0.conv1`), and the totals. No graph: a state_dict has none.
 */
import type { Checkpoint, CheckpointTensor } from '../pytorch/checkpoint';
import type { TensorStats, TensorStatsResult } from '../pytorch/tensor-stats';
import { csvText, mdText, visibleText } from './safe-text';
import { exactText, humanBytes, humanCount } from './format';
import { escapeHtml } from './html';
import { addExact, type Figure } from '../../shared/exact';

export interface WeightsGroup {
  /** The module prefix ('' for top-level tensors). */
  module: string;
  tensors: number;
  elements: Figure;
  bytes: Figure;
}

export type WeightsTensor = Omit<CheckpointTensor, 'storage' | 'offset' | 'stride'> & {
  /** Mean, std, min, max and zeros, when asked for (`--stats`, the view's link). */
  stats?: TensorStats;
  /** Why it has no statistics, when they were asked for. */
  statsSkipped?: string;
};

export interface WeightsReport {
  format: 'pytorch-checkpoint';
  /** `torchscript`: a torch.jit.save archive's saved weights (its graph needs Python). */
  kind: Checkpoint['kind'];
  tensors: WeightsTensor[];
  groups: WeightsGroup[];
  totals: { tensors: number; elements: Figure; bytes: Figure };
  /** Plain values saved beside the tensors (epoch, arch, …). */
  values: { name: string; value: string }[];
  warnings: string[];
}

const moduleOf = (name: string) => (name.includes('.') ? name.slice(0, name.lastIndexOf('.')) : '');

export function weightsReport(ck: Checkpoint): WeightsReport {
  const groups = new Map<string, WeightsGroup>();
  let elements: Figure = 0;
  let bytes: Figure = 0;
  for (const t of ck.tensors) {
    const m = moduleOf(t.name);
    const g = groups.get(m) ?? { module: m, tensors: 0, elements: 0, bytes: 0 };
    g.tensors++;
    g.elements = addExact(g.elements, t.elements);
    g.bytes = addExact(g.bytes, t.bytes);
    groups.set(m, g);
    elements = addExact(elements, t.elements);
    bytes = addExact(bytes, t.bytes);
  }
  return {
    format: 'pytorch-checkpoint',
    kind: ck.kind,
    tensors: ck.tensors.map(({ storage: _storage, offset: _offset, stride: _stride, ...t }) => t),
    groups: [...groups.values()],
    totals: { tensors: ck.tensors.length, elements, bytes },
    values: ck.values,
    warnings: ck.warnings,
  };
}

/** The report with each tensor's statistics (in the report's tensor order). */
export function withStats(r: WeightsReport, results: readonly TensorStatsResult[]): WeightsReport {
  const byName = new Map(results.map((x) => [x.name, x]));
  return {
    ...r,
    tensors: r.tensors.map((t) => {
      const x = byName.get(t.name);
      if (!x) return t;
      return 'stats' in x ? { ...t, stats: x.stats } : { ...t, statsSkipped: x.skipped };
    }),
  };
}

const hasStats = (r: WeightsReport) => r.tensors.some((t) => t.stats || t.statsSkipped);

/** A statistic, 4 significant digits: `0.01234`, `-1.5e-05`, `—` when undefined. */
export function statText(x: number): string {
  if (Number.isNaN(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e5 || a < 1e-3) return x.toExponential(3).replace(/\.?0+e/, 'e');
  return String(Number(x.toPrecision(4)));
}

const STATS_HEADERS = ['Mean', 'Std', 'Min', 'Max', 'Zeros'];
const statCells = (t: WeightsTensor): string[] =>
  t.stats ? [statText(t.stats.mean), statText(t.stats.std), statText(t.stats.min), statText(t.stats.max), zerosText(t.stats, t.elements)] : ['—', '—', '—', '—', '—'];
const zerosText = (s: TensorStats, elements: number) => (s.zeros === 0 ? '0' : `${exactText(s.zeros)} (${((100 * s.zeros) / elements).toFixed(s.zeros === elements ? 0 : 1)}%)`);

const HEADERS = ['Tensor', 'Shape', 'Dtype', 'Elements', 'Bytes'];
const shapeText = (s: number[]) => (s.length ? s.join('×') : 'scalar');

function headers(r: WeightsReport): string[] {
  return hasStats(r) ? [...HEADERS, ...STATS_HEADERS] : HEADERS;
}

function rows(r: WeightsReport): string[][] {
  const stats = hasStats(r);
  return r.tensors.map((t) => [visibleText(t.name), shapeText(t.shape), t.dtype, humanCount(t.elements), humanBytes(t.bytes), ...(stats ? statCells(t) : [])]);
}

function skippedLines(r: WeightsReport): string[] {
  return r.tensors.filter((t) => t.statsSkipped).map((t) => `${t.name}: no statistics (${t.statsSkipped})`);
}

const TITLE: Record<WeightsReport['kind'], string> = {
  state: 'PyTorch checkpoint (read without running it)',
  torchscript: 'TorchScript archive: its saved weights (read without running it; its graph needs Python: convlens profile FILE --input DIMS)',
};

export function totalsLine(r: WeightsReport): string {
  return `Tensors: ${exactText(r.totals.tensors)}; elements: ${exactText(r.totals.elements)} (${humanCount(r.totals.elements)}); ${humanBytes(r.totals.bytes)} in ${exactText(r.groups.length)} module${r.groups.length === 1 ? '' : 's'}`;
}

/** The terminal table: one row per tensor, aligned, then the totals and the plain values. */
export function formatWeightsTable(r: WeightsReport): string {
  const body = rows(r);
  const head = headers(r);
  const widths = head.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const numeric = (c: number) => c >= 3;
  const line = (row: string[]) => row.map((cell, c) => (numeric(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const out = [TITLE[r.kind], '', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line), '', totalsLine(r)];
  if (r.values.length) out.push(`Also saved: ${r.values.slice(0, 8).map((v) => `${visibleText(v.name)} = ${visibleText(v.value)}`).join(', ')}${r.values.length > 8 ? ', …' : ''}`);
  for (const w of r.warnings) out.push(`warning: ${visibleText(w)}`);
  for (const w of skippedLines(r)) out.push(visibleText(w));
  return out.join('\n');
}

export function formatWeightsCsv(r: WeightsReport): string {
  const stats = hasStats(r);
  const num = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '' : String(x));
  const lines = r.tensors.map((t) => [
    csvText(t.name), t.shape.join('x'), t.dtype, String(t.elements), String(t.bytes),
    ...(stats ? [num(t.stats?.mean), num(t.stats?.std), num(t.stats?.min), num(t.stats?.max), num(t.stats?.zeros)] : []),
  ].join(','));
  return [`name,shape,dtype,elements,bytes${stats ? ',mean,std,min,max,zeros' : ''}`, ...lines].join('\n') + '\n';
}

export function formatWeightsMarkdown(r: WeightsReport): string {
  const head = headers(r);
  return [
    `| ${head.join(' | ')} |`,
    `| --- | --- | --- |${' ---: |'.repeat(head.length - 3)}`,
    ...rows(r).map((row) => `| ${row.map(mdText).join(' | ')} |`),
    '',
    `- ${mdText(totalsLine(r))}`,
    ...r.warnings.map((w) => `- warning: ${mdText(w)}`),
    ...skippedLines(r).map((w) => `- ${mdText(w)}`),
  ].join('\n') + '\n';
}

/** The page style: VS Code's theme colours where a webview has them, plain ones elsewhere. */
const PAGE_STYLE = `
body { font: var(--vscode-font-size, 13px)/1.45 var(--vscode-font-family, system-ui, sans-serif); color: var(--vscode-foreground, #1f2328); background: var(--vscode-editor-background, #fff); margin: 16px 20px; }
h1 { font-size: 16px; margin: 0 0 2px; }
.note { color: var(--vscode-descriptionForeground, #59636e); margin: 0 0 12px; }
dl { display: flex; flex-wrap: wrap; gap: 4px 28px; margin: 0 0 16px; }
dt { color: var(--vscode-descriptionForeground, #59636e); font-size: 11px; }
dd { margin: 0; font-size: 15px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 2px 12px 2px 0; text-align: left; white-space: nowrap; }
th { color: var(--vscode-descriptionForeground, #59636e); font-weight: 600; border-bottom: 1px solid var(--vscode-panel-border, #d0d7de); }
td.n, th.n { text-align: right; }
tr.module td { padding-top: 8px; font-weight: 600; }
tr.tensor td:first-child { padding-left: 16px; }
.error { color: var(--vscode-errorForeground, #cf222e); }
.actions { margin: 0 0 12px; }
a { color: var(--vscode-textLink-foreground, #0969da); }
`;

/** Links the page offers (command URIs in VS Code): statistics on request, a TorchScript archive's graph. */
export interface WeightsPageLinks {
  stats?: string;
  graph?: string;
  /** A line under the title (why the graph is not shown, progress). */
  note?: string;
}

/** A checkpoint's weights as a page with no scripts (`nonce` for its style); every model string is escaped. */
export function weightsHtml(r: WeightsReport, title: string, nonce: string, links: WeightsPageLinks = {}): string {
  const e = escapeHtml;
  const stats = hasStats(r);
  const byModule = new Map<string, WeightsReport['tensors']>();
  for (const t of r.tensors) {
    const m = moduleOf(t.name);
    byModule.set(m, [...(byModule.get(m) ?? []), t]);
  }
  const statTds = (t: WeightsTensor) => (stats ? statCells(t).map((c, i) => `<td class="n"${i === 0 && t.statsSkipped ? ` title="${e(t.statsSkipped)}"` : ''}>${e(c)}</td>`).join('') : '');
  const blank = stats ? '<td></td>'.repeat(STATS_HEADERS.length) : '';
  const rows: string[] = [];
  for (const g of r.groups) {
    rows.push(`<tr class="module"><td>${e(g.module || '(top level)')}</td><td></td><td></td><td class="n">${e(humanCount(g.elements))}</td><td class="n">${e(humanBytes(g.bytes))}</td>${blank}</tr>`);
    for (const t of byModule.get(g.module) ?? []) {
      const leaf = g.module ? t.name.slice(g.module.length + 1) : t.name;
      rows.push(`<tr class="tensor"><td title="${e(t.name)}">${e(leaf)}</td><td>${e(shapeText(t.shape))}</td><td>${e(t.dtype)}</td><td class="n" title="${e(exactText(t.elements))}">${e(humanCount(t.elements))}</td><td class="n">${e(humanBytes(t.bytes))}</td>${statTds(t)}</tr>`);
    }
  }
  const values = r.values.length ? `<p class="note">Also saved: ${r.values.slice(0, 12).map((v) => `${e(v.name)} = ${e(v.value)}`).join(', ')}${r.values.length > 12 ? ', …' : ''}</p>` : '';
  const warnings = r.warnings.map((w) => `<p class="error">${e(w)}</p>`).join('');
  const what = r.kind === 'torchscript'
    ? 'TorchScript archive: the weights it holds, read without running it (its graph is TorchScript code, which needs Python and torch).'
    : 'PyTorch checkpoint: the weights it holds, read without running it (a checkpoint has no graph: open the model\'s .py or an ONNX export to see one).';
  const actions = [
    links.graph ? `<a href="${e(links.graph)}">Open its graph (runs Python)</a>` : '',
    links.stats && !stats ? `<a href="${e(links.stats)}">Compute weight statistics</a> (reads ${e(humanBytes(r.totals.bytes))})` : '',
  ].filter(Boolean);
  const statHeads = stats ? STATS_HEADERS.map((h) => `<th class="n">${h}</th>`).join('') : '';
  return page(title, nonce, `<h1>${e(title)}</h1>
<p class="note">${e(what)}</p>
${links.note ? `<p class="note">${e(links.note)}</p>` : ''}
<dl><div><dt>Tensors</dt><dd>${e(exactText(r.totals.tensors))}</dd></div><div><dt>Elements</dt><dd>${e(exactText(r.totals.elements))} (${e(humanCount(r.totals.elements))})</dd></div><div><dt>Size</dt><dd>${e(humanBytes(r.totals.bytes))}</dd></div><div><dt>Modules</dt><dd>${e(exactText(r.groups.length))}</dd></div></dl>
${actions.length ? `<p class="actions">${actions.join(' · ')}</p>` : ''}
${warnings}${values}
<table><thead><tr><th>Module / tensor</th><th>Shape</th><th>Dtype</th><th class="n">Elements</th><th class="n">Bytes</th>${statHeads}</tr></thead><tbody>
${rows.join('\n')}
</tbody></table>`);
}

/** The same page saying why the file could not be read. */
export function weightsErrorHtml(title: string, message: string, nonce: string, links: WeightsPageLinks = {}): string {
  const e = escapeHtml;
  const graph = links.graph ? `<p class="actions"><a href="${e(links.graph)}">Open its graph (runs Python)</a></p>` : '';
  return page(title, nonce, `<h1>${e(title)}</h1>${links.note ? `<p class="note">${e(links.note)}</p>` : ''}${graph}<p class="error">${e(message)}</p>`);
}

function page(title: string, nonce: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'nonce-${nonce}'">
<title>${escapeHtml(title)}</title>
<style nonce="${nonce}">${PAGE_STYLE}</style>
</head><body>
${body}
</body></html>`;
}
