/**
 * Keras layer semantics → IR nodes, written once for every Keras-shaped
 * source (`*.cnn.yaml` definitions now; `.keras`/`.h5` and TF.js later).
 * Values are NCHW (the IR's layout); Keras arguments are channels-last, so
 * `axis: -1` means the channel axis 1. Defaults are Keras's (keras.io/api/layers).
 * Problems are reported through the context and lowering goes on: a layer
 * that cannot be lowered passes its input through.
 */
import { Args, didYouMean } from './args';
import type { LoweringContext } from './context';
import { CONV_LAYER_ARGS, kerasShape, lowerConv, lowerGlobalPool, lowerPool } from './conv';
import { SHAPE_LAYERS } from './reshape';
import { nullProto } from '../lookup';

export { LoweringContext, kerasSnakeCase, type LayerProblem } from './context';

export interface LayerSpecInput {
  type: string;
  args: Record<string, unknown>;
  name?: string;
}

type Lower = (ctx: LoweringContext, a: Args, x: string) => string | undefined;

interface LayerDef {
  args: readonly string[];
  lower: Lower;
}

/** Keras activation names → nodes (keras.activations). */
const ACTIVATIONS: Record<string, (ctx: LoweringContext, x: string) => string> = nullProto({
  linear: (_, x) => x,
  relu: (ctx, x) => ctx.node('Relu', [x]),
  relu6: (ctx, x) => ctx.node('Clip', [x, ctx.floats([0], []), ctx.floats([6], [])]),
  sigmoid: (ctx, x) => ctx.node('Sigmoid', [x]),
  tanh: (ctx, x) => ctx.node('Tanh', [x]),
  // Keras softmax is over the last (channel) axis: NCHW axis 1.
  softmax: (ctx, x) => ctx.node('Softmax', [x], { axis: 1 }),
  elu: (ctx, x) => ctx.node('Elu', [x], { alpha: { type: 'float', value: 1 } }),
  selu: (ctx, x) => ctx.node('Selu', [x]),
  gelu: (ctx, x) => ctx.node('Gelu', [x]),
  swish: (ctx, x) => ctx.node('Mul', [x, ctx.node('Sigmoid', [x])]),
  silu: (ctx, x) => ctx.node('Mul', [x, ctx.node('Sigmoid', [x])]),
  // Keras 2's hard_sigmoid: clip(0.2·x + 0.5, 0, 1) (Keras 3 uses slope 1/6).
  hard_sigmoid: (ctx, x) => ctx.node('HardSigmoid', [x], { alpha: { type: 'float', value: 0.2 }, beta: { type: 'float', value: 0.5 } }),
  softplus: (ctx, x) => ctx.node('Softplus', [x]),
  softsign: (ctx, x) => ctx.node('Softsign', [x]),
  exponential: (ctx, x) => ctx.node('Exp', [x]),
});

export const KERAS_ACTIVATIONS = Object.keys(ACTIVATIONS);

/** Applies the `activation` argument (a separate node after the layer, as Keras exporters write it). */
function activation(ctx: LoweringContext, a: Args, x: string, arg = 'activation'): string {
  if (!a.has(arg)) return x;
  const name = a.str(arg, 'linear');
  const f = ACTIVATIONS[name];
  if (!f) {
    ctx.problem(`${a.label}: unknown activation '${name}'${didYouMean(name, KERAS_ACTIVATIONS)}`, 'error', { arg });
    return x;
  }
  return f(ctx, x);
}

const withActivation = (lower: Lower): Lower => (ctx, a, x) => {
  const y = lower(ctx, a, x);
  return y === undefined ? undefined : activation(ctx, a, y);
};

/** A Keras axis (channels-last, negative from the end) → the NCHW axis of a rank-`rank` value. */
export function nchwAxis(axis: number, rank: number): number {
  const k = axis < 0 ? axis + rank : axis;
  if (k === rank - 1 && rank > 2) return 1;
  return rank > 2 && k >= 1 ? k + 1 : k;
}

