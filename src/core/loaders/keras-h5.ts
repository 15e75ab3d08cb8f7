/**
 * Legacy Keras `.h5` files (`model.save("m.h5")`, keras/src/legacy/saving/
 * legacy_h5_format.py): HDF5 whose root attribute `model_config` holds the
 * model config as JSON text. Read with h5wasm (the HDF5 C library in
 * WebAssembly). Its Node build uses Emscripten's NODERAWFS, i.e. the real
 * file system: a file is opened by its path, and bytes are written to a
 * temporary file first. HDF5 reads only the attribute, never the weights.
 *
 * h5wasm starts asynchronously while model loading is synchronous, so
 * `initHdf5()` must have resolved before these loaders run
 * (`loadModelFileAsync` in ./index does it when a file is HDF5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../ir';
import { ModelLoadError } from '../errors';
import { kerasModelFromJson, parseJsonText } from './keras';

type H5wasm = typeof import('h5wasm/node', { with: { 'resolution-mode': 'import' } });

let h5: H5wasm | undefined;
let starting: Promise<void> | undefined;

/** Loads and starts h5wasm once; later calls share the first. */
export function initHdf5(): Promise<void> {
  starting ??= (async () => {
    // A dynamic import: h5wasm is an ES module, and only HDF5 files need it.
    const mod = await import('h5wasm/node');
    const module = await mod.ready;
    // HDF5 errors become exceptions carrying the diagnostic, instead of text printed to stderr.
    module.activate_throwing_error_handler();
    h5 = mod;
  })();
  return starting;
}

/** The HDF5 signature `\x89HDF\r\n\x1a\n` (at offset 0, where Keras writes it). */
export function isHdf5(bytes: Uint8Array): boolean {
  const sig = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
  return bytes.length >= 8 && sig.every((b, i) => bytes[i] === b);
}

/** The last "minor:" line of an HDF5 diagnostic (e.g. "File has been truncated"), else its first line. */
function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const minors = [...text.matchAll(/minor: (.*)/g)].map((m) => m[1].trim());
  return minors.length > 0 ? minors[minors.length - 1] : text.split('\n')[0];
}

/** The `model_config` text of the HDF5 file at `path`, or undefined when it has none. */
function readModelConfig(lib: H5wasm, path: string, file: string): string | undefined {
  let f: InstanceType<H5wasm['File']>;
  try {
    f = new lib.File(path, 'r');
  } catch (err) {
    throw new ModelLoadError(file, `is not a readable HDF5 file (${hdf5Reason(err)}); it may be truncated or corrupt`);
  }
  try {
    if (typeof f.file_id === 'bigint' && f.file_id < 0n) throw new ModelLoadError(file, 'cannot be opened as an HDF5 file');
    const attr = f.attrs.model_config;
    if (!attr) return undefined;
    let v: unknown = attr.value;
    if (Array.isArray(v) && v.length === 1) v = v[0];
    // h5py writes `json.dumps(…).encode("utf8")`: a byte string, which may come back as bytes.
    if (v instanceof Uint8Array) v = new TextDecoder().decode(v);
    if (typeof v !== 'string') throw new ModelLoadError(file, 'its model_config attribute is not text');
    return v;
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(file, `its model_config attribute cannot be read (${hdf5Reason(err)})`);
  } finally {
    f.close();
  }
}

/** The `model_config` JSON text of a legacy Keras `.h5` file at `path` (undefined: weights only). */
export function readKerasH5Config(path: string, file: string): string | undefined {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFileAsync)');
  return readModelConfig(h5, path, file);
}

/** A legacy Keras `.h5` model file at `path` → IR (`file` names it in messages). */
export function loadKerasH5File(path: string, file: string): Model {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFileAsync)');
  const text = readModelConfig(h5, path, file);
  if (text === undefined) {
    throw new ModelLoadError(file, 'holds weights only (no model_config); ConvLens needs the architecture: save with model.save("model.h5") or model.save("model.keras"), or use the JSON of model.to_json()');
  }
  return kerasModelFromJson(parseJsonText(text, file, 'the model_config attribute'), file, 'keras');
}

/** A legacy Keras `.h5` file's bytes → IR, through a temporary file (h5wasm reads files by path). */
export function loadKerasH5(bytes: Uint8Array, file: string): Model {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFileAsync)');
  const dir = mkdtempSync(join(tmpdir(), 'convlens-h5-'));
  try {
    const path = join(dir, 'model.h5');
    writeFileSync(path, bytes);
    return loadKerasH5File(path, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
