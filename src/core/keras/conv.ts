/**
 * Keras convolution and pooling layers → ONNX Conv / ConvTranspose /
 * MaxPool / AveragePool / GlobalAveragePool on NCHW values. Keras
 * `padding: same` is ONNX `auto_pad: SAME_UPPER` (TensorFlow puts the odd
 * pixel at the end); weights use ONNX layouts: Conv [M, C/group, k…],
 * ConvTranspose [C, M/group, k…].
 */
import type { AttrInput } from '../onnx/attr-input';
import type { Args } from './args';
import type { LoweringContext } from './context';

const CONV_ARGS = ['filters', 'kernel_size', 'strides', 'padding', 'dilation_rate', 'groups', 'activation', 'use_bias'];

export const CONV_LAYER_ARGS = {
  conv: CONV_ARGS,
  transpose: [...CONV_ARGS, 'output_padding'],
  depthwise: ['kernel_size', 'strides', 'padding', 'depth_multiplier', 'dilation_rate', 'activation', 'use_bias'],
  separable: ['filters', 'kernel_size', 'strides', 'padding', 'depth_multiplier', 'dilation_rate', 'activation', 'use_bias'],
  pool: ['pool_size', 'strides', 'padding'],
  global: ['keepdims'],
} as const;

/** `[batch, H, W, C]` for messages: users think channels-last. */
export function kerasShape(nchw: readonly number[]): string {
  const s = nchw.length > 2 ? [nchw[0], ...nchw.slice(2), nchw[1]] : [...nchw];
  return `(${['None', ...s.slice(1)].join(', ')})`;
}

/** The input's shape when it has `rank` (reported otherwise); undefined also when unknown (an earlier problem says why). */
export function inputOfRank(ctx: LoweringContext, a: Args, x: string, rank: number, what: string): number[] | undefined {
  const s = ctx.shapeOf(x);
  if (!s) return undefined;
  if (s.length !== rank) {
    ctx.problem(`${a.label}: expects a rank-${rank} input (${what}); got ${kerasShape(s)}`, 'error', { onType: true });
    return undefined;
  }
  return s;
}

const SPATIAL_WHAT = ['batch, features', 'batch, steps, channels', 'batch, height, width, channels', 'batch, depth, height, width, channels'];

function windowAttrs(a: Args, rank: number, kernel: number[], strides: number[], dilations: number[] | undefined, allowCausal: boolean): Record<string, AttrInput> {
  const padding = a.str('padding', 'valid', allowCausal ? ['valid', 'same', 'causal'] : ['valid', 'same']);
  const attrs: Record<string, AttrInput> = { kernel_shape: kernel, strides };
  if (dilations) attrs.dilations = dilations;
  if (padding === 'same') attrs.auto_pad = 'SAME_UPPER';
  else if (padding === 'causal') attrs.pads = [(kernel[0] - 1) * (dilations?.[0] ?? 1), 0];
  else attrs.pads = Array<number>(2 * rank).fill(0);
  return attrs;
}

