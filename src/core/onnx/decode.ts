/**
 * A protobuf reader for the ONNX messages the loader reads, written for the
 * one schema (schema.ts names the same fields): it decodes straight into the
 * plain `P*` objects, with no reflection and no generated code to build at
 * start-up. protobufjs did the same job at about three times the cost on a
 * 20,000-node graph (its decoders are generated at first use), and it is
 * still what writes ONNX (writer.ts) and what the tests cross-check this
 * reader against.
 *
 * What protobuf asks of a reader, and protobufjs does: int64 fields become
 * numbers (exact below 2^53), repeated numbers are read packed or not, bytes
 * are views into the input (weights are never copied), fields of unknown
 * number, or known by number but sent with another wire type, are skipped.
 * Malformed bytes throw wire.ts's WireError.
 */
import type {
  PAttribute, PDimension, PFunction, PGraph, PModel, PNode, POpset, PSparseTensor, PStringEntry, PTensor, PTypeProto, PValueInfo,
} from './schema';
import { Wire } from './wire';

const int64 = (w: Wire) => w.int64(false);
const uint64 = (w: Wire) => w.int64(true);
const int32 = (w: Wire) => w.int32();
const float = (w: Wire) => w.float();
const double = (w: Wire) => w.double();

/** Wire types: varint 0, 64-bit 1, length-delimited 2, 32-bit 5. A known field sent with another is skipped. */
const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;
const FIXED32 = 5;

function push<T>(list: T[] | undefined, x: T): T[] {
  if (list) {
    list.push(x);
    return list;
  }
  return [x];
}

/** A packable number field may come packed (wire 2) or one by one. */
const numeric = (wire: number, own: number) => wire === own || wire === LEN;

/** Reads a message whose fields are all length-delimited: `read` takes each by number and says whether it did; the rest (and other wire types) are skipped. */
function lenFields(w: Wire, read: (field: number) => boolean): void {
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    if (wire !== LEN || !read(tag >>> 3)) w.skipField(wire);
  }
}

function readEntry(w: Wire): PStringEntry {
  const e: PStringEntry = { key: '', value: '' };
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === LEN) e.key = w.string();
    else if (f === 2 && wire === LEN) e.value = w.string();
    else w.skipField(wire);
  }
  return e;
}

function readOpset(w: Wire): POpset {
  const o: POpset = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === LEN) o.domain = w.string();
    else if (f === 2 && wire === VARINT) o.version = w.int64(false);
    else w.skipField(wire);
  }
  return o;
}

function readDimension(w: Wire): PDimension {
  const d: PDimension = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === VARINT) d.dimValue = w.int64(false);
    else if (f === 2 && wire === LEN) d.dimParam = w.string();
    else w.skipField(wire);
  }
  return d;
}

function readShape(w: Wire): { dim?: PDimension[] } {
  const s: { dim?: PDimension[] } = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 1 && wire === LEN) s.dim = push(s.dim, w.message(readDimension));
    else w.skipField(wire);
  }
  return s;
}

function readTensorType(w: Wire): { elemType?: number; shape?: { dim?: PDimension[] } } {
  const t: { elemType?: number; shape?: { dim?: PDimension[] } } = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === VARINT) t.elemType = w.int32();
    else if (f === 2 && wire === LEN) t.shape = w.message(readShape);
    else w.skipField(wire);
  }
  return t;
}

function readElemType(w: Wire): { elemType?: PTypeProto } {
  const s: { elemType?: PTypeProto } = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    if (tag >>> 3 === 1 && wire === LEN) s.elemType = w.message(readType);
    else w.skipField(wire);
  }
  return s;
}

function readMapType(w: Wire): { keyType?: number; valueType?: PTypeProto } {
  const m: { keyType?: number; valueType?: PTypeProto } = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === VARINT) m.keyType = w.int32();
    else if (f === 2 && wire === LEN) m.valueType = w.message(readType);
    else w.skipField(wire);
  }
  return m;
}