/** The arguments both normalisation layers share; undefined (with a problem) unless they normalise channels. */
function normArgs(ctx: LoweringContext, a: Args, x: string) {
  const axis = a.num('axis', -1);
  const eps = a.num('epsilon', 1e-3);
  const center = a.bool('center', true);
  const scale = a.bool('scale', true);
  const s = ctx.shapeOf(x);
  if (!s) return undefined;
  if (nchwAxis(axis, s.length) !== 1) {
    ctx.problem(`${a.label}: normalising over axis ${axis} is not supported yet (only the channel axis, -1)`, 'error', { arg: 'axis' });
    return undefined;
  }
  return { eps, center, scale, s, c: s[1] };
}

function batchNorm(ctx: LoweringContext, a: Args, x: string): string | undefined {
  a.num('momentum', 0.99);
  const n = normArgs(ctx, a, x);
  if (!n) return undefined;
  const { eps, center, scale, c } = n;
  // Keras counts gamma, beta, moving mean and variance (4·C); ONNX needs scale and bias even when Keras has none.
  const gamma = scale ? ctx.weight('gamma', [c]) : ctx.floats(Array<number>(c).fill(1));
  const beta = center ? ctx.weight('beta', [c]) : ctx.floats(Array<number>(c).fill(0));
  return ctx.node('BatchNormalization', [x, gamma, beta, ctx.weight('moving_mean', [c]), ctx.weight('moving_variance', [c])], {
    epsilon: { type: 'float', value: eps },
  });
}

/** LayerNormalization over the channel axis: ONNX normalises trailing axes, so move channels last and back. */
function layerNorm(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const n = normArgs(ctx, a, x);
  if (!n) return undefined;
  const { eps, center, scale, s, c } = n;
  const r = s.length;
  const toLast = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
  const toFirst = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
  const t = r > 2 ? ctx.inKerasOrder(ctx.node('Transpose', [x], { perm: toLast })) : x;
  const inputs = [t, scale ? ctx.weight('gamma', [c]) : ctx.floats(Array<number>(c).fill(1))];
  if (center) inputs.push(ctx.weight('beta', [c]));
  const y = ctx.inKerasOrder(ctx.node('LayerNormalization', inputs, { axis: -1, epsilon: { type: 'float', value: eps } }));
  return r > 2 ? ctx.node('Transpose', [y], { perm: toFirst }) : y;
}

function relu(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const max = a.optionalNum('max_value');
  const slope = a.num('negative_slope', 0);
  const threshold = a.num('threshold', 0);
  if (threshold !== 0) ctx.problem(`${a.label}: threshold ≠ 0 is not supported yet; lowered as threshold 0`, 'warning', { arg: 'threshold' });
  if (max !== undefined && slope !== 0) {
    ctx.problem(`${a.label}: max_value together with negative_slope is not supported yet; lowered with max_value only`, 'warning', { arg: 'negative_slope' });
  }
  if (max !== undefined) return ctx.node('Clip', [x, ctx.floats([0], []), ctx.floats([max], [])]);
  if (slope !== 0) return ctx.node('LeakyRelu', [x], { alpha: { type: 'float', value: slope } });
  return ctx.node('Relu', [x]);
}

function prelu(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const s = ctx.shapeOf(x);
  if (!s) return undefined;
  const shared = a.raw('shared_axes');
  const sharedAxes = shared === undefined || shared === null ? [] : Array.isArray(shared) ? shared : [shared];
  if (!sharedAxes.every((v) => typeof v === 'number' && Number.isInteger(v) && v >= 1 && v < s.length)) {
    ctx.problem(`${a.label}: shared_axes must list axes 1…${s.length - 1} (channels-last, batch excluded)`, 'error', { arg: 'shared_axes' });
    return undefined;
  }
  // Keras alpha has the input's shape without the batch, with shared axes 1; in NCHW order: [C, spatial…].
  const dims = s.slice(1);
  for (const k of sharedAxes as number[]) dims[nchwAxis(k, s.length) - 1] = 1;
  return ctx.node('PRelu', [x, ctx.weight('alpha', dims, dims.length > 1 ? [...dims.slice(1), dims[0]] : undefined)]);
}

