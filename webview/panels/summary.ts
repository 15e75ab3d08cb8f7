/**
 * The summary header: the file, its format and I/O, the model's totals, and
 * the two controls that re-profile it (batch size, memory budget) with the
 * largest training batch that fits. In a compare view, `A → B`, B's totals
 * with their deltas from A, and the counts of changed layers.
 * `parseBytes` is pure (tested in Node).
 *
 * The controls survive re-renders of the same element (a re-profile sends a
 * new report while the user may still be in a field), so focus and caret
 * are not lost; only the figures are replaced.
 */
import type { ProfileReport, TensorReport } from '../../src/core/report/profile';
import type { ViewSummary } from '../../src/protocol';
import { exactText, formatShape, humanBytes, humanCount, parseByteSize, partialNote, totalText, withUnit } from '../../src/core/report/format';
import { textField } from '../ui/toolkit';
import { visibleText } from '../../src/core/report/safe-text';
import type { CompareData } from '../../src/core/diff/compare-view';
import { COMPARE_TOTALS, countsText, totalDeltaText } from './compare';
import { el } from '../ui/dom';

export interface SummaryOptions {
  /** null: the model's own input shapes. */
  batch?: number | null;
  budgetBytes?: number;
}

/**
 * A memory budget as typed by the user: `8 GiB`, `512 MiB`, `8GB` (decimal
 * units: GB = 10⁹ B, GiB = 2³⁰ B, as `--budget`), or plain bytes. Null when
 * unreadable or not positive; fractions of a byte are dropped.
 */
export function parseBytes(text: string): number | null {
  const bytes = parseByteSize(text);
  if (bytes === null || !Number.isFinite(bytes)) return null;
  const whole = Math.floor(bytes);
  return whole > 0 ? whole : null;
}

/** A batch size as typed: '' → null (the model's own), a whole number ≥ 1, or undefined when invalid. */
export function parseBatch(text: string): number | null | undefined {
  const t = text.trim();
  if (t === '') return null;
  if (!/^\d+$/.test(t)) return undefined;
  const n = Number(t);
  return n >= 1 && Number.isSafeInteger(n) ? n : undefined;
}

/** A byte count as the budget field shows it: `8 GiB`, not `8.00 GiB`. */
function budgetText(bytes: number): string {
  return humanBytes(bytes).replace(/\.0+ /, ' ');
}

const OPTIMIZER_NAMES: Record<ViewSummary['optimizer'], string> = { sgd: 'SGD', momentum: 'SGD with momentum', adam: 'Adam' };

function tensorsText(ts: readonly TensorReport[]): string {
  return ts.length ? ts.map((t) => `${t.name} ${formatShape(t.shape)} ${t.dtype ?? '?'}`).join(', ') : 'none';
}

function baseName(file: string): string {
  return file.split(/[\\/]/).pop() || file;
}

interface SummaryDom {
  root: HTMLElement;
  info: HTMLElement;
  batchField: HTMLElement & { value: string };
  budgetField: HTMLElement & { value: string };
  batchError: HTMLElement;
  budgetError: HTMLElement;
  fit: HTMLElement;
  summary: ViewSummary;
  onOptions: (o: SummaryOptions) => void;
  /** Last values asked for (Enter and the change on leaving the field both commit; ask once). */
  lastBatch: number | null;
  lastBudget: number;
}

const rendered = new WeakMap<HTMLElement, SummaryDom>();

/** Renders (or refreshes) the summary of `report` into `el`. */
export function renderSummary(
  el: HTMLElement,
  file: string,
  report: ProfileReport,
  summary: ViewSummary,
  onOptions: (o: SummaryOptions) => void,
  compare?: CompareData,
): void {
  let dom = rendered.get(el);
  if (!dom || !el.contains(dom.root)) {
    dom = build(el, summary, onOptions);
    rendered.set(el, dom);
  }
  dom.summary = summary;
  dom.onOptions = onOptions;
  dom.lastBatch = summary.batch;
  dom.lastBudget = summary.budgetBytes;
  dom.info.replaceChildren(...(compare ? compareInfo(report, summary, compare) : info(file, report, summary)));
  // Fields the user is not editing show the figures the profile was made with.
  const active = document.activeElement;
  if (active !== dom.batchField) {
    dom.batchField.value = summary.batch === null ? '' : String(summary.batch);
    markInvalid(dom.batchField, dom.batchError, null);
  }
  if (active !== dom.budgetField) {
    dom.budgetField.value = budgetText(summary.budgetBytes);
    markInvalid(dom.budgetField, dom.budgetError, null);
  }
  dom.fit.textContent = fitText(report, summary);
}

