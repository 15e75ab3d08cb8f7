/**
 * The ONNX writer against the loader (every IR construct survives a file
 * round trip), and the test zoo against torchvision's published parameter
 * counts (which is what makes the zoo a trustworthy reference).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attribute, DType, FunctionDef, Graph, Model, TensorConst } from '../../src/core/ir';
import {
  encodeElements, encodeOnnx, encodeTensorProto, externalizeInitializers, floatToBfloat16Bits, floatToHalfBits,
} from '../../src/core/onnx/writer';
import { GraphBuilder, torchScope } from '../../src/core/onnx/builder';
import { decodeTensorProto, loadOnnx } from '../../src/core/loaders/onnx';
import { onnxTypes, type PModel } from '../../src/core/onnx/schema';
import { elementCount, tensorNumbers } from '../../src/core/tensor-data';
import * as zoo from '../helpers/zoo';
import { PYTHON_ONNX_HINT, pythonWithOnnx } from '../helpers/python-onnx';
import { tempDir } from '../helpers/temp';

const { ModelProto } = onnxTypes();

const roundTrip = (m: Model): Model => loadOnnx(encodeOnnx(m), { file: 'roundtrip.onnx' });

function numbers(t: TensorConst): number[] {
  return Array.from(tensorNumbers(t) ?? []);
}

/** A tensor's contents, comparable across storage kinds (raw bytes vs decoded values). */
function contents(t: TensorConst): unknown {
  const s = t.storage;
  if (s.kind === 'external' || s.kind === 'strings' || s.kind === 'none') return { dtype: t.dtype, dims: t.dims, storage: s };
  return { dtype: t.dtype, dims: t.dims, numbers: numbers(t) };
}

function normaliseAttribute(a: Attribute): unknown {
  switch (a.type) {
    case 'tensor': return { type: a.type, value: contents(a.value) };
    case 'tensors': return { type: a.type, value: a.value.map(contents) };
    case 'graph': return { type: a.type, value: normaliseGraph(a.value) };
    case 'graphs': return { type: a.type, value: a.value.map(normaliseGraph) };
    case 'floats': return { type: a.type, value: a.value.map(Math.fround) };
    case 'float': return { type: a.type, value: Math.fround(a.value) };
    default: return a;
  }
}

