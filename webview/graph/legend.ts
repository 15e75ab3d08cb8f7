/**
 * The heat overlay's legend in the graph pane's corner: the figure's name and
 * a swatch per scale stop, smallest to largest. Text via textContent; the
 * swatch colours through the CSSOM (allowed by the page's CSP).
 */
import { OVERLAY_TITLES, type HeatScale, type OverlayMode } from './overlay';

export class Legend {
  readonly element: HTMLDivElement;

  constructor(container: HTMLElement) {
    this.element = document.createElement('div');
    this.element.className = 'graph-legend';
    this.element.hidden = true;
    container.append(this.element);
  }

  show(mode: OverlayMode, scale: HeatScale | undefined): void {
    if (mode === 'none' || !scale) {
      this.element.hidden = true;
      this.element.replaceChildren();
      return;
    }
    const title = document.createElement('div');
    title.className = 'legend-title';
    title.textContent = `${OVERLAY_TITLES[mode]}${scale.stops.length > 1 ? ' · log scale' : ''}`;
    const list = document.createElement('ol');
    list.className = 'legend-stops';
    for (const stop of scale.stops) {
      const item = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.backgroundColor = stop.color;
      const label = document.createElement('span');
      label.className = 'legend-label';
      label.textContent = stop.label;
      item.append(swatch, label);
      list.append(item);
    }
    const none = document.createElement('div');
    none.className = 'legend-note';
    none.textContent = scale.stops.length ? 'no colour: zero or unknown' : 'no layer has this figure';
    this.element.replaceChildren(title, list, none);
    this.element.hidden = false;
  }
}
