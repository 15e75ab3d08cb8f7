/**
 * The arithmetic behind a conv/pool output size, written out for people:
 * `out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27`. One line per spatial axis (identical
 * axes share one), from the same resolved geometry the shape rules use
 * (conv-geometry.ts), so the text and the inferred shape cannot disagree.
 *
 * Formulas: forward conv/pool ⌊(in + pb + pe − (d·(k−1) + 1))/s⌋ + 1, the
 * ceiling with ceil_mode (onnx/defs/nn/defs.cc, convPoolShapeInference);
 * SAME_* padding ⌈in/s⌉; ConvTranspose s·(in − 1) + op + d·(k−1) + 1 − pb − pe
 * (the ConvTranspose operator doc), or in·s for SAME_*.
 */
import type { Dim, Node, Shape } from '../ir';
import { isNum } from './ops/dims';
import { samePads, transposeAttrs, transposePads, windowAttrs, windowOutputDim } from './ops/conv-geometry';

const WINDOW_OPS = new Set(['Conv', 'ConvInteger', 'QLinearConv', 'ConvTranspose', 'MaxPool', 'AveragePool', 'LpPool']);

/** Axis names for 1–3 spatial axes (ONNX order: depth, height, width). */
const AXIS_NAMES: Record<number, string[]> = { 1: ['L'], 2: ['H', 'W'], 3: ['D', 'H', 'W'] };

export interface AxisFormula {
  /** `H`, `W`, `L`, `D`, or `H, W` when the axes share one formula. */
  axes: string;
  /** `out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27` */
  text: string;
  /** The size the formula gives. */
  out: number;
}

const pads = (pb: number, pe: number): string => (pb === pe ? `2·${pb}` : `${pb} + ${pe}`);
/** The effective kernel: `3`, or `2·(3 − 1) + 1` when dilated. */
const kernelText = (k: number, d: number): string => (d === 1 ? `${k}` : `(${d}·(${k} − 1) + 1)`);

function forwardAxis(inDim: number, k: number, s: number, d: number, pb: number, pe: number, ceil: boolean): { text: string; out: number } {
  const out = Number(windowOutputDim(inDim, k, s, d, pb, pe, ceil));
  const [l, r] = ceil ? ['⌈', '⌉'] : ['⌊', '⌋'];
  const inner = `(${inDim} + ${pads(pb, pe)} − ${kernelText(k, d)})`;
  let text = `out = ${l}${inner}/${s}${r} + 1`;
  // ceil_mode drops a last window that would start in the end padding.
  const naive = Math.ceil((inDim + pb + pe - ((k - 1) * d + 1)) / s) + 1;
  if (ceil && naive !== out) text += ' − 1 (the last window would start in the padding)';
  return { text: `${text} = ${out}`, out };
}

function perAxis(node: Node, spatial: number[], weightShape: Shape | undefined): { text: string; out: number }[] | undefined {
  const w = windowAttrs(node, spatial.length, weightShape);
  if (!w) return undefined;
  const n = spatial.length;
  const same = w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER';
  if (node.opType === 'ConvTranspose') {
    const t = transposeAttrs(node, n);
    if (t.outputShape) return spatial.map((_, i) => ({ text: `out = ${t.outputShape![i]} (output_shape)`, out: t.outputShape![i] }));
    return spatial.map((inDim, i) => {
      const s = w.strides[i];
      if (same) return { text: `out = ${inDim}·${s} = ${inDim * s} (padding same)`, out: inDim * s };
      const [pb, pe] = transposePads(w, t, i, inDim)!;
      const op = t.outputPadding[i] ?? 0;
      const ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
      const out = s * (inDim - 1) + op + ek - pb - pe;
      const opText = op ? ` + ${op}` : '';
      return { text: `out = ${s}·(${inDim} − 1) + ${kernelText(w.kernel[i], w.dilations[i])}${opText} − ${pads(pb, pe)} = ${out}`, out };
    });
  }
  return spatial.map((inDim, i) => {
    const s = w.strides[i];
    if (same) {
      const out = Math.ceil(inDim / s);
      const p = samePads(w.autoPad as 'SAME_UPPER' | 'SAME_LOWER', inDim, w.kernel[i], s, w.dilations[i]);
      const padText = p ? `: pads ${p[0]} + ${p[1]}` : '';
      return { text: `out = ⌈${inDim}/${s}⌉ = ${out} (padding same${padText})`, out };
    }
    const [pb, pe] = w.autoPad === 'VALID' ? [0, 0] : [w.pads[i], w.pads[i + n]];
    return forwardAxis(inDim, w.kernel[i], s, w.dilations[i], pb, pe, w.ceilMode);
  });
}

/**
 * The output-size formula of each spatial axis of a Conv / ConvTranspose /
 * pooling node with input `[N, C, spatial…]`, or undefined for other ops and
 * for unknown or symbolic sizes.
 */
export function outputSizeFormulas(node: Node, inputShape: readonly Dim[] | null | undefined, weightShape?: Shape): AxisFormula[] | undefined {
  if (!WINDOW_OPS.has(node.opType) || !inputShape || inputShape.length < 3) return undefined;
  const spatial = inputShape.slice(2);
  if (!spatial.every(isNum)) return undefined;
  const lines = perAxis(node, spatial, weightShape);
  if (!lines) return undefined;
  const names = AXIS_NAMES[spatial.length] ?? spatial.map((_, i) => `axis ${i + 2}`);
  // Axes with the same arithmetic share one line: `H, W: out = …`.
  const merged: AxisFormula[] = [];
  lines.forEach((l, i) => {
    const prev = merged.find((m) => m.text === l.text);
    if (prev) prev.axes += `, ${names[i]}`;
    else merged.push({ axes: names[i], text: l.text, out: l.out });
  });
  return merged;
}
