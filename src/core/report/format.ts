/**
 * Renderings of a profile report: an aligned text table for terminals,
 * CSV, and Markdown. Unknown figures (null) read `?` (empty in CSV); totals
 * that leave unknown figures out read `≥ …` with a footnote. Model strings
 * pass through safe-text.ts: controls shown as escapes, CSV formulas
 * neutralised, Markdown syntax escaped.
 */
import { nullProto } from '../lookup';
import { formatCount } from '../errors';
import type { BatchFit, LayerReport, ProfileReport, TensorReport, TotalFigure, Totals } from './profile';
import { csvNumber, csvText, mdText, visibleText } from './safe-text';

export function formatShape(shape: TensorReport['shape']): string {
  return shape ? shape.join('×') : '?';
}

/** What an unknown figure reads as, and what its tooltip says. */
export const UNKNOWN = '?';
export const UNKNOWN_TITLE = 'unknown: a shape it needs could not be inferred, its operator is unknown, or the count is too large to be exact (see the warnings)';

/** A figure that can be shown: a finite, non-negative number. */
const showable = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

/** 25557032 → "25.56 M"; unknown → "?" */
export function humanCount(n: number | null): string {
  if (!showable(n)) return UNKNOWN;
  if (n >= 1e12) return `${(n / 1e12).toFixed(2)} T`;
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return String(n);
}

/** 4.09e9, 'MACs' → "4.09 GMACs"; 108 → "108 MACs"; unknown → "? MACs" */
export function withUnit(n: number | null, unit: string): string {
  const h = humanCount(n);
  return /[KMGT]$/.test(h) ? `${h}${unit}` : `${h} ${unit}`;
}

export function humanBytes(n: number | null): string {
  if (!showable(n)) return UNKNOWN;
  if (n >= 2 ** 30) return `${(n / 2 ** 30).toFixed(2)} GiB`;
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** An exact count with thousands separators; unknown → "?". */
export function exactText(n: number | null): string {
  return showable(n) ? formatCount(n) : UNKNOWN;
}

/**
 * A total as text: `text(value)`, prefixed `≥ ` when it leaves unknown layer
 * figures out (partial), or "unknown" when even the known part is too large
 * to be exact.
 */
export function totalText<K extends TotalFigure>(t: Pick<Totals, K | 'partial'>, key: K, text: (n: number) => string): string {
  const v = t[key];
  if (!showable(v)) return 'unknown';
  return t.partial.includes(key) ? `≥ ${text(v)}` : text(v);
}

/** A layer figure for hovers and details: "unknown" when null, else `text(n)`. */
export function figureText(n: number | null, text: (n: number) => string): string {
  return showable(n) ? text(n) : 'unknown';
}

/** The footnote for `≥` totals, or undefined when every total is complete. */
export function partialNote(t: Totals): string | undefined {
  if (t.partial.length === 0) return undefined;
  return '≥: partial total, the sum of the known figures; layers whose figures are unknown (?) are left out (see the warnings)';
}

const BYTE_UNITS: Record<string, number> = nullProto({ b: 1, kb: 1e3, kib: 2 ** 10, mb: 1e6, mib: 2 ** 20, gb: 1e9, gib: 2 ** 30, tb: 1e12, tib: 2 ** 40 });

/** "8GiB", "512 MB", "1.5 gib", "4096" (bytes) → whole bytes; null when unreadable or beyond 2^53 − 1. */
export function parseByteSize(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|kib|mb|mib|gb|gib|tb|tib)?$/i.exec(s.trim());
  if (!m) return null;
  const bytes = Math.floor(Number(m[1]) * BYTE_UNITS[(m[2] ?? 'b').toLowerCase()]);
  return Number.isSafeInteger(bytes) ? bytes : null;
}

export function formatField(rf: LayerReport['receptiveField']): string {
  if (!rf) return '';
  if ('global' in rf) return 'global';
  return `${rf.size.join('×')} /${rf.stride.join('×')}`;
}

const HEADERS = ['#', 'Layer', 'Op', 'Output shape', 'Params', 'MACs', 'FLOPs', 'Receptive field', 'Activations'];
const NUMERIC = new Set([0, 4, 5, 6, 8]);

