/**
 * Structural mutations of a decoded ONNX ModelProto (the plain objects of
 * src/core/onnx/schema.ts): hostile dims, attributes and names, unknown
 * operators, cycles, duplicate and missing values, bad opsets. Each mutates the model in place and says what it did.
 */
import type { PAttribute, PGraph, PModel, PNode, PValueInfo } from '../../src/core/onnx/schema';
import { HOSTILE_INTS, hostileInt, hostileName } from './hostile';
import type { Rng } from './rng';

/** ONNX AttributeProto.AttributeType numbers. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

const enc = (s: string) => new TextEncoder().encode(s);

function valueInfos(g: PGraph): PValueInfo[] {
  return [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])];
}

/** A hostile int64 dim, including values no JavaScript number holds exactly. */
function hostileDim(rng: Rng): number {
  return rng.pick([...HOSTILE_INTS, 1e308, -(2 ** 63), 2 ** 63]);
}

function mutateDims(rng: Rng, g: PGraph): string | undefined {
  const vis = valueInfos(g).filter((v) => v.type?.tensorType?.shape?.dim?.length);
  if (vis.length === 0) return undefined;
  const v = rng.pick(vis);
  const dims = v.type!.tensorType!.shape!.dim!;
  switch (rng.int(4)) {
    case 0: {
      const d = hostileDim(rng);
      dims[rng.int(dims.length)] = { dimValue: d };
      return `dim of a declared shape set to ${d}`;
    }
    case 1:
      dims[rng.int(dims.length)] = { dimParam: hostileName(rng) };
      return 'dim_param set to a hostile name';
    case 2: {
      const rank = rng.pick([0, 9, 64, 10_000]);
      v.type!.tensorType!.shape!.dim = Array.from({ length: rank }, () => ({ dimValue: rng.pick([1, 2, 3]) }));
      return `declared rank set to ${rank}`;
    }
    default:
      v.type!.tensorType!.elemType = rng.pick([0, 17, 99, 2 ** 31 - 1, -1]);
      return 'element type set to an unknown code';
  }
}

function mutateInitializer(rng: Rng, g: PGraph): string | undefined {
  const inits = g.initializer ?? [];
  if (inits.length === 0) return undefined;
  const t = rng.pick(inits);
  switch (rng.int(4)) {
    case 0: {
      const d = hostileDim(rng);
      t.dims = [...(t.dims ?? [1])];
      t.dims[rng.int(t.dims.length || 1)] = d;
      return `initializer dim set to ${d}`;
    }
    case 1:
      t.dims = [2 ** 31, 2 ** 31, 2 ** 31];
      return 'initializer dims 2^31 × 2^31 × 2^31 (data far too short)';
    case 2:
      t.dataType = rng.pick([0, 8, 99, -5]);
      return 'initializer data type set to an unknown or string code';
    default:
      if (t.rawData && t.rawData.length > 1) t.rawData = t.rawData.subarray(0, rng.int(t.rawData.length));
      else t.floatData = [];
      return 'initializer data shorter than its dims';
  }
}

const GEOMETRY = ['kernel_shape', 'strides', 'dilations', 'pads', 'output_padding', 'output_shape', 'perm', 'axes', 'split', 'shape'];

function mutateAttribute(rng: Rng, g: PGraph): string | undefined {
  const nodes = g.node ?? [];
  if (nodes.length === 0) return undefined;
  const n = rng.pick(nodes);
  n.attribute ??= [];
  const existing = n.attribute.filter((a) => a.name);
  const pickName = existing.length > 0 && rng.chance(0.6)
    ? rng.pick(existing).name!
    : rng.pick([...GEOMETRY, 'group', 'axis', 'auto_pad', 'ceil_mode', 'epsilon', 'alpha', 'to', 'mode', '__proto__', 'constructor', 'toString']);
  n.attribute = n.attribute.filter((a) => a.name !== pickName);
  const a: PAttribute = { name: pickName };
  const r = rng.int(6);
  if (r <= 1) {
    const v = hostileInt(rng);
    const len = rng.pick([0, 1, 2, 4, 7, 1000]);
    Object.assign(a, { type: ATTR.INTS, ints: Array.from({ length: len }, () => (rng.chance(0.7) ? v : rng.range(1, 3))) });
    n.attribute.push(a);
    return `${n.opType} attribute ${pickName} = ints[${len}] with ${v}`;
  }
  if (r === 2) {
    const v = hostileInt(rng);
    Object.assign(a, { type: ATTR.INT, i: v });
    n.attribute.push(a);
    return `${n.opType} attribute ${pickName} = ${v}`;
  }
  if (r === 3) {
    const v = rng.pick([1e308, -1e308, Number.NaN, Number.POSITIVE_INFINITY, 0]);
    Object.assign(a, { type: ATTR.FLOAT, f: v });
    n.attribute.push(a);
    return `${n.opType} attribute ${pickName} = float ${v}`;
  }
  if (r === 4) {
    Object.assign(a, { type: rng.pick([ATTR.STRING, ATTR.STRINGS, ATTR.TENSOR, ATTR.GRAPH, 0, 99]), s: enc(hostileName(rng)) });
    n.attribute.push(a);
    return `${n.opType} attribute ${pickName} of the wrong type`;
  }
  // The declared type says one thing, the payload another.
  Object.assign(a, { type: ATTR.INTS, f: 3.5, s: enc('x') });
  n.attribute.push(a);
  return `${n.opType} attribute ${pickName} declared INTS with no ints`;
}

