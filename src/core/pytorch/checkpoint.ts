/**
 * PyTorch checkpoints (`torch.save`, `.pt`/`.pth`), read natively: the zip
 * archive PyTorch has written since 1.6 (`<name>/data.pkl` plus one record
 * `<name>/data/<key>` per storage) and its pickle through pickle.ts, which
 * runs nothing. What comes out is the list of tensors, named by their path
 * in the saved object (`conv1.weight`, or `state_dict.conv1.weight` inside
 * a training checkpoint), with shapes, dtypes and sizes. Tensor bytes are
 * not read. TorchScript and torch.export archives and the legacy (pre-1.6)
 * format are recognised and refused with what to do instead.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { unzipSync } from 'fflate';
import { ModelLoadError } from '../errors';
import { PickleError, unpickle, type PyValue, type TorchDtype, type TorchTensor } from './pickle';

export interface CheckpointTensor {
  /** Its path in the saved object: dict keys and list indices joined by dots. */
  name: string;
  shape: number[];
  dtype: TorchDtype;
  elements: number;
  bytes: number;
  /** Saved as an nn.Parameter (whole-model saves). */
  parameter: boolean;
  /** The archive record holding its bytes. */
  storage: string;
}

export interface Checkpoint {
  tensors: CheckpointTensor[];
  /** Plain values beside the tensors (`epoch`, `arch`, hyper-parameters), as short text. */
  values: { name: string; value: string }[];
  warnings: string[];
}

const ITEM_BYTES: Record<TorchDtype, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int16: 2, int8: 1, uint8: 1, bool: 1, complex64: 8, complex128: 16,
};

/** The bytes a legacy (pre-1.6) torch.save file starts with: pickle protocol 2, then its magic number as a LONG1. */
const LEGACY_MAGIC = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];

export function isZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

export function isLegacyTorch(bytes: Uint8Array): boolean {
  return LEGACY_MAGIC.every((b, i) => bytes[i] === b);
}

/** Whether `bytes` look like a torch.save archive: a zip whose records include `<name>/data.pkl`. */
export function looksLikeTorchArchive(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  // The first record's name: torch writes data.pkl first.
  const nameLength = bytes[26] | (bytes[27] << 8);
  const name = new TextDecoder().decode(bytes.subarray(30, 30 + Math.min(nameLength, 512)));
  return /(^|\/)data\.pkl$/.test(name);
}

/** Whether a zip is a TorchScript archive (torch.jit.save: `code/` and `constants.pkl` records); lists names only. */
export function isTorchScriptArchive(bytes: Uint8Array): boolean {
  if (!isZip(bytes)) return false;
  let script = false;
  try {
    unzipSync(bytes, { filter: (f) => ((script ||= isTorchScriptRecord(f.name)), false) });
  } catch {
    return false;
  }
  return script;
}

const isTorchScriptRecord = (name: string) => /(^|\/)code\//.test(name) || /(^|\/)constants\.pkl$/.test(name);

/**
 * A torch.save file's bytes, when `path` is one: a zip whose first record is `data.pkl`, the legacy
 * format, or a zip named .pt/.pth. Decided from its first bytes, opened without blocking (a FIFO
 * is left to the model loader, which refuses it), so a large ONNX file is not read twice.
 */
export function readTorchFile(path: string): Uint8Array | undefined {
  const head = new Uint8Array(600);
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) return undefined;
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined; // the loader says what is wrong with the path
  }
  const torch = looksLikeTorchArchive(head) || isLegacyTorch(head) || (/\.(pt|pth)$/i.test(path) && isZip(head));
  return torch ? readFileSync(path) : undefined;
}

