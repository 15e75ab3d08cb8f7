/**
 * Keras layers that move elements around: Flatten, Reshape, ZeroPadding2D,
 * Cropping2D, UpSampling2D. Keras flattens and reshapes in channels-last
 * order, so on spatial NCHW values these go through NHWC (Transpose) to keep
 * element order, as tf2onnx does.
 */
import type { Args } from './args';
import type { LoweringContext } from './context';
import { inputOfRank, kerasShape } from './conv';
import { nullProto } from '../lookup';

type Lower = (ctx: LoweringContext, a: Args, x: string) => string | undefined;

const toLast = (r: number) => [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
const toFirst = (r: number) => [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];

function flatten(ctx: LoweringContext, _a: Args, x: string): string | undefined {
  const s = ctx.shapeOf(x);
  if (!s) return undefined;
  // With a 1×1 (or no) spatial extent NCHW and NHWC orders agree: no Transpose needed.
  const spatial = s.slice(2).reduce((p, d) => p * d, 1);
  const t = s.length > 2 && spatial > 1 ? ctx.inKerasOrder(ctx.node('Transpose', [x], { perm: toLast(s.length) })) : x;
  return ctx.node('Flatten', [t], { axis: 1 });
}

function reshape(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const s = ctx.shapeOf(x);
  const target = a.raw('target_shape');
  if (!Array.isArray(target) || target.length === 0 || !target.every((d) => Number.isInteger(d) && (d >= 1 || d === -1))) {
    ctx.problem(`${a.label}: target_shape must be a list of positive integers (one may be -1), batch excluded`, 'error', { arg: 'target_shape' });
    return undefined;
  }
  if (!s) return undefined;
  const t = s.length > 2 ? ctx.inKerasOrder(ctx.node('Transpose', [x], { perm: toLast(s.length) })) : x;
  // 0 keeps the input's batch (ONNX Reshape), so a symbolic or --batch batch flows through.
  const y = ctx.inKerasOrder(ctx.node('Reshape', [t, ctx.ints('shape', [0, ...(target as number[])])]));
  const r = target.length + 1;
  return r > 2 ? ctx.node('Transpose', [y], { perm: toFirst(r) }) : y;
}

/** ZeroPadding2D / Cropping2D amounts: n, [h, w] or [[top, bottom], [left, right]]. */
function amounts(a: Args, name: string, fallback: number): [number, number, number, number] | undefined {
  const v = a.raw(name) ?? fallback;
  const ok = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  if (ok(v)) return [v, v, v, v];
  if (Array.isArray(v) && v.length === 2 && v.every(ok)) return [v[0], v[0], v[1], v[1]];
  if (Array.isArray(v) && v.length === 2 && v.every((p) => Array.isArray(p) && p.length === 2 && p.every(ok))) {
    const [[t, b], [l, r]] = v as number[][];
    return [t, b, l, r];
  }
  return undefined;
}

function zeroPadding(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const p = amounts(a, 'padding', 1);
  if (!p) {
    ctx.problem(`${a.label}: padding must be n, [h, w] or [[top, bottom], [left, right]]`, 'error', { arg: 'padding' });
    return undefined;
  }
  if (!inputOfRank(ctx, a, x, 4, 'batch, height, width, channels')) return undefined;
  const [t, b, l, r] = p;
  return ctx.node('Pad', [x, ctx.ints('pads', [0, 0, t, l, 0, 0, b, r])], { mode: 'constant' });
}

function cropping(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const c = amounts(a, 'cropping', 0);
  if (!c) {
    ctx.problem(`${a.label}: cropping must be n, [h, w] or [[top, bottom], [left, right]]`, 'error', { arg: 'cropping' });
    return undefined;
  }
  const s = inputOfRank(ctx, a, x, 4, 'batch, height, width, channels');
  if (!s) return undefined;
  const [t, b, l, r] = c;
  if (t + b >= s[2] || l + r >= s[3]) {
    ctx.problem(`${a.label}: cropping (${t}+${b}, ${l}+${r}) leaves nothing of a ${s[2]}×${s[3]} input ${kerasShape(s)}`, 'error', { arg: 'cropping' });
    return undefined;
  }
  return ctx.node('Slice', [x, ctx.ints('starts', [t, l]), ctx.ints('ends', [s[2] - b, s[3] - r]), ctx.ints('axes', [2, 3])]);
}

function upSampling(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const size = a.tuple('size', 2, [2, 2]);
  const interpolation = a.str('interpolation', 'nearest', ['nearest', 'bilinear']);
  if (!size || !inputOfRank(ctx, a, x, 4, 'batch, height, width, channels')) return undefined;
  const attrs: Record<string, string> = interpolation === 'nearest'
    ? { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'asymmetric' }
    : { mode: 'linear', coordinate_transformation_mode: 'half_pixel' };
  return ctx.node('Resize', [x, '', ctx.floats([1, 1, size[0], size[1]])], attrs);
}

export const SHAPE_LAYERS: Record<string, { args: readonly string[]; lower: Lower }> = nullProto({
  Flatten: { args: [], lower: flatten },
  Reshape: { args: ['target_shape'], lower: reshape },
  ZeroPadding2D: { args: ['padding'], lower: zeroPadding },
  Cropping2D: { args: ['cropping'], lower: cropping },
  UpSampling2D: { args: ['size', 'interpolation'], lower: upSampling },
});
