/**
 * Shape-manipulating operators: Reshape, Flatten, Transpose, Squeeze,
 * Unsqueeze, Expand, Tile, Shape, Size (onnx/defs/tensor/defs.cc and old.cc).
 * Element values (numbers or symbolic shape data, see shape-data.ts) are
 * carried through so exporter shape arithmetic resolves. The gathering and
 * constant-producing operators live in gather.ts and generators.ts and are
 * registered here too.
 */
import type { Dim, Shape } from '../../ir';
import { broadcastShapes, dimMul, dimProduct, fmtShape, isNum, need, normAxis } from './dims';
import { elems, flatIndex, foldIndex, freshDim, intsArg, withElems } from './shape-data';
import { ShapeError, type OpContext, type OpRule, type OpRules } from './types';
import { formatCount } from '../../errors';
import { gatherRules } from './gather';
import { generatorRules } from './generators';

/** Splits a dim into numeric and symbolic factors (`(3*N)*H` → 3 and ['N', 'H']). */
function factors(d: Dim): { num: number; syms: string[] } {
  if (isNum(d)) return { num: d, syms: [] };
  // Only a pure product is split; sums, quotients and floor/ceil stay whole.
  const pure = !/[+/-]|floor|ceil/.test(d);
  const parts = pure ? d.replace(/[()]/g, '').split('*') : [d];
  let num = 1;
  const syms: string[] = [];
  for (const p of parts) {
    if (/^\d+$/.test(p)) num *= Number(p);
    else syms.push(p);
  }
  return { num, syms };
}

interface Cancelled {
  nNum: number;
  dNum: number;
  nSyms: string[];
  dSyms: string[];
}

/** product(num) / product(den) with common symbolic factors cancelled. */
function cancel(num: readonly Dim[], den: readonly Dim[]): Cancelled {
  const n = num.map(factors);
  const d = den.map(factors);
  const nSyms = n.flatMap((f) => f.syms);
  const dSyms: string[] = [];
  for (const s of d.flatMap((f) => f.syms)) {
    const k = nSyms.indexOf(s);
    if (k >= 0) nSyms.splice(k, 1);
    else dSyms.push(s);
  }
  return { nNum: n.reduce((a, f) => a * f.num, 1), dNum: d.reduce((a, f) => a * f.num, 1), nSyms, dSyms };
}

const paren = (d: Dim): string => (isNum(d) || /^[^()*/+-]+$/.test(d) ? String(d) : `(${d})`);

/** A flat product `3*H*W` (so that a later Reshape can cancel its factors again). */
function product(num: number, syms: readonly string[]): Dim {
  if (syms.length === 0 || num === 0) return num;
  const parts = syms.map(paren);
  return (num === 1 ? parts : [String(num), ...parts]).join('*');
}

/** The quotient as a dim (a symbolic expression when it does not cancel to a whole number). */
function quotient(c: Cancelled): Dim {
  if (c.dSyms.length === 0 && c.dNum !== 0 && c.nNum % c.dNum === 0) return product(c.nNum / c.dNum, c.nSyms);
  return `${paren(product(c.nNum, c.nSyms))}/${paren(product(c.dNum, c.dSyms))}`;
}

/** Product of dims as a flat `3*H*W`. */
function flatProduct(dims: readonly Dim[]): Dim {
  const f = dims.map(factors);
  return product(f.reduce((a, x) => a * x.num, 1), f.flatMap((x) => x.syms));
}

function elementCountMismatch(ctx: OpContext, from: Shape, to: Shape): ShapeError {
  // Only thrown when every dim is a number.
  const count = (dims: readonly Dim[]) => formatCount(Number(dimProduct(dims)));
  const known = to.filter((d) => d !== -1);
  const why = known.length < to.length ? ` (${count(from)} is not a multiple of ${count(known)})` : ` (${count(to)} elements)`;
  return new ShapeError(`Reshape '${ctx.node.name}': cannot reshape ${from.join('×')} (${count(from)} elements) to [${to.join(', ')}]${why}`);
}