export function readCheckpoint(bytes: Uint8Array, file: string): Checkpoint {
  if (isLegacyTorch(bytes)) {
    throw new ModelLoadError(file, 'a PyTorch file in the legacy format (torch.save before PyTorch 1.6, or _use_new_zipfile_serialization=False): load it with torch and save it again with torch.save to read it here');
  }
  if (!isZip(bytes)) throw new ModelLoadError(file, 'not a PyTorch checkpoint (torch.save writes a zip archive; these bytes are not one)');
  const records = new Map<string, number>();
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, {
      filter: (f) => {
        records.set(f.name, f.originalSize);
        return /(^|\/)data\.pkl$/.test(f.name);
      },
    });
  } catch (e) {
    throw new ModelLoadError(file, `a damaged zip archive (${(e as Error).message})`);
  }
  const names = [...records.keys()];
  if (names.some(isTorchScriptRecord)) {
    throw new ModelLoadError(file, 'a TorchScript archive (torch.jit.save): its graph is TorchScript code, which ConvLens reads only through Python (`convlens profile model.pt --input 1x3x224x224`, torch needed), or save the state_dict (torch.save(model.state_dict(), f)) to see its weights here');
  }
  if (names.some((n) => /(^|\/)(archive_format|serialized_exported_program\.json)$/.test(n) || /(^|\/)models\/.*\.json$/.test(n))) {
    throw new ModelLoadError(file, 'a torch.export archive (.pt2): ConvLens does not read it natively; export the model to ONNX, or save its state_dict');
  }
  const pkl = Object.keys(files).find((n) => /(^|\/)data\.pkl$/.test(n));
  if (!pkl) throw new ModelLoadError(file, `a zip archive without data.pkl: not written by torch.save (records: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`);
  const prefix = pkl.slice(0, pkl.length - 'data.pkl'.length);
  let root: PyValue;
  try {
    root = unpickle(files[pkl]);
  } catch (e) {
    if (e instanceof PickleError) throw new ModelLoadError(file, `not read: ${e.message}`);
    throw e;
  }
  const out: Checkpoint = { tensors: [], values: [], warnings: [] };
  walk(root, '', out, 0);
  for (const t of out.tensors) {
    const size = records.get(`${prefix}data/${t.storage}`);
    if (size === undefined) out.warnings.push(`${t.name}: its storage record data/${t.storage} is missing from the archive`);
  }
  if (out.tensors.length === 0) out.warnings.push('the file holds no tensors');
  return out;
}

const MAX_DEPTH = 64;
const MAX_VALUES = 1000;

/** Tensors and plain values of the saved object, by path. */
function walk(v: PyValue, path: string, out: Checkpoint, depth: number): void {
  if (depth > MAX_DEPTH) {
    out.warnings.push(`${path || 'the object'}: nested more than ${MAX_DEPTH} deep; not read further`);
    return;
  }
  const at = (k: string) => (path ? `${path}.${k}` : k);
  if (v !== null && typeof v === 'object' && !(v instanceof Uint8Array) && !Array.isArray(v)) {
    switch (v.kind) {
      case 'tensor':
        out.tensors.push(tensorEntry(path || 'tensor', v));
        return;
      case 'dict':
        for (const [k, x] of v.entries) walk(x, at(keyText(k)), out, depth + 1);
        return;
      case 'tuple':
        v.items.forEach((x, i) => walk(x, at(String(i)), out, depth + 1));
        return;
      default:
        return;
    }
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, at(String(i)), out, depth + 1));
    return;
  }
  if (out.values.length < MAX_VALUES && path) out.values.push({ name: path, value: valueText(v) });
}

function keyText(k: PyValue): string {
  return typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? String(k) : k === null ? 'None' : '?';
}

function valueText(v: PyValue): string {
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 79)}…` : v;
  return String(v);
}

function tensorEntry(name: string, t: TorchTensor): CheckpointTensor {
  let elements = 1;
  for (const d of t.shape) elements *= d;
  return { name, shape: t.shape, dtype: t.storage.dtype, elements, bytes: elements * ITEM_BYTES[t.storage.dtype], parameter: t.parameter, storage: t.storage.key };
}
