/**
 * Hand-built TF.js graph models in tensorflowjs_converter's format: nodes
 * with AttrValue-JSON attributes, Const nodes whose values live only in the
 * weights (dtype and tensorShape kept in the topology, as extract_weights in
 * tf_saved_model_conversion_v2.py leaves them), and the weights packed in
 * manifest order (random floats, given integers).
 */

export type AttrValue = Record<string, unknown>;

export const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
export const attr = {
  s: (v: string): AttrValue => ({ s: b64(v) }),
  i: (v: number): AttrValue => ({ i: String(v) }),
  f: (v: number): AttrValue => ({ f: v }),
  b: (v: boolean): AttrValue => ({ b: v }),
  type: (t = 'DT_FLOAT'): AttrValue => ({ type: t }),
  ints: (v: number[]): AttrValue => ({ list: { i: v.map(String) } }),
  strs: (v: string[]): AttrValue => ({ list: { s: v.map(b64) } }),
  shape: (dims: number[]): AttrValue => ({ shape: { dim: dims.map((d) => ({ size: String(d) })) } }),
};

interface FixtureWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

export interface GraphFixture {
  json: {
    format: string;
    generatedBy: string;
    convertedBy: string;
    modelTopology: { node: Record<string, unknown>[]; library: Record<string, unknown>; versions: Record<string, unknown> };
    weightsManifest: { paths: string[]; weights: { name: string; shape: number[]; dtype: string }[] }[];
  };
  weightData: Uint8Array;
  /** Float elements in the manifest: the expected parameter count. */
  floatParams: number;
  /** Names of the nodes whose output 0 TF.js is asked for. */
  computed: string[];
  inputName: string;
  inputShape: number[];
}

/** Deterministic pseudo-random floats (weights only need to be finite). */
function randomFloats(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let k = 0; k < n; k++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[k] = (s / 2 ** 32 - 0.5) * 0.2;
  }
  return out;
}

export class GraphBuilder {
  private readonly nodes: Record<string, unknown>[] = [];
  private readonly weights: FixtureWeight[] = [];
  private readonly computed: string[] = [];
  private input = { name: '', shape: [] as number[] };

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: attr.type(), shape: attr.shape(shape) } });
    this.input = { name, shape };
    return name;
  }

  /** A float weight (random values) or an int32 constant (given values). */
  const(name: string, shape: number[], ints?: number[]): string {
    const dt = ints ? 'DT_INT32' : 'DT_FLOAT';
    const n = shape.reduce((a, b) => a * b, 1);
    this.nodes.push({
      name, op: 'Const',
      attr: { value: { tensor: { dtype: dt, tensorShape: shape.length ? { dim: shape.map((d) => ({ size: String(d) })) } : {} } }, dtype: attr.type(dt) },
    });
    const data = ints ? Int32Array.from(ints) : randomFloats(n, this.weights.length + 7);
    this.weights.push({ name, shape, dtype: ints ? 'int32' : 'float32', data });
    return name;
  }

  op(name: string, op: string, input: string[], attrs: Record<string, AttrValue> = {}): string {
    this.nodes.push({ name, op, input, attr: { T: attr.type(), ...attrs } });
    this.computed.push(name);
    return name;
  }

  /** The raw node list, for malformed fixtures. */
  get rawNodes(): Record<string, unknown>[] {
    return this.nodes;
  }

  build(): GraphFixture {
    const bytes = this.weights.reduce((a, w) => a + w.data.byteLength, 0);
    const weightData = new Uint8Array(bytes);
    let off = 0;
    for (const w of this.weights) {
      weightData.set(new Uint8Array(w.data.buffer, w.data.byteOffset, w.data.byteLength), off);
      off += w.data.byteLength;
    }
    return {
      json: {
        format: 'graph-model', generatedBy: '2.15.0', convertedBy: 'TensorFlow.js Converter v4.22.0',
        modelTopology: { node: this.nodes, library: {}, versions: { producer: 1645 } },
        weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: this.weights.map((w) => ({ name: w.name, shape: w.shape, dtype: w.dtype })) }],
      },
      weightData,
      floatParams: this.weights.filter((w) => w.dtype === 'float32').reduce((a, w) => a + w.data.length, 0),
      computed: [...this.computed],
      inputName: this.input.name,
      inputShape: this.input.shape,
    };
  }
}

const NHWC = { data_format: attr.s('NHWC') };
const conv = (strides: number, padding: string) => ({
  strides: attr.ints([1, strides, strides, 1]), padding: attr.s(padding), dilations: attr.ints([1, 1, 1, 1]),
  explicit_paddings: { list: {} }, use_cudnn_on_gpu: attr.b(true), ...NHWC,
});
const window = (k: number, s: number, padding: string) => ({ ksize: attr.ints([1, k, k, 1]), strides: attr.ints([1, s, s, 1]), padding: attr.s(padding), ...NHWC });

