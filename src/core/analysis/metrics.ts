/**
 * Per-layer compute and parameter counts.
 *
 * MACs (multiply-accumulates) follow the convention of fvcore / ptflops /
 * torchvision's published "GFLOPS" (which are really GMACs):
 *   Conv           = output elements × (C_in / group) × kernel area
 *   ConvTranspose  = input elements × (C_out / group) × kernel area
 *   Gemm / MatMul  = M × N × K (× batch)
 * Bias additions are not MACs. FLOPs count 2 per MAC plus the element-wise
 * work of every other layer (see README "Counting conventions").
 */
import type { FunctionDef, Graph, Node } from '../ir';
import { dtypeBytes, isFloat } from '../dtype';
import type { TensorInfo } from './ops/types';
import type { Dataflow } from './dataflow';
import { allNumeric, numel } from './ops/dims';
import { einsumMacs } from './ops/misc';
import { nullProto } from '../lookup';

export interface LayerCost {
  params: number;
  paramBytes: number;
  macs: number;
  flops: number;
}

export interface StoredTensor {
  name: string;
  elements: number;
  bytes: number;
  float: boolean;
}

/** Inputs that hold quantized weights (integer tensors that stand for float weights). */
const QUANTIZED_WEIGHT_INPUTS: Record<string, number> = nullProto({
  DequantizeLinear: 0, QLinearConv: 3, ConvInteger: 1, QLinearMatMul: 3, MatMulInteger: 1,
});

/**
 * The stored tensors (initializers and weight-like Constant nodes) of a graph.
 * `float` marks the ones that count as parameters: floating-point tensors,
 * and integer tensors used as quantized weights (QDQ and QLinear models).
 */
export function storedTensors(graph: Graph): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  const quantized = new Set<string>();
  for (const n of graph.nodes) {
    const i = QUANTIZED_WEIGHT_INPUTS[n.opType];
    if (i !== undefined && n.inputs[i]) quantized.add(n.inputs[i]);
  }
  for (const name of graph.initializers) {
    const v = graph.values.get(name);
    const t = v?.data;
    if (!t) continue;
    const elements = numel(t.dims);
    out.set(name, { name, elements, bytes: dtypeBytes(t.dtype, elements), float: isFloat(t.dtype) || quantized.has(name) });
  }
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant') continue;
    const a = n.attributes.value;
    // Only tensors shaped like weights (rank ≥ 2) count as parameters; scalars
    // and small vectors in Constant nodes are exporter arithmetic.
    if (a?.type !== 'tensor' || a.value.dims.length < 2) continue;
    const elements = numel(a.value.dims);
    out.set(n.outputs[0], { name: n.outputs[0], elements, bytes: dtypeBytes(a.value.dtype, elements), float: isFloat(a.value.dtype) });
  }
  return out;
}

/** The float stored tensors a node consumes as weights. */
export function nodeWeights(node: Node, flow: Dataflow, stored: Map<string, StoredTensor>): StoredTensor[] {
  if (!node.outputs.some((o) => flow.dynamic.has(o))) return [];
  const seen = new Set<string>();
  const out: StoredTensor[] = [];
  for (const input of node.inputs) {
    if (!input || flow.dynamic.has(input)) continue;
    for (const src of flow.constSources.get(input) ?? []) {
      const t = stored.get(src);
      if (t && t.float && !seen.has(src)) {
        seen.add(src);
        out.push(t);
      }
    }
  }
  return out;
}

type Shapes = (name: string) => number[] | undefined;

/** FLOPs per output element of element-wise style ops (documented in README). */
const ELEMENTWISE_FLOPS: Record<string, number> = nullProto({
  Add: 1, Sub: 1, Mul: 1, Div: 1, Pow: 1, Max: 1, Min: 1, Relu: 1, LeakyRelu: 2, PRelu: 2, Elu: 3,
  Selu: 4, Celu: 4, Sigmoid: 4, HardSigmoid: 3, HardSwish: 4, Tanh: 5, Clip: 2, Erf: 5, Gelu: 8, Mish: 8,
  Swish: 5, Softplus: 3, Sqrt: 1, Exp: 1, Log: 1, Reciprocal: 1, Neg: 1, Abs: 1,
  Softmax: 5, LogSoftmax: 5, BatchNormalization: 2, InstanceNormalization: 5, LayerNormalization: 5,
  GroupNormalization: 5,
});