function normaliseGraph(g: Graph): unknown {
  return {
    name: g.name,
    inputs: g.inputs,
    outputs: g.outputs,
    initializers: [...g.initializers],
    nodes: g.nodes.map((n) => ({
      ...n,
      doc: n.doc,
      attributes: Object.fromEntries(Object.entries(n.attributes).map(([k, a]) => [k, normaliseAttribute(a)])),
    })),
    values: [...g.values.values()]
      .map((v) => ({ name: v.name, dtype: v.dtype, shape: v.shape, doc: v.doc, data: v.data && contents(v.data) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
  };
}

function normaliseFunction(f: FunctionDef): unknown {
  return {
    ...f,
    // The loader's records have no prototype (keys come from the file); compare contents.
    opset: { ...f.opset },
    attributes: [...f.attributes].sort(),
    attributeDefaults: Object.fromEntries(Object.entries(f.attributeDefaults).map(([k, a]) => [k, normaliseAttribute(a)])),
    nodes: f.nodes.map((n) => ({ ...n, doc: n.doc, attributes: Object.fromEntries(Object.entries(n.attributes).map(([k, a]) => [k, normaliseAttribute(a)])) })),
  };
}

const tensor = (dtype: DType, dims: number[], values: number[]): TensorConst => ({ dtype, dims, storage: { kind: 'values', values } });

/** Elements that every type represents exactly, so decode(encode(x)) === x. */
const EXACT: Partial<Record<DType, number[]>> = {
  float32: [0, -1.5, 3.25, 2 ** -20, Math.fround(0.1)],
  float16: [0, -1.5, 65504, 2 ** -24, 0.333251953125],
  bfloat16: [0, -1.5, 3.140625, 2 ** 100, -(2 ** -100)],
  float64: [0, -1.5, Math.PI, 1e300, -1e-300],
  int8: [-128, -1, 0, 1, 127],
  int16: [-32768, -1, 0, 1, 32767],
  int32: [-(2 ** 31), -1, 0, 1, 2 ** 31 - 1],
  int64: [-(2 ** 53), -1, 0, 1, 2 ** 53],
  uint8: [0, 1, 2, 254, 255],
  uint16: [0, 1, 2, 65534, 65535],
  uint32: [0, 1, 2, 2 ** 32 - 2, 2 ** 32 - 1],
  uint64: [0, 1, 2, 2 ** 52, 2 ** 53],
  bool: [1, 0, 0, 1, 1],
};

/** One model using every IR construct the writer must carry. */
function kitchenSink(): Model {
  const b = new GraphBuilder('kitchen sink', { opset: 17, opsets: { 'com.example': 1 }, metadata: { author: 'convlens tests' } });
  const x = b.input('x', 'float32', ['N', 3, 8, 8]);
  b.conv(x, { outChannels: 4, kernel: 3, pads: 1, name: 'stem.conv' });
  b.batchNorm({ name: 'stem.bn' });
  const y = b.relu({ name: 'stem.relu' });
  for (const [dtype, values] of Object.entries(EXACT)) b.initializer(`const.${dtype}`, dtype as DType, [values.length], values);
  b.initializer('const.scalar', 'float32', [], [42]);
  b.initializer('const.empty', 'int64', [0], []);

  // If with two branch graphs, reading `y` from the enclosing scope.
  const branch = (name: string, op: string): Graph => {
    const s = new GraphBuilder(name);
    s.node(op, [y], {}, 1, { name });
    s.output(undefined, { name: `${name}_out`, dtype: 'float32', shape: ['N', 4, 8, 8] });
    return s.buildGraph();
  };
  const cond = b.initializer('cond', 'bool', [], [1]);
  const [z] = b.node('If', [cond], {
    then_branch: { type: 'graph', value: branch('then', 'Relu') },
    else_branch: { type: 'graph', value: branch('else', 'Sigmoid') },
  }, 1, { name: 'gate' });

  // Loop: a body with graph inputs, a subgraph initializer and a symbolic unknown dim.
  const body = new GraphBuilder('body');
  body.input('i', 'int64', []);
  body.input('c_in', 'bool', []);
  body.input('acc_in', 'float32', ['N', 'C', 8, 8]);
  const one = body.initializer('one', 'float32', [1], [1]);
  const [acc] = body.node('Add', ['acc_in', one], {}, 1, { name: 'acc' });
  const [c] = body.node('Identity', ['c_in'], {}, 1, { name: 'keep' });
  body.output(c, { dtype: 'bool', shape: [] });
  body.output(acc, { dtype: 'float32' });
  const trip = b.initializer('trip', 'int64', [], [3]);
  const [looped] = b.node('Loop', [trip, '', z], { body: { type: 'graph', value: body.buildGraph() } }, 1, { name: 'repeat' });

  // A custom op carrying every other attribute kind, and an omitted optional input.
  const [custom, second] = b.node('Everything', [looped, '', 'const.float16'], {
    f: { type: 'float', value: 0.5 }, i: 7, s: 'héllo', floats: [0.25, -1.5], ints: [1, -2, 2 ** 40], strings: ['a', 'b c', ''],
    zero: { type: 'float', value: 0 }, neg: -3, empty_ints: { type: 'ints', value: [] },
    t: { type: 'tensor', value: tensor('int32', [2, 2], [1, 2, 3, 4]) },
    ts: { type: 'tensors', value: [tensor('float64', [1], [2.5]), { dtype: 'string', dims: [2], storage: { kind: 'strings', values: ['x', 'ÿ'] } }] },
    gs: { type: 'graphs', value: [branch('g0', 'Neg'), branch('g1', 'Abs')] },
  }, 2, { name: 'custom', domain: 'com.example' });

  // A model-local function with an attribute default and a reference attribute.
  const scaled: FunctionDef = {
    name: 'ScaledRelu', domain: 'com.example', inputs: ['X'], outputs: ['Y'],
    attributes: ['alpha', 'beta'],
    attributeDefaults: { beta: { type: 'float', value: 2 } },
    nodes: [
      { name: 'lrelu', opType: 'LeakyRelu', domain: '', attributes: { alpha: { type: 'ref', value: 'alpha' } }, inputs: ['X'], outputs: ['T'] },
      { name: 'scale', opType: 'Mul', domain: '', attributes: {}, inputs: ['T', 'T'], outputs: ['Y'] },
    ],
    opset: { '': 17 },
  };
  b.addFunction(scaled);
  b.node('ScaledRelu', [custom], { alpha: { type: 'float', value: 0.125 } }, 1, { name: 'fn', domain: 'com.example' });
  b.output(undefined, { name: 'out', dtype: 'float32', shape: ['N', 4, 8, 8] });
  b.output(second, { dtype: 'float32', shape: ['N', 4] });
  const m = b.build();
  // Declared intermediate types (value_info) and a doc string.
  m.graph.values.set(y, { name: y, dtype: 'float32', shape: ['N', 4, 8, 8], doc: 'after the stem' });
  m.graph.values.set('ext.weight', {
    name: 'ext.weight', dtype: 'float32', shape: [16, 16],
    data: { dtype: 'float32', dims: [16, 16], storage: { kind: 'external', location: 'weights.bin', offset: 4096, length: 1024 } },
  });
  m.graph.initializers.add('ext.weight');
  m.graph.values.set('names', { name: 'names', dtype: 'string', shape: [2], data: { dtype: 'string', dims: [2], storage: { kind: 'strings', values: ['cat', 'dog'] } } });
  m.graph.initializers.add('names');
  m.graph.nodes[0].doc = 'the first conv';
  return m;
}

describe('encodeOnnx → loadOnnx round trip', () => {
  const original = kitchenSink();
  const back = roundTrip(original);

  it('keeps the header: IR 8 by default, opsets, producer "convlens", metadata', () => {
    assert.equal(back.irVersion, 8);
    assert.deepEqual({ ...back.opset }, { '': 17, 'com.example': 1 });
    assert.equal(back.producer, 'convlens');
    assert.deepEqual({ ...back.metadata }, { author: 'convlens tests' });
    assert.equal(roundTrip({ ...original, irVersion: 7 }).irVersion, 7);
    assert.equal(roundTrip({ ...original, opset: { '': 21 } }).irVersion, 10, 'opset 21 needs IR 10 (onnx VERSION_TABLE)');
  });

  it('keeps the graph: nodes, every attribute kind, subgraphs, values and initializers', () => {
    assert.deepEqual(normaliseGraph(back.graph), normaliseGraph(original.graph));
  });

  it('writes dims the loader could not name (`?0`) with neither dim_value nor dim_param', () => {
    const m = kitchenSink();
    m.graph.values.set('x', { name: 'x', dtype: 'float32', shape: ['?0', 3, 'H', 0] });
    const p = ModelProto.decode(encodeOnnx(m)) as unknown as PModel;
    const dims = p.graph!.input![0].type!.tensorType!.shape!.dim!;
    assert.deepEqual(dims.map((d) => ModelProto.root.lookupType('onnx.Dimension').toObject(d as never)), [{}, { dimValue: 3 }, { dimParam: 'H' }, { dimValue: 0 }]);
  });

  it('keeps raw initializer bytes exactly', () => {
    for (const name of original.graph.initializers) {
      const s = original.graph.values.get(name)!.data!.storage;
      if (s.kind !== 'raw') continue;
      const t = back.graph.values.get(name)!.data!.storage;
      assert.equal(t.kind, 'raw');
      assert.deepEqual(Buffer.from(t.kind === 'raw' ? t.bytes : []), Buffer.from(s.bytes), name);
    }
  });

  it('encodes decoded values little-endian for every numeric type', () => {
    for (const [dtype, values] of Object.entries(EXACT)) {
      const t = back.graph.values.get(`const.${dtype}`)!.data!;
      assert.equal(t.storage.kind, 'raw', dtype);
      assert.deepEqual(numbers(t), values, dtype);
    }
    assert.deepEqual(Array.from(tensorNumbers(back.graph.values.get('const.scalar')!.data!)!), [42]);
  });

  it('keeps external data references (location, offset, length)', () => {
    assert.deepEqual(back.graph.values.get('ext.weight')!.data!.storage, { kind: 'external', location: 'weights.bin', offset: 4096, length: 1024 });
  });

  it('keeps model-local functions, their defaults and reference attributes', () => {
    assert.deepEqual([...back.functions.keys()], ['com.example:ScaledRelu']);
    assert.deepEqual(normaliseFunction(back.functions.get('com.example:ScaledRelu')!), normaliseFunction(original.functions.get('com.example:ScaledRelu')!));
  });

  it('writes one TensorProto on its own', () => {
    const t = tensor('float16', [2, 2], [1, -2, 0.5, 65504]);
    const d = decodeTensorProto(encodeTensorProto('w', t), 'w.pb');
    assert.equal(d.name, 'w');
    assert.deepEqual(contents(d), contents(t));
  });

  const python = pythonWithOnnx();
  it('passes the ONNX checker (Python onnx, full_check)', { skip: python ? false : PYTHON_ONNX_HINT }, () => {
    const dir = tempDir('convlens-writer-');
    try {
      const file = join(dir, 'model.onnx');
      const m = kitchenSink();
      m.graph.initializers.delete('ext.weight'); // the checker opens external files
      m.graph.values.delete('ext.weight');
      writeFileSync(file, encodeOnnx(m));
      writeFileSync(join(dir, 'resnet18.onnx'), encodeOnnx(zoo.resnet18({ weights: 'zeros', batch: 'N' })));
      const script = 'import onnx, sys\nfor f in sys.argv[1:]: onnx.checker.check_model(onnx.load(f), full_check=True)';
      const r = spawnSync(python!, ['-c', script, file, join(dir, 'resnet18.onnx')], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('element encoding', () => {
  it('float16: round to nearest even, subnormals, overflow to infinity (IEEE 754 binary16)', () => {
    const cases: [number, number][] = [
      [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff], [65519.99, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00],
      [1 / 3, 0x3555], [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -25, 0x0002],
      [-0, 0x8000], [Infinity, 0x7c00], [-Infinity, 0xfc00], [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02],
    ];
    for (const [x, bits] of cases) assert.equal(floatToHalfBits(x), bits, `${x}`);
    assert.equal(floatToHalfBits(NaN) & 0x7e00, 0x7e00);
  });

  it('bfloat16: the top 16 bits of float32, rounded to nearest even', () => {
    assert.equal(floatToBfloat16Bits(1), 0x3f80);
    assert.equal(floatToBfloat16Bits(-2), 0xc000);
    assert.equal(floatToBfloat16Bits(1 + 2 ** -8), 0x3f80);
    assert.equal(floatToBfloat16Bits(1 + 3 * 2 ** -8), 0x3f82);
  });

  it('int64 saturates: INT64_MAX read back as the double 2^63 stays INT64_MAX', () => {
    const bytes = encodeElements('int64', [2 ** 63, -Infinity]);
    const view = new DataView(bytes.buffer);
    assert.equal(view.getBigInt64(0, true), 2n ** 63n - 1n);
    assert.equal(view.getBigInt64(8, true), -(2n ** 63n));
  });
});

describe('externalizeInitializers', () => {
  it('moves large weights to a side file at aligned offsets; the loader sees the same bytes there', () => {
    const m = zoo.mobilenetV2({ weights: 'random' });
    const { model, chunks, length } = externalizeInitializers(m, 'm.onnx.data');
    const data = Buffer.concat(chunks);
    assert.equal(data.length, length);
    const back = roundTrip(model);
    let moved = 0;
    for (const name of m.graph.initializers) {
      const before = m.graph.values.get(name)!.data!;
      const after = back.graph.values.get(name)!.data!;
      if (after.storage.kind !== 'external') {
        assert.ok(before.storage.kind === 'values' || elementCount(before.dims) * 4 < 1024, name);
        continue;
      }
      moved++;
      assert.equal(after.storage.offset % 4096, 0);
      assert.equal(before.storage.kind, 'raw');
      if (before.storage.kind === 'raw') {
        assert.deepEqual(data.subarray(after.storage.offset, after.storage.offset + after.storage.length!), Buffer.from(before.storage.bytes), name);
      }
    }
    assert.ok(moved > 50, `${moved} moved`);
    assert.ok(encodeOnnx(model).length < 200_000);
  });
});

describe('GraphBuilder', () => {
  it('names nodes, outputs and weights like torch.onnx.export', () => {
    assert.equal(torchScope('layer1.0.conv1'), '/layer1/layer1.0/conv1');
    assert.equal(torchScope('features.1.conv.0.0'), '/features/features.1/conv/conv.0/conv.0.0');
    const m = zoo.resnet18({ weights: 'zeros', foldBatchNorm: false });
    const names = m.graph.nodes.map((n) => n.name);
    for (const n of ['/conv1/Conv', '/bn1/BatchNormalization', '/layer1/layer1.0/conv1/Conv', '/layer1/layer1.0/relu/Relu',
      '/layer1/layer1.0/relu_1/Relu', '/layer1/layer1.0/Add', '/layer2/layer2.0/downsample/downsample.0/Conv', '/fc/Gemm']) {
      assert.ok(names.includes(n), n);
    }
    assert.ok(m.graph.initializers.has('layer1.0.bn1.running_var'));
    assert.deepEqual(m.graph.nodes[0].outputs, ['/conv1/Conv_output_0']);
  });

  it('is deterministic: the same model twice gives the same bytes', () => {
    const a = encodeOnnx(zoo.mobilenetV2());
    const b = encodeOnnx(zoo.mobilenetV2());
    assert.ok(Buffer.from(a).equals(Buffer.from(b)));
  });

  it('makes He-normal weights: std ≈ √(2 / fan_in)', () => {
    const m = zoo.resnet50();
    const w = m.graph.values.get('layer3.0.conv2.weight')!.data!; // [256, 256, 3, 3]
    const xs = tensorNumbers(w)!;
    let sum = 0;
    let sq = 0;
    for (let i = 0; i < xs.length; i++) { sum += xs[i]; sq += xs[i] * xs[i]; }
    const std = Math.sqrt(sq / xs.length - (sum / xs.length) ** 2);
    assert.ok(Math.abs(std / Math.sqrt(2 / (256 * 9)) - 1) < 0.01, `${std}`);
  });

  it('declares only input and output shapes (no shape inference)', () => {
    const m = zoo.alexnet({ weights: 'zeros', batch: 'N' });
    const declared = [...m.graph.values.values()].filter((v) => !m.graph.initializers.has(v.name)).map((v) => [v.name, v.shape]);
    assert.deepEqual(declared, [['input', ['N', 3, 224, 224]], ['output', ['N', 1000]]]);
  });
});

// torchvision.models documentation, "Table of all available classification weights" (IMAGENET1K_V1 "Params").
const TORCHVISION_PARAMS: [string, (o: zoo.ZooOptions) => Model, number, number][] = [
  // name, builder, published parameters, Σ channels of its BatchNorm layers (counted from torchvision's definitions)
  ['resnet18', zoo.resnet18, 11_689_512, 4_800],
  ['resnet50', zoo.resnet50, 25_557_032, 26_560],
  ['vgg16', zoo.vgg16, 138_357_544, 0],
  ['alexnet', zoo.alexnet, 61_100_840, 0],
  ['mobilenet_v2', zoo.mobilenetV2, 3_504_872, 17_056],
];

/** Elements of float initializers, optionally leaving out BatchNorm running statistics (PyTorch buffers). */
function floatWeights(m: Model, skipRunningStats: boolean): number {
  const stats = new Set(m.graph.nodes.filter((n) => n.opType === 'BatchNormalization').flatMap((n) => n.inputs.slice(3, 5)));
  let total = 0;
  for (const name of m.graph.initializers) {
    const t = m.graph.values.get(name)!.data!;
    if (t.dtype === 'float32' && t.dims.length > 0 && !(skipRunningStats && stats.has(name))) total += elementCount(t.dims);
  }
  return total;
}

describe('zoo parameter counts equal torchvision\'s published figures', () => {
  for (const [name, build, params, bnChannels] of TORCHVISION_PARAMS) {
    it(`${name}: ${params.toLocaleString('en-US')} parameters`, () => {
      // Through the file format, as a user's model would arrive (structure only: dims, no weight bytes).
      const unfolded = roundTrip(build({ weights: 'none', foldBatchNorm: false }));
      assert.equal(floatWeights(unfolded, true), params, 'BatchNorm kept: weights minus running mean/var');
      const bn = unfolded.graph.nodes.filter((n) => n.opType === 'BatchNormalization');
      const channels = bn.reduce((s, n) => s + unfolded.graph.values.get(n.inputs[1])!.data!.dims[0], 0);
      assert.equal(channels, bnChannels);
      // Folding turns each BatchNorm's weight and bias (2C) into a conv bias (C).
      const folded = roundTrip(build({ weights: 'none' }));
      assert.equal(folded.graph.nodes.some((n) => n.opType === 'BatchNormalization'), false);
      assert.equal(floatWeights(folded, false), params - bnChannels, 'BatchNorm folded into conv biases');
    });
  }
});
