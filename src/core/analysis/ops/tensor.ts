/**
 * Joining, splitting, slicing and padding: Concat, Split, Slice, Pad
 * (onnx/defs/tensor/defs.cc and old.cc). Concat, Split and Slice fold small
 * values, symbolic shape data included, for exporter chains such as
 * Shape → Slice → Concat → Reshape.
 */
import type { Dim, Shape } from '../../ir';
import { allNumeric, dimAdd, dimCeilDiv, dimFloorDiv, dimMul, fmtShape, isNum, need, normAxis } from './dims';
import { elems, flatIndex, foldIndex, freshDim, intsArg, isHuge, withElems, type IntsArg } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules, type TensorInfo } from './types';

/** Concat along `axis` (default 1 in opset 1, required from 4; negative from 11). */
const concat: OpRule = (ctx) => {
  const ins = ctx.inputs.filter((t): t is TensorInfo => t !== undefined);
  if (ins.length === 0) need(ctx, 0);
  const dtype = ins.find((t) => t.dtype)?.dtype;
  const ranked = ins.filter((t) => t.shape);
  if (ranked.length === 0) return [{ dtype }];
  const rank = ranked[0].shape!.length;
  const axis = normAxis(ctx.int('axis', 1), rank, ctx);
  const out: Dim[] = ranked[0].shape!.slice();
  for (const t of ranked) {
    const s = t.shape!;
    if (s.length !== rank) throw new ShapeError(`Concat '${ctx.node.name}': inputs have different ranks (${fmtShape(ranked[0].shape)} and ${fmtShape(s)})`);
    s.forEach((d, i) => {
      if (i === axis) return;
      if (isNum(d) && isNum(out[i]) && d !== out[i]) {
        throw new ShapeError(`Concat '${ctx.node.name}' on axis ${axis}: dim ${i} differs between inputs (${fmtShape(ranked[0].shape)} and ${fmtShape(s)})`);
      }
      if (isNum(d) && !isNum(out[i])) out[i] = d;
    });
  }
  // An input of unknown rank leaves the concatenated length unknown.
  out[axis] = ranked.length < ins.length ? freshDim(ctx, 0, axis) : ranked.reduce((acc: Dim, t) => dimAdd(acc, t.shape![axis]), 0);
  let value: Dim[] | undefined;
  const parts = ins.map(elems);
  if (ranked.length === ins.length && parts.every((p) => p) && ins.every((t) => allNumeric(t.shape))) {
    value = [];
    // Row-major concat: for each outer index, each input's block of inner elements.
    const outer = (out.slice(0, axis) as number[]).reduce((a, b) => a * b, 1);
    for (let o = 0; o < outer; o++) {
      ins.forEach((t, k) => {
        const block = (t.shape as number[]).slice(axis).reduce((a, b) => a * b, 1);
        value!.push(...parts[k]!.slice(o * block, (o + 1) * block));
      });
    }
  }
  return [withElems({ dtype, shape: out }, value)];
};

/** Equal (numeric or symbolic) split of `d` into `n` parts; the last may be smaller (num_outputs, opset 18). */
function equalSplit(ctx: OpContext, d: Dim, n: number, ceil: boolean): Dim[] {
  if (isNum(d)) {
    if (!ceil && d % n !== 0) throw new ShapeError(`Split '${ctx.node.name}': axis size ${d} does not split evenly into ${n} outputs`);
    const chunk = Math.ceil(d / n);
    return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, d - chunk * i)));
  }
  if (!ceil) return new Array<Dim>(n).fill(dimFloorDiv(d, n));
  const chunk = dimCeilDiv(d, n);
  return Array.from({ length: n }, (_, i) => (i < n - 1 ? chunk : `${d}-${dimMul(`(${chunk})`, n - 1)}`));
}

/**
 * Split along `axis`: lengths from the `split` attribute (opset 1-12; opset 1
 * also as input 1) or input (13+), else equal parts, with `num_outputs`
 * (18+) rounding up and leaving the last part smaller.
 */
