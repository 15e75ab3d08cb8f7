/**
 * The order nodes run in: file order when it is already topological (the
 * common case, checked in one pass), else a stable topological sort that keeps
 * file order among ready nodes. Shape inference and the runtime report walk
 * graphs in this order.
 */
import type { Graph, Node } from '../ir';

/** A binary min-heap of node indices. */
class MinHeap {
  private readonly items: number[] = [];
  get size(): number {
    return this.items.length;
  }

  push(x: number): void {
    const a = this.items;
    a.push(x);
    for (let i = a.length - 1; i > 0;) {
      const p = (i - 1) >> 1;
      if (a[p] <= a[i]) break;
      [a[p], a[i]] = [a[i], a[p]];
      i = p;
    }
  }

  pop(): number {
    const a = this.items;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l] < a[m]) m = l;
        if (r < a.length && a[r] < a[m]) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * Whether no node reads a value before the file makes it (graph inputs and
 * initializers are there from the start; a name made twice counts from the first).
 */
function inFileOrder(graph: Graph, produced: ReadonlyMap<string, number>): boolean {
  const seen = new Set<string>([...graph.inputs, ...graph.initializers]);
  for (const n of graph.nodes) {
    for (const i of n.inputs) if (i && !seen.has(i) && produced.has(i)) return false;
    for (const o of n.outputs) seen.add(o);
  }
  return true;
}

/** Orders nodes so every producer runs before its consumers (file order when already valid). */
export function executionOrder(graph: Graph): Node[] {
  const produced = new Map<string, number>();
  const nodes = graph.nodes;
  for (let i = 0; i < nodes.length; i++) for (const o of nodes[i].outputs) if (o) produced.set(o, i);
  // In file order when no node reads a value the same or a later node makes (the common case, checked without a set).
  let ordered = true;
  for (let k = 0; k < nodes.length && ordered; k++) {
    for (const i of nodes[k].inputs) {
      const at = i ? produced.get(i) : undefined;
      if (at !== undefined && at >= k) {
        ordered = false;
        break;
      }
    }
  }
  if (!ordered) ordered = inFileOrder(graph, produced);
  if (ordered) return nodes;
  // Kahn's algorithm, stable with respect to file order: of the nodes whose producers are done,
  // the first in the file goes next (a min-heap of indices), O((n + e) log n).
  const n = graph.nodes.length;
  const waitingOn = new Int32Array(n);
  const consumers: number[][] = Array.from({ length: n }, () => []);
  graph.nodes.forEach((node, i) => {
    const deps = new Set<number>();
    for (const input of node.inputs) {
      const d = input ? produced.get(input) : undefined;
      if (d !== undefined && d !== i) deps.add(d);
    }
    waitingOn[i] = deps.size;
    for (const d of deps) consumers[d].push(i);
  });
  const ready = new MinHeap();
  for (let i = 0; i < n; i++) if (waitingOn[i] === 0) ready.push(i);
  const out: Node[] = [];
  const done = new Uint8Array(n);
  while (ready.size > 0) {
    const i = ready.pop();
    done[i] = 1;
    out.push(graph.nodes[i]);
    for (const c of consumers[i]) if (--waitingOn[c] === 0) ready.push(c);
  }
  // A cycle: keep the remaining nodes in file order; their inputs stay unknown.
  if (out.length < n) for (let i = 0; i < n; i++) if (!done[i]) out.push(graph.nodes[i]);
  return out;
}
