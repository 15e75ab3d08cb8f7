/**
 * The state shared while lowering Keras layers to the IR: the graph being
 * built, the name scope stack (exporter-style node names such as
 * `/res1/conv2d_3/Conv`, so the graph view groups a layer's nodes), Keras's
 * automatic layer names, and a sink for problems. Shapes of the values built
 * so far come from the shared shape inference (analysis/infer.ts), run
 * lazily, so layer semantics never re-derive an operator's output shape.
 */
import type { DType, Graph, Model } from '../ir';
import { GrowingGraphInference } from '../analysis/infer';
import type { NodeIssue } from '../analysis/infer-types';
import { toAttribute, type AttrInput } from '../onnx/attr-input';
import { dict } from '../lookup';

export type Severity = 'error' | 'warning' | 'information';

export interface LayerProblem {
  message: string;
  severity: Severity;
  /** The argument the problem is about, if any. */
  arg?: string;
  /** The problem is about the layer type itself (e.g. an unknown class). */
  onType?: boolean;
}

/** ai.onnx opset of lowered models: 20 has Gelu; LayerNormalization needs 17. */
export const KERAS_OPSET = 20;

/** Keras's `to_snake_case` (keras/src/utils/naming.py): `Conv2D` → `conv2d`, `ReLU` → `re_lu`. */
export function kerasSnakeCase(name: string): string {
  return name.replace(/(.)([A-Z][a-z0-9]+)/g, '$1_$2').replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
}

export class LoweringContext {
  readonly graph: Graph;
  /** Enclosing block and layer names, outermost first. */
  readonly scope: string[] = [];
  /** Called with each node's name as it is added (to map nodes back to their source). */
  onNode: (nodeName: string) => void = () => undefined;
  /** Where problems go; the caller decides how to locate them. */
  onProblem: (p: LayerProblem) => void = () => undefined;
  /**
   * Arguments a layer does not take are warnings ("argument 'x' ignored"),
   * not errors: set for files written by Keras, which records every argument
   * its version knows (`lora_rank`, `synchronized`, …), not for hand-written definitions.
   */
  lenientArgs = false;
  /**
   * Values held channels-first that Keras holds channels-last: every value
   * made here (inputs, node outputs) but the intermediates a layer makes in
   * Keras's own order (`inKerasOrder`). Keras-file loaders turn this into the
   * model's `layout`.
   */
  readonly channelsLast = new Set<string>();
  /** Weights' dims as Keras stores them, where they differ from the IR's (conv kernels). */
  readonly kerasWeightDims = new Map<string, number[]>();
  private readonly nodeNames = new Set<string>();
  private readonly counters = new Map<string, number>();
  private readonly model: Model;
  private inference?: GrowingGraphInference;
  /** Initializers added since shape inference last looked. */
  private readonly newInitializers: string[] = [];
  /** Every initializer ever added, in order. */
  private readonly addedInitializers: string[] = [];

  constructor(name: string, format: Model['format'] = 'yaml') {
    this.graph = { name, nodes: [], inputs: [], outputs: [], values: new Map(), initializers: new Set() };
    this.model = {
      format, opset: { '': KERAS_OPSET }, irVersion: 9, producer: 'convlens', graph: this.graph,
      functions: new Map(), warnings: [], metadata: {},
    };
  }

  build(): Model {
    return this.model;
  }

  input(name: string, shape: number[], dtype: DType = 'float32'): string {
    this.graph.values.set(name, { name, dtype, shape: [...shape] });
    this.graph.inputs.push(name);
    this.channelsLast.add(name);
    return name;
  }

  /** Marks a value as held in Keras's channels-last order (a Transpose to NHWC and what works on it). */
  inKerasOrder(value: string): string {
    this.channelsLast.delete(value);
    return value;
  }

  problem(message: string, severity: Severity = 'error', where: { arg?: string; onType?: boolean } = {}): void {
    this.onProblem({ message, severity, ...where });
  }

