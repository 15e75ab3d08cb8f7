/**
 * PyTorch checkpoints (`torch.save`, `.pt`/`.pth`), read natively: the zip
 * archive PyTorch has written since 1.6 (`<name>/data.pkl` plus one record
 * `<name>/data/<key>` per storage) and its pickle through pickle.ts, which
 * runs nothing. What comes out is the list of tensors, named by their path
 * in the saved object (`conv1.weight`, or `state_dict.conv1.weight` inside
 * a training checkpoint), with shapes, dtypes and sizes. The archive is read
 * by random access (zip.ts): its directory and its pickle, never its
 * tensors' bytes, which tensor-stats.ts reads when asked. A TorchScript
 * archive's weights read the same way (its code is never compiled or run);
 * torch.export archives and the legacy (pre-1.6) format are recognised and
 * refused with what to do instead.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ModelLoadError } from '../errors';
import { PickleError, unpickle, type PyValue, type TorchDtype, type TorchTensor } from './pickle';
import { bytesSource, readEntry, ZipError, zipEntries, type ByteSource, type ZipEntry } from './zip';

export interface CheckpointTensor {
  /** Its path in the saved object: dict keys and list indices joined by dots. */
  name: string;
  shape: number[];
  dtype: TorchDtype;
  elements: number;
  bytes: number;
  /** Saved as an nn.Parameter (whole-model saves). */
  parameter: boolean;
  /** The archive record holding its bytes (`data/<storage>`). */
  storage: string;
  /** Where it starts in its storage, and its strides, in elements. */
  offset: number;
  stride: number[];
}

export interface Checkpoint {
  /** `torchscript`: a torch.jit.save archive, whose saved module attributes were read (its code was not). */
  kind: 'state' | 'torchscript';
  tensors: CheckpointTensor[];
  /** Plain values beside the tensors (`epoch`, `arch`, hyper-parameters), as short text. */
  values: { name: string; value: string }[];
  warnings: string[];
  /** The archive record of each storage key. */
  storages: ReadonlyMap<string, ZipEntry>;
  /** The byte order the tensors were written in (the archive's `byteorder` record; little before torch 2.1 wrote one). */
  byteOrder: 'little' | 'big';
}

