/**
 * Per-layer compute and parameter counts.
 *
 * MACs (multiply-accumulates) follow the convention of fvcore / ptflops /
 * torchvision's published "GFLOPS" (which are really GMACs):
 *   Conv           = output elements × (C_in / group) × kernel area
 *   ConvTranspose  = input elements × (C_out / group) × kernel area
 *   Gemm / MatMul  = M × N × K (× batch)
 * Bias additions are not MACs. FLOPs count 2 per MAC (integer and quantized
 * layers too) plus the element-wise work of every other layer, by each op's
 * cost class in op-meta.ts (see README "Counting conventions"). A figure
 * whose shapes are unknown is null (unknown), never 0.
 */
import type { FunctionDef, Graph, Node } from '../ir';
import { isFloat } from '../dtype';
import type { TensorInfo } from './ops/types';
import { withCallAttributes } from './infer';
import type { FunctionCallScope } from './infer-types';
import type { Dataflow } from './dataflow';
import { allNumeric } from './ops/dims';
import { addExact, bytesExact, exactCount, mulExact, productExact, type Figure } from '../../shared/exact';
import { einsumMacs } from './ops/misc';
import { opMeta } from '../../shared/op-meta';

/** A layer's figures; null where they cannot be known (see exact.ts). */
export interface LayerCost {
  params: Figure;
  paramBytes: Figure;
  macs: Figure;
  flops: Figure;
}

export interface StoredTensor {
  name: string;
  /** null when the count is too large to be exact. */
  elements: Figure;
  bytes: Figure;
  float: boolean;
}

/**
 * The stored tensors (initializers and weight-like Constant nodes) of a graph.
 * `float` marks the ones that count as parameters: floating-point tensors,
 * and integer tensors used as quantized weights (QDQ and QLinear models).
 */
export function storedTensors(graph: Graph): Map<string, StoredTensor> {
  const out = new Map<string, StoredTensor>();
  const quantized = new Set<string>();
  for (const n of graph.nodes) {
    // By op type alone: onnxruntime's com.microsoft Q/DQ ops take the same inputs as ONNX's.
    const i = opMeta('', n.opType)?.quantizedWeight;
    if (i !== undefined && n.inputs[i]) quantized.add(n.inputs[i]);
  }
  for (const name of graph.initializers) {
    const v = graph.values.get(name);
    const t = v?.data;
    if (!t) continue;
    const elements = productExact(t.dims);
    out.set(name, { name, elements, bytes: bytesExact(t.dtype, elements), float: isFloat(t.dtype) || quantized.has(name) });
  }
  for (const n of graph.nodes) {
    if (n.opType !== 'Constant') continue;
    const a = n.attributes.value;
    // Only tensors shaped like weights (rank ≥ 2) count as parameters; scalars
    // and small vectors in Constant nodes are exporter arithmetic.
    if (a?.type !== 'tensor' || a.value.dims.length < 2) continue;
    const elements = productExact(a.value.dims);
    out.set(n.outputs[0], { name: n.outputs[0], elements, bytes: bytesExact(a.value.dtype, elements), float: isFloat(a.value.dtype) });
  }
  // Identity copies of stored tensors (dataflow.ts isStoredCopy): each its own parameter.
  for (const n of graph.nodes) {
    if (n.opType !== 'Identity' || n.domain !== '' || !n.inputs[0] || !n.outputs[0]) continue;
    const src = out.get(n.inputs[0]);
    if (src) out.set(n.outputs[0], { ...src, name: n.outputs[0] });
  }
  return out;
}

const NO_WEIGHTS: readonly StoredTensor[] = Object.freeze([]);

