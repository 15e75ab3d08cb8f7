/**
 * One fuzz case: the files to lay out in a fresh folder, the CLI arguments
 * (paths relative to that folder) and what to check besides the exit code.
 *
 * Layout of a case folder:
 *   model/        the model's folder: the file under test and its side files
 *   secret.bin    outside the model's folder, with a marker (see SECRET_*)
 *   out/          where `export` writes
 */

/** Fuzzed formats, and the two commands fuzzed on valid models with hostile contents. */
export const FORMATS = ['onnx', 'yaml', 'keras-json', 'keras', 'h5', 'tfjs', 'export', 'run'] as const;
export type FormatName = (typeof FORMATS)[number];

export interface CaseFile {
  /** Relative to the case folder. */
  path: string;
  bytes?: Uint8Array | string;
  /** A symbolic link to this target (relative or absolute; `$CASE` is the case folder). */
  symlinkTo?: string;
  /** A named pipe: opening it for reading blocks until a writer comes. */
  fifo?: boolean;
}

/** How to read stdout when the CLI exits 0 (`run`: a runtime report, JSON or table). */
export type OutputKind = 'json' | 'csv' | 'markdown' | 'table' | 'html' | 'export' | 'run';

export interface FuzzCase {
  format: FormatName;
  index: number;
  /** What was done to the seed model, short: `onnx bit flips ×3`, `yaml Repeat times 1e308`. */
  mutation: string;
  files: CaseFile[];
  /** CLI arguments after `node dist/cli.js`; `$CASE` is replaced with the case folder's absolute path. */
  args: string[];
  output: OutputKind;
  /** The file (relative) that must keep its bytes and mtime: `export X -o X`. */
  keepsInput?: string;
  /** The file `export` writes (relative), checked to be a complete ONNX file or absent. */
  exportTo?: string;
  /** Always run in a fresh CLI process (runs, resource limits). */
  fresh?: boolean;
  /** `ulimit -f` in 512-byte blocks for the fresh process: writes beyond fail with EFBIG. */
  fileSizeLimitBlocks?: number;
  /** Seconds before the case counts as hung (default: the run's --timeout). */
  timeoutS?: number;
}

/** A marker no real model contains, written to `secret.bin` outside the model's folder. */
export const SECRET_TEXT = 'CONVLENS-FUZZ-SECRET-7f3a9c2e';
/**
 * The secret's integer, as int64 words at the start of secret.bin, so that a
 * file read as a shape or integer constant (int32 or int64 view) shows it:
 * 24,681,357 = 0x0178_9A8D.
 */
export const SECRET_INT = 24_681_357;

/**
 * secret.bin: 32 int64 words of SECRET_INT, then the text marker repeated, 64 KiB
 * in all: large enough for every tensor of the built models to be read from
 * it (offset 0), so an export that follows a link outside inlines it.
 */
export function secretBytes(): Uint8Array {
  const out = new Uint8Array(64 * 1024);
  const ints = new DataView(out.buffer);
  for (let i = 0; i < 32; i++) ints.setBigInt64(i * 8, BigInt(SECRET_INT), true);
  const text = new TextEncoder().encode(SECRET_TEXT);
  for (let o = 256; o + text.length <= out.length; o += text.length) out.set(text, o);
  return out;
}

export const MODEL_DIR = 'model';
export const SECRET_FILE = 'secret.bin';
