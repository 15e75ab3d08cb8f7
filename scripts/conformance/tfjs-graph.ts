/**
 * TF.js graph models against TF.js itself: `loadGraphModel` from the files,
 * `executeAsync` on a batch of one fetching every TF node's output, then
 * each reported layer output shape (taken back to TF's NHWC where the
 * loader lowered it to NCHW, batch `N` bound to 1) against the executed
 * shape; params against the weights manifest; Conv/MatMul MACs per TF node
 * against the count from the executed shapes and the filter's shape.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type * as TF from '@tensorflow/tfjs';
import { lowerTfjsGraphModel } from '../../src/core/loaders/tfjs-graph';
import { bound, fmt, type Outcome, producers, product, profiled } from './check';

interface TfNode { name: string; op: string; input?: string[]; attr?: Record<string, { shape?: { dim?: { size?: string | number }[] }; s?: string; b?: boolean; list?: { i?: (string | number)[] } }> }
interface Spec { name: string; shape: number[]; dtype: string; quantization?: { dtype: string; original_dtype?: string } }
interface GraphJson { modelTopology: { node: TfNode[] }; weightsManifest: { paths: string[]; weights: Spec[] }[] }

const NOT_LAYERS = new Set(['Const', 'Placeholder', 'NoOp', 'Identity', 'IdentityN']);
/** Ops whose values live in a TF1 loop frame: not fetchable from outside it. */
const FRAME_OPS = new Set(['Enter', 'Exit', 'Merge', 'Switch', 'NextIteration', 'LoopCond', 'TensorArrayV3', 'TensorArrayReadV3', 'TensorArrayWriteV3', 'TensorArrayGatherV3', 'TensorArrayScatterV3', 'TensorArraySizeV3']);
const FLOAT = new Set(['float32', 'float16']);

/** Layers (named after the TF node whose output they compute, or `<tf node>/<op>` for the steps before) grouped by the TF node they lower. */
function byTfNode(names: string[], tfNames: Set<string>): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const n of names) {
    // The layer that computes a TF node's output carries its name; the rest of its lowering is in its scope.
    if (tfNames.has(n)) {
      m.set(n, [...(m.get(n) ?? []), n]);
      continue;
    }
    for (let cut = n.lastIndexOf('/'); cut > 0; cut = n.lastIndexOf('/', cut - 1)) {
      const scope = n.slice(0, cut);
      if (tfNames.has(scope)) {
        m.set(scope, [...(m.get(scope) ?? []), n]);
        break;
      }
    }
  }
  return m;
}

/** MACs of a TF node from executed shapes (NHWC) and its filter's manifest shape; undefined: not a Conv/MatMul. */
function referenceMacs(n: TfNode, shapeOf: (t: string) => number[] | undefined, specShape: (t: string) => number[] | undefined): number | undefined {
  const out = shapeOf(n.name);
  if (!out) return undefined;
  switch (n.op) {
    case 'Conv2D':
    case '_FusedConv2D': {
      const f = specShape(n.input![1]);
      return f && product(out) * f[0] * f[1] * f[2];
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2dNative': {
      const f = specShape(n.input![1]);
      return f && product(out) * f[0] * f[1];
    }
    case 'Conv2DBackpropInput': {
      const f = specShape(n.input![1]);
      const x = shapeOf(n.input![2]);
      return f && x && product(x) * f[0] * f[1] * f[2];
    }
    case 'MatMul':
    case '_FusedMatMul':
    case 'BatchMatMul':
    case 'BatchMatMulV2': {
      const a = shapeOf(n.input![0]) ?? specShape(n.input![0]);
      if (!a) return undefined;
      const ta = n.attr?.transpose_a?.b || n.attr?.adj_x?.b;
      return product(out) * a[ta ? a.length - 2 : a.length - 1];
    }
    default:
      return undefined;
  }
}

