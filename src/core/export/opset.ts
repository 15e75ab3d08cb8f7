/**
 * Opset conversion for exported definitions. The Keras lowering
 * (src/core/keras) writes ai.onnx opset 20; runtimes in the field often stop
 * at 17, so the exporter rewrites the graph for a target opset.
 *
 * Audit of every operator the lowering emits (`ctx.node(` in src/core/keras)
 * against the operator changelog (onnx/docs/Changelog.md), opsets 13–22:
 * - Gelu: new in 20 → below 20, decomposed (exact: 0.5·x·(1 + Erf(x/√2));
 *   approximate 'tanh': 0.5·x·(1 + Tanh(√(2/π)·(x + 0.044715·x³)))).
 * - LayerNormalization: new in 17 → below 17, an error naming the layer.
 * - Pad 18 (optional `axes` input), 19 (`wrap` mode), 21 (types): the form we
 *   write (constant mode, pads as input, no axes) is the same from 13.
 * - Resize 18 (antialias, axes, keep_aspect_ratio_policy), 19
 *   (half_pixel_symmetric): we use none of them; roi optional ('') since 13.
 * - AveragePool 19 (dilations), Reshape/Identity/Constant/Flatten/Transpose
 *   19–21 (new element types): our forms unchanged.
 * - Softmax: per-axis since 13 (before, it coerced to 2-D), hence the floor 13.
 * - ReduceMean/ReduceMax (axes as input since 18), Split (num_outputs, 18):
 *   not emitted by the lowering today; a model that has them is refused by
 *   the table below rather than silently written in the wrong form.
 * Every other emitted operator has had the form we write since opset 13 or
 * earlier.
 */
import type { Graph, Node } from '../ir';
import { nullProto } from '../lookup';
import { OP_META } from '../../shared/op-meta';

export const MIN_EXPORT_OPSET = 13;
export const MAX_EXPORT_OPSET = 22;

/**
 * Operators whose emitted form is valid from `MIN_EXPORT_OPSET` (or the given
 * opset) up to `MAX_EXPORT_OPSET`: the `exportSince` of their entry in
 * op-meta.ts. Anything else is refused.
 */
const VALID_FROM: Record<string, number> = nullProto(
  Object.fromEntries(Object.entries(OP_META).flatMap(([op, m]) => (m.exportSince === undefined ? [] : [[op, m.exportSince]]))),
);

export class OpsetError extends Error {
  override name = 'OpsetError';
}

/** The layer a node came from: its name without the trailing `/Op` (`/res1/conv2d_3/Conv` → `res1/conv2d_3`). */
export function layerOfNode(node: Node): string {
  const parts = node.name.split('/').filter(Boolean);
  return parts.length > 1 ? parts.slice(0, -1).join('/') : node.name;
}

function constant(graph: Graph, name: string, value: number): string {
  const output = `${name}_output_0`;
  graph.nodes.push({
    name, opType: 'Constant', domain: '', inputs: [], outputs: [output],
    attributes: { value: { type: 'tensor', value: { dtype: 'float32', dims: [], storage: { kind: 'values', values: [value] } } } },
  });
  graph.values.set(output, { name: output, dtype: 'float32', shape: [] });
  return output;
}

/**
 * Gelu → Erf or Tanh arithmetic, ending in the Gelu's own output name so
 * nothing downstream changes. Nodes are named under the Gelu's name.
 */
function decomposeGelu(graph: Graph, n: Node): void {
  const base = n.name;
  const x = n.inputs[0];
  const approx = n.attributes.approximate;
  const tanh = approx?.type === 'string' && approx.value === 'tanh';
  const op = (opType: string, inputs: string[], output?: string): string => {
    let name = `${base}/${opType}`;
    for (let k = 1; graph.nodes.some((m) => m.name === name); k++) name = `${base}/${opType}_${k}`;
    const out = output ?? `${name}_output_0`;
    graph.nodes.push({ name, opType, domain: '', attributes: {}, inputs, outputs: [out] });
    return out;
  };
  let inner: string;
  if (tanh) {
    const cube = op('Mul', [op('Mul', [x, x]), x]);
    const poly = op('Add', [x, op('Mul', [cube, constant(graph, `${base}/c`, 0.044715)])]);
    inner = op('Tanh', [op('Mul', [poly, constant(graph, `${base}/sqrt_2_over_pi`, Math.sqrt(2 / Math.PI))])]);
  } else {
    inner = op('Erf', [op('Div', [x, constant(graph, `${base}/sqrt2`, Math.SQRT2)])]);
  }
  const onePlus = op('Add', [inner, constant(graph, `${base}/one`, 1)]);
  const half = op('Mul', [x, constant(graph, `${base}/half`, 0.5)]);
  op('Mul', [half, onePlus], n.outputs[0]);
}

/**
 * Rewrites `graph` (nodes replaced in place, order kept topological) from the
 * lowering's opset to `target`. Throws OpsetError naming the layer when a
 * node has no form at `target`.
 */
export function convertOpset(graph: Graph, target: number): void {
  if (!Number.isInteger(target) || target < MIN_EXPORT_OPSET || target > MAX_EXPORT_OPSET) {
    throw new OpsetError(`opset ${target} is not supported for export; choose ${MIN_EXPORT_OPSET}–${MAX_EXPORT_OPSET} (17 is the default)`);
  }
  const nodes = graph.nodes;
  graph.nodes = [];
  for (const n of nodes) {
    const from = n.domain === '' || n.domain === 'ai.onnx' ? VALID_FROM[n.opType] : undefined;
    if (from === undefined) {
      throw new OpsetError(`layer '${layerOfNode(n)}': operator ${n.domain ? `${n.domain}.` : ''}${n.opType} (node ${n.name}) has not been audited for opset ${target}; export cannot vouch for it`);
    }
    if (n.opType === 'Gelu' && target < 20) {
      decomposeGelu(graph, n);
      continue;
    }
    if (from > target) {
      throw new OpsetError(`layer '${layerOfNode(n)}': ${n.opType} needs opset ${from} or later (asked for ${target}); export with --opset ${from}`);
    }
    graph.nodes.push(n);
  }
}
