/**
 * What the graph view shows of each layer beyond the JSON report: a one-line
 * title with the key attributes (`Conv 3×3 /2 ×64`), every attribute as text,
 * the weights and folded constants it reads. Plain data: it crosses the
 * webview boundary as JSON. Activation inputs are not repeated here: the
 * page finds them in the report by name (webview/panels/layer-inputs.ts).
 */
import type { Attribute, DType, Model, Node, TensorConst } from '../ir';
import type { Profile } from './profile';
import { outputSizeFormulas } from '../analysis/output-size';
import { shownShape } from '../layout';
import { foldedOrigin } from '../analysis/folding';
import { isFloat } from '../dtype';

export interface AttributeView {
  name: string;
  /** The value as text, e.g. `[3, 3]`, `NOTSET`, `tensor float32 [64]`. */
  value: string;
}

export interface WeightView {
  /** Position among the node's inputs. */
  input: number;
  name: string;
  dtype: DType;
  dims: number[];
  /** Read through folded nodes: the ops (`Identity`, `DequantizeLinear`), first to last. */
  via?: string;
  /** The stored tensor the folded ops start from (`onnx::Conv_633`). */
  from?: string;
}

/** A folded input that is not a weight: a Reshape's target shape, a Pad's pads, a Constant scalar. */
export interface ConstantView {
  input: number;
  name: string;
  dtype: DType | null;
  shape: (number | string)[] | null;
  /** The folded ops that make it, first to last: `Shape → Gather → Unsqueeze → Concat`. */
  via: string;
  /** What the chain starts from: a stored tensor, or the activation whose shape it reads. */
  from?: string;
  /** Its elements, when known and short: `[1, 2048]`. */
  value?: string;
}

export interface LayerView {
  /** Op type with its key attributes, e.g. `Conv 3×3 /2 ×64`, `MaxPool 3×3 /2`. */
  title: string;
  /** '' for the default ONNX domain. */
  domain: string;
  attributes: AttributeView[];
  weights: WeightView[];
  /** Folded inputs that are not weights (analysis/folding.ts). */
  constants?: ConstantView[];
  /** Conv/pool output-size arithmetic per spatial axis: `H, W: out = ⌊(55 + 2·0 − 3)/2⌋ + 1 = 27`. */
  outputSize?: string[];
  doc?: string;
}

const MAX_LIST = 16;

function list(values: readonly (number | string)[]): string {
  const shown = values.slice(0, MAX_LIST).map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v)));
  return `[${shown.join(', ')}${values.length > MAX_LIST ? `, … (${values.length})` : ''}]`;
}

function tensorText(t: TensorConst): string {
  return `tensor ${t.dtype} [${t.dims.join('×') || 'scalar'}]`;
}

export function attributeText(a: Attribute): string {
  switch (a.type) {
    case 'float':
    case 'int':
      return String(a.value);
    case 'string':
      return a.value;
    case 'floats':
    case 'ints':
    case 'strings':
      return list(a.value);
    case 'tensor':
      return tensorText(a.value);
    case 'tensors':
      return `${a.value.length} tensors`;
    case 'graph':
      return `graph ${a.value.name || '(unnamed)'} (${a.value.nodes.length} nodes)`;
    case 'graphs':
      return `${a.value.length} graphs`;
    case 'ref':
      return `→ ${a.value}`;
    case 'unsupported':
      return `(${a.value})`;
  }
}

function ints(node: Node, name: string): number[] | undefined {
  const a = node.attributes[name];
  return a?.type === 'ints' ? a.value : undefined;
}

function int(node: Node, name: string): number | undefined {
  const a = node.attributes[name];
  return a?.type === 'int' ? a.value : undefined;
}

/** A kernel window as `3×3` (2-D), `3` (1-D), `3×3×3` (3-D). */
function window(dims: readonly number[]): string {
  return dims.join('×');
}

function stride(node: Node): string {
  const s = ints(node, 'strides');
  if (!s || s.every((v) => v === 1)) return '';
  return s.every((v) => v === s[0]) ? ` /${s[0]}` : ` /${s.join('×')}`;
}

function dilation(node: Node): string {
  const d = ints(node, 'dilations');
  if (!d || d.every((v) => v === 1)) return '';
  return d.every((v) => v === d[0]) ? ` d${d[0]}` : ` d${d.join('×')}`;
}

