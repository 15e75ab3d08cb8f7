/**
 * Design hints for `*.cnn.yaml` definitions: information-level notes where
 * the CNN literature has a cheaper or equivalent way to build a layer, each
 * at the layer's key with the figures for that layer. Few and precise: a
 * hint fires only where its claim holds for the layer's own shapes.
 *
 *   (a) k×k convolution (k ≥ 5, stride 1, after the first conv layer) →
 *       (k−1)/2 stacked 3×3 convolutions, when they need fewer weights
 *       (Simonyan & Zisserman 2015, §2.3);
 *   (b) pooling, or a strided convolution, on a 1×1 map: does nothing;
 *   (c) a `padding: same` kernel larger than its input: most taps see padding;
 *   (d) Dense on a large flattened map → GlobalAveragePooling2D
 *       (Lin et al. 2014, Network in Network, §3.2);
 *   (e) a biased convolution right before BatchNormalization: BN's beta
 *       cancels the bias (Ioffe & Szegedy 2015, §3.2).
 */
import type { Node } from '../ir';
import { formatCount } from '../errors';
import { flattenLayers, type BlockItem, type LayerSpec, type ModelDefinition } from '../loaders/cnn-yaml';
import type { DefinitionModel, ModelProblem } from '../loaders/cnn-yaml-model';
import type { ProfileReport } from './profile';

/** Dense inputs from which (d) fires: VGG's 7×7×512 (Simonyan & Zisserman 2015), whose fc6 alone holds 102.8 M parameters. */
export const LARGE_FLATTEN = 7 * 7 * 512;

const CONV_TYPES = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Conv1DTranspose', 'Conv2DTranspose', 'DepthwiseConv2D', 'SeparableConv2D']);
const SPATIAL_CONV_2D = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D']);
const NUMBER_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six'];

/** One lowering of a layer (a layer inside a Repeat has one per copy): its nodes, input and output shapes (NCHW). */
interface Use {
  /** `conv2d_3`, or the name given in the definition. */
  name: string;
  nodes: Node[];
  input?: number[];
  output?: number[];
}

const numeric = (s: (number | string)[] | null | undefined): number[] | undefined =>
  s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const ints = (n: Node, attr: string): number[] | undefined => {
  const a = n.attributes[attr];
  return a?.type === 'ints' ? a.value : undefined;
};
const fmt = formatCount;
const dims = (xs: readonly number[]) => xs.join('×');

/** The uses of every definition layer, by the layer's range. */
function usesByLayer(lowered: DefinitionModel, report: ProfileReport): Map<string, Use[]> {
  const nodeOf = new Map(lowered.model.graph.nodes.map((n) => [n.name, n]));
  const shapeOf = new Map<string, number[] | undefined>();
  for (const t of report.inputs) shapeOf.set(t.name, numeric(t.shape));
  for (const l of report.layers) for (const o of l.outputs) shapeOf.set(o.name, numeric(o.shape));
  const out = new Map<string, Use[]>();
  const byScope = new Map<string, Use>();
  for (const l of report.layers) {
    const range = lowered.layerOf.get(l.name);
    const node = nodeOf.get(l.name);
    if (!range || !node || l.op === 'Constant') continue;
    const scope = l.name.slice(0, l.name.lastIndexOf('/'));
    let use = byScope.get(scope);
    if (!use) {
      use = { name: scope.slice(scope.lastIndexOf('/') + 1), nodes: [], input: shapeOf.get(l.inputs[0] ?? '') };
      byScope.set(scope, use);
      const key = `${range.start}:${range.end}`;
      const uses = out.get(key);
      if (uses) uses.push(use);
      else out.set(key, [use]);
    }
    use.nodes.push(node);
    use.output = shapeOf.get(l.outputs[0]?.name ?? '');
  }
  return out;
}

/** Consecutive layers in one list of the definition (a block's layers, a branch, a shortcut). */
function pairs(items: readonly BlockItem[]): [LayerSpec, LayerSpec][] {
  const out: [LayerSpec, LayerSpec][] = [];
  const walk = (list: readonly BlockItem[]) => {
    list.forEach((it, i) => {
      const next = list[i + 1];
      if (it.kind === 'layer' && next?.kind === 'layer') out.push([it, next]);
      if (it.kind === 'Residual') {
        walk(it.layers);
        if (it.shortcut) walk(it.shortcut);
      } else if (it.kind === 'Branches') it.branches.forEach(walk);
      else if (it.kind === 'Repeat') walk(it.layers);
    });
  };
  walk(items);
  return out;
}

/**
 * (a) k×k → (k−1)/2 stacked 3×3, the first ones keeping the input's width and
 * the last one giving the output's (the paper's C → C → C when they agree),
 * if that needs fewer weights.
 */
function stackedThrees(conv: Node, w: number[]): string | undefined {
  const k = ints(conv, 'kernel_shape');
  const group = conv.attributes.group?.type === 'int' ? conv.attributes.group.value : 1;
  if (!k || k.length !== 2 || k[0] !== k[1] || k[0] < 5 || k[0] % 2 === 0 || group !== 1) return undefined;
  if (ints(conv, 'strides')?.some((s) => s !== 1) || ints(conv, 'dilations')?.some((d) => d !== 1)) return undefined;
  const [cout, cin] = w;
  const n = (k[0] - 1) / 2;
  const m = cin;
  const single = k[0] * k[0] * cin * cout;
  const stacked = 9 * (cin * m + (n - 2) * m * m + m * cout);
  if (stacked >= single) return undefined;
  const widths = [cin, ...Array<number>(n - 1).fill(m), cout].join('→');
  return `${NUMBER_WORDS[n] ?? n} stacked 3×3 convolutions cover the same ${k[0]}×${k[0]} receptive field with fewer parameters (Simonyan & Zisserman 2015): ${fmt(stacked)} weights (${widths}) instead of ${fmt(single)}`;
}