function info(file: string, report: ProfileReport, s: ViewSummary): Node[] {
  const t = report.totals;
  const heading = el('h1', baseName(file), 'summary-file');
  heading.title = visibleText(file);
  // A PyTorch model is shown through its ONNX export: say both.
  const meta = [report.format === 'pytorch' ? `PyTorch (torch ${report.pytorch?.torch ?? '?'}), ONNX export opset ${report.opset}` : `${report.format.toUpperCase()} opset ${report.opset}`];
  if (s.producer && report.format !== 'pytorch') meta.push(s.producer);
  // Shapes are the model's own layout (report.layout); say so where it is not ONNX's NCHW.
  if (report.layout === 'NHWC') meta.push('shapes NHWC (channels last)');
  meta.push(`${report.layers.length.toLocaleString('en-US')} layers`);
  const io = el('div', undefined, 'summary-io');
  io.append(el('p', meta.join(' · '), 'summary-meta'), el('p', `Inputs: ${tensorsText(report.inputs)}`), el('p', `Outputs: ${tensorsText(report.outputs)}`));
  const batch = s.batch === null ? 'model\'s own batch' : `batch ${s.batch.toLocaleString('en-US')}`;
  const totals = el('dl', undefined, 'summary-totals');
  // `≥ …` marks a partial total (some layers' figures are unknown); the footnote below says so.
  const items: [string, string, string?][] = [
    ['Parameters', totalText(t, 'params', exactText), totalText(t, 'paramBytes', humanBytes)],
    ['MACs', totalText(t, 'macs', (n) => withUnit(n, 'MACs')), totalText(t, 'macs', exactText)],
    ['FLOPs', totalText(t, 'flops', (n) => withUnit(n, 'FLOPs')), totalText(t, 'flops', exactText)],
    ['Activations', totalText(t, 'activationBytes', humanBytes), 'all layers, once each'],
    ['Peak inference memory', totalText(t, 'peakActivationBytes', humanBytes), s.peakLayer ? `at ${s.peakLayer}` : undefined],
    ['Training memory', totalText(t, 'trainingBytes', humanBytes), trainingNote(report, `${OPTIMIZER_NAMES[s.optimizer] ?? s.optimizer}, ${batch}`)],
  ];
  for (const [k, v, note] of items) {
    const item = el('div', undefined, 'summary-total');
    const dd = el('dd', v);
    item.append(el('dt', k), dd);
    if (note) {
      const n = el('dd', note, 'summary-note');
      n.title = visibleText(note);
      item.append(n);
    }
    totals.append(item);
  }
  // The one line the header collapses to (body.header-collapsed): the file and the headline figures.
  const compact = el('p', [
    baseName(file),
    `${report.layers.length.toLocaleString('en-US')} layers`,
    `${totalText(t, 'params', humanCount)} params`,
    totalText(t, 'macs', (n) => withUnit(n, 'MACs')),
    `peak ${totalText(t, 'peakActivationBytes', humanBytes)}`,
  ].join(' · '), 'summary-compact');
  compact.title = visibleText(file);
  const out: Node[] = [compact, heading, io, totals];
  const note = partialNote(t);
  if (note) out.push(el('p', note, 'summary-partial'));
  // Training memory's caveats (an export made for inference; measured against estimated): said, not hidden in a tooltip.
  for (const n of report.training.notes) out.push(el('p', `Training memory: ${n}.`, 'summary-partial'));
  if (report.warnings.length) out.push(warnings(report.warnings));
  return out;
}

/** Under the training figure: the setting, measured (PyTorch sources) or not, and the peak with backward's transient. */
function trainingNote(report: ProfileReport, setting: string): string {
  const measured = report.training.measured ? `measured in torch ${report.training.measured.torch} · ` : '';
  return `${measured}${setting} · peak ${totalText(report.totals, 'trainingPeakBytes', humanBytes)}`;
}

function warnings(ws: readonly string[]): HTMLElement {
  const details = el('details', undefined, 'summary-warnings');
  details.append(el('summary', `${ws.length} warning${ws.length === 1 ? '' : 's'}`));
  const ul = el('ul');
  for (const w of ws) ul.append(el('li', w));
  details.append(ul);
  return details;
}

