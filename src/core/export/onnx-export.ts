/**
 * Export to a runnable ONNX file. A lowered `*.cnn.yaml` definition has the
 * structure of a network but no weight data; this fills the weights with
 * Keras-style initial values (init-weights.ts), rewrites the graph for the
 * target opset (opset.ts; 17 by default, what most deployed runtimes take),
 * declares every value's inferred type and shape, and encodes it
 * (onnx/writer.ts). Models that already carry their weights (ONNX files) are
 * re-encoded as they are.
 *
 * The input model is never modified. Problems throw `ExportError` with a
 * message that names the layer and says what to do.
 */
import type { Graph, Model, TensorConst } from '../ir';
import { inferShapes } from '../analysis/infer';
import { encodeOnnx } from '../onnx/writer';
import type { ExternalReader } from '../tensor-data';
import { fillMissingWeights } from './init-weights';
import { convertOpset, layerOfNode, OpsetError } from './opset';

export interface ExportOptions {
  /** Seed of the weight initialisation (default 0): the same seed gives byte-identical files. */
  seed?: number;
  /**
   * ai.onnx opset to write. Definitions: 17 by default, any of 13–22 (see
   * opset.ts). Other models keep their own opset; asking for another fails.
   */
  opset?: number;
  /** Also make every node's output a graph output (to check shapes against a runtime). */
  intermediateOutputs?: boolean;
  /** ModelProto.producer_version (the CLI passes its package version). */
  producerVersion?: string;
  /** Reads external-data tensors so they are written inline (ONNX files with side files). */
  readExternal?: ExternalReader;
  /**
   * Declare the inferred shape of every value (default true). False keeps
   * an ONNX file's own declarations, so the runtime infers the rest itself
   * as it does from the file (a model re-encoded only to rename it).
   */
  declareShapes?: boolean;
}

export const DEFAULT_EXPORT_OPSET = 17;

export class ExportError extends Error {
  override name = 'ExportError';
}

function copyGraph(g: Graph): Graph {
  return {
    ...g,
    nodes: [...g.nodes],
    inputs: [...g.inputs],
    outputs: [...g.outputs],
    values: new Map(g.values),
    initializers: new Set(g.initializers),
  };
}

/** External-data tensors read into raw bytes, so the file stands alone. */
function inlineExternal(g: Graph, read: ExternalReader | undefined): void {
  for (const name of g.initializers) {
    const v = g.values.get(name);
    const s = v?.data?.storage;
    if (!v?.data || s?.kind !== 'external') continue;
    if (!read) throw new ExportError(`initializer '${name}' is stored in external data file '${s.location}'; export needs a reader for it (the CLI provides one)`);
    const data: TensorConst = { ...v.data, storage: { kind: 'raw', bytes: read(s.location, s.offset, s.length) } };
    g.values.set(name, { ...v, data });
  }
}

/** Every value's dtype and shape from the shared inference; an inconsistent node is an error here. */
function declareShapes(model: Model): void {
  const g = model.graph;
  const inferred = inferShapes(model);
  const bad = inferred.issues.find((i) => i.severity === 'error');
  if (bad) {
    const node = g.nodes.find((n) => n.name === bad.node);
    throw new ExportError(`layer '${node ? layerOfNode(node) : bad.node}': ${bad.message}; fix the definition before exporting`);
  }
  for (const [name, info] of inferred.values) {
    const v = g.values.get(name) ?? { name };
    // Initializers are declared by their TensorProto; repeating them as value_info adds nothing.
    if (g.initializers.has(name)) continue;
    g.values.set(name, { ...v, dtype: info.dtype ?? v.dtype, shape: info.shape ?? v.shape });
  }
}

/**
 * The model ready to encode: weights filled, opset converted, shapes
 * declared, intermediate outputs added when asked. Exposed for tests and
 * callers that want the IR rather than bytes.
 */
/**
 * Whether ConvLens lowered the model from Keras-style layers (a definition, a
 * Keras model, a TF.js layers model): its opset is the lowering's choice
 * (KERAS_OPSET) and its weights are absent, so it is written at the export
 * opset with initial weights. Files that are already graphs (ONNX, TF.js
 * graph models) keep their own opset.
 */
export function isLowered(model: Model): boolean {
  return model.format === 'yaml' || (model.format !== 'onnx' && model.producer === 'convlens');
}

/** The ai.onnx opset `exportOnnx(model, options)` writes. */
export function exportOpset(model: Model, options: Pick<ExportOptions, 'opset'> = {}): number {
  return options.opset ?? (isLowered(model) ? DEFAULT_EXPORT_OPSET : model.opset[''] ?? 0);
}

export function prepareExport(model: Model, options: ExportOptions = {}): Model {
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) throw new ExportError(`seed must be an integer 0–4294967295; got ${seed}`);
  const graph = copyGraph(model.graph);
  const source = model.opset[''] ?? 0;
  const isDefinition = isLowered(model);
  let opset = exportOpset(model, options);
  if (!isDefinition && opset !== source) {
    throw new ExportError(`this ${model.format.toUpperCase()} model is opset ${source}; opset conversion is only done for models ConvLens lowers (definitions, Keras and TF.js layers models; leave out --opset to re-encode it as it is)`);
  }
  if (isDefinition) {
    try {
      convertOpset(graph, opset);
    } catch (e) {
      if (e instanceof OpsetError) throw new ExportError(e.message);
      throw e;
    }
  } else {
    opset = source;
    inlineExternal(graph, options.readExternal);
  }

  const unknown = fillMissingWeights(graph, seed);
  if (unknown.length > 0) {
    const u = unknown[0];
    const more = unknown.length > 1 ? ` (and ${unknown.length - 1} more)` : '';
    throw new ExportError(`layer '${layerOfNode(u.node)}': no initial value is known for input ${u.index} of its ${u.node.opType} ('${u.input}'), which has no data${more}`);
  }

  const out: Model = {
    ...model,
    opset: { ...model.opset, '': opset },
    // The lowest IR version the opset allows (the writer's choice): 8 for opset 17, widest runtime support.
    irVersion: isDefinition ? undefined : model.irVersion,
    graph,
    functions: new Map(model.functions),
    warnings: [...model.warnings],
    metadata: { ...model.metadata, ...(isDefinition ? { 'convlens.weights': `keras-defaults he-normal seed=${seed}` } : {}) },
  };
  // The export is an ONNX model as the IR holds it: NCHW, whatever layout its source shows (a Keras model's NHWC).
  delete out.layout;
  if (options.declareShapes !== false || isDefinition) declareShapes(out);
  if (options.intermediateOutputs) {
    const outputs = new Set(graph.outputs);
    for (const n of graph.nodes) {
      // Constants are inputs to layers, not layer results: nothing to check there.
      if (n.opType === 'Constant') continue;
      for (const o of n.outputs) {
        if (!o || outputs.has(o)) continue;
        outputs.add(o);
        graph.outputs.push(o);
      }
    }
  }
  return out;
}

/**
 * A binary ONNX ModelProto for `model` that runs as is: see `prepareExport`.
 * Throws `ExportError` naming the layer when it cannot be written.
 */
export function exportOnnx(model: Model, options: ExportOptions = {}): Uint8Array {
  return encodeOnnx(prepareExport(model, options), { producerName: 'convlens', producerVersion: options.producerVersion });
}
