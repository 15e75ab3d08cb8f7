/**
 * Resampling and block rearrangement (onnx/defs/tensor/defs.cc, old.cc and
 * utils.cc resizeShapeInferenceVersioned):
 *  - Resize 10: X, scales. Resize 11+: X, roi, scales, sizes (one of scales
 *    or sizes, an empty tensor meaning absent); 18+ adds `axes` and
 *    keep_aspect_ratio_policy for sizes. Each axis is floor(in·scale) (float
 *    arithmetic, as ONNX's shape inference), or the size given; not_larger /
 *    not_smaller use one common scale, min / max of size/in over the axes,
 *    and round(scale·in) half up.
 *  - Upsample 1: height_scale/width_scale attributes on NCHW; 7: `scales`
 *    attribute; 9/10: scales input. floor(in·scale) per axis.
 *  - DepthToSpace (DCR/CRD alike for the shape): [N, C/b², H·b, W·b];
 *    SpaceToDepth: [N, C·b², H/b, W/b].
 */
import type { Dim, Shape } from '../../ir';
import { dimFloorDiv, dimMul, fmtShape, isNum, need, normAxis } from './dims';
import { elems, freshDim } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules, type TensorInfo } from './types';

const where = (ctx: OpContext): string => `${ctx.node.opType} '${ctx.node.name}'`;
const f32 = Math.fround;

/** floor(in·scale) in float32, as onnx resizeShapeInferenceHelper computes it; symbolic for exact integer or 1/integer scales. */
function scaledDim(ctx: OpContext, d: Dim, scale: number, axis: number): Dim {
  if (isNum(d)) return Math.floor(f32(f32(d) * f32(scale)));
  if (scale === 1) return d;
  if (Number.isInteger(scale)) return dimMul(d, scale);
  const inv = 1 / scale;
  if (Number.isInteger(inv)) return dimFloorDiv(d, inv);
  return freshDim(ctx, 0, axis);
}

/** An optional input that is present and not an empty tensor. */
function present(t: TensorInfo | undefined): t is TensorInfo {
  if (!t) return false;
  if (t.value && t.value.length === 0) return false;
  if (t.shape && t.shape.length === 1 && t.shape[0] === 0) return false;
  return true;
}

/** The resized axes: `axes` (opset 18+), normalised, or every axis. */
function resizeAxes(ctx: OpContext, rank: number): number[] {
  const axes = ctx.opset >= 18 ? ctx.ints('axes') : undefined;
  if (!axes) return Array.from({ length: rank }, (_, i) => i);
  const norm = axes.map((a) => normAxis(a, rank, ctx));
  if (new Set(norm).size !== norm.length) throw new ShapeError(`${where(ctx)}: axes [${axes.join(',')}] repeat an axis`);
  return norm;
}

function checkCount(ctx: OpContext, what: string, n: number, axes: number[], rank: number): void {
  if (n !== axes.length) {
    throw new ShapeError(`${where(ctx)}: ${what} has ${n} entries but ${axes.length === rank ? `X has rank ${rank}` : `axes has ${axes.length}`}`);
  }
}

/** Output dims for `sizes` under keep_aspect_ratio_policy (onnx KeepAspectRatioHelper). */
function fromSizes(ctx: OpContext, x: Shape, axes: number[], sizes: readonly Dim[]): Shape {
  const out = x.slice();
  const policy = ctx.string('keep_aspect_ratio_policy', 'stretch');
  if (policy !== 'stretch' && policy !== 'not_larger' && policy !== 'not_smaller') {
    throw new ShapeError(`${where(ctx)}: unknown keep_aspect_ratio_policy '${policy}'`);
  }
  if (policy === 'stretch') {
    axes.forEach((a, i) => (out[a] = sizes[i]));
    return out;
  }
  const ins = axes.map((a) => x[a]);
  if (!ins.every(isNum) || !sizes.every(isNum)) {
    axes.forEach((a) => (out[a] = freshDim(ctx, 0, a)));
    return out;
  }
  const ratios = ins.map((d, i) => f32(sizes[i] / f32(d)));
  const scale = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
  axes.forEach((a, i) => (out[a] = Math.floor(f32(scale * ins[i]) + 0.5)));
  return out;
}

