/**
 * The graph as a standalone picture. Outside VS Code the theme's CSS variables
 * do not exist, so every drawn element gets its resolved colours and fonts as
 * presentation attributes. Text is escaped by XMLSerializer, never by hand.
 */
import { SVG_NS, svgEl } from './render';

/** Computed properties written onto each exported element. */
const PROPS = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-dasharray', 'stroke-opacity', 'stroke-linejoin', 'stroke-linecap',
  'paint-order', 'opacity', 'font-family', 'font-size', 'font-weight', 'font-style', 'font-variant-numeric', 'text-anchor', 'dominant-baseline', 'text-decoration-line',
] as const;

/** Properties whose presentation attribute has another name (a removed layer's struck-through title). */
const ATTRIBUTE: Record<string, string> = { 'text-decoration-line': 'text-decoration' };

const MARGIN = 16;
const MAX_SIDE = 16384;
const MAX_PIXELS = 2.68e8;

/** The first non-transparent background at or above `el`; white when there is none. */
function backgroundOf(el: Element | null): string {
  for (let e = el; e; e = e.parentElement) {
    const bg = getComputedStyle(e).backgroundColor;
    if (bg && bg !== 'transparent' && !/^rgba\(.*,\s*0\)$/.test(bg)) return bg;
  }
  return '#ffffff';
}

type Props = Map<string, string>;

/**
 * Copies the computed style of `from` (and its subtree) onto `to`, a clone of
 * it: a property only where it differs from what the parent passes down (all
 * of PROPS but opacity inherit), so the file stays small. Elements not
 * displayed are dropped. Elements with the same tag, classes, inline style and
 * parent style share one computed-style lookup.
 */
function inline(from: Element, to: Element, parent: { key: string; props: Props }, memo: Map<string, Props | null>): void {
  const key = `${parent.key}>${from.tagName}.${from.getAttribute('class') ?? ''}#${from.getAttribute('style') ?? ''}`;
  let props = memo.get(key);
  if (props === undefined) {
    const cs = getComputedStyle(from);
    props = cs.display === 'none' || cs.visibility === 'hidden' ? null : new Map(PROPS.map((p) => [p, cs.getPropertyValue(p)]));
    memo.set(key, props);
  }
  if (props === null) {
    to.remove();
    return;
  }
  for (const [p, v] of props) {
    if (v === '' || (p === 'opacity' ? v === '1' : parent.props.get(p) === v)) continue;
    to.setAttribute(ATTRIBUTE[p] ?? p, v);
  }
  to.removeAttribute('style');
  const a = from.children;
  const b = Array.from(to.children);
  for (let i = 0; i < a.length && i < b.length; i++) inline(a[i], b[i], { key, props }, memo);
}

/**
 * The whole drawing of `svg` (its `g.scene`, whatever the zoom), without the
 * minimap or legend, as an SVG document: xmlns, size, viewBox and a background.
 * The drawing's size is read from the svg's `data-graph-width`/`-height`.
 */
export function svgForExport(svg: SVGSVGElement): string {
  const scene = svg.querySelector<SVGGElement>('g.scene');
  if (!scene) throw new Error('there is no graph to export');
  let width = Number(svg.dataset.graphWidth);
  let height = Number(svg.dataset.graphHeight);
  if (!(width > 0 && height > 0)) {
    const b = scene.getBBox();
    width = b.x + b.width;
    height = b.y + b.height;
  }
  // Show what only shows when zoomed in (edge labels, node text).
  svg.classList.add('exporting');
  try {
    const W = Math.ceil(width + 2 * MARGIN);
    const H = Math.ceil(height + 2 * MARGIN);
    const out = svgEl('svg', { xmlns: SVG_NS, version: '1.1', width: W, height: H, viewBox: `${-MARGIN} ${-MARGIN} ${W} ${H}` });
    out.append(svgEl('rect', { x: -MARGIN, y: -MARGIN, width: W, height: H, fill: backgroundOf(svg) }));
    const memo = new Map<string, Props | null>();
    const top = { key: '', props: new Map<string, string>() };
    const defs = svg.querySelector('defs');
    if (defs) {
      const d = defs.cloneNode(true) as SVGDefsElement;
      out.append(d);
      inline(defs, d, top, memo);
    }
    const copy = scene.cloneNode(true) as SVGGElement;
    copy.removeAttribute('transform');
    out.append(copy);
    inline(scene, copy, top, memo);
    // The invisible hover targets only add bytes.
    Array.from(copy.querySelectorAll('.edge-hit')).forEach((hit) => hit.remove());
    return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(out)}`;
  } finally {
    svg.classList.remove('exporting');
  }
}

/** The width and height an exported SVG document declares. */
export function exportedSize(svgText: string): { width: number; height: number } {
  const root = new DOMParser().parseFromString(svgText, 'image/svg+xml').documentElement;
  return { width: Number(root.getAttribute('width')), height: Number(root.getAttribute('height')) };
}

/** The largest scale ≤ `scale` whose canvas stays within the browser's limits (16384 px a side, ~2.7e8 pixels). */
export function exportScale(width: number, height: number, scale = 2): number {
  return Math.min(scale, MAX_SIDE / width, MAX_SIDE / height, Math.sqrt(MAX_PIXELS / (width * height)));
}

/** Renders SVG text to a PNG; returns base64 without the `data:` prefix. */
export async function pngFromSvg(svgText: string, width: number, height: number, scale = 2): Promise<string> {
  if (!(width > 0 && height > 0)) throw new Error('the graph has no size to export');
  const s = exportScale(width, height, scale);
  const img = new Image();
  img.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svgText)}`;
  await img.decode().catch(() => {
    throw new Error('the exported SVG could not be drawn');
  });
  const canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.floor(width * s));
  canvas.height = Math.max(1, Math.floor(height * s));
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('no 2-D canvas for the PNG export');
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const url = canvas.toDataURL('image/png');
  const comma = url.indexOf(',');
  if (!url.startsWith('data:image/png') || comma < 0 || comma === url.length - 1) throw new Error(`the PNG (${canvas.width}×${canvas.height}) could not be encoded`);
  return url.slice(comma + 1);
}
