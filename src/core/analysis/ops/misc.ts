/**
 * Operators that show up around CNNs without being layers of their own:
 * quantization (QDQ models), scatter and random fills, Einsum, detection
 * heads (RoiAlign, NonMaxSuppression), GridSample, and onnxruntime's fused
 * convolution. Semantics per onnx/defs/quantization, tensor, generator,
 * math (Einsum) and object_detection defs.
 */
import type { Dim } from '../../ir';
import { dtypeFromOnnx } from '../../dtype';
import { fmtShape, isNum, need } from './dims';
import { elems, freshDim } from './shape-data';
import { ShapeError, type OpRule, type OpRules } from './types';
import { convRules } from './conv';

const passShape: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** QuantizeLinear: y has x's shape; its type is the zero point's, else output_dtype (opset 21), else uint8. */
const quantizeLinear: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const attr = ctx.int('output_dtype', 0);
  const dtype = ctx.inputs[2]?.dtype ?? (attr ? dtypeFromOnnx(attr) : 'uint8');
  return [{ dtype, shape: x.shape }];
};

/** DequantizeLinear: x's shape, the scale's float type. */
const dequantizeLinear: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: ctx.inputs[1]?.dtype ?? 'float32', shape: x.shape }];
};

const dynamicQuantizeLinear: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: 'uint8', shape: x.shape }, { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }];
};

/** RandomNormal/RandomUniform: shape and dtype from attributes (default float32). */
const randomFill: OpRule = (ctx) => [{ dtype: dtypeFromOnnx(ctx.int('dtype', 1)) ?? 'float32', shape: ctx.ints('shape') }];

/** RandomNormalLike/…Like and Bernoulli: the input's shape, dtype attribute or the input's. */
const randomLike: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const d = ctx.int('dtype');
  return [{ dtype: d !== undefined ? dtypeFromOnnx(d) : x.dtype, shape: x.shape }];
};

/**
 * Einsum: output subscripts given after '->', else the indices that appear
 * once, in alphabetical order; '...' broadcasts the leading dims.
 */
export function einsumOutput(equation: string, shapes: readonly (Dim[] | undefined)[]): Dim[] | undefined {
  const eq = equation.replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->');
  const terms = lhs.split(',');
  if (terms.length !== shapes.length || shapes.some((s) => !s)) return undefined;
  const size = new Map<string, Dim>();
  let ellipsis: Dim[] = [];
  terms.forEach((term, t) => {
    const shape = shapes[t]!;
    const letters = term.replace('...', '');
    const ell = term.includes('...') ? shape.length - letters.length : 0;
    if (ell < 0 || (!term.includes('...') && letters.length !== shape.length)) {
      throw new ShapeError(`Einsum term '${term}' does not match input ${t}'s shape ${fmtShape(shape)}`);
    }
    const before = term.indexOf('...') < 0 ? letters.length : term.indexOf('...');
    if (ell > ellipsis.length) ellipsis = shape.slice(before, before + ell);
    [...letters].forEach((ch, i) => {
      const d = shape[i < before ? i : i + ell];
      const prev = size.get(ch);
      if (prev === undefined || prev === 1) size.set(ch, d);
      else if (isNum(prev) && isNum(d) && d !== 1 && d !== prev) {
        throw new ShapeError(`Einsum index '${ch}' is ${prev} in one input and ${d} in another`);
      }
    });
  });
  let outTerm = rhs;
  if (outTerm === undefined) {
    const counts = new Map<string, number>();
    for (const ch of terms.join('').replace(/\.\.\./g, '')) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    outTerm = (ellipsis.length ? '...' : '') + [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join('');
  }
  const out: Dim[] = [];
  const parts = outTerm.split('...');
  for (const ch of parts[0]) out.push(size.get(ch)!);
  if (parts.length > 1) {
    out.push(...ellipsis);
    for (const ch of parts[1]) out.push(size.get(ch)!);
  }
  if (out.some((d) => d === undefined)) throw new ShapeError(`Einsum output '${outTerm}' names an index no input has`);
  return out;
}

/** Multiply-adds of an Einsum: the product of every index's size (ellipsis dims included). */
export function einsumMacs(equation: string, shapes: readonly number[][]): number {
  const lhs = equation.replace(/\s+/g, '').split('->')[0];
  const size = new Map<string, number>();
  let ellipsis = 1;
  lhs.split(',').forEach((term, t) => {
    const shape = shapes[t];
    if (!shape) return;
    const letters = term.replace('...', '');
    const ell = term.includes('...') ? shape.length - letters.length : 0;
    const before = term.includes('...') ? term.indexOf('...') : letters.length;
    ellipsis = Math.max(ellipsis, shape.slice(before, before + ell).reduce((a, b) => a * b, 1));
    [...letters].forEach((ch, i) => size.set(ch, Math.max(size.get(ch) ?? 1, shape[i < before ? i : i + ell])));
  });
  return [...size.values()].reduce((a, b) => a * b, ellipsis);
}

const einsum: OpRule = (ctx) => {
  const eq = ctx.string('equation');
  if (!eq) throw new ShapeError(`Einsum '${ctx.node.name}' has no equation`);
  const ins = ctx.inputs.map((t) => t?.shape);
  return [{ dtype: ctx.inputs[0]?.dtype, shape: einsumOutput(eq, ins) }];
};

/** RoiAlign: [num_rois, C, output_height, output_width]. */
const roiAlign: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const rois = need(ctx, 1);
  const n: Dim = rois.shape?.[0] ?? freshDim(ctx, 0, 0);
  const c: Dim = x.shape?.[1] ?? freshDim(ctx, 0, 1);
  return [{ dtype: x.dtype, shape: [n, c, ctx.int('output_height', 1), ctx.int('output_width', 1)] }];
};

