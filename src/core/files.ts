/**
 * Writing results next to the user's files without ever losing one: an
 * export is written to a temporary file in the same folder and renamed over
 * the target only when complete (a failed or interrupted export leaves the
 * old file, or none, never half a file), and never over the model it was
 * made from.
 */
import { closeSync, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** True when `a` and `b` name the same file (the same path, a link to it, or a hard link). */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    if (sa.dev === sb.dev && sa.ino === sb.ino) return true;
  } catch {
    // One of them does not exist yet: compare where they would be.
  }
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      try {
        return join(realpathSync(dirname(resolve(p))), basename(p));
      } catch {
        return resolve(p);
      }
    }
  };
  return real(a) === real(b);
}

/** Writes `bytes` to `target` atomically: a temporary file beside it, flushed, then renamed over it. */
export function writeFileAtomic(target: string, bytes: Uint8Array): void {
  const dir = dirname(resolve(target));
  const tmp = join(dir, `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    try {
      for (let done = 0; done < bytes.length;) done += writeSync(fd, bytes, done, bytes.length - done);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  } catch (err) {
    try {
      unlinkSync(tmp);
    } catch {
      // Already gone.
    }
    throw err;
  }
}