export function nodeMacs(node: Node, shapeOf: Shapes): number {
  const out = shapeOf(node.outputs[0]);
  switch (node.opType) {
    case 'Conv':
    case 'FusedConv':
    case 'ConvInteger':
    case 'QLinearConv': {
      const w = shapeOf(node.inputs[node.opType === 'QLinearConv' ? 3 : 1]);
      if (!out || !w || w.length < 3) return 0;
      return numel(out) * w[1] * numel(w.slice(2));
    }
    case 'ConvTranspose': {
      const x = shapeOf(node.inputs[0]);
      const w = shapeOf(node.inputs[1]);
      if (!x || !w || w.length < 3) return 0;
      return numel(x) * w[1] * numel(w.slice(2));
    }
    case 'Gemm': {
      const a = shapeOf(node.inputs[0]);
      if (!out || !a || a.length !== 2) return 0;
      const transA = node.attributes.transA;
      const k = transA?.type === 'int' && transA.value ? a[0] : a[1];
      return numel(out) * k;
    }
    case 'MatMul':
    case 'MatMulInteger':
    case 'QLinearMatMul': {
      const a = shapeOf(node.inputs[0]);
      if (!out || !a || a.length === 0) return 0;
      return numel(out) * a[a.length - 1];
    }
    case 'Einsum': {
      const eq = node.attributes.equation;
      const shapes = node.inputs.map((i) => shapeOf(i));
      if (eq?.type !== 'string' || shapes.some((s) => !s)) return 0;
      return einsumMacs(eq.value, shapes as number[][]);
    }
    default:
      return 0;
  }
}

export function nodeFlops(node: Node, macs: number, shapeOf: Shapes): number {
  const out = shapeOf(node.outputs[0]);
  const outElems = out ? numel(out) : 0;
  const x = shapeOf(node.inputs[0]);
  switch (node.opType) {
    case 'Conv':
    case 'FusedConv':
    case 'ConvTranspose':
    case 'Gemm': {
      const biasIdx = 2;
      const hasBias = Boolean(node.inputs[biasIdx]);
      return 2 * macs + (hasBias ? outElems : 0);
    }
    case 'MatMul':
    case 'Einsum':
      return 2 * macs;
    case 'MaxPool':
    case 'AveragePool':
    case 'LpPool': {
      const k = node.attributes.kernel_shape;
      const area = k?.type === 'ints' ? numel(k.value) : 1;
      return outElems * area;
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
    case 'ReduceMean':
    case 'ReduceSum':
    case 'ReduceMax':
    case 'ReduceMin':
      return x ? numel(x) : 0;
    case 'Sum':
    case 'Mean':
      return outElems * Math.max(1, node.inputs.length - 1);
    default: {
      const f = ELEMENTWISE_FLOPS[node.opType];
      return f ? f * outElems : 0;
    }
  }
}

/** Compute inside a model-local function call: the sum over its body's nodes. */
function functionCost(fn: FunctionDef, scope: Map<string, TensorInfo>): { macs: number; flops: number } {
  const shapeOf: Shapes = (name) => {
    const s = scope.get(name)?.shape;
    return allNumeric(s) ? s : undefined;
  };
  let macs = 0;
  let flops = 0;
  for (const n of fn.nodes) {
    const m = nodeMacs(n, shapeOf);
    macs += m;
    flops += nodeFlops(n, m, shapeOf);
  }
  return { macs, flops };
}

export function layerCost(
  node: Node,
  flow: Dataflow,
  stored: Map<string, StoredTensor>,
  values: Map<string, TensorInfo>,
  fn?: { def: FunctionDef; scope: Map<string, TensorInfo> },
): LayerCost {
  const weights = nodeWeights(node, flow, stored);
  const dynamic = node.outputs.some((o) => flow.dynamic.has(o));
  const shapeOf: Shapes = (name) => {
    const s = values.get(name)?.shape;
    return allNumeric(s) ? s : undefined;
  };
  const inner = dynamic && fn ? functionCost(fn.def, fn.scope) : undefined;
  const macs = !dynamic ? 0 : inner ? inner.macs : nodeMacs(node, shapeOf);
  return {
    params: weights.reduce((a, w) => a + w.elements, 0),
    paramBytes: weights.reduce((a, w) => a + w.bytes, 0),
    macs,
    flops: !dynamic ? 0 : inner ? inner.flops : nodeFlops(node, macs, shapeOf),
  };
}