const split: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const n = ctx.node.outputs.length;
  if (!x.shape) return ctx.node.outputs.map(() => ({ dtype: x.dtype }));
  const r = x.shape.length;
  const axis = normAxis(ctx.int('axis', 0), r, ctx);
  const d = x.shape[axis];
  let sizes: Dim[] | undefined;
  const arg = ctx.opset === 1 && !ctx.attr('split') ? intsArg(ctx, 'split', 1, 1) : intsArg(ctx, 'split', 1, 13);
  if (arg.given && !arg.values) {
    sizes = ctx.node.outputs.map((_, k) => freshDim(ctx, k, axis));
  } else if (arg.values) {
    if (arg.values.length !== n) throw new ShapeError(`Split '${ctx.node.name}': ${arg.values.length} split lengths for ${n} outputs`);
    const total = arg.values.reduce((a, b) => a + b, 0);
    if (isNum(d) && total !== d) throw new ShapeError(`Split '${ctx.node.name}': split lengths [${arg.values.join(',')}] sum to ${total}, but axis ${axis} has size ${d}`);
    sizes = arg.values;
  } else {
    const numOutputs = ctx.opset >= 18 ? ctx.int('num_outputs') : undefined;
    if (numOutputs !== undefined && numOutputs !== n) throw new ShapeError(`Split '${ctx.node.name}': num_outputs is ${numOutputs} but the node has ${n} outputs`);
    sizes = equalSplit(ctx, d, n, numOutputs !== undefined);
  }
  const src = elems(x);
  let offset: Dim = 0;
  return sizes.map((size) => {
    const shape = x.shape!.map((dim, i) => (i === axis ? size : dim));
    const start = offset;
    offset = dimAdd(offset, size);
    const inShape = x.shape!;
    const value = src && allNumeric(inShape) && isNum(start)
      ? foldIndex(shape, src, (o) => flatIndex(o.map((v, i) => (i === axis ? v + start : v)), inShape))
      : undefined;
    return withElems({ dtype: x.dtype, shape }, value);
  });
};

/** One sliced axis: numbers when the dim is known, else a best guess assuming the dim is large enough. */
interface AxisSlice {
  len: Dim;
  /** First index taken and step, for folding (numeric dims only). */
  start?: number;
  step: number;
}

