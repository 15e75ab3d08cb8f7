/**
 * Pan and zoom of the graph: an SVG `<g transform="translate(x,y) scale(k)">`
 * inside the svg. Drag pans (pointer capture once the pointer has moved, so
 * clicks on nodes still reach them), the wheel zooms around the cursor
 * (ctrl+wheel, a trackpad pinch, zooms faster), and the keyboard works while
 * the svg has focus: +/= and - zoom, 0 fits, arrow keys pan.
 */
import type { Box } from './render';

export interface Transform {
  x: number;
  y: number;
  k: number;
}

export const MIN_ZOOM = 0.02;
export const MAX_ZOOM = 4;
/** Largest zoom `fit()` uses: small graphs are not blown up past this. */
export const FIT_MAX_ZOOM = 1.5;
/** Zoom at which node text is comfortably readable. */
export const READABLE_ZOOM = 0.9;
const FIT_MARGIN = 24;
/** Below this zoom box text is under 11 px: the opening view shows the graph's top at 100 % instead. */
const OVERVIEW_MIN_ZOOM = 1;
/** Pixels the pointer must move before a press becomes a drag (and its click is dropped). */
const DRAG_THRESHOLD = 4;
const KEY_PAN = 60;

export class Viewport {
  private t: Transform = { x: 0, y: 0, k: 1 };
  private content = { width: 0, height: 0 };
  private readonly listeners: ((t: Transform) => void)[] = [];
  private drag: { id: number; x: number; y: number; t: Transform; moved: boolean } | undefined;
  /** True right after a drag ends: the click that follows is not a click. */
  private suppressClick = false;

  constructor(
    private readonly svg: SVGSVGElement,
    private readonly layer: SVGGElement,
  ) {
    svg.addEventListener('wheel', (e) => this.onWheel(e), { passive: false });
    svg.addEventListener('pointerdown', (e) => this.onPointerDown(e));
    svg.addEventListener('pointermove', (e) => this.onPointerMove(e));
    svg.addEventListener('pointerup', (e) => this.onPointerUp(e));
    svg.addEventListener('pointercancel', (e) => this.onPointerUp(e));
    svg.addEventListener('click', (e) => {
      if (this.suppressClick) {
        this.suppressClick = false;
        e.stopImmediatePropagation();
        e.preventDefault();
      }
    }, true);
    svg.addEventListener('keydown', (e) => this.onKey(e));
  }

  /** Size of the drawing in graph units. */
  setContent(width: number, height: number): void {
    this.content = { width, height };
  }

  get contentSize(): { width: number; height: number } {
    return this.content;
  }

  /** Size of the svg on screen (0×0 while hidden). */
  size(): { width: number; height: number } {
    const r = this.svg.getBoundingClientRect();
    return { width: r.width, height: r.height };
  }

  get dragging(): boolean {
    return this.drag?.moved === true;
  }

  getTransform(): Transform {
    return { ...this.t };
  }

  /** Sets the transform as given (zoom at most MAX_ZOOM; below MIN_ZOOM only when fitting a huge graph). */
  setTransform(t: Transform): void {
    if (![t.x, t.y, t.k].every(Number.isFinite) || t.k <= 0) return;
    this.t = { x: t.x, y: t.y, k: Math.min(MAX_ZOOM, t.k) };
    this.layer.setAttribute('transform', `translate(${this.t.x},${this.t.y}) scale(${this.t.k})`);
    for (const l of this.listeners) l(this.getTransform());
  }

  onChange(listener: (t: Transform) => void): void {
    this.listeners.push(listener);
  }

  /** The whole drawing, with a margin, no larger than FIT_MAX_ZOOM. False while the svg has no size. */
  fit(): boolean {
    const { width, height } = this.size();
    if (width <= 0 || height <= 0) return false;
    const cw = Math.max(1, this.content.width);
    const ch = Math.max(1, this.content.height);
    const k = Math.min(FIT_MAX_ZOOM, (width - 2 * FIT_MARGIN) / cw, (height - 2 * FIT_MARGIN) / ch);
    const kk = Math.max(k, 0.001);
    this.setTransform({ x: (width - cw * kk) / 2, y: (height - ch * kk) / 2, k: kk });
    return true;
  }

  /** Whether content of this size would open fitted (legible at the fit zoom) rather than at 100 % on its top. */
  fitsLegibly(contentWidth: number, contentHeight: number): boolean {
    const { width, height } = this.size();
    const fitK = Math.min(FIT_MAX_ZOOM, (width - 2 * FIT_MARGIN) / Math.max(1, contentWidth), (height - 2 * FIT_MARGIN) / Math.max(1, contentHeight));
    return width > 0 && height > 0 && fitK >= OVERVIEW_MIN_ZOOM;
  }