function readType(w: Wire): PTypeProto {
  const t: PTypeProto = {};
  lenFields(w, (field) => {
    switch (field) {
      case 1: t.tensorType = w.message(readTensorType); return true;
      case 8: t.sparseTensorType = w.message(readTensorType); return true;
      case 4: t.sequenceType = w.message(readElemType); return true;
      case 9: t.optionalType = w.message(readElemType); return true;
      case 5: t.mapType = w.message(readMapType); return true;
      default: return false;
    }
  });
  return t;
}

function readValueInfo(w: Wire): PValueInfo {
  const v: PValueInfo = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === LEN) v.name = w.string();
    else if (f === 2 && wire === LEN) v.type = w.message(readType);
    else if (f === 3 && wire === LEN) v.docString = w.string();
    else w.skipField(wire);
  }
  return v;
}

function readTensor(w: Wire): PTensor {
  const t: PTensor = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: if (numeric(wire, VARINT)) { w.numbers((t.dims ??= []), wire, int64); continue; } break;
      case 2: if (wire === VARINT) { t.dataType = w.int32(); continue; } break;
      case 4: if (numeric(wire, FIXED32)) { w.numbers((t.floatData ??= []), wire, float); continue; } break;
      case 5: if (numeric(wire, VARINT)) { w.numbers((t.int32Data ??= []), wire, int32); continue; } break;
      case 6: if (wire === LEN) { t.stringData = push(t.stringData, w.bytes()); continue; } break;
      case 7: if (numeric(wire, VARINT)) { w.numbers((t.int64Data ??= []), wire, int64); continue; } break;
      case 8: if (wire === LEN) { t.name = w.string(); continue; } break;
      case 9: if (wire === LEN) { t.rawData = w.bytes(); continue; } break;
      case 10: if (numeric(wire, FIXED64)) { w.numbers((t.doubleData ??= []), wire, double); continue; } break;
      case 11: if (numeric(wire, VARINT)) { w.numbers((t.uint64Data ??= []), wire, uint64); continue; } break;
      case 13: if (wire === LEN) { t.externalData = push(t.externalData, w.message(readEntry)); continue; } break;
      case 14: if (wire === VARINT) { t.dataLocation = w.int32(); continue; } break;
    }
    w.skipField(wire);
  }
  return t;
}

function readSparseTensor(w: Wire): PSparseTensor {
  const s: PSparseTensor = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    const f = tag >>> 3;
    if (f === 1 && wire === LEN) s.values = w.message(readTensor);
    else if (f === 2 && wire === LEN) s.indices = w.message(readTensor);
    else if (f === 3 && numeric(wire, VARINT)) w.numbers((s.dims ??= []), wire, int64);
    else w.skipField(wire);
  }
  return s;
}

function readAttribute(w: Wire): PAttribute {
  const a: PAttribute = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: if (wire === LEN) { a.name = w.string(); continue; } break;
      case 2: if (wire === FIXED32) { a.f = w.float(); continue; } break;
      case 3: if (wire === VARINT) { a.i = w.int64(false); continue; } break;
      case 4: if (wire === LEN) { a.s = w.bytes(); continue; } break;
      case 5: if (wire === LEN) { a.t = w.message(readTensor); continue; } break;
      case 6: if (wire === LEN) { a.g = w.message(readGraph); continue; } break;
      case 7: if (numeric(wire, FIXED32)) { w.numbers((a.floats ??= []), wire, float); continue; } break;
      case 8: if (numeric(wire, VARINT)) { w.numbers((a.ints ??= []), wire, int64); continue; } break;
      case 9: if (wire === LEN) { a.strings = push(a.strings, w.bytes()); continue; } break;
      case 10: if (wire === LEN) { a.tensors = push(a.tensors, w.message(readTensor)); continue; } break;
      case 11: if (wire === LEN) { a.graphs = push(a.graphs, w.message(readGraph)); continue; } break;
      case 20: if (wire === VARINT) { a.type = w.int32(); continue; } break;
      case 21: if (wire === LEN) { a.refAttrName = w.string(); continue; } break;
      case 22: if (wire === LEN) { a.sparseTensor = w.message(readSparseTensor); continue; } break;
    }
    w.skipField(wire);
  }
  return a;
}

