/**
 * Keras model configs (the JSON of `model.to_json()`, `config.json` in a
 * `.keras` archive, `model_config` in a legacy `.h5`, a TF.js layers model's
 * topology) → the IR, with the layer semantics of src/core/keras.
 *
 * Both serialisations are read: Keras 2 / tf.keras / TF.js
 * (`batch_input_shape`, `inbound_nodes: [[["name", node, tensor, {}]]]`) and
 * Keras 3 (`batch_shape`, `inbound_nodes: [{"args": [__keras_tensor__…]}]`,
 * keras/src/models/functional.py `serialize_node`). Sequential and Functional
 * models may nest (lowered inline under the inner model's name); a layer
 * called twice lowers twice and shares its weights, as Keras counts them once.
 *
 * Problems never throw here: each is recorded with the JSON path of the layer
 * object it concerns, so the text editor can place it; `kerasModelFromJson`
 * turns the first error into a ModelLoadError.
 */
import type { DType, Model } from '../ir';
import { inferShapes } from '../analysis/infer';
import { didYouMean } from '../keras/args';
import { KNOWN_LAYERS, LAYERS, LoweringContext, MERGE_LAYERS, lowerLayer, lowerMerge, type LayerProblem } from '../keras/layers';
import { ModelLoadError, shownValue } from '../errors';
import { definitionInputShape } from './cnn-yaml-model';
import { append } from '../arrays';
import { isJsonObject, parseJsonText, type Json, type JsonPath } from './keras-json';
import { MODEL_CLASSES, inboundCalls, nodeOffsets, refList, type LayerEntry, type TensorRef } from './keras-calls';

// The loaders' registry (index.ts) reads Keras JSON through this module.
export { isJsonObject, parseJsonText, type Json } from './keras-json';

export interface KerasProblem extends LayerProblem {
  /** Path of the JSON object concerned: a layer entry, or the model. */
  path: JsonPath;
}

export interface LoweredKeras {
  model: Model;
  problems: KerasProblem[];
  /** IR node name → path of the layer entry it came from. */
  layerOf: Map<string, JsonPath>;
}

