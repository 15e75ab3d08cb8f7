/**
 * Window geometry of the convolution and pooling operators (Conv,
 * ConvInteger, QLinearConv, DeformConv, ConvTranspose, MaxPool, AveragePool,
 * LpPool, MaxUnpool): reads kernel_shape / strides / dilations / pads /
 * auto_pad / ceil_mode from a node, resolves auto_pad to concrete pads, and
 * computes output spatial sizes. Pure functions of the node and shapes, shared
 * by the shape rules (conv.ts, pool.ts), MACs and the receptive field.
 *
 * Sources: onnx/defs/nn/defs.cc (convPoolShapeInference,
 * convTransposeShapeInference and the pooling/ConvTranspose docs),
 * onnx/reference/ops/_op_common_pool.py and op_conv_transpose.py. The
 * ceil_mode rule that the last window must start inside the input or its
 * left padding is PyTorch's pooling_output_shape (aten/src/ATen/native/Pool.h),
 * which the ONNX tests test_maxpool_2d_ceil_output_size_reduce_by_one and
 * test_averagepool_2d_ceil_last_window_starts_on_pad pin down.
 */
import type { Attribute, Dim, Node, Shape } from '../../ir';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMul, isNum } from './dims';

/** Resolved window geometry of a Conv/ConvTranspose/pooling node, per spatial axis. */
export interface SpatialGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  padsBegin: number[];
  padsEnd: number[];
}

export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** The window attributes as written on a node, before auto_pad is resolved. */
export interface WindowAttrs {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** Explicit pads: begins then ends, zeros when absent. */
  pads: number[];
  autoPad: AutoPad;
  /** Pools only (ceil_mode = 1); false for convolutions. */
  ceilMode: boolean;
}

/** ConvTranspose's extra attributes. */
export interface TransposeAttrs {
  outputPadding: number[];
  /** The output_shape attribute's spatial sizes, if given. */
  outputShape?: number[];
}

function intsAttr(node: Node, name: string): number[] | undefined {
  const a: Attribute | undefined = node.attributes[name];
  if (!a) return undefined;
  if (a.type === 'ints') return a.value;
  if (a.type === 'int') return [a.value];
  return undefined;
}

function intAttr(node: Node, name: string, fallback: number): number {
  const a = node.attributes[name];
  return a?.type === 'int' ? a.value : fallback;
}

function autoPadOf(node: Node): AutoPad {
  const a = node.attributes.auto_pad;
  const s = a?.type === 'string' ? a.value : 'NOTSET';
  return s === 'SAME_UPPER' || s === 'SAME_LOWER' || s === 'VALID' ? s : 'NOTSET';
}

const effectiveKernel = (k: number, d: number): number => (k - 1) * d + 1;

/** The kernel's spatial sizes: kernel_shape, else the weight's dims[2:] when numeric. */
function kernelOf(node: Node, weightShape: Shape | undefined): number[] | undefined {
  const k = intsAttr(node, 'kernel_shape');
  if (k) return k;
  if (!weightShape || weightShape.length < 2) return undefined;
  const spatial = weightShape.slice(2);
  return spatial.every(isNum) ? spatial : undefined;
}

/** Each window attribute and its smallest allowed value (onnx/defs/nn/defs.cc rejects the rest). */
const ATTR_NAMES = ['kernel_shape', 'strides', 'dilations', 'pads', 'output_padding', 'output_shape'];
const ATTR_MIN = [1, 1, 1, 0, 0, 0];

const listText = (v: readonly number[]): string => `[${v.join(', ')}]`;

/** Why `v` is not a list of exact integers ≥ `min`, or undefined. */
function valuesProblem(name: string, v: readonly number[], min: number): string | undefined {
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (Number.isSafeInteger(x) && x >= min) continue;
    return `${name} ${listText(v)} must be ${min > 0 ? 'positive' : 'non-negative'}${v.some((y) => Math.abs(y) > Number.MAX_SAFE_INTEGER) ? ' integers below 2^53' : ''}`;
  }
  return undefined;
}

/**
 * Why the node's window attributes are inconsistent with `nSpatial` spatial
 * axes or forbidden by the spec (a message for a ShapeError), or undefined
 * when they are fine. ONNX's convPoolShapeInference and
 * convTransposeShapeInference reject kernel_shape, strides and dilations
 * that are not positive and pads, output_padding and output_shape that are
 * negative; values must also be exact integers (below 2^53).
 */