/** Conv2D SAME stride 2 + BiasAdd + Relu, MaxPool VALID, Reshape to [-1, 512], MatMul + BiasAdd, Softmax. */
export function smallCnn(): GraphFixture {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 32, 32, 3]);
  const c = g.op('conv1/Conv2D', 'Conv2D', [x, g.const('conv1/kernel', [3, 3, 3, 8])], conv(2, 'SAME'));
  const b = g.op('conv1/BiasAdd', 'BiasAdd', [c, g.const('conv1/bias', [8])], NHWC);
  const r = g.op('conv1/Relu', 'Relu', [b]);
  const p = g.op('pool/MaxPool', 'MaxPool', [r], window(2, 2, 'VALID'));
  const f = g.op('flatten/Reshape', 'Reshape', [p, g.const('flatten/shape', [2], [-1, 512])], { Tshape: attr.type('DT_INT32') });
  const m = g.op('fc/MatMul', 'MatMul', [f, g.const('fc/kernel', [512, 10])], { transpose_a: attr.b(false), transpose_b: attr.b(false) });
  const fb = g.op('fc/BiasAdd', 'BiasAdd', [m, g.const('fc/bias', [10])], NHWC);
  g.op('Identity', 'Softmax', [fb]);
  return g.build();
}

/**
 * A MobileNet-style block on an odd-sized input: _FusedConv2D (BiasAdd, Relu6)
 * stride 2, DepthwiseConv2dNative + FusedBatchNormV3 + Relu6, two 1×1
 * branches joined by ConcatV2, Pad, AvgPool SAME, Mean over [1, 2], Squeeze,
 * _FusedMatMul, Softmax; control inputs and an `Identity` output.
 */
export function mobileBlock(): GraphFixture {
  const g = new GraphBuilder();
  const x = g.placeholder('input', [-1, 33, 33, 3]);
  const fused = (name: string, inp: string, w: string, b: string, ops: string[], stride: number) =>
    g.op(name, '_FusedConv2D', [inp, w, b], { ...conv(stride, 'SAME'), num_args: attr.i(1), fused_ops: attr.strs(ops), epsilon: attr.f(0) });
  const c1 = fused('stem/Relu6', x, g.const('stem/kernel', [3, 3, 3, 16]), g.const('stem/bias', [16]), ['BiasAdd', 'Relu6'], 2);
  const dw = g.op('block/depthwise', 'DepthwiseConv2dNative', [c1, g.const('block/dw_kernel', [3, 3, 16, 1])], conv(1, 'SAME'));
  const bn = g.op('block/bn/FusedBatchNormV3', 'FusedBatchNormV3',
    [dw, g.const('block/bn/gamma', [16]), g.const('block/bn/beta', [16]), g.const('block/bn/mean', [16]), g.const('block/bn/var', [16])],
    { epsilon: attr.f(0.001), is_training: attr.b(false), U: attr.type(), ...NHWC });
  const r6 = g.op('block/Relu6', 'Relu6', [bn]);
  const pw = g.op('block/project', 'Conv2D', [r6, g.const('block/pw_kernel', [1, 1, 16, 24])], conv(1, 'VALID'));
  const br = fused('branch/BiasAdd', r6, g.const('branch/kernel', [1, 1, 16, 8]), g.const('branch/bias', [8]), ['BiasAdd'], 1);
  const cat = g.op('concat', 'ConcatV2', [pw, br, g.const('concat/axis', [], [3])], { N: attr.i(2), Tidx: attr.type('DT_INT32') });
  const pad = g.op('pad', 'Pad', [cat, g.const('pad/paddings', [4, 2], [0, 0, 1, 1, 1, 1, 0, 0])], { Tpaddings: attr.type('DT_INT32') });
  const avg = g.op('avgpool', 'AvgPool', [pad], window(3, 2, 'SAME'));
  const mean = g.op('gap/Mean', 'Mean', [avg, g.const('gap/axes', [2], [1, 2])], { keep_dims: attr.b(true), Tidx: attr.type('DT_INT32') });
  const sq = g.op('gap/Squeeze', 'Squeeze', [mean], { squeeze_dims: attr.ints([1, 2]) });
  const fc = g.op('fc/BiasAdd', '_FusedMatMul', [sq, g.const('fc/kernel', [32, 5]), g.const('fc/bias', [5])],
    { num_args: attr.i(1), fused_ops: attr.strs(['BiasAdd']), transpose_a: attr.b(false), transpose_b: attr.b(false), epsilon: attr.f(0) });
  const sm = g.op('fc/Softmax', 'Softmax', [fc]);
  // A control input (`^name`): an ordering edge, no data (TF.js maps inputs by position, so only where extras are ignored).
  g.op('Identity', 'Identity', [sm, '^block/Relu6']);
  return g.build();
}

