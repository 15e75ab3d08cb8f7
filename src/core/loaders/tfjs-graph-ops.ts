/**
 * TensorFlow ops of a TF.js graph model → ONNX ops of our IR. Op and
 * attribute names follow tfjs-converter's op lists
 * (tfjs-converter/src/operations/op_list/*.ts). TF graphs are NHWC unless
 * `data_format` says NCHW; ONNX convolutions are NCHW, so 4-D values carry a
 * layout: 'nchw' (the IR value is the NCHW transposition of the TF tensor)
 * or 'tf' (the IR value is the TF tensor as is). Axis-taking ops remap their
 * axes; layout-sensitive ops (Reshape, Shape, StridedSlice …) read the TF
 * layout, going through an explicit Transpose so element order is TF's.
 * Convolution, pooling, normalisation, activation, elementwise and matmul
 * ops are here; the axis-taking family is in tfjs-graph-ops-axes.ts,
 * indexing and generators in tfjs-graph-ops-tensor.ts, TensorArray/List ops
 * in tfjs-graph-ops-lists.ts.
 */
import type { Dim } from '../ir';
import type { AttrInput } from '../onnx/attr-input';
import { nullProto } from '../lookup';
import { shownValue } from '../errors';
import { samePads } from '../analysis/ops/conv-geometry';
import { TENSOR_OPS } from './tfjs-graph-ops-tensor';
import { LIST_OPS } from './tfjs-graph-ops-lists';
import { AXIS_OPS } from './tfjs-graph-ops-axes';
import { nchw, num, tf, type Layout, type Lowered, type OpEnv, type OpLowering } from './tfjs-graph-env';

export type { Layout, Lowered, OpEnv, OpLowering } from './tfjs-graph-env';
export { opaque } from './tfjs-graph-env';

function channelsFirst(e: OpEnv): boolean {
  const f = e.attrStr('data_format') ?? 'NHWC';
  if (f !== 'NHWC' && f !== 'NCHW') e.fail(`data_format ${shownValue(f)} is not supported (expected NHWC or NCHW)`);
  return f === 'NCHW';
}

/** The data input as NCHW, and how the output is to be read. */
function spatialInput(e: OpEnv, i: number): { x: string; out: (v: string) => Lowered } {
  const r = e.shape(i)?.length;
  if (r !== undefined && r !== 4) e.fail(`expects a 4-D input, got rank ${r}`);
  return channelsFirst(e) ? { x: e.tf(i), out: tf } : { x: e.nchw(i), out: nchw };
}

/** [N,H,W,C]/[N,C,H,W]-ordered 4-entry attribute (strides, ksize, dilations) → [h, w]. */
function hw(e: OpEnv, name: string, fallback: number): [number, number] {
  const v = e.attrInts(name);
  if (!v) return [fallback, fallback];
  if (v.length !== 4 || !v.every((x) => Number.isInteger(x) && x >= 1)) e.fail(`attribute ${name} must be 4 positive integers, got ${shownValue(v)}`);
  return channelsFirst(e) ? [v[2], v[3]] : [v[1], v[2]];
}

/**
 * Window attributes with explicit pads. TF SAME pads more at the end, as
 * ONNX SAME_UPPER does (tensorflow/core/framework/kernel_shape_util.cc,
 * GetWindowedOutputSizeVerbose; conv-geometry.ts `samePads`): written out
 * when the sizes are known, else left as SAME_UPPER.
 */
function windowAttrs(e: OpEnv, inHW: Dim[] | undefined, k: number[], s: number[], d: number[]): Record<string, AttrInput> {
  const attrs: Record<string, AttrInput> = { kernel_shape: k, strides: s, dilations: d };
  const padding = e.attrStr('padding') ?? 'VALID';
  if (padding === 'VALID') attrs.pads = [0, 0, 0, 0];
  else if (padding === 'SAME') {
    // ONNX's SAME_UPPER pads as TF SAME does (conv-geometry.ts); with known sizes, written out.
    const h = inHW && num(inHW[0]) ? samePads('SAME_UPPER', inHW[0], k[0], s[0], d[0]) : undefined;
    const w = inHW && num(inHW[1]) ? samePads('SAME_UPPER', inHW[1], k[1], s[1], d[1]) : undefined;
    if (h && w) attrs.pads = [h[0], w[0], h[1], w[1]];
    else attrs.auto_pad = 'SAME_UPPER';
  } else if (padding === 'EXPLICIT') {
    const p = e.attrInts('explicit_paddings');
    if (!p || p.length !== 8) e.fail(`padding EXPLICIT needs 8 explicit_paddings, got ${p ? p.length : 'none'}`);
    const [h, w] = channelsFirst(e) ? [4, 6] : [2, 4];
    attrs.pads = [p[h], p[w], p[h + 1], p[w + 1]];
  } else e.fail(`padding ${shownValue(padding)} is not supported (expected SAME, VALID or EXPLICIT)`);
  return attrs;
}

