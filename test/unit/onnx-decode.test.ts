/**
 * The ONNX wire reader (src/core/onnx/decode.ts on wire.ts) against protobufjs, which
 * decoded ONNX before it and still writes it: the same objects for every
 * model the ONNX project ships for its node tests and for a torch.onnx export,
 * and the protobuf rules a hand-written reader can get wrong (negative and
 * 64-bit varints, packed and unpacked repeats, unknown fields, groups, wire
 * types that do not match, lengths past the end, hostile nesting).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeModel, decodeTensor } from '../../src/core/onnx/decode';
import { MAX_NESTING, WireError } from '../../src/core/onnx/wire';
import { onnxTypes } from '../../src/core/onnx/schema';

const { ModelProto, TensorProto } = onnxTypes();

const ROOT = resolve(__dirname, '../..');

function onnxFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) onnxFiles(p, out);
    else if (e.endsWith('.onnx')) out.push(p);
  }
  return out;
}

/** Own fields only, empty lists dropped, bytes as plain arrays: how both decoders' objects compare. */
function plain(x: unknown): unknown {
  if (x instanceof Uint8Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(plain);
  if (x && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(x)) {
      const v = (x as Record<string, unknown>)[k];
      if (v === undefined || (Array.isArray(v) && v.length === 0)) continue;
      out[k] = plain(v);
    }
    return out;
  }
  return x;
}

const viaProtobufjs = (bytes: Uint8Array) => plain(ModelProto.decode(bytes));

/** A protobuf field: tag then payload (`payload` a byte list for wire type 2, a varint's bytes otherwise). */
function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}
const len = (field: number, payload: number[]) => [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
const ascii = (s: string) => [...s].map((c) => c.charCodeAt(0));

function wireError(f: () => unknown): WireError {
  try {
    f();
  } catch (e) {
    if (e instanceof WireError) return e;
    throw e;
  }
  assert.fail('expected a WireError');
}

describe('ONNX wire reader', () => {
  it('decodes every ONNX node-test model and a torch.onnx export as protobufjs does', () => {
    const files = [...onnxFiles(join(ROOT, 'test', 'fixtures')), join(ROOT, 'examples', 'small-cnn.onnx')];
    assert.ok(files.length > 400, `expected the vendored ONNX node tests, found ${files.length} files`);
    for (const f of files) {
      const bytes = readFileSync(f);
      assert.deepStrictEqual(plain(decodeModel(bytes)), viaProtobufjs(bytes), f);
    }
  });

  it('reads int64 and uint64 values the way protobufjs does: negatives, 2^40, packed and one by one', () => {
    const msg = ModelProto.fromObject({
      irVersion: 9,
      modelVersion: -3,
      graph: {
        node: [{ opType: 'Pad', attribute: [{ name: 'a', type: 2, i: -1 }, { name: 'b', type: 7, ints: [-5, 3, 2 ** 40, -(2 ** 40)] }, { name: 'c', type: 6, floats: [1.5, -2.25] }] }],
        initializer: [{ name: 't', dataType: 7, dims: [2, 2 ** 33], int64Data: [-7, 2 ** 50], uint64Data: [2 ** 52 + 2], doubleData: [0.1], floatData: [3.5], int32Data: [-9] }],
      },
    });
    const bytes = ModelProto.encode(msg).finish();
    assert.deepStrictEqual(plain(decodeModel(bytes)), viaProtobufjs(bytes));
    const a = decodeModel(bytes).graph!.node![0].attribute!;
    assert.equal(a[0].i, -1);
    assert.deepEqual(a[1].ints, [-5, 3, 2 ** 40, -(2 ** 40)]);
    assert.equal(decodeModel(bytes).modelVersion, -3);
    // TensorProto's numbers are packed; the same ints one field each (as proto2 writers may send them) read the same.
    const unpacked = [...varint(1 * 8), ...varint(2), ...varint(1 * 8), ...varint(2 ** 33), ...varint(2 * 8), 7];
    assert.deepEqual(decodeTensor(new Uint8Array(unpacked)).dims, [2, 2 ** 33]);
  });

  it('skips unknown fields of every wire type, groups included, and known fields sent with another wire type', () => {
    const node = [
      ...len(4, ascii('Relu')),
      ...varint(99 * 8 + 0), ...varint(300), // unknown varint
      ...varint(98 * 8 + 1), 1, 2, 3, 4, 5, 6, 7, 8, // unknown 64-bit
      ...varint(97 * 8 + 5), 1, 2, 3, 4, // unknown 32-bit
      ...varint(96 * 8 + 3), ...varint(1 * 8 + 0), 5, ...varint(96 * 8 + 4), // a group with one field inside
      ...varint(3 * 8 + 0), 7, // name (a string field) sent as a varint: skipped
      ...len(1, ascii('x')),
    ];
    const model = new Uint8Array([...varint(1 * 8), 8, ...len(7, len(1, node))]);
    const n = decodeModel(model).graph!.node![0];
    assert.deepEqual(n, { opType: 'Relu', input: ['x'] });
  });

  it('keeps bytes as views into the file and decodes UTF-8 names', () => {
    const raw = [1, 2, 3, 4];
    const tensor = new Uint8Array([...varint(2 * 8), 1, ...len(9, raw), ...len(8, [0xc3, 0xa9, 0x74, 0xc3, 0xa9])]);
    const t = decodeTensor(tensor);
    assert.equal(t.name, 'été');
    assert.equal(t.rawData!.buffer, tensor.buffer, 'raw_data must not be copied');
    assert.deepEqual([...t.rawData!], raw);
    assert.deepStrictEqual(plain(t), plain(TensorProto.decode(tensor)));
  });

  it('throws WireError for a length past the end, an invalid wire type and hostile nesting', () => {
    const graph = len(1, len(4, ascii('Relu')));
    const good = [...varint(8), 8, ...len(7, graph)];
    assert.equal(wireError(() => decodeModel(new Uint8Array(good.slice(0, good.length - 2)))).kind, 'overrun');
    assert.equal(wireError(() => decodeModel(new Uint8Array([0x08, 0x08, ...len(7, [0x0f, 0x00])]))).kind, 'wire');
    // Sequence types inside sequence types, past MAX_NESTING.
    let type: number[] = len(1, []);
    for (let i = 0; i < MAX_NESTING + 5; i++) type = len(4, len(1, type));
    const valueInfo = [...len(1, ascii('x')), ...len(2, type)];
    const e = wireError(() => decodeModel(new Uint8Array([0x08, 0x08, ...len(7, len(11, valueInfo))])));
    assert.equal(e.kind, 'nesting');
  });
});