/** Reshape-1 takes `shape` as an attribute; 5+ as an input. 0 copies the input dim unless allowzero (14+). */
const reshape: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const target: Dim[] | undefined = ctx.opset < 5 ? ctx.ints('shape') : elems(ctx.inputs[1]);
  if (!target) {
    const arg = ctx.opset < 5 ? { length: undefined } : intsArg(ctx, 'shape', 1, 5);
    const shape = arg.length !== undefined ? Array.from({ length: arg.length }, (_, i) => freshDim(ctx, 0, i)) : undefined;
    return [{ dtype: x.dtype, shape }];
  }
  const allowzero = ctx.int('allowzero', 0) === 1;
  const out: Dim[] = [];
  let inferAt = -1;
  target.forEach((t, i) => {
    if (!isNum(t)) out.push(t);
    else if (t === -1) {
      if (inferAt >= 0) throw new ShapeError(`Reshape '${ctx.node.name}': the target shape [${target.join(',')}] has more than one -1`);
      inferAt = i;
      out.push(-1);
    } else if (t === 0 && !allowzero) {
      if (x.shape && i >= x.shape.length) throw new ShapeError(`Reshape '${ctx.node.name}': 0 at position ${i} of the target shape copies a dim the rank-${x.shape.length} input does not have`);
      out.push(x.shape ? x.shape[i] : freshDim(ctx, 0, i));
    } else if (t < -1) {
      throw new ShapeError(`Reshape '${ctx.node.name}': invalid target dim ${t} in [${target.join(',')}]`);
    } else out.push(t);
  });
  if (allowzero && inferAt >= 0 && out.includes(0)) {
    throw new ShapeError(`Reshape '${ctx.node.name}': with allowzero=1 the target shape may not hold both 0 and -1`);
  }
  if (x.shape) {
    const c = cancel(x.shape, out.filter((_, i) => i !== inferAt));
    const numeric = c.nSyms.length === 0 && c.dSyms.length === 0;
    if (inferAt >= 0) {
      // As onnx: a -1 next to a 0-sized dim cannot be inferred.
      if (numeric && c.dNum !== 0 && c.nNum % c.dNum !== 0) throw elementCountMismatch(ctx, x.shape, out);
      out[inferAt] = c.dNum === 0 ? freshDim(ctx, 0, inferAt) : quotient(c);
    } else if (numeric && c.nNum !== c.dNum) {
      throw elementCountMismatch(ctx, x.shape, out);
    }
  } else if (inferAt >= 0) {
    out[inferAt] = freshDim(ctx, 0, inferAt);
  }
  return [withElems({ dtype: x.dtype, shape: out }, elems(x))];
};

/** Flatten to 2-D at `axis` (default 1; negative from opset 11). */
const flatten: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype, shape: [freshDim(ctx, 0, 0), freshDim(ctx, 0, 1)] }];
  const r = x.shape.length;
  let axis = ctx.int('axis', 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) throw new ShapeError(`Flatten '${ctx.node.name}': axis ${ctx.int('axis', 1)} is out of range for a rank-${r} input`);
  const shape = [flatProduct(x.shape.slice(0, axis)), flatProduct(x.shape.slice(axis))];
  return [withElems({ dtype: x.dtype, shape }, elems(x))];
};

/** Transpose with `perm` (default: reverse the dims). */
const transpose: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) {
    const n = ctx.ints('perm')?.length;
    return [{ dtype: x.dtype, shape: n === undefined ? undefined : Array.from({ length: n }, (_, i) => freshDim(ctx, 0, i)) }];
  }
  const r = x.shape.length;
  const perm = ctx.ints('perm') ?? Array.from({ length: r }, (_, i) => r - 1 - i);
  const sorted = perm.map((p) => (p < 0 ? p + r : p)).sort((a, b) => a - b);
  if (perm.length !== r || sorted.some((p, i) => p !== i)) {
    throw new ShapeError(`Transpose '${ctx.node.name}': perm [${perm.join(',')}] is not a permutation of the ${r} dims of ${fmtShape(x.shape)}`);
  }
  const p = perm.map((a) => (a < 0 ? a + r : a));
  const shape = p.map((a) => x.shape![a]);
  const src = elems(x);
  const inShape = x.shape;
  const value = src && inShape.every(isNum)
    ? foldIndex(shape, src, (o) => {
        const idx = new Array<number>(r);
        p.forEach((a, i) => (idx[a] = o[i]));
        return flatIndex(idx, inShape);
      })
    : undefined;
  return [withElems({ dtype: x.dtype, shape }, value)];
};

/** Squeeze: axes attribute before opset 13, input from 13; none → every dim of size 1. */
const squeeze: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const axesArg = intsArg(ctx, 'axes', 1, 13);
  if (!x.shape) return [{ dtype: x.dtype }];
  const r = x.shape.length;
  let axes: number[];
  if (!axesArg.given) {
    // As onnx: without axes, every dim must be known to tell which are 1.
    if (!x.shape.every(isNum)) return [withElems({ dtype: x.dtype }, undefined)];
    axes = x.shape.flatMap((d, i) => (d === 1 ? [i] : []));
  } else if (!axesArg.values) {
    const rank = axesArg.length !== undefined ? r - axesArg.length : undefined;
    return [{ dtype: x.dtype, shape: rank !== undefined && rank >= 0 ? Array.from({ length: rank }, (_, i) => freshDim(ctx, 0, i)) : undefined }];
  } else {
    axes = axesArg.values.map((a) => normAxis(a, r, ctx));
  }
  for (const a of axes) {
    const d = x.shape[a];
    if (isNum(d) && d !== 1) throw new ShapeError(`Squeeze '${ctx.node.name}': cannot squeeze axis ${a} of ${fmtShape(x.shape)}: its size is ${d}, not 1`);
  }
  const shape = x.shape.filter((_, i) => !axes.includes(i));
  return [withElems({ dtype: x.dtype, shape }, elems(x))];
};