/** Conv1D/2D/3D, Conv2DTranspose, DepthwiseConv2D, SeparableConv2D. */
export function lowerConv(ctx: LoweringContext, a: Args, x: string, kind: keyof typeof CONV_LAYER_ARGS, rank: number): string | undefined {
  const shape = inputOfRank(ctx, a, x, rank + 2, SPATIAL_WHAT[rank]);
  const kernel = a.tuple('kernel_size', rank);
  const strides = a.tuple('strides', rank, Array<number>(rank).fill(1));
  const dilations = a.tuple('dilation_rate', rank, Array<number>(rank).fill(1));
  const useBias = a.bool('use_bias', true);
  const filters = kind === 'depthwise' ? undefined : a.int('filters');
  const groups = kind === 'conv' || kind === 'transpose' ? a.int('groups', 1) ?? 1 : 1;
  const multiplier = kind === 'depthwise' || kind === 'separable' ? a.int('depth_multiplier', 1) ?? 1 : 1;
  if (!shape || !kernel || !strides || !dilations || (kind !== 'depthwise' && filters === undefined)) return undefined;
  const c = shape[1];
  const attrs = windowAttrs(a, rank, kernel, strides, dilations, kind === 'conv' && rank === 1);
  if (kind === 'conv' || kind === 'transpose') {
    const m = filters!;
    if (c % groups !== 0 || m % groups !== 0) {
      ctx.problem(`${a.label}: groups=${groups} must divide both the input channels (${c}) and filters (${m})`, 'error', { arg: 'groups' });
      return undefined;
    }
    // Keras kernels are [k…, C_in/groups, filters] (Conv) and [k…, filters, C_in] (transposed).
    const w = kind === 'conv' ? ctx.weight('kernel', [m, c / groups, ...kernel], [...kernel, c / groups, m]) : ctx.weight('kernel', [c, m / groups, ...kernel], [...kernel, m / groups, c]);
    const inputs = [x, w];
    if (useBias) inputs.push(ctx.weight('bias', [m]));
    if (kind === 'transpose') {
      const outPad = a.has('output_padding') ? a.tuple('output_padding', rank, undefined, 0) : undefined;
      if (outPad) attrs.output_padding = outPad;
    }
    return ctx.node(kind === 'conv' ? 'Conv' : 'ConvTranspose', inputs, { ...attrs, group: groups });
  }
  // Depthwise: one group per input channel, `depth_multiplier` filters each.
  const dw = ctx.weight('depthwise_kernel', [c * multiplier, 1, ...kernel], [...kernel, c, multiplier]);
  if (kind === 'depthwise') {
    const inputs = [x, dw];
    if (useBias) inputs.push(ctx.weight('bias', [c * multiplier]));
    return ctx.node('Conv', inputs, { ...attrs, group: c });
  }
  // Separable: depthwise without bias, then a pointwise 1×1 conv with the bias (Keras SeparableConv2D).
  const y = ctx.node('Conv', [x, dw], { ...attrs, group: c });
  const ones = Array<number>(rank).fill(1);
  const inputs = [y, ctx.weight('pointwise_kernel', [filters!, c * multiplier, ...ones], [...ones, c * multiplier, filters!])];
  if (useBias) inputs.push(ctx.weight('bias', [filters!]));
  return ctx.node('Conv', inputs, { kernel_shape: ones, strides: ones, pads: Array<number>(2 * rank).fill(0), group: 1 });
}

/** MaxPooling/AveragePooling 1D–3D: pool_size 2, strides None → pool_size; padding excluded from averages, as Keras. */
export function lowerPool(ctx: LoweringContext, a: Args, x: string, op: 'MaxPool' | 'AveragePool', rank: number): string | undefined {
  const shape = inputOfRank(ctx, a, x, rank + 2, SPATIAL_WHAT[rank]);
  const kernel = a.tuple('pool_size', rank, Array<number>(rank).fill(2));
  const strides = a.tuple('strides', rank, kernel);
  if (!shape || !kernel || !strides) return undefined;
  const attrs = windowAttrs(a, rank, kernel, strides, undefined, false);
  if (op === 'AveragePool') attrs.count_include_pad = 0;
  return ctx.node(op, [x], attrs);
}

/** GlobalAverage/MaxPooling: [N, C] (GlobalPool + Flatten), or [N, C, 1, …] with keepdims. */
export function lowerGlobalPool(ctx: LoweringContext, a: Args, x: string, op: 'GlobalAveragePool' | 'GlobalMaxPool', rank: number): string | undefined {
  const shape = inputOfRank(ctx, a, x, rank + 2, SPATIAL_WHAT[rank]);
  const keep = a.bool('keepdims', false);
  if (!shape) return undefined;
  const y = ctx.node(op, [x]);
  return keep ? y : ctx.node('Flatten', [y], { axis: 1 });
}
