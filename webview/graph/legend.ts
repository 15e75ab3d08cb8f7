/**
 * The overlay's legend in the graph pane's corner: the figure's name and a
 * swatch per scale stop, smallest to largest (a heat overlay), or a swatch
 * per kind of change (the compare view's 'change' overlay). Text via
 * textContent; the swatch colours through the CSSOM (allowed by the page's CSP).
 */
import { OVERLAY_TITLES, type HeatScale, type OverlayMode } from './overlay';
import type { ChangeLegendEntry } from './change';

export interface LegendData {
  title: string;
  entries: { color: string; label: string; cls?: string }[];
  /** One line each, under the swatches. */
  notes: string[];
  /** Kinds, not a scale: separate swatches, each with its label beside it. */
  categorical?: boolean;
}

/** A heat overlay's legend: its scale's stops, smallest to largest. */
export function heatLegend(mode: OverlayMode, scale: HeatScale): LegendData {
  return {
    title: `${OVERLAY_TITLES[mode]}${scale.stops.length > 1 ? ' · log scale' : ''}`,
    entries: scale.stops.map((s) => ({ color: s.color, label: s.label })),
    notes: [scale.stops.length ? 'no colour: zero or unknown' : 'no layer has this figure'],
  };
}

/** The change overlay's legend: a swatch per kind present, with its count of layers. */
export function changeLegendData(entries: readonly ChangeLegendEntry[]): LegendData {
  return {
    title: OVERLAY_TITLES.change,
    entries: entries.map((e) => ({ color: e.color, label: `${e.kind} (${e.layers.toLocaleString('en-US')})`, cls: `swatch-${e.kind}` })),
    notes: entries.length ? ['no colour: unchanged', 'a collapsed group: the kind of change inside (changed if mixed)'] : ['no colour: unchanged (no layer changed)'],
    categorical: true,
  };
}

export class Legend {
  readonly element: HTMLDivElement;

  constructor(container: HTMLElement) {
    this.element = document.createElement('div');
    this.element.className = 'graph-legend';
    this.element.hidden = true;
    container.append(this.element);
  }

  show(data: LegendData | undefined): void {
    if (!data) {
      this.element.hidden = true;
      this.element.replaceChildren();
      return;
    }
    const title = document.createElement('div');
    title.className = 'legend-title';
    title.textContent = data.title;
    const list = document.createElement('ol');
    list.className = 'legend-stops';
    for (const entry of data.entries) {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = entry.cls ? `swatch ${entry.cls}` : 'swatch';
      swatch.style.backgroundColor = entry.color;
      const label = document.createElement('span');
      label.className = 'legend-label';
      label.textContent = entry.label;
      item.append(swatch, label);
      list.append(item);
    }
    const notes = data.notes.map((text) => {
      const note = document.createElement('div');
      note.className = 'legend-note';
      note.textContent = text;
      return note;
    });
    this.element.classList.toggle('legend-categorical', data.categorical === true);
    this.element.replaceChildren(title, list, ...notes);
    this.element.hidden = false;
  }
}
