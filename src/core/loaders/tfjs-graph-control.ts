/**
 * TF1 control flow in graph models (tensorflow/core/graph/control_flow.h;
 * TF.js executes it in tfjs-converter/src/executor/execution_context.ts).
 * A while loop is a frame: Enter (frame_name) → Merge(Enter, NextIteration) →
 * Switch(Merge, LoopCond); Switch:1 feeds the body, whose result goes back
 * through NextIteration, and Switch:0 leaves through Exit. The GraphDef has a
 * cycle per loop variable, so each outermost frame (with any frames nested
 * in it) is collapsed into ONE node, as ONNX shows a Loop: its inputs are the
 * values entering the frame, its outputs the values leaving it. The body is
 * not profiled (its trip count is data-dependent). Outputs whose shape the
 * loop keeps (a value passed through unchanged, a counter, a TensorArray's
 * flow) take the entering value's shape; the others are unknown. Constants
 * inside the frame become inputs of the loop node, so parameter counts keep them.
 */
import type { TfNode } from './tfjs-graph-def';

/** The IR op type of a collapsed TF1 while loop (domain ai.tensorflow; shape rule in analysis/ops/control.ts). */
export const WHILE_LOOP_OP = 'WhileLoop';

export interface WhileLoop {
  frame: string;
  /** TF refs entering the frame (the Enter nodes' inputs, then the body's constants), in the loop node's input order. */
  inputs: string[];
  /** Per loop output: the input whose shape it keeps (−1: unknown) and whether its value is that input unchanged. */
  outputs: { shapeFrom: number; unchanged: boolean }[];
  /** How many TF nodes the frame holds (constants excluded). */
  size: number;
}

const parse = (ref: string): { node: string; index: number; control: boolean } => {
  const control = ref.startsWith('^');
  const m = /^(.*):(\d+)$/.exec(control ? ref.slice(1) : ref);
  return m ? { node: m[1], index: Number(m[2]), control } : { node: control ? ref.slice(1) : ref, index: 0, control };
};
const key = (node: string, index: number): string => (index === 0 ? node : `${node}:${index}`);

/**
 * Each node's frame stack, as TF.js's executor tracks it: Enter pushes its
 * frame_name, Exit pops, every other node is in its deepest input's frame.
 */
function frameStacks(nodes: Map<string, TfNode>, frameName: (n: TfNode) => string): Map<string, string[]> {
  const ctx = new Map<string, string[]>();
  for (let changed = true, pass = 0; changed && pass < 1000; pass++) {
    changed = false;
    for (const n of nodes.values()) {
      let base: string[] | undefined = n.input.length ? undefined : [];
      for (const r of n.input) {
        const c = ctx.get(parse(r).node);
        if (c && (!base || c.length > base.length)) base = c;
      }
      if (!base) continue;
      const next = n.op === 'Enter' ? [...base, frameName(n)] : n.op === 'Exit' ? base.slice(0, -1) : base;
      const have = ctx.get(n.name);
      if (!have || have.length < next.length) {
        ctx.set(n.name, next);
        changed = true;
      }
    }
  }
  return ctx;
}

/** Follows Identity-like nodes back from a ref. */
function through(nodes: Map<string, TfNode>, ref: string): { node: TfNode | undefined; index: number } {
  let r = parse(ref);
  for (let k = 0; k < 64; k++) {
    const n = nodes.get(r.node);
    if (!n || !['Identity', 'Snapshot', 'StopGradient'].includes(n.op) || !n.input[0]) return { node: n, index: r.index };
    r = parse(n.input[0]);
  }
  return { node: nodes.get(r.node), index: r.index };
}

/** What a loop does to one Exit's value: unchanged, same shape, or unknown; and the Enter it came in through. */
function exitFlow(nodes: Map<string, TfNode>, exit: TfNode): { enter?: TfNode; unchanged: boolean; sameShape: boolean } {
  const sw = through(nodes, exit.input[0] ?? '').node;
  const merge = sw?.op === 'Switch' ? through(nodes, sw.input[0] ?? '').node : undefined;
  if (!sw || merge?.op !== 'Merge') return { unchanged: false, sameShape: false };
  const refs = merge.input.filter((r) => !r.startsWith('^')).map((r) => through(nodes, r).node);
  const enter = refs.find((n) => n?.op === 'Enter');
  const next = refs.find((n) => n?.op === 'NextIteration');
  const isSwitchTrue = (ref: string | undefined): boolean => {
    const t = ref === undefined ? undefined : through(nodes, ref);
    return t?.node === sw && t.index === 1;
  };
  const body = next ? through(nodes, next.input[0] ?? '').node : undefined;
  const bodyRef = next?.input[0];
  if (!enter || !body || bodyRef === undefined) return { enter, unchanged: false, sameShape: false };
  if (isSwitchTrue(bodyRef)) return { enter, unchanged: true, sameShape: true };
  // A counter (i + 1), or a TensorArray/TensorList write whose flow/handle is a scalar like the one entering.
  const isCounter = ['Add', 'AddV2', 'Sub'].includes(body.op) && body.input.some((r) => isSwitchTrue(r));
  const isWrite = ['TensorArrayWriteV3', 'TensorArrayScatterV3', 'TensorListSetItem', 'TensorListPushBack'].includes(body.op);
  return { enter, unchanged: false, sameShape: isCounter || isWrite };
}