/** The header of a compare view: A → B, B's totals each with its delta from A (and A's own), the counts. */
function compareInfo(report: ProfileReport, s: ViewSummary, c: CompareData): Node[] {
  const [a, b] = [baseName(c.a.file), baseName(c.b.file)];
  const heading = el('h1', `${a} → ${b}`, 'summary-file');
  heading.title = `A: ${visibleText(c.a.file)}\nB: ${visibleText(c.b.file)}`;
  const meta = [`B: ${report.format === 'pytorch' ? 'PyTorch' : report.format.toUpperCase()} opset ${report.opset}`, `${report.layers.length.toLocaleString('en-US')} layers shown: B's ${(report.layers.length - c.summary.removed).toLocaleString('en-US')} and ${c.summary.removed.toLocaleString('en-US')} removed from A`];
  const io = el('div', undefined, 'summary-io');
  io.append(el('p', meta.join(' · '), 'summary-meta'), el('p', `Inputs: ${tensorsText(report.inputs)}`), el('p', `Outputs: ${tensorsText(report.outputs)}`));
  const totals = el('dl', undefined, 'summary-totals');
  for (const f of COMPARE_TOTALS) {
    const delta = c.delta[f.key];
    const item = el('div', undefined, 'summary-total');
    const dd = el('dd', totalText(c.b.totals, f.key, f.human));
    const change = el('span', totalDeltaText(delta, c.a.totals[f.key], f.human), `summary-delta ${delta === null || delta === 0 ? 'summary-delta-none' : delta > 0 ? 'summary-delta-up' : 'summary-delta-down'}`);
    dd.append(change);
    const was = `A: ${totalText(c.a.totals, f.key, f.human)}`;
    const note = f.key === 'trainingBytes' ? `${was} · ${OPTIMIZER_NAMES[s.optimizer] ?? s.optimizer}` : was;
    const n = el('dd', note, 'summary-note');
    n.title = visibleText(note);
    item.append(el('dt', f.label), dd, n);
    totals.append(item);
  }
  const counts = el('p', `${countsText(c.summary)} · ${Math.round(c.summary.similarity * 100)}% of layers aligned`, 'summary-counts');
  const compact = el('p', [
    `${a} → ${b}`,
    countsText(c.summary),
    `params ${totalDeltaText(c.delta.params, c.a.totals.params, humanCount)}`,
    `MACs ${totalDeltaText(c.delta.macs, c.a.totals.macs, humanCount)}`,
  ].join(' · '), 'summary-compact');
  compact.title = heading.title;
  const out: Node[] = [compact, heading, io, totals, counts];
  if (c.summary.unrelated) out.push(el('p', c.summary.unrelated, 'summary-unrelated'));
  const note = partialNote(c.b.totals) ?? partialNote(c.a.totals);
  if (note) out.push(el('p', note, 'summary-partial'));
  if (report.warnings.length) out.push(warnings(report.warnings));
  return out;
}

function fitText(report: ProfileReport, s: ViewSummary): string {
  const within = `Largest training batch within ${budgetText(s.budgetBytes)}: `;
  if (s.largestTrainingBatch === 'pending') return `${within}finding…`;
  if (s.largestTrainingBatch === null) return within + (report.inputs.length ? 'unknown (training memory is not known in full)' : '—');
  if (s.largestTrainingBatch === 'unbounded') return `${within}unbounded`;
  if (s.largestTrainingBatch === 0) return `${within}none (batch 1 does not fit)`;
  return within + s.largestTrainingBatch.toLocaleString('en-US');
}

function markInvalid(field: HTMLElement, message: HTMLElement, text: string | null): void {
  field.classList.toggle('summary-invalid', text !== null);
  if (text === null) field.removeAttribute('aria-invalid');
  else field.setAttribute('aria-invalid', 'true');
  message.textContent = text ?? '';
  message.hidden = text === null;
}

function build(el: HTMLElement, summary: ViewSummary, onOptions: (o: SummaryOptions) => void): SummaryDom {
  const root = document.createElement('section');
  root.className = 'summary';
  const infoBox = document.createElement('div');
  infoBox.className = 'summary-info';
  const controls = document.createElement('div');
  controls.className = 'summary-controls';
  const error = () => {
    const e = document.createElement('span');
    e.className = 'summary-error';
    e.setAttribute('role', 'alert');
    e.hidden = true;
    return e;
  };
  const batchError = error();
  const budgetError = error();
  const fit = document.createElement('span');
  fit.className = 'summary-fit';

  // Committed on Enter or when the field loses focus after an edit.
  const commitBatch = (text: string) => {
    const batch = parseBatch(text);
    if (batch === undefined) return markInvalid(dom.batchField, batchError, 'A whole number ≥ 1, or empty for the model’s own');
    markInvalid(dom.batchField, batchError, null);
    if (batch === dom.lastBatch) return;
    dom.lastBatch = batch;
    dom.onOptions({ batch });
  };
  const commitBudget = (text: string) => {
    const bytes = parseBytes(text);
    if (bytes === null) return markInvalid(dom.budgetField, budgetError, 'A size such as 8 GiB, 512 MiB or 16GB');
    markInvalid(dom.budgetField, budgetError, null);
    if (bytes === dom.lastBudget) return;
    dom.lastBudget = bytes;
    dom.onOptions({ budgetBytes: bytes });
  };
  const batchField = textField({
    label: 'Batch size',
    placeholder: 'model’s own',
    size: 10,
    title: 'Batch size to profile at; empty keeps the model’s own input shapes (Enter to apply)',
    onEnter: commitBatch,
    onChange: commitBatch,
  });
  const budgetField = textField({
    label: 'Memory budget',
    placeholder: '8 GiB',
    size: 10,
    title: 'Memory for the largest training batch that fits, e.g. 8 GiB, 512 MiB, 16GB (Enter to apply)',
    onEnter: commitBudget,
    onChange: commitBudget,
  });
  const group = (field: HTMLElement, message: HTMLElement) => {
    const g = document.createElement('div');
    g.className = 'summary-control';
    g.append(field, message);
    return g;
  };
  controls.append(group(batchField, batchError), group(budgetField, budgetError), fit);
  root.append(infoBox, controls);
  el.append(root);
  const dom: SummaryDom = {
    root, info: infoBox, batchField, budgetField, batchError, budgetError, fit, summary, onOptions,
    lastBatch: summary.batch, lastBudget: summary.budgetBytes,
  };
  return dom;
}
