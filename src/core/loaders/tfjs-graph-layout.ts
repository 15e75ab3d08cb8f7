/**
 * How a lowered TF.js graph model is shown: in TensorFlow's layout (NHWC),
 * with layers named after the TF nodes whose outputs they compute.
 */
import type { Graph, ModelLayout, Node } from '../ir';
import type { Layout, Lowered } from './tfjs-graph-env';

/** What the loader's builder knows of the lowering, as far as the layout needs it. */
export interface LaidOut {
  readonly graph: Graph;
  /** Each TF output → its IR value and layout. */
  readonly outputs: ReadonlyMap<string, Lowered>;
  /** The layout transposes' outputs, and the layout each gives. */
  readonly layouts: ReadonlyMap<string, Layout>;
  /** Constant TF outputs: their manifest shape and the IR values declared for them, by form. */
  readonly consts: ReadonlyMap<string, { spec: { shape: number[] }; forms: Map<string, string> }>;
}

/**
 * Graph models are shown as TensorFlow has them (NHWC): the values the
 * lowering holds NCHW for ONNX's convolutions are listed channels-last.
 * Values that stand for TF outputs carry their layout; the lowering's
 * intermediates (a fused conv's Conv before its activation) take their first
 * laid-out input's. Weights declared in an ONNX form show the manifest's dims.
 */
export function tfLayout(b: LaidOut): ModelLayout {
  const layout = new Map(b.layouts);
  for (const o of b.outputs.values()) if (!layout.has(o.value)) layout.set(o.value, o.layout);
  for (const n of b.graph.nodes) {
    const from = n.inputs.find((i) => i && layout.has(i) && !b.graph.initializers.has(i));
    for (const o of n.outputs) if (!layout.has(o)) layout.set(o, from ? layout.get(from)! : 'tf');
  }
  const channelsLast = new Set<string>();
  for (const [v, l] of layout) if (l === 'nchw') channelsLast.add(v);
  const weightDims = new Map<string, number[]>();
  for (const c of b.consts.values()) {
    const [first] = c.forms;
    if (!first || first[0] === 'tf' || !b.graph.initializers.has(first[1])) continue;
    const dims = b.graph.values.get(first[1])?.data?.dims;
    if (dims && (dims.length !== c.spec.shape.length || dims.some((d, i) => d !== c.spec.shape[i]))) weightDims.set(first[1], [...c.spec.shape]);
  }
  return { name: 'NHWC', channelsLast, weightDims, views: new Set(b.layouts.keys()) };
}

/**
 * The IR node that computes a TF node's (first) output takes the TF node's
 * name, so reports, the graph and comparisons with TF.js name layers as the
 * model does; the rest of its lowering stays in its scope (`name/Conv`).
 */
export function nameAfterTf(graph: Graph, outputs: ReadonlyMap<string, Lowered>): void {
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) producer.set(o, n);
  const taken = new Set(graph.nodes.map((n) => n.name));
  for (const [ref, o] of outputs) {
    if (/:\d+$/.test(ref) || taken.has(ref)) continue;
    const n = producer.get(o.value);
    if (!n || !n.name.startsWith(`${ref}/`)) continue;
    taken.delete(n.name);
    n.name = ref;
    taken.add(ref);
  }
}
