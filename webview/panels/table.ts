/**
 * The per-layer table: sortable columns, click a row to reveal the layer; in
 * a compare view, each layer's status and deltas, removed layers marked.
 * Its columns and sort are in ./table-columns.ts (tested in Node), its rows'
 * cells in ./table-rows.ts. Only the rows in view (plus a margin) are in the
 * DOM; spacer rows stand for the rest, so a 20,000-layer model sorts, scrolls
 * and reveals without freezing the page.
 */
import type { ProfileReport } from '../../src/core/report/profile';
import type { LayerView } from '../../src/core/report/layer-view';
import type { RuntimeView } from '../../src/protocol';
import { COLUMNS, sortLayers, tableColumns, type Column, type SortKey, type TableState } from './table-columns';
import type { CompareData } from '../../src/core/diff/compare-view';
import { layerRow, spacer } from './table-rows';

export type { SortKey, TableState };

/** Rows rendered beyond each edge of the visible ones; the window moves when fewer than half are left. */
const OVERSCAN = 40;
/** Row height assumed until a row is measured, px. */
const DEFAULT_ROW_HEIGHT = 22;

export class LayerTable {
  private readonly wrap: HTMLDivElement;
  private readonly table: HTMLTableElement;
  private readonly tbody: HTMLTableSectionElement;
  private readonly headers: HTMLTableCellElement[] = [];
  private readonly topSpacer = spacer();
  private readonly bottomSpacer = spacer();
  private state: TableState = { key: 'index', descending: false };
  private report: ProfileReport | null = null;
  private views: readonly LayerView[] = [];
  private runtime: RuntimeView | null = null;
  private compare: CompareData | null = null;
  private columns: Column[] = COLUMNS;
  private readonly headRow: HTMLTableRowElement;
  /** Layer indices in display order, and each layer's position in it. */
  private order: number[] = [];
  private positionOf = new Int32Array(0);
  /** Display positions [start, end) are rendered; their rows by layer index. */
  private start = 0;
  private end = 0;
  private rows = new Map<number, HTMLTableRowElement>();
  private rowHeight = DEFAULT_ROW_HEIGHT;
  private selected: number | null = null;
  /** Nearest scrolling ancestor (null: the page); undefined until looked up. */
  private scroller: HTMLElement | null | undefined;
  private frame = 0;
  private readonly resizeObserver: ResizeObserver | undefined;
  private readonly onScroll = () => {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.update();
    });
  };

  private readonly onResize = () => {
    this.scroller = undefined;
    this.onScroll();
  };

  constructor(
    el: HTMLElement,
    private readonly onReveal: (layer: number) => void,
  ) {
    this.wrap = document.createElement('div');
    this.wrap.className = 'layers-panel';
    this.table = document.createElement('table');
    this.table.className = 'layers';
    const thead = this.table.createTHead();
    this.headRow = thead.insertRow();
    this.buildHeader();
    this.tbody = this.table.createTBody();
    this.tbody.append(this.topSpacer, this.bottomSpacer);
    this.tbody.addEventListener('click', (ev) => {
      const row = (ev.target as Element).closest('tr');
      if (row?.dataset.layer !== undefined) this.onReveal(Number(row.dataset.layer));
    });
    this.tbody.addEventListener('keydown', (ev) => this.onKey(ev));
    this.wrap.append(this.table);
    el.append(this.wrap);
    this.updateHeaders();
    // Scrolling of any ancestor, window resizes, and the table being shown (it has no size while hidden).
    document.addEventListener('scroll', this.onScroll, { capture: true, passive: true });
    window.addEventListener('resize', this.onResize);
    if (typeof ResizeObserver !== 'undefined') {
      this.resizeObserver = new ResizeObserver(this.onResize);
      this.resizeObserver.observe(this.wrap);
    }
  }

  private buildHeader(): void {
    this.headRow.replaceChildren();
    this.headers.length = 0;
    for (const col of this.columns) {
      const th = document.createElement('th');
      th.scope = 'col';
      // Widths by column, not by position (a run inserts its columns after the op).
      th.className = `layers-col-${col.width}${col.numeric ? ' num' : ''}`;
      if (col.key) {
        const key = col.key;
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'layers-sort';
        b.textContent = col.label;
        const arrow = document.createElement('span');
        arrow.className = 'layers-sort-arrow';
        arrow.setAttribute('aria-hidden', 'true');
        b.append(arrow);
        b.addEventListener('click', () => {
          const descending = this.state.key === key ? !this.state.descending : col.firstDescending;
          this.setState({ key, descending });
        });
        th.append(b);
      } else {
        th.textContent = col.label;
      }
      if (col.key === 'name') th.append(this.resizeHandle(th));
      this.headRow.append(th);
      this.headers.push(th);
    }
  }

  /** Drag to resize the Layer column (names are also in each cell's tooltip); double-click restores its width. */
  private resizeHandle(th: HTMLElement): HTMLElement {
    const handle = document.createElement('span');
    handle.className = 'layers-resize';
    handle.title = 'Drag to resize the Layer column (double-click: default width)';
    handle.setAttribute('aria-hidden', 'true');
    handle.addEventListener('pointerdown', (ev) => {
      ev.preventDefault();
      ev.stopPropagation();
      const start = ev.clientX;
      const width = th.getBoundingClientRect().width;
      handle.setPointerCapture(ev.pointerId);
      const move = (e: PointerEvent) => this.table.style.setProperty('--layers-name-width', `${Math.max(80, Math.round(width + e.clientX - start))}px`);
      const up = () => {
        handle.removeEventListener('pointermove', move);
        handle.removeEventListener('pointerup', up);
      };
      handle.addEventListener('pointermove', move);
      handle.addEventListener('pointerup', up);
    });
    handle.addEventListener('dblclick', () => this.table.style.removeProperty('--layers-name-width'));
    handle.addEventListener('click', (e) => e.stopPropagation());
    return handle;
  }

  /** A measured run's columns (time, share, GFLOP/s, bound); null removes them. */
  setRuntime(view: RuntimeView | null): void {
    this.runtime = view;
    this.table.classList.toggle('layers-with-runtime', view !== null);
    this.setColumns();
    if (this.report) this.rebuild();
  }

  /** `compare`: a compare view's data (status and delta columns). */
  show(report: ProfileReport, views: readonly LayerView[], compare?: CompareData): void {
    this.report = report;
    this.views = views;
    this.compare = compare ?? null;
    this.table.classList.toggle('layers-with-compare', this.compare !== null);
    this.setColumns();
    this.rebuild();
  }

  private setColumns(): void {
    this.columns = tableColumns(this.runtime !== null, this.compare !== null);
    this.buildHeader();
    this.updateHeaders();
  }

  setSelected(layer: number | null): void {
    if (this.selected !== null) {
      const old = this.rows.get(this.selected);
      if (old) this.mark(old, false);
    }
    if (!this.report) {
      // Remembered until the first `show`.
      this.selected = layer;
      return;
    }
    this.selected = layer !== null && layer >= 0 && layer < this.report.layers.length ? layer : null;
    if (this.selected === null) return;
    const pos = this.positionOf[this.selected];
    if (pos < this.start || pos >= this.end) this.render(Math.max(0, pos - OVERSCAN), Math.min(this.order.length, pos + OVERSCAN));
    const row = this.rows.get(this.selected);
    if (!row) return;
    this.mark(row, true);
    row.scrollIntoView({ block: 'nearest' });
  }

  getState(): TableState {
    return { ...this.state };
  }

  setState(s: TableState): void {
    this.state = { key: s.key, descending: s.descending };
    this.updateHeaders();
    if (this.report) this.rebuild();
  }

  /** Removes the page-level listeners. */
  dispose(): void {
    document.removeEventListener('scroll', this.onScroll, { capture: true });
    window.removeEventListener('resize', this.onResize);
    this.resizeObserver?.disconnect();
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  private updateHeaders(): void {
    this.columns.forEach((col, c) => {
      const th = this.headers[c];
      const active = col.key !== null && col.key === this.state.key;
      if (col.key) th.setAttribute('aria-sort', active ? (this.state.descending ? 'descending' : 'ascending') : 'none');
      const arrow = th.querySelector('.layers-sort-arrow');
      if (arrow) arrow.textContent = active ? (this.state.descending ? '\u00a0▼' : '\u00a0▲') : '';
    });
  }

  private rebuild(): void {
    const report = this.report!;
    this.order = sortLayers(report.layers, this.state.key, this.state.descending, this.runtime, this.compare);
    this.positionOf = new Int32Array(this.order.length);
    this.order.forEach((layer, pos) => (this.positionOf[layer] = pos));
    this.table.setAttribute('aria-rowcount', String(this.order.length + 1));
    for (const row of this.rows.values()) row.remove();
    this.rows.clear();
    this.start = this.end = 0;
    this.sizeSpacers();
    this.update(true);
    const selected = this.selected;
    this.selected = null;
    if (selected !== null) this.setSelected(selected);
  }

  /** Moves the rendered window over the rows in view, when they come near its edge. */
  private update(force = false): void {
    if (!this.report) return;
    const n = this.order.length;
    const [first, last] = this.visibleRange();
    const margin = OVERSCAN / 2;
    const inside = first >= this.start + (this.start > 0 ? margin : 0) && last <= this.end - (this.end < n ? margin : 0);
    if (!force && inside) return;
    this.render(Math.max(0, first - OVERSCAN), Math.min(n, last + OVERSCAN));
  }

  /** Display positions [first, last) of the rows inside the viewport and the scrolling ancestor. */
  private visibleRange(): [number, number] {
    const n = this.order.length;
    const body = this.tbody.getBoundingClientRect();
    // Not displayed (a hidden tab): render a first screenful; the resize observer catches the reveal.
    if (body.width === 0 && body.height === 0) return [0, Math.min(n, OVERSCAN)];
    if (this.scroller === undefined) this.scroller = scrollingAncestor(this.wrap);
    let top = 0;
    let bottom = window.innerHeight;
    if (this.scroller) {
      const r = this.scroller.getBoundingClientRect();
      top = Math.max(top, r.top);
      bottom = Math.min(bottom, r.bottom);
    }
    const clamp = (x: number) => Math.max(0, Math.min(n, x));
    return [clamp(Math.floor((top - body.top) / this.rowHeight)), clamp(Math.ceil((bottom - body.top) / this.rowHeight))];
  }

  /**
   * Renders display positions [start, end). Rows still inside the window stay
   * in place (a focused row keeps its focus); the others are added or dropped.
   */
  private render(start: number, end: number): void {
    const keptStart = Math.max(start, this.start);
    const keptEnd = Math.min(end, this.end);
    const overlap = keptStart < keptEnd;
    for (let pos = this.start; pos < this.end; pos++) {
      if (overlap && pos >= keptStart && pos < keptEnd) continue;
      const layer = this.order[pos];
      this.rows.get(layer)?.remove();
      this.rows.delete(layer);
    }
    const rowsFor = (from: number, to: number) => {
      const frag = document.createDocumentFragment();
      for (let pos = from; pos < to; pos++) frag.append(this.row(pos));
      return frag;
    };
    if (overlap) {
      this.topSpacer.after(rowsFor(start, keptStart));
      this.bottomSpacer.before(rowsFor(keptEnd, end));
    } else {
      this.bottomSpacer.before(rowsFor(start, end));
    }
    this.start = start;
    this.end = end;
    if (end > start) {
      const h = this.rows.get(this.order[start])!.getBoundingClientRect().height;
      if (h > 0) this.rowHeight = h;
    }
    this.sizeSpacers();
  }

  private sizeSpacers(): void {
    this.topSpacer.style.height = `${this.start * this.rowHeight}px`;
    this.bottomSpacer.style.height = `${(this.order.length - this.end) * this.rowHeight}px`;
  }

  private mark(row: HTMLTableRowElement, selected: boolean): void {
    row.classList.toggle('selected', selected);
    if (selected) row.setAttribute('aria-selected', 'true');
    else row.removeAttribute('aria-selected');
    // Roving tab stop: the selected row, else the first.
    row.tabIndex = selected || (this.selected === null && row.dataset.pos === '0') ? 0 : -1;
  }

  private row(pos: number): HTMLTableRowElement {
    const i = this.order[pos];
    const tr = layerRow({ report: this.report!, views: this.views, runtime: this.runtime, compare: this.compare }, i, pos);
    this.mark(tr, i === this.selected);
    this.rows.set(i, tr);
    return tr;
  }

  /** Arrow keys move between rows, Home/End to the ends, Enter or Space reveals the focused one. */
  private onKey(ev: KeyboardEvent): void {
    const row = (ev.target as Element).closest('tr');
    if (!row || row.dataset.layer === undefined) return;
    const layer = Number(row.dataset.layer);
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      this.onReveal(layer);
      return;
    }
    const n = this.order.length;
    const here = this.positionOf[layer];
    const pos = ev.key === 'ArrowDown' ? here + 1 : ev.key === 'ArrowUp' ? here - 1 : ev.key === 'Home' ? 0 : ev.key === 'End' ? n - 1 : -1;
    if (pos < 0 || pos >= n || pos === here) return;
    ev.preventDefault();
    if (pos < this.start || pos >= this.end) this.render(Math.max(0, pos - OVERSCAN), Math.min(n, pos + OVERSCAN));
    const next = this.rows.get(this.order[pos]);
    if (!next) return;
    if (row.isConnected && layer !== this.selected) row.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }
}

/** The nearest ancestor that scrolls vertically; null when the page itself scrolls. */
function scrollingAncestor(el: HTMLElement): HTMLElement | null {
  for (let e = el.parentElement; e && e !== document.body && e !== document.documentElement; e = e.parentElement) {
    const o = getComputedStyle(e).overflowY;
    if (o === 'auto' || o === 'scroll' || o === 'overlay') return e;
  }
  return null;
}
