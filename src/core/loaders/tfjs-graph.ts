/**
 * TF.js graph models (`model.json` with `format: 'graph-model'`, written by
 * tensorflowjs_converter): a TensorFlow GraphDef in JSON (`modelTopology.node`)
 * plus a weights manifest. The converter moves every Const's value into the
 * weights files and keeps only its dtype/shape (tfjs-converter
 * python/tensorflowjs/converters/tf_saved_model_conversion_v2.py,
 * extract_weights), so weights get their shape from the manifest. Integer
 * constants that shape the graph (axes, target shapes) are also there: pass
 * the concatenated weight bytes to know them, else common patterns are assumed
 * with a warning. The file is read by tfjs-graph-def.ts; its ops are lowered
 * to our ONNX IR by tfjs-graph-ops.ts.
 */
import type { Attribute, Dim, DType, Graph, Model } from '../ir';
import { ModelLoadError, shownValue } from '../errors';
import { GrowingGraphInference } from '../analysis/infer';
import { toAttribute, type AttrInput } from '../onnx/attr-input';
import { TF_OPS, opaque, type Layout, type Lowered, type OpEnv } from './tfjs-graph-ops';
import { dict } from '../lookup';
import { collapseWhileLoops, WHILE_LOOP_OP, type WhileLoop } from './tfjs-graph-control';
import { nameAfterTf, tfLayout } from './tfjs-graph-layout';
import { DT, MAX_DIM, attrOf, decodeB64, inlineInts, isObj, parseNodes, parseRef, readManifest, refKey, shapeOfAttr, topoOrder, type TfNode, type WeightSpec } from './tfjs-graph-def';

export interface TfjsGraphOptions {
  /** The weights files' bytes, concatenated in manifest order: used only to read small integer constants. */
  weightData?: Uint8Array;
}

export interface TfjsGraphLowering {
  model: Model;
  /** Each TF output (`node` or `node:k`) → its IR value and layout ('nchw': the NCHW transposition of TF's NHWC). */
  outputs: Map<string, Lowered>;
}

const OPSET = 20;

/** Builds the IR graph as the ops are lowered; shapes come from the shared inference, run incrementally. */
class Builder {
  readonly graph: Graph = { name: 'tfjs', nodes: [], inputs: [], outputs: [], values: new Map(), initializers: new Set() };
  readonly model: Model;
  readonly outputs = new Map<string, Lowered>();
  /** Constant TF outputs: their spec and the IR values declared for them, by form. */
  readonly consts = new Map<string, { spec: WeightSpec; forms: Map<string, string> }>();
  private readonly inference: GrowingGraphInference;
  /** Initializers added since shape inference last looked. */
  private readonly newInitializers: string[] = [];
  private readonly names = new Set<string>();
  private readonly transposes = new Map<string, string>();
  /** The layout transposes' outputs (ModelLayout.views) and the layout each gives. */
  readonly layouts = new Map<string, Layout>();
  /** Unsupported TF op types: how many nodes, and the first one's name (one warning per op type). */
  readonly unsupported = new Map<string, { count: number; first: string }>();

  constructor(readonly file: string) {
    this.model = { format: 'tfjs', opset: { '': OPSET }, producer: 'tensorflowjs', graph: this.graph, functions: new Map(), warnings: [], metadata: {} };
    this.inference = new GrowingGraphInference(this.model);
  }

  fail(m: string): never {
    throw new ModelLoadError(this.file, m);
  }