/** Unsqueeze: axes attribute before opset 13, input from 13; axes index the output. */
const unsqueeze: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const axesArg = intsArg(ctx, 'axes', 1, 13);
  if (!axesArg.given) throw new ShapeError(`Unsqueeze '${ctx.node.name}' has no axes`);
  if (!x.shape) return [{ dtype: x.dtype }];
  const outRank = axesArg.values ? x.shape.length + axesArg.values.length : axesArg.length !== undefined ? x.shape.length + axesArg.length : undefined;
  if (!axesArg.values) {
    return [{ dtype: x.dtype, shape: outRank !== undefined ? Array.from({ length: outRank }, (_, i) => freshDim(ctx, 0, i)) : undefined }];
  }
  const axes = axesArg.values.map((a) => normAxis(a, outRank!, ctx));
  if (new Set(axes).size !== axes.length) throw new ShapeError(`Unsqueeze '${ctx.node.name}': repeated axes [${axesArg.values.join(',')}]`);
  const shape: Dim[] = [];
  let k = 0;
  for (let i = 0; i < outRank!; i++) shape.push(axes.includes(i) ? 1 : x.shape[k++]);
  return [withElems({ dtype: x.dtype, shape }, elems(x))];
};

/** Index into `inShape` (right-aligned, size-1 dims broadcast) for an output index. */
function broadcastSource(inShape: readonly number[], outRank: number) {
  return (o: readonly number[]) => flatIndex(inShape.map((d, i) => (d === 1 ? 0 : o[i + outRank - inShape.length])), inShape);
}

/** Expand: bidirectional broadcast of the input with the given shape (Expand-8). */
const expand: OpRule = (ctx) => {
  const x = need(ctx, 0);
  const target = elems(ctx.inputs[1]);
  if (!target) {
    const len = intsArg(ctx, 'shape', 1, 0).length;
    if (!x.shape || len === undefined) return [{ dtype: x.dtype }];
    const rank = Math.max(x.shape.length, len);
    const shape = Array.from({ length: rank }, (_, i): Dim => {
      const d = x.shape![i - (rank - x.shape!.length)];
      return d !== undefined && d !== 1 ? d : freshDim(ctx, 0, i);
    });
    return [{ dtype: x.dtype, shape }];
  }
  const shape = broadcastShapes([x.shape, target]);
  const src = elems(x);
  const value = src && shape && x.shape?.every(isNum) ? foldIndex(shape, src, broadcastSource(x.shape, shape.length)) : undefined;
  return [withElems({ dtype: x.dtype, shape }, value)];
};

/** Tile: out[i] = in[i] * repeats[i] (Tile-6+); Tile-1 repeats one axis `tiles` times. */
const tile: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: x.dtype }];
  const inShape = x.shape;
  let repeats: Dim[] | undefined = elems(ctx.inputs[1]);
  if (ctx.opset < 6) {
    const tiles = elems(ctx.inputs[1])?.[0];
    const axis = ctx.inputs[2]?.value?.[0];
    repeats = tiles !== undefined && axis !== undefined ? inShape.map((_, i) => (i === normAxis(axis, inShape.length, ctx) ? tiles : 1)) : undefined;
  }
  if (!repeats) return [{ dtype: x.dtype, shape: inShape.map((_, i) => freshDim(ctx, 0, i)) }];
  if (repeats.length !== inShape.length) {
    throw new ShapeError(`Tile '${ctx.node.name}': ${repeats.length} repeats for the ${inShape.length} dims of ${fmtShape(inShape)}`);
  }
  const shape = inShape.map((d, i) => dimMul(d, repeats[i]));
  const src = elems(x);
  const value = src && inShape.every(isNum)
    ? foldIndex(shape, src, (o) => flatIndex(o.map((v, i) => v % inShape[i]), inShape))
    : undefined;
  return [withElems({ dtype: x.dtype, shape }, value)];
};

/** Shape, with the start/end slice of opset 15 (clamped to [0, rank]). */
const shapeOp: OpRule = (ctx) => {
  const x = need(ctx, 0);
  if (!x.shape) return [{ dtype: 'int64', shape: [freshDim(ctx, 0, 0)] }];
  const r = x.shape.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(ctx.int('start', 0));
  const end = clamp(ctx.int('end', r));
  const dims = x.shape.slice(start, Math.max(start, end));
  return [withElems({ dtype: 'int64', shape: [dims.length] }, dims)];
};

/** Size: a scalar holding the element count. */
const size: OpRule = (ctx) => {
  const x = need(ctx, 0);
  return [withElems({ dtype: 'int64', shape: [] }, x.shape ? [flatProduct(x.shape)] : undefined)];
};

export const shapeRules: OpRules = {
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Expand: expand,
  Tile: tile,
  Shape: shapeOp,
  Size: size,
  ...gatherRules,
  ...generatorRules,
};
