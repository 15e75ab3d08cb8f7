/**
 * Which of our IR nodes each onnxruntime kernel computed. onnxruntime
 * rewrites the graph before running it: it folds constants, removes no-ops
 * (Identity, Dropout), fuses (Conv + BatchNormalization + Add + Relu → one
 * kernel; Pad into the Conv after it) and changes layouts (the NCHWc
 * transformer names its Conv `<original output>_nchwc` and renames values to
 * `reorder_token_*`). So:
 *
 * 1. Each kernel is anchored to an IR node: by the original value among its
 *    outputs in onnxruntime's optimized graph, by node name, by the value
 *    its name is derived from (`x_nchwc` → producer of `x`), or by the
 *    longest IR node name its name starts with (fused names such as
 *    `/conv1/Conv_/relu/Relu`).
 * 2. Every other IR node joined a kernel next to it. Element-wise ops and
 *    normalizations that consume an op's only output form a chain with it
 *    (onnxruntime's Conv/Gemm + BatchNormalization/Add/activation fusions);
 *    a chain's members belong to the anchor among them (the kernel may be
 *    named after the Conv, the BatchNormalization or the Relu). A chain
 *    with no anchor (a Pad before a Conv) joins the kernel consuming it.
 *    Constant computations were folded; Identity and Dropout removed.
 * 3. A group's time is shown on its costliest member (the Conv).
 */
import type { Graph, Node } from '../ir';

export type NodeStatus =
  /** It ran: these kernels' time is shown on it, with the nodes fused into it (`members`, itself included). */
  | { kind: 'ran'; kernels: string[]; members: string[] }
  /** Fused into another IR node's kernel: its time is included there. */
  | { kind: 'fused'; into: string }
  /** A constant computation, folded when the session was created. */
  | { kind: 'folded' }
  /** Removed by onnxruntime (Identity, Dropout at inference), or no kernel is near it. */
  | { kind: 'eliminated' };

export interface NodeMapping {
  status: Map<string, NodeStatus>;
  /** Kernel name → the IR node its time is shown on, when matched. */
  kernelTo: Map<string, string>;
  /** Kernels that match no IR node (runtime-inserted nodes such as layout reorders). */
  unmatched: string[];
}

/** Names onnxruntime derives from values it re-lays out: `x_nchwc` for `x` (nchwc_transformer.cc). */
export function baseValueName(name: string): string {
  return name.replace(/_nchwc$/, '');
}

export interface MapOptions {
  /** onnxruntime's optimized graph, when it could be saved. */
  optimized?: Graph;
  /** IR nodes that compute constants only (folded by the runtime). */
  constant: (node: string) => boolean;
  /** Cost used to pick which member of a fused group its time is shown on (FLOPs). */
  weight: (node: string) => number;
}

/** Ops onnxruntime fuses into the kernel that produces their input. */
const FUSES_UPSTREAM = new Set([
  'Relu', 'LeakyRelu', 'PRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Clip', 'Elu', 'Selu', 'Gelu', 'FastGelu', 'Mish',
  'Softplus', 'BatchNormalization', 'Add', 'Sub', 'Mul', 'Div', 'Sum', 'Erf', 'Sqrt', 'Pow', 'Exp', 'Neg', 'Abs',
]);
/** Ops removed at inference. */
const REMOVED = new Set(['Identity', 'Dropout']);

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

