/**
 * ONNX loader: sniffs and decodes a ModelProto into the IR. Weight bytes are
 * never copied: `raw_data` fields become views into the file's buffer, and
 * external-data tensors keep only their location until someone reads them.
 */
import { decodeModel, decodeTensor } from '../onnx/decode';
import { WireError } from '../onnx/wire';
import type {
  PAttribute, PFunction, PGraph, PModel, PNode, PSparseTensor, PTensor, PTypeProto, PValueInfo,
} from '../onnx/schema';
import type { Attribute, FunctionDef, Graph, Model, Node, Shape, TensorConst, Value } from '../ir';
import { dtypeFromOnnx } from '../dtype';
import { ModelLoadError, formatCount } from '../errors';
import { elementCount } from '../tensor-data';
import { dict } from '../lookup';

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Wire types of ModelProto's fields, for sniffing the first bytes. */
const MODEL_FIELDS: Record<number, number> = {
  1: 0, 2: 2, 3: 2, 4: 2, 5: 0, 6: 2, 7: 2, 8: 2, 14: 2, 20: 2, 25: 2,
};

function readVarint(b: Uint8Array, pos: number): [value: number, next: number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = 0; i < 10; i++) {
    if (pos + i >= b.length) return undefined;
    const byte = b[pos + i];
    v += (byte & 0x7f) * mul;
    mul *= 128;
    if (!(byte & 0x80)) return [v, pos + i + 1];
  }
  return undefined;
}

interface WireField {
  field: number;
  /** Protobuf wire type; -1 when even the tag is cut off. */
  wire: number;
  /** Byte where the field's tag starts. */
  at: number;
  /** The value of a varint field. */
  value?: number;
  /** Byte after the field: past the end when it overruns, Infinity when a header is cut off, NaN for an invalid wire type. */
  end: number;
}

/** The top-level protobuf fields of `bytes`, ending with the first one that overruns or cannot be read. */
function* wireFields(bytes: Uint8Array): Generator<WireField> {
  let pos = 0;
  while (pos < bytes.length) {
    const at = pos;
    const tag = readVarint(bytes, pos);
    if (!tag) {
      yield { field: 0, wire: -1, at, end: Infinity };
      return;
    }
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] & 7;
    let end: number;
    let value: number | undefined;
    if (wire === 0 || wire === 2) {
      const v = readVarint(bytes, tag[1]);
      if (!v) {
        yield { field, wire, at, end: Infinity };
        return;
      }
      if (wire === 0) [value, end] = v;
      else end = v[1] + v[0];
    } else if (wire === 5) end = tag[1] + 4;
    else if (wire === 1) end = tag[1] + 8;
    else {
      yield { field, wire, at, end: NaN };
      return;
    }
    yield { field, wire, at, value, end };
    if (end > bytes.length) return;
    pos = end;
  }
}

/**
 * True when the bytes look like a binary ONNX ModelProto: a run of top-level
 * fields that exist in ModelProto with the right wire types, including
 * ir_version, graph or opset_import. Tolerates truncation after the first field
 * so that a cut-off model is reported as truncated, not as "not a model".
 */
export function matchOnnx(bytes: Uint8Array): boolean {
  let fields = 0;
  let sawKey = false;
  for (const f of wireFields(bytes)) {
    if (f.wire < 0 || fields >= 32) break;
    if (MODEL_FIELDS[f.field] !== f.wire) return false;
    if (f.field === 1 || f.field === 7 || f.field === 8) sawKey = true;
    if (f.end === Infinity) break;
    if (f.field === 1 && (f.value! < 1 || f.value! > 100)) return false;
    fields++;
  }
  return fields > 0 && sawKey;
}

export interface OnnxLoadOptions {
  /** Name shown in messages (usually the file path). */
  file: string;
}

const FIELD_NAMES: Record<number, string> = {
  1: 'ir_version', 2: 'producer_name', 3: 'producer_version', 4: 'domain', 5: 'model_version',
  6: 'doc_string', 7: 'graph', 8: 'opset_import', 14: 'metadata_props', 20: 'training_info', 25: 'functions',
};

/** Finds the top-level field whose declared length runs past the end of the file. */
function findOverrun(bytes: Uint8Array): { field: number; at: number; missing: number } | undefined {
  for (const f of wireFields(bytes)) {
    if (Number.isNaN(f.end)) return undefined;
    if (f.end === Infinity) return { field: f.field, at: f.at, missing: 1 };
    if (f.end > bytes.length) return { field: f.field, at: f.at, missing: f.end - bytes.length };
  }
  return undefined;
}

