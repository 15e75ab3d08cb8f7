/**
 * Dataflow facts shared by the metrics and memory analyses: which values are
 * activations (depend on a graph input) and which are constants, what each
 * node really consumes (subgraph bodies included), and where each constant
 * value comes from in the file.
 */
import type { Graph, Node } from '../ir';
import { append } from '../arrays';

/** Whether a node holds subgraphs (If, Loop, Scan bodies). */
export function hasSubgraph(node: Node): boolean {
  const attrs = node.attributes;
  for (const k in attrs) {
    const t = attrs[k].type;
    if (t === 'graph' || t === 'graphs') return true;
  }
  return false;
}

/** Names a node reads: its inputs plus outer-scope names used inside its subgraphs. Do not change the array. */
export function nodeReads(node: Node): readonly string[] {
  const inputs = node.inputs;
  if (!hasSubgraph(node) && !inputs.includes('')) return inputs;
  const reads = inputs.filter(Boolean);
  for (const a of Object.values(node.attributes)) {
    const graphs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
    for (const g of graphs) append(reads, outerReferences(g));
  }
  return reads;
}

/** Names a subgraph uses that it does not define itself (captured from enclosing scopes). */
export function outerReferences(g: Graph): string[] {
  const defined = new Set<string>([...g.inputs, ...g.initializers]);
  const refs = new Set<string>();
  for (const n of g.nodes) {
    for (const r of nodeReads(n)) if (!defined.has(r)) refs.add(r);
    n.outputs.forEach((o) => defined.add(o));
  }
  for (const o of g.outputs) if (!defined.has(o)) refs.add(o);
  return [...refs];
}

export interface Dataflow {
  /** Values that depend on a graph input (graph inputs included). */
  dynamic: Set<string>;
  /** For each constant value, the stored tensors (initializers / Constant outputs) it is computed from. */
  constSources: Map<string, Set<string>>;
  /** Index (in `order`) of the last node that reads each value. */
  lastUse: Map<string, number>;
  /** Index of the node producing each value. */
  producer: Map<string, number>;
}

export function analyseDataflow(graph: Graph, order: readonly Node[]): Dataflow {
  const dynamic = new Set<string>(graph.inputs);
  const constSources = new Map<string, Set<string>>();
  for (const name of graph.initializers) constSources.set(name, new Set([name]));
  const lastUse = new Map<string, number>();
  const producer = new Map<string, number>();
  for (let idx = 0; idx < order.length; idx++) {
    const node = order[idx];
    const reads = nodeReads(node);
    const outputs = node.outputs;
    let isDynamic = RANDOM_OPS.has(node.opType);
    for (const r of reads) {
      lastUse.set(r, idx);
      if (!isDynamic && dynamic.has(r)) isDynamic = true;
    }
    for (const o of outputs) if (o) producer.set(o, idx);
    if (isDynamic) {
      for (const o of outputs) if (o) dynamic.add(o);
      continue;
    }
    // A Constant's output, and an exporter's Identity copy of a stored tensor, are stored tensors of their own (metrics.ts).
    if (node.opType === 'Constant' || isStoredCopy(node, constSources)) {
      for (const o of outputs) if (o) constSources.set(o, new Set([o]));
      continue;
    }
    // A constant computation: its outputs stem from the stored tensors it reads.
    const sources = new Set<string>();
    for (const r of reads) {
      const from = constSources.get(r);
      if (from) for (const s of from) sources.add(s);
    }
    for (const o of outputs) if (o) constSources.set(o, sources);
  }
  return { dynamic, constSources, lastUse, producer };
}

/** Ops whose output is data even without inputs. */
const RANDOM_OPS = new Set(['RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

/**
 * An `Identity` of a stored tensor. PyTorch's exporter writes one for each
 * parameter whose values equal another's (it keeps one initializer and
 * forwards it): in the model they were separate parameters (the zero biases
 * of a freshly initialised network), so each copy counts as its own. Weights
 * the model really shares are read from one initializer, with no Identity.
 */
export function isStoredCopy(node: Node, constSources: ReadonlyMap<string, ReadonlySet<string>>): boolean {
  if (node.opType !== 'Identity' || node.domain !== '' || !node.inputs[0]) return false;
  const src = constSources.get(node.inputs[0]);
  return src !== undefined && src.size === 1 && src.has(node.inputs[0]);
}
