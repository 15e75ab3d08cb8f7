/**
 * Model loading from bytes or from a file path: picks the loader by content
 * (not the extension; `*.cnn.yaml` text definitions by name) and wires
 * external-data reading for ONNX.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync, statSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative, resolve } from 'node:path';
import type { Model } from '../ir';
import { ModelLoadError, formatCount } from '../errors';
import type { ExternalReader } from '../tensor-data';
import { loadOnnx, matchOnnx } from './onnx';
import { readOnnxSkeleton } from './onnx-ranges';
import { loadCnnYaml } from './cnn-yaml-model';

/** ConvLens's own model definitions: `*.cnn.yaml` (or `.cnn.yml`). */
export const isCnnYamlName = (file: string): boolean => /\.cnn\.ya?ml$/i.test(file);

export interface LoadedModel {
  model: Model;
  /** Reads ONNX external-data ranges next to the model file. */
  readExternal: ExternalReader;
  fileBytes: number;
}

/** Protobuf messages cannot exceed 2 GiB; larger ONNX models use external data. */
const MAX_PROTOBUF_BYTES = 2 ** 31 - 1;

export function loadModelBytes(bytes: Uint8Array, file: string): Model {
  if (bytes.length === 0) throw new ModelLoadError(file, 'empty file');
  if (matchOnnx(bytes)) return loadOnnx(bytes, { file });
  if (isCnnYamlName(file)) {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new ModelLoadError(file, 'is not UTF-8 text (a .cnn.yaml definition is YAML text)');
    }
    return loadCnnYaml(text, file);
  }
  const head = new TextDecoder().decode(bytes.subarray(0, 64)).trimStart();
  if (head.startsWith('{') || head.startsWith('[')) {
    throw new ModelLoadError(file, 'JSON model files (Keras / TF.js) are not supported yet; ConvLens reads ONNX models');
  }
  if (bytes[0] === 0x89 && head.includes('HDF')) throw new ModelLoadError(file, 'HDF5 (.h5) models are not supported yet; ConvLens reads ONNX models');
  if (bytes[0] === 0x50 && bytes[1] === 0x4b) throw new ModelLoadError(file, 'zip archives (.keras, .pt) are not supported yet; ConvLens reads ONNX models');
  throw new ModelLoadError(file, 'not a model file ConvLens recognises (expected a binary ONNX model)');
}

/** An external-data reader confined to the model's directory. */
export function externalReader(modelPath: string): ExternalReader {
  const dir = dirname(resolve(modelPath));
  const file = basename(modelPath);
  return (location, offset, length) => {
    const target = resolve(dir, location);
    const rel = relative(dir, target);
    if (isAbsolute(location) || rel.startsWith('..')) {
      throw new ModelLoadError(file, `external data location '${location}' points outside the model's folder`);
    }
    let fd: number;
    try {
      fd = openSync(target, 'r');
    } catch {
      throw new ModelLoadError(file, `external data file '${location}' is missing`);
    }
    try {
      const size = fstatSync(fd).size;
      const len = length ?? size - offset;
      if (offset < 0 || offset + len > size) {
        throw new ModelLoadError(file, `external data '${location}' is ${formatCount(size)} bytes, but a tensor needs bytes ${formatCount(offset)}–${formatCount(offset + len)}`);
      }
      const buf = Buffer.allocUnsafe(len);
      readSync(fd, buf, 0, len, offset);
      return buf;
    } finally {
      closeSync(fd);
    }
  };
}

/** Warnings for external-data files that are not beside the model. */
function missingExternalData(model: Model, modelPath: string): string[] {
  const dir = dirname(resolve(modelPath));
  const locations = new Set<string>();
  for (const name of model.graph.initializers) {
    const s = model.graph.values.get(name)?.data?.storage;
    if (s?.kind === 'external') locations.add(s.location);
  }
  return [...locations]
    .filter((loc) => !existsSync(resolve(dir, loc)))
    .map((loc) => `external data file '${loc}' is missing: weight values cannot be read (shapes and counts do not need them)`);
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

export function loadModelFile(path: string, options: LoadOptions = {}): LoadedModel {
  const file = basename(path);
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new ModelLoadError(file, 'is a folder, not a model file');
    size = st.size;
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(path, 'cannot read the file (it does not exist or is not readable)');
  }
  if (size > MAX_PROTOBUF_BYTES) {
    throw new ModelLoadError(file, `is ${formatCount(size)} bytes; a single ONNX protobuf is limited to 2 GiB (large models keep weights in external data files)`);
  }
  // Large ONNX files are read in ranges, leaving the weights in the file.
  const bytes = size >= (options.rangeReadAbove ?? RANGE_READ_ABOVE) && matchOnnx(readHead(path)) ? readOnnxSkeleton(path) : readFileSync(path);
  const model = loadModelBytes(bytes, file);
  model.warnings.push(...missingExternalData(model, path));
  return { model, readExternal: externalReader(path), fileBytes: size };
}
