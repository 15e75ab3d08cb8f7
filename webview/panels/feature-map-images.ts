/**
 * The feature-map panel's pure parts (tested in Node) and its pixel drawing:
 * channel order by strength, the mean/std fields, a unit's receptive field
 * on the input, and previews drawn grey or in viridis onto a canvas.
 */
import type { FeatureMapPreview, ProfileReport } from '../../src/protocol';
import { RAMP } from '../graph/overlay';

export type ChannelSort = 'index' | 'max' | 'meanAbs';

/** Channel indices of a preview in display order (the strongest first for max and mean |x|). */
export function channelOrder(map: Pick<FeatureMapPreview, 'shown' | 'stats'>, sort: ChannelSort): number[] {
  const order = Array.from({ length: map.shown }, (_, i) => i);
  if (sort === 'index') return order;
  const v = (c: number) => (sort === 'max' ? map.stats[c].max : map.stats[c].meanAbs);
  return order.sort((a, b) => v(b) - v(a) || a - b);
}

/** "0.485, 0.456, 0.406" → numbers; null when any entry is not a number. */
export function parseNumbers(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  if (parts.length === 0) return null;
  const out = parts.map(Number);
  return out.every(Number.isFinite) ? out : null;
}

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * The input pixels that unit (y, x) of a layer's map sees (Araujo et al.
 * 2019): its field's centre is offset + index · stride per axis, spanning
 * size pixels; [x0, x1) × [y0, y1) in pixel edges, clipped to the image. A
 * global field is the whole image; none (no spatial field) is null.
 */
export function receptiveBox(rf: ProfileReport['layers'][number]['receptiveField'], y: number, x: number, height: number, width: number): Box | null {
  if (!rf) return null;
  if ('global' in rf) return { x0: 0, y0: 0, x1: width, y1: height };
  if (rf.size.length < 1) return null;
  const axis = (i: number, k: number, limit: number): [number, number] => {
    const centre = rf.offset[i] + k * rf.stride[i];
    const lo = centre - (rf.size[i] - 1) / 2;
    return [Math.max(0, lo), Math.min(limit, lo + rf.size[i])];
  };
  // 1-D fields span the whole height.
  const [x0, x1] = axis(rf.size.length - 1, x, width);
  const [y0, y1] = rf.size.length >= 2 ? axis(0, y, height) : [0, height];
  return { x0, y0, x1, y1 };
}

/** 256 RGB entries of the viridis ramp (the overlays' colours). */
function viridisTable(): Uint8Array {
  const rgb = RAMP.map((h) => [parseInt(h.slice(1, 3), 16), parseInt(h.slice(3, 5), 16), parseInt(h.slice(5, 7), 16)]);
  const lut = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) {
    const t = (v / 255) * (rgb.length - 1);
    const k = Math.min(rgb.length - 2, Math.floor(t));
    const f = t - k;
    for (let c = 0; c < 3; c++) lut[v * 3 + c] = Math.round(rgb[k][c] + (rgb[k + 1][c] - rgb[k][c]) * f);
  }
  return lut;
}
const VIRIDIS = viridisTable();

export function bytes(base64: string): Uint8Array {
  const s = atob(base64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function drawGray(canvas: HTMLCanvasElement, px: Uint8Array, offset: number, w: number, h: number, colour: boolean): void {
  canvas.width = w;
  canvas.height = h;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const img = ctx.createImageData(w, h);
  for (let i = 0; i < w * h; i++) {
    const v = px[offset + i];
    const o = i * 4;
    if (colour) {
      img.data[o] = VIRIDIS[v * 3];
      img.data[o + 1] = VIRIDIS[v * 3 + 1];
      img.data[o + 2] = VIRIDIS[v * 3 + 2];
    } else {
      img.data[o] = img.data[o + 1] = img.data[o + 2] = v;
    }
    img.data[o + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}