  unique(base: string): string {
    let name = base;
    for (let k = 1; this.names.has(name) || this.graph.values.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Adds a node named after the TF node it lowers (`scope/op`); `domain` 'ai.tensorflow' marks opaque TF ops. */
  node(scope: string, op: string, inputs: string[], attrs: Record<string, AttrInput> = {}, domain = ''): string {
    return this.nodeN(scope, op, inputs, 1, attrs, domain)[0];
  }

  nodeN(scope: string, op: string, inputs: string[], count: number, attrs: Record<string, AttrInput> = {}, domain = ''): string[] {
    const name = this.unique(`${scope}/${op}`);
    const attributes: Record<string, Attribute> = dict();
    for (const [k, v] of Object.entries(attrs)) attributes[k] = toAttribute(v);
    const outputs = Array.from({ length: count }, (_, k) => `${name}:${k}`);
    this.graph.nodes.push({ name, opType: op, domain, attributes, inputs, outputs });
    return outputs;
  }

  initializer(base: string, dtype: DType, dims: number[], values?: number[]): string {
    const name = this.unique(base);
    const storage = values ? { kind: 'values' as const, values } : { kind: 'none' as const };
    this.graph.values.set(name, { name, dtype, shape: [...dims], data: { dtype, dims: [...dims], storage } });
    this.graph.initializers.add(name);
    this.newInitializers.push(name);
    return name;
  }

  shape(value: string): Dim[] | undefined {
    return this.inference.values(this.newInitializers.splice(0)).get(value)?.shape;
  }

  /** The TF-layout IR value of a lowered output (NCHW → NHWC once, cached). */
  tf(x: Lowered, scope: string): string {
    if (x.layout === 'tf') return x.value;
    let t = this.transposes.get(`tf:${x.value}`);
    if (!t) this.transposes.set(`tf:${x.value}`, (t = this.node(scope, 'Transpose', [x.value], { perm: [0, 2, 3, 1] })));
    this.layouts.set(t, 'tf');
    return t;
  }

  nchw(x: Lowered, scope: string): string {
    if (x.layout === 'nchw') return x.value;
    let t = this.transposes.get(`nchw:${x.value}`);
    if (!t) this.transposes.set(`nchw:${x.value}`, (t = this.node(scope, 'Transpose', [x.value], { perm: [0, 3, 1, 2] })));
    this.layouts.set(t, 'nchw');
    return t;
  }
}

function attrEnv(n: TfNode, fail: (m: string) => never): Pick<OpEnv, 'attrStr' | 'attrInt' | 'attrInts' | 'attrFloat' | 'attrBool' | 'attrStrs' | 'attrShape'> {
  const int = (v: unknown, what: string): number => {
    const x = Number(v);
    if (!Number.isSafeInteger(x)) fail(`node '${n.name}' (${n.op}): attribute ${what} has a non-integer value ${shownValue(v)}`);
    return x;
  };
  return {
    attrStr: (k) => { const a = attrOf(n, k); return a?.s !== undefined ? decodeB64(a.s) : a?.type; },
    attrInt: (k) => { const a = attrOf(n, k); return a?.i !== undefined ? int(a.i, k) : undefined; },
    attrInts: (k) => attrOf(n, k)?.list?.i?.map((v) => int(v, k)) ?? (attrOf(n, k)?.list ? [] : undefined),
    attrFloat: (k) => { const a = attrOf(n, k); return a?.f !== undefined ? Number(a.f) : undefined; },
    attrBool: (k) => attrOf(n, k)?.b,
    attrStrs: (k) => attrOf(n, k)?.list?.s?.map(decodeB64) ?? (attrOf(n, k)?.list ? [] : undefined),
    attrShape: (k) => shapeOfAttr(attrOf(n, k)?.shape),
  };
}

function lowerNode(b: Builder, n: TfNode, specs: Map<string, WeightSpec>, consumed: Set<string>, referenced: number, loop?: WhileLoop): void {
  const fail: (m: string) => never = (m) => b.fail(`node '${n.name}' (${n.op}): ${m}`);
  if (n.op === 'NoOp') return;
  if (loop) return lowerWhileLoop(b, n, loop, consumed);
  if (n.op === 'Const') {
    const a = attrOf(n, 'value')?.tensor;
    const spec = specs.get(n.name);
    const inline = inlineInts(a);
    const dtype = spec?.dtype ?? DT[a?.dtype ?? attrOf(n, 'dtype')?.type ?? 'DT_FLOAT'] ?? 'float32';
    const shape = spec?.shape ?? shapeOfAttr(a?.tensorShape);
    if (!spec && !inline) fail(`the constant has no entry in weightsManifest (is the manifest from another model?)`);
    if (!shape || shape.some((d) => !Number.isInteger(d) || d < 0 || d > MAX_DIM)) fail(`the constant has an invalid shape`);
    const s: WeightSpec = { name: n.name, shape, dtype, values: spec?.values ?? inline };
    b.consts.set(n.name, { spec: s, forms: new Map() });
    return;
  }
  if (n.op === 'Placeholder') {
    const dims = shapeOfAttr(attrOf(n, 'shape')?.shape);
    if (dims?.some((d) => !Number.isInteger(d) || d < -1 || d > MAX_DIM)) fail(`input shape ${shownValue(dims)} has an invalid dim`);
    const shape = dims?.map((d, i): Dim => (d >= 0 ? d : i === 0 ? 'N' : `${n.name}_${i}`));
    if (!shape) b.model.warnings.push(`input '${n.name}' has an unknown rank; its shapes are unknown`);
    const name = b.unique(n.name);
    b.graph.values.set(name, { name, dtype: DT[attrOf(n, 'dtype')?.type ?? 'DT_FLOAT'] ?? 'float32', shape });
    b.graph.inputs.push(name);
    b.outputs.set(n.name, { value: name, layout: 'tf' });
    return;
  }
  const refs = n.input.map(parseRef).filter((r): r is { node: string; index: number } => !!r);
  refs.forEach((r) => consumed.add(refKey(r.node, r.index)));
  const raw = (i: number): Lowered => {
    const r = refs[i];
    if (!r) fail(`expects at least ${i + 1} inputs, has ${refs.length}`);
    const key = refKey(r.node, r.index);
    const c = b.consts.get(key);
    if (c) return { value: constForm(b, key, 'tf', c.spec.shape, () => ''), layout: 'tf' };
    const v = b.outputs.get(key);
    if (!v) fail(`input '${key}' is not an output of node '${r.node}'`);
    return v;
  };
  const scope = n.name;
  const isConst = (i: number): boolean => !!refs[i] && b.consts.has(refKey(refs[i].node, refs[i].index));
  const env: OpEnv = {
    name: n.name, op: n.op, arity: refs.length, raw,
    tf: (i) => b.tf(raw(i), scope),
    nchw: (i) => b.nchw(raw(i), scope),
    shape: (i) => {
      const c = b.consts.get(refKey(refs[i]?.node ?? '', refs[i]?.index ?? 0));
      if (c) return c.spec.shape;
      const x = raw(i);
      const s = b.shape(x.value);
      return s && x.layout === 'nchw' && s.length === 4 ? [s[0], s[2], s[3], s[1]] : s;
    },
    constInts: (i) => {
      const spec = refs[i] ? b.consts.get(refKey(refs[i].node, refs[i].index))?.spec : undefined;
      return spec && spec.dtype !== 'float32' ? spec.values : undefined;
    },
    form: (i, key, dims, fromTf) => {
      const r = refs[i];
      const k = r ? refKey(r.node, r.index) : '';
      if (b.consts.has(k) && dims) return constForm(b, k, key, dims, () => fromTf(env.tf(i)));
      return fromTf(env.tf(i));
    },
    layout: (i) => (isConst(i) ? 'tf' : raw(i).layout),
    isConst,
    node: (op, inputs, attrs, domain) => b.node(scope, op, inputs, attrs, domain),
    nodeN: (op, inputs, count, attrs, domain) => b.nodeN(scope, op, inputs, count, attrs, domain),
    referenced,
    declare: (value, dtype, shape) => {
      if (shape !== undefined || dtype !== undefined) b.graph.values.set(value, { name: value, dtype, shape, shapeStatedByOp: true });
    },
    unsupported: () => {
      const u = b.unsupported.get(n.op);
      if (u) u.count++;
      else b.unsupported.set(n.op, { count: 1, first: n.name });
    },
    ints: (values) => b.initializer(`${scope}/const`, 'int64', [values.length], values),
    floats: (values, dims = [values.length]) => b.node(scope, 'Constant', [], { value: { type: 'tensor', value: { dtype: 'float32', dims, storage: { kind: 'values', values } } } }),
    ...attrEnv(n, fail),
    warn: (m) => b.model.warnings.push(`node '${n.name}' (${n.op}): ${m}`),
    fail,
  };
  const lower = TF_OPS[n.op];
  const out = lower ? lower(env) : opaque(env);
  (Array.isArray(out) ? out : [out]).forEach((o, k) => b.outputs.set(refKey(n.name, k), o));
}

/** A collapsed TF1 while loop (see tfjs-graph-control.ts): one opaque node; its shape rule gives the loop-invariant outputs. */
function lowerWhileLoop(b: Builder, n: TfNode, loop: WhileLoop, consumed: Set<string>): void {
  const inputs = loop.inputs.map((ref) => {
    const r = parseRef(ref)!;
    const k = refKey(r.node, r.index);
    consumed.add(k);
    const c = b.consts.get(k);
    if (c) return constForm(b, k, 'tf', c.spec.shape, () => '');
    const v = b.outputs.get(k) ?? b.fail(`while loop '${loop.frame}': input '${k}' is not an output of node '${r.node}'`);
    return b.tf(v, n.name);
  });
  const count = Math.max(1, loop.outputs.length);
  const outs = b.nodeN(n.name, WHILE_LOOP_OP, inputs, count, {
    frame_name: loop.frame,
    output_shape_from: Array.from({ length: count }, (_, k) => loop.outputs[k]?.shapeFrom ?? -1),
    output_unchanged: Array.from({ length: count }, (_, k) => (loop.outputs[k]?.unchanged ? 1 : 0)),
  }, 'ai.tensorflow');
  outs.forEach((o, k) => b.outputs.set(refKey(n.name, k), { value: o, layout: 'tf' }));
  const unknown = loop.outputs.filter((o) => o.shapeFrom < 0).length;
  b.model.warnings.push(`while loop '${loop.frame}' (${loop.size} TF nodes) is shown as one ${WHILE_LOOP_OP} node; its body is not profiled`
    + (unknown ? ` and ${unknown} of its ${loop.outputs.length} outputs have unknown shapes (they change in the loop)` : ''));
}

/** The IR value for a constant in a form: declared once with `dims`; later forms derive from the first. */
function constForm(b: Builder, key: string, form: string, dims: number[], derive: () => string): string {
  const c = b.consts.get(key)!;
  const have = c.forms.get(form);
  if (have) return have;
  let v: string;
  if (c.forms.size === 0) {
    const tfForm = form === 'tf';
    v = b.initializer(key, c.spec.dtype, dims, tfForm && c.spec.values ? c.spec.values : undefined);
  } else if (form === 'tf') {
    // Back to TF's shape from a form declared first: only shapes matter here (float weight bytes are never read).
    const first = [...c.forms.values()][0];
    v = b.node(key, 'Reshape', [first, b.initializer(`${key}/shape`, 'int64', [c.spec.shape.length], c.spec.shape)]);
  } else v = derive();
  c.forms.set(form, v);
  return v;
}

/** Lowers a graph model, keeping the TF output → IR value map (tests compare it with TF.js). */
export function lowerTfjsGraphModel(json: unknown, file: string, options: TfjsGraphOptions = {}): TfjsGraphLowering {
  const b = new Builder(file);
  const fail: (m: string) => never = (m) => b.fail(m);
  if (!isObj(json)) fail('not a TF.js model.json (expected a JSON object)');
  const j = json;
  if (j.format !== undefined && j.format !== 'graph-model') fail(`format is ${shownValue(j.format)}, not 'graph-model'`);
  if (!isObj(j.modelTopology)) fail('modelTopology is missing; a graph model holds the TensorFlow graph there');
  const collapsed = collapseWhileLoops(parseNodes(j.modelTopology, fail), (n) => { const a = attrOf(n, 'frame_name'); return a?.s !== undefined ? decodeB64(a.s) : n.name; });
  const nodes = collapsed.nodes;
  const specs = readManifest(fail, j.weightsManifest, options.weightData);
  for (const key of ['generatedBy', 'convertedBy'] as const) if (typeof j[key] === 'string') b.model.metadata[key] = j[key];
  const consumed = new Set<string>();
  const referenced = new Map<string, number>();
  for (const n of nodes.values()) for (const r of n.input.map(parseRef)) if (r) referenced.set(r.node, Math.max(referenced.get(r.node) ?? 1, r.index + 1));
  for (const n of topoOrder(nodes, fail)) lowerNode(b, n, specs, consumed, referenced.get(n.name) ?? 1, collapsed.loops.get(n.name));
  for (const [op, u] of b.unsupported) {
    const which = u.count === 1 ? `node '${u.first}'` : `${u.count} nodes, the first '${u.first}'`;
    b.model.warnings.push(`TF op ${op} is not supported (${which}); its outputs' shapes are unknown`);
  }
  // Constants whose first form was never asked for (unused weights) still count as stored tensors.
  for (const [k, c] of b.consts) if (c.forms.size === 0) constForm(b, k, 'tf', c.spec.shape, () => '');
  const sigOut = isObj(j.signature) && isObj(j.signature.outputs) ? Object.values(j.signature.outputs) : [];
  let outs = sigOut.flatMap((o) => (isObj(o) && typeof o.name === 'string' ? [o.name.replace(/:0$/, '')] : [])).filter((k) => b.outputs.has(k));
  if (!outs.length) outs = [...b.outputs.keys()].filter((k) => !consumed.has(k) && !b.consts.has(k) && !b.graph.inputs.includes(b.outputs.get(k)!.value));
  const seen = new Set<string>();
  for (const k of outs) {
    const v = b.tf(b.outputs.get(k)!, k);
    if (!seen.has(v)) {
      b.graph.outputs.push(v);
      seen.add(v);
    }
  }
  b.model.layout = tfLayout(b);
  nameAfterTf(b.graph, b.outputs);
  return { model: b.model, outputs: b.outputs };
}

/** Loads a TF.js graph model.json; see TfjsGraphOptions for reading integer constants from the weights. */
export function loadTfjsGraphModel(json: unknown, file: string, options: TfjsGraphOptions = {}): Model {
  return lowerTfjsGraphModel(json, file, options).model;
}

export type { Layout, Lowered };