export function mapKernelsToNodes(original: Graph, kernels: readonly string[], options: MapOptions): NodeMapping {
  const producer = new Map<string, string>();
  const consumers = new Map<string, string[]>();
  const nodeOf = new Map<string, Node>(original.nodes.map((n) => [n.name, n]));
  const index = new Map(original.nodes.map((n, i) => [n.name, i]));
  for (const n of original.nodes) {
    for (const o of n.outputs) if (o) producer.set(o, n.name);
    for (const i of n.inputs) if (i) push(consumers, i, n.name);
  }
  const optimizedNodes = new Map((options.optimized?.nodes ?? []).map((n) => [n.name, n]));
  const byLength = [...nodeOf.keys()].filter((n) => n.length >= 3).sort((a, b) => b.length - a.length);

  // 1. Anchors.
  const kernelTo = new Map<string, string>();
  const unmatched: string[] = [];
  for (const k of new Set(kernels)) {
    let ir: string | undefined;
    for (const o of optimizedNodes.get(k)?.outputs ?? []) {
      ir = producer.get(o) ?? producer.get(baseValueName(o));
      if (ir) break;
    }
    if (!ir && nodeOf.has(k)) ir = k;
    if (!ir) ir = producer.get(k) ?? producer.get(baseValueName(k));
    if (!ir) ir = byLength.find((n) => k.startsWith(n));
    if (ir) kernelTo.set(k, ir);
    else unmatched.push(k);
  }

  // 2. Fusable chains: an op, then the element-wise ops and normalizations that each
  // consume the previous one's output as their latest input, that output having
  // no other consumer (onnxruntime fuses only then).
  const order = original.nodes;
  const dynamicNode = (n: Node) => !options.constant(n.name);
  const chainOf = new Map<string, string[]>();
  const headOf = new Map<string, string>();
  for (const n of order) {
    if (!dynamicNode(n)) continue;
    let head = n.name;
    if (FUSES_UPSTREAM.has(n.opType)) {
      let latest: string | undefined;
      for (const i of n.inputs) {
        const p = i ? producer.get(i) : undefined;
        if (p && dynamicNode(nodeOf.get(p)!) && (!latest || index.get(p)! > index.get(latest)!)) latest = p;
      }
      const via = latest && nodeOf.get(latest)!.outputs.find((o) => o && n.inputs.includes(o));
      if (latest && via && (consumers.get(via) ?? []).length === 1 && headOf.has(latest)) head = headOf.get(latest)!;
    }
    headOf.set(n.name, head);
    push(chainOf, head, n.name);
  }
  const anchors = new Set(kernelTo.values());
  const groupOf = new Map<string, string>();
  const unanchored: string[][] = [];
  for (const chain of chainOf.values()) {
    const at = chain.map((m, i) => (anchors.has(m) ? i : -1)).filter((i) => i >= 0);
    if (at.length === 0) {
      unanchored.push(chain);
      continue;
    }
    // Before the first anchor: fused into it; after an anchor: into that anchor (the fused activation).
    let current = chain[at[0]];
    chain.forEach((m) => {
      if (anchors.has(m)) current = m;
      groupOf.set(m, current);
    });
  }
  // Chains no kernel is named after (a Pad before a Conv, a Transpose): into the kernel consuming them, else the one feeding them.
  const removed = (chain: string[]) => chain.every((m) => REMOVED.has(nodeOf.get(m)!.opType));
  for (let pass = 0; pass < 2; pass++) {
    for (const chain of [...unanchored].reverse()) {
      if (groupOf.has(chain[0]) || removed(chain)) continue;
      let g: string | undefined;
      const last = nodeOf.get(chain[chain.length - 1])!;
      for (const o of last.outputs) for (const c of (o && consumers.get(o)) || []) g ??= groupOf.get(c);
      if (!g && pass === 1) {
        for (const i of nodeOf.get(chain[0])!.inputs) {
          const p = i ? producer.get(i) : undefined;
          if (p && groupOf.has(p)) g = groupOf.get(p);
        }
      }
      if (g) for (const m of chain) groupOf.set(m, g);
    }
  }

  // 3. Where each group's time is shown.
  const members = new Map<string, string[]>();
  for (const n of order) {
    const g = groupOf.get(n.name);
    if (g) push(members, g, n.name);
  }
  const kernelsOf = new Map<string, string[]>();
  for (const [k, ir] of kernelTo) push(kernelsOf, ir, k);
  const status = new Map<string, NodeStatus>();
  const shownOn = new Map<string, string>();
  for (const [anchor, group] of members) {
    const best = group.reduce((b, m) => (options.weight(m) > options.weight(b) ? m : b), anchor);
    shownOn.set(anchor, best);
    status.set(best, { kind: 'ran', kernels: kernelsOf.get(anchor) ?? [], members: [best, ...group.filter((m) => m !== best)] });
    for (const m of group) if (m !== best) status.set(m, { kind: 'fused', into: best });
  }
  // A kernel anchored on a node in no group (one we take for a constant) is shown as the runtime's own.
  for (const [k, ir] of kernelTo) {
    const shown = shownOn.get(ir);
    if (shown) kernelTo.set(k, shown);
    else {
      kernelTo.delete(k);
      unmatched.push(k);
    }
  }
  for (const n of original.nodes) {
    if (status.has(n.name)) continue;
    status.set(n.name, options.constant(n.name) ? { kind: 'folded' } : { kind: 'eliminated' });
  }
  return { status, kernelTo, unmatched };
}