function explainDecodeError(file: string, bytes: Uint8Array, err: unknown): ModelLoadError {
  if (err instanceof WireError && err.kind === 'overrun') {
    const o = findOverrun(bytes);
    if (o) {
      const what = FIELD_NAMES[o.field] ? `the ${FIELD_NAMES[o.field]} field starting at byte ${formatCount(o.at)}` : `the field at byte ${formatCount(o.at)}`;
      return new ModelLoadError(file, `truncated at byte ${formatCount(bytes.length)}: ${what} needs ${formatCount(o.missing)} more bytes`);
    }
    return new ModelLoadError(file, `corrupt ONNX file: a length inside the model points past the end of its message (${formatCount(bytes.length)} bytes)`);
  }
  if (err instanceof WireError && err.kind === 'nesting') return new ModelLoadError(file, `corrupt ONNX file: nesting too deep to decode (${err.message})`);
  const msg = err instanceof Error ? err.message : String(err);
  if (err instanceof WireError || /Maximum call stack/.test(msg)) {
    return new ModelLoadError(file, err instanceof WireError ? `corrupt ONNX file (${msg})` : 'corrupt ONNX file: nesting too deep to decode');
  }
  return new ModelLoadError(file, `cannot decode ONNX file: ${msg}`);
}

export function decodeTensorProto(bytes: Uint8Array, file: string): TensorConst & { name: string } {
  let p: PTensor;
  try {
    p = decodeTensor(bytes);
  } catch (err) {
    throw explainDecodeError(file, bytes, err);
  }
  return { ...convertTensor(p, file), name: p.name ?? '' };
}

export function loadOnnx(bytes: Uint8Array, opts: OnnxLoadOptions): Model {
  const { file } = opts;
  if (bytes.length === 0) throw new ModelLoadError(file, 'empty file');
  if (!matchOnnx(bytes)) throw new ModelLoadError(file, 'not an ONNX model (the bytes do not start like an ONNX ModelProto)');
  let p: PModel;
  try {
    p = decodeModel(bytes);
  } catch (err) {
    throw explainDecodeError(file, bytes, err);
  }
  if (!p.graph) {
    // A header without a graph is what a file cut off after its first fields looks like.
    throw new ModelLoadError(file, `ONNX model has no graph (${formatCount(bytes.length)} bytes: truncated, or not a complete model)`);
  }

  const warnings: string[] = [];
  const opset: Record<string, number> = dict();
  for (const o of p.opsetImport ?? []) {
    const d = o.domain === 'ai.onnx' ? '' : o.domain ?? '';
    opset[d] = Number(o.version ?? 0);
  }
  // IR version 3+ requires opset_import; older files implicitly use opset 1.
  if (opset[''] === undefined && Object.keys(opset).length === 0) opset[''] = 1;

  const ctx: ConvertContext = { file, warnings, depth: 0 };
  const graph = convertGraph(p.graph, ctx, true);
  const functions = new Map<string, FunctionDef>();
  for (const f of p.functions ?? []) {
    const fd = convertFunction(f, ctx);
    functions.set(`${fd.domain}:${fd.name}`, fd);
  }
  const metadata: Record<string, string> = dict();
  for (const m of p.metadataProps ?? []) metadata[m.key] = m.value;
  return {
    format: 'onnx',
    opset,
    irVersion: p.irVersion,
    producer: [p.producerName, p.producerVersion].filter(Boolean).join(' ') || undefined,
    graph,
    functions,
    warnings,
    metadata,
  };
}

interface ConvertContext {
  file: string;
  warnings: string[];
  /** Subgraph nesting depth (If/Loop/Scan bodies). */
  depth: number;
}

/** Real models nest control flow a few levels; far deeper is a hostile file. */
const MAX_SUBGRAPH_DEPTH = 64;

function convertShape(t: PTypeProto | undefined, valueName: string): { dtype?: ReturnType<typeof dtypeFromOnnx>; shape?: Shape } {
  const tt = t?.tensorType ?? t?.sparseTensorType;
  if (!tt) return {};
  const dtype = tt.elemType ? dtypeFromOnnx(tt.elemType) : undefined;
  if (!tt.shape) return { dtype };
  // protobufjs puts proto2 defaults on the prototype: only own properties were in the file.
  const has = (d: object, k: string) => Object.prototype.hasOwnProperty.call(d, k);
  const shape: Shape = (tt.shape.dim ?? []).map((d, axis) => {
    if (has(d, 'dimValue') && d.dimValue !== null && d.dimValue !== undefined) return Number(d.dimValue);
    if (has(d, 'dimParam') && d.dimParam) return d.dimParam;
    // An unknown dim: a name of its own, so it never equals another unknown dim.
    return `?${valueName}[${axis}]`;
  });
  return { dtype, shape };
}