/** A layer figure in the human table: '' for 0 (a Relu has no parameters), '?' when unknown. */
const humanCell = (n: number | null, text: (n: number) => string): string => (n === 0 ? '' : n === null ? UNKNOWN : text(n));

/** The human table's cells; model strings are made visible (safe-text.ts). */
function rows(report: ProfileReport): string[][] {
  return report.layers.map((l, i) => [
    String(i + 1),
    visibleText(l.name),
    visibleText(l.op),
    visibleText(l.outputs.map((o) => formatShape(o.shape)).join(', ')),
    humanCell(l.params, humanCount),
    humanCell(l.macs, humanCount),
    humanCell(l.flops, humanCount),
    formatField(l.receptiveField),
    humanCell(l.activationBytes, humanBytes),
  ]);
}

export interface FormatOptions {
  /** Optimizer named in the training-memory line. */
  optimizer?: string;
}

/** The totals as lines of our own text (model strings: none). */
export function totalsLines(report: ProfileReport, opts: FormatOptions = {}): string[] {
  const t = report.totals;
  const lines = [
    `Parameters: ${totalText(t, 'params', exactText)} (${totalText(t, 'paramBytes', humanBytes)})`,
    `MACs: ${totalText(t, 'macs', exactText)} (${totalText(t, 'macs', (n) => withUnit(n, 'MACs'))}; torchvision/fvcore call these FLOPs)`,
    `FLOPs: ${totalText(t, 'flops', exactText)} (${totalText(t, 'flops', (n) => withUnit(n, 'FLOPs'))} = 2 × MACs + bias and element-wise work)`,
    `Activations: ${totalText(t, 'activationBytes', humanBytes)} in total, ${totalText(t, 'peakActivationBytes', humanBytes)} peak during inference`,
    `Training memory (${opts.optimizer ?? 'adam'}): ${totalText(t, 'trainingBytes', humanBytes)} kept (${trainingParts(report)}), ${totalText(t, 'trainingPeakBytes', humanBytes)} peak in backward`,
    ...report.training.notes.map((n) => `Training memory: ${n}`),
  ];
  const torch = report.pytorch;
  if (torch) lines.splice(1, 0, `Buffers: ${exactText(torch.buffers)} (${humanBytes(torch.bufferBytes)}; running statistics and other state, not parameters)`);
  const note = partialNote(t);
  return note ? [...lines, note] : lines;
}

/** What the training figure is made of: measured in torch, or saved tensors + the parameters' three parts. */
function trainingParts(report: ProfileReport): string {
  const tr = report.training;
  if (tr.measured) return `measured in torch ${tr.measured.torch}`;
  const f = (n: number | null) => figureText(n, humanBytes);
  return `saved for backward ${f(tr.savedBytes)} + parameters ${f(tr.paramBytes)} + gradients ${f(tr.gradientBytes)} + optimizer state ${f(tr.optimizerStateBytes)}`;
}

/** What the shapes' layout is, where it is not the IR's NCHW (Keras and TF.js layers models); else nothing. */
export function layoutText(report: Pick<ProfileReport, 'layout'>): string | undefined {
  return report.layout === 'NHWC' ? 'Shapes: NHWC (channels last), as Keras and TF.js show them' : undefined;
}

/** How many exporter nodes were folded into the layers (analysis/folding.ts), by op; else nothing. */
export function foldedText(report: Pick<ProfileReport, 'layers' | 'foldedNodes'>): string | undefined {
  if (report.foldedNodes.length === 0) return undefined;
  const byOp = new Map<string, number>();
  for (const n of report.foldedNodes) byOp.set(n.op, (byOp.get(n.op) ?? 0) + 1);
  const ops = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([op, k]) => `${k} ${visibleText(op)}`);
  const n = report.foldedNodes.length;
  return `Layers: ${report.layers.length}; ${n} constant and shape node${n === 1 ? '' : 's'} (${ops.join(', ')}${byOp.size > 4 ? ', …' : ''}) folded into the layers that read them (--all-nodes lists them)`;
}

const ioText = (label: string, ts: TensorReport[]) => `${label}: ${ts.map((t) => `${t.name} ${formatShape(t.shape)} ${t.dtype ?? '?'}`).join(', ')}`;

