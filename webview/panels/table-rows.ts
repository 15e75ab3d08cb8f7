/**
 * The layer table's rows as DOM: one layer's row (its figures, with the
 * status and delta cells of a compare view and the measured cells of a run, in
 * the column order of ./table-columns.ts), and the spacer rows that stand for
 * the rows not rendered. Model strings are set as text, control and bidi
 * characters shown as escapes (safe-text.ts).
 */
import type { ProfileReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';
import type { RuntimeView } from '../../src/protocol';
import type { CompareData } from '../../src/core/diff/compare-view';
import { formatField, formatShape, humanBytes, humanCount, UNKNOWN, UNKNOWN_TITLE } from '../../src/core/report/format';
import { visibleText } from '../../src/core/report/safe-text';
import { COLUMNS, COMPARE_COLUMNS, compareCells, RUNTIME_COLUMNS, runtimeCells } from './table-columns';
import { statusSwatch } from './compare';

/** What the rows show: the model, and what a run or a comparison adds (null: none). */
export interface RowData {
  report: ProfileReport;
  views: readonly LayerView[];
  runtime: RuntimeView | null;
  compare: CompareData | null;
}

const exact = (n: number) => n.toLocaleString('en-US');

function cell(text: string, cls?: string, title?: string): HTMLTableCellElement {
  const td = document.createElement('td');
  td.textContent = visibleText(text);
  if (cls) td.className = cls;
  if (title) td.title = visibleText(title);
  return td;
}

/** A figure's cell: empty for 0, `?` when unknown (its tooltip says why), else `text` with the exact count as tooltip. */
function figureCell(n: number | null, text: (n: number) => string, exactText: (n: number) => string): HTMLTableCellElement {
  if (n === null) return cell(UNKNOWN, 'num layers-unknown', UNKNOWN_TITLE);
  return n ? cell(text(n), 'num', exactText(n)) : cell('', 'num');
}

/** `, 12.5 % of training memory` (empty when the total is unknown). */
export function shareOf(n: number, total: number | null): string {
  return total ? `, ${((n / total) * 100).toFixed(1)} % of training memory` : '';
}

/** A row standing for rows not rendered (its height is set to theirs), spanning every column. */
export function spacer(): HTMLTableRowElement {
  const tr = document.createElement('tr');
  tr.className = 'layers-spacer';
  tr.setAttribute('aria-hidden', 'true');
  tr.insertCell().colSpan = COLUMNS.length + RUNTIME_COLUMNS.length + COMPARE_COLUMNS.length;
  return tr;
}

/** Layer `i`'s row, shown at display position `pos` (the table marks it selected or not). */
export function layerRow(d: RowData, i: number, pos: number): HTMLTableRowElement {
  const l = d.report.layers[i];
  const tr = document.createElement('tr');
  tr.dataset.layer = String(i);
  tr.dataset.pos = String(pos);
  tr.setAttribute('aria-rowindex', String(pos + 2));
  const shapes = l.outputs.map((o) => formatShape(o.shape)).join(', ');
  const rf = l.receptiveField;
  const title = d.views[i]?.title ?? l.op;
  tr.append(
    cell(String(i + 1), 'num'),
    cell(l.name, 'layers-name', l.name),
    cell(title, 'layers-op', title),
  );
  const compared = d.compare?.layers[i];
  if (compared) {
    // Status (with its overlay colour) and deltas; a removed layer's row is marked as such (media/panels.css).
    const cells = compareCells(compared).map((c, k) => cell(c.text, COMPARE_COLUMNS[k].numeric ? 'num' : 'layers-status', c.title));
    if (compared.status !== 'unchanged') cells[0].prepend(statusSwatch(compared.status));
    tr.append(...cells);
    tr.classList.add(`layers-status-${compared.status}`);
  }
  if (d.runtime) {
    const cells = runtimeCells(d.runtime.layers[i]);
    cells.forEach((c, k) => tr.append(cell(c.text, RUNTIME_COLUMNS[k].numeric ? 'num layers-runtime' : 'layers-runtime', c.title)));
  }
  tr.append(
    cell(shapes, 'layers-shape', shapes),
    figureCell(l.params, humanCount, exact),
    figureCell(l.macs, humanCount, exact),
    figureCell(l.flops, humanCount, exact),
    cell(formatField(rf), undefined, rf && !('global' in rf) ? `offset ${rf.offset.join(', ')}` : undefined),
    figureCell(l.activationBytes, humanBytes, (n) => `${exact(n)} B`),
    figureCell(l.savedBytes, humanBytes, (n) => `${exact(n)} B kept for backward${shareOf(n, d.report.totals.trainingBytes)}`),
  );
  return tr;
}
