/**
 * A graph model.json as plain data, before any lowering: the GraphDef's nodes
 * and attributes (tensorflow/core/framework/{node_def,attr_value}.proto in
 * their JSON form), TF input references (`name:k`, `^control`) and the
 * nodes' dependency order, and the weights manifest, with the small constants
 * that shape the graph read from the weight bytes. tfjs-graph.ts lowers it.
 */
import type { DType } from '../ir';
import { shownValue } from '../errors';
import { nullProto } from '../lookup';

/** AttrValue in JSON form (tensorflow/core/framework/attr_value.proto). */
export interface TfAttr {
  s?: string; i?: string | number; f?: number | string; b?: boolean; type?: string;
  shape?: TfShape; tensor?: { dtype?: string; tensorShape?: TfShape; intVal?: (number | string)[]; int64Val?: (number | string)[]; tensorContent?: string };
  list?: { s?: string[]; i?: (string | number)[]; f?: (number | string)[]; b?: boolean[]; type?: string[] };
}
interface TfShape { dim?: { size?: string | number }[]; unknownRank?: boolean }
export interface TfNode { name: string; op: string; input: string[]; attr: Record<string, TfAttr> }
export interface WeightSpec { name: string; shape: number[]; dtype: DType; offset?: number; values?: number[] }

export const MAX_DIM = 2 ** 31 - 1;
const MAX_FOLD = 4096;
const MAX_FOLD_FLOAT = 16;

export const DT: Record<string, DType> = nullProto({
  DT_FLOAT: 'float32', DT_HALF: 'float16', DT_DOUBLE: 'float64', DT_INT32: 'int32', DT_INT64: 'int64', DT_INT8: 'int8',
  DT_INT16: 'int16', DT_UINT8: 'uint8', DT_UINT16: 'uint16', DT_BOOL: 'bool', DT_STRING: 'string', DT_COMPLEX64: 'complex64',
});
const MANIFEST_DT: Record<string, [DType, number]> = nullProto({
  float32: ['float32', 4], int32: ['int32', 4], bool: ['bool', 1], complex64: ['complex64', 8], string: ['string', 0],
});
const QUANT_BYTES: Record<string, number> = nullProto({ uint8: 1, uint16: 2, float16: 2 });

export const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function decodeB64(s: string): string {
  try {
    return atob(s);
  } catch {
    return s;
  }
}

/** IEEE 754 half → number. */
function half(h: number): number {
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  const v = e === 0 ? m * 2 ** -24 : e === 31 ? (m ? NaN : Infinity) : (1 + m / 1024) * 2 ** (e - 15);
  return h & 0x8000 ? -v : v;
}

/**
 * A small constant's values: plain int32/float32, or quantized as tfjs-core
 * io/io_utils.ts decodeWeights reads them (float16, or uint8/uint16 with
 * value = min + scale·q). Undefined when the bytes are not there.
 */
function readValues(data: Uint8Array, offset: number, count: number, dtype: DType, q: Record<string, unknown> | undefined): number[] | undefined {
  const qd = q ? String(q.dtype) : undefined;
  const size = qd === 'uint8' ? 1 : qd === 'uint16' || qd === 'float16' ? 2 : qd === undefined ? 4 : NaN;
  if (!(offset + size * count <= data.byteLength)) return undefined;
  const view = new DataView(data.buffer, data.byteOffset + offset, size * count);
  const at = (k: number): number => {
    if (qd === 'float16') return half(view.getUint16(2 * k, true));
    if (qd === 'uint8' || qd === 'uint16') {
      const v = qd === 'uint8' ? view.getUint8(k) : view.getUint16(2 * k, true);
      const r = Number(q!.min ?? 0) + Number(q!.scale ?? 1) * v;
      return dtype === 'int32' ? Math.round(r) : r;
    }
    return dtype === 'int32' ? view.getInt32(4 * k, true) : view.getFloat32(4 * k, true);
  };
  return Array.from({ length: count }, (_, k) => at(k));
}