function readNode(w: Wire): PNode {
  const n: PNode = {};
  lenFields(w, (field) => {
    switch (field) {
      case 1: n.input = push(n.input, w.string()); return true;
      case 2: n.output = push(n.output, w.string()); return true;
      case 3: n.name = w.string(); return true;
      case 4: n.opType = w.string(); return true;
      case 5: n.attribute = push(n.attribute, w.message(readAttribute)); return true;
      case 6: n.docString = w.string(); return true;
      case 7: n.domain = w.string(); return true;
      default: return false;
    }
  });
  return n;
}

function readGraph(w: Wire): PGraph {
  const g: PGraph = {};
  lenFields(w, (field) => {
    switch (field) {
      case 1: g.node = push(g.node, w.message(readNode)); return true;
      case 2: g.name = w.string(); return true;
      case 5: g.initializer = push(g.initializer, w.message(readTensor)); return true;
      case 10: g.docString = w.string(); return true;
      case 11: g.input = push(g.input, w.message(readValueInfo)); return true;
      case 12: g.output = push(g.output, w.message(readValueInfo)); return true;
      case 13: g.valueInfo = push(g.valueInfo, w.message(readValueInfo)); return true;
      case 15: g.sparseInitializer = push(g.sparseInitializer, w.message(readSparseTensor)); return true;
      default: return false;
    }
  });
  return g;
}

function readFunction(w: Wire): PFunction {
  const fn: PFunction = {};
  lenFields(w, (field) => {
    switch (field) {
      case 1: fn.name = w.string(); return true;
      case 4: fn.input = push(fn.input, w.string()); return true;
      case 5: fn.output = push(fn.output, w.string()); return true;
      case 6: fn.attribute = push(fn.attribute, w.string()); return true;
      case 7: fn.node = push(fn.node, w.message(readNode)); return true;
      case 9: fn.opsetImport = push(fn.opsetImport, w.message(readOpset)); return true;
      case 10: fn.domain = w.string(); return true;
      case 11: fn.attributeProto = push(fn.attributeProto, w.message(readAttribute)); return true;
      case 12: fn.valueInfo = push(fn.valueInfo, w.message(readValueInfo)); return true;
      default: return false;
    }
  });
  return fn;
}

function readModel(w: Wire): PModel {
  const m: PModel = {};
  while (w.pos < w.end) {
    const tag = w.uint32();
    const wire = tag & 7;
    switch (tag >>> 3) {
      case 1: if (wire === VARINT) { m.irVersion = w.int64(false); continue; } break;
      case 2: if (wire === LEN) { m.producerName = w.string(); continue; } break;
      case 3: if (wire === LEN) { m.producerVersion = w.string(); continue; } break;
      case 4: if (wire === LEN) { m.domain = w.string(); continue; } break;
      case 5: if (wire === VARINT) { m.modelVersion = w.int64(false); continue; } break;
      case 6: if (wire === LEN) { m.docString = w.string(); continue; } break;
      case 7: if (wire === LEN) { m.graph = w.message(readGraph); continue; } break;
      case 8: if (wire === LEN) { m.opsetImport = push(m.opsetImport, w.message(readOpset)); continue; } break;
      case 14: if (wire === LEN) { m.metadataProps = push(m.metadataProps, w.message(readEntry)); continue; } break;
      case 25: if (wire === LEN) { m.functions = push(m.functions, w.message(readFunction)); continue; } break;
    }
    w.skipField(wire);
  }
  return m;
}

/** Decodes a ModelProto. Throws WireError. */
export function decodeModel(bytes: Uint8Array): PModel {
  return readModel(new Wire(bytes, bytes.length));
}

/** Decodes one TensorProto (an ONNX `.pb` tensor file). Throws WireError. */
export function decodeTensor(bytes: Uint8Array): PTensor {
  return readTensor(new Wire(bytes, bytes.length));
}