const resize: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  const scalesIn = ctx.opset < 11 ? ctx.inputs[1] : ctx.inputs[2];
  const sizesIn = ctx.opset < 11 ? undefined : ctx.inputs[3];
  const axes = resizeAxes(ctx, rank);
  if (present(sizesIn)) {
    if (present(scalesIn) && ctx.opset >= 13) throw new ShapeError(`${where(ctx)}: give either scales or sizes, not both`);
    const sizes = elems(sizesIn);
    if (!sizes) return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? freshDim(ctx, 0, i) : d)) }];
    checkCount(ctx, 'sizes', sizes.length, axes, rank);
    return [{ dtype: x.dtype, shape: fromSizes(ctx, x.shape, axes, sizes) }];
  }
  if (!present(scalesIn)) {
    if (ctx.opset >= 11) throw new ShapeError(`${where(ctx)}: one of scales or sizes must be given`);
    return [{ dtype: x.dtype, shape: x.shape.map((_, i) => freshDim(ctx, 0, i)) }];
  }
  if (ctx.string('keep_aspect_ratio_policy', 'stretch') !== 'stretch') {
    throw new ShapeError(`${where(ctx)}: scales cannot be combined with keep_aspect_ratio_policy other than 'stretch'`);
  }
  const scales = scalesIn.value;
  if (!scales) return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? freshDim(ctx, 0, i) : d)) }];
  checkCount(ctx, 'scales', scales.length, axes, rank);
  const out = x.shape.slice();
  axes.forEach((a, i) => (out[a] = scaledDim(ctx, x.shape![a], scales[i], a)));
  return [{ dtype: x.dtype, shape: out }];
};

const upsample: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  let scales: number[] | undefined;
  if (ctx.opset < 7) {
    // Upsample-1: NCHW with height_scale and width_scale.
    if (rank !== 4) throw new ShapeError(`${where(ctx)}: input must be 4-D (N, C, H, W), got ${fmtShape(x.shape)}`);
    scales = [1, 1, ctx.float('height_scale', 1), ctx.float('width_scale', 1)];
  } else if (ctx.opset < 9) {
    scales = ctx.floats('scales');
  } else {
    scales = ctx.inputs[1]?.value;
  }
  if (!scales) return [{ dtype: x.dtype, shape: x.shape.map((_, i) => freshDim(ctx, 0, i)) }];
  if (scales.length !== rank) throw new ShapeError(`${where(ctx)}: scales has ${scales.length} entries but X has rank ${rank}`);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => scaledDim(ctx, d, scales[i], i)) }];
};

function blocksize(ctx: OpContext, x: Shape): number {
  if (x.length !== 4) throw new ShapeError(`${where(ctx)}: input must be 4-D (N, C, H, W), got ${fmtShape(x)}`);
  const b = ctx.int('blocksize');
  if (b === undefined || b <= 0) throw new ShapeError(`${where(ctx)}: blocksize must be a positive integer`);
  return b;
}

const depthToSpace: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const b = blocksize(ctx, x.shape);
  const [n, c, h, w] = x.shape;
  if (isNum(c) && c % (b * b) !== 0) throw new ShapeError(`${where(ctx)}: ${c} channels are not divisible by blocksize² = ${b * b}`);
  return [{ dtype: x.dtype, shape: [n, dimFloorDiv(c, b * b), dimMul(h, b), dimMul(w, b)] }];
};

const spaceToDepth: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const b = blocksize(ctx, x.shape);
  const [n, c, h, w] = x.shape;
  for (const [name, d] of [['height', h], ['width', w]] as const) {
    if (isNum(d) && d % b !== 0) throw new ShapeError(`${where(ctx)}: ${name} ${d} is not divisible by blocksize ${b}`);
  }
  return [{ dtype: x.dtype, shape: [n, dimMul(c, b * b), dimFloorDiv(h, b), dimFloorDiv(w, b)] }];
};

export const resizeRules: OpRules = {
  Resize: resize,
  Upsample: upsample,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
};
