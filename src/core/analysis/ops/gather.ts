/**
 * Indexing operators: Gather, GatherElements, GatherND, NonZero
 * (onnx/defs/tensor/defs.cc). Gather folds small constant data, including
 * symbolic shape data, since exporters pick dims out of Shape with it.
 */
import type { Dim } from '../../ir';
import { allNumeric, isNum, need, normAxis, numel, strides } from './dims';
import { elems, flatIndex, foldIndex, freshDim, withElems } from './shape-data';
import { ShapeError, type OpRule, type OpRules } from './types';

/** Gather along `axis`: data[:axis] + indices.shape + data[axis+1:]; negative indices count from the end. */
const gather: OpRule = (ctx) => {
  const data = need(ctx, 0);
  const indices = need(ctx, 1);
  if (!data.shape || !indices.shape) return [{ dtype: data.dtype }];
  const r = data.shape.length;
  const axis = normAxis(ctx.int('axis', 0), r, ctx);
  const q = indices.shape.length;
  const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
  const src = elems(data);
  const idx = indices.value;
  const axisDim = data.shape[axis];
  if (idx && isNum(axisDim)) {
    for (const i of idx) {
      if (i < -axisDim || i >= axisDim) throw new ShapeError(`Gather '${ctx.node.name}': index ${i} is out of range for axis ${axis} of size ${axisDim}`);
    }
  }
  let value: Dim[] | undefined;
  if (src && idx && allNumeric(data.shape) && allNumeric(indices.shape)) {
    const dShape = data.shape;
    const iShape = indices.shape;
    value = foldIndex(shape, src, (o) => {
      let j = idx[flatIndex(o.slice(axis, axis + q), iShape)];
      if (j < 0) j += dShape[axis];
      return flatIndex([...o.slice(0, axis), j, ...o.slice(axis + q)], dShape);
    });
  }
  return [withElems({ dtype: data.dtype, shape }, value)];
};

/** GatherElements: the output has the indices' shape. */
const gatherElements: OpRule = (ctx) => {
  const data = need(ctx, 0);
  const indices = need(ctx, 1);
  if (data.shape && indices.shape && data.shape.length !== indices.shape.length) {
    throw new ShapeError(`GatherElements '${ctx.node.name}': data and indices must have the same rank (${data.shape.length} vs ${indices.shape.length})`);
  }
  if (data.shape) normAxis(ctx.int('axis', 0), data.shape.length, ctx);
  return [{ dtype: data.dtype, shape: indices.shape }];
};

/**
 * GatherND with batch_dims b: indices.shape[:-1] + data.shape[b + k:], where
 * k = indices.shape[-1] indexes into the dims after the batch dims.
 */
const gatherND: OpRule = (ctx) => {
  const data = need(ctx, 0);
  const indices = need(ctx, 1);
  if (!data.shape || !indices.shape || indices.shape.length === 0) return [{ dtype: data.dtype }];
  const b = ctx.int('batch_dims', 0);
  const k = indices.shape[indices.shape.length - 1];
  if (!isNum(k)) return [{ dtype: data.dtype }];
  if (b + k > data.shape.length) {
    throw new ShapeError(`GatherND '${ctx.node.name}': indices address ${k} dims after ${b} batch dims, but the data has rank ${data.shape.length}`);
  }
  return [{ dtype: data.dtype, shape: [...indices.shape.slice(0, -1), ...data.shape.slice(b + k)] }];
};

/** NonZero: [rank, count], the count being data-dependent unless the input is constant. */
const nonZero: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: 'int64' }];
  const r = x.shape.length;
  if (x.value && allNumeric(x.shape)) {
    const st = strides(x.shape);
    const hits: number[] = [];
    for (let k = 0; k < numel(x.shape); k++) if (x.value[k] !== 0) hits.push(k);
    // Row d holds the d-th coordinate of every non-zero element.
    const coords = Array.from({ length: r }, (_, d) => hits.map((k) => Math.floor(k / st[d]) % (x.shape as number[])[d]));
    return [withElems({ dtype: 'int64', shape: [r, hits.length] }, coords.flat())];
  }
  return [{ dtype: 'int64', shape: [r, freshDim(ctx, 0, 1)] }];
};

export const gatherRules: OpRules = {
  Gather: gather,
  GatherElements: gatherElements,
  GatherND: gatherND,
  NonZero: nonZero,
};
