/**
 * Checks ConvLens' reading of a published TF.js graph model against TF.js
 * executing it: parameters against the weights manifest, every TF output our
 * IR maps to against the executed tensor's shape (NHWC, TF's own layout), and
 * each convolution's and MatMul's MACs against the count computed from the
 * executed output shape and the filter shape. Used by
 * test/integration/real-tfjs-graph.test.ts and, over a whole model folder, by
 * `node --import tsx test/helpers/real-tfjs-graph.ts DIR...`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import type { Shape } from '../../src/core/ir';
import { lowerTfjsGraphModel } from '../../src/core/loaders/tfjs-graph';
import { profileModel } from '../../src/core/report/profile';

interface ManifestWeight { name: string; shape: number[]; dtype: string }
interface GraphJson {
  modelTopology: { node: { name: string; op: string; input?: string[]; attr?: Record<string, { type?: string; shape?: { dim?: { size?: string }[] }; list?: { s?: string[] } }> }[] };
  weightsManifest: { paths: string[]; weights: ManifestWeight[] }[];
}

export interface ShapeMismatch { output: string; executed: number[]; ours: Shape | undefined }
export interface MacsMismatch { node: string; expected: number; ours: number }

export interface RealCheck {
  /** Sum of the manifest's float32 weight elements, and ours. */
  manifestParams: number;
  params: number;
  warnings: string[];
  /** Executed TF outputs our IR maps to, those with a fully known shape in ours, and those equal. */
  executed: number;
  compared: number;
  agreeing: number;
  mismatches: ShapeMismatch[];
  /** Conv/depthwise/MatMul nodes whose MACs were checked, and the differing ones. */
  macsChecked: number;
  macsMismatches: MacsMismatch[];
  /** Conv/depthwise/MatMul nodes whose MACs we do not know (a shape upstream is unknown). */
  macsUnknown: number;
  /** Why execution was skipped, if it was. */
  notExecuted?: string;
}

/** Which TF nodes are inside a TF1 while-loop frame (TF.js cannot fetch them): those reached from an Enter before its Exit. */
function loopNodes(nodes: GraphJson['modelTopology']['node']): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const n of nodes) for (const ref of n.input ?? []) {
    const src = ref.replace(/^\^/, '').replace(/:\d+$/, '');
    consumers.set(src, [...(consumers.get(src) ?? []), n.name]);
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const inside = new Set<string>();
  const stack = nodes.filter((n) => n.op === 'Enter').map((n) => n.name);
  while (stack.length) {
    const k = stack.pop()!;
    if (inside.has(k)) continue;
    inside.add(k);
    if (byName.get(k)?.op === 'Exit') continue;
    stack.push(...(consumers.get(k) ?? []));
  }
  return inside;
}

/** Nodes in a TF1 cond's branches (after a Switch, before the Merge): an untaken branch's outputs cannot be fetched. */
function condNodes(nodes: GraphJson['modelTopology']['node'], loops: Set<string>): Set<string> {
  const consumers = new Map<string, string[]>();
  for (const n of nodes) for (const ref of n.input ?? []) {
    const src = ref.replace(/^\^/, '').replace(/:\d+$/, '');
    consumers.set(src, [...(consumers.get(src) ?? []), n.name]);
  }
  const op = new Map(nodes.map((n) => [n.name, n.op]));
  const inside = new Set<string>();
  const stack = nodes.filter((n) => n.op === 'Switch' && !loops.has(n.name)).map((n) => n.name);
  while (stack.length) {
    const k = stack.pop()!;
    if (inside.has(k) || op.get(k) === 'Merge') continue;
    inside.add(k);
    stack.push(...(consumers.get(k) ?? []));
  }
  return inside;
}

