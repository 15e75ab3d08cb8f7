/**
 * Nodes that are not layers. Exporters write nodes that only forward or make
 * constants: PyTorch routes shared weights through `Identity` (47 in a
 * torchvision ResNet-50, 245 in DenseNet-121), writes `Constant` nodes for
 * pads and shapes, and computes a Reshape's target from the input's shape
 * (`Shape → Gather → Unsqueeze → Concat`); tf2onnx and Keras do the same with
 * their own ops. onnxruntime folds all of them before the first run. Shown as
 * boxes they bury the network, so the view folds them into the layers that
 * read them: there they are weights (a Conv's bias through an Identity) or
 * attribute-like inputs (a Reshape's target shape), not layers.
 *
 * A node is folded when none of its outputs is a graph output and either
 *  - it is a constant computation: nothing it reads depends on a graph input
 *    (dataflow.ts; random ops excluded), or
 *  - it is shape arithmetic: it reads only constants and shapes, where a shape
 *    is the output of `Shape`/`Size` or of shape arithmetic.
 * Nodes with subgraphs (If, Loop, Scan) are never folded.
 */
import type { Graph, Node } from '../ir';
import type { Dataflow } from './dataflow';
import { hasSubgraph, nodeReads } from './dataflow';

export interface Folding {
  /** Names of the folded nodes. */
  nodes: Set<string>;
  /** Values made by folded nodes, to the node that makes each. */
  producedBy: Map<string, Node>;
}

const SHAPE_SOURCES = new Set(['Shape', 'Size']);

export function foldableNodes(graph: Graph, order: readonly Node[], flow: Dataflow): Folding {
  const outputs = new Set(graph.outputs);
  const shapes = new Set<string>();
  const nodes = new Set<string>();
  const producedBy = new Map<string, Node>();
  for (const node of order) {
    if (hasSubgraph(node) || node.outputs.some((o) => o && outputs.has(o))) continue;
    const reads = nodeReads(node);
    const constant = !node.outputs.some((o) => o && flow.dynamic.has(o));
    const shape =
      !constant &&
      (SHAPE_SOURCES.has(node.opType) && node.domain === ''
        ? true
        : reads.some((r) => shapes.has(r)) && reads.every((r) => shapes.has(r) || !flow.dynamic.has(r)));
    if (!constant && !shape) continue;
    if (shape) for (const o of node.outputs) if (o) shapes.add(o);
    nodes.add(node.name);
    for (const o of node.outputs) if (o) producedBy.set(o, node);
  }
  return { nodes, producedBy };
}

/**
 * How a folded value is made, for the layer that reads it: `Identity` from
 * `onnx::Conv_633`, `Constant`, `Shape → Gather → Unsqueeze → Concat` from
 * the activation whose shape it reads. The chain follows, from the value
 * back, the first input that is itself folded; ops first to last, at most
 * `max` of them (the earlier ones then read `…`). `from` is the value the
 * chain starts from: a stored tensor or an activation (none after a Constant).
 */
export function foldedOrigin(name: string, folding: Folding, max = 5): { ops: string[]; from?: string } {
  const ops: string[] = [];
  let cur = name;
  let from: string | undefined;
  for (let node = folding.producedBy.get(cur); node; node = folding.producedBy.get(cur)) {
    ops.push(node.opType);
    const next = node.inputs.find((i) => i && folding.producedBy.has(i)) ?? node.inputs.find(Boolean);
    if (!next || ops.length > 10_000) break;
    cur = next;
    if (!folding.producedBy.has(cur)) from = cur;
  }
  const chain = ops.reverse();
  return { ops: chain.length > max ? ['…', ...chain.slice(-max)] : chain, ...(from !== undefined ? { from } : {}) };
}
