/**
 * TF ops that take axes or a target shape (reductions Mean/Max/Min/Sum/Prod,
 * Reshape, Squeeze, ConcatV2, Pad/PadV2/MirrorPad, Pack, ExpandDims,
 * Transpose) → ONNX ops of our IR. On a 4-D value held NCHW, an op whose TF
 * axes map onto NCHW ones without reordering what is left stays NCHW; the
 * others read the TF layout. Inputs and attributes follow
 * tfjs-converter/src/operations/op_list/{reduction,transformation,slice_join}.ts.
 */
import type { Dim } from '../ir';
import { nullProto } from '../lookup';
import { nchw, normAxes, num, opaque, tf, type OpLowering } from './tfjs-graph-env';

/** Position of TF NHWC axis a in the NCHW value. */
const NHWC_TO_NCHW = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/**
 * Axes of an NHWC value held NCHW: the NCHW axes, and whether the axes left
 * after removing them keep TF's order (so a rank-reduced result is TF layout).
 */
function remapAxes(axes: number[]): { axes: number[]; keepsOrder: boolean } {
  const mapped = axes.map((a) => NHWC_TO_NCHW[a]);
  const left = [0, 1, 2, 3].filter((a) => !axes.includes(a)).map((a) => NHWC_TO_NCHW[a]);
  return { axes: mapped, keepsOrder: left.every((p, i) => i === 0 || p > left[i - 1]) };
}

/** Mean/Max/Min/Sum/Prod(x, axis, keep_dims); Mean/Max over H,W of NHWC is global pooling. */
function reduce(onnx: string, global?: string): OpLowering {
  return (e) => {
    const keep = e.attrBool('keep_dims') ?? false;
    const rank = e.shape(0)?.length;
    let axes = e.constInts(1);
    if (!axes && rank === 4 && e.shape(1)?.[0] === 2 && (global !== undefined)) {
      // Without the weight bytes the axes are unknown; two axes of a 4-D image are H and W in every converted CNN.
      e.warn(`reduction axes are in the weights file; assumed [1, 2] (global pooling)`);
      axes = [1, 2];
    }
    if (!axes || rank === undefined) {
      if (!axes) e.warn(`reduction axes are not known (they are in the weights file); the output shape is unknown`);
      return tf(e.node(onnx, [e.tf(0), e.tf(1)], { keepdims: keep ? 1 : 0 }));
    }
    const norm = [...new Set(normAxes(e, axes, rank))].sort();
    if (rank === 4 && e.layout(0) === 'nchw') {
      const m = remapAxes(norm);
      if (keep || m.keepsOrder) {
        const x = e.nchw(0);
        const isGlobal = global && norm.length === 2 && norm[0] === 1 && norm[1] === 2;
        const y = isGlobal ? e.node(global, [x]) : e.node(onnx, [x, e.ints(m.axes)], { keepdims: 1 });
        if (keep) return nchw(y);
        return tf(e.node('Squeeze', [y, e.ints(m.axes.sort())]));
      }
    }
    return tf(norm.length ? e.node(onnx, [e.tf(0), e.ints(norm)], { keepdims: keep ? 1 : 0 }) : e.tf(0));
  };
}

const reshape: OpLowering = (e) => {
  const target = e.constInts(1);
  // A computed target (Shape → StridedSlice → Pack) folds in shape inference; a Const one needs the weight bytes.
  if (!target && e.isConst(1)) e.warn('the target shape is in the weights file; the output shape is unknown without it');
  return tf(e.node('Reshape', [e.tf(0), target ? e.ints(target) : e.tf(1)]));
};

const squeeze: OpLowering = (e) => {
  const s = e.shape(0);
  const given = e.attrInts('squeeze_dims') ?? e.attrInts('axis') ?? [];
  if (!s) return tf(given.length ? e.node('Squeeze', [e.tf(0), e.ints(given)]) : e.node('Squeeze', [e.tf(0)]));
  const axes = given.length ? normAxes(e, given, s.length) : s.flatMap((d, i) => (d === 1 ? [i] : []));
  axes.forEach((a) => num(s[a]) && s[a] !== 1 && e.fail(`cannot squeeze axis ${a} of size ${s[a]} (input [${s.join(',')}])`));
  if (s.length === 4 && e.layout(0) === 'nchw') {
    const m = remapAxes(axes);
    if (m.keepsOrder) return tf(e.node('Squeeze', [e.nchw(0), e.ints(m.axes.sort())]));
  }
  return tf(e.node('Squeeze', [e.tf(0), e.ints(axes)]));
};