/** Renames a value everywhere it appears, so the graph stays connected. */
function renameValue(g: PGraph, from: string, to: string): void {
  for (const n of g.node ?? []) {
    n.input = (n.input ?? []).map((x) => (x === from ? to : x));
    n.output = (n.output ?? []).map((x) => (x === from ? to : x));
  }
  for (const v of valueInfos(g)) if (v.name === from) v.name = to;
  for (const t of g.initializer ?? []) if (t.name === from) t.name = to;
}

function mutateNames(rng: Rng, g: PGraph): string | undefined {
  const nodes = g.node ?? [];
  if (nodes.length === 0) return undefined;
  const name = hostileName(rng);
  const label = name.length > 100 ? `${name.length}-character name` : JSON.stringify(name);
  switch (rng.int(4)) {
    case 0: {
      const values = [...new Set(nodes.flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]).filter(Boolean))];
      renameValue(g, rng.pick(values), name);
      return `value renamed ${label}`;
    }
    case 1:
      for (const n of nodes) if (rng.chance(0.5)) n.name = name;
      return `node names set to ${label}`;
    case 2:
      rng.pick(nodes).opType = name;
      return `op type set to ${label}`;
    default:
      rng.pick(nodes).domain = name;
      return `node domain set to ${label}`;
  }
}

function unknownOp(rng: Rng, g: PGraph): string | undefined {
  const nodes = g.node ?? [];
  if (nodes.length === 0) return undefined;
  const at = rng.int(nodes.length);
  const x = nodes[at].input?.[0] ?? g.input?.[0]?.name ?? 'x';
  const k = rng.pick([2, 3, 16]);
  const outs = Array.from({ length: k }, (_, i) => `mystery_out_${i}`);
  const op: PNode = { name: 'mystery', opType: rng.pick(['Mystery', 'constructor', '__proto__']), domain: rng.pick(['com.fuzz', '']), input: [x], output: outs };
  nodes.splice(at, 0, op);
  if (nodes[at + 1].input?.length) nodes[at + 1].input![0] = outs[1];
  return `unknown op ${op.opType} with ${k} outputs inserted`;
}

function rewire(rng: Rng, g: PGraph): string | undefined {
  const nodes = (g.node ?? []).filter((n) => n.output?.length);
  if (nodes.length === 0) return undefined;
  const i = rng.int(nodes.length);
  const j = rng.range(i, nodes.length - 1);
  const [a, b] = [nodes[i], nodes[j]];
  switch (rng.int(4)) {
    case 0:
      a.input = [b.output![0], ...(a.input ?? []).slice(1)];
      return i === j ? 'self loop: a node consumes its own output' : 'cycle: a node consumes a later node\'s output';
    case 1:
      b.output = [a.output![0], ...b.output!.slice(1)];
      return 'duplicate output: two nodes produce one value';
    case 2:
      a.input = [...(a.input ?? []), 'no_such_value'];
      return 'node input names a value nothing produces';
    default:
      g.output = [...(g.output ?? []), { name: 'no_such_output' }, ...(g.output ?? [])];
      return 'graph outputs missing and duplicated';
  }
}

function mutateHeader(rng: Rng, m: PModel): string {
  switch (rng.int(3)) {
    case 0: {
      const v = rng.pick([0, -1, 2 ** 31, 1e308, 6, 99]);
      m.opsetImport = [{ domain: '', version: v }, ...(rng.chance(0.5) ? [{ domain: '', version: 7 }] : [])];
      return `ai.onnx opset set to ${v}`;
    }
    case 1:
      m.irVersion = rng.pick([0, -1, 2 ** 40]);
      return `ir_version set to ${m.irVersion}`;
    default:
      m.metadataProps = [{ key: hostileName(rng), value: hostileName(rng) }, { key: '__proto__', value: 'x' }];
      return 'hostile metadata keys';
  }
}

/** One structural mutation of a decoded model; undefined when the model has nothing it applies to. */
export function mutateStructure(rng: Rng, m: PModel): string | undefined {
  const g = m.graph;
  if (!g) return undefined;
  const pick = rng.weighted([
    [4, () => mutateDims(rng, g)],
    [3, () => mutateInitializer(rng, g)],
    [6, () => mutateAttribute(rng, g)],
    [4, () => mutateNames(rng, g)],
    [2, () => unknownOp(rng, g)],
    [3, () => rewire(rng, g)],
    [2, () => mutateHeader(rng, m)],
  ] as const);
  return pick();
}