function dense(ctx: LoweringContext, a: Args, x: string): string | undefined {
  const units = a.int('units');
  const useBias = a.bool('use_bias', true);
  const s = ctx.shapeOf(x);
  if (!s || units === undefined) return undefined;
  if (s.length !== 2) {
    ctx.problem(`${a.label}: Dense on a rank-${s.length} input ${kerasShape(s)} is not supported yet; add Flatten or GlobalAveragePooling2D before it`, 'error', { onType: true });
    return undefined;
  }
  const inputs = [x, ctx.weight('kernel', [s[1], units])];
  if (useBias) inputs.push(ctx.weight('bias', [units]));
  return ctx.node('Gemm', inputs);
}

function rescaling(ctx: LoweringContext, a: Args, x: string): string | undefined {
  if (!a.has('scale')) ctx.problem(`${a.label}: missing required argument 'scale'`, 'error', { onType: true });
  const scale = a.num('scale', 1);
  const offset = a.num('offset', 0);
  const y = ctx.node('Mul', [x, ctx.floats([scale], [])]);
  return ctx.node('Add', [y, ctx.floats([offset], [])]);
}

const identity: Lower = (ctx, _a, x) => ctx.node('Identity', [x]);

const conv = (kind: keyof typeof CONV_LAYER_ARGS, rank: number): LayerDef => ({
  args: CONV_LAYER_ARGS[kind],
  lower: withActivation((ctx, a, x) => lowerConv(ctx, a, x, kind, rank)),
});
const pool = (op: 'MaxPool' | 'AveragePool', rank: number): LayerDef => ({ args: CONV_LAYER_ARGS.pool, lower: (ctx, a, x) => lowerPool(ctx, a, x, op, rank) });
const globalPool = (op: 'GlobalAveragePool' | 'GlobalMaxPool', rank: number): LayerDef => ({
  args: CONV_LAYER_ARGS.global, lower: (ctx, a, x) => lowerGlobalPool(ctx, a, x, op, rank),
});

/** Merge layers: they take several inputs, so they are lowered by `lowerMerge`. */
export const MERGE_LAYERS: Record<string, readonly string[]> = nullProto({
  Add: [], Multiply: [], Subtract: [], Average: [], Maximum: [], Minimum: [], Concatenate: ['axis'],
});

export const LAYERS: Record<string, LayerDef> = nullProto({
  Conv1D: conv('conv', 1),
  Conv2D: conv('conv', 2),
  Conv3D: conv('conv', 3),
  Conv1DTranspose: conv('transpose', 1),
  Conv2DTranspose: conv('transpose', 2),
  DepthwiseConv2D: conv('depthwise', 2),
  SeparableConv2D: conv('separable', 2),
  MaxPooling1D: pool('MaxPool', 1),
  MaxPooling2D: pool('MaxPool', 2),
  MaxPooling3D: pool('MaxPool', 3),
  AveragePooling1D: pool('AveragePool', 1),
  AveragePooling2D: pool('AveragePool', 2),
  AveragePooling3D: pool('AveragePool', 3),
  GlobalAveragePooling1D: globalPool('GlobalAveragePool', 1),
  GlobalAveragePooling2D: globalPool('GlobalAveragePool', 2),
  GlobalMaxPooling1D: globalPool('GlobalMaxPool', 1),
  GlobalMaxPooling2D: globalPool('GlobalMaxPool', 2),
  BatchNormalization: { args: ['axis', 'momentum', 'epsilon', 'center', 'scale'], lower: batchNorm },
  LayerNormalization: { args: ['axis', 'epsilon', 'center', 'scale'], lower: layerNorm },
  Activation: { args: ['activation'], lower: (ctx, a, x) => {
    if (!a.has('activation')) ctx.problem(`${a.label}: missing required argument 'activation'`, 'error', { onType: true });
    return activation(ctx, a, x);
  } },
  ReLU: { args: ['max_value', 'negative_slope', 'threshold'], lower: relu },
  // Keras 2 calls the slope `alpha`, Keras 3 `negative_slope`; both default to 0.3.
  LeakyReLU: { args: ['alpha', 'negative_slope'], lower: (ctx, a, x) =>
    ctx.node('LeakyRelu', [x], { alpha: { type: 'float', value: a.num('negative_slope', a.num('alpha', 0.3)) } }) },
  PReLU: { args: ['shared_axes'], lower: prelu },
  ELU: { args: ['alpha'], lower: (ctx, a, x) => ctx.node('Elu', [x], { alpha: { type: 'float', value: a.num('alpha', 1) } }) },
  Softmax: { args: ['axis'], lower: (ctx, a, x) => ctx.node('Softmax', [x], { axis: nchwAxis(a.num('axis', -1), ctx.shapeOf(x)?.length ?? 2) }) },
  Dropout: { args: ['rate', 'noise_shape'], lower: identity },
  SpatialDropout1D: { args: ['rate'], lower: identity },
  SpatialDropout2D: { args: ['rate'], lower: identity },
  GaussianNoise: { args: ['stddev'], lower: identity },
  GaussianDropout: { args: ['rate'], lower: identity },
  Dense: { args: ['units', 'activation', 'use_bias'], lower: withActivation(dense) },
  Rescaling: { args: ['scale', 'offset'], lower: rescaling },
  ...SHAPE_LAYERS,
});