/** Spatial [h, w] of an NCHW-ordered input (from the TF shape and data_format). */
function inHW(e: OpEnv, i: number): Dim[] | undefined {
  const s = e.shape(i);
  if (!s || s.length !== 4) return undefined;
  return channelsFirst(e) ? [s[2], s[3]] : [s[1], s[2]];
}

function inChannels(e: OpEnv, i: number): Dim | undefined {
  const s = e.shape(i);
  return s && s.length === 4 ? (channelsFirst(e) ? s[1] : s[3]) : undefined;
}

function filterShape(e: OpEnv, i: number): number[] {
  const f = e.shape(i);
  if (!f || f.length !== 4 || !f.every(num)) e.fail(`the filter must be a 4-D tensor of known shape, got ${f ? `[${f.join(',')}]` : 'an unknown shape'}`);
  return f;
}

/** Conv2D / DepthwiseConv2dNative / _FusedConv2D core: returns the NCHW conv output. */
function conv(e: OpEnv, depthwise: boolean, bias?: string): Lowered {
  const { x, out } = spatialInput(e, 0);
  const [kh, kw, fin, fout] = filterShape(e, 1);
  const c = inChannels(e, 0);
  let w: string;
  let group = 1;
  if (depthwise) {
    // Depthwise filter [kh, kw, in, mult]: output channel c·mult + m, so [in·mult, 1, kh, kw] with group = in.
    if (num(c) && c !== fin) e.fail(`input has ${c} channels but the depthwise filter expects ${fin}`);
    group = fin;
    w = e.form(1, 'onnx', [fin * fout, 1, kh, kw], (v) => e.node('Transpose', [e.node('Reshape', [v, e.ints([kh, kw, 1, fin * fout])])], { perm: [3, 2, 0, 1] }));
  } else {
    // Conv2D filter [kh, kw, in/groups, out] → ONNX [out, in/groups, kh, kw]; TF infers groups from the channel ratio.
    if (num(c)) {
      if (c % fin !== 0) e.fail(`input has ${c} channels, not a multiple of the filter's ${fin} input channels`);
      group = c / fin;
    }
    w = e.form(1, 'onnx', [fout, fin, kh, kw], (v) => e.node('Transpose', [v], { perm: [3, 2, 0, 1] }));
  }
  const s = hw(e, 'strides', 1);
  const d = hw(e, 'dilations', 1);
  const attrs = { ...windowAttrs(e, inHW(e, 0), [kh, kw], s, d), group };
  return out(e.node('Conv', bias ? [x, w, bias] : [x, w], attrs));
}

function activation(e: OpEnv, op: string, x: Lowered, alpha?: () => string): Lowered {
  const v = x.value;
  switch (op) {
    case 'Relu': return { ...x, value: e.node('Relu', [v]) };
    case 'Relu6': return { ...x, value: e.node('Clip', [v, e.floats([0], []), e.floats([6], [])]) };
    case 'Elu': return { ...x, value: e.node('Elu', [v], { alpha: 1.0 }) };
    case 'Selu': return { ...x, value: e.node('Selu', [v]) };
    case 'Sigmoid': return { ...x, value: e.node('Sigmoid', [v]) };
    case 'Tanh': return { ...x, value: e.node('Tanh', [v]) };
    case 'LeakyRelu': return { ...x, value: e.node('LeakyRelu', [v], { alpha: { type: 'float', value: e.attrFloat('leakyrelu_alpha') ?? e.attrFloat('alpha') ?? 0.2 } }) };
    case 'Prelu': if (alpha) return { ...x, value: e.node('PRelu', [v, alpha()]) };
  }
  e.warn(`fused activation ${op} is not supported; left out (it does not change the shape)`);
  return x;
}

/**
 * The bias/arg input i as a [C,1,1] channel vector for an NCHW value, or as is.
 * TF broadcasts from the last axis, so a per-channel vector is [C] or, as
 * the converter writes PReLU slopes, [1,1,C]: every dim but the last is 1.
 */
