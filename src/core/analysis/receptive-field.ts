/**
 * Receptive fields, by the recurrence of Araujo, Norris & Sim, "Computing
 * Receptive Fields of Convolutional Neural Networks", Distill 2019.
 *
 * For each spatial axis we track, in input-pixel coordinates, the interval
 * [lo, hi] covered by the FIRST unit of a feature map and the jump (effective
 * stride) between neighbouring units. A window layer with kernel k, dilation
 * d, stride s and begin-padding p maps (lo, hi, j) to
 *   lo' = lo − p·j,   hi' = hi + ((k−1)·d − p)·j,   j' = j·s,
 * which is the paper's r_{l-1} = s_l·r_l + (k_l − s_l) unrolled forward.
 * Size = hi − lo + 1, offset = centre of the first unit's field = (lo + hi)/2
 * (negative when the field starts in the padding). Where paths merge (Add,
 * Concat, …) the field is the union of the intervals. Layers that mix every
 * position (global pooling, Flatten, Gemm/MatMul over all positions) are
 * `global`. Fields are not clipped to the image: a size larger than the input
 * means the field extends into padding.
 */
import type { Node, Shape } from '../ir';
import { convPoolGeometry } from './ops/conv-geometry';
import { isNum } from './ops/dims';
import { opMeta } from '../../shared/op-meta';

export interface SpatialField {
  kind: 'spatial';
  /** Tensor axes that are spatial (e.g. [2, 3] for NCHW). */
  axes: number[];
  lo: number[];
  hi: number[];
  jump: number[];
}

export type FieldState = SpatialField | { kind: 'global' };

export type ReceptiveField = { size: number[]; stride: number[]; offset: number[] } | { global: true };

export function describeField(f: FieldState | undefined): ReceptiveField | null {
  if (!f) return null;
  if (f.kind === 'global') return { global: true };
  const n = f.lo.length;
  const size = new Array<number>(n);
  const stride = new Array<number>(n);
  const offset = new Array<number>(n);
  // Dozens of large strides overflow exact arithmetic: such a field is unknown, not a rounded guess.
  for (let i = 0; i < n; i++) {
    const lo = f.lo[i];
    const hi = f.hi[i];
    size[i] = round(hi - lo + 1);
    stride[i] = round(f.jump[i]);
    offset[i] = round((lo + hi) / 2);
    if (!exact(size[i]) || size[i] < 1 || !exact(stride[i]) || stride[i] <= 0 || !exact(offset[i])) return null;
  }
  return { size, stride, offset };
}

const exact = (x: number) => Number.isFinite(x) && Math.abs(x) <= Number.MAX_SAFE_INTEGER;

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

/** The field of a graph input: each pixel sees itself. Axes 2.. are spatial (NCHW). */
export function inputField(shape: Shape | undefined): FieldState | undefined {
  if (!shape || shape.length < 3) return undefined;
  const axes = shape.slice(2).map((_, i) => i + 2);
  return { kind: 'spatial', axes, lo: axes.map(() => 0), hi: axes.map(() => 0), jump: axes.map(() => 1) };
}

const GLOBAL: FieldState = Object.freeze({ kind: 'global' });

/** Fields are never changed once made: a layer that keeps positions shares its input's. */
function union(fields: (FieldState | undefined)[], warn: (m: string) => void): FieldState | undefined {
  let only: FieldState | undefined;
  let count = 0;
  for (const f of fields) {
    if (!f) continue;
    if (f.kind === 'global') return GLOBAL;
    only = f;
    count++;
  }
  if (count <= 1) return only;
  const present = fields.filter((f): f is FieldState => f !== undefined);
  const spatial = present as SpatialField[];
  const first = spatial[0];
  const out: SpatialField = { kind: 'spatial', axes: first.axes, lo: [...first.lo], hi: [...first.hi], jump: [...first.jump] };
  for (const f of spatial.slice(1)) {
    if (f.axes.length !== out.axes.length || f.axes.some((a, i) => a !== out.axes[i])) return { kind: 'global' };
    f.axes.forEach((_, i) => {
      out.lo[i] = Math.min(out.lo[i], f.lo[i]);
      out.hi[i] = Math.max(out.hi[i], f.hi[i]);
      if (f.jump[i] !== out.jump[i]) {
        warn('merging paths with different effective strides; the larger is reported');
        out.jump[i] = Math.max(out.jump[i], f.jump[i]);
      }
    });
  }
  return out;
}

export interface FieldContext {
  shapeOf(name: string): Shape | undefined;
  valueOf(name: string): number[] | undefined;
  warn(message: string): void;
  /** The model's ai.onnx opset (defaults changed with it); 13 when not given. */
  opset?: number;
}

