/**
 * Hostile ONNX models made from scratch (as ModelProto plain objects): deep
 * chains, wide fan-outs, model-local functions that expand exponentially or
 * call themselves, figures that overflow a double, and constant-folding
 * bombs (small integer inputs that ask for huge tensors), and If nodes
 * nested deeper than protobufjs will encode (written field by field).
 */
import { onnxTypes, type PGraph, type PModel, type PNode, type PTensor, type PValueInfo } from '../../src/core/onnx/schema';
import { concat } from './mutate-bytes';
import type { Rng } from './rng';

const { GraphProto, ModelProto } = onnxTypes();

const FLOAT = 1;
const INT64 = 7;

function tensorInfo(name: string, dims: (number | string)[], elemType = FLOAT): PValueInfo {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

function int64Init(name: string, values: number[]): PTensor {
  return { name, dataType: INT64, dims: [values.length], int64Data: values };
}

function model(graph: PGraph, extra: Partial<PModel> = {}): PModel {
  return { irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'convlens-fuzz', graph, ...extra };
}

/** x → Relu → Relu → … (n nodes), in file order or reversed (ONNX wants topological order; a hostile file need not). */
function deepChain(n: number, reversed = false): PModel {
  const node: PNode[] = [];
  for (let i = 0; i < n; i++) node.push({ opType: 'Relu', name: `r${i}`, input: [i === 0 ? 'x' : `v${i - 1}`], output: [`v${i}`] });
  if (reversed) node.reverse();
  return model({ name: 'deep', node, input: [tensorInfo('x', [1, 8])], output: [tensorInfo(`v${n - 1}`, [1, 8])] });
}

/** n Relu nodes on the same input, all concatenated. */
function wide(n: number): PModel {
  const node: PNode[] = [];
  for (let i = 0; i < n; i++) node.push({ opType: 'Relu', name: `r${i}`, input: ['x'], output: [`v${i}`] });
  node.push({ opType: 'Concat', name: 'cat', input: node.map((x) => x.output![0]), output: ['y'], attribute: [{ name: 'axis', type: 2, i: 1 }] });
  return model({ name: 'wide', node, input: [tensorInfo('x', [1, 8])], output: [{ name: 'y' }] });
}

/** f0(x) = f1(f1(x)), …, f(d−1)(x) = Relu(x): one node that is 2^(d−1) Relus. */
function exponentialFunctions(depth: number): PModel {
  const functions = Array.from({ length: depth }, (_, i) => ({
    name: `f${i}`, domain: 'local', input: ['x'], output: ['y'], opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
    node: i === depth - 1
      ? [{ opType: 'Relu', input: ['x'], output: ['y'] }]
      : [{ opType: `f${i + 1}`, domain: 'local', input: ['x'], output: ['t'] }, { opType: `f${i + 1}`, domain: 'local', input: ['t'], output: ['y'] }],
  }));
  return model(
    { name: 'expand', node: [{ opType: 'f0', domain: 'local', name: 'call', input: ['x'], output: ['y'] }], input: [tensorInfo('x', [1, 8])], output: [{ name: 'y' }] },
    { irVersion: 8, opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], functions },
  );
}

/** A function that calls itself, or two that call each other. */
function recursiveFunctions(mutual: boolean): PModel {
  const f = (name: string, calls: string) => ({
    name, domain: 'local', input: ['x'], output: ['y'], opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
    node: [{ opType: calls, domain: 'local', input: ['x'], output: ['y'] }],
  });
  return model(
    { name: 'recurse', node: [{ opType: 'f', domain: 'local', name: 'call', input: ['x'], output: ['y'] }], input: [tensorInfo('x', [1, 8])], output: [{ name: 'y' }] },
    { opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], functions: mutual ? [f('f', 'g'), f('g', 'f')] : [f('f', 'f')] },
  );
}

/** Declared dims whose products leave the doubles: element counts of 2^310 and beyond. */
function overflowingFigures(rng: Rng): PModel {
  const d = rng.pick([2 ** 62, 2 ** 53 + 2, 2 ** 40]);
  const rank = rng.pick([4, 6, 8]);
  const dims = Array.from({ length: rank }, () => d);
  const node: PNode[] = [
    { opType: 'Relu', name: 'relu', input: ['x'], output: ['a'] },
    { opType: 'MatMul', name: 'mm', input: ['a', 'a'], output: ['b'] },
    { opType: 'Softmax', name: 'sm', input: ['b'], output: ['y'] },
  ];
  return model({ name: 'overflow', node, input: [tensorInfo('x', dims)], output: [{ name: 'y' }] });
}

