/**
 * Operators that make tensors from attributes or from a shape: Constant,
 * ConstantOfShape, Range, OneHot, EyeLike, Trilu (onnx/defs/generator/defs.cc,
 * onnx/defs/tensor/defs.cc). Small results carry their values for folding.
 */
import type { Dim, DType, TensorConst } from '../../ir';
import { dtypeFromOnnx } from '../../dtype';
import { tensorNumbers } from '../../tensor-data';
import { isNum, need, normAxis, numel } from './dims';
import { elems, freshDim, withElems } from './shape-data';
import { MAX_FOLD_ELEMENTS, ShapeError, type OpRule, type OpRules, type TensorInfo } from './types';

/** A constant tensor's info, with its numbers when small and decodable. */
function fromTensor(t: TensorConst): TensorInfo {
  const info: TensorInfo = { dtype: t.dtype, shape: t.dims.slice() };
  if (t.dtype === 'string' || numel(t.dims) > MAX_FOLD_ELEMENTS) return info;
  try {
    const v = tensorNumbers(t);
    return v && v.length === numel(t.dims) ? { ...info, value: Array.from(v) } : info;
  } catch {
    return info;
  }
}

/** Constant: exactly one of value, sparse_value, value_float(s), value_int(s), value_string(s). */
const constant: OpRule = (ctx) => {
  const a = (name: string) => ctx.attr(name);
  const t = a('value') ?? a('sparse_value');
  if (t?.type === 'tensor') {
    // A sparse tensor's values are not decoded (its storage is 'none'): shape only.
    return [fromTensor(t.value)];
  }
  const f = a('value_float');
  if (f?.type === 'float' || f?.type === 'int') return [{ dtype: 'float32', shape: [], value: [f.value] }];
  const fs = a('value_floats');
  if (fs?.type === 'floats' || fs?.type === 'ints') return [withElems({ dtype: 'float32', shape: [fs.value.length] }, fs.value)];
  const i = a('value_int');
  if (i?.type === 'int' || i?.type === 'float') return [{ dtype: 'int64', shape: [], value: [i.value] }];
  const is = a('value_ints');
  if (is?.type === 'ints' || is?.type === 'floats') return [withElems({ dtype: 'int64', shape: [is.value.length] }, is.value)];
  const s = a('value_string');
  if (s?.type === 'string') return [{ dtype: 'string', shape: [] }];
  const ss = a('value_strings');
  if (ss?.type === 'strings') return [{ dtype: 'string', shape: [ss.value.length] }];
  throw new ShapeError(`Constant '${ctx.node.name}' has none of the value attributes`);
};

/** ConstantOfShape: the input holds the output shape; `value` (one element) gives dtype and fill, default float32 0. */
const constantOfShape: OpRule = (ctx) => {
  const shapeIn = need(ctx, 0);
  const v = ctx.attr('value');
  let dtype: DType = 'float32';
  let fill = 0;
  if (v?.type === 'tensor') {
    dtype = v.value.dtype;
    fill = fromTensor(v.value).value?.[0] ?? 0;
  }
  const dims = elems(shapeIn);
  if (!dims) {
    const len = shapeIn.shape?.[0];
    return [{ dtype, shape: isNum(len) ? Array.from({ length: len }, (_, i) => freshDim(ctx, 0, i)) : undefined }];
  }
  for (const d of dims) {
    if (isNum(d) && d < 0) throw new ShapeError(`ConstantOfShape '${ctx.node.name}': negative dim in shape [${dims.join(',')}]`);
  }
  const filled = dims.every(isNum) && numel(dims) <= MAX_FOLD_ELEMENTS ? new Array<number>(numel(dims)).fill(fill) : undefined;
  return [withElems({ dtype, shape: dims }, filled)];
};

/** Range: max(ceil((limit - start) / delta), 0) elements of start's type. */
const range: OpRule = (ctx) => {
  const [start, limit, delta] = [need(ctx, 0), need(ctx, 1), need(ctx, 2)];
  const s = start.value?.[0];
  const l = elems(limit)?.[0];
  const d = delta.value?.[0];
  // range(0, n) over a symbolic size n (e.g. a batch read with Shape) has n elements.
  if (s === 0 && d === 1 && typeof l === 'string' && !l.startsWith('?')) return [{ dtype: start.dtype, shape: [l] }];
  if (typeof s !== 'number' || typeof l !== 'number' || typeof d !== 'number') return [{ dtype: start.dtype, shape: [freshDim(ctx, 0, 0)] }];
  if (d === 0) throw new ShapeError(`Range '${ctx.node.name}': delta is 0`);
  const n = Math.max(Math.ceil((l - s) / d), 0);
  const value = n <= MAX_FOLD_ELEMENTS ? Array.from({ length: n }, (_, k) => s + k * d) : undefined;
  return [withElems({ dtype: start.dtype, shape: [n] }, value)];
};

/** OneHot: a new axis of size `depth` inserted at `axis` (default -1, counted in the output). */
const oneHot: OpRule = (ctx) => {
  const indices = need(ctx, 0);
  const depth = need(ctx, 1);
  const values = need(ctx, 2);
  if (!indices.shape) return [{ dtype: values.dtype }];
  const rank = indices.shape.length + 1;
  const axis = normAxis(ctx.int('axis', -1), rank, ctx);
  const dv = depth.value?.[0];
  const d: Dim = dv !== undefined ? Math.trunc(dv) : freshDim(ctx, 0, axis);
  const shape = [...indices.shape.slice(0, axis), d, ...indices.shape.slice(axis)];
  return [{ dtype: values.dtype, shape }];
};

/** EyeLike: the 2-D input's shape; dtype from the attribute, else the input's. */
const eyeLike: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (x.shape && x.shape.length !== 2) throw new ShapeError(`EyeLike '${ctx.node.name}' needs a 2-D input, got rank ${x.shape.length}`);
  const dt = ctx.int('dtype');
  return [{ dtype: dt !== undefined ? dtypeFromOnnx(dt) : x.dtype, shape: x.shape }];
};

/** Trilu: same shape as the input (rank ≥ 2). */
const trilu: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (x.shape && x.shape.length < 2) throw new ShapeError(`Trilu '${ctx.node.name}' needs an input of rank 2 or more, got ${x.shape.length}`);
  return [{ dtype: x.dtype, shape: x.shape }];
};

export const generatorRules: OpRules = {
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  OneHot: oneHot,
  EyeLike: eyeLike,
  Trilu: trilu,
};
