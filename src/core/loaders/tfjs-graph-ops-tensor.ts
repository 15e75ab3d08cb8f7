/**
 * TF indexing, splitting, selection and generator ops (the post-processing of
 * detector, pose and segmentation heads: Unpack, Split/SplitV, TopKV2,
 * GatherV2/GatherNd, Select/Where, Range/Fill, Tile, ArgMax, Slice, …) →
 * ONNX ops of our IR, on TF-layout values. Inputs and attributes follow
 * tfjs-converter/src/operations/op_list/{slice_join,evaluation,creation,
 * logical,arithmetic,transformation}.ts.
 */
import type { Dim } from '../ir';
import type { AttrInput } from '../onnx/attr-input';
import { nullProto } from '../lookup';
import { nchw, normAxes, opaque, num, tf, type OpEnv, type OpLowering } from './tfjs-graph-env';

const INT64 = 7;
/** "To the end" for Slice: ONNX Slice clamps, and our shape rules read bounds of 2^31 or more as that sentinel. */
const BIG = 2 ** 31;

/** Integer vector input i as an int64 IR value: its values when constant, else a Cast (TF's shapes and indices are int32). */
function int64(e: OpEnv, i: number): string {
  const v = e.constInts(i);
  return v && (e.shape(i)?.length ?? 1) <= 1 ? e.ints(v) : e.node('Cast', [e.tf(i)], { to: INT64 });
}

/** A scalar axis input (Split's first input, GatherV2's third, ArgMax's second), normalised by the rank when known. */
function axisInput(e: OpEnv, i: number, rank: number | undefined): number {
  const a = e.constInts(i)?.[0] ?? e.fail('the axis is not known (it is in the weights file)');
  return rank === undefined ? a : normAxes(e, [a], rank)[0];
}

/** The TF dtype attribute `T` (or `key`) is an integer type. */
const isIntT = (e: OpEnv, key = 'T'): boolean => /INT/.test(e.attrStr(key) ?? '');

/** Unpack(value; num, axis): ONNX Split into `num` pieces along axis, each squeezed. */
const unpack: OpLowering = (e) => {
  const s = e.shape(0);
  const axis = e.attrInt('axis') ?? 0;
  const a = s ? normAxes(e, [axis], s.length)[0] : axis;
  const n = e.attrInt('num') ?? (s && num(s[a]) ? s[a] : e.referenced);
  if (!Number.isInteger(n) || n < 1) e.fail(`num must be a positive integer, got ${n}`);
  const parts = e.nodeN('Split', [e.tf(0)], n, { axis: a, num_outputs: n });
  return parts.map((p) => tf(e.node('Squeeze', [p, e.ints([a])])));
};

/** Split(axis, value; num_split): equal pieces. */
const split: OpLowering = (e) => {
  const n = e.attrInt('num_split') ?? e.referenced;
  const a = axisInput(e, 0, e.shape(1)?.length);
  return e.nodeN('Split', [e.tf(1)], n, { axis: a, num_outputs: n }).map(tf);
};

/** SplitV(value, size_splits, axis): given sizes, one of which may be −1 (the rest of the axis). */
const splitV: OpLowering = (e) => {
  const s = e.shape(0);
  const a = axisInput(e, 2, s?.length);
  let sizes = e.constInts(1);
  const n = e.attrInt('num_split') ?? sizes?.length ?? e.referenced;
  if (sizes && sizes.includes(-1)) {
    const d = s?.[a];
    const rest = sizes.filter((x) => x !== -1).reduce((x, y) => x + y, 0);
    sizes = num(d) ? sizes.map((x) => (x === -1 ? d - rest : x)) : undefined;
  }
  const splitArg = sizes ? e.ints(sizes) : e.node('Cast', [e.tf(1)], { to: INT64 });
  return e.nodeN('Split', [e.tf(0), splitArg], n, { axis: a }).map(tf);
};

/** TopKV2(x, k; sorted): values and indices of the k largest along the last axis. */
const topK: OpLowering = (e) => {
  const k = e.constInts(1);
  const kArg = k ? e.ints(k.slice(0, 1)) : e.node('Reshape', [e.node('Cast', [e.tf(1)], { to: INT64 }), e.ints([1])]);
  return e.nodeN('TopK', [e.tf(0), kArg], 2, { axis: -1, largest: 1, sorted: 1 }).map(tf);
};

