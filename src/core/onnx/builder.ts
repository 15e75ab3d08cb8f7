/**
 * A small fluent builder for ONNX-style models in the IR, for tests, the
 * benchmark and examples:
 *
 *   const b = new GraphBuilder('net', { opset: 17 });
 *   b.input('input', 'float32', [1, 3, 224, 224]);
 *   b.conv({ outChannels: 64, kernel: 7, strides: 2, pads: 3, bias: false, name: 'conv1' });
 *   b.batchNorm({ name: 'bn1' }); b.relu({ name: 'relu' });
 *   b.output(undefined, { name: 'output' });
 *   const model = b.build();
 *
 * Every op takes its input first; leave it out to chain from the previous
 * op's output. `name` is the PyTorch module path (`layer1.0.conv1`): nodes are
 * named like torch.onnx.export scopes (`/layer1/layer1.0/conv1/Conv`), their
 * outputs `<node>_output_0`, weights `<path>.weight`.
 *
 * The builder records only what is declared (graph input/output types and
 * shapes); it infers no shapes. To size weights it tracks just the channel
 * count of each value (pass `inChannels`/`inFeatures` where it cannot know).
 * Weights are real float32 bytes from a seeded PRNG (weight-fill.ts), so
 * files have realistic sizes and are identical from run to run.
 */
import type { Attribute, DType, FunctionDef, Graph, Model, Node, Shape, TensorConst, Value } from '../ir';
import { WeightFiller, type Fill } from './weight-fill';
import { f, ints, pads, toAttribute, type AttrInput, type Ints } from './attr-input';
import { dict } from '../lookup';

export type { Fill } from './weight-fill';
export type { AttrInput, Ints } from './attr-input';

export interface GraphBuilderOptions {
  /** ai.onnx opset (default 17). */
  opset?: number;
  /** Opsets of other domains. */
  opsets?: Record<string, number>;
  irVersion?: number;
  /** PRNG seed (default: a hash of the graph name). */
  seed?: number;
  /**
   * 'random' (default): seeded He-normal-ish values. 'zeros': all-zero weights
   * (same file size, much faster to make). 'none': no element data at all, a
   * structure-only model (dims and types only; tiny files). Explicit values
   * are always kept.
   */
  weights?: 'random' | 'zeros' | 'none';
  metadata?: Record<string, string>;
}

/** A PyTorch module path (`layer1.0.conv1`) naming the node and its weights. */
export interface OpOptions { name?: string }

export interface ConvOptions extends OpOptions {
  outChannels: number;
  kernel: Ints;
  strides?: Ints;
  /** One number, one per spatial axis (symmetric), or ONNX begin…end pairs. */
  pads?: Ints;
  dilations?: Ints;
  group?: number;
  /** Default true, as nn.Conv2d. */
  bias?: boolean;
  inChannels?: number;
}

export interface PoolOptions extends OpOptions {
  kernel: Ints;
  strides?: Ints;
  pads?: Ints;
  ceilMode?: boolean;
  dilations?: Ints;
  /** AveragePool only. */
  countIncludePad?: boolean;
}

export interface GemmOptions extends OpOptions {
  outFeatures: number;
  inFeatures?: number;
  /** Default true, as nn.Linear. */
  bias?: boolean;
}

/** `/layer1/layer1.0/conv1` for `layer1.0.conv1`: numeric parts join their parent, as torch scopes do. */
export function torchScope(path: string): string {
  const parts: string[] = [];
  for (const p of path.split('.').filter(Boolean)) {
    if (/^\d+$/.test(p) && parts.length > 0) parts.push(`${parts[parts.length - 1]}.${p}`);
    else parts.push(p);
  }
  return parts.map((p) => `/${p}`).join('');
}

interface Tracked { channels?: number; unitSpatial?: boolean }