function channelVec(e: OpEnv, i: number, layout: Layout): string {
  if (layout !== 'nchw') return e.tf(i);
  const s = e.shape(i);
  if (s && s.length === 0) return e.tf(i);
  if (s && s.length > 1 && !s.slice(0, -1).every((d) => d === 1)) e.fail(`argument ${i} of shape [${s.join(',')}] is not a per-channel vector`);
  const c = s?.[s.length - 1];
  return e.form(i, 'c11', num(c) ? [c, 1, 1] : undefined, (v) => e.node('Reshape', [v, e.ints([-1, 1, 1])]));
}

/** _FusedConv2D / FusedDepthwiseConv2dNative: conv, then fused_ops over args (inputs 2…). */
function fusedConv(depthwise: boolean): OpLowering {
  return (e) => {
    const ops = e.attrStrs('fused_ops') ?? [];
    const [first, act] = ops;
    if (first === 'BiasAdd') {
      const y = conv(e, depthwise, e.tf(2));
      return act ? activation(e, act, y, () => channelVec(e, 3, y.layout)) : y;
    }
    let y = conv(e, depthwise);
    if (first === 'FusedBatchNorm') {
      y = { ...y, value: e.node('BatchNormalization', [y.value, e.tf(2), e.tf(3), e.tf(4), e.tf(5)], { epsilon: { type: 'float', value: e.attrFloat('epsilon') ?? 1e-4 } }) };
      return act ? activation(e, act, y, () => channelVec(e, 6, y.layout)) : y;
    }
    if (first !== undefined) return activation(e, first, y);
    return y;
  };
}

/** Elementwise ops: NCHW when every input is 4-D (or a scalar / channel vector), else in TF layout. */
function elementwise(onnx: string): OpLowering {
  return (e) => {
    const idx = Array.from({ length: e.arity }, (_, i) => i);
    const ranks = idx.map((i) => e.shape(i)?.length);
    const anyNchw = idx.some((i) => e.layout(i) === 'nchw');
    if (anyNchw && ranks.every((r) => r === 0 || r === 1 || r === 4)) {
      const ins = idx.map((i) => (ranks[i] === 4 ? e.nchw(i) : channelVec(e, i, 'nchw')));
      return nchw(ins.slice(1).reduce((a, b) => e.node(onnx, [a, b]), ins[0]));
    }
    const ins = idx.map((i) => e.tf(i));
    return tf(ins.length === 1 ? e.node(onnx, ins) : ins.slice(1).reduce((a, b) => e.node(onnx, [a, b]), ins[0]));
  };
}

function unary(onnx: string, attrs?: (e: OpEnv) => Record<string, AttrInput>): OpLowering {
  return (e) => ({ ...e.raw(0), value: e.node(onnx, [e.raw(0).value], attrs?.(e)) });
}

const passThrough: OpLowering = (e) => e.raw(0);

const pool = (onnx: 'MaxPool' | 'AveragePool'): OpLowering => (e) => {
  const { x, out } = spatialInput(e, 0);
  const k = hw(e, 'ksize', 1);
  const attrs = windowAttrs(e, inHW(e, 0), k, hw(e, 'strides', 1), [1, 1]);
  delete attrs.dilations;
  // TF's AvgPool divides by the number of unpadded elements in the window.
  if (onnx === 'AveragePool') attrs.count_include_pad = 0;
  return out(e.node(onnx, [x], attrs));
};

const fusedBatchNorm: OpLowering = (e) => {
  const { x, out } = spatialInput(e, 0);
  const eps = e.attrFloat('epsilon') ?? 1e-3;
  const y = out(e.node('BatchNormalization', [x, e.tf(1), e.tf(2), e.tf(3), e.tf(4)], { epsilon: { type: 'float', value: eps } }));
  // Outputs 1–5 (batch mean/variance, reserve spaces): in inference mode the moving statistics.
  return [y, e.raw(3), e.raw(4), e.raw(3), e.raw(4), e.raw(3)];
};

const biasAdd: OpLowering = (e) => {
  const x = e.raw(0);
  const r = e.shape(0)?.length;
  if (channelsFirst(e) && r !== undefined && r > 2) {
    const b = e.form(1, 'c11', undefined, (v) => e.node('Unsqueeze', [v, e.ints(Array.from({ length: r - 2 }, (_, i) => i + 1))]));
    return tf(e.node('Add', [e.tf(0), b]));
  }
  if (x.layout === 'nchw') return nchw(e.node('Add', [x.value, channelVec(e, 1, 'nchw')]));
  return tf(e.node('Add', [e.tf(0), e.tf(1)]));
};