export function windowAttrProblem(node: Node, nSpatial: number, weightShape?: Shape): string | undefined {
  const attrs = node.attributes;
  for (let k = 0; k < ATTR_NAMES.length; k++) {
    const name = ATTR_NAMES[k];
    const a = attrs[name];
    if (!a) continue;
    if (a.type !== 'ints' && a.type !== 'int') return `${name} must be a list of integers, not a ${a.type} attribute`;
    const problem = valuesProblem(name, a.type === 'ints' ? a.value : [a.value], ATTR_MIN[k]);
    if (problem) return problem;
  }
  const k = intsAttr(node, 'kernel_shape');
  if (k && k.length !== nSpatial) return `kernel_shape has ${k.length} entries but the input has ${nSpatial} spatial axes`;
  if (weightShape) {
    for (let i = 2; i < weightShape.length; i++) {
      const d = weightShape[i];
      if (!isNum(d)) continue;
      if (!k && d < 1) return `the weight's kernel [${weightShape.slice(2).join(', ')}] must be positive`;
      if (k && weightShape.length === nSpatial + 2 && d !== k[i - 2]) {
        return `kernel_shape [${k.join(',')}] does not match the weight's spatial dims [${weightShape.slice(2).join(',')}]`;
      }
    }
  }
  const strides = intsAttr(node, 'strides');
  if (strides && strides.length !== nSpatial) return `strides has ${strides.length} entries, expected ${nSpatial}`;
  const dilations = intsAttr(node, 'dilations');
  if (dilations && dilations.length !== nSpatial) return `dilations has ${dilations.length} entries, expected ${nSpatial}`;
  const pads = intsAttr(node, 'pads');
  if (pads && pads.length !== 2 * nSpatial) return `pads has ${pads.length} entries, expected ${2 * nSpatial}`;
  return undefined;
}

/**
 * The node's window attributes for `nSpatial` spatial axes (taken from the
 * kernel when unknown). Undefined when the kernel is unknown or an attribute
 * has the wrong length or a forbidden value.
 */
export function windowAttrs(node: Node, nSpatial: number | undefined, weightShape?: Shape): WindowAttrs | undefined {
  const kernel = kernelOf(node, weightShape);
  if (!kernel) return undefined;
  const n = nSpatial ?? kernel.length;
  // Forbidden values have no geometry: no output size, no receptive field.
  if (kernel.length !== n || windowAttrProblem(node, n, weightShape)) return undefined;
  const strides = intsAttr(node, 'strides') ?? new Array<number>(n).fill(1);
  const dilations = intsAttr(node, 'dilations') ?? new Array<number>(n).fill(1);
  const pads = intsAttr(node, 'pads') ?? new Array<number>(2 * n).fill(0);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n) return undefined;
  return { kernel, strides, dilations, pads, autoPad: autoPadOf(node), ceilMode: intAttr(node, 'ceil_mode', 0) === 1 };
}

/** ConvTranspose's output_padding and output_shape (its spatial part). */
export function transposeAttrs(node: Node, nSpatial: number): TransposeAttrs {
  const outputPadding = intsAttr(node, 'output_padding') ?? new Array<number>(nSpatial).fill(0);
  let outputShape = intsAttr(node, 'output_shape');
  // onnxruntime accepts a full N,C,... output_shape too; its spatial part is what matters.
  if (outputShape && outputShape.length === nSpatial + 2) outputShape = outputShape.slice(2);
  return { outputPadding, outputShape };
}

/**
 * SAME_UPPER/SAME_LOWER pads [begin, end] for one axis: the total
 * max(0, (ceil(in/s) - 1)·s + (k-1)·d + 1 - in), the odd pixel at the end for
 * SAME_UPPER and at the beginning for SAME_LOWER. Undefined when `inDim` is
 * symbolic and the stride is not 1 (then the total depends on it).
 */
export function samePads(autoPad: 'SAME_UPPER' | 'SAME_LOWER', inDim: Dim, k: number, s: number, d: number): [number, number] | undefined {
  const ek = effectiveKernel(k, d);
  let total: number;
  if (s === 1) total = Math.max(0, ek - 1);
  else if (isNum(inDim)) total = Math.max(0, (Math.ceil(inDim / s) - 1) * s + ek - inDim);
  else return undefined;
  const small = Math.floor(total / 2);
  return autoPad === 'SAME_UPPER' ? [small, total - small] : [total - small, small];
}

/**
 * Output size of one conv/pool axis with explicit pads:
 * floor((in + pb + pe - ek) / s) + 1, or with ceil_mode the ceiling, less one
 * when the last window would start beyond the input and its left padding.
 * Symbolic inputs give a symbolic expression (the ceil_mode correction cannot
 * be decided symbolically and is left out).
 */
export function windowOutputDim(inDim: Dim, k: number, s: number, d: number, pb: number, pe: number, ceilMode: boolean): Dim {
  const ek = effectiveKernel(k, d);
  if (isNum(inDim)) {
    const span = inDim + pb + pe - ek;
    if (!ceilMode) return Math.floor(span / s) + 1;
    let out = Math.ceil(span / s) + 1;
    if ((out - 1) * s >= inDim + pb) out--;
    return out;
  }
  const c = pb + pe - ek;
  if (s === 1) return dimAdd(inDim, c + 1);
  // floor((in + c) / s) + 1 = floor((in + c + s) / s); likewise for the ceiling.
  return ceilMode ? dimCeilDiv(dimAdd(inDim, c + s), s) : dimFloorDiv(dimAdd(inDim, c + s), s);
}

/**
 * Output spatial sizes of a convolution or pooling: SAME_* gives ceil(in/s)
 * (whatever ceil_mode, as the reference implementation does), VALID uses no
 * padding, NOTSET the explicit pads.
 */