/** GatherV2(params, indices, axis; batch_dims 0). */
const gatherV2: OpLowering = (e) => {
  if ((e.attrInt('batch_dims') ?? 0) !== 0) e.fail('batch_dims other than 0 is not supported');
  const rank = e.shape(0)?.length;
  const a = e.arity > 2 ? axisInput(e, 2, rank) : 0;
  return tf(e.node('Gather', [e.tf(0), e.tf(1)], { axis: a }));
};

/** Where(condition): the coordinates of true elements, [count, rank] (ONNX NonZero is [rank, count]). */
const whereCoords: OpLowering = (e) => tf(e.node('Transpose', [e.node('NonZero', [e.tf(0)])], { perm: [1, 0] }));

/** Slice(x, begin, size): size −1 is "to the end". */
const slice: OpLowering = (e) => {
  const [b, sz] = [e.constInts(1), e.constInts(2)];
  const rank = e.shape(0)?.length ?? b?.length ?? sz?.length ?? e.fail('cannot tell the rank of the slice');
  const axes = e.ints(Array.from({ length: rank }, (_, i) => i));
  if (b && sz) {
    const ends = sz.map((s, i) => (s < 0 ? BIG : b[i] + s));
    return tf(e.node('Slice', [e.tf(0), e.ints(b), e.ints(ends), axes]));
  }
  const begin = int64(e, 1);
  const size = int64(e, 2);
  const ends = e.node('Where', [e.node('Less', [size, e.ints([0])]), e.ints([BIG]), e.node('Add', [begin, size])]);
  return tf(e.node('Slice', [e.tf(0), begin, ends, axes]));
};

/** ArgMax/ArgMin(x, dimension): int64 indices with that axis removed. */
const argReduce = (onnx: string): OpLowering => (e) => {
  const a = axisInput(e, 1, e.shape(0)?.length);
  return tf(e.node(onnx, [e.tf(0)], { axis: a, keepdims: 0 }));
};

/** Atan2(y, x) = atan(y/x) + π·sign(y) where x < 0 (y = 0 counts as positive), as tf2onnx writes it. */
const atan2: OpLowering = (e) => {
  const [y, x] = [e.tf(0), e.tf(1)];
  const base = e.node('Atan', [e.node('Div', [y, x])]);
  const pi = e.floats([Math.PI], []);
  const turn = e.node('Where', [e.node('GreaterOrEqual', [y, e.floats([0], [])]), pi, e.node('Neg', [pi])]);
  return tf(e.node('Add', [base, e.node('Where', [e.node('Less', [x, e.floats([0], [])]), turn, e.floats([0], [])])]));
};

/** DepthToSpace/SpaceToDepth(x; block_size): TF's NHWC order is ONNX's DCR mode on the NCHW value. */
const depthSpace = (onnx: 'DepthToSpace' | 'SpaceToDepth'): OpLowering => (e) => {
  if ((e.attrStr('data_format') ?? 'NHWC') !== 'NHWC') e.fail('only data_format NHWC is supported');
  const attrs: Record<string, AttrInput> = { blocksize: e.attrInt('block_size') ?? e.fail('block_size is missing') };
  if (onnx === 'DepthToSpace') attrs.mode = 'DCR';
  return nchw(e.node(onnx, [e.nchw(0)], attrs));
};

/** FloorDiv: Div, floored for floats (for integers ONNX Div truncates, the same for the non-negative indices these graphs divide). */
const floorDiv: OpLowering = (e) => {
  const q = e.node('Div', [e.tf(0), e.tf(1)]);
  return tf(isIntT(e) ? q : e.node('Floor', [q]));
};

/**
 * StridedSlice(x, begin, end, strides; masks) → Slice over the input axes,
 * Squeeze for shrink_axis_mask, Unsqueeze for new_axis_mask. An ellipsis
 * stands for the input axes no other entry names (tensorflow/core/util/
 * strided_slice_op.cc, BuildDenseSpec).
 */
