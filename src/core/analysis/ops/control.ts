/**
 * Control flow (onnx/defs/controlflow/defs.cc and old.cc): If, Loop, Scan.
 * Bodies are inferred through `ctx.inferSubgraph`; where the branches or
 * iterations may disagree, shapes are merged (equal dims kept, differing
 * dims made symbolic), as onnx's `UnionShapeInfo` does.
 */
import type { Dim, Graph, Shape } from '../../ir';
import { isNum, normAxis } from './dims';
import { freshDim } from './shape-data';
import type { OpContext, OpRule, OpRules, TensorInfo } from './types';

function graphAttr(ctx: OpContext, name: string): Graph | undefined {
  const a = ctx.attr(name);
  return a?.type === 'graph' ? a.value : undefined;
}

/** The union of two shapes: equal dims kept, differing dims a fresh symbol, different ranks unknown. */
function mergeShapes(ctx: OpContext, out: number, a: Shape | undefined, b: Shape | undefined): Shape | undefined {
  if (!a || !b || a.length !== b.length) return undefined;
  return a.map((d, i) => (d === b[i] ? d : freshDim(ctx, out, i)));
}

function mergeInfos(ctx: OpContext, out: number, a: TensorInfo | undefined, b: TensorInfo | undefined): TensorInfo {
  const dtype = a?.dtype ?? b?.dtype;
  if (!a || !b) return { dtype };
  const sameValue = a.value && b.value && a.value.length === b.value.length && a.value.every((v, i) => v === b.value![i]);
  return { dtype, shape: mergeShapes(ctx, out, a.shape, b.shape), value: sameValue ? a.value : undefined };
}

/** If: the taken branch when the condition is known, else the union of both branches. */
const ifOp: OpRule = (ctx) => {
  const thenG = graphAttr(ctx, 'then_branch');
  const elseG = graphAttr(ctx, 'else_branch');
  const cond = ctx.inputs[0]?.value?.[0];
  if (cond !== undefined) {
    const g = cond ? thenG : elseG;
    return g ? ctx.inferSubgraph(g, []) : [];
  }
  const a = thenG ? ctx.inferSubgraph(thenG, []) : [];
  const b = elseG ? ctx.inferSubgraph(elseG, []) : [];
  return ctx.node.outputs.map((_, k) => mergeInfos(ctx, k, a[k], b[k]));
};

/** A leading axis of length `n` on a per-iteration shape. */
function stack(info: TensorInfo | undefined, n: Dim): TensorInfo {
  return { dtype: info?.dtype, shape: info?.shape ? [n, ...info.shape] : undefined };
}

/** Loop-carried shapes are re-inferred until they stop changing (a few rounds). */
const MAX_CARRY_ROUNDS = 3;

/**
 * Loop(M, cond, v...): body(iter_num, cond, v...) → (cond, v..., scan...).
 * Outputs: the final carried values, then each scan output stacked over
 * the iterations (M of them when M is known).
 */
const loop: OpRule = (ctx) => {
  const body = graphAttr(ctx, 'body');
  const carriedIn = ctx.inputs.slice(2);
  const n = carriedIn.length;
  const nOut = ctx.node.outputs.length;
  if (!body) return [];
  let carried: (TensorInfo | undefined)[] = carriedIn.map((t) => (t ? { dtype: t.dtype, shape: t.shape } : undefined));
  let outs: (TensorInfo | undefined)[] = [];
  for (let round = 0; round < MAX_CARRY_ROUNDS; round++) {
    outs = ctx.inferSubgraph(body, [{ dtype: 'int64', shape: [] }, { dtype: 'bool', shape: [] }, ...carried]);
    const next = carried.map((c, i) => {
      const o = outs[1 + i];
      if (sameShape(c?.shape, o?.shape)) return c;
      return { dtype: c?.dtype ?? o?.dtype, shape: mergeShapes(ctx, i, c?.shape, o?.shape) };
    });
    if (next.every((c, i) => c === carried[i])) break;
    carried = next;
  }
  const trip = ctx.inputs[0]?.value?.[0];
  const len: Dim = trip !== undefined && !isHugeTrip(trip) ? trip : `?${ctx.node.name}.iterations`;
  const result: TensorInfo[] = [];
  for (let i = 0; i < n; i++) result.push({ dtype: carried[i]?.dtype, shape: carried[i]?.shape });
  for (let k = n; k < nOut; k++) result.push(stack(outs[1 + k], len));
  return result;
};

const isHugeTrip = (v: number): boolean => v >= 2 ** 53;

