/**
 * Model loading from bytes or from a file path: picks the loader by content
 * (not the extension; `*.cnn.yaml` text definitions by name), trying the
 * formats of `../formats.ts` in its order with each one's matcher, and wires
 * external-data reading for ONNX. Keras/TF.js JSON, `.keras` zips and
 * legacy `.h5` (HDF5) files are Keras models. `loadModelFile` and
 * `loadModelBytes` start HDF5 support themselves; the `…Sync` variants are for
 * callers that cannot wait (an HDF5 file then needs `initHdf5()` first).
 */
import { closeSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { readSideFile, sideFileSize } from './side-files';
import type { Model } from '../ir';
import { ModelLoadError, formatCount } from '../errors';
import { isCnnYamlName, MODEL_FORMATS, type FormatId } from '../formats';
import type { ExternalReader } from '../tensor-data';
import { loadOnnx, matchOnnx } from './onnx';
import { readOnnxSkeleton } from './onnx-ranges';
import { loadCnnYaml } from './cnn-yaml-model';
import { isJsonObject, kerasModelFromJson, parseJsonText, type Json } from './keras';
import { isZip, loadKerasArchive } from './keras-archive';
import { Hdf5StartError, initHdf5, isHdf5, loadKerasH5, loadKerasH5File } from './keras-h5';
import { looksLikeTfjsModel, tfjsModelFromJson, type TfjsLoadOptions } from './tfjs-layers';

export interface LoadedModel {
  model: Model;
  /** Reads ONNX external-data ranges next to the model file. */
  readExternal: ExternalReader;
  fileBytes: number;
}

/** Protobuf messages cannot exceed 2 GiB; larger ONNX models use external data. */
const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

export type BytesLoadOptions = TfjsLoadOptions;

/**
 * A model from its bytes, whatever the format: HDF5 support (WebAssembly) is
 * started here when the bytes are HDF5, so callers need no start-up step.
 */
export async function loadModelBytes(bytes: Uint8Array, file: string, options: BytesLoadOptions = {}): Promise<Model> {
  if (isHdf5(bytes)) await startHdf5(file);
  return loadModelBytesSync(bytes, file, options);
}

/** Starts HDF5 support for `file`; failing to start is that file's load error. */
async function startHdf5(file: string): Promise<void> {
  try {
    await initHdf5();
  } catch (err) {
    throw err instanceof Hdf5StartError ? new ModelLoadError(file, `cannot be read: ${err.message}`) : err;
  }
}

/** What a format's matcher sees: the bytes, the name, and the JSON text parsed once on demand. */
interface Probe {
  bytes: Uint8Array;
  file: string;
  /** The bytes as JSON when they start like JSON (undefined otherwise); a parse error is the file's load error. */
  json(): unknown;
}

interface FormatLoader {
  match(probe: Probe): boolean;
  load(probe: Probe, options: BytesLoadOptions): Model;
}

/** Each loadable format's matcher and loader (formats.ts holds the rest of its entry); tried in MODEL_FORMATS order. */
const LOADERS: Record<Exclude<FormatId, 'pytorch'>, FormatLoader> = {
  onnx: { match: (p) => matchOnnx(p.bytes), load: (p) => loadOnnx(p.bytes, { file: p.file }) },
  'cnn-yaml': { match: (p) => isCnnYamlName(p.file), load: (p) => loadCnnYaml(utf8Text(p), p.file) },
  tfjs: { match: (p) => looksLikeTfjsModel(p.json()), load: (p, options) => tfjsModelFromJson(p.json() as Json, p.file, options) },
  'keras-json': { match: (p) => isKerasConfig(p.json()), load: (p) => kerasModelFromJson(p.json(), p.file) },
  'keras-h5': { match: (p) => isHdf5(p.bytes), load: (p) => loadKerasH5(p.bytes, p.file) },
  'keras-archive': { match: (p) => isZip(p.bytes), load: (p) => loadKerasArchive(p.bytes, p.file) },
};

const isKerasConfig = (v: unknown): boolean => isJsonObject(v) && 'class_name' in v && 'config' in v;

function utf8Text(p: Probe): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(p.bytes);
  } catch {
    throw new ModelLoadError(p.file, 'is not UTF-8 text (a .cnn.yaml definition is YAML text)');
  }
}

function probeOf(bytes: Uint8Array, file: string): Probe {
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).replace(/^\uFEFF/, '').trimStart();
  const jsonLike = head.startsWith('{') || head.startsWith('[');
  let parsed: { value: unknown } | undefined;
  return {
    bytes,
    file,
    json: () => {
      if (!jsonLike) return undefined;
      parsed ??= { value: parseJsonText(new TextDecoder().decode(bytes), file, 'the JSON model') };
      return parsed.value;
    },
  };
}

