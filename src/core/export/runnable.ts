/**
 * A model file as a runtime runs it: ONNX files as they are (the runtime
 * reads the file, external data included); definitions, Keras and TF.js
 * models through their ONNX export (Keras-default initial weights, fixed
 * seed). A definition is lowered at the batch asked for, since its Reshape
 * targets embed the batch.
 */
import { readFileSync } from 'node:fs';
import type { Model, Shape } from '../ir';
import { batchedInputs } from '../report/profile';
import { ModelLoadError } from '../errors';
import { loadModelFile, type LoadedModel } from '../loaders/index';
import { isCnnYamlName } from '../formats';
import { definitionToModel } from '../loaders/cnn-yaml-model';
import { parseCnnYaml } from '../loaders/cnn-yaml';
import { encodeOnnx } from '../onnx/writer';
import type { ExternalReader } from '../tensor-data';
import { prepareExport, type ExportOptions } from './onnx-export';
import { dict } from '../lookup';
import { hasUnsafeNames, withSafeNames } from '../timing/safe-names';

export interface RunnableModel {
  /** The graph the runtime executes (its node and value names are the runtime's). */
  model: Model;
  /** Static analysis needs it for ONNX external data. */
  readExternal?: ExternalReader;
  /** Where the runtime reads it: the ONNX file itself, or the bytes of the export. */
  source: { path: string } | { bytes: Uint8Array };
  /** True when the batch was built into the graph (definitions); else inputs are fed at that batch. */
  batchBuiltIn: boolean;
  /** With `safeNames`, when names were replaced: maps the runtime's text back to the model's names. */
  restoreNames?: { restore: (text: string) => string; restorePrintable: (text: string) => string };
}

/** A `*.cnn.yaml` definition lowered at `batch`; problems as `loadCnnYaml` reports them. */
export function definitionAtBatch(text: string, file: string, batch: number): Model {
  const parsed = parseCnnYaml(text);
  if (!parsed.definition) throw new ModelLoadError(file, parsed.problems[0]?.message ?? 'not a definition');
  const lowered = definitionToModel(parsed.definition, { batch });
  const error = lowered.problems.find((p) => p.severity === 'error');
  if (error) throw new ModelLoadError(file, error.message);
  return lowered.model;
}

/** Batched inputs (profile.ts's rule) whose first dim is a number other than `batch`. */
function fixedBatchInputs(model: Model, batch: number): string[] {
  const shapes: Record<string, Shape> = dict();
  for (const i of model.graph.inputs) {
    const s = model.graph.values.get(i)?.shape;
    if (s) shapes[i] = s;
  }
  return batchedInputs(model.graph.inputs, shapes).filter((i) => typeof shapes[i][0] === 'number' && shapes[i][0] !== batch);
}

/**
 * An ONNX model whose inputs were exported at a fixed batch, with that batch
 * replaced: the inputs' first dim set, every other declared shape dropped so
 * that the runtime infers them anew. A graph that hard-codes its batch
 * (a Reshape to [1, -1]) then fails in shape inference, naming the layer.
 */
function rebatched(model: Model, inputs: string[], batch: number): Model {
  const values = new Map(model.graph.values);
  for (const [name, v] of values) {
    if (inputs.includes(name)) values.set(name, { ...v, shape: [batch, ...(v.shape ?? []).slice(1)] });
    else if (!model.graph.initializers.has(name) && !model.graph.inputs.includes(name)) values.set(name, { ...v, shape: undefined });
  }
  return { ...model, graph: { ...model.graph, values } };
}

/**
 * The model as the runtime gets it. `safeNames`: names a profiler trace
 * cannot hold are replaced (the model then runs from re-encoded bytes) and
 * `restoreNames` maps them back. `loaded`: the file, when the caller has
 * already loaded it.
 */
export async function runnableModel(path: string, options: { batch?: number; export?: ExportOptions; safeNames?: boolean; loaded?: LoadedModel } = {}): Promise<RunnableModel> {
  const loaded = options.loaded ?? (await loadModelFile(path));
  let model = loaded.model;
  let batchBuiltIn = false;
  let exportOptions = options.export;
  if (model.format === 'onnx') {
    const fixed = options.batch !== undefined ? fixedBatchInputs(model, options.batch) : [];
    if (fixed.length === 0 && !options.export?.intermediateOutputs) {
      if (!(options.safeNames && hasUnsafeNames(model))) return { model, readExternal: loaded.readExternal, source: { path }, batchBuiltIn: false };
      // Re-encoded only to be renamed: as the file declares it, the runtime inferring the rest.
      exportOptions = { ...exportOptions, declareShapes: false };
    }
    if (fixed.length > 0) {
      model = rebatched(model, fixed, options.batch!);
      batchBuiltIn = true;
    }
  }
  if (model.format === 'yaml' && options.batch !== undefined && options.batch !== 1 && isCnnYamlName(path)) {
    model = definitionAtBatch(readFileSync(path, 'utf8'), path, options.batch);
    batchBuiltIn = true;
  }
  const prepared = prepareExport(model, { readExternal: loaded.readExternal, ...exportOptions });
  const safe = options.safeNames ? withSafeNames(prepared) : undefined;
  const runnable = safe?.model ?? prepared;
  return {
    model: runnable,
    source: { bytes: encodeOnnx(runnable, { producerName: 'convlens' }) },
    batchBuiltIn,
    ...(safe ? { restoreNames: { restore: safe.restore, restorePrintable: safe.restorePrintable } } : {}),
  };
}