export class GraphBuilder {
  private readonly nodes: Node[] = [];
  private readonly values = new Map<string, Value>();
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];
  private readonly initializers = new Set<string>();
  private readonly functions = new Map<string, FunctionDef>();
  private readonly nodeNames = new Set<string>();
  private readonly tracked = new Map<string, Tracked>();
  private readonly filler: WeightFiller;
  private constants = 0;
  private current: string | undefined;

  constructor(readonly name: string, private readonly opts: GraphBuilderOptions = {}) {
    this.filler = new WeightFiller(opts.seed ?? name, opts.weights ?? 'random');
  }

  get opset(): number {
    return this.opts.opset ?? 17;
  }

  /** The output of the most recent op (what an op without an input consumes). */
  get last(): string {
    if (this.current === undefined) throw new Error(`${this.name}: no value yet to chain from`);
    return this.current;
  }

  input(name: string, dtype: DType, shape: Shape): string {
    this.values.set(name, { name, dtype, shape: [...shape] });
    this.inputs.push(name);
    const c = shape[1];
    this.tracked.set(name, { channels: typeof c === 'number' ? c : undefined });
    return (this.current = name);
  }

  /** Declares `value` (default: the last) a graph output, optionally renaming it and declaring its type. */
  output(value?: string, opts: { name?: string; dtype?: DType; shape?: Shape } = {}): string {
    let name = value ?? this.last;
    if (opts.name && opts.name !== name) {
      this.rename(name, opts.name);
      name = opts.name;
    }
    const prev = this.values.get(name);
    this.values.set(name, { ...prev, name, dtype: opts.dtype ?? prev?.dtype, shape: opts.shape ? [...opts.shape] : prev?.shape });
    this.outputs.push(name);
    return name;
  }

  /** Adds an initializer; returns its name. */
  initializer(name: string, dtype: DType, dims: number[], fill: Fill = 'zeros'): string {
    if (this.values.has(name)) throw new Error(`${this.name}: value '${name}' already exists`);
    const data: TensorConst = { dtype, dims: [...dims], storage: this.filler.storage(`${this.name}: initializer '${name}'`, dtype, dims, fill) };
    this.values.set(name, { name, dtype, shape: [...dims], data });
    this.initializers.add(name);
    return name;
  }

  /** A generic node; returns its output names. */
  node(opType: string, inputs: string[], attrs: Record<string, AttrInput> = {}, nOutputs = 1, opts: OpOptions & { domain?: string } = {}): string[] {
    // A module called again gets a numbered scope (`relu_1/Relu`), a functional op a numbered op (`Add_1`), as in torch.
    const scope = opts.name ? torchScope(opts.name) : '';
    let name = `${scope}/${opType}`;
    for (let k = 1; this.nodeNames.has(name); k++) name = scope ? `${scope}_${k}/${opType}` : `/${opType}_${k}`;
    this.nodeNames.add(name);
    const outputs = Array.from({ length: nOutputs }, (_, i) => `${name}_output_${i}`);
    const attributes: Record<string, Attribute> = dict();
    for (const [k, v] of Object.entries(attrs)) attributes[k] = toAttribute(v);
    this.nodes.push({ name, opType, domain: opts.domain ?? '', attributes, inputs: [...inputs], outputs });
    if (outputs.length > 0) this.current = outputs[0];
    return outputs;
  }

  /** Registers a model-local function (call it with `node(f.name, …, { domain: f.domain })`). */
  addFunction(f: FunctionDef): void {
    this.functions.set(`${f.domain}:${f.name}`, f);
  }

  conv(x: string | undefined, o: ConvOptions): string;
  conv(o: ConvOptions): string;
  conv(a: string | undefined | ConvOptions, b?: ConvOptions): string {
    const [x, o] = this.args(a, b);
    const k = ints(o.kernel, 2);
    const rank = k.length;
    const group = o.group ?? 1;
    const cin = this.need(x, o.inChannels, 'inChannels', o.name);
    if (cin % group !== 0) throw new Error(`${this.name}: ${o.name ?? 'conv'}: ${cin} input channels do not divide into ${group} groups`);
    const path = o.name ?? `conv${this.nodes.length}`;
    const w = this.initializer(`${path}.weight`, 'float32', [o.outChannels, cin / group, ...k], 'random');
    const inputs = [x, w];
    if (o.bias ?? true) inputs.push(this.initializer(`${path}.bias`, 'float32', [o.outChannels], { normal: { std: 0.01 } }));
    const [y] = this.node('Conv', inputs, {
      dilations: ints(o.dilations ?? 1, rank), group, kernel_shape: k, pads: pads(o.pads ?? 0, rank), strides: ints(o.strides ?? 1, rank),
    }, 1, o);
    return this.track(y, { channels: o.outChannels });
  }

  /** BatchNormalization with its four per-channel tensors (torch: weight, bias, running_mean, running_var). */
  batchNorm(a?: string | (OpOptions & { epsilon?: number; momentum?: number }), b?: OpOptions & { epsilon?: number; momentum?: number }): string {
    const [x, o] = this.args(a, b ?? {});
    const c = this.need(x, undefined, 'channels', o.name);
    const path = o.name ?? `bn${this.nodes.length}`;
    const t = (suffix: string, fill: Fill) => this.initializer(`${path}.${suffix}`, 'float32', [c], fill);
    const inputs = [x, t('weight', { normal: { mean: 1, std: 0.1 } }), t('bias', { normal: { std: 0.1 } }),
      t('running_mean', { normal: { std: 0.1 } }), t('running_var', { uniform: [0.5, 1.5] })];
    // torch exports momentum as 1 - its own momentum (0.1).
    const [y] = this.node('BatchNormalization', inputs, { epsilon: f(o.epsilon ?? 1e-5), momentum: f(o.momentum ?? 0.9) }, 1, o);
    return this.same(y, x);
  }

  relu(a?: string | OpOptions, b?: OpOptions): string {
    return this.unary('Relu', a, b);
  }

  /** Clip (torch's ReLU6 is Clip 0..6); min/max are inputs from opset 11, attributes before. */
  clip(a: string | undefined | (OpOptions & { min: number; max: number }), b?: OpOptions & { min: number; max: number }): string {
    const [x, o] = this.args(a, b);
    if (this.opset >= 11) {
      const lo = this.initializer(`onnx::Clip_${this.constants++}`, 'float32', [], [o.min]);
      const hi = this.initializer(`onnx::Clip_${this.constants++}`, 'float32', [], [o.max]);
      return this.same(this.node('Clip', [x, lo, hi], {}, 1, o)[0], x);
    }
    return this.same(this.node('Clip', [x], { min: f(o.min), max: f(o.max) }, 1, o)[0], x);
  }

  maxPool(a: string | undefined | PoolOptions, b?: PoolOptions): string {
    const [x, o] = this.args(a, b);
    const k = ints(o.kernel, 2);
    const attrs: Record<string, AttrInput> = {
      ceil_mode: o.ceilMode ? 1 : 0, kernel_shape: k, pads: pads(o.pads ?? 0, k.length), strides: ints(o.strides ?? k, k.length),
    };
    if (o.dilations !== undefined) attrs.dilations = ints(o.dilations, k.length);
    return this.same(this.node('MaxPool', [x], attrs, 1, o)[0], x);
  }

  averagePool(a: string | undefined | PoolOptions, b?: PoolOptions): string {
    const [x, o] = this.args(a, b);
    const k = ints(o.kernel, 2);
    const [y] = this.node('AveragePool', [x], {
      ceil_mode: o.ceilMode ? 1 : 0, count_include_pad: o.countIncludePad ? 1 : 0,
      kernel_shape: k, pads: pads(o.pads ?? 0, k.length), strides: ints(o.strides ?? k, k.length),
    }, 1, o);
    return this.same(y, x);
  }

  globalAveragePool(a?: string | OpOptions, b?: OpOptions): string {
    const [x, o] = this.args(a, b ?? {});
    const [y] = this.node('GlobalAveragePool', [x], {}, 1, o);
    return this.track(y, { channels: this.tracked.get(x)?.channels, unitSpatial: true });
  }

  add(x: string, y: string, o: OpOptions = {}): string {
    return this.same(this.node('Add', [x, y], {}, 1, o)[0], x);
  }

  concat(inputs: string[], axis = 1, o: OpOptions = {}): string {
    const cs = inputs.map((i) => this.tracked.get(i)?.channels);
    const channels = axis === 1 && cs.every((c) => c !== undefined) ? cs.reduce((s, c) => s + c, 0) : undefined;
    return this.track(this.node('Concat', inputs, { axis }, 1, o)[0], { channels });
  }

  flatten(a?: string | (OpOptions & { axis?: number }), b?: OpOptions & { axis?: number }): string {
    const [x, o] = this.args(a, b ?? {});
    const axis = o.axis ?? 1;
    const t = this.tracked.get(x);
    // Only a 1×1 map flattens to its channel count; otherwise the caller states inFeatures.
    const [y] = this.node('Flatten', [x], { axis }, 1, o);
    return this.track(y, { channels: axis === 1 && t?.unitSpatial ? t.channels : undefined });
  }

  /** nn.Linear as torch exports it: Gemm(x, W[out,in], b) with transB = 1. */
  gemm(a: string | undefined | GemmOptions, b?: GemmOptions): string {
    const [x, o] = this.args(a, b);
    const fin = this.need(x, o.inFeatures, 'inFeatures', o.name);
    const path = o.name ?? `fc${this.nodes.length}`;
    const inputs = [x, this.initializer(`${path}.weight`, 'float32', [o.outFeatures, fin], 'random')];
    if (o.bias ?? true) inputs.push(this.initializer(`${path}.bias`, 'float32', [o.outFeatures], { normal: { std: 0.01 } }));
    const [y] = this.node('Gemm', inputs, { alpha: f(1), beta: f(1), transB: 1 }, 1, o);
    return this.track(y, { channels: o.outFeatures });
  }

  /** MatMul of two values, or of `x` with a new weight [inFeatures, outFeatures]. */
  matmul(x: string, y: string | (OpOptions & { outFeatures: number; inFeatures?: number }), o: OpOptions = {}): string {
    if (typeof y === 'string') return this.track(this.node('MatMul', [x, y], {}, 1, o)[0], {});
    const fin = this.need(x, y.inFeatures, 'inFeatures', y.name);
    const w = this.initializer(`${y.name ?? `matmul${this.nodes.length}`}.weight`, 'float32', [fin, y.outFeatures], 'random');
    return this.track(this.node('MatMul', [x, w], {}, 1, y)[0], { channels: y.outFeatures });
  }

  /** Reshape to a constant shape (an int64 initializer from opset 5, the `shape` attribute before). */
  reshape(x: string | undefined, shape: number[], o: OpOptions = {}): string {
    const input = x ?? this.last;
    if (this.opset < 5) return this.track(this.node('Reshape', [input], { shape }, 1, o)[0], {});
    const s = this.initializer(`onnx::Reshape_${this.constants++}`, 'int64', [shape.length], shape);
    return this.track(this.node('Reshape', [input, s], {}, 1, o)[0], {});
  }

  /** Dropout (an inference no-op; torch.onnx.export drops it in eval mode). */
  dropout(a?: string | (OpOptions & { ratio?: number }), b?: OpOptions & { ratio?: number }): string {
    const [x, o] = this.args(a, b ?? {});
    const ratio = o.ratio ?? 0.5;
    if (this.opset >= 12) {
      const r = this.initializer(`onnx::Dropout_${this.constants++}`, 'float32', [], [ratio]);
      return this.same(this.node('Dropout', [x, r], {}, 1, o)[0], x);
    }
    const attrs: Record<string, AttrInput> = { ratio: f(ratio) };
    if (this.opset < 7) attrs.is_test = 1;
    return this.same(this.node('Dropout', [x], attrs, 1, o)[0], x);
  }

  lrn(a: string | undefined | (OpOptions & { size: number; alpha?: number; beta?: number; bias?: number }), b?: OpOptions & { size: number; alpha?: number; beta?: number; bias?: number }): string {
    const [x, o] = this.args(a, b);
    const attrs = { alpha: f(o.alpha ?? 1e-4), beta: f(o.beta ?? 0.75), bias: f(o.bias ?? 1), size: o.size };
    return this.same(this.node('LRN', [x], attrs, 1, o)[0], x);
  }

  softmax(a?: string | (OpOptions & { axis?: number }), b?: OpOptions & { axis?: number }): string {
    const [x, o] = this.args(a, b ?? {});
    // ONNX default axis: 1 before opset 13, -1 from 13.
    const axis = o.axis ?? (this.opset >= 13 ? -1 : 1);
    return this.same(this.node('Softmax', [x], { axis }, 1, o)[0], x);
  }

  buildGraph(): Graph {
    return {
      name: this.name,
      nodes: [...this.nodes],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      values: new Map(this.values),
      initializers: new Set(this.initializers),
    };
  }

  build(): Model {
    return {
      format: 'onnx',
      opset: { '': this.opset, ...this.opts.opsets },
      irVersion: this.opts.irVersion,
      producer: 'convlens',
      graph: this.buildGraph(),
      functions: new Map(this.functions),
      warnings: [],
      metadata: { ...this.opts.metadata },
    };
  }

  // -------------------------------------------------------------------------

  private args<O extends object>(a: string | undefined | O, b: O | undefined): [string, O] {
    if (typeof a === 'object') return [this.last, a];
    if (!b) throw new Error(`${this.name}: options are required`);
    return [a ?? this.last, b];
  }

  private unary(op: string, a?: string | OpOptions, b?: OpOptions): string {
    const [x, o] = this.args(a, b ?? {});
    return this.same(this.node(op, [x], {}, 1, o)[0], x);
  }

  private track(name: string, t: Tracked): string {
    this.tracked.set(name, t);
    return name;
  }

  private same(y: string, x: string): string {
    return this.track(y, { ...this.tracked.get(x) });
  }

  private need(x: string, given: number | undefined, what: string, path: string | undefined): number {
    const c = given ?? this.tracked.get(x)?.channels;
    if (c === undefined) throw new Error(`${this.name}: ${path ?? 'op'}: cannot tell the channels of '${x}'; pass ${what}`);
    return c;
  }

  private rename(from: string, to: string): void {
    if (this.values.has(to)) throw new Error(`${this.name}: value '${to}' already exists`);
    for (const n of this.nodes) {
      n.inputs = n.inputs.map((i) => (i === from ? to : i));
      n.outputs = n.outputs.map((o) => (o === from ? to : o));
    }
    const v = this.values.get(from);
    if (v) {
      this.values.delete(from);
      this.values.set(to, { ...v, name: to });
    }
    const t = this.tracked.get(from);
    if (t) this.tracked.set(to, t);
    if (this.current === from) this.current = to;
  }
}
