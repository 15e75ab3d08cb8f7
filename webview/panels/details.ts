/**
 * The details panel of the selected layer: op and docs, metrics, attributes,
 * inputs and outputs, weights with statistics on request (computed by the
 * extension, never up front) and the doc string; in a compare view, first
 * the layer's status and its figures in A and B (compare.ts). Every model
 * string is set as text.
 */
import type { LayerReport, ProfileReport, TensorReport } from '../../src/core/report/profile';
import type { RuntimeView } from '../../src/protocol';
import type { ConstantView, LayerView, WeightView } from '../../src/core/report/layer-view';
import { layerInputs, tensorIndex } from './layer-inputs';
import type { WeightStats } from '../../src/core/analysis/weight-stats';
import { figureText, formatShape, humanBytes, humanCount, withUnit } from '../../src/core/report/format';
import { dtypeBytes } from '../../src/core/dtype';
import { operatorDocsUrl } from '../../src/protocol';
import { button, progressRing } from '../ui/toolkit';
import { visibleLines, visibleText } from '../../src/core/report/safe-text';
import type { CompareData } from '../../src/core/diff/compare-view';
import { compareSection } from './compare';
import { el } from '../ui/dom';
import { shareOf } from './table-rows';

export interface DetailsHost {
  requestWeightStats(layer: number, input: number): Promise<WeightStats>;
  openDocs(op: string, domain: string): void;
  /** When given, the panel shows a close button that calls it. */
  onClose?(): void;
}

const exact = (n: number) => n.toLocaleString('en-US');

/** A doc string keeps its line breaks (shown pre-wrap); its other control characters are escaped like every model string. */
function docText(doc: string): HTMLElement {
  const p = el('p', undefined, 'details-doc');
  p.textContent = visibleLines(doc);
  return p;
}

function section(title: string, ...content: Node[]): HTMLElement {
  const s = el('section', undefined, 'details-section');
  s.append(el('h3', title), ...content);
  return s;
}

/** A layer's measured figures: its time (with what was fused into it), or where its time went. */
export function measuredRows(r: NonNullable<RuntimeView['layers'][number]>, view: RuntimeView): [string, string][] {
  const s = view.summary;
  const at = `median of ${s.runs} runs, batch ${s.batch}`;
  const t = (ms: number) => (ms >= 1 ? `${ms.toFixed(3)} ms` : `${(ms * 1000).toFixed(1)} µs`);
  if (r.status === 'fused') return [['Time', `fused into ${r.fusedInto?.name ?? '?'}, whose time includes this layer`]];
  if (r.status === 'folded') return [['Time', 'none: a constant computation, folded when the session was created']];
  if (r.status === 'eliminated') return [['Time', 'none: removed by the runtime (no-op at inference)']];
  const rows: [string, string][] = [
    ['Time', `${t(r.timeMs)} (${at})`],
    ['Share', `${(r.share * 100).toFixed(1)}% of the kernel time`],
  ];
  if (r.timeP90Ms !== undefined && r.timeMinMs !== undefined) rows.push(['Spread', `p90 ${t(r.timeP90Ms)}, min ${t(r.timeMinMs)}`]);
  if (r.gflops !== undefined) rows.push(['Achieved', `${r.gflops.toFixed(1)} GFLOP/s`]);
  if (r.bound) rows.push(['Roofline', `${r.bound}-bound${s.peaks ? ` (ridge ${(s.peaks.flopsPerSec / s.peaks.bytesPerSec).toFixed(1)} FLOP/byte)` : ''}`]);
  if (r.providers?.length) rows.push(['Ran on', r.providers.join(', ')]);
  if (r.kernelOps?.length) rows.push(['Kernels', r.kernelOps.join(', ')]);
  if (r.fused?.length) rows.push(['Fused in', r.fused.join(', ')]);
  return rows;
}

/** A two-column term/value list. */
function pairs(items: readonly [string, string][], cls = 'details-pairs'): HTMLDListElement {
  const dl = el('dl', undefined, cls);
  for (const [k, v] of items) dl.append(el('dt', k), el('dd', v));
  return dl;
}

function table(headers: readonly string[]): HTMLTableElement {
  const t = el('table', undefined, 'details-table');
  const tr = t.createTHead().insertRow();
  for (const h of headers) {
    const th = el('th', h);
    th.scope = 'col';
    tr.append(th);
  }
  t.createTBody();
  return t;
}

