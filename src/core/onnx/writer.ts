/**
 * ONNX writer: the IR back to a binary ModelProto (onnx/onnx.proto), the
 * inverse of loaders/onnx.ts. Backs "Export to ONNX" and the test model zoo.
 * Tensor storage is written as found: raw bytes as `raw_data`, decoded numbers
 * re-encoded little-endian into `raw_data`, external data as
 * `data_location: EXTERNAL` with location/offset/length entries.
 */
import { onnxTypes } from './schema';
import type {
  PAttribute, PDimension, PFunction, PGraph, PModel, PNode, POpset, PTensor, PTypeProto, PValueInfo,
} from './schema';
import type { Attribute, Dim, DType, FunctionDef, Graph, Model, Node, TensorConst, Value } from '../ir';
import { dtypeBits, dtypeBytes, dtypeToOnnx } from '../dtype';
import { elementCount } from '../tensor-data';

const utf8 = new TextEncoder();

// ---------------------------------------------------------------------------
// Element encoding (TensorProto.raw_data: little-endian; bool one byte per
// element; float16/bfloat16 as their 16-bit patterns). Inverse of decodeRaw.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 binary16 bits of `x`, rounded to nearest even (overflow → ±Inf). */
export function floatToHalfBits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): shift the mantissa with its implicit 1, round half to even.
    if (e < -10) return sign;
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rem > mid || (rem === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the mantissa bumps the exponent, up to Inf, as it should.
  return sign | (half + (rem > 0x1000 || (rem === 0x1000 && half & 1) ? 1 : 0));
}

/** bfloat16 bits of `x`: the top half of its float32 bits, rounded to nearest even. */
export function floatToBfloat16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if (Number.isNaN(x)) return ((b >>> 16) | 0x40) & 0xffff;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;

/** Saturates rather than wraps: INT64_MAX read back as the double 2^63 must stay INT64_MAX (Slice ends). */
function toBigInt(v: number, lo: bigint, hi: bigint): bigint {
  if (Number.isNaN(v)) return 0n;
  if (!Number.isFinite(v)) return v > 0 ? hi : lo;
  const b = BigInt(Math.trunc(v));
  return b > hi ? hi : b < lo ? lo : b;
}

/**
 * `values` as little-endian `dtype` elements. Complex types take interleaved
 * (real, imaginary) pairs. Throws for types with no numeric layout here
 * (strings, 8-bit and 4-bit floats, 4-bit integers).
 */