function matMul(e: OpEnv, ta: boolean, tb: boolean): string {
  const a = ta ? e.node('Transpose', [e.tf(0)], { perm: [1, 0] }) : e.tf(0);
  const bs = e.shape(1);
  const dims = bs && bs.length === 2 && bs.every(num) ? [bs[1], bs[0]] : undefined;
  const b = tb ? e.form(1, 'T', dims, (v) => e.node('Transpose', [v], { perm: [1, 0] })) : e.tf(1);
  return e.node('MatMul', [a, b]);
}

/** BatchMatMul(V2/V3)(x, y; adj_x, adj_y): MatMul, with the last two axes swapped where adjoint (real tensors: transposed). */
const batchMatMul: OpLowering = (e) => {
  const adj = (i: number, flag: string): string => {
    if (!e.attrBool(flag)) return e.tf(i);
    const r = e.shape(i)?.length ?? e.fail(`${flag} needs the input's rank, which is unknown`);
    const perm = Array.from({ length: r }, (_, k) => k);
    [perm[r - 2], perm[r - 1]] = [perm[r - 1], perm[r - 2]];
    return e.node('Transpose', [e.tf(i)], { perm });
  };
  return tf(e.node('MatMul', [adj(0, 'adj_x'), adj(1, 'adj_y')]));
};

const fusedMatMul: OpLowering = (e) => {
  const [first, act] = e.attrStrs('fused_ops') ?? [];
  let y = tf(matMul(e, e.attrBool('transpose_a') ?? false, e.attrBool('transpose_b') ?? false));
  if (first === 'BiasAdd') {
    y = tf(e.node('Add', [y.value, e.tf(2)]));
    return act ? activation(e, act, y, () => e.tf(3)) : y;
  }
  return first ? activation(e, first, y) : y;
};

const softmax = (onnx: string): OpLowering => (e) => {
  const x = e.raw(0);
  const r = e.shape(0)?.length;
  return x.layout === 'nchw' && r === 4 ? nchw(e.node(onnx, [x.value], { axis: 1 })) : tf(e.node(onnx, [e.tf(0)], { axis: -1 }));
};

/** ResizeBilinear/NearestNeighbor(images NHWC, size [h, w]) → Resize with sizes on axes 2, 3. */
const resize = (mode: 'linear' | 'nearest'): OpLowering => (e) => {
  const { x } = { x: e.nchw(0) };
  const size = e.constInts(1);
  const align = e.attrBool('align_corners') ?? false;
  const half = e.attrBool('half_pixel_centers') ?? false;
  const attrs: Record<string, AttrInput> = {
    mode, axes: [2, 3],
    coordinate_transformation_mode: align ? 'align_corners' : half ? (mode === 'linear' ? 'half_pixel' : 'tf_half_pixel_for_nn') : 'asymmetric',
  };
  return nchw(e.node('Resize', [x, '', '', size ? e.ints(size) : e.tf(1)], attrs));
};

/** Conv2DBackpropInput(output_shape, filter [kh, kw, out, in], x) → ConvTranspose, W [in, out, kh, kw]. */
const convTranspose: OpLowering = (e) => {
  const { x, out } = spatialInput(e, 2);
  const [kh, kw, fout, fin] = filterShape(e, 1);
  const w = e.form(1, 'onnx', [fin, fout, kh, kw], (v) => e.node('Transpose', [v], { perm: [3, 2, 0, 1] }));
  const s = hw(e, 'strides', 1);
  const d = hw(e, 'dilations', 1);
  const attrs: Record<string, AttrInput> = { kernel_shape: [kh, kw], strides: s, dilations: d };
  const os = e.constInts(0);
  const padding = e.attrStr('padding') ?? 'VALID';
  if (os && os.length === 4) attrs.output_shape = channelsFirst(e) ? [os[2], os[3]] : [os[1], os[2]];
  else if (padding === 'SAME') attrs.auto_pad = 'SAME_UPPER';
  else if (padding === 'VALID') attrs.pads = [0, 0, 0, 0];
  else e.fail(`padding ${shownValue(padding)} needs a known output_shape`);
  return out(e.node('ConvTranspose', [x, w], attrs));
};

const ONNX_DTYPE: Record<string, number> = nullProto({ DT_FLOAT: 1, DT_INT32: 6, DT_INT64: 7, DT_BOOL: 9, DT_HALF: 10, DT_DOUBLE: 11, DT_UINT8: 2, DT_INT8: 3 });

