/**
 * The batch-size sweep as a small chart: throughput (samples/s, left axis)
 * and median latency (ms, right axis) against the batch (log₂ axis), and
 * where memory ran out. SVG built with createElementNS (no markup strings);
 * `sweepChart` computes the geometry and is tested in Node.
 */
import type { SweepReport } from '../../src/protocol';

export interface SweepChart {
  width: number;
  height: number;
  /** Plot area. */
  left: number;
  right: number;
  top: number;
  bottom: number;
  points: { batch: number; x: number; throughputY: number; latencyY: number; throughput: number; latencyMs: number }[];
  maxThroughput: number;
  maxLatency: number;
}

/** A rounded-up axis maximum: 1, 2 or 5 × 10ⁿ. */
export function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

export function sweepChart(s: SweepReport, width = 360, height = 160): SweepChart {
  const [left, right, top, bottom] = [48, width - 48, 12, height - 28];
  const maxThroughput = niceMax(Math.max(0, ...s.points.map((p) => p.throughput)));
  const maxLatency = niceMax(Math.max(0, ...s.points.map((p) => p.latencyMs.p50)));
  // Evenly spaced on log₂(batch), the stopping batch included so that it has a place.
  const batches = [...s.points.map((p) => p.batch), ...(s.stopped ? [s.stopped.batch] : [])];
  const lo = Math.log2(Math.min(...batches, 1));
  const hi = Math.log2(Math.max(...batches, 2));
  const x = (b: number) => left + ((Math.log2(b) - lo) / (hi - lo || 1)) * (right - left);
  const y = (v: number, max: number) => bottom - (v / max) * (bottom - top);
  return {
    width, height, left, right, top, bottom, maxThroughput, maxLatency,
    points: s.points.map((p) => ({ batch: p.batch, x: x(p.batch), throughputY: y(p.throughput, maxThroughput), latencyY: y(p.latencyMs.p50, maxLatency), throughput: p.throughput, latencyMs: p.latencyMs.p50 })),
  };
}

const SVG = 'http://www.w3.org/2000/svg';

function svgEl(tag: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

export function renderSweep(host: HTMLElement, s: SweepReport | null): void {
  if (!s || s.points.length === 0) {
    host.replaceChildren();
    return;
  }
  const c = sweepChart(s);
  const svg = svgEl('svg', { class: 'sweep-chart', viewBox: `0 0 ${c.width} ${c.height}`, width: c.width, height: c.height, role: 'img', 'aria-label': 'Throughput and latency by batch size' }) as SVGSVGElement;
  svg.append(
    svgEl('line', { x1: c.left, y1: c.bottom, x2: c.right, y2: c.bottom, class: 'sweep-axis' }),
    svgEl('line', { x1: c.left, y1: c.top, x2: c.left, y2: c.bottom, class: 'sweep-axis' }),
    svgEl('line', { x1: c.right, y1: c.top, x2: c.right, y2: c.bottom, class: 'sweep-axis' }),
    svgEl('text', { x: c.left - 4, y: c.top + 8, class: 'sweep-label sweep-throughput', 'text-anchor': 'end' }, String(c.maxThroughput)),
    svgEl('text', { x: c.left - 4, y: c.bottom, class: 'sweep-label', 'text-anchor': 'end' }, '0'),
    svgEl('text', { x: c.right + 4, y: c.top + 8, class: 'sweep-label sweep-latency' }, `${c.maxLatency} ms`),
    svgEl('text', { x: c.left, y: c.height - 2, class: 'sweep-label sweep-throughput' }, 'samples/s'),
    svgEl('text', { x: c.right, y: c.height - 2, class: 'sweep-label sweep-latency', 'text-anchor': 'end' }, 'p50 latency'),
  );
  for (const p of c.points) svg.append(svgEl('text', { x: p.x, y: c.bottom + 12, class: 'sweep-label', 'text-anchor': 'middle' }, String(p.batch)));
  const line = (key: 'throughputY' | 'latencyY', cls: string) => svgEl('polyline', { points: c.points.map((p) => `${p.x.toFixed(1)},${p[key].toFixed(1)}`).join(' '), class: cls });
  svg.append(line('throughputY', 'sweep-line sweep-throughput'), line('latencyY', 'sweep-line sweep-latency'));
  for (const p of c.points) {
    const dot = svgEl('circle', { cx: p.x, cy: p.throughputY, r: 3, class: 'sweep-dot sweep-throughput' });
    dot.append(svgEl('title', {}, `batch ${p.batch}: ${p.throughput.toFixed(1)} samples/s, p50 ${p.latencyMs.toFixed(2)} ms`));
    svg.append(dot, svgEl('circle', { cx: p.x, cy: p.latencyY, r: 3, class: 'sweep-dot sweep-latency' }));
  }
  const note = document.createElement('p');
  note.className = 'sweep-note';
  const best = s.points.reduce((a, b) => (b.throughput > a.throughput ? b : a));
  note.textContent = `Best throughput ${best.throughput.toFixed(1)} samples/s at batch ${best.batch}. ${s.stopped ? s.stopped.message : `No memory limit reached up to batch ${s.points[s.points.length - 1].batch}.`}`;
  host.replaceChildren(svg, note);
}
