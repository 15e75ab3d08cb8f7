/**
 * Files a model names beside itself (ONNX external data, TF.js weight
 * shards, a labels file): read only when they are regular files inside the
 * model's real folder. A location is a string from the file, so it is
 * refused when absolute or climbing out with `..`, and also when a symbolic
 * link (the file or a folder on the way) leads outside: otherwise
 * `w.bin → /etc/passwd` would be read as weights, and `convlens export`
 * would copy its bytes into a model the user shares. Only regular files are
 * opened, without blocking: a FIFO or device would hang the read forever.
 */
import { closeSync, constants, fstatSync, openSync, readSync, realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { ModelLoadError, formatCount } from '../errors';

const inside = (dir: string, target: string): boolean => {
  const rel = relative(dir, target);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
};

/**
 * The real path of side file `location` of the model in folder `dir`, or a
 * ModelLoadError (`file`: the model, for the message; `what`: e.g.
 * "external data file") saying why it may not be read.
 */
export function confinedSideFile(dir: string, location: string, file: string, what: string): string {
  if (!location || location.includes('\0')) throw new ModelLoadError(file, `${what} '${location}' is not a valid file name`);
  const target = resolve(dir, location);
  if (isAbsolute(location) || /^[A-Za-z]:[\\/]/.test(location) || !inside(dir, target)) {
    throw new ModelLoadError(file, `${what} '${location}' points outside the model's folder`);
  }
  let real: string;
  let realDir: string;
  try {
    realDir = realpathSync(dir);
    real = realpathSync(target);
  } catch {
    throw new ModelLoadError(file, `${what} '${location}' is missing`);
  }
  if (!inside(realDir, real)) throw new ModelLoadError(file, `${what} '${location}' is a link to a file outside the model's folder`);
  return real;
}

/** Opens a regular file for reading without ever blocking; refuses FIFOs, devices, sockets and folders. */
export function openRegularFile(path: string, file: string, what: string): { fd: number; size: number } {
  let fd: number;
  try {
    // O_NOFOLLOW: the path was resolved already; a link swapped in since is refused.
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch {
    throw new ModelLoadError(file, `${what} cannot be opened`);
  }
  const st = fstatSync(fd);
  if (!st.isFile()) {
    closeSync(fd);
    throw new ModelLoadError(file, `${what} is not a regular file`);
  }
  return { fd, size: st.size };
}

/** Bytes [offset, offset + length) of a side file (all of it from `offset` when `length` is undefined). */
export function readSideFile(dir: string, location: string, file: string, what: string, offset = 0, length?: number): Buffer {
  const real = confinedSideFile(dir, location, file, what);
  const { fd, size } = openRegularFile(real, file, `${what} '${location}'`);
  try {
    const len = length ?? size - offset;
    if (offset < 0 || len < 0 || offset + len > size) {
      throw new ModelLoadError(file, `${what} '${location}' is ${formatCount(size)} bytes, but a tensor needs bytes ${formatCount(offset)}–${formatCount(offset + len)}`);
    }
    const buf = Buffer.allocUnsafe(len);
    for (let done = 0; done < len;) {
      const n = readSync(fd, buf, done, len - done, offset + done);
      if (n === 0) throw new ModelLoadError(file, `${what} '${location}' ended early (read ${formatCount(done)} of ${formatCount(len)} bytes)`);
      done += n;
    }
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The size of a confined, regular side file. */
export function sideFileSize(dir: string, location: string, file: string, what: string): number {
  const real = confinedSideFile(dir, location, file, what);
  const st = statSync(real);
  if (!st.isFile()) throw new ModelLoadError(file, `${what} '${location}' is not a regular file`);
  return st.size;
}