/**
 * Collapses every outermost while-loop frame into one node (op WHILE_LOOP_OP
 * in the returned map, described in `loops`); consumers outside are rewired
 * to its outputs. Graphs without Enter nodes come back as they are.
 */
export function collapseWhileLoops(nodes: Map<string, TfNode>, frameName: (n: TfNode) => string): { nodes: Map<string, TfNode>; loops: Map<string, WhileLoop> } {
  const loops = new Map<string, WhileLoop>();
  if (![...nodes.values()].some((n) => n.op === 'Enter')) return { nodes, loops };
  const ctx = frameStacks(nodes, frameName);
  const outer = (name: string): string | undefined => ctx.get(name)?.[0];
  const members = new Map<string, TfNode[]>();
  const constants = new Map<string, string[]>();
  for (const n of nodes.values()) {
    const f = outer(n.name);
    if (f === undefined) continue;
    if (n.op === 'Const') constants.set(f, [...(constants.get(f) ?? []), n.name]);
    else members.set(f, [...(members.get(f) ?? []), n]);
  }
  const out = new Map<string, TfNode>();
  const loopName = new Map<string, string>();
  const taken = new Set(nodes.keys());
  for (const f of members.keys()) {
    let name = f;
    for (let k = 1; taken.has(name); k++) name = `${f}_${k}`;
    taken.add(name);
    loopName.set(f, name);
  }
  // Outputs: each outside reference to a frame member (normally an Exit's value), in order of first use.
  const outIndex = new Map<string, number>();
  const loopOutputs = new Map<string, string[]>();
  const rewire = (ref: string): string => {
    const r = parse(ref);
    const member = nodes.get(r.node);
    const exitOf = member?.op === 'Exit' && ctx.get(r.node)?.length === 0 ? outer(parse(member.input[0] ?? '').node) : undefined;
    const f = exitOf ?? outer(r.node);
    if (f === undefined || member?.op === 'Const') return r.control ? `^${r.node}` : ref;
    const lname = loopName.get(f)!;
    if (r.control) return `^${lname}`;
    const k = key(r.node, r.index);
    let i = outIndex.get(k);
    if (i === undefined) {
      const list = loopOutputs.get(f) ?? [];
      outIndex.set(k, (i = list.length));
      loopOutputs.set(f, [...list, k]);
    }
    return key(lname, i);
  };
  const isLoopSide = (n: TfNode): boolean => outer(n.name) !== undefined || (n.op === 'Exit' && outer(parse(n.input[0] ?? '').node) !== undefined);
  for (const n of nodes.values()) {
    if (n.op === 'Const' && outer(n.name) !== undefined) {
      // A constant used in the loop body: still a stored tensor, without its control edge into the frame.
      out.set(n.name, { ...n, input: [] });
      continue;
    }
    if (isLoopSide(n)) continue;
    out.set(n.name, { ...n, input: n.input.map(rewire) });
  }
  for (const [f, list] of members) {
    const enters = list.filter((n) => n.op === 'Enter' && ctx.get(n.name)!.length === 1);
    // The body's constants are inputs too (as values an ONNX Loop body captures), so they count as the loop's weights.
    const entering = enters.map((n) => n.input.find((r) => !r.startsWith('^'))).filter((r): r is string => r !== undefined);
    const inputs = [...new Set([...entering, ...(constants.get(f) ?? [])])];
    const outputs = (loopOutputs.get(f) ?? []).map((k) => {
      const n = nodes.get(parse(k).node)!;
      if (n.op !== 'Exit') return { shapeFrom: -1, unchanged: false };
      const flow = exitFlow(nodes, n);
      const from = flow.enter ? inputs.indexOf(flow.enter.input.find((r) => !r.startsWith('^')) ?? '') : -1;
      return { shapeFrom: flow.sameShape ? from : -1, unchanged: flow.unchanged && from >= 0 };
    });
    const name = loopName.get(f)!;
    loops.set(name, { frame: f, inputs, outputs, size: list.length });
    out.set(name, { name, op: WHILE_LOOP_OP, input: inputs, attr: {} });
  }
  return { nodes: out, loops };
}