/** The data inputs' concrete shapes: -1 batch → 1, other unknown dims from `fallbackSize`. */
function inputShapes(nodes: GraphJson['modelTopology']['node'], fallbackSize: number): Map<string, { shape: number[]; dtype: string }> {
  const out = new Map<string, { shape: number[]; dtype: string }>();
  for (const n of nodes.filter((x) => x.op === 'Placeholder')) {
    const dims = (n.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
    const dtype = n.attr?.dtype?.type ?? 'DT_FLOAT';
    out.set(n.name, { shape: dims.map((d, i) => (d >= 0 ? d : i === 0 ? 1 : fallbackSize)), dtype: dtype === 'DT_FLOAT' ? 'float32' : dtype === 'DT_UINT8' ? 'uint8' : 'int32' });
  }
  return out;
}

const MAC_OPS = new Set(['Conv2D', '_FusedConv2D', 'DepthwiseConv2dNative', 'FusedDepthwiseConv2dNative', 'MatMul', '_FusedMatMul']);
const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Fetches `names` in one executeAsync; a name TF.js cannot fetch (an untaken cond branch) is dropped by bisection. */
async function fetchAll(tf: typeof TF, model: TF.GraphModel, feed: Record<string, TF.Tensor>, names: string[]): Promise<Map<string, number[]>> {
  const got = new Map<string, number[]>();
  let runs = 0;
  const go = async (part: string[]): Promise<void> => {
    if (!part.length) return;
    // Bisection reruns the model: at most 96 runs.
    if (++runs > 96) throw new Error('too many outputs TF.js cannot fetch');
    try {
      const outs = await model.executeAsync(feed, part);
      const list = Array.isArray(outs) ? outs : [outs];
      list.forEach((t, k) => t && got.set(part[k], t.shape));
      tf.dispose(list);
    } catch (e) {
      if (runs === 1 && /dtype|shape|feed|must match/i.test((e as Error).message)) throw e;
      if (part.length === 1) return;
      await go(part.slice(0, part.length >> 1));
      await go(part.slice(part.length >> 1));
    }
  };
  // TF.js suggests execute() for models without control flow; executeAsync runs both kinds.
  const warn = console.warn;
  console.warn = () => undefined;
  try {
    await go(names);
  } finally {
    console.warn = warn;
  }
  return got;
}

/** Checks one model.json (weights beside it) against TF.js, which must already be on a backend. */
export async function checkRealGraphModel(tf: typeof TF, file: string, fallbackSize = 256): Promise<RealCheck> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as GraphJson;
  const nodes = json.modelTopology.node;
  const weightData = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(file), p)))));
  const { model, outputs } = lowerTfjsGraphModel(json, file, { weightData });
  const inputs = inputShapes(nodes, fallbackSize);
  // The executed sizes bind the file's own symbols (N, and -1 dims), as --batch does: shapes the loader
  // declares (TensorList stacks) still hold. Inputs of unknown rank are given their executed shape.
  const bindings: Record<string, number> = {};
  const inputShapesIr: Record<string, Shape> = {};
  for (const [name, s] of inputs) {
    const value = outputs.get(name)?.value ?? name;
    const declared = model.graph.values.get(value)?.shape;
    if (!declared) inputShapesIr[value] = s.shape;
    else declared.forEach((d, i) => typeof d === 'string' && (bindings[d] = s.shape[i]));
  }
  const report = profileModel(model, { inputShapes: inputShapesIr, bindings }).report;
  const weights = new Map(json.weightsManifest.flatMap((g) => g.weights).map((w) => [w.name, w]));
  const manifestParams = [...weights.values()].filter((w) => w.dtype === 'float32').reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
  const result: RealCheck = {
    manifestParams, params: report.totals.params ?? NaN, warnings: model.warnings,
    executed: 0, compared: 0, agreeing: 0, mismatches: [], macsChecked: 0, macsMismatches: [], macsUnknown: 0,
  };

  const shapeOf = new Map<string, Shape | undefined>();
  const layerByName = new Map<string, (typeof report.layers)[number]>();
  for (const l of report.layers) {
    layerByName.set(l.name, l);
    for (const o of l.outputs) shapeOf.set(o.name, o.shape ?? undefined);
  }
  const op = new Map(nodes.map((n) => [n.name, n.op]));
  const skip = loopNodes(nodes);
  const wanted = [...outputs.keys()].filter((k) => {
    const node = k.replace(/:\d+$/, '');
    // Only TF nodes (not a collapsed loop's synthetic node) outside loop frames.
    return op.has(node) && !skip.has(node) && !['Const', 'Placeholder'].includes(op.get(node)!) && shapeOf.has(outputs.get(k)!.value);
  });

  const tfModel = await tf.loadGraphModel(tf.io.fromMemory({
    modelTopology: json.modelTopology as unknown as object,
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights) as TF.io.WeightsManifestEntry[],
    weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
  }));
  const feed: Record<string, TF.Tensor> = {};
  // TF.js holds uint8 images as int32.
  for (const [name, s] of inputs) feed[name] = s.dtype === 'float32' ? tf.randomUniform(s.shape, 0, 1) : s.dtype === 'uint8' ? tf.randomUniform(s.shape, 0, 255, 'int32') : tf.zeros(s.shape, 'int32');
  let executed: Map<string, number[]>;
  try {
    const branches = condNodes(nodes, skip);
    const inBranch = (k: string): boolean => branches.has(k.replace(/:\d+$/, ''));
    executed = await fetchAll(tf, tfModel, feed, wanted.filter((k) => !inBranch(k)));
    if (branches.size) for (const [k, v] of await fetchAll(tf, tfModel, feed, wanted.filter(inBranch)).catch(() => new Map<string, number[]>())) executed.set(k, v);
  } catch (e) {
    result.notExecuted = (e as Error).message;
    executed = new Map();
  } finally {
    tf.dispose(Object.values(feed));
  }
  tfModel.dispose();

  for (const [k, shape] of executed) {
    result.executed++;
    const low = outputs.get(k)!;
    const s = shapeOf.get(low.value);
    // The report shows graph models as TF has them (layout NHWC): no transposition here.
    const ours = report.layout === 'NHWC' ? s : undefined;
    if (!ours || !ours.every((d) => typeof d === 'number')) continue;
    result.compared++;
    if (ours.length === shape.length && ours.every((d, i) => d === shape[i])) result.agreeing++;
    else result.mismatches.push({ output: k, executed: shape, ours });
  }

  // MACs from the executed output and the filter: conv H·W·C_out·kh·kw·C_in/groups; depthwise H·W·C·mult·kh·kw; MatMul M·N·K.
  for (const n of nodes) {
    if (!MAC_OPS.has(n.op) || !executed.has(n.name)) continue;
    const f = weights.get((n.input ?? [])[1]?.replace(/:0$/, '') ?? '')?.shape;
    const y = executed.get(n.name)!;
    if (!f) continue;
    const elems = y.reduce((a, b) => a * b, 1);
    let expected: number;
    if (n.op.includes('MatMul')) {
      const transposeB = (n.attr as Record<string, { b?: boolean }> | undefined)?.transpose_b?.b ?? false;
      expected = elems * (transposeB ? f[1] : f[0]);
    } else if (n.op.includes('Depthwise')) expected = elems * f[0] * f[1];
    else expected = elems * f[0] * f[1] * f[2];
    // The node's lowering: the layer named after it (its last step) and its scope's Conv/MatMul steps.
    const re = new RegExp(`^${escape(n.name)}(/(Conv|MatMul)(_\\d+)?)?$`);
    const ours = report.layers.filter((l) => re.test(l.name)).reduce((a, l) => a + (l.macs ?? NaN), 0);
    if (Number.isNaN(ours)) {
      result.macsUnknown++;
      continue;
    }
    result.macsChecked++;
    if (ours !== expected) result.macsMismatches.push({ node: n.name, expected, ours });
  }
  return result;
}