function row(t: HTMLTableElement, cells: readonly string[]): HTMLTableRowElement {
  const tr = t.tBodies[0].insertRow();
  for (const c of cells) tr.append(el('td', c));
  return tr;
}

function fieldRows(rf: LayerReport['receptiveField']): [string, string][] {
  if (!rf) return [['Receptive field', '—']];
  if ('global' in rf) return [['Receptive field', 'global (every input position)']];
  return [
    ['Receptive field', rf.size.join('×')],
    ['Effective stride', rf.stride.join('×')],
    ['Field centre offset', rf.offset.join(', ')],
  ];
}

/** A statistic to 5 significant digits; exponent form for very small or large values; '—' when absent. */
export function formatStat(x: number | null | undefined): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) return '—';
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(5))) : x.toExponential(3);
}

const SVG = 'http://www.w3.org/2000/svg';
const HIST_W = 320;
const HIST_H = 64;

/** What each input is, where it is not an activation: a weight, or a constant folded into the layer. */
function tagsOf(v: LayerView): Map<number, string> {
  const tags = new Map<number, string>();
  for (const w of v.weights) tags.set(w.input, 'weight');
  for (const c of v.constants ?? []) tags.set(c.input, 'constant');
  return tags;
}

/** Folded inputs that are not weights: a Reshape's target, a Pad's pads; with the ops that make them. */
function constantsList(cs: readonly ConstantView[]): HTMLElement {
  const ul = el('ul', undefined, 'details-tensors');
  for (const c of cs) {
    const li = el('li');
    li.append(
      el('div', c.name, 'details-value'),
      el('div', `${formatShape(c.shape)} · ${c.dtype ?? '?'}${c.value ? ` · ${c.value}` : ''}`, 'details-meta'),
      el('div', `${c.via}${c.from ? ` of ${c.from}` : ''} (folded)`, 'details-meta'),
    );
    ul.append(li);
  }
  return ul;
}