/** The field of a node's outputs given its inputs' fields. */
export function propagateField(node: Node, inputs: (FieldState | undefined)[], ctx: FieldContext): FieldState | undefined {
  const x = inputs[0];
  const meta = opMeta(node.domain, node.opType);
  // An operator without an entry: what it does to positions is not known.
  if (!meta) return undefined;
  const rule = meta.field;
  if (rule === 'window') {
    if (!x || x.kind === 'global') return x;
    const g = convPoolGeometry(node, ctx.shapeOf(node.inputs[0]), meta.weight !== undefined ? ctx.shapeOf(node.inputs[meta.weight]) : undefined);
    if (!g || g.kernel.length !== x.axes.length) return undefined;
    const n = x.axes.length;
    const lo = new Array<number>(n);
    const hi = new Array<number>(n);
    const jump = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const j = x.jump[i];
      lo[i] = x.lo[i] - g.padsBegin[i] * j;
      hi[i] = x.hi[i] + ((g.kernel[i] - 1) * g.dilations[i] - g.padsBegin[i]) * j;
      jump[i] = j * g.strides[i];
    }
    return { kind: 'spatial', axes: x.axes, lo, hi, jump };
  }
  if (rule === 'transposedWindow') {
    if (!x || x.kind === 'global') return x;
    const g = convPoolGeometry(node, ctx.shapeOf(node.inputs[0]), ctx.shapeOf(node.inputs[meta.weight ?? 1]));
    if (!g || g.kernel.length !== x.axes.length) return undefined;
    // Output unit 0 gathers input units i with 0 = i·s − p + m·d, m ∈ [0, k).
    return {
      kind: 'spatial',
      axes: x.axes,
      lo: x.lo.map((lo, i) => lo + Math.ceil((g.padsBegin[i] - (g.kernel[i] - 1) * g.dilations[i]) / g.strides[i]) * x.jump[i]),
      hi: x.hi.map((hi, i) => hi + Math.floor(g.padsBegin[i] / g.strides[i]) * x.jump[i]),
      jump: x.jump.map((j, i) => j / g.strides[i]),
    };
  }
  if (rule === 'global' || rule === 'reduce' || rule === 'reshape') {
    const anySpatial = inputs.some((f) => f !== undefined);
    if (!anySpatial) return undefined;
    if (rule === 'reduce') return reduceField(node, inputs, ctx);
    if (rule === 'reshape' && x?.kind === 'spatial') {
      const a = ctx.shapeOf(node.inputs[0]);
      const b = ctx.shapeOf(node.outputs[0]);
      if (a && b && a.length === b.length && x.axes.every((ax) => a[ax] === b[ax])) return x;
    }
    return GLOBAL;
  }
  switch (rule) {
    case 'transpose': {
      if (!x || x.kind === 'global') return x;
      const rank = ctx.shapeOf(node.inputs[0])?.length;
      const permAttr = node.attributes.perm;
      const perm = permAttr?.type === 'ints' ? permAttr.value : rank !== undefined ? [...Array(rank).keys()].reverse() : undefined;
      if (!perm) return undefined;
      const axes = x.axes.map((a) => perm.indexOf(a));
      return { ...x, axes };
    }
    case 'pad': {
      if (!x || x.kind === 'global') return x;
      const rank = ctx.shapeOf(node.inputs[0])?.length;
      const padsAttr = node.attributes.pads;
      const pads = padsAttr?.type === 'ints' ? padsAttr.value : ctx.valueOf(node.inputs[1]);
      if (!pads || rank === undefined) return undefined;
      let axesOf = [...Array(rank).keys()];
      const axesVal = node.inputs[3] ? ctx.valueOf(node.inputs[3]) : undefined;
      if (axesVal) axesOf = axesVal.map((a) => (a < 0 ? a + rank : a));
      const shift = (i: number) => {
        const k = axesOf.indexOf(x.axes[i]);
        return k < 0 ? 0 : pads[k] * x.jump[i];
      };
      // Output unit 0 sits at input index −pad_begin: the whole field shifts.
      return { ...x, lo: x.lo.map((lo, i) => lo - shift(i)), hi: x.hi.map((hi, i) => hi - shift(i)), jump: [...x.jump] };
    }
    case 'resize': {
      if (!x || x.kind === 'global') return x;
      const a = ctx.shapeOf(node.inputs[0]);
      const b = ctx.shapeOf(node.outputs[0]);
      if (!a || !b) return undefined;
      return {
        ...x,
        lo: [...x.lo],
        hi: [...x.hi],
        jump: x.jump.map((j, i) => {
          const ax = x.axes[i];
          return isNum(a[ax]) && isNum(b[ax]) && b[ax] !== 0 ? (j * a[ax]) / b[ax] : j;
        }),
      };
    }
    case 'slice': {
      if (!x || x.kind === 'global') return x;
      const starts = ctx.valueOf(node.inputs[1]);
      const axesV = node.inputs[3] ? ctx.valueOf(node.inputs[3]) : undefined;
      const steps = node.inputs[4] ? ctx.valueOf(node.inputs[4]) : undefined;
      const inShape = ctx.shapeOf(node.inputs[0]);
      if (!starts || !inShape) return x;
      const axes = axesV ?? starts.map((_, i) => i);
      const out: SpatialField = { ...x, lo: [...x.lo], hi: [...x.hi], jump: [...x.jump] };
      axes.forEach((a0, k) => {
        const a = a0 < 0 ? a0 + inShape.length : a0;
        const i = x.axes.indexOf(a);
        if (i < 0) return;
        const dim = inShape[a];
        let s = starts[k];
        if (isNum(dim)) s = Math.max(0, Math.min(s < 0 ? s + dim : s, dim));
        const step = steps?.[k] ?? 1;
        out.lo[i] += s * x.jump[i];
        out.hi[i] += s * x.jump[i];
        out.jump[i] *= Math.abs(step);
      });
      return out;
    }
    case 'depthToSpace':
    case 'spaceToDepth': {
      if (!x || x.kind === 'global') return x;
      const bs = node.attributes.blocksize;
      const b = bs?.type === 'int' ? bs.value : 1;
      if (rule === 'spaceToDepth') {
        return { ...x, lo: [...x.lo], hi: x.hi.map((h, i) => h + (b - 1) * x.jump[i]), jump: x.jump.map((j) => j * b) };
      }
      return { ...x, lo: [...x.lo], hi: [...x.hi], jump: x.jump.map((j) => j / b) };
    }
    case 'squeeze': {
      if (!x || x.kind === 'global') return x;
      const a = ctx.shapeOf(node.inputs[0]);
      const b = ctx.shapeOf(node.outputs[0]);
      if (!a || !b) return undefined;
      // Map spatial axes by matching the remaining dims in order.
      const mapped = mapAxesByDims(a, b, x.axes);
      return mapped ? { ...x, axes: mapped } : { kind: 'global' };
    }
    case 'concat': {
      const axisAttr = node.attributes.axis;
      const rank = ctx.shapeOf(node.inputs[0])?.length ?? 0;
      let axis = axisAttr?.type === 'int' ? axisAttr.value : 0;
      if (axis < 0) axis += rank;
      const merged = union(inputs, (m) => ctx.warn(m));
      if (merged?.kind === 'spatial' && merged.axes.includes(axis)) return { kind: 'global' };
      return merged;
    }
    case 'union':
      // Element-wise and other position-preserving layers: the union of the inputs.
      return union(inputs, (m) => ctx.warn(m));
  }
}

