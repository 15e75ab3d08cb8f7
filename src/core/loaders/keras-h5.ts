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
 * (`loadModelFile` in ./index does it when a file is HDF5).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Model } from '../ir';
import { ModelLoadError } from '../errors';
import { kerasModelFromJson } from './keras';
import { parseJsonText } from './keras-json';

// A dynamic import: h5wasm is an ES module, and only HDF5 files need it.
const importH5wasm = () => import('h5wasm/node');
type H5wasm = Awaited<ReturnType<typeof importH5wasm>>;

let h5: H5wasm | undefined;
let starting: Promise<void> | undefined;

/** Loads and starts h5wasm once; later calls share the first. */
export function initHdf5(): Promise<void> {
  starting ??= (async () => {
    try {
      const mod = await importH5wasm();
      const module = await mod.ready;
      // HDF5 errors become exceptions carrying the diagnostic, instead of text printed to stderr.
      module.activate_throwing_error_handler();
      h5 = mod;
    } catch (err) {
      // Typically WebAssembly memory refused under a memory limit; a later call may try again.
      starting = undefined;
      const why = /memory/i.test(String((err as Error)?.message ?? err)) ? 'not enough memory for its WebAssembly instance' : 'its WebAssembly module failed to load, most often for lack of memory';
      throw new Hdf5StartError(`HDF5 support could not start (${why})`);
    }
  })();
  return starting;
}

/** h5wasm could not start; loaders turn it into a ModelLoadError naming the file. */
export class Hdf5StartError extends Error {}

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
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFile)');
  return readModelConfig(h5, path, file);
}

/** A legacy Keras `.h5` model file at `path` → IR (`file` names it in messages). */
export function loadKerasH5File(path: string, file: string): Model {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFile)');
  const text = readModelConfig(h5, path, file);
  if (text === undefined) {
    throw new ModelLoadError(file, 'holds weights only (no model_config); ConvLens needs the architecture: save with model.save("model.h5") or model.save("model.keras"), or use the JSON of model.to_json()');
  }
  return kerasModelFromJson(parseJsonText(text, file, 'the model_config attribute'), file, 'keras');
}

/** A legacy Keras `.h5` file's bytes → IR, through a temporary file (h5wasm reads files by path). */
export function loadKerasH5(bytes: Uint8Array, file: string): Model {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFile)');
  const dir = mkdtempSync(join(tmpdir(), 'convlens-h5-'));
  try {
    const path = join(dir, 'model.h5');
    writeFileSync(path, bytes);
    return loadKerasH5File(path, file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface StoredWeight {
  /** The weight's name in the file, e.g. `conv2d/kernel:0`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** A string-list attribute, also when Keras split it as `name0`, `name1`, … (HDF5's object-header limit). */
function stringList(attrs: Record<string, { value: unknown }>, name: string): string[] | undefined {
  const decode = (v: unknown): string[] => (Array.isArray(v) ? v : [v]).map((x) => (x instanceof Uint8Array ? new TextDecoder().decode(x) : String(x)));
  if (attrs[name]) return decode(attrs[name].value);
  const parts: string[] = [];
  for (let i = 0; attrs[`${name}${i}`]; i++) parts.push(...decode(attrs[`${name}${i}`].value));
  return parts.length ? parts : undefined;
}

/**
 * The weights a legacy `.h5` stores (keras/src/legacy/saving/legacy_h5_format.py):
 * under `model_weights` (or the root, for `save_weights` files) an attribute
 * `layer_names`, a group per layer with an attribute `weight_names`, and a
 * dataset per weight named after it. Layer name → its weights in order;
 * undefined when the file has none. Float data only.
 */
export function readKerasH5Weights(path: string, file: string): Map<string, StoredWeight[]> | undefined {
  if (!h5) throw new ModelLoadError(file, 'HDF5 support is not initialised (call initHdf5() first, or load with loadModelFile)');
  const f = new h5.File(path, 'r');
  try {
    const root = (f.get('model_weights') as InstanceType<H5wasm['Group']> | null) ?? f;
    const layers = stringList(root.attrs, 'layer_names');
    if (!layers) return undefined;
    const base = root === f ? '' : 'model_weights/';
    const out = new Map<string, StoredWeight[]>();
    for (const layer of layers) {
      const g = f.get(`${base}${layer}`) as InstanceType<H5wasm['Group']> | null;
      if (!g) continue;
      const names = stringList(g.attrs, 'weight_names') ?? [];
      const weights: StoredWeight[] = [];
      for (const name of names) {
        const ds = f.get(`${base}${layer}/${name}`) as InstanceType<H5wasm['Dataset']> | null;
        const value = ds?.value;
        if (!ds || !(value instanceof Float32Array || value instanceof Float64Array)) throw new ModelLoadError(file, `weight ${layer}/${name} is missing or not floating-point`);
        weights.push({ name, shape: [...(ds.shape ?? [])], values: value instanceof Float32Array ? value : Float32Array.from(value) });
      }
      out.set(layer, weights);
    }
    return out;
  } catch (err) {
    if (err instanceof ModelLoadError) throw err;
    throw new ModelLoadError(file, `its weights cannot be read (${hdf5Reason(err)})`);
  } finally {
    f.close();
  }
}