/** Integer constants that ask the constant folder for a huge tensor. */
function foldBomb(rng: Rng): { model: PModel; what: string } {
  const big = rng.pick([2 ** 31, 10 ** 9, 2 ** 26, 2 ** 53]);
  const kind = rng.int(5);
  const input = [tensorInfo('x', [1, 8])];
  let node: PNode[];
  let init: PTensor[];
  let what: string;
  if (kind === 0) {
    init = [int64Init('start', [0]), int64Init('limit', [big]), int64Init('delta', [1])];
    init.forEach((t) => (t.dims = []));
    node = [{ opType: 'Range', input: ['start', 'limit', 'delta'], output: ['r'] }, { opType: 'Shape', input: ['r'], output: ['y'] }];
    what = `Range(0, ${big}, 1) of constants`;
  } else if (kind === 1) {
    init = [int64Init('shape', [big])];
    node = [{ opType: 'ConstantOfShape', input: ['shape'], output: ['c'], attribute: [{ name: 'value', type: 4, t: { dataType: INT64, dims: [1], int64Data: [1] } }] }, { opType: 'Shape', input: ['c'], output: ['y'] }];
    what = `ConstantOfShape([${big}]) of int64`;
  } else if (kind === 2) {
    init = [int64Init('v', [1, 2, 3]), int64Init('reps', [big])];
    node = [{ opType: 'Tile', input: ['v', 'reps'], output: ['t'] }, { opType: 'ReduceSum', input: ['t'], output: ['y'] }];
    what = `Tile of an int64 constant ×${big}`;
  } else if (kind === 3) {
    init = [int64Init('v', [7]), int64Init('shape', [big, 2])];
    node = [{ opType: 'Expand', input: ['v', 'shape'], output: ['e'] }, { opType: 'Reshape', input: ['x', 'e'], output: ['y'] }];
    what = `Expand of an int64 constant to [${big}, 2]`;
  } else {
    init = [int64Init('v', [1, 2]), int64Init('pads', [0, big])];
    node = [{ opType: 'Pad', input: ['v', 'pads'], output: ['p'] }, { opType: 'Reshape', input: ['x', 'p'], output: ['y'] }];
    what = `Pad of an int64 constant by ${big}`;
  }
  return { model: model({ name: 'fold', node, initializer: init, input, output: [{ name: 'y' }] }), what };
}

/** A length-delimited protobuf field. */
function field(num: number, payload: Uint8Array): Uint8Array {
  const len: number[] = [];
  let n = payload.length;
  do {
    len.push((n & 0x7f) | (n > 0x7f ? 0x80 : 0));
    n >>>= 7;
  } while (n > 0);
  return concat(Uint8Array.of(num * 8 + 2), Uint8Array.from(len), payload);
}

const text = (s: string) => new TextEncoder().encode(s);

/**
 * y = If(cond) nested `depth` times, the innermost then-branch a Relu of x,
 * every else-branch empty. Encoded by hand from the inside out: protobufjs
 * refuses to encode past its recursion limit, and a hostile file need not
 * come from it.
 */
function deepIf(depth: number): Uint8Array {
  const outputs = GraphProto.encode({ output: [tensorInfo('y', [1, 8])] }).finish();
  let body = concat(field(1, concat(field(1, text('x')), field(2, text('y')), field(4, text('Relu')))), outputs);
  const attr = (name: string, g: Uint8Array) => field(5, concat(field(1, text(name)), Uint8Array.of(0xa0, 0x01, 5) /* type (field 20, varint) = GRAPH */, field(6, g)));
  for (let i = 0; i < depth; i++) {
    const node = concat(field(1, text('cond')), field(2, text('y')), field(3, text(`if_${i}`)), field(4, text('If')), attr('then_branch', body), attr('else_branch', outputs));
    body = concat(field(1, node), outputs);
  }
  const inputs = GraphProto.encode({ input: [tensorInfo('x', [1, 8]), tensorInfo('cond', [], 9)] }).finish();
  const header = ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }] }).finish();
  return concat(header, field(7, concat(field(2, text('deep_if')), body, inputs)));
}

/** A hostile model from scratch (its bytes) and what it is. */
export function generateOnnx(rng: Rng): { bytes: Uint8Array; what: string } {
  if (rng.chance(0.12)) {
    const depth = rng.pick([10, 30, 65, 3000, 50_000]);
    return { bytes: deepIf(depth), what: `If nodes nested ${depth} deep` };
  }
  const g = generateModel(rng);
  return { bytes: ModelProto.encode(g.model).finish(), what: g.what };
}

function generateModel(rng: Rng): { model: PModel; what: string } {
  switch (rng.weighted([[2, 0], [1, 1], [2, 2], [1, 3], [2, 4], [3, 5]] as const)) {
    case 0: {
      const n = rng.pick([100_000, 150_000, 250_000]);
      const reversed = rng.chance(0.3);
      return { model: deepChain(n, reversed), what: `chain of ${n.toLocaleString('en-US')} nodes${reversed ? ' in reverse file order' : ''}` };
    }
    case 1: {
      const n = rng.pick([50_000, 100_000]);
      return { model: wide(n), what: `${n.toLocaleString('en-US')} parallel nodes into one Concat` };
    }
    case 2: {
      const d = rng.pick([20, 30, 60]);
      return { model: exponentialFunctions(d), what: `model-local functions nested ${d} deep (2^${d - 1} nodes expanded)` };
    }
    case 3: {
      const mutual = rng.chance(0.5);
      return { model: recursiveFunctions(mutual), what: mutual ? 'two model-local functions calling each other' : 'a model-local function calling itself' };
    }
    case 4:
      return { model: overflowingFigures(rng), what: 'declared dims whose element count overflows a double' };
    default:
      return foldBomb(rng);
  }
}
