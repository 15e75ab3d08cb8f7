/**
 * Renderings of a profile report: an aligned text table for terminals,
 * CSV, and Markdown.
 */
import type { LayerReport, ProfileReport, TensorReport } from './profile';
import { nullProto } from '../lookup';

export function formatShape(shape: TensorReport['shape']): string {
  return shape ? shape.join('×') : '?';
}

/** 25557032 → "25.56 M" */
export function humanCount(n: number): string {
  const abs = Math.abs(n);
  if (abs >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (abs >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return String(n);
}

/** 4.09e9, 'MACs' → "4.09 GMACs"; 108 → "108 MACs" */
export function withUnit(n: number, unit: string): string {
  const h = humanCount(n);
  return /[KMGT]$/.test(h) ? `${h}${unit}` : `${h} ${unit}`;
}

export function humanBytes(n: number): string {
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

const BYTE_UNITS: Record<string, number> = nullProto({ b: 1, kb: 1e3, kib: 2 ** 10, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30, tb: 1e12, tib: 2 ** 40 });

/** "8GiB", "512 MB", "1.5 gib", "4096" (bytes) → bytes; null when unreadable. */
export function parseByteSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?$/i.exec(s.trim());
  if (!m) return null;
  return Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()];
}

export function formatField(rf: LayerReport['receptiveField']): string {
  if (!rf) return '';
  if ('global' in rf) return 'global';
  return `${rf.size.join('×')} /${rf.stride.join('×')}`;
}

const HEADERS = ['#', 'Layer', 'Op', 'Output shape', 'Params', 'MACs', 'FLOPs', 'Receptive field', 'Activations'];

function rows(report: ProfileReport, human: boolean): string[][] {
  return report.layers.map((l, i) => [
    String(i + 1),
    l.name,
    l.op,
    l.outputs.map((o) => formatShape(o.shape)).join(', '),
    human ? (l.params ? humanCount(l.params) : '') : String(l.params),
    human ? (l.macs ? humanCount(l.macs) : '') : String(l.macs),
    human ? (l.flops ? humanCount(l.flops) : '') : String(l.flops),
    formatField(l.receptiveField),
    human ? (l.activationBytes ? humanBytes(l.activationBytes) : '') : String(l.activationBytes),
  ]);
}

export interface FormatOptions {
  /** Optimizer named in the training-memory line. */
  optimizer?: string;
}

function totalsLines(report: ProfileReport, opts: FormatOptions = {}): string[] {
  const t = report.totals;
  return [
    `Parameters: ${t.params.toLocaleString('en-US')} (${humanBytes(t.paramBytes)})`,
    `MACs: ${t.macs.toLocaleString('en-US')} (${withUnit(t.macs, 'MACs')}; torchvision/fvcore call these FLOPs)`,
    `FLOPs: ${t.flops.toLocaleString('en-US')} (${withUnit(t.flops, 'FLOPs')} = 2 × MACs + bias and element-wise work)`,
    `Activations: ${humanBytes(t.activationBytes)} in total, ${humanBytes(t.peakActivationBytes)} peak during inference`,
    `Training memory (${opts.optimizer ?? 'adam'}: params + gradients + optimizer state + saved activations): ${humanBytes(t.trainingBytes)}`,
  ];
}

/** The terminal table: aligned columns, long names truncated from the left. */
export function formatTable(report: ProfileReport, opts: FormatOptions = {}, maxName = 48): string {
  const body = rows(report, true).map((r) => {
    if (r[1].length > maxName) r[1] = '…' + r[1].slice(r[1].length - maxName + 1);
    return r;
  });
  const all = [HEADERS, ...body];
  const widths = HEADERS.map((_, c) => Math.max(...all.map((r) => r[c].length)));
  const numeric = new Set([0, 4, 5, 6, 8]);
  const line = (r: string[]) => r.map((cell, c) => (numeric.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  const io = (label: string, ts: TensorReport[]) => `${label}: ${ts.map((t) => `${t.name} ${formatShape(t.shape)} ${t.dtype ?? '?'}`).join(', ')}`;
  return [
    io('Inputs', report.inputs),
    io('Outputs', report.outputs),
    '',
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    ...totalsLines(report, opts),
    ...report.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

export function csvCell(s: string): string {
  return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function formatCsv(report: ProfileReport): string {
  const header = ['index', 'name', 'op', 'output_shape', 'params', 'macs', 'flops', 'rf_size', 'rf_stride', 'rf_offset', 'activation_bytes'];
  const lines = report.layers.map((l, i) => {
    const rf = l.receptiveField;
    const [size, stride, offset] = !rf ? ['', '', ''] : 'global' in rf ? ['global', '', ''] : [rf.size.join('x'), rf.stride.join('x'), rf.offset.join(' ')];
    return [String(i + 1), l.name, l.op, l.outputs.map((o) => formatShape(o.shape).replace(/×/g, 'x')).join(' '), String(l.params), String(l.macs), String(l.flops), size, stride, offset, String(l.activationBytes)]
      .map(csvCell)
      .join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function mdCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/[<>]/g, (c) => (c === '<' ? '&lt;' : '&gt;')).replace(/\n/g, ' ');
}

export function formatMarkdown(report: ProfileReport, opts: FormatOptions = {}): string {
  const body = rows(report, true);
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, c) => ([0, 4, 5, 6, 8].includes(c) ? ' ---: ' : ' --- ')).join('|')}|`,
    ...body.map((r) => `| ${r.map(mdCell).join(' | ')} |`),
    '',
    ...totalsLines(report, opts).map((l) => `- ${mdCell(l)}`),
    ...report.warnings.map((w) => `- warning: ${mdCell(w)}`),
  ].join('\n') + '\n';
}