/** MaxRoiPool: [num_rois, C, pooled_shape…]. */
const maxRoiPool: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const rois = need(ctx, 1);
  const pooled = ctx.ints('pooled_shape') ?? [];
  return [{ dtype: x.dtype, shape: [rois.shape?.[0] ?? freshDim(ctx, 0, 0), x.shape?.[1] ?? freshDim(ctx, 0, 1), ...pooled] }];
};

/** NonMaxSuppression: [selected (data-dependent), 3] int64. */
const nonMaxSuppression: OpRule = (ctx) => [{ dtype: 'int64', shape: [freshDim(ctx, 0, 0), 3] }];

/** Compress: the selected count along `axis` is data-dependent (flattened when no axis). */
const compress: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const axis = ctx.int('axis');
  if (axis === undefined || !x.shape) return [{ dtype: x.dtype, shape: [freshDim(ctx, 0, 0)] }];
  const a = axis < 0 ? axis + x.shape.length : axis;
  const shape = [...x.shape];
  const cond = elems(ctx.inputs[1]);
  shape[a] = cond && cond.every(isNum) ? cond.filter(Boolean).length : freshDim(ctx, 0, a);
  return [{ dtype: x.dtype, shape }];
};

/** GridSample: [N, C, grid's spatial dims…] (grid is [N, H_out, W_out, 2]). */
const gridSample: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const grid = need(ctx, 1);
  if (!x.shape || !grid.shape) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...grid.shape.slice(1, -1)] }];
};

/** Unique: data-dependent sizes. */
const unique: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const axis = ctx.int('axis');
  const n = freshDim(ctx, 0, 0);
  let y: Dim[] | undefined = [n];
  if (axis !== undefined && x.shape) {
    y = [...x.shape];
    y[axis < 0 ? axis + y.length : axis] = n;
  }
  return [{ dtype: x.dtype, shape: y }, { dtype: 'int64', shape: [n] }, { dtype: 'int64', shape: [x.shape && axis === undefined ? freshDim(ctx, 2, 0) : x.shape?.[axis ?? 0] ?? freshDim(ctx, 2, 0)] }, { dtype: 'int64', shape: [n] }];
};

/** Det: the batch dims (all but the last two). */
const det: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: x.shape?.slice(0, -2) }];
};

/** ImageScaler (opset 1–9) and Crop (opset 1): pass-through / border crop. */
const crop: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape || x.shape.length !== 4) return [{ dtype: x.dtype }];
  const border = ctx.ints('border') ?? [0, 0, 0, 0];
  const scale = ctx.ints('scale');
  const [n, c, h, w] = x.shape;
  const oh = scale ? scale[0] : isNum(h) ? h - border[1] - border[3] : h;
  const ow = scale ? scale[1] : isNum(w) ? w - border[0] - border[2] : w;
  return [{ dtype: x.dtype, shape: [n, c, oh, ow] }];
};

export const miscRules: OpRules = {
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  RandomNormal: randomFill,
  RandomUniform: randomFill,
  RandomNormalLike: randomLike,
  RandomUniformLike: randomLike,
  Bernoulli: randomLike,
  ScatterND: passShape,
  ScatterElements: passShape,
  Scatter: passShape,
  ReverseSequence: passShape,
  LpNormalization: passShape,
  ImageScaler: passShape,
  Crop: crop,
  Einsum: einsum,
  RoiAlign: roiAlign,
  MaxRoiPool: maxRoiPool,
  NonMaxSuppression: nonMaxSuppression,
  Compress: compress,
  GridSample: gridSample,
  Unique: unique,
  Det: det,
  // onnxruntime's fusion of Conv + activation: Conv's shape rule.
  'com.microsoft:FusedConv': convRules.Conv,
};