function histogram(h: WeightStats['histogram']): HTMLElement {
  const wrap = el('div', undefined, 'details-histogram');
  const counts = h.counts ?? [];
  const peak = Math.max(0, ...counts);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${HIST_W} ${HIST_H}`);
  svg.setAttribute('preserveAspectRatio', 'none');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', `Histogram of values in ${counts.length} bins`);
  const bw = counts.length ? HIST_W / counts.length : HIST_W;
  const binWidth = counts.length ? (h.max - h.min) / counts.length : 0;
  counts.forEach((c, i) => {
    const hgt = peak > 0 ? (c / peak) * HIST_H : 0;
    const r = document.createElementNS(SVG, 'rect');
    r.setAttribute('x', String(i * bw));
    r.setAttribute('width', String(Math.max(bw - 1, 0.5)));
    // Empty bins get a hairline so the range stays readable.
    r.setAttribute('y', String(HIST_H - Math.max(hgt, c > 0 ? 1 : 0)));
    r.setAttribute('height', String(Math.max(hgt, c > 0 ? 1 : 0)));
    const t = document.createElementNS(SVG, 'title');
    t.textContent = `${formatStat(h.min + i * binWidth)} … ${formatStat(h.min + (i + 1) * binWidth)}: ${exact(c)}`;
    r.append(t);
    svg.append(r);
  });
  const axis = el('div', undefined, 'details-histogram-axis');
  axis.append(el('span', formatStat(h.min)), el('span', formatStat(h.max)));
  wrap.append(svg, axis);
  return wrap;
}

function statsView(s: WeightStats): HTMLElement {
  const box = el('div', undefined, 'details-stats');
  const pct = s.count > 0 ? ` (${((100 * s.zeros) / s.count).toFixed(1)}%)` : '';
  const items: [string, string][] = [
    ['Min', formatStat(s.min)],
    ['Max', formatStat(s.max)],
    ['Mean', formatStat(s.mean)],
    ['Std', formatStat(s.std)],
    ['Zeros', `${exact(s.zeros)}${pct}`],
    ['Count', exact(s.count)],
  ];
  if (s.nonFinite > 0) items.push(['NaN / ±Inf', exact(s.nonFinite)]);
  box.append(pairs(items, 'details-pairs details-stats-figures'), histogram(s.histogram));
  return box;
}

function tensorTypeText(t: TensorReport): string {
  return t.dtype ?? '?';
}

export class DetailsPanel {
  private readonly root: HTMLDivElement;
  /** Stats requested for the current report, by `layer:input`. */
  private stats = new Map<string, Promise<WeightStats>>();
  /** The report's tensors by name, made once per report (layerInputs reads them). */
  private tensors?: { report: ProfileReport; index: Map<string, TensorReport> };

  private tensorsOf(report: ProfileReport): Map<string, TensorReport> {
    if (this.tensors?.report !== report) this.tensors = { report, index: tensorIndex(report) };
    return this.tensors.index;
  }

  private statsReport: ProfileReport | null = null;
  private runtime: RuntimeView | null = null;
  private compare: CompareData | null = null;
  /** Bumped on every `show`, so late replies for an earlier layer are dropped. */
  private generation = 0;

  constructor(
    el: HTMLElement,
    private readonly host: DetailsHost,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'details';
    el.append(this.root);
    this.show(null, null, []);
  }

  /** A compare view's data (a "Compare" section first, per layer); null: a single model. */
  setCompare(compare: CompareData | null): void {
    this.compare = compare;
  }

  /** The model's last measured run (a "Measured" section per layer); null removes it. */
  setRuntime(view: RuntimeView | null): void {
    this.runtime = view;
  }

  show(layer: number | null, report: ProfileReport | null, views: readonly LayerView[]): void {
    this.generation++;
    if (report !== this.statsReport) {
      this.stats.clear();
      this.statsReport = report;
    }
    const l = layer !== null && report ? report.layers[layer] : undefined;
    const v = layer !== null ? views[layer] : undefined;
    if (layer === null || !l || !v) {
      this.root.replaceChildren(el('p', 'Select a node to see its details', 'details-hint'));
      return;
    }
    const compared = this.compare?.layers[layer];
    this.root.replaceChildren(
      this.header(l, v),
      ...(compared ? [compareSection(compared)] : []),
      section('Metrics', this.metrics(l, report!.totals.trainingBytes)),
      ...(this.runtime?.layers[layer] ? [section('Measured', pairs(measuredRows(this.runtime.layers[layer], this.runtime)))] : []),
      ...(v.outputSize?.length ? [section('Output size', this.outputSize(v.outputSize))] : []),
      ...(v.attributes.length ? [section('Attributes', this.attributes(v))] : []),
      section('Inputs', this.tensorList(layerInputs(l, v, this.tensorsOf(report!)), tagsOf(v))),
      section('Outputs', this.tensorList(l.outputs, new Map())),
      ...(v.weights.length ? [section('Weights', this.weights(layer, v.weights))] : []),
      ...(v.constants?.length ? [section('Constants', constantsList(v.constants))] : []),
      ...(v.doc ? [section('Documentation', docText(v.doc))] : []),
    );
  }

  private header(l: LayerReport, v: LayerView): HTMLElement {
    const header = el('header', undefined, 'details-header');
    const top = el('div', undefined, 'details-header-top');
    const title = el('h2', l.name || '(unnamed layer)', 'details-title');
    title.title = visibleText(l.name);
    top.append(title);
    if (this.host.onClose) {
      top.append(button('×', () => this.host.onClose?.(), { appearance: 'icon', title: 'Close details' }));
    }
    const op = el('div', undefined, 'details-op');
    op.append(el('span', l.op, 'details-optype'), el('span', v.domain || 'ai.onnx', 'details-domain'));
    if (v.title && v.title !== l.op) op.append(el('span', v.title, 'details-optitle'));
    if (operatorDocsUrl(l.op, v.domain) !== null) {
      op.append(button('Operator docs', () => this.host.openDocs(l.op, v.domain), { appearance: 'secondary', title: `Open the documentation of ${l.op}` }));
    }
    header.append(top, op);
    return header;
  }

  private metrics(l: LayerReport, trainingBytes: number | null): HTMLElement {
    // Unknown figures read "unknown" (UNKNOWN_TITLE says why), never 0.
    const withExact = (n: number | null, unit: string) => figureText(n, (v) => (v ? `${withUnit(v, unit)} (${exact(v)})` : '0'));
    return pairs([
      ['Parameters', figureText(l.params, (v) => `${exact(v)}${v >= 1000 ? ` (${humanCount(v)})` : ''}`)],
      ['MACs', withExact(l.macs, 'MACs')],
      ['FLOPs', withExact(l.flops, 'FLOPs')],
      ...fieldRows(l.receptiveField),
      ['Activation memory', figureText(l.activationBytes, (v) => (v >= 1024 ? `${humanBytes(v)} (${exact(v)} B)` : humanBytes(v)))],
      // What backward keeps from this layer (README "Training memory"), with its share of the step's total.
      ['Kept for training', figureText(l.savedBytes, (v) => `${humanBytes(v)}${shareOf(v, trainingBytes)}`)],
    ]);
  }

  /** The conv/pool arithmetic that gives each spatial size, one line per axis. */
  private outputSize(lines: readonly string[]): HTMLElement {
    const ul = el('ul', undefined, 'details-formulas');
    for (const line of lines) ul.append(el('li', line, 'details-value'));
    return ul;
  }

  private attributes(v: LayerView): HTMLElement {
    const t = table(['Name', 'Value']);
    for (const a of v.attributes) row(t, [a.name, a.value]).cells[1].classList.add('details-value');
    return t;
  }

  private tensorList(ts: readonly TensorReport[], tags: ReadonlyMap<number, string>): HTMLElement {
    if (ts.length === 0) return el('p', 'None', 'details-none');
    const ul = el('ul', undefined, 'details-tensors');
    ts.forEach((x, i) => {
      const li = el('li');
      if (!x.name) {
        li.append(el('div', '(omitted optional input)', 'details-none'));
      } else {
        const meta = el('div', `${formatShape(x.shape)} · ${tensorTypeText(x)}`, 'details-meta');
        const tag = tags.get(i);
        if (tag) meta.append(el('span', tag, 'details-tag'));
        li.append(el('div', x.name, 'details-value'), meta);
      }
      ul.append(li);
    });
    return ul;
  }

  private weights(layer: number, ws: readonly WeightView[]): HTMLElement {
    const ul = el('ul', undefined, 'details-tensors details-weights');
    for (const w of ws) {
      const elements = w.dims.reduce((a, d) => a * d, 1);
      const li = el('li');
      const dims = w.dims.length ? w.dims.join('×') : 'scalar';
      const meta = el('div', `${w.dtype} · ${dims} · ${exact(elements)} elements · ${humanBytes(dtypeBytes(w.dtype, elements))}`, 'details-meta');
      const stats = el('div', undefined, 'details-stats-box');
      stats.hidden = true;
      const toggle = button(
        'Statistics',
        () => {
          stats.hidden = !stats.hidden;
          toggle.textContent = stats.hidden ? 'Statistics' : 'Hide statistics';
          if (!stats.hidden && stats.childElementCount === 0) this.loadStats(layer, w.input, stats);
        },
        { appearance: 'secondary', title: `Min, max, mean, std and histogram of ${w.name}` },
      );
      toggle.classList.add('details-stats-toggle');
      li.append(el('div', w.name, 'details-value'), meta);
      if (w.via) li.append(el('div', `${w.via}${w.from ? ` of ${w.from}` : ''} (folded)`, 'details-meta'));
      li.append(toggle, stats);
      ul.append(li);
    }
    return ul;
  }

  private loadStats(layer: number, input: number, into: HTMLElement): void {
    const generation = this.generation;
    const key = `${layer}:${input}`;
    let pending = this.stats.get(key);
    if (!pending) {
      pending = this.host.requestWeightStats(layer, input);
      this.stats.set(key, pending);
      // A failed request may succeed later (e.g. an external-data file restored).
      pending.catch(() => this.stats.delete(key));
    }
    const waiting = el('div', undefined, 'details-stats-loading');
    waiting.append(progressRing('Computing statistics'), el('span', 'Computing statistics…'));
    into.replaceChildren(waiting);
    pending.then(
      (s) => generation === this.generation && into.replaceChildren(statsView(s)),
      (e: unknown) => {
        if (generation !== this.generation) return;
        const message = e instanceof Error ? e.message : String(e);
        into.replaceChildren(el('p', `Cannot compute statistics: ${message}`, 'details-error'));
      },
    );
  }
}
