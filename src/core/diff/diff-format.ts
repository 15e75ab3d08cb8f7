/**
 * A model diff for people: the terminal table and the Markdown a pull-request
 * comment takes (totals with deltas and percentages, then the layers that
 * changed, were added or removed). The JSON is the ModelDiff itself.
 */
import type { Figure } from '../../shared/exact';
import { humanBytes, humanCount, withUnit } from '../report/format';
import { mdText, visibleText } from '../report/safe-text';
import type { DeltaFigure, DiffLayer, ModelDiff } from './model-diff';

/** The totals a diff compares, as people read them (the CLI's table, the compare view's header). */
export const DIFF_TOTALS: { key: DeltaFigure; label: string; human: (n: number) => string }[] = [
  { key: 'params', label: 'Parameters', human: humanCount },
  { key: 'macs', label: 'MACs', human: (n) => withUnit(n, 'MACs') },
  { key: 'flops', label: 'FLOPs', human: (n) => withUnit(n, 'FLOPs') },
  { key: 'activationBytes', label: 'Activations', human: humanBytes },
  { key: 'peakActivationBytes', label: 'Peak inference memory', human: humanBytes },
  { key: 'trainingBytes', label: 'Training memory', human: humanBytes },
];

/** `+1.2 M (+10.4%)`, `−3.0 MiB (−2.1%)`, `0`, `?`. */
export function deltaText(delta: number | null, before: Figure, human: (n: number) => string): string {
  if (delta === null) return '?';
  if (delta === 0) return '0';
  const sign = delta > 0 ? '+' : '−';
  const pct = before ? ` (${sign}${((Math.abs(delta) / before) * 100).toFixed(1)}%)` : '';
  return `${sign}${human(Math.abs(delta))}${pct}`;
}

const figureText = (x: Figure, human: (n: number) => string) => (x === null ? '?' : human(x));

function totalsRows(d: ModelDiff): string[][] {
  return DIFF_TOTALS.map((f) => [f.label, figureText(d.a.totals[f.key], f.human), figureText(d.b.totals[f.key], f.human), deltaText(d.delta[f.key], d.a.totals[f.key], f.human)]);
}

export function summaryText(d: ModelDiff): string {
  const s = d.summary;
  return `${s.changed} changed, ${s.added} added, ${s.removed} removed, ${s.unchanged} unchanged layers`;
}

const MARK: Record<DiffLayer['status'], string> = { added: '+', removed: '-', changed: '~', unchanged: ' ' };

function layerName(l: DiffLayer): string {
  if (l.a && l.b && l.a !== l.b) return `${l.a} → ${l.b}`;
  return l.b ?? l.a ?? '?';
}

function layerDelta(l: DiffLayer): string {
  if (!l.delta) return '';
  const parts: string[] = [];
  if (l.delta.params) parts.push(`params ${deltaText(l.delta.params, null, humanCount)}`);
  if (l.delta.macs) parts.push(`MACs ${deltaText(l.delta.macs, null, humanCount)}`);
  if (l.delta.activationBytes) parts.push(`memory ${deltaText(l.delta.activationBytes, null, humanBytes)}`);
  return parts.join(', ');
}

/** The terminal report: totals A → B with deltas, the counts, then every layer that is not unchanged. */
export function formatDiffTable(d: ModelDiff): string {
  const head = ['', 'A', 'B', 'Δ'];
  const rows = [head, ...totalsRows(d)];
  const widths = head.map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const out = [`A: ${visibleText(d.a.file)}`, `B: ${visibleText(d.b.file)}`, '', ...rows.map(line), '', summaryText(d)];
  if (d.summary.unrelated) out.push(`note: ${visibleText(d.summary.unrelated)}`);
  const listed = d.layers.filter((l) => l.status !== 'unchanged');
  if (listed.length) out.push('');
  for (const l of listed) {
    const what = l.status === 'changed' ? ` [${l.changes.join(', ')}]` : '';
    const delta = layerDelta(l);
    out.push(`${MARK[l.status]} ${visibleText(layerName(l))} (${visibleText(l.op)})${what}${delta ? `  ${delta}` : ''}`);
  }
  return out.join('\n');
}

/** At most this many layers in the Markdown (a pull-request comment has a size limit). */
const MARKDOWN_LAYERS = 300;

/** Markdown for a pull-request comment: the totals with deltas, then the layers that changed. */
export function formatDiffMarkdown(d: ModelDiff): string {
  const out = [
    `**ConvLens diff**: \`${mdText(d.a.file)}\` → \`${mdText(d.b.file)}\``,
    '',
    '| | A | B | Δ |',
    '| --- | ---: | ---: | ---: |',
    ...totalsRows(d).map((r) => `| ${r.map(mdText).join(' | ')} |`),
    '',
    `${summaryText(d)}.`,
  ];
  if (d.summary.unrelated) out.push('', `> ${mdText(d.summary.unrelated)}`);
  const listed = d.layers.filter((l) => l.status !== 'unchanged');
  if (listed.length) {
    out.push('', '| | Layer | Op | What changed | Δ |', '| --- | --- | --- | --- | --- |');
    for (const l of listed.slice(0, MARKDOWN_LAYERS)) {
      out.push(`| ${l.status} | ${mdText(layerName(l))} | ${mdText(l.op)} | ${l.changes.join(', ')} | ${mdText(layerDelta(l))} |`);
    }
    if (listed.length > MARKDOWN_LAYERS) out.push('', `…and ${listed.length - MARKDOWN_LAYERS} more (\`convlens diff --json\` lists them all).`);
  }
  return out.join('\n') + '\n';
}