/** How messages name a tensor: `tensor 'conv1.weight'`, or `an unnamed tensor`. */
function tensorLabel(t: PTensor): string {
  return t.name ? `tensor '${t.name}'` : 'an unnamed tensor';
}

export function convertTensor(t: PTensor, file: string): TensorConst {
  const dtype = dtypeFromOnnx(t.dataType ?? 0);
  const dims = t.dims ?? [];
  if (!dtype) {
    throw new ModelLoadError(file, t.dataType ? `${tensorLabel(t)} has unknown data type ${t.dataType}` : `${tensorLabel(t)} has no data type`);
  }
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
    // Past 2^53 the decoded number is already rounded: say so rather than print a wrong value.
    const shown = dims.map((d) => (Number.isSafeInteger(d) || !Number.isFinite(d) || d < 0 ? String(d) : 'more than 2^53'));
    throw new ModelLoadError(file, `${tensorLabel(t)} has invalid dims [${shown.join(', ')}] (each must be a whole number ≥ 0)`);
  }
  if (t.dataLocation === 1) {
    const get = (k: string) => t.externalData?.find((e) => e.key === k)?.value;
    const location = get('location');
    if (!location) throw new ModelLoadError(file, `external ${tensorLabel(t).replace(/^an /, '')} has no location`);
    const length = get('length');
    const offset = get('offset');
    const count = (key: string, v: string) => {
      if (!/^\d{1,15}$/.test(v.trim())) throw new ModelLoadError(file, `external ${tensorLabel(t).replace(/^an /, '')} has ${key} '${v.slice(0, 40)}', not a byte count`);
      return Number(v);
    };
    return {
      dtype, dims,
      storage: { kind: 'external', location, offset: offset === undefined ? 0 : count('offset', offset), length: length === undefined ? undefined : count('length', length) },
    };
  }
  if (t.rawData && t.rawData.length > 0) return { dtype, dims, storage: { kind: 'raw', bytes: t.rawData } };
  if (dtype === 'string') return { dtype, dims, storage: { kind: 'strings', values: (t.stringData ?? []).map((s) => utf8.decode(s)) } };
  const fields: (keyof PTensor)[] = ['floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data'];
  for (const f of fields) {
    const v = t[f] as number[] | undefined;
    if (v && v.length > 0) {
      const values: ArrayLike<number> = v.map(Number);
      if (dtype === 'float16' && f === 'int32Data') {
        // float16 is stored as its bit pattern in int32_data.
        const buf = new Uint8Array(v.length * 2);
        const dv = new DataView(buf.buffer);
        v.forEach((x, i) => dv.setUint16(i * 2, x, true));
        return { dtype, dims, storage: { kind: 'raw', bytes: buf } };
      }
      return { dtype, dims, storage: { kind: 'values', values } };
    }
  }
  if (elementCount(dims) === 0) return { dtype, dims, storage: { kind: 'values', values: [] } };
  return { dtype, dims, storage: { kind: 'none' } };
}

function convertSparse(s: PSparseTensor, file: string): TensorConst {
  const values = s.values ? convertTensor(s.values, file) : undefined;
  return { dtype: values?.dtype ?? 'float32', dims: (s.dims ?? []).map(Number), storage: { kind: 'none' } };
}

function convertAttribute(a: PAttribute, ctx: ConvertContext): Attribute {
  if (a.refAttrName) return { type: 'ref', value: a.refAttrName };
  // Older files may omit `type`; infer it from whichever field is set.
  const type = a.type ?? 0;
  switch (type) {
    case 1: return { type: 'float', value: a.f ?? 0 };
    case 2: return { type: 'int', value: a.i ?? 0 };
    case 3: return { type: 'string', value: utf8.decode(a.s ?? new Uint8Array()) };
    case 4: return { type: 'tensor', value: convertTensor(a.t ?? {}, ctx.file) };
    case 5: return { type: 'graph', value: convertGraph(a.g ?? {}, ctx, false) };
    case 6: return { type: 'floats', value: a.floats ?? [] };
    case 7: return { type: 'ints', value: a.ints ?? [] };
    case 8: return { type: 'strings', value: (a.strings ?? []).map((s) => utf8.decode(s)) };
    case 9: return { type: 'tensors', value: (a.tensors ?? []).map((t) => convertTensor(t, ctx.file)) };
    case 10: return { type: 'graphs', value: (a.graphs ?? []).map((g) => convertGraph(g, ctx, false)) };
    case 11: return { type: 'tensor', value: convertSparse(a.sparseTensor ?? {}, ctx.file) };
    case 0: {
      if (a.ints?.length) return { type: 'ints', value: a.ints };
      if (a.floats?.length) return { type: 'floats', value: a.floats };
      if (a.strings?.length) return { type: 'strings', value: a.strings.map((s) => utf8.decode(s)) };
      if (a.t) return { type: 'tensor', value: convertTensor(a.t, ctx.file) };
      if (a.g) return { type: 'graph', value: convertGraph(a.g, ctx, false) };
      if (a.s?.length) return { type: 'string', value: utf8.decode(a.s) };
      if (a.f) return { type: 'float', value: a.f };
      return { type: 'int', value: a.i ?? 0 };
    }
    default:
      return { type: 'unsupported', value: `attribute type ${type}` };
  }
}

