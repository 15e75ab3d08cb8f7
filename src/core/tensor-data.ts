/**
 * Reading the numbers out of a `TensorConst`, for constant folding and weight
 * statistics. Weight bytes stay where the loader left them (a view into the
 * file); only what is asked for is decoded.
 */
import type { DType, Graph, TensorConst } from './ir';
import { dtypeBytes } from './dtype';

export function elementCount(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

/** Reads external data on demand; supplied by the loader's host (Node fs in the CLI). */
export type ExternalReader = (location: string, offset: number, length: number | undefined) => Uint8Array;

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes little-endian element bytes of `dtype` into numbers. */
export function decodeRaw(dtype: DType, bytes: Uint8Array, count: number): Float64Array | number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = dtypeBytes(dtype, count);
  if (bytes.byteLength < need) {
    throw new Error(`tensor data has ${bytes.byteLength} bytes, ${need} expected for ${count} ${dtype} elements`);
  }
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'float32': out[i] = view.getFloat32(i * 4, true); break;
      case 'float64': out[i] = view.getFloat64(i * 8, true); break;
      case 'float16': out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case 'bfloat16': {
        const b = new DataView(new ArrayBuffer(4));
        // bfloat16 is the upper half of a float32.
        b.setUint16(0, view.getUint16(i * 2, true), false);
        b.setUint16(2, 0, false);
        out[i] = b.getFloat32(0, false);
        break;
      }
      case 'int8': out[i] = view.getInt8(i); break;
      case 'uint8': case 'bool': out[i] = view.getUint8(i); break;
      case 'int16': out[i] = view.getInt16(i * 2, true); break;
      case 'uint16': out[i] = view.getUint16(i * 2, true); break;
      case 'int32': out[i] = view.getInt32(i * 4, true); break;
      case 'uint32': out[i] = view.getUint32(i * 4, true); break;
      case 'int64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'uint64': out[i] = Number(view.getBigUint64(i * 8, true)); break;
      default:
        throw new Error(`cannot decode ${dtype} tensors`);
    }
  }
  return out;
}

/**
 * The tensor's elements as numbers, or `undefined` when they are not available
 * (strings, no data, external data without a reader). int64 values beyond
 * 2^53 lose precision, which only matters for sentinel values such as
 * INT64_MAX in Slice ends, and those stay "past the end" after rounding.
 */
export function tensorNumbers(t: TensorConst, readExternal?: ExternalReader): ArrayLike<number> | undefined {
  const count = elementCount(t.dims);
  const s = t.storage;
  switch (s.kind) {
    case 'values':
      return s.values;
    case 'raw':
      return decodeRaw(t.dtype, s.bytes, count);
    case 'external':
      if (!readExternal) return undefined;
      return decodeRaw(t.dtype, readExternal(s.location, s.offset, s.length), count);
    default:
      return undefined;
  }
}

export function constFromNumbers(dtype: DType, dims: number[], values: ArrayLike<number>): TensorConst {
  return { dtype, dims, storage: { kind: 'values', values } };
}

/**
 * The data behind a value name, following exporters' `Identity` copies back
 * (PyTorch writes one for each parameter whose values equal another's, such
 * as a fresh network's zero biases) to a name `dataOf` has data for.
 */
export function dataThroughIdentity(graph: Graph, dataOf: (name: string) => TensorConst | undefined): (name: string) => TensorConst | undefined {
  const copyOf = new Map<string, string>();
  for (const n of graph.nodes) if (n.opType === 'Identity' && n.inputs[0]) copyOf.set(n.outputs[0], n.inputs[0]);
  return (name) => {
    let cur: string | undefined = name;
    // A chain is at most every copy long; a cycle (a hostile file) ends there.
    for (let hops = 0; cur !== undefined && hops <= copyOf.size; hops++, cur = copyOf.get(cur)) {
      const data = dataOf(cur);
      if (data) return data;
    }
    return undefined;
  };
}
