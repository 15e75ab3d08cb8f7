/**
 * Matrix products (onnx/defs/math/defs.cc and old.cc):
 *  - Gemm: Y = alpha·A'·B' + beta·C, A' = transA ? Aᵀ : A ([M,K]),
 *    B' = transB ? Bᵀ : B ([K,N]); C broadcasts unidirectionally to [M,N].
 *  - MatMul, MatMulInteger (int32), QLinearMatMul (y_zero_point's type):
 *    numpy.matmul — a 1-D first operand gains a leading 1, a 1-D second
 *    operand a trailing 1, both removed again; batch dims broadcast.
 */
import type { Dim, DType, Shape } from '../../ir';
import { broadcastShapes, fmtShape, isNum, need } from './dims';
import { ShapeError, type OpContext, type OpRule, type OpRules } from './types';

const where = (ctx: OpContext): string => `${ctx.node.opType} '${ctx.node.name}'`;

/** Two dims that must agree: the number when one is known, else `a`. */
function unify(ctx: OpContext, a: Dim, b: Dim, what: string): Dim {
  if (isNum(a) && isNum(b) && a !== b) throw new ShapeError(`${where(ctx)}: ${what}`);
  return isNum(a) ? a : b;
}

const gemm: OpRule = (ctx) => {
  const a = need(ctx, 0);
  const b = need(ctx, 1);
  if (!a.shape || !b.shape) return [{ dtype: a.dtype }];
  if (a.shape.length !== 2) throw new ShapeError(`${where(ctx)}: A must be 2-D, got ${fmtShape(a.shape)}`);
  if (b.shape.length !== 2) throw new ShapeError(`${where(ctx)}: B must be 2-D, got ${fmtShape(b.shape)}`);
  const transA = ctx.int('transA', 0) !== 0;
  const transB = ctx.int('transB', 0) !== 0;
  const [m, ka] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [kb, n] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  unify(ctx, ka, kb, `inner dimensions differ: A${transA ? 'ᵀ' : ''} ${fmtShape(a.shape)} has K=${ka} but B${transB ? 'ᵀ' : ''} ${fmtShape(b.shape)} has K=${kb}`);
  const c = ctx.inputs[2]?.shape;
  if (c) {
    // Unidirectional broadcast of C to [M, N].
    const target = [m, n];
    if (c.length > 2) throw new ShapeError(`${where(ctx)}: C ${fmtShape(c)} cannot broadcast to [${m},${n}]`);
    c.forEach((d, i) => {
      const t = target[target.length - c.length + i];
      if (isNum(d) && d !== 1 && isNum(t) && d !== t) throw new ShapeError(`${where(ctx)}: C ${fmtShape(c)} cannot broadcast to [${m},${n}]`);
    });
  }
  return [{ dtype: a.dtype, shape: [m, n] }];
};

/** numpy.matmul shape of a @ b. */
function matmulShape(ctx: OpContext, as: Shape, bs: Shape): Shape {
  if (as.length === 0 || bs.length === 0) throw new ShapeError(`${where(ctx)}: operands must have rank ≥ 1, got ${fmtShape(as)} and ${fmtShape(bs)}`);
  const a = as.length === 1 ? [1, as[0]] : as;
  const b = bs.length === 1 ? [bs[0], 1] : bs;
  const k1 = a[a.length - 1];
  const k2 = b[b.length - 2];
  unify(ctx, k1, k2, `inner dimensions differ: ${fmtShape(as)} @ ${fmtShape(bs)} (${k1} vs ${k2})`);
  const batch = broadcastShapes([a.slice(0, -2), b.slice(0, -2)])!;
  const out: Dim[] = [...batch];
  if (as.length > 1) out.push(a[a.length - 2]);
  if (bs.length > 1) out.push(b[b.length - 1]);
  return out;
}

function matmulLike(aIdx: number, bIdx: number, dtypeOf: (ctx: OpContext) => DType | undefined): OpRule {
  return (ctx) => {
    const a = need(ctx, aIdx);
    const b = need(ctx, bIdx);
    const dtype = dtypeOf(ctx);
    if (!a.shape || !b.shape) return [{ dtype }];
    return [{ dtype, shape: matmulShape(ctx, a.shape, b.shape) }];
  };
}

export const gemmRules: OpRules = {
  Gemm: gemm,
  MatMul: matmulLike(0, 1, (ctx) => ctx.inputs[0]?.dtype),
  MatMulInteger: matmulLike(0, 1, () => 'int32'),
  // a, a_scale, a_zero_point, b, b_scale, b_zero_point, y_scale, y_zero_point.
  QLinearMatMul: matmulLike(0, 3, (ctx) => ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype),
};
