/**
 * Helpers shared by the operator rules: dimension arithmetic that keeps
 * symbolic dims symbolic, numpy broadcasting, axis normalisation.
 */
import type { Dim, Shape } from '../../ir';
import { ShapeError, type OpContext, type TensorInfo } from './types';
import { elementCount } from '../../tensor-data';

export const isNum = (d: Dim | undefined): d is number => typeof d === 'number';

function wrap(d: Dim): string {
  return typeof d === 'number' || /^[\w?.]+$/.test(d) ? String(d) : `(${d})`;
}

/** a + b, folding numbers and leaving symbols as expressions. */
export function dimAdd(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a + b;
  if (b === 0) return a;
  if (a === 0) return b;
  if (isNum(b) && b < 0) return `${wrap(a)}-${-b}`;
  return `${wrap(a)}+${wrap(b)}`;
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  return `${wrap(a)}*${wrap(b)}`;
}

/** floor(a / b) for numbers, or a symbolic expression. */
export function dimFloorDiv(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return Math.floor(a / b);
  if (b === 1) return a;
  return `floor(${wrap(a)}/${wrap(b)})`;
}

export function dimCeilDiv(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return Math.ceil(a / b);
  if (b === 1) return a;
  return `ceil(${wrap(a)}/${wrap(b)})`;
}

/** Product of dims (symbolic when any is symbolic). */
export function dimProduct(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) p = dimMul(p, d);
  return p;
}

export function allNumeric(shape: Shape | undefined): shape is number[] {
  return shape !== undefined && shape.every(isNum);
}

/** Elements of a numeric shape (the shape-rule name for tensor-data's elementCount). */
export const numel = elementCount;

/** Normalises a possibly negative axis against `rank`. */
export function normAxis(axis: number, rank: number, ctx?: OpContext): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) {
    throw new ShapeError(`axis ${axis} is out of range for a rank-${rank} tensor${ctx ? ` in ${ctx.node.opType} '${ctx.node.name}'` : ''}`);
  }
  return a;
}

/** Multidirectional (numpy) broadcasting of any number of shapes. */
export function broadcastShapes(shapes: readonly (Shape | undefined)[]): Shape | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const rank = Math.max(0, ...shapes.map((s) => s!.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let dim: Dim = 1;
    for (const s of shapes) {
      const d = s![s!.length - rank + i];
      if (d === undefined || d === 1) continue;
      if (dim === 1) dim = d;
      else if (isNum(dim) && isNum(d) && dim !== d) {
        throw new ShapeError(`cannot broadcast shapes ${shapes.map((x) => fmtShape(x)).join(' and ')}: dimension ${i} is ${dim} vs ${d}`);
      } else if (!isNum(dim) && isNum(d)) dim = d;
    }
    out.push(dim);
  }
  return out;
}

/**
 * Why a numeric dim cannot be a tensor size (ONNX IR: a shape is a list of
 * non-negative integers), or undefined when it can. Sizes must also be exact:
 * above 2^53 − 1 a number no longer holds every integer (a file's int64
 * 2^53 + 1 arrives rounded), so such a dim is refused rather than carried
 * wrongly.
 */
export function dimProblem(d: number): string | undefined {
  if (Number.isSafeInteger(d) && d >= 0) return undefined;
  if (Number.isInteger(d) && d > 0) return `${d} is 2^53 or more (the value read may itself be rounded): sizes are counted exactly only below 2^53`;
  return `${d} is not a size (dims are non-negative integers; name a dynamic dim, e.g. N, instead of -1)`;
}

/** The first numeric dim of `shape` that cannot be a size, as `dim 2: -1 is not a size …`. */
export function shapeProblem(shape: Shape): string | undefined {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    const p = isNum(d) ? dimProblem(d) : undefined;
    if (p) return `dim ${i} of ${fmtShape(shape)}: ${p}`;
  }
  return undefined;
}

export function fmtShape(s: Shape | undefined): string {
  return s === undefined ? '?' : `[${s.join(',')}]`;
}

/** The input at `i`, or a ShapeError naming what is missing. */
export function need(ctx: OpContext, i: number): TensorInfo {
  const t = ctx.inputs[i];
  if (!t) throw new ShapeError(`${ctx.node.opType} '${ctx.node.name}' is missing input ${i}`);
  return t;
}

/** Known constant values of input `i`, if any (optional inputs may be absent). */
export function constInput(ctx: OpContext, i: number): number[] | undefined {
  return ctx.inputs[i]?.value;
}

/** Row-major strides of a numeric shape. */
export function strides(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** Values are kept only for small tensors. */
export function keepValue(shape: Shape, values: number[] | undefined, limit = 4096): number[] | undefined {
  if (!values || !allNumeric(shape)) return undefined;
  return numel(shape) <= limit ? values : undefined;
}