function sameShape(a: Shape | undefined, b: Shape | undefined): boolean {
  return a !== undefined && b !== undefined && a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Scan (opset 9+): inputs are N state variables then M scan inputs; the body
 * sees one slice of each scan input (its scan axis removed) and returns N
 * states plus K per-iteration outputs, which are stacked on the scan output
 * axes. Scan-8 has a leading batch axis and a sequence_lens input.
 */
const scan: OpRule = (ctx) => {
  const body = graphAttr(ctx, 'body');
  if (!body) return [];
  const m = ctx.int('num_scan_inputs', 0);
  const v8 = ctx.opset < 9;
  const ins = v8 ? ctx.inputs.slice(1) : ctx.inputs.slice();
  const nState = ins.length - m;
  const states = ins.slice(0, nState);
  const scans = ins.slice(nState);
  const inAxes = ctx.ints('scan_input_axes') ?? scans.map(() => 0);
  let seq: Dim | undefined;
  let batch: Dim | undefined;
  const slices = scans.map((t, j) => {
    if (!t?.shape) return { dtype: t?.dtype };
    if (v8) {
      // Scan-8: [batch, sequence, ...]; the body sees [...].
      batch ??= t.shape[0];
      if (seq === undefined || !isNum(seq)) seq = t.shape[1];
      return { dtype: t.dtype, shape: t.shape.slice(2) };
    }
    const axis = normAxis(inAxes[j] ?? 0, t.shape.length, ctx);
    if (seq === undefined || !isNum(seq)) seq = t.shape[axis];
    return { dtype: t.dtype, shape: t.shape.filter((_, i) => i !== axis) };
  });
  const stateSlices = states.map((t) => (t && v8 ? { dtype: t.dtype, shape: t.shape?.slice(1) } : t ? { dtype: t.dtype, shape: t.shape } : undefined));
  const outs = ctx.inferSubgraph(body, [...stateSlices, ...slices]);
  const len: Dim = seq ?? `?${ctx.node.name}.iterations`;
  const outAxes = ctx.ints('scan_output_axes');
  const result: TensorInfo[] = [];
  for (let i = 0; i < nState; i++) {
    const o = outs[i];
    const shape = o?.shape && v8 ? [batch ?? freshDim(ctx, i, 0), ...o.shape] : o?.shape;
    result.push({ dtype: o?.dtype ?? states[i]?.dtype, shape });
  }
  for (let k = nState; k < ctx.node.outputs.length; k++) {
    const o = outs[k];
    if (!o?.shape) {
      result.push({ dtype: o?.dtype });
      continue;
    }
    if (v8) {
      result.push({ dtype: o.dtype, shape: [batch ?? freshDim(ctx, k, 0), len, ...o.shape] });
      continue;
    }
    const axis = normAxis(outAxes?.[k - nState] ?? 0, o.shape.length + 1, ctx);
    const shape = [...o.shape.slice(0, axis), len, ...o.shape.slice(axis)];
    result.push({ dtype: o.dtype, shape });
  }
  return result;
};

/**
 * A TF1 while loop collapsed by the TF.js graph loader (loaders/tfjs-graph-control.ts):
 * output k keeps the shape of input output_shape_from[k] (−1: unknown), and
 * its value too where output_unchanged[k] is 1.
 */
const tfWhileLoop: OpRule = (ctx) => {
  const from = ctx.ints('output_shape_from') ?? [];
  const same = ctx.ints('output_unchanged') ?? [];
  return ctx.node.outputs.map((_, k) => {
    const x = from[k] !== undefined && from[k] >= 0 ? ctx.inputs[from[k]] : undefined;
    if (!x) return undefined;
    return same[k] ? { ...x } : { dtype: x.dtype, shape: x.shape };
  });
};

/** A TF1 cond's Merge (ai.tensorflow): the union of its branches' shapes, and the taken branch's index. */
const tfMerge: OpRule = (ctx) => {
  const ins = ctx.inputs.filter((t): t is TensorInfo => !!t);
  const merged = ins.slice(1).reduce<TensorInfo | undefined>((a, b) => (a ? mergeInfos(ctx, 0, a, b) : undefined), ins[0]);
  return [merged ? { dtype: merged.dtype, shape: merged.shape } : undefined, { dtype: 'int32', shape: [] }];
};

export const controlRules: OpRules = {
  If: ifOp,
  Loop: loop,
  Scan: scan,
  'ai.tensorflow:WhileLoop': tfWhileLoop,
  'ai.tensorflow:Merge': tfMerge,
};
