/**
 * Shape data: the element values of small integer tensors that hold
 * dimensions (the output of Shape and what exporters compute from it), kept
 * even when some entries are symbolic. This mirrors ONNX's own data
 * propagation (onnx/defs/shape_inference.h, `generatedShapeData` as a
 * TensorShapeProto whose dims may be `dim_param`s), so that
 * x[N,3,H,W] → Shape → Gather → Concat → Reshape gives [N, 3*H*W] even though
 * N has no number.
 *
 * Also the index-mapping fold shared by the data-movement rules (Gather,
 * Slice, Transpose, Concat, Tile, Expand).
 */
import type { Dim, Shape } from '../../ir';
import { allNumeric, isNum, numel, strides } from './dims';
import { MAX_FOLD_ELEMENTS, type OpContext, type TensorInfo } from './types';

/**
 * A TensorInfo that may also carry symbolic element values. `symbolic` is set
 * only when `value` cannot be (some entry is a symbolic dim); the driver keeps
 * the object (or spreads it), so the field travels from producer to consumer.
 */
export interface ShapeDataInfo extends TensorInfo {
  symbolic?: Dim[];
}

/** The known elements of `t`: numbers from `value`, else symbolic shape data. */
export function elems(t: TensorInfo | undefined): Dim[] | undefined {
  if (!t) return undefined;
  return t.value ?? t.symbolic;
}

/** A TensorInfo with its elements recorded as `value` (all numbers) or `symbolic`. */
export function withElems(info: TensorInfo, data: readonly Dim[] | undefined): ShapeDataInfo {
  if (!data || data.length > MAX_FOLD_ELEMENTS) return info;
  if (info.shape && allNumeric(info.shape) && numel(info.shape) !== data.length) return info;
  if (data.every(isNum)) return { ...info, value: data.slice() };
  return { ...info, symbolic: data.slice() };
}

/**
 * A fresh symbolic dim for a size the rule cannot know (data-dependent or
 * from an input whose values are unknown), named after the output and axis
 * and marked with a leading '?'.
 */
export function freshDim(ctx: OpContext, output: number, axis: number): string {
  const name = ctx.node.outputs[output] || `${ctx.node.name}:${output}`;
  return `?${name}[${axis}]`;
}

/**
 * Whether a Slice bound is an "to the end" sentinel: int64 ±2^63 (arrives as
 * an imprecise huge number) or int32's 2^31 − 1 / −2^31, which tf2onnx and
 * TF's StridedSlice (begin/end masks) write. No axis is 2^31 − 1 long.
 */
export function isHuge(v: number): boolean {
  return Math.abs(v) >= 2 ** 31 - 1;
}

/**
 * Builds an output's elements by mapping each output multi-index to a flat
 * index into `source` (row-major). Returns undefined when the output is too
 * big to fold or its shape is not numeric.
 */
export function foldIndex<T>(
  outShape: Shape | undefined,
  source: readonly T[],
  sourceIndex: (outIndex: readonly number[]) => number,
): T[] | undefined {
  if (!outShape || !allNumeric(outShape)) return undefined;
  const n = numel(outShape);
  if (n > MAX_FOLD_ELEMENTS) return undefined;
  const st = strides(outShape);
  const idx = new Array<number>(outShape.length).fill(0);
  const out = new Array<T>(n);
  for (let k = 0; k < n; k++) {
    let rem = k;
    for (let d = 0; d < outShape.length; d++) {
      idx[d] = Math.floor(rem / st[d]);
      rem -= idx[d] * st[d];
    }
    const j = sourceIndex(idx);
    if (j < 0 || j >= source.length) return undefined;
    out[k] = source[j];
  }
  return out;
}

/** The flat row-major index of `idx` in a tensor of numeric shape `shape`. */
export function flatIndex(idx: readonly number[], shape: readonly number[]): number {
  let f = 0;
  for (let d = 0; d < shape.length; d++) f = f * shape[d] + idx[d];
  return f;
}

/** An integer-list argument that is an attribute in older opsets and an input in newer ones. */
export interface IntsArg {
  /** Whether the node gives the argument at all. */
  given: boolean;
  /** Its numbers, when known. */
  values?: number[];
  /** Its length, when the values are unknown but the input's shape is. */
  length?: number;
}

/**
 * Reads `attr` when `ctx.opset < fromOpset`, else input `input` (values only
 * when every element is a number).
 */
export function intsArg(ctx: OpContext, attr: string, input: number, fromOpset: number): IntsArg {
  if (ctx.opset < fromOpset) {
    const v = ctx.ints(attr);
    return v ? { given: true, values: v, length: v.length } : { given: false };
  }
  const t = ctx.inputs[input];
  if (!t) return { given: false };
  const e = elems(t);
  if (e && e.every(isNum)) return { given: true, values: e, length: e.length };
  const s = t.shape;
  const length = s && s.length <= 1 ? (s.length === 0 ? 1 : s[0]) : undefined;
  return { given: true, length: isNum(length) ? length : undefined };
}