/** `node --import tsx test/helpers/real-tfjs-graph.ts DIR...`: one table row per model.json. */
async function main(dirs: string[]): Promise<void> {
  const { readdirSync } = await import('node:fs');
  const tf = (await import('@tensorflow/tfjs')) as typeof TF;
  await tf.setBackend('cpu');
  console.log('| model | loads | executed | shapes compared | agreeing | params (ours / manifest) | exact | MACs checked / agreeing / unknown |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const dir of dirs) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json') && x !== 'models.json').sort()) {
      const name = f.replace(/\.json$/, '');
      try {
        const r = await checkRealGraphModel(tf, join(dir, f));
        const macsOk = r.macsChecked - r.macsMismatches.length;
        console.log(`| ${name} | yes | ${r.notExecuted ? 'no: ' + r.notExecuted.slice(0, 60) : r.executed} | ${r.compared} | ${r.agreeing} | ${r.params} / ${r.manifestParams} | ${r.params === r.manifestParams ? 'yes' : 'NO'} | ${r.macsChecked} / ${macsOk} / ${r.macsUnknown} |`);
        for (const m of r.mismatches.slice(0, 5)) console.error(`  ${name}: ${m.output}: executed [${m.executed.join(',')}] ours [${String(m.ours)}]`);
        for (const m of r.macsMismatches.slice(0, 5)) console.error(`  ${name}: ${m.node}: MACs expected ${m.expected} ours ${m.ours}`);
      } catch (e) {
        console.log(`| ${name} | NO: ${(e as Error).message.slice(0, 120)} | | | | | | |`);
      }
    }
  }
}

if (process.argv[1]?.endsWith('real-tfjs-graph.ts')) void main(process.argv.slice(2));