export const KNOWN_LAYERS = [...Object.keys(LAYERS), ...Object.keys(MERGE_LAYERS)];

/**
 * Lowers one single-input layer applied to value `input`; returns its output
 * value (the input itself when the layer could not be lowered). Nodes are
 * named under `ctx.scope` + the layer's name (`name`, else Keras's auto name).
 */
export function lowerLayer(ctx: LoweringContext, spec: LayerSpecInput, input: string): string {
  const name = spec.name ?? ctx.autoLayerName(spec.type);
  const label = `${spec.type} '${name}'`;
  const def = LAYERS[spec.type];
  if (!def) {
    if (spec.type in MERGE_LAYERS) {
      ctx.problem(`${label}: ${spec.type} merges several inputs; in a definition use a Residual (Add) or Branches (Concatenate) block`, 'error', { onType: true });
    } else {
      ctx.problem(`unknown layer ${spec.type}${didYouMean(spec.type, KNOWN_LAYERS)}`, 'error', { onType: true });
    }
    return input;
  }
  ctx.scope.push(name);
  try {
    const a = new Args(ctx, label, spec.args);
    a.checkKnown(def.args);
    return def.lower(ctx, a, input) ?? input;
  } finally {
    ctx.scope.pop();
  }
}

/** Lowers a merge layer (Add, Multiply, Concatenate, …) over several inputs. */
export function lowerMerge(ctx: LoweringContext, spec: LayerSpecInput, inputs: string[]): string {
  const name = spec.name ?? ctx.autoLayerName(spec.type);
  const label = `${spec.type} '${name}'`;
  const known = MERGE_LAYERS[spec.type];
  if (!known) {
    ctx.problem(`unknown merge layer ${spec.type}${didYouMean(spec.type, Object.keys(MERGE_LAYERS))}`, 'error', { onType: true });
    return inputs[0];
  }
  ctx.scope.push(name);
  try {
    const a = new Args(ctx, label, spec.args);
    a.checkKnown(known);
    if (inputs.length === 1) return inputs[0];
    if (spec.type === 'Concatenate') {
      const rank = ctx.shapeOf(inputs[0])?.length ?? 4;
      return ctx.node('Concat', inputs, { axis: nchwAxis(a.num('axis', -1), rank) });
    }
    const op = { Add: 'Add', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Max', Minimum: 'Min', Average: 'Mean' }[spec.type]!;
    if (op === 'Sub' || op === 'Max' || op === 'Min' || op === 'Mean') return ctx.node(op, inputs);
    return inputs.slice(1).reduce((acc, v) => ctx.node(op, [acc, v]), inputs[0]);
  } finally {
    ctx.scope.pop();
  }
}
