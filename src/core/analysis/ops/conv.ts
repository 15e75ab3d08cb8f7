/**
 * Convolutions (onnx/defs/nn/defs.cc): Conv, ConvInteger, QLinearConv and
 * DeformConv share convPoolShapeInference — output [N, M, spatial...] with M
 * the weight's dims[0]; ConvTranspose (convTransposeShapeInference) gives
 * [N, W.dims[1]·group, spatial...]; Col2Im folds column blocks back into
 * [N, C, image_shape...]. The window arithmetic lives in conv-geometry.ts.
 */
import type { Dim, Shape } from '../../ir';
import { dimFloorDiv, dimMul, fmtShape, isNum, need } from './dims';
import {
  convPoolOutputSpatial,
  convTransposeOutputSpatial,
  transposeAttrs,
  windowAttrProblem,
  windowAttrs,
  windowOutputDim,
} from './conv-geometry';
import { elems, freshDim } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules } from './types';

const where = (ctx: OpContext): string => `${ctx.node.opType} '${ctx.node.name}'`;

/** Throws when a computed spatial size is not positive: the window does not fit the padded input. */
function checkPositive(ctx: OpContext, input: Shape, out: readonly Dim[]): void {
  const bad = out.findIndex((d) => isNum(d) && d <= 0);
  if (bad >= 0) {
    throw new ShapeError(
      `${where(ctx)}: the kernel is larger than the padded input on spatial axis ${bad} (input ${fmtShape(input)}), giving output size ${out[bad]}`,
    );
  }
}

/** The group attribute: a positive integer (onnx/defs/nn/defs.cc rejects group ≤ 0). */
function groupOf(ctx: OpContext): number {
  const a = ctx.node.attributes.group;
  if (a && a.type !== 'int') throw new ShapeError(`${where(ctx)}: group must be an integer, not a ${a.type} attribute`);
  const group = ctx.int('group', 1);
  if (!Number.isSafeInteger(group) || group < 1) throw new ShapeError(`${where(ctx)}: group ${group} must be a positive integer`);
  return group;
}

/** The input channels must split evenly into the groups. */
function checkChannelsDivide(ctx: OpContext, c: Dim, group: number): void {
  if (isNum(c) && c % group !== 0) throw new ShapeError(`${where(ctx)}: the input's ${c} channels are not divisible by group=${group}`);
}

/** Spatial rank of the data input, or a ShapeError when it has no channel axis. */
function spatialRank(ctx: OpContext, x: Shape): number {
  if (x.length < 2) throw new ShapeError(`${where(ctx)}: input must have at least 2 dimensions (N, C, ...), got ${fmtShape(x)}`);
  return x.length - 2;
}

/**
 * Output of a forward convolution whose weight is input `wIdx` (1, or 3 for
 * QLinearConv): checks C = W.dims[1]·group, W.dims[0] divisible by group, the
 * bias length, and that the window fits.
 */
function checkWeightRank(ctx: OpContext, xs: Shape, ws: Shape): void {
  if (ws.length !== xs.length) {
    throw new ShapeError(`${where(ctx)}: weight ${fmtShape(ws)} must have the input's rank ${xs.length} (input ${fmtShape(xs)})`);
  }
}

function forwardConv(ctx: OpContext, wIdx: number, biasIdx?: number): Shape | undefined {
  const x = need(ctx, 0);
  const w = need(ctx, wIdx);
  if (!x.shape) return undefined;
  const n = spatialRank(ctx, x.shape);
  const group = groupOf(ctx);
  const ws = w.shape;
  if (ws) {
    checkWeightRank(ctx, x.shape, ws);
    const c = x.shape[1];
    const wc = ws[1];
    if (isNum(c) && isNum(wc) && c !== wc * group) {
      throw new ShapeError(
        `${where(ctx)}: input has ${c} channels but the weight ${fmtShape(ws)} with group=${group} expects ${wc * group} (weight dims[1] × group)`,
      );
    }
    if (isNum(ws[0]) && ws[0] % group !== 0) {
      throw new ShapeError(`${where(ctx)}: ${ws[0]} output channels are not divisible by group=${group}`);
    }
  }
  checkChannelsDivide(ctx, x.shape[1], group);
  // Geometry is undefined when the kernel is unknown or an attribute is forbidden: only then is there a problem to name.
  const attrs = windowAttrs(ctx.node, n, ws);
  const problem = attrs ? undefined : windowAttrProblem(ctx.node, n, ws);
  if (problem) throw new ShapeError(`${where(ctx)}: ${problem}`);
  const m: Dim = ws?.[0] ?? freshDim(ctx, 0, 1);
  if (biasIdx !== undefined) {
    const b = ctx.inputs[biasIdx]?.shape;
    if (b && (b.length !== 1 || (isNum(b[0]) && isNum(m) && b[0] !== m))) {
      throw new ShapeError(`${where(ctx)}: bias ${fmtShape(b)} must be a vector of the ${m} output channels`);
    }
  }
  const spatial = attrs ? convPoolOutputSpatial(x.shape.slice(2), attrs) : x.shape.slice(2).map((_, i) => freshDim(ctx, 0, i + 2));
  checkPositive(ctx, x.shape, spatial);
  return [x.shape[0], m, ...spatial];
}

const conv: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: forwardConv(ctx, 1, 2) }];
};

/** ConvInteger always produces int32 (onnx/defs/nn/defs.cc, ConvInteger-10). */
const convInteger: OpRule = (ctx) => [{ dtype: 'int32', shape: forwardConv(ctx, 1) }];