const stridedSlice: OpLowering = (e) => {
  const [b, en, st] = [e.constInts(1), e.constInts(2), e.constInts(3)];
  const bit = (m: string, i: number) => (((e.attrInt(m) ?? 0) >> i) & 1) === 1;
  const rank = e.shape(0)?.length;
  const hasEllipsis = (e.attrInt('ellipsis_mask') ?? 0) !== 0;
  if (!b || !en || !st || b.length !== en.length || b.length !== st.length || (hasEllipsis && rank === undefined)) {
    e.warn('StridedSlice with bounds that are not constant (or an ellipsis on an input of unknown rank) is not lowered; its output shape is unknown');
    return opaque(e, false)[0];
  }
  const starts: number[] = [], ends: number[] = [], steps: number[] = [], axes: number[] = [];
  const shrink: number[] = [];
  /** Output entries in order: an input axis (kept unless shrunk) or a new axis of size 1. */
  const out: ('in' | 'shrink' | 'new')[] = [];
  let j = 0;
  for (let i = 0; i < b.length; i++) {
    if (bit('ellipsis_mask', i)) {
      const named = b.filter((_, k) => k > i && !bit('new_axis_mask', k)).length;
      for (const stop = rank! - named; j < stop; j++) out.push('in');
      continue;
    }
    if (bit('new_axis_mask', i)) {
      out.push('new');
      continue;
    }
    if (st[i] === 0) e.fail(`stride ${i} is 0`);
    const shrinks = bit('shrink_axis_mask', i);
    axes.push(j);
    steps.push(shrinks ? 1 : st[i]);
    starts.push(bit('begin_mask', i) && !shrinks ? (st[i] < 0 ? BIG : 0) : b[i]);
    ends.push(shrinks ? (b[i] === -1 ? BIG : b[i] + 1) : bit('end_mask', i) ? (st[i] < 0 ? -BIG : BIG) : en[i]);
    if (shrinks) shrink.push(j);
    out.push(shrinks ? 'shrink' : 'in');
    j++;
  }
  let y = axes.length ? e.node('Slice', [e.tf(0), e.ints(starts), e.ints(ends), e.ints(axes), e.ints(steps)]) : e.tf(0);
  if (shrink.length) y = e.node('Squeeze', [y, e.ints(shrink)]);
  const newAt = out.filter((o) => o !== 'shrink').flatMap((o, k) => (o === 'new' ? [k] : []));
  if (newAt.length) y = e.node('Unsqueeze', [y, e.ints(newAt)]);
  return tf(y);
};

/** Dim k of a 4-D value's Shape, as a 1-element int64 vector (symbolic dims fold through shape inference). */
const dimOf = (e: OpEnv, shape: string, k: number): string => e.node('Gather', [shape, e.ints([k])], { axis: 0 });

/**
 * Block shape (constant) and the [2, 2] paddings/crops of the 2-D Space↔Batch
 * ops: `first` = [top, left] and `last` = [bottom, right] as int64 IR values
 * (computed ones too: converters derive them from the input size).
 */
function blockArgs(e: OpEnv): { bh: number; bw: number; first: string; last: string; zero: boolean } | undefined {
  const block = e.constInts(1);
  if (e.shape(0)?.length !== 4 || block?.length !== 2 || block.some((b) => b < 1)) {
    e.warn('only 4-D inputs with a constant 2-D block shape are lowered; the output shape is unknown');
    return undefined;
  }
  const p = e.constInts(2);
  if (p) return { bh: block[0], bw: block[1], first: e.ints([p[0], p[2]]), last: e.ints([p[1], p[3]]), zero: p.every((v) => v === 0) };
  // [[top, bottom], [left, right]] → transposed and flattened: [top, left, bottom, right].
  const flat = e.node('Reshape', [e.node('Transpose', [e.node('Cast', [e.tf(2)], { to: INT64 })], { perm: [1, 0] }), e.ints([-1])]);
  const part = (k: number): string => e.node('Slice', [flat, e.ints([k]), e.ints([k + 2]), e.ints([0])]);
  return { bh: block[0], bw: block[1], first: part(0), last: part(2), zero: false };
}