export function encodeElements(dtype: DType, values: ArrayLike<number>): Uint8Array {
  const n = values.length;
  const width = dtype === 'complex64' ? 4 : dtype === 'complex128' ? 8 : dtypeBits(dtype) / 8;
  const out = new Uint8Array(n * width);
  if (dtype === 'float32' && n > 0) {
    // Fast path for weights: Float32Array is little-endian on every platform Node runs on.
    new Float32Array(out.buffer).set(values);
    return out;
  }
  const view = new DataView(out.buffer);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const at = i * width;
    switch (dtype) {
      case 'float32': case 'complex64': view.setFloat32(at, v, true); break;
      case 'float64': case 'complex128': view.setFloat64(at, v, true); break;
      case 'float16': view.setUint16(at, floatToHalfBits(v), true); break;
      case 'bfloat16': view.setUint16(at, floatToBfloat16Bits(v), true); break;
      case 'int8': view.setInt8(at, v); break;
      case 'uint8': view.setUint8(at, v); break;
      case 'bool': view.setUint8(at, v ? 1 : 0); break;
      case 'int16': view.setInt16(at, v, true); break;
      case 'uint16': view.setUint16(at, v, true); break;
      case 'int32': view.setInt32(at, v, true); break;
      case 'uint32': view.setUint32(at, v, true); break;
      case 'int64': view.setBigInt64(at, toBigInt(v, INT64_MIN, INT64_MAX), true); break;
      case 'uint64': view.setBigUint64(at, toBigInt(v, 0n, UINT64_MAX), true); break;
      default: throw new Error(`cannot encode ${dtype} tensor elements from numbers`);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------
// Messages

export interface EncodeOptions {
  /** ModelProto.producer_name (default "convlens"). */
  producerName?: string;
  producerVersion?: string;
}

/** AttributeProto.AttributeType numbers (onnx.proto). */
const ATTRIBUTE_TYPES: Record<Exclude<Attribute['type'], 'ref' | 'unsupported'>, number> = {
  float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10,
};

/** Lowest IR version that a given ai.onnx opset requires (onnx/helper.py VERSION_TABLE). */
function minIrVersion(opset: number | undefined): number {
  if (opset === undefined || opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

interface WriteContext {
  irVersion: number;
  /** Attribute types of the enclosing function's attributes, for `ref_attr_name` attributes. */
  refTypes: Map<string, number>;
}

export function encodeTensorProto(name: string, t: TensorConst): Uint8Array {
  return onnxTypes().TensorProto.encode(tensorProto(name, t)).finish();
}

function tensorProto(name: string, t: TensorConst): PTensor {
  const p: PTensor = { name, dims: t.dims, dataType: dtypeToOnnx(t.dtype) };
  const s = t.storage;
  switch (s.kind) {
    case 'raw':
      p.rawData = s.bytes;
      break;
    case 'values':
      if (t.dtype === 'string') p.stringData = Array.from(s.values, (v) => utf8.encode(String(v)));
      else p.rawData = encodeElements(t.dtype, s.values);
      break;
    case 'strings':
      p.stringData = s.values.map((v) => utf8.encode(v));
      break;
    case 'external':
      p.dataLocation = 1;
      p.externalData = [
        { key: 'location', value: s.location },
        { key: 'offset', value: String(s.offset) },
        ...(s.length === undefined ? [] : [{ key: 'length', value: String(s.length) }]),
      ];
      break;
    case 'none':
      // Nothing to write: dims and type only (a structure-only model).
      break;
  }
  return p;
}

function dimProto(d: Dim): PDimension {
  if (typeof d === 'number') return { dimValue: d };
  // The loader names dims that have neither value nor param `?0`, `?1`, …
  return /^\?\d+$/.test(d) ? {} : { dimParam: d };
}

function typeProto(v: Value | undefined): PTypeProto | undefined {
  if (!v || (v.dtype === undefined && v.shape === undefined)) return undefined;
  return {
    tensorType: {
      elemType: v.dtype === undefined ? undefined : dtypeToOnnx(v.dtype),
      shape: v.shape === undefined ? undefined : { dim: v.shape.map(dimProto) },
    },
  };
}

function valueInfoProto(name: string, v: Value | undefined): PValueInfo {
  return { name, type: typeProto(v), docString: v?.doc };
}

function attributeProto(name: string, a: Attribute, ctx: WriteContext): PAttribute | undefined {
  switch (a.type) {
    case 'float': return { name, type: 1, f: a.value };
    case 'int': return { name, type: 2, i: a.value };
    case 'string': return { name, type: 3, s: utf8.encode(a.value) };
    case 'tensor': return { name, type: 4, t: tensorProto('', a.value) };
    case 'graph': return { name, type: 5, g: graphProto(a.value, ctx) };
    case 'floats': return { name, type: 6, floats: a.value };
    case 'ints': return { name, type: 7, ints: a.value };
    case 'strings': return { name, type: 8, strings: a.value.map((s) => utf8.encode(s)) };
    case 'tensors': return { name, type: 9, tensors: a.value.map((t) => tensorProto('', t)) };
    case 'graphs': return { name, type: 10, graphs: a.value.map((g) => graphProto(g, ctx)) };
    // ONNX requires `type` on a reference too; UNDEFINED (0) when no call site tells it.
    case 'ref': return { name, type: ctx.refTypes.get(a.value) ?? 0, refAttrName: a.value };
    // The loader could not read it (e.g. a TypeProto attribute): nothing faithful to write.
    case 'unsupported': return undefined;
  }
}

/** The attributes that can be written (unreadable ones are left out). */
function attributeProtos(attrs: Record<string, Attribute>, ctx: WriteContext): PAttribute[] {
  const out: PAttribute[] = [];
  for (const [name, a] of Object.entries(attrs)) {
    const p = attributeProto(name, a, ctx);
    if (p) out.push(p);
  }
  return out;
}

function nodeProto(n: Node, ctx: WriteContext): PNode {
  const attribute = attributeProtos(n.attributes, ctx);
  return {
    input: n.inputs,
    output: n.outputs,
    name: n.name,
    opType: n.opType,
    domain: n.domain || undefined,
    attribute,
    docString: n.doc,
  };
}

function graphProto(g: Graph, ctx: WriteContext): PGraph {
  const inputs = [...g.inputs];
  // IR < 4 requires every initializer to be listed among the graph inputs.
  if (ctx.irVersion < 4) for (const name of g.initializers) if (!inputs.includes(name)) inputs.push(name);
  const declared = new Set([...inputs, ...g.outputs, ...g.initializers]);
  const valueInfo: PValueInfo[] = [];
  for (const v of g.values.values()) {
    if (!declared.has(v.name) && (v.dtype !== undefined || v.shape !== undefined)) valueInfo.push(valueInfoProto(v.name, v));
  }
  const initializer: PTensor[] = [];
  for (const name of g.initializers) {
    const v = g.values.get(name);
    const numeric = (v?.shape ?? []).filter((d): d is number => typeof d === 'number');
    const data: TensorConst = v?.data ?? { dtype: v?.dtype ?? 'float32', dims: numeric, storage: { kind: 'none' } };
    initializer.push(tensorProto(name, data));
  }
  return {
    node: g.nodes.map((n) => nodeProto(n, ctx)),
    name: g.name,
    initializer,
    input: inputs.map((name) => valueInfoProto(name, g.values.get(name))),
    output: g.outputs.map((name) => valueInfoProto(name, g.values.get(name))),
    valueInfo,
  };
}

// ---------------------------------------------------------------------------
// Opsets and functions

function forEachNode(nodes: Node[], visit: (n: Node) => void): void {
  for (const n of nodes) {
    visit(n);
    for (const a of Object.values(n.attributes)) {
      if (a.type === 'graph') forEachNode(a.value.nodes, visit);
      else if (a.type === 'graphs') for (const g of a.value) forEachNode(g.nodes, visit);
    }
  }
}

/** opset_import entries, adding version 1 for any domain a node uses but the opset omits (the checker requires one). */
function opsetImports(opset: Record<string, number>, nodes: Node[]): POpset[] {
  const out = new Map<string, number>(Object.entries(opset));
  forEachNode(nodes, (n) => {
    if (!out.has(n.domain)) out.set(n.domain, 1);
  });
  return [...out].map(([domain, version]) => ({ domain, version }));
}

/**
 * The type of each function attribute, for `ref_attr_name` attributes in its
 * body: from the attribute's default, else from how callers set it.
 */
function functionAttributeTypes(model: Model): Map<string, Map<string, number>> {
  const out = new Map<string, Map<string, number>>();
  for (const [key, f] of model.functions) {
    const m = new Map<string, number>();
    for (const [name, a] of Object.entries(f.attributeDefaults)) {
      if (a.type !== 'ref' && a.type !== 'unsupported') m.set(name, ATTRIBUTE_TYPES[a.type]);
    }
    out.set(key, m);
  }
  const record = (n: Node) => {
    const m = out.get(`${n.domain}:${n.opType}`);
    if (!m) return;
    for (const [name, a] of Object.entries(n.attributes)) {
      if (!m.has(name) && a.type !== 'ref' && a.type !== 'unsupported') m.set(name, ATTRIBUTE_TYPES[a.type]);
    }
  };
  forEachNode(model.graph.nodes, record);
  for (const f of model.functions.values()) forEachNode(f.nodes, record);
  return out;
}

function functionProto(f: FunctionDef, ctx: WriteContext): PFunction {
  const defaults = f.attributeDefaults;
  const defaultProtos = attributeProtos(defaults, ctx);
  return {
    name: f.name,
    domain: f.domain,
    input: f.inputs,
    output: f.outputs,
    // Attributes with a default go to attribute_proto (IR 9); the rest are names only.
    attribute: [...new Set(f.attributes)].filter((a) => !(a in defaults)),
    attributeProto: defaultProtos,
    node: f.nodes.map((n) => nodeProto(n, ctx)),
    opsetImport: opsetImports(f.opset, f.nodes),
  };
}

/** The ModelProto as a plain object (what `encodeOnnx` serialises). */
export function modelProto(model: Model, options: EncodeOptions = {}): PModel {
  const irVersion = model.irVersion ?? minIrVersion(model.opset['']);
  const ctx: WriteContext = { irVersion, refTypes: new Map() };
  const attrTypes = functionAttributeTypes(model);
  const opset = { ...model.opset };
  for (const f of model.functions.values()) if (!(f.domain in opset)) opset[f.domain] = 1;
  return {
    irVersion,
    opsetImport: opsetImports(opset, model.graph.nodes),
    producerName: options.producerName ?? 'convlens',
    producerVersion: options.producerVersion,
    graph: graphProto(model.graph, ctx),
    metadataProps: Object.entries(model.metadata).map(([key, value]) => ({ key, value })),
    functions: [...model.functions].map(([key, f]) => functionProto(f, { irVersion, refTypes: attrTypes.get(key) ?? new Map<string, number>() })),
  };
}

/**
 * A binary ONNX ModelProto for `model`: ir_version `model.irVersion`, else the
 * lowest the ai.onnx opset allows (8 up to opset 18); producer "convlens".
 * Attributes the loader could not read (`unsupported`) are left out; tensors
 * without data (`none`) are written with dims and type only.
 */
export function encodeOnnx(model: Model, options: EncodeOptions = {}): Uint8Array {
  return onnxTypes().ModelProto.encode(modelProto(model, options)).finish();
}

// ---------------------------------------------------------------------------
// External data

export interface ExternalizedModel {
  /** The model with large top-level initializers moved to `location`. */
  model: Model;
  /** The side file's contents, in order (including alignment padding). */
  chunks: Uint8Array[];
  /** Total bytes of `chunks`. */
  length: number;
}

/**
 * Moves top-level initializers of at least `sizeThreshold` bytes (default
 * 1024, as onnx.external_data_helper.convert_model_to_external_data) into one
 * side file named `location` (relative to the .onnx file). Offsets are
 * aligned to `align` bytes (default 4096, so the data can be memory-mapped).
 * The input model is not changed.
 */
export function externalizeInitializers(
  model: Model,
  location: string,
  opts: { sizeThreshold?: number; align?: number } = {},
): ExternalizedModel {
  const threshold = opts.sizeThreshold ?? 1024;
  const align = Math.max(1, opts.align ?? 4096);
  const values = new Map(model.graph.values);
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (const name of model.graph.initializers) {
    const v = values.get(name);
    const t = v?.data;
    if (!v || !t || (t.storage.kind !== 'raw' && t.storage.kind !== 'values') || t.dtype === 'string') continue;
    if (dtypeBytes(t.dtype, elementCount(t.dims)) < threshold) continue;
    const bytes = t.storage.kind === 'raw' ? t.storage.bytes : encodeElements(t.dtype, t.storage.values);
    const pad = (align - (length % align)) % align;
    if (pad) chunks.push(new Uint8Array(pad));
    const offset = length + pad;
    chunks.push(bytes);
    length = offset + bytes.length;
    values.set(name, { ...v, data: { ...t, storage: { kind: 'external', location, offset, length: bytes.length } } });
  }
  return { model: { ...model, graph: { ...model.graph, values } }, chunks, length };
}
