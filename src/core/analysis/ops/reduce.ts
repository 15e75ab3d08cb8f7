/**
 * Reductions (onnx/defs/reduction/defs.cc and old.cc): Reduce* with keepdims,
 * axes as an attribute or (ReduceSum from opset 13, the others from 18) as an
 * input with noop_with_empty_axes; ArgMax/ArgMin; TopK; CumSum. ReduceSum,
 * ReduceProd, ReduceMax, ReduceMin and ReduceMean fold small values, e.g. a
 * ReduceProd over Shape giving an element count.
 */
import type { Dim, Shape } from '../../ir';
import { allNumeric, dimAdd, dimMul, isNum, need, normAxis, numel, strides } from './dims';
import { elems, freshDim, intsArg, withElems } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules, type TensorInfo } from './types';
import { nullProto } from '../../lookup';

const REDUCE_OPS = [
  'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceSum', 'ReduceProd', 'ReduceL1', 'ReduceL2',
  'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare',
];

type Fold = (acc: Dim, x: Dim) => Dim | undefined;

const num2 = (f: (a: number, b: number) => number): Fold => (a, b) => (isNum(a) && isNum(b) ? f(a, b) : undefined);

/** How each foldable reduction combines elements (symbolic dims only for Sum and Prod). */
const FOLDS: Record<string, { init: number; step: Fold; finish?: (acc: number, n: number) => number }> = nullProto({
  ReduceSum: { init: 0, step: dimAdd },
  ReduceProd: { init: 1, step: dimMul },
  ReduceMax: { init: -Infinity, step: num2(Math.max) },
  ReduceMin: { init: Infinity, step: num2(Math.min) },
  ReduceMean: { init: 0, step: num2((a, b) => a + b), finish: (acc, n) => acc / n },
});

/** The opset from which an op takes `axes` as an input instead of an attribute. */
const axesInputFrom = (op: string): number => (op === 'ReduceSum' ? 13 : 18);

/** Reduces `x`'s elements over `axes` (kept dims), when small and known. */
function foldReduce(op: string, x: TensorInfo, axes: readonly number[], outKeep: Shape): Dim[] | undefined {
  const f = FOLDS[op];
  const src = elems(x);
  if (!f || !src || !allNumeric(x.shape) || !allNumeric(outKeep)) return undefined;
  const inShape = x.shape;
  const outSt = strides(outKeep);
  const inSt = strides(inShape);
  const acc = new Array<Dim | undefined>(numel(outKeep)).fill(f.init);
  for (let k = 0; k < src.length; k++) {
    let o = 0;
    for (let d = 0; d < inShape.length; d++) {
      const i = Math.floor(k / inSt[d]) % inShape[d];
      if (!axes.includes(d)) o += i * outSt[d];
    }
    const a = acc[o];
    acc[o] = a === undefined ? undefined : f.step(a, src[k]);
  }
  if (acc.some((a) => a === undefined)) return undefined;
  const n = numel(inShape) / Math.max(1, numel(outKeep));
  return (acc as Dim[]).map((a) => (f.finish && isNum(a) ? f.finish(a, n) : a));
}

const reduce: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const op = ctx.node.opType;
  const from = axesInputFrom(op);
  const keepdims = ctx.int('keepdims', 1) === 1;
  const axesArg = intsArg(ctx, 'axes', 1, from);
  if (!x.shape) return [{ dtype: x.dtype }];
  const r = x.shape.length;
  const noop = ctx.opset >= from && ctx.int('noop_with_empty_axes', 0) === 1;
  if (axesArg.given && !axesArg.values) {
    // Which axes is unknown: with keepdims each dim is itself or 1; without, only the rank may be known.
    if (keepdims) return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (d === 1 ? 1 : freshDim(ctx, 0, i))) }];
    const rank = axesArg.length !== undefined && axesArg.length > 0 ? r - axesArg.length : undefined;
    return [{ dtype: x.dtype, shape: rank !== undefined && rank >= 0 ? Array.from({ length: rank }, (_, i) => freshDim(ctx, 0, i)) : undefined }];
  }
  const given = axesArg.values ?? [];
  if (given.length === 0 && noop) return [withElems({ dtype: x.dtype, shape: x.shape }, elems(x))];
  const axes = given.length === 0 ? x.shape.map((_, i) => i) : given.map((a) => normAxis(a, r, ctx));
  const kept: Shape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const shape = keepdims ? kept : x.shape.filter((_, i) => !axes.includes(i));
  return [withElems({ dtype: x.dtype, shape }, foldReduce(op, x, axes, kept))];
};

/** ArgMax/ArgMin: int64 indices along `axis` (default 0), kept as size 1 unless keepdims=0. */
const argReduce: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: 'int64' }];
  const axis = normAxis(ctx.int('axis', 0), x.shape.length, ctx);
  const keepdims = ctx.int('keepdims', 1) === 1;
  const shape = keepdims ? x.shape.map((d, i) => (i === axis ? 1 : d)) : x.shape.filter((_, i) => i !== axis);
  return [{ dtype: 'int64', shape }];
};

/** TopK: k as an attribute (opset 1) or a 1-element input (10+); values and int64 indices. */
const topK: OpRule = (ctx: OpContext) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }, { dtype: 'int64' }];
  const axis = normAxis(ctx.int('axis', -1), x.shape.length, ctx);
  const kv = ctx.opset < 10 ? ctx.int('k') : ctx.inputs[1]?.value?.[0];
  const axisDim = x.shape[axis];
  if (kv !== undefined && (kv < 0 || (isNum(axisDim) && kv > axisDim))) {
    throw new ShapeError(`TopK '${ctx.node.name}': k=${kv} is out of range for axis ${axis} of size ${axisDim}`);
  }
  const k: Dim = kv ?? freshDim(ctx, 0, axis);
  const shape = x.shape.map((d, i) => (i === axis ? k : d));
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
};

/** CumSum: same shape as the input. */
const cumSum: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: x.shape }];
};

function rules(): OpRules {
  const r: OpRules = {};
  for (const op of REDUCE_OPS) r[op] = reduce;
  r.ArgMax = argReduce;
  r.ArgMin = argReduce;
  r.TopK = topK;
  r.CumSum = cumSum;
  return r;
}

export const reduceRules: OpRules = rules();
