/**
 * The Keras model config of a model file, as a runtime that builds Keras
 * models (TensorFlow.js) needs it: from a `.keras` archive (config.json), a
 * legacy `.h5` (model_config), the JSON of `model.to_json()`, or a TF.js
 * layers `model.json` (modelTopology, with its weights manifest and the
 * folder its shards are in). Undefined for other files (ONNX, definitions,
 * TF.js graph models).
 */
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { isJsonObject, parseJsonText, type Json } from './keras-json';
import { isZip, readKerasArchiveConfig } from './keras-archive';
import { initHdf5, isHdf5, readKerasH5Config } from './keras-h5';
import { isTfjsGraphModel, looksLikeTfjsModel } from './tfjs-layers';
import { isCnnYamlName } from '../formats';

export interface KerasConfig {
  /** `{class_name, config}` of the model. */
  model: Json;
  source: 'keras' | 'tfjs-layers';
  /** TF.js layers models: the weights manifest and the folder its paths are relative to. */
  weights?: { manifest: unknown[]; dir: string };
  /** Legacy `.h5` files: the file, whose `model_weights` can be read (readKerasH5Weights). */
  h5?: string;
}

export async function readKerasConfig(path: string): Promise<KerasConfig | undefined> {
  const file = basename(path);
  if (isCnnYamlName(path)) return undefined;
  // A pipe or device would block the read forever; the static loader reports such files.
  if (!statSync(path).isFile()) return undefined;
  const bytes = readFileSync(path);
  if (isHdf5(bytes)) {
    await initHdf5();
    const text = readKerasH5Config(path, file);
    if (!text) return undefined;
    const v = parseJsonText(text, file, 'the model_config attribute');
    return isJsonObject(v) ? { model: v, source: 'keras', h5: path } : undefined;
  }
  if (isZip(bytes)) {
    const v = parseJsonText(readKerasArchiveConfig(bytes, file), file, 'config.json');
    return isJsonObject(v) ? { model: v, source: 'keras' } : undefined;
  }
  const head = bytes.subarray(0, 64).toString('utf8').replace(/^\uFEFF/, '').trimStart();
  if (!head.startsWith('{')) return undefined;
  const v = parseJsonText(bytes.toString('utf8'), file, 'the JSON model');
  if (!isJsonObject(v)) return undefined;
  if (looksLikeTfjsModel(v)) {
    if (isTfjsGraphModel(v)) return undefined;
    const t = v.modelTopology;
    const model = isJsonObject(t) && isJsonObject(t.model_config) ? t.model_config : t;
    if (!isJsonObject(model)) return undefined;
    const manifest = Array.isArray(v.weightsManifest) ? v.weightsManifest : undefined;
    return { model, source: 'tfjs-layers', ...(manifest ? { weights: { manifest, dir: dirname(resolve(path)) } } : {}) };
  }
  if ('class_name' in v && 'config' in v) return { model: v, source: 'keras' };
  return undefined;
}
