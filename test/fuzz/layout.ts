/**
 * A case on disk: its folder laid out before the run (model files, side
 * files, links, pipes, the secret outside the model's folder), and what the
 * run did to it afterwards (secret read or leaked, input overwritten, export
 * target complete or half-written).
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { onnxTypes } from '../../src/core/onnx/schema';
import { MODEL_DIR, SECRET_FILE, SECRET_INT, SECRET_TEXT, secretBytes, type FuzzCase } from './case';
import type { SideEffects } from './classify';

const { ModelProto } = onnxTypes();

export interface Prepared {
  dir: string;
  /** The input's digest and mtime, when the case must keep it. */
  inputStamp?: string;
  /** Something already stood at the export target (a folder, say): what export leaves there is not its own. */
  targetExisted: boolean;
}

/** The secret's access time is set far before its mtime, so (relatime) any read moves it. */
const OLD_ATIME_S = 1_000_000;

function stamp(path: string): string {
  const st = statSync(path);
  return `${createHash('sha256').update(readFileSync(path)).digest('hex')}@${st.mtimeMs}`;
}

export function layOut(c: FuzzCase, dir: string): Prepared {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, MODEL_DIR), { recursive: true });
  mkdirSync(join(dir, 'out'), { recursive: true });
  for (const f of c.files) {
    const target = join(dir, f.path);
    mkdirSync(dirname(target), { recursive: true });
    if (f.symlinkTo !== undefined) symlinkSync(f.symlinkTo.replace('$CASE', dir), target);
    else if (f.fifo) execFileSync('mkfifo', [target]);
    else writeFileSync(target, f.bytes ?? '');
  }
  const secret = join(dir, SECRET_FILE);
  writeFileSync(secret, secretBytes());
  utimesSync(secret, OLD_ATIME_S, Date.now() / 1000);
  return { dir, inputStamp: c.keepsInput ? stamp(join(dir, c.keepsInput)) : undefined, targetExisted: c.exportTo !== undefined && exists(join(dir, c.exportTo)) };
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

const MARKER_BYTES = Buffer.from(SECRET_TEXT);
const INT_BYTES = Buffer.from(secretBytes().subarray(0, 16));
const INT_TEXT = [String(SECRET_INT), SECRET_INT.toLocaleString('en-US')];

/** Regular files under the case folder, but not the secret itself (links and pipes are not followed). */
function writtenFiles(root: string, dir = root): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...writtenFiles(root, p));
    else if (e.isFile() && p !== join(root, SECRET_FILE)) out.push(p);
  }
  return out;
}

function exportTarget(path: string): SideEffects['exportTarget'] {
  let bytes: Buffer;
  try {
    if (!lstatSync(path).isFile()) return 'partial';
    bytes = readFileSync(path);
  } catch {
    return 'absent';
  }
  try {
    const m = ModelProto.decode(bytes) as unknown as { graph?: unknown };
    return m.graph ? 'onnx' : 'partial';
  } catch {
    return 'partial';
  }
}

/** What the run left behind. Reads the secret's metadata, never its bytes. */
export function observe(c: FuzzCase, p: Prepared, stdout: string, stderr: string): SideEffects {
  const secret = statSync(join(p.dir, SECRET_FILE));
  const text = stdout + stderr;
  let leaked = text.includes(SECRET_TEXT) || INT_TEXT.some((t) => text.includes(t));
  if (!leaked) {
    for (const f of writtenFiles(p.dir)) {
      const bytes = readFileSync(f);
      if (bytes.includes(MARKER_BYTES) || bytes.includes(INT_BYTES)) {
        leaked = true;
        break;
      }
    }
  }
  const side: SideEffects = {
    secretRead: secret.atimeMs !== OLD_ATIME_S * 1000,
    secretLeaked: leaked,
    inputChanged: c.keepsInput !== undefined && p.inputStamp !== stamp(join(p.dir, c.keepsInput)),
  };
  if (c.exportTo && c.exportTo !== c.keepsInput && !p.targetExisted) side.exportTarget = exportTarget(join(p.dir, c.exportTo));
  return side;
}