function reduceField(node: Node, inputs: (FieldState | undefined)[], ctx: FieldContext): FieldState | undefined {
  const x = inputs[0];
  if (!x || x.kind === 'global') return x;
  const rank = ctx.shapeOf(node.inputs[0])?.length;
  if (rank === undefined) return { kind: 'global' };
  const attr = node.attributes.axes ?? node.attributes.axis;
  let axes: number[] | undefined;
  if (attr?.type === 'ints') axes = attr.value;
  else if (attr?.type === 'int') axes = [attr.value];
  else if (node.inputs[1]) axes = ctx.valueOf(node.inputs[1]);
  if (node.opType === 'LayerNormalization') {
    const a = attr?.type === 'int' ? attr.value : -1;
    const start = a < 0 ? a + rank : a;
    axes = [...Array(rank - start).keys()].map((k) => k + start);
  }
  // Defaults from the operator specs: Softmax-like axis −1 from opset 13 (before, 1 with the
  // input coerced to 2-D: every axis from 1 on); ArgMax/ArgMin axis 0.
  if (!axes && (node.opType === 'Softmax' || node.opType === 'LogSoftmax' || node.opType === 'Hardmax')) {
    axes = (ctx.opset ?? 13) >= 13 ? [-1] : [...Array(rank - 1).keys()].map((k) => k + 1);
  }
  if (!axes && (node.opType === 'ArgMax' || node.opType === 'ArgMin')) axes = [0];
  if (!axes) return node.opType.startsWith('Reduce') ? { kind: 'global' } : undefined;
  const norm = axes.map((a) => (a < 0 ? a + rank : a));
  if (x.axes.some((a) => norm.includes(a))) return { kind: 'global' };
  return x;
}

function mapAxesByDims(a: Shape, b: Shape, axes: number[]): number[] | undefined {
  // The spatial axes keep their order; find them in b after removing/adding size-1 dims.
  const nonOneA = a.map((d, i) => [d, i] as const).filter(([d]) => d !== 1);
  const nonOneB = b.map((d, i) => [d, i] as const).filter(([d]) => d !== 1);
  if (nonOneA.length !== nonOneB.length) return undefined;
  const out: number[] = [];
  for (const ax of axes) {
    const k = nonOneA.findIndex(([, i]) => i === ax);
    if (k < 0) return undefined;
    out.push(nonOneB[k][1]);
  }
  return out;
}