export function definitionHints(def: ModelDefinition, lowered: DefinitionModel, report: ProfileReport): ModelProblem[] {
  const uses = usesByLayer(lowered, report);
  const values = lowered.model.graph.values;
  const usesOf = (spec: LayerSpec) => uses.get(`${spec.range.start}:${spec.range.end}`) ?? [];
  const label = (spec: LayerSpec, use: Use) => `${spec.type} '${spec.name ?? use.name}'`;
  const out: ModelProblem[] = [];
  const hinted = new Set<string>();
  /** One hint of a kind per layer, however many copies a Repeat makes. */
  const hint = (spec: LayerSpec, kind: string, message: string) => {
    const key = `${kind}:${spec.keyRange.start}`;
    if (hinted.has(key)) return;
    hinted.add(key);
    out.push({ message, severity: 'information', range: spec.keyRange });
  };

  const layers = flattenLayers(def.layers);
  const firstConv = layers.find((l) => CONV_TYPES.has(l.type));
  for (const spec of layers) {
    for (const use of usesOf(spec)) {
      const x = use.input;
      const node = use.nodes[0];
      if (!x || !node || x.length < 3) continue;
      const spatial = x.slice(2);
      const ones = spatial.every((d) => d === 1);
      // (b) Pooling or striding over a 1×1 map.
      if ((node.opType === 'MaxPool' || node.opType === 'AveragePool') && ones && use.output && product(use.output.slice(2)) === 1) {
        hint(spec, 'b', `${label(spec, use)}: pooling a 1×1 map does nothing (its output is its ${dims([...spatial, x[1]])} input); remove it`);
      }
      if (node.opType !== 'Conv' && node.opType !== 'ConvTranspose') continue;
      const strides = ints(node, 'strides') ?? [];
      if (node.opType === 'Conv' && ones && strides.some((s) => s > 1)) {
        hint(spec, 'b', `${label(spec, use)}: strides ${strides.length > 1 && new Set(strides).size > 1 ? `[${strides.join(', ')}]` : strides[0]} on a 1×1 map do nothing (the output is 1×1 either way)`);
      }
      const kernel = ints(node, 'kernel_shape');
      const samePad = node.attributes.auto_pad?.type === 'string' && node.attributes.auto_pad.value === 'SAME_UPPER';
      // (c) A `same` kernel larger than its input: most of it multiplies padding zeros.
      if (SPATIAL_CONV_2D.has(spec.type) && kernel?.length === 2 && samePad && !ints(node, 'dilations')?.some((d) => d !== 1)
        && (kernel[0] > x[2] || kernel[1] > x[3])) {
        const seen = [Math.min(kernel[0], x[2]), Math.min(kernel[1], x[3])];
        hint(spec, 'c', `${label(spec, use)}: its ${dims(kernel)} kernel is larger than its ${dims(spatial)} input (padding same): at most ${dims(seen)} of its ${product(kernel)} taps ever see the input, the others multiply padding zeros; a ${dims(seen)} kernel computes the same from what it sees`);
      }
      // (a) Large kernels past the first layer.
      const w = numeric(values.get(node.inputs[1] ?? '')?.shape);
      if (spec.type === 'Conv2D' && spec !== firstConv && w?.length === 4) {
        const m = stackedThrees(node, w);
        if (m) hint(spec, 'a', `${label(spec, use)}: ${m}`);
      }
    }
  }

  for (const [a, b] of pairs(def.layers)) {
    // (d) Flatten → Dense on a large spatial map.
    if (a.type === 'Flatten' && b.type === 'Dense') {
      for (const [fa, dense] of usesOf(a).map((u, i) => [u, usesOf(b)[i]] as const)) {
        const x = fa.input;
        const gemm = dense?.nodes.find((n) => n.opType === 'Gemm');
        const w = gemm && numeric(values.get(gemm.inputs[1] ?? '')?.shape);
        if (!x || x.length !== 4 || !w || product(x.slice(1)) < LARGE_FLATTEN || product(x.slice(2)) === 1) continue;
        const [c, area, units] = [x[1], product(x.slice(2)), w[1]];
        hint(b, 'd', `${label(b, dense)}: on a flattened ${dims([...x.slice(2), c])} map (${fmt(c * area)} inputs); GlobalAveragePooling2D instead of Flatten cuts ${fmt(units * c * (area - 1))} parameters (Lin et al. 2014, Network in Network)`);
      }
    }
    // (e) A biased, linear convolution straight into BatchNormalization.
    const linear = a.args.activation === undefined || a.args.activation === null || a.args.activation === 'linear';
    if (CONV_TYPES.has(a.type) && linear && b.type === 'BatchNormalization' && b.args.center !== false) {
      const bnOk = usesOf(b).some((u) => u.nodes.some((n) => n.opType === 'BatchNormalization'));
      for (const use of usesOf(a)) {
        const biases = use.nodes.flatMap((n) => n.inputs.filter((i) => i.endsWith('/bias')));
        const count = biases.reduce((s, name) => s + product(values.get(name)?.shape?.filter((d): d is number => typeof d === 'number') ?? []), 0);
        if (bnOk && count > 0) {
          hint(a, 'e', `${label(a, use)}: its bias is redundant before BatchNormalization, whose beta cancels it (Ioffe & Szegedy 2015); use_bias: false saves ${fmt(count)} parameters`);
        }
      }
    }
  }
  return out.sort((p, q) => p.range.start - q.range.start);
}