export async function checkTfjsGraph(tf: typeof TF, id: string, file: string): Promise<Outcome> {
  const json = JSON.parse(readFileSync(file, 'utf8')) as GraphJson;
  const nodes = json.modelTopology.node;
  const placeholders = nodes.filter((n) => n.op === 'Placeholder');
  // Inputs with free spatial dims are profiled and run at 256.
  const concrete = new Map(placeholders.map((p) => {
    const dims = (p.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
    return [p.name, dims.map((d, i) => (d >= 0 ? d : i === 0 ? 1 : 256))];
  }));
  const extra = placeholders.flatMap((p) => {
    const dims = (p.attr?.shape?.shape?.dim ?? []).map((d) => Number(d.size ?? -1));
    return dims.slice(1).some((d) => d < 0) ? ['--input', `${p.name}=${dims.map((d, i) => (d >= 0 ? d : i === 0 ? 'N' : 256)).join('x')}`] : [];
  });
  const { o, report } = profiled(id, 'tfjs graph', file, extra);
  if (!report) return o;

  const weightData = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dirname(file), p)))));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const specShape = (t: string) => specs.find((s) => s.name === t.replace(/:0$/, ''))?.shape;
  // Params: every floating-point constant in the manifest (quantized ones by their original type), scalars
  // included: the converter stores every Const there, and README's params count stored tensors of any rank.
  const refParams = specs.filter((s) => FLOAT.has(s.quantization?.original_dtype ?? s.dtype)).reduce((a, s) => a + product(s.shape), 0);
  o.paramsExact = report.totals.params === refParams;
  if (!o.paramsExact) o.disagreements.push(`params: ours ${report.totals.params}, manifest's floating-point weights ${refParams}`);

  // Executed shapes of every computed TF node's outputs.
  const lowering = lowerTfjsGraphModel(json, file, { weightData: new Uint8Array(weightData) });
  const wanted = [...lowering.outputs.keys()].filter((k) => {
    const n = nodes.find((x) => x.name === k.replace(/:\d+$/, ''));
    return n && !NOT_LAYERS.has(n.op) && !FRAME_OPS.has(n.op);
  });
  const executed = new Map<string, number[]>();
  let model: TF.GraphModel | undefined;
  const inputs: TF.Tensor[] = [];
  try {
    const ab = weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength);
    model = await tf.loadGraphModel(tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: specs as TF.io.WeightsManifestEntry[], weightData: ab }));
    const feed: Record<string, TF.Tensor> = {};
    for (const p of placeholders) {
      // TF.js holds every integer type (an SSD detector's uint8 image included) as int32.
      const type = (p.attr?.dtype as { type?: string } | undefined)?.type ?? 'DT_FLOAT';
      const integer = /^DT_U?INT/.test(type);
      const t = integer ? tf.randomUniform(concrete.get(p.name)!, 0, type === 'DT_UINT8' ? 255 : 2, 'int32') : tf.randomUniform(concrete.get(p.name)!, -1, 1);
      feed[p.name] = t;
      inputs.push(t);
    }
    // Fetched in groups; a group that fails is split until the names TF.js refuses are found.
    const fetch = async (names: string[]): Promise<void> => {
      if (names.length === 0) return;
      try {
        const outs = await model!.executeAsync(feed, names);
        const list = Array.isArray(outs) ? outs : [outs];
        names.forEach((n, i) => executed.set(n, list[i].shape));
        tf.dispose(list);
      } catch (e) {
        if (names.length === 1) {
          o.unfetched = (o.unfetched ?? 0) + 1;
          if (o.disagreements.length < 12) o.disagreements.push(`TF.js cannot fetch ${names[0]}: ${(e as Error).message.split('\n')[0].slice(0, 120)}`);
          return;
        }
        await fetch(names.slice(0, names.length >> 1));
        await fetch(names.slice(names.length >> 1));
      }
    };
    for (let i = 0; i < wanted.length; i += 64) await fetch(wanted.slice(i, i + 64));
  } catch (e) {
    o.executionError = (e as Error).message.split('\n')[0].slice(0, 200);
    return o;
  } finally {
    tf.dispose(inputs);
    model?.dispose();
  }

  // Shapes: each TF output's IR value, as reported, in TF's layout.
  const made = producers(report);
  const bindings = { N: 1 };
  // The report shows graph models as TF has them (layout NHWC), so shapes compare as they are.
  if (report.layout !== 'NHWC') o.disagreements.push(`layout ${report.layout}, not TF's NHWC`);
  for (const [tfName, shape] of executed) {
    const low = lowering.outputs.get(tfName)!;
    const p = made.get(low.value);
    if (!p) continue;
    o.shapesCompared++;
    const ours = bound(p.layer.outputs[p.k].shape, bindings);
    if (ours && ours.length === shape.length && ours.every((d, i) => d === shape[i])) o.shapesAgreeing++;
    else o.disagreements.push(`${tfName} (${nodes.find((n) => n.name === tfName.replace(/:\d+$/, ''))?.op}): ours ${fmt(ours ?? p.layer.outputs[p.k].shape)}, TF.js ${fmt(shape)}`);
  }

  // MACs per TF node: the sum over the layers it lowers to.
  const groups = byTfNode(report.layers.map((l) => l.name), new Set(nodes.map((n) => n.name)));
  const macsOf = new Map(report.layers.map((l) => [l.name, l.macs]));
  const shapeOf = (t: string) => executed.get(t.replace(/:0$/, '')) ?? concrete.get(t.replace(/:0$/, ''));
  for (const n of nodes) {
    const ref = referenceMacs(n, shapeOf, specShape);
    if (ref === undefined) continue;
    o.macsCompared++;
    const layers = groups.get(n.name) ?? [];
    const ours = layers.reduce<number | null>((a, l) => (a === null || macsOf.get(l) === null ? null : a + (macsOf.get(l) ?? 0)), 0);
    if (ours === ref) o.macsAgreeing++;
    else o.disagreements.push(`${n.name} (${n.op}) MACs: ours ${layers.length ? ours : 'no layer'}, from executed shapes ${ref}`);
  }
  return o;
}