/** Models nested deeper than this are refused (a real network nests a few levels). */
const MAX_NESTING = 32;
/** The name of a batch Keras leaves open (None): TF.js graph models name theirs the same. */
export const SYMBOLIC_BATCH = 'N';
const DTYPES = new Set<string>(['float32', 'float16', 'bfloat16', 'float64', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool']);

/** A `{class_name, config}` object that names a Keras model class. */
export function looksLikeKerasModel(v: unknown): v is Json {
  return isJsonObject(v) && typeof v.class_name === 'string' && MODEL_CLASSES.includes(v.class_name) && 'config' in v;
}

/** Keras-written arguments in the forms the layer semantics read. */
function normaliseArgs(className: string, config: Json): Record<string, unknown> {
  const { name: _name, ...args } = config;
  // tf.keras saves a built BatchNormalization's axis as a list (`[3]`).
  if (Array.isArray(args.axis) && args.axis.length === 1 && /Normalization$/.test(className)) args.axis = args.axis[0];
  // Keras 3 may serialise an activation as {"class_name": "function", "config": "relu"}.
  if (isJsonObject(args.activation) && typeof args.activation.config === 'string') args.activation = args.activation.config;
  return args;
}

class KerasLowering {
  readonly ctx: LoweringContext;
  readonly problems: KerasProblem[] = [];
  readonly layerOf = new Map<string, JsonPath>();
  private readonly labelOf = new Map<string, string>();
  private at: JsonPath = [];
  private label = '';
  /** First-call weights of each layer entry, for the layer's later calls. */
  private readonly sharedWeights = new Map<Json, string[]>();
  /** Graph inputs whose batch the file leaves open (None). */
  readonly symbolicBatch: string[] = [];

  constructor(name: string, format: Model['format']) {
    this.ctx = new LoweringContext(name, format);
    this.ctx.lenientArgs = true;
    this.ctx.onNode = (n) => {
      this.layerOf.set(n, this.at);
      this.labelOf.set(n, this.label);
    };
    this.ctx.onProblem = (p) => this.problems.push({ ...p, path: this.at });
  }

  /** Records a problem; returns undefined, so a failing step can `return this.problem(…)`. */
  problem(path: JsonPath, message: string, severity: KerasProblem['severity'] = 'error', where: Partial<LayerProblem> = {}): undefined {
    this.problems.push({ message, severity, path, ...where });
    return undefined;
  }

  /** Lowers a model entry; `inputs` binds a nested model's inputs, else graph inputs are made. Its outputs, or undefined. */
  model(m: Json, path: JsonPath, inputs: string[] | undefined, depth: number): string[] | undefined {
    if (depth > MAX_NESTING) return this.problem(path, `models are nested more than ${MAX_NESTING} deep`);
    const config = m.config;
    if (m.class_name === 'Sequential' && (Array.isArray(config) || isJsonObject(config))) {
      // Keras ≤ 2.2.2 wrote a Sequential's config as the bare layer list.
      const layers = Array.isArray(config) ? config : config.layers;
      const layersPath = Array.isArray(config) ? [...path, 'config'] : [...path, 'config', 'layers'];
      return this.sequential(m, layers, layersPath, path, inputs, depth);
    }
    if (isJsonObject(config)) return this.functional(config, path, inputs, depth);
    return this.problem(path, `${typeof m.class_name === 'string' ? m.class_name : shownValue(m.class_name)}: config must be an object`);
  }

  private entry(v: unknown, path: JsonPath): LayerEntry | undefined {
    if (!isJsonObject(v) || typeof v.class_name !== 'string') return this.problem(path, 'a layer entry must be an object with class_name and config');
    const config = isJsonObject(v.config) ? v.config : {};
    const name = typeof v.name === 'string' ? v.name : typeof config.name === 'string' ? config.name : this.ctx.autoLayerName(v.class_name);
    return { className: v.class_name, name, config, path, raw: v };
  }

  /**
   * A graph input from a declared batch shape (`[null, 28, 28, 1]`). A None
   * batch is lowered as 1 (layer semantics need sizes) and becomes the
   * symbolic `N` once the model is built (`symbolicBatch`).
   */
  private graphInput(name: string, shape: unknown, dtype: unknown, path: JsonPath): string | undefined {
    const dims = Array.isArray(shape) ? shape.slice(1) : [];
    if (!Array.isArray(shape) || dims.length === 0 || !dims.every((d) => Number.isSafeInteger(d) && d > 0)) {
      const shown = Array.isArray(shape) ? `(${shape.map((d) => (d === null ? 'None' : shownValue(d, 1))).join(', ')})` : 'not given';
      const bad: unknown = dims.find((d) => typeof d === 'number' && !(Number.isSafeInteger(d) && d > 0));
      if (bad !== undefined) return this.problem(path, `input '${name}': its shape is ${shown}; ${shownValue(bad)} is not a size (sizes are positive integers below 2^53)`);
      return this.problem(path, `input '${name}': its shape is ${shown}; ConvLens needs every size but the batch fixed (build or save the model with a concrete input shape)`);
    }
    const fixed = Number.isSafeInteger(shape[0]) && (shape[0] as number) > 0;
    const type = typeof dtype === 'string' && DTYPES.has(dtype) ? (dtype as DType) : 'float32';
    const x = this.ctx.input(name, definitionInputShape(dims as number[], fixed ? (shape[0] as number) : 1), type);
    if (!fixed) this.symbolicBatch.push(x);
    return x;
  }

  private sequential(m: Json, layers: unknown, layersPath: JsonPath, path: JsonPath, inputs: string[] | undefined, depth: number): string[] | undefined {
    if (!Array.isArray(layers)) return this.problem(path, 'Sequential: config.layers must be a list');
    let x = inputs?.[0];
    for (let i = 0; i < layers.length; i++) {
      const e = this.entry(layers[i], [...layersPath, i]);
      if (!e) return undefined;
      const c = e.config;
      if (x === undefined) {
        const build = isJsonObject(m.config) ? m.config.build_input_shape : undefined;
        const shape = c.batch_shape ?? c.batch_input_shape ?? build ?? (isJsonObject(m.build_config) ? m.build_config.input_shape : undefined);
        // Keras 2 names the implicit input after the first layer (`conv2d_input`).
        x = this.graphInput(e.className === 'InputLayer' ? e.name : `${e.name}_input`, shape, c.dtype, e.path);
        if (x === undefined) return undefined;
      }
      if (e.className === 'InputLayer') continue;
      x = this.call(e, [x], depth)[0];
    }
    if (x === undefined) this.problem(path, 'Sequential: the model has no layers and no input');
    return x === undefined ? undefined : [x];
  }

  private functional(config: Json, path: JsonPath, inputs: string[] | undefined, depth: number): string[] | undefined {
    const layers = config.layers;
    const inRefs = refList(config.input_layers);
    const outRefs = refList(config.output_layers);
    if (!Array.isArray(layers) || !inRefs || !outRefs) return this.problem(path, 'Functional: config needs layers, input_layers and output_layers lists');
    const byName = new Map<string, LayerEntry>();
    const pending: { e: LayerEntry; node: number; refs: TensorRef[] }[] = [];
    for (let i = 0; i < layers.length; i++) {
      const e = this.entry(layers[i], [...path, 'config', 'layers', i]);
      if (!e) return undefined;
      if (byName.has(e.name)) this.problem(e.path, `layer name '${e.name}' is used twice in the model`);
      byName.set(e.name, e);
      const calls = inboundCalls(e.raw);
      if (!calls) this.problem(e.path, `${e.className} '${e.name}': inbound_nodes has a form ConvLens does not know`);
      else if (e.className !== 'InputLayer') calls.forEach((refs, node) => pending.push({ e, node, refs }));
    }
    const outputs = new Map<string, string[]>();
    const key = (layer: string, node: number) => `${layer}#${node}`;
    const offset = nodeOffsets(byName, pending, outRefs);
    for (const [k, r] of inRefs.entries()) {
      const e = byName.get(r.layer);
      if (!e) return this.problem(path, `input_layers names '${r.layer}', which is not a layer of the model`);
      const x = inputs ? inputs[k] : this.graphInput(e.name, e.config.batch_shape ?? e.config.batch_input_shape, e.config.dtype, e.path);
      if (x === undefined) {
        if (inputs) this.problem(e.path, `the model takes ${inRefs.length} inputs; it is called with ${inputs.length}`);
        return undefined;
      }
      outputs.set(key(r.layer, r.node), [x]);
    }
    const value = (r: TensorRef) => outputs.get(key(r.layer, r.node))?.[r.tensor];
    // Keras's own from_config defers a call until its inputs exist (functional.py process_node); so do we.
    let todo = pending;
    for (let progress = true; todo.length > 0 && progress;) {
      progress = false;
      const later: typeof todo = [];
      for (const c of todo) {
        const xs = c.refs.map(value);
        if (c.refs.length === 0 || xs.some((x) => x === undefined)) {
          later.push(c);
          continue;
        }
        outputs.set(key(c.e.name, c.node + (offset.get(c.e.name) ?? 0)), this.call(c.e, xs as string[], depth, c.node));
        progress = true;
      }
      todo = later;
    }
    for (const c of todo) this.problem(c.e.path, this.unresolved(c.e, c.refs, byName, offset));
    if (todo.length > 0) return undefined;
    const outs = outRefs.map(value);
    const missing = outRefs.find((r, k) => outs[k] === undefined);
    if (missing) return this.problem(path, `output_layers names '${missing.layer}' (call ${missing.node}, output ${missing.tensor}), which the model does not produce`);
    return outs as string[];
  }

  /** Why a call's inputs never became available. */
  private unresolved(e: LayerEntry, refs: TensorRef[], byName: Map<string, LayerEntry>, offset: Map<string, number>): string {
    const label = `${e.className} '${e.name}'`;
    if (refs.length === 0) return `${label}: its call has no inputs`;
    for (const r of refs) {
      const src = byName.get(r.layer);
      if (!src) return `${label} takes its input from '${r.layer}', which is not a layer of the model`;
      const calls = inboundCalls(src.raw)?.length ?? 0;
      const produced = src.className === 'InputLayer' ? 1 : calls + (offset.get(r.layer) ?? 0);
      if (r.node >= produced) return `${label} takes call ${r.node} of '${r.layer}', which is called ${produced} time(s)`;
    }
    return `${label}: its inputs depend on its own output (a cycle through '${refs[0].layer}'), or on a layer that cannot be lowered`;
  }

  /** One call of a layer on `inputs`; its outputs (the inputs themselves when it cannot be lowered). */
  private call(e: LayerEntry, inputs: string[], depth: number, node = 0): string[] {
    this.at = e.path;
    this.label = `${e.className} '${e.name}'`;
    const firstNode = this.ctx.graph.nodes.length;
    const weightsBefore = this.ctx.initializerMark();
    let outs: string[];
    if (MODEL_CLASSES.includes(e.className)) {
      this.ctx.scope.push(node === 0 ? e.name : `${e.name}_${node}`);
      try {
        outs = this.model(e.raw, e.path, inputs, depth + 1) ?? inputs;
      } finally {
        this.ctx.scope.pop();
      }
    } else if (e.className in MERGE_LAYERS) {
      outs = [lowerMerge(this.ctx, { type: e.className, args: normaliseArgs(e.className, e.config), name: e.name }, inputs)];
    } else if (e.className in LAYERS) {
      if (inputs.length !== 1) this.problem(e.path, `${this.label}: takes one input; it is called with ${inputs.length}`, 'error', { onType: true });
      outs = [lowerLayer(this.ctx, { type: e.className, args: normaliseArgs(e.className, e.config), name: e.name }, inputs[0])];
    } else {
      const known = e.className === 'InputLayer' ? '; an InputLayer cannot be called' : didYouMean(e.className, [...KNOWN_LAYERS, ...MODEL_CLASSES]);
      this.problem(e.path, `${this.label}: unknown layer class '${e.className}'${known}`, 'error', { onType: true });
      outs = inputs;
    }
    this.shareWeights(e, weightsBefore, firstNode);
    return outs;
  }

  /** A layer's later calls reuse the weights of its first (Keras counts shared weights once). */
  private shareWeights(e: LayerEntry, before: number, firstNode: number): void {
    const g = this.ctx.graph;
    const added = this.ctx.initializersSince(before).filter((n) => g.values.get(n)?.dtype === 'float32');
    const first = this.sharedWeights.get(e.raw);
    if (!first) {
      this.sharedWeights.set(e.raw, added);
      return;
    }
    const rename = new Map<string, string>();
    added.forEach((n, k) => {
      const same = first[k] !== undefined && JSON.stringify(g.values.get(first[k])?.shape) === JSON.stringify(g.values.get(n)?.shape);
      if (same) rename.set(n, first[k]);
    });
    if (rename.size !== added.length) return this.problem(e.path, `${this.label}: a shared layer is called on inputs of different sizes, so its calls would need different weights`);
    for (const node of g.nodes.slice(firstNode)) node.inputs = node.inputs.map((i) => rename.get(i) ?? i);
    for (const n of rename.keys()) {
      g.values.delete(n);
      g.initializers.delete(n);
    }
  }

  /** Shape errors the shared inference finds (channel mismatches at a merge, empty outputs), at their layer. */
  addInferenceIssues(model: Model): void {
    const opOf = new Map(model.graph.nodes.map((n) => [n.name, n.opType]));
    const reported = new Set(this.problems.filter((p) => p.severity === 'error').map((p) => JSON.stringify(p.path)));
    for (const issue of inferShapes(model).issues) {
      const path = this.layerOf.get(issue.node);
      if (!path || issue.severity !== 'error' || reported.has(JSON.stringify(path))) continue;
      reported.add(JSON.stringify(path));
      this.problem(path, `${this.labelOf.get(issue.node)} (its ${opOf.get(issue.node)}): ${issue.message}`);
    }
  }
}

export interface KerasLowerOptions {
  format?: Model['format'];
  /** Path of the model object within the file's JSON (for TF.js: `['modelTopology', …]`). */
  path?: JsonPath;
}

/** A Keras model object (`{class_name, config, …}`) → IR, with every problem at its JSON path. */
export function lowerKerasModel(json: unknown, options: KerasLowerOptions = {}): LoweredKeras {
  const path = options.path ?? [];
  const name = isJsonObject(json) && isJsonObject(json.config) && typeof json.config.name === 'string' ? json.config.name : 'model';
  const k = new KerasLowering(name, options.format ?? 'keras');
  if (!looksLikeKerasModel(json)) {
    const cls = isJsonObject(json) && typeof json.class_name === 'string' ? `class_name '${json.class_name}'` : 'no class_name';
    k.problem(path, `not a Keras model: ${cls} (expected Sequential, Functional or Model with a config)`);
  } else {
    const outs = k.model(json, path, undefined, 0);
    if (outs) append(k.ctx.graph.outputs, new Set(outs));
  }
  const model = k.ctx.build();
  // Keras shows its tensors channels-last with the batch open, as model.summary(): (None, 112, 112, 32).
  model.layout = { name: 'NHWC', channelsLast: k.ctx.channelsLast, weightDims: k.ctx.kerasWeightDims };
  for (const name of k.symbolicBatch) {
    const v = model.graph.values.get(name);
    if (v?.shape) v.shape = [SYMBOLIC_BATCH, ...v.shape.slice(1)];
  }
  if (isJsonObject(json)) {
    for (const f of ['keras_version', 'backend']) if (typeof json[f] === 'string') model.metadata[f] = json[f];
  }
  if (model.graph.outputs.length > 0) k.addInferenceIssues(model);
  return { model, problems: k.problems, layerOf: k.layerOf };
}

/** Errors make the model unloadable (the first is reported); warnings become model warnings. */
export function modelOrThrow(lowered: { model: Model; problems: readonly { message: string; severity: string }[] }, file: string): Model {
  const errors = lowered.problems.filter((p) => p.severity === 'error');
  if (errors.length > 0) {
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more)` : '';
    throw new ModelLoadError(file, `${errors[0].message}${more}`);
  }
  append(lowered.model.warnings, lowered.problems.filter((p) => p.severity === 'warning').map((p) => p.message));
  return lowered.model;
}

/** A parsed Keras model config → IR; throws ModelLoadError on the first error. */
export function kerasModelFromJson(json: unknown, file: string, format: Model['format'] = 'keras'): Model {
  return modelOrThrow(lowerKerasModel(json, { format }), file);
}

/** Keras JSON text (`model.to_json()`) → IR. */
export function loadKerasJson(text: string, file: string): Model {
  return kerasModelFromJson(parseJsonText(text, file, 'the Keras model config'), file);
}
