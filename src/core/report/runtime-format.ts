/**
 * Renderings of a measured (runtime) profile: the terminal table, CSV,
 * Markdown and a self-contained HTML page, like format.ts and html.ts do for
 * the static profile. Layers fused into another are folded into its row
 * (`+3 fused`); layers folded away or removed by the runtime are counted
 * in the summary. Model strings (layer, op and kernel names) are made
 * visible and CSV formulas neutralised, as in format.ts (safe-text.ts).
 */
import { shortProvider, type RuntimeLayer, type RuntimeReport } from '../timing/runtime-report';
import { ridgePoint } from '../timing/roofline';
import { formatShape, humanBytes } from './format';
import { escapeHtml, htmlPage } from './html';
import { csvNumber, csvText, mdText, visibleText } from './safe-text';
import { maxOf } from '../arrays';

const ms = (v: number) => (v >= 100 ? v.toFixed(1) : v >= 1 ? v.toFixed(2) : v.toFixed(3));
const pct = (v: number) => `${(v * 100).toFixed(1)}%`;
const gflops = (v: number | undefined) => (v === undefined ? '' : v >= 100 ? v.toFixed(0) : v.toFixed(1));

export { shortProvider };

export function summaryLines(r: RuntimeReport): string[] {
  const dev = r.devices.map((d) => `${d.name}${d.cores ? ` (${d.cores} threads)` : ''}${d.memoryBytes ? `, ${humanBytes(d.memoryBytes)}` : ''}`).join('; ');
  const m = r.memory;
  const ran = r.layers.filter((l) => l.status === 'ran').length;
  const fused = r.layers.filter((l) => l.status === 'fused').length;
  const folded = r.layers.filter((l) => l.status === 'folded').length;
  const removed = r.layers.filter((l) => l.status === 'eliminated').length;
  const lines = [
    `Engine: ${r.engine.name} ${r.engine.version}${r.engine.backend ? ` (${r.engine.backend})` : ''}; ran on ${r.providers.map(shortProvider).join(', ') || '?'} (asked: ${r.requested})`,
    `Device: ${dev}`,
    `Inputs: ${r.inputs.map((t) => `${t.name} ${formatShape(t.shape)} ${t.dtype ?? '?'}`).join(', ')} (batch ${r.batch})`,
    `Latency over ${r.runs} runs after ${r.warmup} warm-up: p50 ${ms(r.latencyMs.p50)} ms, p90 ${ms(r.latencyMs.p90)} ms, min ${ms(r.latencyMs.min)} ms; ${r.throughput.toFixed(1)} samples/s`,
    `Kernels: ${ms(r.kernelSumMs)} ms per run (${pct(r.kernelSumMs / r.latencyMs.p50)} of p50${r.engineMs ? `; onnxruntime's own run time p50 ${ms(r.engineMs.p50)} ms` : ''}); ${ran} layers ran, ${fused} fused into them, ${folded} folded as constants, ${removed} removed`,
    `Memory: peak ${humanBytes(m.peakRssBytes)} resident (${humanBytes(m.measuredInferenceBytes)} above the ${humanBytes(m.baselineRssBytes)} before the session)${m.gpuBytes !== undefined ? `, GPU ${humanBytes(m.gpuBytes)}` : ''}; static: ${humanBytes(m.staticPeakActivationBytes)} peak activations + ${humanBytes(m.paramBytes)} weights`,
  ];
  if (r.peaks) lines.push(`Roofline: ${(r.peaks.flopsPerSec / 1e9).toFixed(0)} GFLOP/s and ${(r.peaks.bytesPerSec / 1e9).toFixed(1)} GB/s measured on ${r.peaks.device}; ridge at ${ridgePoint(r.peaks).toFixed(1)} FLOP/byte${r.peaks.note ? ` (${r.peaks.note})` : ''}`);
  return lines;
}

const HEADERS = ['#', 'Layer', 'Op', 'Time ms', 'Share', 'GFLOP/s', 'Bound', 'Provider', 'Fused'];
const NUMERIC = new Set([0, 3, 4, 5]);

function row(l: RuntimeLayer, i: number): string[] {
  const extra = (l.fusedLayers?.length ?? 1) - 1;
  return [String(i + 1), visibleText(l.name), visibleText(l.op), ms(l.timeMs), pct(l.share), gflops(l.gflops), l.bound ?? '', visibleText((l.providers ?? []).map(shortProvider).join(',')), extra > 0 ? `+${extra}` : ''];
}

