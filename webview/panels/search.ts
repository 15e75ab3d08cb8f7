/**
 * Find layers by name, op type, title or tensor name. `findLayers` is pure
 * (tested in Node); `SearchBar` is the find widget: a field with "n of m",
 * previous/next, Enter / Shift+Enter, Escape, and Ctrl+F / Cmd+F to focus.
 */
import type { LayerView } from '../../src/core/report/layer-view';
import type { ProfileReport } from '../../src/core/report/profile';
import { button, focusTextField, setDisabled, textField } from '../ui/toolkit';

/** Separates a layer's fields so a query cannot match across two of them. */
const SEP = '\u0000';

/** One lower-cased haystack per layer: name, op, title, input and output tensor names. */
export function searchIndex(report: ProfileReport, views: readonly LayerView[]): string[] {
  return report.layers.map((l, i) =>
    [l.name, l.op, views[i]?.title ?? '', ...l.inputs, ...l.outputs.map((o) => o.name)].join(SEP).toLowerCase(),
  );
}

/** Indices (ascending) of the layers whose haystack contains `query`, case-insensitively. */
export function matchIndex(index: readonly string[], query: string): number[] {
  const q = query.trim().toLowerCase();
  if (q === '') return [];
  const out: number[] = [];
  for (let i = 0; i < index.length; i++) if (index[i].includes(q)) out.push(i);
  return out;
}

/**
 * Layers whose name, op type, title or any input/output tensor name contains
 * `query` (case-insensitive, surrounding spaces ignored), in layer order.
 * An empty query matches nothing.
 */
export function findLayers(query: string, report: ProfileReport, views: readonly LayerView[]): number[] {
  if (query.trim() === '') return [];
  return matchIndex(searchIndex(report, views), query);
}

export class SearchBar {
  private readonly field: HTMLElement & { value: string };
  private readonly count: HTMLSpanElement;
  private readonly prevButton: HTMLElement;
  private readonly nextButton: HTMLElement;
  private index: string[] = [];
  private matches: number[] = [];
  /** Position in `matches` of the current match; -1 when none. */
  private position = -1;
  private readonly onKey = (ev: KeyboardEvent) => {
    if ((ev.ctrlKey || ev.metaKey) && !ev.altKey && !ev.shiftKey && ev.key.toLowerCase() === 'f') {
      ev.preventDefault();
      this.focus();
    }
  };

  /** `onMatch` gets every match and the layer index of the current one (null when none). */
  constructor(
    el: HTMLElement,
    private readonly onMatch: (matches: readonly number[], current: number | null) => void,
  ) {
    const root = document.createElement('div');
    root.className = 'search';
    root.setAttribute('role', 'search');
    this.field = textField({
      placeholder: 'Find layer, op or tensor',
      title: 'Find layer by name, op type or tensor name (Ctrl+F)',
      size: 28,
      onInput: (v) => this.run(v),
      onEnter: (_, shift) => (shift ? this.previous() : this.next()),
      onEscape: () => this.clear(),
    });
    this.field.classList.add('search-field');
    this.count = document.createElement('span');
    this.count.className = 'search-count';
    this.count.setAttribute('aria-live', 'polite');
    this.prevButton = button('↑', () => this.previous(), { appearance: 'icon', title: 'Previous match (Shift+Enter)' });
    this.nextButton = button('↓', () => this.next(), { appearance: 'icon', title: 'Next match (Enter)' });
    root.append(this.field, this.count, this.prevButton, this.nextButton);
    el.append(root);
    document.addEventListener('keydown', this.onKey);
    this.update(false);
  }

  /** A new model (or a re-profile): the current query runs again on it. */
  setModel(report: ProfileReport, views: readonly LayerView[]): void {
    this.index = searchIndex(report, views);
    this.run(this.field.value ?? '');
  }

  focus(): void {
    focusTextField(this.field, true);
  }

  next(): void {
    if (this.matches.length === 0) return;
    this.position = (this.position + 1) % this.matches.length;
    this.update(true);
  }

  previous(): void {
    if (this.matches.length === 0) return;
    this.position = (this.position - 1 + this.matches.length) % this.matches.length;
    this.update(true);
  }

  /** Removes the document-level Ctrl+F handler. */
  dispose(): void {
    document.removeEventListener('keydown', this.onKey);
  }

  private clear(): void {
    this.field.value = '';
    this.run('');
  }

  private run(query: string): void {
    this.matches = matchIndex(this.index, query);
    this.position = this.matches.length > 0 ? 0 : -1;
    this.update(true);
  }

  private update(notify: boolean): void {
    const m = this.matches.length;
    const hasQuery = (this.field.value ?? '').trim() !== '';
    this.count.textContent = m > 0 ? `${(this.position + 1).toLocaleString('en-US')} of ${m.toLocaleString('en-US')}` : hasQuery ? 'No results' : '';
    this.count.classList.toggle('search-none', hasQuery && m === 0);
    setDisabled(this.prevButton, m === 0);
    setDisabled(this.nextButton, m === 0);
    if (notify) this.onMatch(this.matches, this.position >= 0 ? this.matches[this.position] : null);
  }
}