/** `loadModelBytes` for callers that cannot wait: an HDF5 file needs `initHdf5()` to have resolved. */
export function loadModelBytesSync(bytes: Uint8Array, file: string, options: BytesLoadOptions = {}): Model {
  if (bytes.length === 0) throw new ModelLoadError(file, 'empty file');
  const probe = probeOf(bytes, file);
  for (const format of MODEL_FORMATS) {
    if (!format.loadable) continue;
    const loader = LOADERS[format.id as keyof typeof LOADERS];
    if (loader.match(probe)) return loader.load(probe, options);
  }
  if (probe.json() !== undefined) {
    throw new ModelLoadError(file, 'JSON that is neither a Keras model config (class_name, config) nor a TF.js model.json (modelTopology, weightsManifest)');
  }
  throw new ModelLoadError(file, 'not a model file ConvLens recognises (expected ONNX, a Keras .keras/.h5/JSON model or a TF.js model.json)');
}

/** An external-data reader confined to the model's real folder (side-files.ts). */
export function externalReader(modelPath: string): ExternalReader {
  const dir = dirname(resolve(modelPath));
  const file = basename(modelPath);
  return (location, offset, length) => readSideFile(dir, location, file, 'external data file', offset, length);
}

/** Warnings for external-data files that cannot be read (missing, outside the folder, not regular files). */
function unreadableExternalData(model: Model, modelPath: string): string[] {
  const dir = dirname(resolve(modelPath));
  const locations = new Set<string>();
  for (const name of model.graph.initializers) {
    const s = model.graph.values.get(name)?.data?.storage;
    if (s?.kind === 'external') locations.add(s.location);
  }
  const warnings: string[] = [];
  for (const loc of locations) {
    try {
      sideFileSize(dir, loc, basename(modelPath), 'external data file');
    } catch (err) {
      const why = err instanceof ModelLoadError ? err.problem : String(err);
      warnings.push(`${why}: weight values cannot be read (shapes and counts do not need them)`);
    }
  }
  return warnings;
}

/** TF.js weight shards are read (for a graph model's integer constants) only up to this total size. */
export const MAX_SHARD_BYTES = 64 * 2 ** 20;

/** Reads a model.json's weight shards from its folder; undefined when one is missing, outside it, not a regular file, or they are too large. */
function shardReader(modelPath: string): (paths: string[]) => Uint8Array | undefined {
  const dir = dirname(resolve(modelPath));
  const file = basename(modelPath);
  return (paths) => {
    if (paths.length === 0) return undefined;
    try {
      const total = paths.reduce((a, p) => a + sideFileSize(dir, p, file, 'weight shard'), 0);
      if (total > MAX_SHARD_BYTES) return undefined;
      return Buffer.concat(paths.map((p) => readSideFile(dir, p, file, 'weight shard')));
    } catch {
      return undefined;
    }
  };
}

/** Files at least this large are read in ranges (weights stay on disk). */
export const RANGE_READ_ABOVE = 16 * 2 ** 20;

function readHead(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(256);
    return buf.subarray(0, readSync(fd, buf, 0, 256, 0));
  } finally {
    closeSync(fd);
  }
}

export interface LoadOptions {
  /** Size from which ONNX files are read in ranges (default RANGE_READ_ABOVE). */
  rangeReadAbove?: number;
}

/** `loadModelFile` for callers that cannot wait: an HDF5 file needs `initHdf5()` to have resolved. */
export function loadModelFileSync(path: string, options: LoadOptions = {}): LoadedModel {
  const file = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ModelLoadError(file, 'is a folder, not a model file');
    // A FIFO or device would block the read forever.
    if (!st.isFile()) throw new ModelLoadError(file, 'is not a regular file (a pipe, socket or device), so it is not read');
    size = st.size;
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(path, 'cannot read the file (it does not exist or is not readable)');
  }
  const head = readHead(path);
  // HDF5 is opened in place: only its model_config attribute is read, not the weights.
  if (isHdf5(head)) return { model: loadKerasH5File(path, file), readExternal: externalReader(path), fileBytes: size };
  if (size > MAX_PROTOBUF_BYTES) {
    throw new ModelLoadError(file, `is ${formatCount(size)} bytes; a single ONNX protobuf is limited to 2 GiB (large models keep weights in external data files)`);
  }
  // Large ONNX files are read in ranges, leaving the weights in the file.
  const bytes = size >= (options.rangeReadAbove ?? RANGE_READ_ABOVE) && matchOnnx(head) ? readOnnxSkeleton(path) : readFileSync(path);
  const model = loadModelBytesSync(bytes, file, { readShards: shardReader(path) });
  model.warnings.push(...unreadableExternalData(model, path));
  return { model, readExternal: externalReader(path), fileBytes: size };
}

/**
 * A model file, whatever the format (chosen by content). HDF5 support
 * (WebAssembly, asynchronous) is started here when the file is a legacy
 * Keras .h5, so callers need no start-up step of their own.
 */
export async function loadModelFile(path: string, options: LoadOptions = {}): Promise<LoadedModel> {
  let hdf5 = false;
  try {
    // Only a regular file's head is read (a FIFO would block): loadModelFileSync reports the rest.
    if (statSync(path).isFile()) hdf5 = isHdf5(readHead(path));
  } catch {
    // Unreadable: loadModelFileSync reports it.
  }
  if (hdf5) await startHdf5(basename(path));
  return loadModelFileSync(path, options);
}