/**
 * SpaceToBatchND (NHWC, 2-D block): pad, [N, H/bh, bh, W/bw, bw, C], move the
 * blocks to the front, [bh·bw·N, H/bh, W/bw, C] (tf2onnx writes the same).
 * Converters wrap dilated convolutions in it and BatchToSpaceND.
 */
const spaceToBatch: OpLowering = (e) => {
  const a = blockArgs(e);
  if (!a) return opaque(e, false)[0];
  const pads = e.node('Concat', [e.ints([0]), a.first, e.ints([0, 0]), a.last, e.ints([0])], { axis: 0 });
  const xp = e.node('Pad', [e.tf(0), pads], { mode: 'constant' });
  const s = e.node('Shape', [xp]);
  const h = e.node('Div', [dimOf(e, s, 1), e.ints([a.bh])]);
  const w = e.node('Div', [dimOf(e, s, 2), e.ints([a.bw])]);
  const c = dimOf(e, s, 3);
  const six = e.node('Reshape', [xp, e.node('Concat', [dimOf(e, s, 0), h, e.ints([a.bh]), w, e.ints([a.bw]), c], { axis: 0 })]);
  const moved = e.node('Transpose', [six], { perm: [2, 4, 0, 1, 3, 5] });
  return tf(e.node('Reshape', [moved, e.node('Concat', [e.ints([-1]), h, w, c], { axis: 0 })]));
};

/** BatchToSpaceND (NHWC, 2-D block): the inverse, then the crops. */
const batchToSpace: OpLowering = (e) => {
  const a = blockArgs(e);
  if (!a) return opaque(e, false)[0];
  const x = e.tf(0);
  const s = e.node('Shape', [x]);
  const n = e.node('Div', [dimOf(e, s, 0), e.ints([a.bh * a.bw])]);
  const c = dimOf(e, s, 3);
  const six = e.node('Reshape', [x, e.node('Concat', [e.ints([a.bh, a.bw]), n, dimOf(e, s, 1), dimOf(e, s, 2), c], { axis: 0 })]);
  const moved = e.node('Transpose', [six], { perm: [2, 3, 0, 4, 1, 5] });
  const h = e.node('Mul', [dimOf(e, s, 1), e.ints([a.bh])]);
  const w = e.node('Mul', [dimOf(e, s, 2), e.ints([a.bw])]);
  const y = e.node('Reshape', [moved, e.node('Concat', [n, h, w, c], { axis: 0 })]);
  if (a.zero) return tf(y);
  const ends = e.node('Sub', [e.node('Concat', [h, w], { axis: 0 }), a.last]);
  return tf(e.node('Slice', [y, a.first, ends, e.ints([1, 2])]));
};

/**
 * NonMaxSuppressionV3/V4/V5(boxes [n,4], scores [n], max_output_size,
 * iou_threshold, score_threshold[, soft_nms_sigma]) → ONNX NonMaxSuppression
 * on a batch and class of one ([k, 3] rows of batch, class, box), column 2
 * being TF's selected indices; V4 adds their count.
 */
const nms: OpLowering = (e) => {
  const boxes = e.node('Unsqueeze', [e.tf(0), e.ints([0])]);
  const scores = e.node('Unsqueeze', [e.tf(1), e.ints([0, 1])]);
  const scalar = (i: number, cast?: number): string => e.node('Reshape', [cast ? e.node('Cast', [e.tf(i)], { to: cast }) : e.tf(i), e.ints([1])]);
  const thr = e.arity > 4 ? [scalar(4)] : [];
  const rows = e.node('NonMaxSuppression', [boxes, scores, scalar(2, INT64), scalar(3), ...thr], { center_point_box: 0 });
  const idx = e.node('Reshape', [e.node('Gather', [rows, e.ints([2])], { axis: 1 }), e.ints([-1])]);
  return e.op === 'NonMaxSuppressionV4' ? [tf(idx), tf(e.node('Size', [idx]))] : tf(idx);
};

