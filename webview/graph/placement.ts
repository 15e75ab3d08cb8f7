/**
 * Where the graph view looks after a drawing: the opening overview, a saved
 * transform, a fit or a layer to reveal, each applied once the pane is on
 * screen (a hidden tab has no size); and a toggled group kept where it was on
 * screen across its re-layout.
 */
import { ioId, nodeId } from './elk-graph';
import type { Minimap } from './minimap';
import type { Box, RenderedGraph } from './render';
import type { Transform, Viewport } from './viewport';

/** A box's position on screen, kept across a re-layout. */
export interface Kept {
  id: string;
  screenX: number;
  screenY: number;
}

/** The box the opening view shows first: the model's first input when drawn, else its first layer. */
export function openingBox(drawn: RenderedGraph | undefined): string {
  return drawn?.boxes.has(ioId('input', 0)) ? ioId('input', 0) : nodeId(0);
}

export class Placement {
  /** What the next drawing does to the view: the opening overview, a fit, or a saved transform. */
  private pendingView: Transform | 'overview' | 'fit' | undefined;
  private pendingReveal: number | undefined;
  private kept: Kept | undefined;

  constructor(
    private readonly viewport: Viewport,
    private readonly minimap: Minimap,
  ) {}

  /** The next drawing opens on `view`. */
  openOn(view: Transform | 'overview'): void {
    this.pendingView = view;
  }

  /** Fits the graph to the pane, now or once the pane is on screen. */
  fit(): void {
    if (!this.viewport.fit()) this.pendingView = 'fit';
  }

  /** Centres `box` (layer `layer`'s), now or once the pane is on screen. */
  reveal(layer: number, box: Box): void {
    if (this.viewport.size().width > 0) this.viewport.reveal(box);
    else this.pendingReveal = layer;
  }

  /** Keeps box `id` (now at `box`) where it is on screen across the next drawing. */
  keep(id: string, box: Box): void {
    const t = this.viewport.getTransform();
    this.kept = { id, screenX: t.x + box.x * t.k, screenY: t.y + box.y * t.k };
  }

  /** The box kept for the drawing about to be made (taken once). */
  takeKept(): Kept | undefined {
    const kept = this.kept;
    this.kept = undefined;
    return kept;
  }

  /** A drawing is in the view: the `kept` box back where it was on screen, then the pending view. */
  placeDrawing(drawn: RenderedGraph, kept: Kept | undefined): void {
    const moved = kept && drawn.boxes.get(kept.id);
    if (moved) {
      const t = this.viewport.getTransform();
      this.viewport.setTransform({ k: t.k, x: kept.screenX - moved.x * t.k, y: kept.screenY - moved.y * t.k });
    }
    this.apply(drawn);
  }

  /** Fit, restore or reveal once the pane is on screen. */
  apply(drawn: RenderedGraph | undefined): void {
    if (!drawn || this.viewport.size().width <= 0) return;
    const v = this.pendingView;
    this.pendingView = undefined;
    if (v === 'overview') this.viewport.overview(drawn.boxes.get(openingBox(drawn)));
    else if (v === 'fit') this.viewport.fit();
    else if (v) this.viewport.setTransform(v);
    if (this.pendingReveal !== undefined) {
      const box = drawn.boxes.get(nodeId(this.pendingReveal));
      this.pendingReveal = undefined;
      if (box) this.viewport.reveal(box);
    }
    this.minimap.schedule();
  }
}