/** The float stored tensors a node consumes as weights. */
export function nodeWeights(node: Node, flow: Dataflow, stored: Map<string, StoredTensor>): readonly StoredTensor[] {
  if (!node.outputs.some((o) => flow.dynamic.has(o))) return NO_WEIGHTS;
  let out: StoredTensor[] | undefined;
  for (const input of node.inputs) {
    if (!input || flow.dynamic.has(input)) continue;
    const sources = flow.constSources.get(input);
    if (!sources) continue;
    for (const src of sources) {
      const t = stored.get(src);
      if (!t || !t.float) continue;
      if (!out) out = [t];
      else if (!out.includes(t)) out.push(t);
    }
  }
  return out ?? NO_WEIGHTS;
}

type Shapes = (name: string) => number[] | undefined;

/** Elements of a known numeric shape; null when the shape is unknown or the count not exact. */
const elems = (s: number[] | undefined): Figure => (s ? productExact(s) : null);

/** Elements of `s[from:]` (a weight's kernel area), null when not exact. */
function elemsFrom(s: readonly number[], from: number): Figure {
  let p = 1;
  for (let i = from; i < s.length; i++) {
    const d = s[i];
    if (!Number.isSafeInteger(d) || d < 0) return null;
    p *= d;
    if (!Number.isSafeInteger(p)) return null;
  }
  return p;
}

/**
 * MACs of one node, by its operator's cost class (op-meta.ts). Ops without
 * multiply-accumulates have 0 whatever their shapes; for the others a shape
 * that is not known makes the count unknown (null), never 0. An operator
 * ConvLens has no entry for, or whose work it does not count, is unknown.
 */
export function nodeMacs(node: Node, shapeOf: Shapes, meta = opMeta(node.domain, node.opType)): Figure {
  if (!meta) return null;
  const out = shapeOf(node.outputs[0]);
  switch (meta.cost.kind) {
    case 'conv': {
      const w = shapeOf(node.inputs[meta.weight ?? 1]);
      if (!out || !w || w.length < 3) return null;
      return mulExact(elems(out), w[1], elemsFrom(w, 2));
    }
    case 'convTranspose': {
      const x = shapeOf(node.inputs[0]);
      const w = shapeOf(node.inputs[meta.weight ?? 1]);
      if (!x || !w || w.length < 3) return null;
      return mulExact(elems(x), w[1], elemsFrom(w, 2));
    }
    case 'gemm': {
      const a = shapeOf(node.inputs[0]);
      if (!out || !a || a.length !== 2) return null;
      const transA = node.attributes.transA;
      const k = transA?.type === 'int' && transA.value ? a[0] : a[1];
      return mulExact(elems(out), k);
    }
    case 'matmul': {
      const a = shapeOf(node.inputs[0]);
      if (!out || !a || a.length === 0) return null;
      return mulExact(elems(out), a[a.length - 1]);
    }
    case 'einsum': {
      const eq = node.attributes.equation;
      const shapes = node.inputs.map((i) => shapeOf(i));
      if (eq?.type !== 'string' || shapes.some((s) => !s)) return null;
      return exactCount(einsumMacs(eq.value, shapes as number[][]));
    }
    case 'unknown':
      return null;
    default:
      return 0;
  }
}

/** FLOPs of one node given its MACs, by its cost class; null when a shape it needs is unknown. */
export function nodeFlops(node: Node, macs: Figure, shapeOf: Shapes, meta = opMeta(node.domain, node.opType)): Figure {
  if (!meta) return null;
  const outElems = () => elems(shapeOf(node.outputs[0]));
  const cost = meta.cost;
  switch (cost.kind) {
    case 'conv':
    case 'convTranspose':
    case 'gemm': {
      // Integer convolutions count as float ones: 2 ops per MAC (the int32
      // accumulation is still a multiply and an add), + 1 per output for a bias.
      const hasBias = meta.bias !== undefined && Boolean(node.inputs[meta.bias]);
      return addExact(mulExact(2, macs), hasBias ? outElems() : 0);
    }
    case 'matmul':
    case 'einsum':
      return mulExact(2, macs);
    case 'window': {
      const k = node.attributes.kernel_shape;
      return k?.type === 'ints' ? mulExact(outElems(), productExact(k.value)) : null;
    }
    case 'input':
      return mulExact(elems(shapeOf(node.inputs[0])), cost.perInput);
    case 'variadic':
      return mulExact(outElems(), Math.max(1, node.inputs.filter(Boolean).length - 1));
    case 'elementwise':
      return mulExact(outElems(), cost.perOutput);
    case 'lrn': {
      const size = node.attributes.size;
      return size?.type === 'int' ? mulExact(outElems(), exactCount(2 * size.value + 3)) : null;
    }
    case 'none':
      return 0;
    case 'unknown':
      return null;
  }
}