/**
 * NonMaxSuppressionV5 (soft-NMS: its scores depend on soft_nms_sigma, which
 * ONNX's NonMaxSuppression lacks) stays a TF op, with its outputs' shapes
 * declared: [k] indices, [k] scores (k = max_output_size when padded, else
 * data-dependent) and a scalar count.
 */
const nmsV5: OpLowering = (e) => {
  const max = e.attrBool('pad_to_max_output_size') ? e.constInts(2)?.[0] : undefined;
  const ins = Array.from({ length: e.arity }, (_, i) => e.tf(i));
  // Only the outputs consumers use (TF.js itself returns the first two).
  const outs = e.nodeN(e.op, ins, Math.min(3, e.referenced), {}, 'ai.tensorflow');
  const k = max ?? `${e.name}_selected`;
  const shapes: [string, Dim[]][] = [['int32', [k]], ['float32', [k]], ['int32', []]];
  outs.forEach((o, j) => e.declare(o, shapes[j][0] as 'int32' | 'float32', shapes[j][1]));
  return outs.map(tf);
};

/** SparseToDense(indices, output_shape, values, default): ScatterND of the values into a tensor filled with the default. */
const sparseToDense: OpLowering = (e) => {
  const d = e.shape(1)?.[0];
  const rank = num(d) ? d : e.fail('output_shape must be a vector of known length');
  const dense = e.node('Expand', [e.tf(3), int64(e, 1)]);
  // No indices (tf2onnx writes this for Reshape targets: `Where` of nothing): the default alone, so its value is known.
  if (e.shape(0)?.some((d) => d === 0)) return tf(dense);
  const idx = e.node('Reshape', [e.node('Cast', [e.tf(0)], { to: INT64 }), e.ints([-1, rank])]);
  const count = e.node('Slice', [e.node('Shape', [idx]), e.ints([0]), e.ints([1])]);
  return tf(e.node('ScatterND', [dense, idx, e.node('Expand', [e.tf(2), count])]));
};

export const TENSOR_OPS: Record<string, OpLowering> = nullProto({
  Unpack: unpack,
  Split: split,
  SplitV: splitV,
  TopKV2: topK,
  GatherV2: gatherV2,
  Gather: gatherV2,
  GatherNd: (e) => tf(e.node('GatherND', [e.tf(0), int64(e, 1)])),
  Where: whereCoords,
  Select: (e) => tf(e.node('Where', [e.tf(0), e.tf(1), e.tf(2)])),
  SelectV2: (e) => tf(e.node('Where', [e.tf(0), e.tf(1), e.tf(2)])),
  Slice: slice,
  StridedSlice: stridedSlice,
  ArgMax: argReduce('ArgMax'),
  ArgMin: argReduce('ArgMin'),
  Tile: (e) => tf(e.node('Tile', [e.tf(0), int64(e, 1)])),
  BroadcastTo: (e) => tf(e.node('Expand', [e.tf(0), int64(e, 1)])),
  Fill: (e) => tf(e.node('Expand', [e.tf(1), int64(e, 0)])),
  ZerosLike: (e) => ({ ...e.raw(0), value: e.node('ConstantOfShape', [e.node('Shape', [e.raw(0).value])]) }),
  Range: (e) => tf(e.node('Range', [e.tf(0), e.tf(1), e.tf(2)])),
  Size: (e) => tf(e.node('Size', [e.tf(0)])),
  Rank: (e) => tf(e.node('Size', [e.node('Shape', [e.tf(0)])])),
  Atan2: atan2,
  DepthToSpace: depthSpace('DepthToSpace'),
  SpaceToDepth: depthSpace('SpaceToDepth'),
  FloorDiv: floorDiv,
  NonMaxSuppressionV3: nms,
  NonMaxSuppressionV4: nms,
  NonMaxSuppressionV5: nmsV5,
  SparseToDense: sparseToDense,
  SpaceToBatchND: spaceToBatch,
  BatchToSpaceND: batchToSpace,
  // ONNX Mod with fmod 0 is floor modulo for integers; floats need fmod 1 (truncated), which differs only in sign.
  FloorMod: (e) => tf(e.node('Mod', [e.tf(0), e.tf(1)], { fmod: isIntT(e) ? 0 : 1 })),
});