/** The node box's title: op type and the attributes a reader of a CNN looks for. */
export function layerTitle(node: Node, weightDims: (input: number) => readonly number[] | undefined): string {
  const op = node.opType;
  switch (op) {
    case 'Conv':
    case 'ConvInteger':
    case 'QLinearConv':
    case 'ConvTranspose':
    case 'FusedConv': {
      const w = weightDims(op === 'QLinearConv' ? 3 : 1);
      const kernel = ints(node, 'kernel_shape') ?? w?.slice(2);
      const group = int(node, 'group') ?? 1;
      // ConvTranspose weights are [C, M/group, k…]; the others [M, C/group, k…].
      // A forbidden group (≤ 0; an error at the node) gives no channel count rather than a negative one.
      const out = w && Number.isSafeInteger(group) && group > 0 ? (op === 'ConvTranspose' ? w[1] * group : w[0]) : undefined;
      // Depthwise: one input channel per group.
      const perGroupIn = w ? (op === 'ConvTranspose' ? w[0] / group : w[1]) : undefined;
      const depthwise = group > 1 ? (perGroupIn === 1 ? ' dw' : ` g${group}`) : '';
      return `${op}${kernel?.length ? ` ${window(kernel)}` : ''}${stride(node)}${dilation(node)}${out !== undefined ? ` ×${out}` : ''}${depthwise}`;
    }
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const k = ints(node, 'kernel_shape');
      return `${op}${k ? ` ${window(k)}` : ''}${stride(node)}`;
    }
    case 'Gemm':
    case 'MatMul': {
      const w = weightDims(1);
      if (!w || w.length < 2) return op;
      const transB = op === 'Gemm' && int(node, 'transB') === 1;
      return `${op} ×${transB ? w[0] : w[w.length - 1]}`;
    }
    case 'Resize':
    case 'Upsample': {
      const mode = node.attributes.mode;
      return mode?.type === 'string' ? `${op} ${mode.value}` : op;
    }
    case 'Concat':
    case 'Softmax':
    case 'LogSoftmax':
    case 'Flatten': {
      const axis = int(node, 'axis');
      return axis !== undefined ? `${op} axis ${axis}` : op;
    }
    default:
      return op;
  }
}

/** A view of every layer of `model`, in the order of `profile.report.layers`. */
export function layerViews(model: Model, profile: Profile): LayerView[] {
  const graph = model.graph;
  const nodeOf = new Map(graph.nodes.map((n) => [n.name, n]));
  const { folding } = profile.details;
  return profile.report.layers.map((layer) => {
    const node = nodeOf.get(layer.name)!;
    const weights: WeightView[] = [];
    const constants: ConstantView[] = [];
    node.inputs.forEach((name, input) => {
      if (!name) return;
      const v = graph.values.get(name);
      // Shown as the model's framework stores it (a Keras kernel [kh, kw, C_in, filters]).
      if (v?.data && graph.initializers.has(name)) {
        weights.push({ input, name, dtype: v.data.dtype, dims: shownShape(model, name, [...v.data.dims]) });
        return;
      }
      if (!folding.producedBy.has(name)) return;
      // Made by folded nodes: a weight when it is a float tensor computed from stored float tensors
      // (PyTorch's Identity of a shared bias, a DequantizeLinear of int8 weights), else a constant.
      const t = profile.details.tensorOf(name);
      const { ops, from } = foldedOrigin(name, folding);
      const via = ops.join(' → ');
      const dims = t.shape?.every((d): d is number => typeof d === 'number') ? t.shape : undefined;
      if (t.dtype && dims && isFloat(t.dtype) && profile.details.weightSources(name).length > 0) {
        weights.push({ input, name, dtype: t.dtype, dims, via, ...(from ? { from } : {}) });
      } else {
        constants.push({ input, name, dtype: t.dtype, shape: t.shape, via, ...(from ? { from } : {}), ...(valueText(name, profile) ?? {}) });
      }
    });
    // The title reads the IR's (ONNX) weight layout.
    const dimsOf = (input: number) => {
      const w = weights.find((x) => x.input === input);
      return w && (graph.values.get(w.name)?.data?.dims ?? (w.from ? graph.values.get(w.from)?.data?.dims : undefined) ?? profile.details.irTensorOf(w.name).shape?.filter((d): d is number => typeof d === 'number'));
    };
    const view: LayerView = {
      title: layerTitle(node, dimsOf),
      domain: node.domain,
      attributes: Object.entries(node.attributes).map(([name, a]) => ({ name, value: attributeText(a) })),
      weights,
      ...(constants.length ? { constants } : {}),
    };
    // The formulas read the node's attributes, so they take its inputs as the IR holds them (NCHW).
    const irShape = (input: number) => (node.inputs[input] ? profile.details.irTensorOf(node.inputs[input]).shape : null);
    const formulas = outputSizeFormulas(node, irShape(0), irShape(node.opType === 'QLinearConv' ? 3 : 1) ?? undefined);
    if (formulas) view.outputSize = formulas.map((f) => `${f.axes}: ${f.text}`);
    if (node.doc) view.doc = node.doc;
    return view;
  });
}

/** A small folded value's elements as text (a Reshape's target `[1, 2048]`), when inference knows them. */
function valueText(name: string, profile: Profile): { value: string } | undefined {
  const v = profile.details.valueOf(name);
  return v && v.length <= MAX_LIST ? { value: list(v) } : undefined;
}