/** Reads a weight manifest: specs with byte offsets into the concatenated weights (tfjs-core io/io_utils.ts decodeWeights). */
export function readManifest(fail: (m: string) => never, manifest: unknown, data: Uint8Array | undefined): Map<string, WeightSpec> {
  const out = new Map<string, WeightSpec>();
  if (!Array.isArray(manifest)) fail('weightsManifest is missing or not a list; a graph model needs one entry per weights group');
  let offset: number | undefined = 0;
  for (const group of manifest) {
    if (!isObj(group) || !Array.isArray(group.weights)) fail('a weightsManifest group has no "weights" list');
    for (const w of group.weights as unknown[]) {
      if (!isObj(w) || typeof w.name !== 'string' || !Array.isArray(w.shape)) fail('a weightsManifest entry needs a name and a shape');
      const shape = w.shape as unknown[];
      if (!shape.every((d): d is number => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= MAX_DIM)) {
        fail(`weight '${w.name}' has an invalid shape ${shownValue(shape)} (dims must be integers in 0…${MAX_DIM})`);
      }
      const dt = MANIFEST_DT[String(w.dtype)];
      if (!dt) fail(`weight '${w.name}' has unsupported dtype ${shownValue(w.dtype)}`);
      const count = shape.reduce((a, b) => a * b, 1);
      const q = isObj(w.quantization) ? w.quantization : undefined;
      const spec: WeightSpec = { name: w.name, shape, dtype: dt[0], offset };
      // Integer constants (shapes, axes) and tiny float ones (Range bounds, scales) feed shape arithmetic.
      const foldable = (dt[0] === 'int32' && count <= MAX_FOLD) || (dt[0] === 'float32' && count <= MAX_FOLD_FLOAT);
      if (data && offset !== undefined && foldable) spec.values = readValues(data, offset, count, dt[0], q);
      out.set(w.name, spec);
      // Strings are length-prefixed, so offsets after one are not known without parsing; they are not needed.
      const bytes = q ? (QUANT_BYTES[String(q.dtype)] ?? NaN) * count : dt[1] * count;
      offset = offset === undefined || dt[0] === 'string' || !Number.isFinite(bytes) ? undefined : offset + bytes;
    }
  }
  return out;
}

export function attrOf(n: TfNode, name: string): TfAttr | undefined {
  const a = n.attr[name];
  return isObj(a) ? a : undefined;
}

export function shapeOfAttr(s: TfShape | undefined): number[] | undefined {
  if (!s || s.unknownRank || !Array.isArray(s.dim)) return s && !s.unknownRank ? [] : undefined;
  return s.dim.map((d) => Number(d.size ?? -1));
}

/** Small integer values stored in the topology itself (intVal / tensorContent), for hand-written or older files. */
export function inlineInts(t: TfAttr['tensor']): number[] | undefined {
  if (!t) return undefined;
  const vals = t.intVal ?? t.int64Val;
  if (vals?.length) return vals.map(Number);
  if (t.tensorContent && (t.dtype === 'DT_INT32' || t.dtype === undefined)) {
    const bin = decodeB64(t.tensorContent);
    const out: number[] = [];
    for (let k = 0; k + 4 <= bin.length && out.length < MAX_FOLD; k += 4) {
      out.push((bin.charCodeAt(k) | (bin.charCodeAt(k + 1) << 8) | (bin.charCodeAt(k + 2) << 16) | (bin.charCodeAt(k + 3) << 24)));
    }
    return out;
  }
  return undefined;
}

/** Splits a TF input reference: `^ctrl` (control dependency) → undefined; `name:1` → output 1. */
export function parseRef(ref: string): { node: string; index: number } | undefined {
  if (ref.startsWith('^')) return undefined;
  const m = /^(.*):(\d+)$/.exec(ref);
  return m ? { node: m[1], index: Number(m[2]) } : { node: ref, index: 0 };
}

export const refKey = (node: string, index: number): string => (index === 0 ? node : `${node}:${index}`);

/** Nodes in dependency order (iterative DFS), or a ModelLoadError naming a cycle or a missing input. */
export function topoOrder(nodes: Map<string, TfNode>, fail: (m: string) => never): TfNode[] {
  const state = new Map<string, 1 | 2>();
  const order: TfNode[] = [];
  for (const root of nodes.keys()) {
    if (state.has(root)) continue;
    const stack: [string, number][] = [[root, 0]];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1];
      const n = nodes.get(top[0])!;
      if (top[1] < n.input.length) {
        const ref = n.input[top[1]++];
        const dep = ref.startsWith('^') ? ref.slice(1) : parseRef(ref)!.node;
        if (!nodes.has(dep)) fail(`node '${n.name}' (${n.op}) has input '${ref}', but no node is named '${dep}'`);
        const s = state.get(dep);
        if (s === 1) fail(`the graph has a cycle through node '${dep}' and '${n.name}'; graph models must be acyclic`);
        if (!s) {
          state.set(dep, 1);
          stack.push([dep, 0]);
        }
      } else {
        state.set(top[0], 2);
        order.push(n);
        stack.pop();
      }
    }
  }
  return order;
}

export function parseNodes(topology: Record<string, unknown>, fail: (m: string) => never): Map<string, TfNode> {
  if (!Array.isArray(topology.node)) fail('modelTopology.node is missing or not a list; is this a graph model?');
  if (topology.node.length === 0) fail('the graph has no nodes');
  const nodes = new Map<string, TfNode>();
  for (const raw of topology.node as unknown[]) {
    if (!isObj(raw) || typeof raw.name !== 'string' || typeof raw.op !== 'string' || !raw.name) fail('every node needs a "name" and an "op"');
    const input = raw.input === undefined ? [] : raw.input;
    if (!Array.isArray(input) || !input.every((i) => typeof i === 'string')) fail(`node '${raw.name}': "input" must be a list of names`);
    if (nodes.has(raw.name)) fail(`two nodes are named '${raw.name}'`);
    nodes.set(raw.name, { name: raw.name, op: raw.op, input, attr: isObj(raw.attr) ? (raw.attr as Record<string, TfAttr>) : {} });
  }
  return nodes;
}