/** QLinearConv: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale, y_zero_point, B; y has y_zero_point's type. */
const qlinearConv: OpRule = (ctx) => {
  const dtype = ctx.inputs[7]?.dtype ?? need(ctx, 0).dtype;
  return [{ dtype, shape: forwardConv(ctx, 3, 8) }];
};

/** DeformConv (opset 19): X, W, offset, B?, mask?; shaped like Conv. */
const deformConv: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [{ dtype: x.dtype, shape: forwardConv(ctx, 1, 3) }];
};

/**
 * ConvTranspose: W is [C, M/group, k...]; output [N, W.dims[1]·group, ...]
 * with output_shape, SAME_* (in·s) or the explicit-pads formula.
 */
const convTranspose: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const w = need(ctx, 1);
  if (!x.shape) return [{ dtype: x.dtype }];
  const n = spatialRank(ctx, x.shape);
  const group = groupOf(ctx);
  const ws = w.shape;
  if (ws) {
    checkWeightRank(ctx, x.shape, ws);
    if (isNum(x.shape[1]) && isNum(ws[0]) && x.shape[1] !== ws[0]) {
      throw new ShapeError(`${where(ctx)}: input has ${x.shape[1]} channels but the weight ${fmtShape(ws)} expects ${ws[0]} (weight dims[0])`);
    }
    if (isNum(ws[0]) && ws[0] % group !== 0) {
      throw new ShapeError(`${where(ctx)}: ${ws[0]} input channels are not divisible by group=${group}`);
    }
  }
  checkChannelsDivide(ctx, x.shape[1], group);
  const problem = windowAttrProblem(ctx.node, n, ws);
  if (problem) throw new ShapeError(`${where(ctx)}: ${problem}`);
  const t = transposeAttrs(ctx.node, n);
  if (t.outputPadding.length !== n) throw new ShapeError(`${where(ctx)}: output_padding has ${t.outputPadding.length} entries, expected ${n}`);
  if (t.outputShape && t.outputShape.length !== n) throw new ShapeError(`${where(ctx)}: output_shape has ${t.outputShape.length} entries, expected ${n}`);
  const m: Dim = ws ? dimMul(ws[1], group) : freshDim(ctx, 0, 1);
  const attrs = windowAttrs(ctx.node, n, ws);
  let spatial: Dim[];
  if (attrs) spatial = convTransposeOutputSpatial(x.shape.slice(2), attrs, t);
  else if (t.outputShape) spatial = t.outputShape.slice();
  else spatial = x.shape.slice(2).map((_, i) => freshDim(ctx, 0, i + 2));
  checkPositive(ctx, x.shape, spatial);
  return [{ dtype: x.dtype, shape: [x.shape[0], m, ...spatial] }];
};

/**
 * Col2Im (opset 18): input [N, C·∏block, L] → [N, C, image_shape...]; L must
 * equal the number of block positions, ∏ floor((img + pb + pe - ek) / s) + 1.
 */
const col2im: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const image = elems(need(ctx, 1));
  const block = need(ctx, 2).value;
  const nImage = image?.length ?? need(ctx, 1).shape?.[0];
  if (!x.shape || nImage === undefined || !isNum(nImage)) return [{ dtype: x.dtype }];
  if (x.shape.length !== 3) throw new ShapeError(`${where(ctx)}: input must have rank 3 [N, C·∏block, L], got ${fmtShape(x.shape)}`);
  let c: Dim = freshDim(ctx, 0, 1);
  if (block) {
    if (block.some((b) => !Number.isSafeInteger(b) || b < 1)) throw new ShapeError(`${where(ctx)}: block_shape [${block.join(', ')}] must be positive`);
    const problem = windowAttrProblem(ctx.node, block.length);
    if (problem) throw new ShapeError(`${where(ctx)}: ${problem}`);
    const blockSize = block.reduce((a, b) => a * b, 1);
    const cb = x.shape[1];
    if (isNum(cb) && cb % blockSize !== 0) {
      throw new ShapeError(`${where(ctx)}: input dims[1] = ${cb} is not divisible by the block size ${blockSize} (block_shape [${block.join(',')}])`);
    }
    c = dimFloorDiv(cb, blockSize);
    const l = x.shape[2];
    if (image && image.every(isNum) && isNum(l)) {
      const strides = ctx.ints('strides') ?? block.map(() => 1);
      const dilations = ctx.ints('dilations') ?? block.map(() => 1);
      const pads = ctx.ints('pads') ?? block.map(() => 0).concat(block.map(() => 0));
      const blocks = image.reduce<number>(
        (acc, img, i) => acc * Number(windowOutputDim(img, block[i], strides[i], dilations[i], pads[i], pads[i + block.length], false)),
        1,
      );
      if (blocks !== l) {
        throw new ShapeError(`${where(ctx)}: input has L = ${l} blocks but image_shape [${image.join(',')}] with block_shape [${block.join(',')}] gives ${blocks}`);
      }
    }
  }
  const spatial = image ?? Array.from({ length: nImage }, (_, i) => freshDim(ctx, 0, i + 2));
  return [{ dtype: x.dtype, shape: [x.shape[0], c, ...spatial] }];
};

export const convRules: OpRules = {
  Conv: conv,
  ConvInteger: convInteger,
  QLinearConv: qlinearConv,
  DeformConv: deformConv,
  ConvTranspose: convTranspose,
  Col2Im: col2im,
};
