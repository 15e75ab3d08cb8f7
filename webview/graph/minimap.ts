/**
 * The overview in the graph pane's corner: every drawn box and the viewport's
 * rectangle on a canvas. Click or drag on it to move the view. Hidden while
 * the whole graph is on screen.
 *
 * A canvas cannot read CSS variables, so the colours come from the canvas
 * element's computed style: `color` for the boxes and `outline-color` for the
 * viewport rectangle (media/graph.css sets both from the theme).
 */
import type { Box } from './render';
import type { Viewport } from './viewport';

const MAX_W = 200;
/** A tall graph gets a tall overview, up to this much of the pane's height. */
const MAX_H_SHARE = 0.45;
const MAX_H = 320;
const MIN_W = 40;

export class Minimap {
  readonly canvas: HTMLCanvasElement;
  private boxes: Box[] = [];
  private width = 0;
  private height = 0;
  private scale = 1;
  /** Left inset of the drawing on a canvas wider than it (narrow, tall graphs). */
  private offsetX = 0;
  private frame = 0;
  private dragging: number | undefined;

  constructor(container: HTMLElement, private readonly viewport: Viewport) {
    this.canvas = document.createElement('canvas');
    this.canvas.className = 'minimap';
    this.canvas.setAttribute('aria-hidden', 'true');
    this.canvas.hidden = true;
    container.append(this.canvas);
    viewport.onChange(() => this.schedule());
    this.canvas.addEventListener('pointerdown', (e) => {
      if (e.button !== 0) return;
      e.preventDefault();
      e.stopPropagation();
      this.dragging = e.pointerId;
      this.canvas.setPointerCapture(e.pointerId);
      this.moveTo(e);
    });
    this.canvas.addEventListener('pointermove', (e) => {
      if (this.dragging === e.pointerId) this.moveTo(e);
    });
    const end = (e: PointerEvent) => {
      if (this.dragging !== e.pointerId) return;
      this.dragging = undefined;
      if (this.canvas.hasPointerCapture(e.pointerId)) this.canvas.releasePointerCapture(e.pointerId);
    };
    this.canvas.addEventListener('pointerup', end);
    this.canvas.addEventListener('pointercancel', end);
    this.canvas.addEventListener('wheel', (e) => e.preventDefault(), { passive: false });
  }

  /** The drawn boxes (graph units) and the drawing's size. */
  setContent(boxes: Box[], width: number, height: number): void {
    this.boxes = boxes;
    this.width = width;
    this.height = height;
    this.schedule();
  }

  /** Redraws on the next frame (several transform changes per frame draw once). */
  schedule(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.draw();
    });
  }

  private moveTo(e: PointerEvent): void {
    const r = this.canvas.getBoundingClientRect();
    this.viewport.centreOn((e.clientX - r.left - this.offsetX) / this.scale, (e.clientY - r.top) / this.scale);
  }

  private draw(): void {
    const view = this.viewport.visibleRegion();
    const fits = this.width <= 0 || (view.x <= 0 && view.y <= 0 && view.x + view.width >= this.width && view.y + view.height >= this.height);
    const size = this.viewport.size();
    // Nothing to navigate, or no room for an overview next to the graph.
    if (fits || size.width < MAX_W * 2 || size.height < 200) {
      this.canvas.hidden = true;
      return;
    }
    this.canvas.hidden = false;
    const s = Math.min(MAX_W / this.width, Math.min(MAX_H, size.height * MAX_H_SHARE) / this.height);
    this.scale = s;
    const cssW = Math.max(MIN_W, Math.round(this.width * s));
    const ox = (this.offsetX = (cssW - this.width * s) / 2);
    const cssH = Math.max(1, Math.round(this.height * s));
    const dpr = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(cssW * dpr) || this.canvas.height !== Math.round(cssH * dpr)) {
      this.canvas.width = Math.round(cssW * dpr);
      this.canvas.height = Math.round(cssH * dpr);
      this.canvas.style.width = `${cssW}px`;
      this.canvas.style.height = `${cssH}px`;
    }
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const style = getComputedStyle(this.canvas);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    ctx.fillStyle = style.color;
    ctx.globalAlpha = 0.6;
    for (const b of this.boxes) ctx.fillRect(ox + b.x * s, b.y * s, Math.max(1, b.width * s), Math.max(1, b.height * s));
    ctx.globalAlpha = 1;
    ctx.strokeStyle = style.outlineColor;
    ctx.lineWidth = 1.5;
    const x = Math.max(0, ox + view.x * s);
    const y = Math.max(0, view.y * s);
    const x2 = Math.min(cssW, ox + (view.x + view.width) * s);
    const y2 = Math.min(cssH, (view.y + view.height) * s);
    if (x2 > x && y2 > y) ctx.strokeRect(x + 0.75, y + 0.75, Math.max(1, x2 - x - 1.5), Math.max(1, y2 - y - 1.5));
  }
}