/** Conv2DBackpropInput (transpose conv, SAME, stride 2), ResizeNearestNeighbor, Add, Mean without keep_dims. */
export function upsampler(): GraphFixture {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [1, 7, 9, 4]);
  const os = g.const('deconv/output_shape', [4], [1, 14, 18, 6]);
  const d = g.op('deconv/conv2d_transpose', 'Conv2DBackpropInput', [os, g.const('deconv/kernel', [3, 3, 6, 4]), x], conv(2, 'SAME'));
  const r = g.op('up/resize', 'ResizeNearestNeighbor', [d, g.const('up/size', [2], [28, 36])], { align_corners: attr.b(false), half_pixel_centers: attr.b(true) });
  const rb = g.op('up/bilinear', 'ResizeBilinear', [d, g.const('up/size2', [2], [28, 36])], { align_corners: attr.b(false), half_pixel_centers: attr.b(true) });
  const s = g.op('sum', 'AddV2', [r, rb]);
  const e = g.op('act', 'Elu', [s]);
  const l = g.op('leaky', 'LeakyRelu', [e], { alpha: attr.f(0.1) });
  g.op('pool', 'Mean', [l, g.const('pool/axes', [2], [1, 2])], { keep_dims: attr.b(false), Tidx: attr.type('DT_INT32') });
  return g.build();
}

/**
 * Elementwise ops against channel vectors and scalars on NHWC values, MirrorPad,
 * and the Shape → StridedSlice → Pack → Reshape pattern exporters write for a
 * dynamic batch.
 */
export function shapeArithmetic(): GraphFixture {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [-1, 10, 10, 4]);
  const c = g.op('conv/Relu', '_FusedConv2D', [x, g.const('conv/kernel', [3, 3, 4, 6]), g.const('conv/bias', [6])],
    { ...conv(1, 'VALID'), num_args: attr.i(1), fused_ops: attr.strs(['BiasAdd', 'Relu']), epsilon: attr.f(0) });
  const mul = g.op('mul', 'Mul', [c, g.const('scale', [6])]);
  const sub = g.op('sub', 'Sub', [mul, g.const('shift', [6])]);
  const div = g.op('div', 'RealDiv', [sub, g.const('two', [])]);
  const mx = g.op('max', 'Maximum', [div, g.const('floor', [6])]);
  const mn = g.op('min', 'Minimum', [mx, c]);
  const th = g.op('tanh', 'Tanh', [g.op('sigmoid', 'Sigmoid', [mn])]);
  const mp = g.op('mirror', 'MirrorPad', [th, g.const('mirror/paddings', [4, 2], [0, 0, 2, 2, 1, 1, 0, 0])], { mode: attr.s('REFLECT'), Tpaddings: attr.type('DT_INT32') });
  const sh = g.op('flat/Shape', 'Shape', [x], { out_type: attr.type('DT_INT32') });
  const ss = g.op('flat/strided_slice', 'StridedSlice',
    [sh, g.const('flat/begin', [1], [0]), g.const('flat/end', [1], [1]), g.const('flat/strides', [1], [1])],
    { shrink_axis_mask: attr.i(1), begin_mask: attr.i(0), end_mask: attr.i(0), ellipsis_mask: attr.i(0), new_axis_mask: attr.i(0), Index: attr.type('DT_INT32') });
  const pk = g.op('flat/Reshape/shape', 'Pack', [ss, g.const('flat/minus1', [], [-1])], { axis: attr.i(0), N: attr.i(2), T: attr.type('DT_INT32') });
  g.op('flat/Reshape', 'Reshape', [mp, pk], { Tshape: attr.type('DT_INT32') });
  return g.build();
}

/**
 * The Reshape target tf2onnx's TF graphs compute (nanodet): SparseToDense of
 * no indices (a `Where` that found nothing) into zeros, plus the wanted shape.
 */
export function sparseReshapeTarget(): GraphFixture {
  const g = new GraphBuilder();
  const x = g.placeholder('x', [1, 10, 10, 4]);
  const r = g.op('relu', 'Relu', [x]);
  const dense = g.op('target/SparseToDense', 'SparseToDense',
    [g.const('target/indices', [0, 1], []), g.const('target/output_shape', [1], [3]), g.const('target/values', [0], []), g.const('target/default', [], [0])],
    { validate_indices: attr.b(true), Tindices: attr.type('DT_INT32'), T: attr.type('DT_INT32') });
  const target = g.op('target/add', 'AddV2', [g.const('target/offset', [3], [1, 100, 4]), dense], { T: attr.type('DT_INT32') });
  g.op('reshape', 'Reshape', [r, target], { Tshape: attr.type('DT_INT32') });
  return g.build();
}
