/**
 * Pooling (onnx/defs/nn/defs.cc and old.cc): MaxPool (with the optional int64
 * Indices output from opset 8), AveragePool and LpPool through
 * convPoolShapeInference with kernel_shape required; the Global* pools keep
 * N and C and make every spatial axis 1; MaxUnpool inverts a pooling,
 * s·(in-1) + k - pb - pe per axis unless an output_shape input is given.
 * Window arithmetic (auto_pad, ceil_mode) lives in conv-geometry.ts.
 */
import type { Dim } from '../../ir';
import { dimAdd, dimMul, fmtShape, isNum, need } from './dims';
import { convPoolOutputSpatial, windowAttrProblem, windowAttrs } from './conv-geometry';
import { elems, freshDim } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules, type TensorInfo } from './types';

const where = (ctx: OpContext): string => `${ctx.node.opType} '${ctx.node.name}'`;

/** MaxPool, AveragePool, LpPool. */
const pool: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const withIndices = ctx.node.opType === 'MaxPool' && ctx.node.outputs.length > 1;
  const result = (shape: Dim[] | undefined): TensorInfo[] => {
    const outs: TensorInfo[] = [{ dtype: x.dtype, shape }];
    if (withIndices) outs.push({ dtype: 'int64', shape });
    return outs;
  };
  if (!x.shape) return result(undefined);
  if (x.shape.length < 2) throw new ShapeError(`${where(ctx)}: input must have at least 2 dimensions (N, C, ...), got ${fmtShape(x.shape)}`);
  const n = x.shape.length - 2;
  if (!ctx.ints('kernel_shape')) throw new ShapeError(`${where(ctx)}: the kernel_shape attribute is required`);
  const problem = windowAttrProblem(ctx.node, n);
  if (problem) throw new ShapeError(`${where(ctx)}: ${problem}`);
  const spatial = convPoolOutputSpatial(x.shape.slice(2), windowAttrs(ctx.node, n)!);
  const bad = spatial.findIndex((d) => isNum(d) && d <= 0);
  if (bad >= 0) {
    throw new ShapeError(`${where(ctx)}: the window is larger than the padded input on spatial axis ${bad} (input ${fmtShape(x.shape)}), giving output size ${spatial[bad]}`);
  }
  return result([x.shape[0], x.shape[1], ...spatial]);
};

/** GlobalAveragePool, GlobalMaxPool, GlobalLpPool: (N, C, 1, ..., 1). */
const globalPool: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  if (x.shape.length < 2) throw new ShapeError(`${where(ctx)}: input must have at least 2 dimensions (N, C, ...), got ${fmtShape(x.shape)}`);
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] }];
};

/**
 * MaxUnpool (opsets 9, 11): X, I, output_shape?. Without output_shape each
 * spatial axis is s·(in-1) + k - pb - pe (onnx maxUnpoolShapeInference).
 */
const maxUnpool: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const rank = x.shape.length;
  if (rank < 2) throw new ShapeError(`${where(ctx)}: input X must have at least 2 dimensions, got ${fmtShape(x.shape)}`);
  const outShape = ctx.inputs[2];
  if (outShape) {
    const v = elems(outShape);
    if (v) {
      if (v.length !== rank) throw new ShapeError(`${where(ctx)}: output_shape has ${v.length} entries but X has rank ${rank}`);
      return [{ dtype: x.dtype, shape: v.slice() }];
    }
    return [{ dtype: x.dtype, shape: Array.from({ length: rank }, (_, i) => freshDim(ctx, 0, i)) }];
  }
  const n = rank - 2;
  const k = ctx.ints('kernel_shape');
  if (!k) throw new ShapeError(`${where(ctx)}: the kernel_shape attribute is required`);
  const problem = windowAttrProblem(ctx.node, n);
  if (problem) throw new ShapeError(`${where(ctx)}: ${problem}`);
  const s = ctx.ints('strides') ?? k.map(() => 1);
  const pads = ctx.ints('pads') ?? [...k.map(() => 0), ...k.map(() => 0)];
  const spatial = x.shape.slice(2).map((d, i) => dimAdd(dimMul(d, s[i]), k[i] - pads[i] - pads[i + n] - s[i]));
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...spatial] }];
};

export const poolRules: OpRules = {
  MaxPool: pool,
  AveragePool: pool,
  LpPool: pool,
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxUnpool: maxUnpool,
};