export const TF_OPS: Record<string, OpLowering> = nullProto({
  Identity: passThrough, StopGradient: passThrough, Snapshot: passThrough, PlaceholderWithDefault: passThrough, EnsureShape: passThrough,
  Conv2D: (e) => conv(e, false),
  DepthwiseConv2dNative: (e) => conv(e, true),
  DepthwiseConv2d: (e) => conv(e, true),
  _FusedConv2D: fusedConv(false),
  FusedDepthwiseConv2dNative: fusedConv(true),
  Conv2DBackpropInput: convTranspose,
  BiasAdd: biasAdd,
  Add: elementwise('Add'), AddV2: elementwise('Add'), AddN: elementwise('Add'), Sub: elementwise('Sub'),
  Mul: elementwise('Mul'), RealDiv: elementwise('Div'), Div: elementwise('Div'),
  Maximum: elementwise('Max'), Minimum: elementwise('Min'), Pow: elementwise('Pow'),
  SquaredDifference: (e) => { const d = elementwise('Sub')(e) as Lowered; return { ...d, value: e.node('Mul', [d.value, d.value]) }; },
  Relu: (e) => activation(e, 'Relu', e.raw(0)), Relu6: (e) => activation(e, 'Relu6', e.raw(0)),
  Elu: (e) => activation(e, 'Elu', e.raw(0)), Selu: (e) => activation(e, 'Selu', e.raw(0)),
  Sigmoid: (e) => activation(e, 'Sigmoid', e.raw(0)), Tanh: (e) => activation(e, 'Tanh', e.raw(0)),
  LeakyRelu: (e) => activation(e, 'LeakyRelu', e.raw(0)),
  Prelu: elementwise('PRelu'),
  Abs: unary('Abs'), Neg: unary('Neg'), Exp: unary('Exp'), Log: unary('Log'), Sqrt: unary('Sqrt'), Floor: unary('Floor'),
  Ceil: unary('Ceil'), Round: unary('Round'), Reciprocal: unary('Reciprocal'), Softplus: unary('Softplus'), Erf: unary('Erf'),
  Sign: unary('Sign'), Square: (e) => ({ ...e.raw(0), value: e.node('Mul', [e.raw(0).value, e.raw(0).value]) }),
  Rsqrt: (e) => ({ ...e.raw(0), value: e.node('Reciprocal', [e.node('Sqrt', [e.raw(0).value])]) }),
  Cast: unary('Cast', (e) => ({ to: ONNX_DTYPE[e.attrStr('DstT') ?? ''] ?? 1 })),
  Softmax: softmax('Softmax'), LogSoftmax: softmax('LogSoftmax'),
  MaxPool: pool('MaxPool'), AvgPool: pool('AveragePool'),
  FusedBatchNorm: fusedBatchNorm, FusedBatchNormV2: fusedBatchNorm, FusedBatchNormV3: fusedBatchNorm,
  MatMul: (e) => tf(matMul(e, e.attrBool('transpose_a') ?? false, e.attrBool('transpose_b') ?? false)),
  BatchMatMulV2: batchMatMul, BatchMatMul: batchMatMul, BatchMatMulV3: batchMatMul,
  _FusedMatMul: fusedMatMul,
  ResizeBilinear: resize('linear'), ResizeNearestNeighbor: resize('nearest'),
  Shape: (e) => tf(e.node('Shape', [e.tf(0)])),
  Equal: elementwise('Equal'), Less: elementwise('Less'), LessEqual: elementwise('LessOrEqual'), Greater: elementwise('Greater'),
  GreaterEqual: elementwise('GreaterOrEqual'), LogicalAnd: elementwise('And'), LogicalOr: elementwise('Or'), LogicalNot: unary('Not'),
  NotEqual: (e) => { const d = elementwise('Equal')(e) as Lowered; return { ...d, value: e.node('Not', [d.value]) }; },
  Sin: unary('Sin'), Cos: unary('Cos'), Tan: unary('Tan'), Atan: unary('Atan'),
  // A TF1 cond outside loops (while loops are collapsed first, tfjs-graph-control.ts): Switch passes its data to
  // both branches, so both are profiled; Merge has the branches' common shape (rule in analysis/ops/control.ts).
  Switch: (e) => [e.raw(0), e.raw(0)],
  Merge: (e) => e.nodeN('Merge', Array.from({ length: e.arity }, (_, i) => e.tf(i)), 2, {}, 'ai.tensorflow').map(tf),
  ...AXIS_OPS,
  ...TENSOR_OPS,
  ...LIST_OPS,
});
