/**
 * Heat-map overlays: a figure per layer (MACs, parameters, activation memory,
 * receptive field, latency) coloured on a log scale, so a 1 K-MAC Relu and a
 * 1 G-MAC conv both read on the same map. A compare view adds 'change', a
 * colour per diff status, not a scale (change.ts). Pure: tested in Node.
 */
import type { LayerReport } from '../../src/core/report/profile';
import { maxOf, minOf } from '../../src/core/arrays';
import { humanBytes, humanCount } from '../../src/core/report/format';

export type OverlayMode = 'none' | 'macs' | 'params' | 'memory' | 'training' | 'receptiveField' | 'latency' | 'change';

export const OVERLAY_TITLES: Record<OverlayMode, string> = {
  none: 'Op type',
  macs: 'MACs',
  params: 'Parameters',
  memory: 'Activation memory',
  training: 'Kept for training',
  receptiveField: 'Receptive field (px)',
  latency: 'Latency',
  change: 'Change',
};

/** Every overlay mode (a saved or asked mode outside this list is ignored). */
export const OVERLAY_MODES = Object.keys(OVERLAY_TITLES) as OverlayMode[];

/** The page's "Colour nodes by" menu. */
export const OVERLAY_MENU: { value: OverlayMode; label: string }[] = [
  { value: 'none', label: 'Colour: op type' },
  { value: 'macs', label: 'Heat: MACs' },
  { value: 'params', label: 'Heat: parameters' },
  { value: 'memory', label: 'Heat: activation memory' },
  { value: 'training', label: 'Heat: kept for training' },
  { value: 'receptiveField', label: 'Heat: receptive field' },
  { value: 'latency', label: 'Heat: latency (measured)' },
];
/** Offered, first, only in a compare view (a model message with `compare`). */
export const CHANGE_OVERLAY: { value: OverlayMode; label: string } = { value: 'change', label: 'Colour: change' };

/**
 * The figure a layer contributes. A receptive field counts by its largest side
 * (a 7×3 field reads as 7); a global one as `Infinity` (larger than any).
 * Latency is not in the report: see `overlayValues`.
 */
export function overlayValue(layer: LayerReport, mode: OverlayMode): number | undefined {
  switch (mode) {
    // Unknown figures (null) get no colour, like layers without the figure.
    case 'macs':
      return layer.macs ?? undefined;
    case 'params':
      return layer.params ?? undefined;
    case 'memory':
      return layer.activationBytes ?? undefined;
    case 'training':
      return layer.savedBytes ?? undefined;
    case 'receptiveField': {
      const rf = layer.receptiveField;
      if (!rf) return undefined;
      if ('global' in rf) return Infinity;
      return rf.size.length ? Math.max(...rf.size) : undefined;
    }
    case 'latency':
    case 'change':
    case 'none':
      return undefined;
  }
}

/** Every layer's figure; latency comes from a measurement (ms per layer) when there is one. */
export function overlayValues(layers: readonly LayerReport[], mode: OverlayMode, latencyMs?: readonly number[]): (number | undefined)[] {
  if (mode === 'latency') return layers.map((_, i) => latencyMs?.[i]);
  return layers.map((l) => overlayValue(l, mode));
}

/** Modes that can be shown: latency only with measured values, change only in a compare view. */
export function availableModes(latencyMs?: readonly number[], compare = false): OverlayMode[] {
  const modes: OverlayMode[] = ['none', 'macs', 'params', 'memory', 'training', 'receptiveField'];
  if (latencyMs?.length) modes.push('latency');
  if (compare) modes.push('change');
  return modes;
}

/** A collapsed group's figure: the sum of its layers' (work, weights, memory, time); the largest receptive field. */
export function groupValue(values: readonly (number | undefined)[], mode: OverlayMode): number | undefined {
  const known = values.filter((v): v is number => v !== undefined && !Number.isNaN(v));
  if (known.length === 0 || mode === 'none' || mode === 'change') return undefined;
  if (mode === 'receptiveField') return maxOf(known);
  return known.reduce((a, v) => a + v, 0);
}

/** Viridis (van der Walt & Smith, matplotlib 2015), 7 samples: perceptually uniform, readable by colour-blind readers. */
export const RAMP = ['#440154', '#443983', '#31688e', '#21918c', '#35b779', '#90d743', '#fde725'];

function rgb(hex: string): [number, number, number] {
  const n = parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const hex2 = (v: number) => Math.round(v).toString(16).padStart(2, '0');

/** The ramp's colour at t ∈ [0, 1], interpolated linearly between samples. */
export function rampColor(t: number): string {
  const x = Math.min(1, Math.max(0, t)) * (RAMP.length - 1);
  const k = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - k;
  const a = rgb(RAMP[k]);
  const b = rgb(RAMP[k + 1]);
  return `#${hex2(a[0] + (b[0] - a[0]) * f)}${hex2(a[1] + (b[1] - a[1]) * f)}${hex2(a[2] + (b[2] - a[2]) * f)}`;
}

/** Dark or light text on a fill (WCAG relative luminance, threshold between black and white contrast). */
export function textOn(color: string): 'dark' | 'light' {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = rgb(color);
  const L = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  return L > 0.179 ? 'dark' : 'light';
}

export function formatOverlay(v: number, mode: OverlayMode): string {
  if (v === Infinity) return 'global';
  switch (mode) {
    case 'memory':
    case 'training':
      return humanBytes(Math.round(v));
    case 'receptiveField':
      return `${Math.round(v)} px`;
    case 'latency':
      return v >= 1 ? `${v.toFixed(1)} ms` : `${(v * 1000).toFixed(0)} µs`;
    case 'macs':
    case 'params':
    case 'change':
    case 'none':
      return humanCount(Math.round(v));
  }
}

export interface HeatScale {
  /** null for 0, negative, NaN or missing: no colour. */
  colorOf(v: number | undefined): string | null;
  /** Legend entries from the smallest to the largest value. */
  stops: { value: number; color: string; label: string }[];
}

/**
 * A log scale from the smallest positive value to the largest, onto the ramp.
 * `Infinity` (a global receptive field) maps to the top of the ramp.
 */
export function heatScale(values: readonly (number | undefined)[], mode: OverlayMode = 'macs'): HeatScale {
  const positive = values.filter((v): v is number => v !== undefined && v > 0);
  const finite = positive.filter(Number.isFinite);
  const hasInfinite = finite.length < positive.length;
  if (positive.length === 0) return { colorOf: () => null, stops: [] };
  const lo = finite.length ? Math.log(minOf(finite)) : 0;
  const hi = finite.length ? Math.log(maxOf(finite)) : 0;
  const span = hi - lo;
  const tOf = (v: number) => (v === Infinity ? 1 : span > 0 ? (Math.log(v) - lo) / span : 1);
  const colorOf = (v: number | undefined) => (v === undefined || !(v > 0) ? null : rampColor(tOf(v)));
  const stops: HeatScale['stops'] = [];
  if (finite.length) {
    const n = span > 0 ? RAMP.length : 1;
    for (let k = 0; k < n; k++) {
      const value = n === 1 ? Math.exp(hi) : Math.exp(lo + (span * k) / (n - 1));
      const label = formatOverlay(value, mode);
      // Neighbouring stops of a narrow range can print the same; keep the first.
      if (stops.length && stops[stops.length - 1].label === label) continue;
      stops.push({ value, color: colorOf(value)!, label });
    }
  }
  if (hasInfinite) stops.push({ value: Infinity, color: rampColor(1), label: 'global' });
  return { colorOf, stops };
}