  /** Keras's automatic name for a layer of `type`: `conv2d`, then `conv2d_1`, … */
  autoLayerName(type: string): string {
    const base = kerasSnakeCase(type);
    const n = this.counters.get(base) ?? 0;
    this.counters.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** A block's automatic name, numbered from 1: `residual_1`, `residual_2`, … */
  autoBlockName(base: string): string {
    const key = `block:${base}`;
    const n = (this.counters.get(key) ?? 0) + 1;
    this.counters.set(key, n);
    return `${base}_${n}`;
  }

  /** Adds a node in the current scope; returns its first output. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}): string {
    const scope = this.scope.map((s) => `/${s}`).join('');
    let name = `${scope}/${opType}`;
    for (let k = 1; this.nodeNames.has(name); k++) name = `${scope}/${opType}_${k}`;
    this.nodeNames.add(name);
    const attributes: Record<string, ReturnType<typeof toAttribute>> = dict();
    for (const [k, v] of Object.entries(attrs)) attributes[k] = toAttribute(v);
    const output = `${name}_output_0`;
    this.graph.nodes.push({ name, opType, domain: '', attributes, inputs: [...inputs], outputs: [output] });
    this.channelsLast.add(output);
    this.onNode(name);
    return output;
  }

  /**
   * A float32 weight of the current layer (`res1/conv2d_3/kernel`), without
   * element data: analyses need only its dims (a parameter count is a count).
   */
  weight(suffix: string, dims: number[], kerasDims?: number[]): string {
    const name = this.initializer(`${this.scope.join('/')}/${suffix}`, 'float32', dims, undefined);
    if (kerasDims) this.kerasWeightDims.set(name, kerasDims);
    return name;
  }

  /** An int64 constant input (shapes, pads, slice bounds): an initializer, which counts as no parameter. */
  ints(suffix: string, values: number[]): string {
    return this.initializer(`${this.scope.join('/')}/${suffix}`, 'int64', [values.length], values);
  }

  /**
   * A float constant that is no weight (Clip bounds, Resize scales, Rescaling
   * factors): a Constant node below rank 2, as exporters write them, so it
   * is not counted as a parameter (Keras counts none).
   */
  floats(values: number[], dims: number[] = [values.length]): string {
    return this.node('Constant', [], { value: { type: 'tensor', value: { dtype: 'float32', dims, storage: { kind: 'values', values } } } });
  }

  /** Known static shape of a value (NCHW), from shape inference over the graph so far (incremental). */
  shapeOf(value: string): number[] | undefined {
    this.inference ??= new GrowingGraphInference(this.model);
    const s = this.inference.values(this.newInitializers.splice(0)).get(value)?.shape;
    return s && s.every((d): d is number => typeof d === 'number') ? s : undefined;
  }

  /** A mark for `initializersSince`: how many initializers were ever added. */
  initializerMark(): number {
    return this.addedInitializers.length;
  }

  /** Initializers added since `mark` that are still in the graph, in order. */
  initializersSince(mark: number): string[] {
    return this.addedInitializers.slice(mark).filter((n) => this.graph.initializers.has(n));
  }

  /** Shape inference's problems over the whole graph built so far (inferred once, incrementally). */
  inferenceIssues(): readonly NodeIssue[] {
    this.inference ??= new GrowingGraphInference(this.model);
    this.inference.values(this.newInitializers.splice(0));
    return this.inference.issues();
  }

  private initializer(base: string, dtype: DType, dims: number[], values: number[] | undefined): string {
    let name = base;
    for (let k = 1; this.graph.values.has(name); k++) name = `${base}_${k}`;
    const storage = values ? { kind: 'values' as const, values } : { kind: 'none' as const };
    this.graph.values.set(name, { name, dtype, shape: [...dims], data: { dtype, dims: [...dims], storage } });
    this.graph.initializers.add(name);
    this.newInitializers.push(name);
    this.addedInitializers.push(name);
    return name;
  }
}
