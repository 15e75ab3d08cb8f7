/**
 * How a Keras config wires its layers: references to a layer call's output
 * (Keras 2's `["name", node, tensor]`, Keras 3's `__keras_tensor__`
 * `keras_history`), each layer's calls from `inbound_nodes`, the model's
 * `input_layers`/`output_layers`, and the node index at which a nested
 * model's calls start. keras.ts lowers the calls in this order.
 */
import { isJsonObject, type Json, type JsonPath } from './keras-json';

/** Layer classes that are models themselves (lowered inline when nested). */
export const MODEL_CLASSES = ['Sequential', 'Functional', 'Model'];

/** A reference to a layer call's output: Keras's `[layer, node_index, tensor_index]`. */
export interface TensorRef {
  layer: string;
  node: number;
  tensor: number;
}

/** A layer entry of the config, as read before it is lowered. */
export interface LayerEntry {
  className: string;
  name: string;
  config: Json;
  path: JsonPath;
  /** The entry itself (a model entry is lowered as a model). */
  raw: Json;
}

const ref = (v: unknown): TensorRef | undefined =>
  Array.isArray(v) && typeof v[0] === 'string' && Number.isInteger(v[1]) && Number.isInteger(v[2]) ? { layer: v[0], node: v[1] as number, tensor: v[2] as number } : undefined;

/** Every `__keras_tensor__` in a Keras 3 call's args, in order (merge layers get a list). */
function kerasTensors(v: unknown, out: TensorRef[] = [], depth = 0): TensorRef[] {
  if (depth > 8) return out;
  if (Array.isArray(v)) for (const x of v) kerasTensors(x, out, depth + 1);
  else if (isJsonObject(v) && v.class_name === '__keras_tensor__' && isJsonObject(v.config)) {
    const r = ref(v.config.keras_history);
    if (r) out.push(r);
  }
  return out;
}

/** A layer's calls, each a list of input references (Keras 2 and Keras 3 forms). */
export function inboundCalls(entry: Json): TensorRef[][] | undefined {
  const nodes = entry.inbound_nodes ?? [];
  if (!Array.isArray(nodes)) return undefined;
  const calls: TensorRef[][] = [];
  for (const n of nodes) {
    if (isJsonObject(n)) calls.push(kerasTensors(n.args));
    else if (Array.isArray(n) && n.every((r) => ref(r))) calls.push(n.map((r) => ref(r)!));
    else return undefined;
  }
  return calls;
}

/** `input_layers`/`output_layers`: `[["x", 0, 0], …]`, or Keras 3's flat `["x", 0, 0]` for one. */
export function refList(v: unknown): TensorRef[] | undefined {
  if (ref(v)) return [ref(v)!];
  if (!Array.isArray(v) || !v.every((r) => ref(r))) return undefined;
  return v.map((r) => ref(r)!);
}

/**
 * Per nested-model layer, the node index of its first call in the outer
 * graph: 1 where the model's own construction counts as node 0 (Keras 2's
 * `_should_skip_first_node`, TF.js, Keras 3's `kept_nodes = 1` for
 * Functional), else 0. Which one a writer used shows in the references: the
 * last call's output is always used, so a reference past the call count
 * means the count starts at 1.
 */
export function nodeOffsets(byName: Map<string, LayerEntry>, calls: { e: LayerEntry; refs: TensorRef[] }[], outRefs: TensorRef[]): Map<string, number> {
  const maxRef = new Map<string, number>();
  for (const r of [...calls.flatMap((c) => c.refs), ...outRefs]) maxRef.set(r.layer, Math.max(maxRef.get(r.layer) ?? 0, r.node));
  const offsets = new Map<string, number>();
  for (const [name, e] of byName) {
    if (!MODEL_CLASSES.includes(e.className)) continue;
    const count = calls.filter((c) => c.e === e).length;
    if ((maxRef.get(name) ?? -1) >= count) offsets.set(name, 1);
  }
  return offsets;
}