function convertNode(n: PNode, index: number, used: Set<string>, ctx: ConvertContext): Node {
  const opType = n.opType ?? '';
  if (!opType) throw new ModelLoadError(ctx.file, `node ${index}${n.name ? ` ('${n.name}')` : ''} has no op_type: the file is corrupt`);
  let name = n.name ?? '';
  if (!name || used.has(name)) {
    const base = name || `${opType || 'node'}_${index}`;
    name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
  }
  used.add(name);
  const attributes: Record<string, Attribute> = dict();
  for (const a of n.attribute ?? []) attributes[a.name ?? ''] = convertAttribute(a, ctx);
  return {
    name,
    opType,
    domain: n.domain === 'ai.onnx' ? '' : n.domain ?? '',
    attributes,
    inputs: n.input ?? [],
    outputs: n.output ?? [],
    doc: n.docString || undefined,
  };
}

function addValueInfo(values: Map<string, Value>, vi: PValueInfo): void {
  if (!vi.name) return;
  const { dtype, shape } = convertShape(vi.type, vi.name);
  const prev = values.get(vi.name);
  values.set(vi.name, {
    ...prev,
    name: vi.name,
    dtype: dtype ?? prev?.dtype,
    shape: shape ?? prev?.shape,
    doc: vi.docString || prev?.doc,
  });
}

function convertGraph(g: PGraph, parent: ConvertContext, top: boolean): Graph {
  const ctx = top ? parent : { ...parent, depth: parent.depth + 1 };
  if (ctx.depth > MAX_SUBGRAPH_DEPTH) {
    throw new ModelLoadError(ctx.file, `subgraphs are nested more than ${MAX_SUBGRAPH_DEPTH} levels deep`);
  }
  const values = new Map<string, Value>();
  const initializers = new Set<string>();
  for (const vi of g.valueInfo ?? []) addValueInfo(values, vi);
  for (const vi of g.input ?? []) addValueInfo(values, vi);
  for (const vi of g.output ?? []) addValueInfo(values, vi);
  for (const t of g.initializer ?? []) {
    const name = t.name ?? '';
    const data = convertTensor(t, ctx.file);
    values.set(name, { ...values.get(name), name, dtype: data.dtype, shape: data.dims.slice(), data });
    initializers.add(name);
  }
  for (const s of g.sparseInitializer ?? []) {
    const name = s.values?.name ?? '';
    const data = convertSparse(s, ctx.file);
    values.set(name, { ...values.get(name), name, dtype: data.dtype, shape: data.dims.slice(), data });
    initializers.add(name);
  }
  const used = new Set<string>();
  const nodes = (g.node ?? []).map((n, i) => convertNode(n, i, used, ctx));
  // IR < 4 lists initializers among the inputs too; those are weights, not inputs.
  const inputs = (g.input ?? []).map((v) => v.name ?? '').filter((n) => n && !initializers.has(n));
  if (top && inputs.length === 0 && nodes.length > 0) ctx.warnings.push('the graph has no inputs: every value is constant');
  return {
    name: g.name ?? '',
    nodes,
    inputs,
    outputs: (g.output ?? []).map((v) => v.name ?? '').filter(Boolean),
    values,
    initializers,
  };
}

function convertFunction(f: PFunction, ctx: ConvertContext): FunctionDef {
  const used = new Set<string>();
  const attributeDefaults: Record<string, Attribute> = dict();
  for (const a of f.attributeProto ?? []) attributeDefaults[a.name ?? ''] = convertAttribute(a, ctx);
  const opset: Record<string, number> = dict();
  for (const o of f.opsetImport ?? []) opset[o.domain === 'ai.onnx' ? '' : o.domain ?? ''] = Number(o.version ?? 0);
  return {
    name: f.name ?? '',
    domain: f.domain ?? '',
    inputs: f.input ?? [],
    outputs: f.output ?? [],
    attributes: [...(f.attribute ?? []), ...Object.keys(attributeDefaults)],
    attributeDefaults,
    nodes: (f.node ?? []).map((n, i) => convertNode(n, i, used, ctx)),
    opset,
  };
}