/** The terminal table: aligned columns, long names truncated from the left. */
export function formatTable(report: ProfileReport, opts: FormatOptions = {}, maxName = 48): string {
  const body = rows(report);
  const widths = HEADERS.map((h) => h.length);
  for (const r of body) {
    if (r[1].length > maxName) r[1] = '…' + r[1].slice(r[1].length - maxName + 1);
    for (let c = 0; c < r.length; c++) if (r[c].length > widths[c]) widths[c] = r[c].length;
  }
  const line = (r: string[]) => {
    let out = '';
    for (let c = 0; c < r.length; c++) {
      if (c > 0) out += '  ';
      out += NUMERIC.has(c) ? r[c].padStart(widths[c]) : r[c].padEnd(widths[c]);
    }
    return out.trimEnd();
  };
  const lines = [
    visibleText(ioText('Inputs', report.inputs)),
    visibleText(ioText('Outputs', report.outputs)),
    ...[layoutText(report) ?? []].flat(),
    ...[foldedText(report) ?? []].flat(),
    '',
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('  '),
  ];
  for (const r of body) lines.push(line(r));
  lines.push('', ...totalsLines(report, opts));
  for (const w of report.warnings) lines.push(`warning: ${visibleText(w)}`);
  return lines.join('\n');
}

/** One row per layer; model strings as `csvText`, numbers exact, unknown figures empty. */
export function formatCsv(report: ProfileReport): string {
  const header = ['index', 'name', 'op', 'output_shape', 'params', 'macs', 'flops', 'rf_size', 'rf_stride', 'rf_offset', 'activation_bytes'];
  const lines = report.layers.map((l, i) => {
    const rf = l.receptiveField;
    // An offset is negative where the field starts in the padding: `-1.5 -1.5` would start a formula, so it is text (csvText).
    const [size, stride, offset] = !rf ? ['', '', ''] : 'global' in rf ? ['global', '', ''] : [rf.size.join('x'), rf.stride.join('x'), rf.offset.join(' ')];
    return [
      String(i + 1), csvText(l.name), csvText(l.op), csvText(l.outputs.map((o) => formatShape(o.shape).replace(/×/g, 'x')).join(' ')),
      csvNumber(l.params), csvNumber(l.macs), csvNumber(l.flops), size, stride, csvText(offset), csvNumber(l.activationBytes),
    ].join(',');
  });
  return [header.join(','), ...lines].join('\n') + '\n';
}

export function formatMarkdown(report: ProfileReport, opts: FormatOptions = {}): string {
  const body = rows(report);
  return [
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, c) => (NUMERIC.has(c) ? ' ---: ' : ' --- ')).join('|')}|`,
    // rows() already made the model strings visible; mdText escapes the Markdown syntax left.
    ...body.map((r) => `| ${r.map(mdText).join(' | ')} |`),
    '',
    ...[...totalsLines(report, opts), ...[layoutText(report) ?? []].flat(), ...[foldedText(report) ?? []].flat()].map((l) => `- ${mdText(l)}`),
    ...report.warnings.map((w) => `- warning: ${mdText(w)}`),
  ].join('\n') + '\n';
}

/** `--budget`'s answer: the largest training batch that fits, or why it cannot be known. */
export function formatBatchFit(budgetBytes: number, fit: BatchFit): string {
  const within = `Largest training batch within ${humanBytes(budgetBytes)}`;
  if (fit.refusal && (fit.batch === null || fit.perSampleBytes === null)) {
    const what = fit.batch === null ? 'unknown' : `${fit.batch} (${humanBytes(fit.bytesAtBatch)})`;
    return `${within}: ${what}; the graph takes no other batch (${fit.refusal})`;
  }
  if (fit.batch === null) return `${within}: unknown (training memory is not known in full; see the warnings)`;
  if (fit.batch === 'unbounded') return `${within}: any (memory does not grow with the batch; ${humanBytes(fit.bytesAtBatch)})`;
  return `${within}: ${fit.batch} (${humanBytes(fit.bytesAtBatch)}; ${humanBytes(fit.perSampleBytes)} per sample)`;
}