/** ConcatV2(values…, axis): axis is the last input. */
const concat: OpLowering = (e) => {
  const n = e.arity - 1;
  if (n < 1) e.fail('needs at least one value and an axis');
  const idx = Array.from({ length: n }, (_, i) => i);
  const shapes = idx.map((i) => e.shape(i));
  const rank = shapes.find((s) => s)?.length;
  let axis = e.constInts(n)?.[0];
  if (axis === undefined && rank !== undefined) {
    const known = shapes.filter((s): s is Dim[] => !!s);
    const differ = Array.from({ length: rank }, (_, a) => a).filter((a) => known.some((s) => s[a] !== known[0][a]));
    axis = differ.length === 1 ? differ[0] : rank - 1;
    e.warn(`the concat axis is in the weights file; assumed axis ${axis}${differ.length === 1 ? ' (the only axis the inputs differ on)' : ' (channels)'}`);
  }
  if (axis !== undefined && rank === undefined) return tf(e.node('Concat', idx.map((i) => e.tf(i)), { axis }));
  if (axis === undefined || rank === undefined) {
    e.warn('the concat axis is in the weights file and the inputs\' ranks are unknown; the output shape is unknown');
    return opaque(e, false)[0];
  }
  const a = normAxes(e, [axis], rank)[0];
  if (rank === 4 && idx.some((i) => e.layout(i) === 'nchw')) return nchw(e.node('Concat', idx.map((i) => e.nchw(i)), { axis: NHWC_TO_NCHW[a] }));
  return tf(e.node('Concat', idx.map((i) => e.tf(i)), { axis: a }));
};

/** Pad/PadV2/MirrorPad(x, paddings [rank, 2]) → ONNX pads [begins…, ends…]. */
const pad: OpLowering = (e) => {
  const p = e.constInts(1);
  const mode = e.op === 'MirrorPad' ? 'reflect' : 'constant';
  const value = e.op === 'PadV2' && e.arity > 2 ? [e.tf(2)] : [];
  const r = e.shape(0)?.length;
  if (!p || r === undefined) {
    if (e.isConst(1)) e.warn('the paddings are not known (they are in the weights file); the output shape is unknown');
    // Computed paddings [rank, 2] → ONNX [begins…, ends…]: transposed and flattened (shape inference folds them when it can).
    const pads = e.node('Reshape', [e.node('Transpose', [e.node('Cast', [e.tf(1)], { to: 7 })], { perm: [1, 0] }), e.ints([-1])]);
    return tf(e.node('Pad', [e.tf(0), pads, ...value], { mode }));
  }
  if (p.length !== 2 * r) e.fail(`paddings has ${p.length / 2} rows but the input has rank ${r}`);
  const rows = Array.from({ length: r }, (_, i) => [p[2 * i], p[2 * i + 1]]);
  if (r === 4 && e.layout(0) === 'nchw') {
    const ordered = TO_NCHW.map((a) => rows[a]);
    return nchw(e.node('Pad', [e.nchw(0), e.ints([...ordered.map((x) => x[0]), ...ordered.map((x) => x[1])]), ...value], { mode }));
  }
  return tf(e.node('Pad', [e.tf(0), e.ints([...rows.map((x) => x[0]), ...rows.map((x) => x[1])]), ...value], { mode }));
};

const pack: OpLowering = (e) => {
  const axis = e.attrInt('axis') ?? 0;
  const ins = Array.from({ length: e.arity }, (_, i) => e.node('Unsqueeze', [e.tf(i), e.ints([axis])]));
  return tf(e.node('Concat', ins, { axis }));
};

const expandDims: OpLowering = (e) => {
  const a = e.constInts(1) ?? e.fail('the axis is not known (it is in the weights file)');
  return tf(e.node('Unsqueeze', [e.tf(0), e.ints(a)]));
};

const transpose: OpLowering = (e) => {
  const perm = e.constInts(1) ?? e.fail('the permutation is not known (it is in the weights file)');
  return tf(e.node('Transpose', [e.tf(0)], { perm }));
};

export const AXIS_OPS: Record<string, OpLowering> = nullProto({
  Mean: reduce('ReduceMean', 'GlobalAveragePool'), Max: reduce('ReduceMax', 'GlobalMaxPool'),
  Min: reduce('ReduceMin'), Sum: reduce('ReduceSum'), Prod: reduce('ReduceProd'),
  Reshape: reshape, Squeeze: squeeze, ConcatV2: concat, ExpandDims: expandDims, Transpose: transpose,
  Pad: pad, PadV2: pad, MirrorPad: pad,
  Pack: pack,
});