export function convPoolOutputSpatial(spatial: readonly Dim[], w: WindowAttrs): Dim[] {
  const n = spatial.length;
  return spatial.map((inDim, i) => {
    const s = w.strides[i];
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimCeilDiv(inDim, s);
    const [pb, pe] = w.autoPad === 'VALID' ? [0, 0] : [w.pads[i], w.pads[i + n]];
    return windowOutputDim(inDim, w.kernel[i], s, w.dilations[i], pb, pe, w.ceilMode);
  });
}

/** The spec's split of a ConvTranspose total padding: the odd pixel at the end for SAME_UPPER, else at the beginning. */
function splitTransposePad(autoPad: AutoPad, total: number): [number, number] {
  const half = Math.floor(total / 2);
  return autoPad === 'SAME_UPPER' ? [half, total - half] : [total - half, half];
}

/**
 * ConvTranspose pads [begin, end] for one axis. With output_shape (or
 * SAME_*, whose target is in·s) the pads are generated from
 * total = s·(in-1) + output_padding + (k-1)·d + 1 - out; otherwise they are
 * the explicit pads (zero for VALID). Undefined when they depend on a
 * symbolic input size.
 */
export function transposePads(w: WindowAttrs, t: TransposeAttrs, i: number, inDim: Dim | undefined): [number, number] | undefined {
  const n = w.kernel.length;
  const s = w.strides[i];
  const ek = effectiveKernel(w.kernel[i], w.dilations[i]);
  const op = t.outputPadding[i] ?? 0;
  if (t.outputShape) {
    if (inDim === undefined || !isNum(inDim)) return undefined;
    return splitTransposePad(w.autoPad, s * (inDim - 1) + op + ek - t.outputShape[i]);
  }
  // With target in·s the input size cancels out: total = output_padding + ek - s.
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return splitTransposePad(w.autoPad, op + ek - s);
  if (w.autoPad === 'VALID') return [0, 0];
  return [w.pads[i], w.pads[i + n]];
}

/**
 * ConvTranspose output spatial sizes: output_shape when given; in·s for
 * SAME_*; else s·(in-1) + output_padding + (k-1)·d + 1 - pb - pe.
 */
export function convTransposeOutputSpatial(spatial: readonly Dim[], w: WindowAttrs, t: TransposeAttrs): Dim[] {
  return spatial.map((inDim, i) => {
    if (t.outputShape) return t.outputShape[i];
    const s = w.strides[i];
    if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return dimMul(inDim, s);
    const [pb, pe] = transposePads(w, t, i, inDim)!;
    const ek = effectiveKernel(w.kernel[i], w.dilations[i]);
    return dimAdd(dimMul(inDim, s), (t.outputPadding[i] ?? 0) + ek - pb - pe - s);
  });
}

/** Pads [begin, end] of a forward conv/pool axis; an unknown size ('?') still resolves SAME at stride 1. */
function forwardPads(w: WindowAttrs, i: number, inDim: Dim | undefined): [number, number] | undefined {
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') return samePads(w.autoPad, inDim ?? '?', w.kernel[i], w.strides[i], w.dilations[i]);
  if (w.autoPad === 'VALID') return [0, 0];
  return [w.pads[i], w.pads[i + w.kernel.length]];
}

/**
 * The resolved window of a conv/pool node: kernel (kernel_shape, else the
 * weight's dims[2:]), strides, dilations and concrete pads with auto_pad
 * resolved against the input's spatial sizes. With ceil_mode, padsEnd
 * includes the extra end padding the ceiling implies, so that
 * floor((in + padsBegin + padsEnd - ek) / s) + 1 is the output size.
 * Undefined when the kernel is unknown or the pads depend on a symbolic size.
 */
export function convPoolGeometry(node: Node, inputShape: Shape | undefined, weightShape?: Shape): SpatialGeometry | undefined {
  const nSpatial = inputShape ? inputShape.length - 2 : undefined;
  if (nSpatial !== undefined && nSpatial < 0) return undefined;
  const w = windowAttrs(node, nSpatial, weightShape);
  if (!w) return undefined;
  const n = w.kernel.length;
  const spatial = inputShape?.slice(2);
  const padsBegin: number[] = [];
  const padsEnd: number[] = [];
  const transpose = node.opType === 'ConvTranspose' ? transposeAttrs(node, n) : undefined;
  for (let i = 0; i < n; i++) {
    const inDim = spatial?.[i];
    const p = transpose ? transposePads(w, transpose, i, inDim) : forwardPads(w, i, inDim);
    if (!p) return undefined;
    const pb = p[0];
    let pe = p[1];
    if (!transpose && w.ceilMode && inDim !== undefined && isNum(inDim)) {
      const s = w.strides[i];
      const ek = effectiveKernel(w.kernel[i], w.dilations[i]);
      const out = windowOutputDim(inDim, w.kernel[i], s, w.dilations[i], pb, pe, true);
      pe = Math.max(pe, (Number(out) - 1) * s + ek - inDim - pb);
    }
    padsBegin.push(pb);
    padsEnd.push(pe);
  }
  return { kernel: w.kernel, strides: w.strides, dilations: w.dilations, padsBegin, padsEnd };
}
