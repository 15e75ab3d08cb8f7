/**
 * TF.js `model.json` of a layers model (tfjs-core src/io/types.ts
 * `ModelJSON`): `modelTopology` is a Keras model config, either bare (as
 * `model.save()` in TF.js writes it) or wrapped as `{model_config, …}` (as
 * tensorflowjs_converter writes a Keras .h5); `weightsManifest` lists every
 * weight's name, shape and dtype. The topology is lowered by ./keras; the
 * manifest's shapes are read (never the .bin shards) to check the lowered
 * parameter count against the one the file declares.
 */
import type { Model } from '../ir';
import { ModelLoadError, formatCount } from '../errors';
import { loadTfjsGraphModel } from './tfjs-graph';
import { lowerKerasModel, modelOrThrow, type LoweredKeras } from './keras';
import { isJsonObject, parseJsonText, type Json, type JsonPath } from './keras-json';

/** A parsed JSON value that is a TF.js model.json (layers or graph model). */
export function looksLikeTfjsModel(v: unknown): v is Json {
  return isJsonObject(v) && ('modelTopology' in v || 'weightsManifest' in v || v.format === 'layers-model' || v.format === 'graph-model');
}

/** A graph model (a TensorFlow GraphDef, `format: graph-model`): not a Keras topology. */
export function isTfjsGraphModel(v: Json): boolean {
  const t = v.modelTopology;
  return v.format === 'graph-model' || (isJsonObject(t) && Array.isArray(t.node));
}

/** Where the Keras model config sits in a layers model.json. */
export function tfjsTopologyPath(v: Json): JsonPath {
  const t = v.modelTopology;
  return isJsonObject(t) && isJsonObject(t.model_config) ? ['modelTopology', 'model_config'] : ['modelTopology'];
}

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
}

/** The weights the manifest lists; undefined when it has no readable `weightsManifest`. */
export function manifestWeights(v: Json): ManifestWeight[] | undefined {
  const groups = v.weightsManifest;
  if (!Array.isArray(groups)) return undefined;
  const out: ManifestWeight[] = [];
  for (const g of groups) {
    if (!isJsonObject(g) || !Array.isArray(g.weights)) return undefined;
    for (const w of g.weights) {
      if (!isJsonObject(w) || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && d >= 0)) return undefined;
      const dtype: unknown = w.dtype ?? 'float32';
      out.push({ name: String(w.name), shape: w.shape as number[], dtype: String(dtype) });
    }
  }
  return out;
}

/** Parameters the lowered model stores: its float weights (int64 initializers are shape constants). */
function loweredParams(model: Model): number {
  let n = 0;
  for (const name of model.graph.initializers) {
    const v = model.graph.values.get(name);
    if (v?.dtype === 'float32' && v.shape) n += v.shape.reduce<number>((p, d) => p * (typeof d === 'number' ? d : 1), 1);
  }
  return n;
}

/** A layers model.json value → IR and problems (paths into the model.json). */
export function lowerTfjsLayersModel(v: Json): LoweredKeras {
  const path = tfjsTopologyPath(v);
  const topology = path.length === 2 ? (v.modelTopology as Json).model_config : v.modelTopology;
  const lowered = lowerKerasModel(topology, { format: 'tfjs', path });
  const m = lowered.model;
  for (const f of ['format', 'generatedBy', 'convertedBy'] as const) if (typeof v[f] === 'string') m.metadata[f] = v[f];
  const weights = manifestWeights(v);
  if (weights && lowered.problems.every((p) => p.severity !== 'error')) {
    const declared = weights.reduce((a, w) => a + w.shape.reduce((p, d) => p * d, 1), 0);
    const ours = loweredParams(m);
    if (declared !== ours) {
      lowered.problems.push({
        severity: 'warning', path: ['weightsManifest'],
        message: `the weights manifest lists ${formatCount(declared)} parameters, the lowered model has ${formatCount(ours)}; per-layer counts may be off`,
      });
    }
  }
  return lowered;
}

/** The `.bin` shard paths of a model.json, in manifest order (relative to the model.json). */
export function weightShardPaths(v: Json): string[] {
  const groups = Array.isArray(v.weightsManifest) ? v.weightsManifest : [];
  return groups.flatMap((g) => (isJsonObject(g) && Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : []));
}

export interface TfjsLoadOptions {
  /**
   * Reads the weight shards (concatenated, manifest order), or undefined when
   * they are missing or too large: a graph model's small integer constants
   * (reshape targets, reduction axes) live there.
   */
  readShards?: (paths: string[]) => Uint8Array | undefined;
}

/** A parsed model.json → IR: a layers model through ./keras, a graph model through ./tfjs-graph. */
export function tfjsModelFromJson(v: Json, file: string, options: TfjsLoadOptions = {}): Model {
  if (isTfjsGraphModel(v)) {
    const weightData = options.readShards?.(weightShardPaths(v));
    return loadTfjsGraphModel(v, file, weightData ? { weightData } : {});
  }
  if (v.modelTopology === undefined || v.modelTopology === null) {
    throw new ModelLoadError(file, 'a TF.js model.json without modelTopology (a weights manifest alone has no architecture)');
  }
  return modelOrThrow(lowerTfjsLayersModel(v), file);
}

/** model.json text → IR. */
export function loadTfjsModelJson(text: string, file: string, options: TfjsLoadOptions = {}): Model {
  const v = parseJsonText(text, file, 'the TF.js model.json');
  if (!looksLikeTfjsModel(v)) throw new ModelLoadError(file, 'not a TF.js model.json (expected modelTopology and weightsManifest)');
  return tfjsModelFromJson(v, file, options);
}