  /**
   * The opening view: the whole drawing when it is still legible fitted
   * (zoom ≥ OVERVIEW_MIN_ZOOM: shape text ≥ 11 px), else its top at 100 %
   * with `focus` (the first input) in view. A 50-block ResNet fitted whole is
   * a column of specks; Netron opens at 100 % at the input too. Fit is one
   * key (F) away.
   */
  overview(focus?: Box): boolean {
    const { width, height } = this.size();
    if (width <= 0 || height <= 0) return false;
    const cw = Math.max(1, this.content.width);
    if (this.fitsLegibly(this.content.width, this.content.height)) return this.fit();
    // Too big to fit legibly: 100 %, the top of the graph (where the inputs are), centred on `focus`
    // (the first input) where the graph is wider than the pane, without empty space beside it.
    const k = 1;
    let x = (width - cw * k) / 2;
    if (cw * k > width - 2 * FIT_MARGIN) {
      const centred = focus ? width / 2 - (focus.x + focus.width / 2) * k : FIT_MARGIN;
      x = Math.min(FIT_MARGIN, Math.max(width - FIT_MARGIN - cw * k, centred));
    }
    this.setTransform({ x, y: FIT_MARGIN, k });
    return true;
  }

  /** Centres a box (graph units), zooming in to at least READABLE_ZOOM and out so that it fits. */
  reveal(box: Box): void {
    const { width, height } = this.size();
    if (width <= 0 || height <= 0) return;
    const fits = Math.min((width - 2 * FIT_MARGIN) / Math.max(1, box.width), (height - 2 * FIT_MARGIN) / Math.max(1, box.height));
    const k = Math.min(Math.max(this.t.k, READABLE_ZOOM), fits, MAX_ZOOM);
    this.setTransform({ x: width / 2 - (box.x + box.width / 2) * k, y: height / 2 - (box.y + box.height / 2) * k, k });
  }

  /** Zooms by `factor` around a point of the svg (its centre by default). */
  zoomBy(factor: number, at?: { x: number; y: number }): void {
    const { width, height } = this.size();
    const p = at ?? { x: width / 2, y: height / 2 };
    const k = Math.min(MAX_ZOOM, Math.max(Math.min(MIN_ZOOM, this.t.k), this.t.k * factor));
    const f = k / this.t.k;
    this.setTransform({ x: p.x - (p.x - this.t.x) * f, y: p.y - (p.y - this.t.y) * f, k });
  }

  panBy(dx: number, dy: number): void {
    this.setTransform({ ...this.t, x: this.t.x + dx, y: this.t.y + dy });
  }

  /** Centres the view on a point of the drawing (graph units), keeping the zoom. */
  centreOn(x: number, y: number): void {
    const { width, height } = this.size();
    this.setTransform({ ...this.t, x: width / 2 - x * this.t.k, y: height / 2 - y * this.t.k });
  }

  /** The drawing's region on screen, in graph units. */
  visibleRegion(): Box {
    const { width, height } = this.size();
    return { x: -this.t.x / this.t.k, y: -this.t.y / this.t.k, width: width / this.t.k, height: height / this.t.k };
  }

  private local(e: { clientX: number; clientY: number }): { x: number; y: number } {
    const r = this.svg.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private onWheel(e: WheelEvent): void {
    e.preventDefault();
    // Lines (Firefox) and pages → pixels.
    const scale = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1;
    const dy = Math.max(-200, Math.min(200, e.deltaY * scale));
    // A trackpad pinch arrives as ctrl+wheel with small deltas: more zoom per pixel.
    this.zoomBy(Math.exp(-dy * (e.ctrlKey ? 0.01 : 0.0025)), this.local(e));
  }

  private onPointerDown(e: PointerEvent): void {
    if (e.button !== 0 || this.drag) return;
    this.drag = { id: e.pointerId, x: e.clientX, y: e.clientY, t: this.getTransform(), moved: false };
  }

  private onPointerMove(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    const dx = e.clientX - d.x;
    const dy = e.clientY - d.y;
    if (!d.moved) {
      if (Math.hypot(dx, dy) < DRAG_THRESHOLD) return;
      d.moved = true;
      this.svg.setPointerCapture(e.pointerId);
      this.svg.classList.add('panning');
    }
    this.setTransform({ x: d.t.x + dx, y: d.t.y + dy, k: d.t.k });
  }

  private onPointerUp(e: PointerEvent): void {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    this.drag = undefined;
    if (d.moved) {
      this.suppressClick = e.type === 'pointerup';
      // The click (if any) comes right after pointerup; never let the flag outlive it.
      setTimeout(() => (this.suppressClick = false), 0);
      this.svg.classList.remove('panning');
      if (this.svg.hasPointerCapture(e.pointerId)) this.svg.releasePointerCapture(e.pointerId);
    }
  }

  private onKey(e: KeyboardEvent): void {
    if (e.altKey || e.metaKey || e.ctrlKey) return;
    switch (e.key) {
      case '+':
      case '=':
        this.zoomBy(1.25);
        break;
      case '-':
      case '_':
        this.zoomBy(0.8);
        break;
      case '0':
        this.fit();
        break;
      case 'ArrowLeft':
        this.panBy(KEY_PAN, 0);
        break;
      case 'ArrowRight':
        this.panBy(-KEY_PAN, 0);
        break;
      case 'ArrowUp':
        this.panBy(0, KEY_PAN);
        break;
      case 'ArrowDown':
        this.panBy(0, -KEY_PAN);
        break;
      default:
        return;
    }
    e.preventDefault();
  }
}