/**
 * Compute inside a model-local function call: the sum over its body's nodes,
 * calls of other functions included (each distinct call once: memoised calls
 * share their record). Unknown when any part is.
 */
function functionCost(fn: FunctionDef, call: FunctionCallScope, functions: ReadonlyMap<string, FunctionDef>, memo: Map<object, { macs: Figure; flops: Figure }>): { macs: Figure; flops: Figure } {
  const cached = memo.get(call.values);
  if (cached) return cached;
  const shapeOf: Shapes = (name) => {
    const s = call.values.get(name)?.shape;
    return allNumeric(s) ? s : undefined;
  };
  let macs: Figure = 0;
  let flops: Figure = 0;
  for (const n of fn.nodes) {
    const def = functions.get(`${n.domain}:${n.opType}`);
    if (def) {
      const inner = call.calls.get(n.name);
      const c = inner ? functionCost(def, inner, functions, memo) : { macs: null, flops: null };
      macs = addExact(macs, c.macs);
      flops = addExact(flops, c.flops);
      continue;
    }
    const node = withCallAttributes(n, call.attributes);
    const m = nodeMacs(node, shapeOf);
    macs = addExact(macs, m);
    flops = addExact(flops, nodeFlops(node, m, shapeOf));
  }
  const cost = { macs, flops };
  memo.set(call.values, cost);
  return cost;
}

export interface LayerCostOptions {
  /** The model-local function the node calls, what is known inside its body, and the model's functions (for the calls it makes). */
  fn?: { def: FunctionDef; call: FunctionCallScope; functions: ReadonlyMap<string, FunctionDef> };
  /** The node's operator has no shape rule: what it computes, and so its cost, is unknown. */
  unknownOperator?: boolean;
}

export function layerCost(
  node: Node,
  flow: Dataflow,
  stored: Map<string, StoredTensor>,
  values: Map<string, TensorInfo>,
  opts: LayerCostOptions = {},
): LayerCost & { weights: readonly StoredTensor[] } {
  const weights = nodeWeights(node, flow, stored);
  const dynamic = node.outputs.some((o) => flow.dynamic.has(o));
  let params: Figure = 0;
  let paramBytes: Figure = 0;
  for (const w of weights) {
    params = w.elements === null || params === null ? null : addExact(params, w.elements);
    paramBytes = w.bytes === null || paramBytes === null ? null : addExact(paramBytes, w.bytes);
  }
  if (!dynamic) return { params, paramBytes, macs: 0, flops: 0, weights };
  if (opts.fn) {
    const c = functionCost(opts.fn.def, opts.fn.call, opts.fn.functions, new Map());
    return { params, paramBytes, macs: c.macs, flops: c.flops, weights };
  }
  if (opts.unknownOperator) return { params, paramBytes, macs: null, flops: null, weights };
  const shapeOf: Shapes = (name) => {
    const s = values.get(name)?.shape;
    return allNumeric(s) ? s : undefined;
  };
  const meta = opMeta(node.domain, node.opType);
  const macs = nodeMacs(node, shapeOf, meta);
  return { params, paramBytes, macs, flops: nodeFlops(node, macs, shapeOf, meta), weights };
}