/** Layers with time, in graph order, numbered as in the static table. */
function timedRows(r: RuntimeReport): string[][] {
  const out: string[][] = [];
  r.layers.forEach((l, i) => {
    if (l.status === 'ran') out.push(row(l, i));
  });
  for (const k of r.inserted) out.push(['', visibleText(k.name), visibleText(`${k.op} (inserted)`), ms(k.timeMs), pct(k.share), '', '', visibleText(shortProvider(k.provider)), '']);
  return out;
}

export function formatRuntimeTable(r: RuntimeReport, maxName = 48): string {
  const body = timedRows(r).map((c) => {
    if (c[1].length > maxName) c[1] = '…' + c[1].slice(c[1].length - maxName + 1);
    return c;
  });
  const all = [HEADERS, ...body];
  const widths = HEADERS.map((_, c) => maxOf(all.map((x) => x[c].length), 0));
  const line = (x: string[]) => x.map((cell, c) => (NUMERIC.has(c) ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join('  ').trimEnd();
  return [
    ...summaryLines(r).map(visibleText),
    ...r.notices.map((n) => `notice: ${visibleText(n)}`),
    '',
    line(HEADERS),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    `Memory: ${visibleText(r.memory.explanation)}`,
    ...r.warnings.map((w) => `warning: ${visibleText(w)}`),
  ].join('\n');
}

export function formatRuntimeCsv(r: RuntimeReport): string {
  const header = ['index', 'name', 'op', 'status', 'fused_into', 'time_ms', 'time_p90_ms', 'time_min_ms', 'share', 'flops', 'gflops_per_s', 'intensity_flops_per_byte', 'bound', 'providers', 'kernels'];
  const lines = r.layers.map((l, i) =>
    [String(i + 1), csvText(l.name), csvText(l.op), l.status, csvText(l.fusedInto ?? ''), csvNumber(l.timeMs), csvNumber(l.timeP90Ms), csvNumber(l.timeMinMs), csvNumber(l.share), csvNumber(l.flops), csvNumber(l.gflops),
      csvNumber(l.intensity), l.bound ?? '', csvText((l.providers ?? []).join(' ')), csvText((l.kernels ?? []).join(' '))]
      .join(','),
  );
  const inserted = r.inserted.map((k) => ['', csvText(k.name), csvText(k.op), 'inserted', '', csvNumber(k.timeMs), '', '', csvNumber(k.share), '', '', '', '', csvText(k.provider), csvText(k.name)].join(','));
  return [header.join(','), ...lines, ...inserted].join('\n') + '\n';
}

export function formatRuntimeMarkdown(r: RuntimeReport): string {
  return [
    ...summaryLines(r).map((l) => `- ${mdText(l)}`),
    ...r.notices.map((n) => `- notice: ${mdText(n)}`),
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, c) => (NUMERIC.has(c) ? ' ---: ' : ' --- ')).join('|')}|`,
    ...timedRows(r).map((c) => `| ${c.map(mdText).join(' | ')} |`),
    '',
    `Memory: ${mdText(r.memory.explanation)}`,
    ...r.warnings.map((w) => `- warning: ${mdText(w)}`),
  ].join('\n') + '\n';
}

export function formatRuntimeHtml(r: RuntimeReport, o: { title: string; generatedAt?: string }): string {
  const e = escapeHtml;
  const rows = timedRows(r).map((c) => `<tr>${c.map((x, k) => `<td${NUMERIC.has(k) ? ' class="num"' : ''}>${e(x)}</td>`).join('')}</tr>`);
  return htmlPage(`${o.title} — ConvLens runtime profile`, `<h1>${e(o.title)} — measured</h1>
<ul class="io">${summaryLines(r).map((l) => `<li>${e(l)}</li>`).join('')}</ul>
${r.notices.length ? `<ul class="warnings">${r.notices.map((n) => `<li>${e(n)}</li>`).join('')}</ul>` : ''}
<table>
<thead><tr>${HEADERS.map((h) => `<th>${e(h)}</th>`).join('')}</tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<p>${e(r.memory.explanation)}</p>
${r.warnings.length ? `<ul class="warnings">${r.warnings.map((w) => `<li>${e(w)}</li>`).join('')}</ul>` : ''}
<footer>ConvLens runtime profile${o.generatedAt ? ` · ${e(o.generatedAt)}` : ''} · times are medians over the timed runs, from the runtime's own profiler; a layer's time includes the layers fused into it.</footer>`);
}
