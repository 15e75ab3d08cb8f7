/**
 * Normalisations (onnx/defs/nn/defs.cc and old.cc). Y always has X's shape;
 * what differs is the statistics outputs:
 *  - BatchNormalization 14+: training_mode=1 adds running_mean and
 *    running_var, shaped [C] and typed like input_mean / input_var.
 *  - BatchNormalization 1–9: optional mean, var, saved_mean, saved_var,
 *    shaped like input_mean / input_var (per activation when spatial=0).
 *  - LayerNormalization 17: Mean and InvStdDev are X's shape with the axes
 *    from `axis` on set to 1, typed by stash_type.
 * InstanceNormalization and GroupNormalization only check their parameters.
 */
import type { Dim, Shape } from '../../ir';
import { dtypeFromOnnx } from '../../dtype';
import { fmtShape, isNum, need } from './dims';
import { ShapeError, type OpContext, type OpRule, type OpRules, type TensorInfo } from './types';

const where = (ctx: OpContext): string => `${ctx.node.opType} '${ctx.node.name}'`;

/** Checks that input `i`, when its shape is known, is a vector of `c` entries. */
function checkChannelVector(ctx: OpContext, i: number, what: string, c: Dim | undefined): void {
  const s = ctx.inputs[i]?.shape;
  if (!s) return;
  if (s.length !== 1) throw new ShapeError(`${where(ctx)}: ${what} must be a vector, got ${fmtShape(s)}`);
  if (c !== undefined && isNum(c) && isNum(s[0]) && s[0] !== c) {
    throw new ShapeError(`${where(ctx)}: ${what} has ${s[0]} entries but the input has ${c} channels`);
  }
}

/** X's channel count: dims[1], or 1 for a rank-1 input (BatchNormalization's N-only form). */
const channels = (x: Shape | undefined): Dim | undefined => (x ? (x.length > 1 ? x[1] : 1) : undefined);

const batchNorm: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const c = channels(x.shape);
  const outs: TensorInfo[] = [{ dtype: x.dtype, shape: x.shape }];
  // spatial=0 (opsets 1–7) keeps per-activation statistics shaped C×D1×…; only spatial mode is a [C] vector.
  const spatial = ctx.opset >= 9 || ctx.int('spatial', 1) === 1;
  if (spatial) {
    checkChannelVector(ctx, 1, 'scale', c);
    checkChannelVector(ctx, 2, 'B', c);
    checkChannelVector(ctx, 3, 'input_mean', c);
    checkChannelVector(ctx, 4, 'input_var', c);
  }
  const nOut = ctx.node.outputs.length;
  if (ctx.opset >= 14) {
    if (nOut > 1) {
      const stat: Shape | undefined = c !== undefined ? [c] : undefined;
      outs.push({ dtype: ctx.inputs[3]?.dtype ?? x.dtype, shape: stat });
      outs.push({ dtype: ctx.inputs[4]?.dtype ?? x.dtype, shape: stat });
    }
    return outs;
  }
  // Opsets 1–9: Y, mean, var, saved_mean, saved_var (all optional but Y).
  const statShape = (i: number): Shape | undefined => ctx.inputs[i]?.shape ?? (spatial && c !== undefined ? [c] : undefined);
  const mean = statShape(3);
  const variance = statShape(4);
  outs.push({ dtype: x.dtype, shape: mean }, { dtype: x.dtype, shape: variance });
  outs.push({ dtype: x.dtype, shape: mean }, { dtype: x.dtype, shape: variance });
  return outs.slice(0, Math.max(1, nOut));
};

const instanceNorm: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (x.shape && x.shape.length < 2) throw new ShapeError(`${where(ctx)}: input must have at least 2 dimensions (N, C, ...), got ${fmtShape(x.shape)}`);
  const c = channels(x.shape);
  checkChannelVector(ctx, 1, 'scale', c);
  checkChannelVector(ctx, 2, 'B', c);
  return [{ dtype: x.dtype, shape: x.shape }];
};

/** LayerNormalization (opset 17): Y, Mean?, InvStdDev?; axis in [-r, r]. */
const layerNorm: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const stash = dtypeFromOnnx(ctx.int('stash_type', 1)) ?? 'float32';
  const outs: TensorInfo[] = [{ dtype: x.dtype, shape: x.shape }];
  let reduced: Shape | undefined;
  if (x.shape) {
    const r = x.shape.length;
    const axis = ctx.int('axis', -1);
    const a = axis < 0 ? axis + r : axis;
    if (a < 0 || a > r) throw new ShapeError(`${where(ctx)}: axis ${axis} is out of range for a rank-${r} input`);
    reduced = x.shape.map((d, i) => (i >= a ? 1 : d));
  }
  outs.push({ dtype: stash, shape: reduced }, { dtype: stash, shape: reduced });
  return outs;
};

/** GroupNormalization (opsets 18, 21): C must be divisible by num_groups. */
const groupNorm: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const groups = ctx.int('num_groups');
  const c = x.shape && x.shape.length > 1 ? x.shape[1] : undefined;
  if (groups !== undefined && c !== undefined && isNum(c) && c % groups !== 0) {
    throw new ShapeError(`${where(ctx)}: ${c} channels are not divisible by num_groups=${groups}`);
  }
  return [{ dtype: x.dtype, shape: x.shape }];
};

export const normRules: OpRules = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: layerNorm,
  GroupNormalization: groupNorm,
};