export const ITEM_BYTES: Record<TorchDtype, number> = {
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

const asSource = (input: Uint8Array | ByteSource): ByteSource => (input instanceof Uint8Array ? bytesSource(input) : input);

const isTorchScriptRecord = (name: string) => /(^|\/)code\//.test(name) || /(^|\/)constants\.pkl$/.test(name);
const isExportRecord = (name: string) => /(^|\/)(archive_format|serialized_exported_program\.json)$/.test(name) || /(^|\/)models\/.*\.json$/.test(name);

/**
 * Which archive with a graph a file is: `torchscript` (torch.jit.save: `code/` and `constants.pkl`
 * records) or `export` (torch.export, `.pt2`); undefined for a checkpoint or not a zip. Reads the
 * directory only.
 */
export function torchArchiveKind(input: Uint8Array | ByteSource): 'torchscript' | 'export' | undefined {
  const src = asSource(input);
  if (!isZip(src.read(0, 4))) return undefined;
  let names: string[];
  try {
    names = zipEntries(src).map((e) => e.name);
  } catch {
    return undefined;
  }
  return names.some(isTorchScriptRecord) ? 'torchscript' : names.some(isExportRecord) ? 'export' : undefined;
}

/**
 * Whether the file at `path` is a torch file: a zip whose first record is `data.pkl`, the legacy
 * format, or a zip named .pt/.pth/.pt2. Decided from its first bytes, opened without blocking (a
 * FIFO is left to the model loader, which refuses it).
 */
export function isTorchFile(path: string): boolean {
  const head = new Uint8Array(600);
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      if (!fstatSync(fd).isFile()) return false;
      readSync(fd, head, 0, head.length, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false; // the loader says what is wrong with the path
  }
  return looksLikeTorchArchive(head) || isLegacyTorch(head) || (/\.(pt|pth|pt2)$/i.test(path) && isZip(head));
}

/** Reads a checkpoint's tensor list from its bytes, or from a file by random access (zip.ts FileSource). */
export function readCheckpoint(input: Uint8Array | ByteSource, file: string): Checkpoint {
  const src = asSource(input);
  const head = src.read(0, 16);
  if (isLegacyTorch(head)) {
    throw new ModelLoadError(file, 'a PyTorch file in the legacy format (torch.save before PyTorch 1.6, or _use_new_zipfile_serialization=False): load it with torch and save it again with torch.save to read it here');
  }
  if (!isZip(head)) throw new ModelLoadError(file, 'not a PyTorch checkpoint (torch.save writes a zip archive; these bytes are not one)');
  let entries: ZipEntry[];
  try {
    entries = zipEntries(src);
  } catch (e) {
    throw new ModelLoadError(file, `a damaged zip archive (${(e as Error).message})`);
  }
  const names = entries.map((e) => e.name);
  const script = names.some(isTorchScriptRecord);
  if (names.some(isExportRecord)) {
    throw new ModelLoadError(file, 'a torch.export archive (.pt2): ConvLens reads it through Python with torch 2.1 or newer (open it in a trusted workspace, or `convlens profile model.pt2`), or save its state_dict to see its weights here');
  }
  const pkl = entries.find((e) => /(^|\/)data\.pkl$/.test(e.name));
  if (!pkl) throw new ModelLoadError(file, `a zip archive without data.pkl: not written by torch.save (records: ${names.slice(0, 4).join(', ')}${names.length > 4 ? ', …' : ''})`);
  const prefix = pkl.name.slice(0, pkl.name.length - 'data.pkl'.length);
  let root: PyValue;
  let byteOrder: Checkpoint['byteOrder'] = 'little';
  try {
    root = unpickle(readEntry(src, pkl, 1 << 30));
    const order = entries.find((e) => e.name === `${prefix}byteorder`);
    if (order && new TextDecoder().decode(readEntry(src, order, 16)).trim() === 'big') byteOrder = 'big';
  } catch (e) {
    if (e instanceof PickleError) throw new ModelLoadError(file, `not read: ${e.message}`);
    if (e instanceof ZipError) throw new ModelLoadError(file, `a damaged zip archive (${e.message})`);
    throw e;
  }
  const storages = new Map<string, ZipEntry>();
  const dataPrefix = `${prefix}data/`;
  for (const e of entries) if (e.name.startsWith(dataPrefix)) storages.set(e.name.slice(dataPrefix.length), e);
  const out: Checkpoint = { kind: script ? 'torchscript' : 'state', tensors: [], values: [], warnings: [], storages, byteOrder };
  walk(root, '', out, 0);
  for (const t of out.tensors) {
    if (!storages.has(t.storage)) out.warnings.push(`${t.name}: its storage record data/${t.storage} is missing from the archive`);
  }
  if (out.tensors.length === 0) out.warnings.push('the file holds no tensors');
  return out;
}

const MAX_DEPTH = 64;
const MAX_VALUES = 1000;

/** Tensors and plain values of the saved object, by path. */
/** `script`: inside a TorchScript module, whose plain attributes (`training`, `padding`) are its code's, not values saved beside the weights. */
function walk(v: PyValue, path: string, out: Checkpoint, depth: number, script = false): void {
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
        for (const [k, x] of v.entries) walk(x, at(keyText(k)), out, depth + 1, script);
        return;
      case 'tuple':
        v.items.forEach((x, i) => walk(x, at(String(i)), out, depth + 1, script));
        return;
      case 'object':
        // A TorchScript module: its attributes, as a dict (`training` and the like become values).
        walk(v.state, path, out, depth + 1, true);
        return;
      default:
        return;
    }
  }
  if (Array.isArray(v)) {
    v.forEach((x, i) => walk(x, at(String(i)), out, depth + 1, script));
    return;
  }
  if (!script && out.values.length < MAX_VALUES && path) out.values.push({ name: path, value: valueText(v) });
}

function keyText(k: PyValue): string {
  return typeof k === 'string' ? k : typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' ? String(k) : k === null ? 'None' : '?';
}

type PyScalar = null | boolean | number | bigint | string | Uint8Array;

function valueText(v: PyScalar): string {
  if (v === null) return 'None';
  if (v instanceof Uint8Array) return `${v.length} bytes`;
  if (typeof v === 'string') return v.length > 80 ? `${v.slice(0, 79)}…` : v;
  return String(v);
}

function tensorEntry(name: string, t: TorchTensor): CheckpointTensor {
  let elements = 1;
  for (const d of t.shape) elements *= d;
  return { name, shape: t.shape, dtype: t.storage.dtype, elements, bytes: elements * ITEM_BYTES[t.storage.dtype], parameter: t.parameter, storage: t.storage.key, offset: t.offset, stride: t.stride };
}