function sliceAxis(ctx: OpContext, d: Dim, start: number, end: number, step: number, out: number, axis: number): AxisSlice {
  if (step === 0) throw new ShapeError(`Slice '${ctx.node.name}': step 0 on axis ${axis}`);
  if (isNum(d)) {
    // onnx Slice-13 semantics: negative indices count from the end, then clamp.
    let s = start < 0 ? start + d : start;
    let e = end < 0 ? end + d : end;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      s = Math.min(Math.max(s, 0), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    const len = Math.max(0, Math.ceil((e - s) / step));
    return { len, start: s, step };
  }
  // Symbolic dim: each bound is an offset from 0 or from the end.
  // INT64_MAX/INT64_MIN-like sentinels clamp as in the numeric case.
  const bound = (v: number, isStart: boolean): { fromEnd: boolean; off: number } => {
    if (isHuge(v)) {
      if (v > 0) return { fromEnd: true, off: step > 0 ? 0 : -1 };
      return { fromEnd: false, off: step > 0 || isStart ? 0 : -1 };
    }
    return v < 0 ? { fromEnd: true, off: v } : { fromEnd: false, off: v };
  };
  const s = bound(start, true);
  const e = bound(end, false);
  const a = Math.abs(step);
  const diff = step > 0 ? e.off - s.off : s.off - e.off;
  if (s.fromEnd === e.fromEnd) return { len: Math.max(0, Math.ceil(diff / a)), step };
  // One bound from the end, the other from 0: (d + diff) / |step|, if the bounds are in the right order.
  if ((step > 0) === e.fromEnd) return { len: a === 1 ? dimAdd(d, diff) : dimCeilDiv(dimAdd(d, diff), a), step };
  return { len: freshDim(ctx, out, axis), step };
}

/** Slice: starts/ends/axes attributes in opset 1-9, inputs (plus steps) from 10. */
const slice: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const r = x.shape.length;
  const starts = intsArg(ctx, 'starts', 1, 10);
  const ends = intsArg(ctx, 'ends', 2, 10);
  const axesArg = intsArg(ctx, 'axes', 3, 10);
  const stepsArg: IntsArg = ctx.opset < 10 ? { given: false } : intsArg(ctx, 'steps', 4, 10);
  const fresh = (sel: (i: number) => boolean): Shape => x.shape!.map((d, i) => (sel(i) ? freshDim(ctx, 0, i) : d));
  if (axesArg.given && !axesArg.values) return [{ dtype: x.dtype, shape: fresh(() => true) }];
  const count = starts.values?.length ?? starts.length ?? ends.values?.length ?? ends.length;
  const axes = (axesArg.values ?? Array.from({ length: count ?? r }, (_, i) => i)).map((a) => normAxis(a, r, ctx));
  if (new Set(axes).size !== axes.length) throw new ShapeError(`Slice '${ctx.node.name}': repeated axes`);
  if (!starts.values || !ends.values || (stepsArg.given && !stepsArg.values)) {
    return [{ dtype: x.dtype, shape: fresh((i) => axes.includes(i)) }];
  }
  const steps = stepsArg.values ?? axes.map(() => 1);
  if (starts.values.length !== axes.length || ends.values.length !== axes.length || steps.length !== axes.length) {
    throw new ShapeError(`Slice '${ctx.node.name}': starts, ends, axes and steps have different lengths`);
  }
  const per = new Array<AxisSlice | undefined>(r).fill(undefined);
  axes.forEach((a, k) => (per[a] = sliceAxis(ctx, x.shape![a], starts.values![k], ends.values![k], steps[k], 0, a)));
  const shape = x.shape.map((d, i) => per[i]?.len ?? d);
  const src = elems(x);
  const inShape = x.shape;
  const value = src && allNumeric(inShape)
    ? foldIndex(shape, src, (o) => flatIndex(o.map((v, i) => (per[i] ? per[i].start! + v * per[i].step : v)), inShape))
    : undefined;
  return [withElems({ dtype: x.dtype, shape }, value)];
};

/**
 * Pad: `paddings` attribute (opset 1), `pads` attribute (2-10), `pads` input
 * (11+) with an optional `axes` input (18+). Pads are [begins..., ends...];
 * negative pads crop. The mode (constant/reflect/edge/wrap) does not change
 * the shape.
 */
const pad: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const r = x.shape.length;
  const pads = ctx.opset < 2 ? intsArg(ctx, 'paddings', 1, 2) : intsArg(ctx, 'pads', 1, 11);
  const axesArg: IntsArg = ctx.opset >= 18 ? intsArg(ctx, 'axes', 3, 18) : { given: false };
  const mode = ctx.string('mode', 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) ctx.warn(`Pad '${ctx.node.name}': unknown mode '${mode}'`);
  if (axesArg.given && !axesArg.values) return [{ dtype: x.dtype, shape: x.shape.map((_, i) => freshDim(ctx, 0, i)) }];
  const axes = (axesArg.values ?? Array.from({ length: r }, (_, i) => i)).map((a) => normAxis(a, r, ctx));
  if (!pads.values) return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (axes.includes(i) ? freshDim(ctx, 0, i) : d)) }];
  const p = pads.values;
  if (p.length !== 2 * axes.length) {
    throw new ShapeError(`Pad '${ctx.node.name}': ${p.length} pads for ${axes.length} axes of ${fmtShape(x.shape)} (expected ${2 * axes.length})`);
  }
  const shape = x.shape.slice();
  axes.forEach((a, k) => (shape[a] = dimAdd(dimAdd(shape[a], p[k]), p[k + axes.length])));
  return [{ dtype: x.dtype, shape }];
};

export const tensorRules: OpRules = {
  Concat: concat,
  Split: split,
  Slice: slice,
  Pad: pad,
};
