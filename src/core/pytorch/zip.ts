/**
 * A zip archive read by random access: the end record (ZIP64 too), the
 * central directory, then only the records asked for. A torch.save file of
 * several GB is listed by reading its last few KB and its pickle, never
 * its tensors; a tensor's bytes are read when its statistics are asked for.
 * Every offset and length is checked against the file before it is used.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { inflateSync } from 'fflate';

/** Bytes by offset: a file read on demand, or bytes already in memory. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes from `offset`; fewer only past the end. */
  read(offset: number, length: number): Uint8Array;
}

export function bytesSource(bytes: Uint8Array): ByteSource {
  return { size: bytes.length, read: (offset, length) => bytes.subarray(offset, Math.min(bytes.length, offset + length)) };
}

/** A regular file, read with positioned reads; `close()` when done. */
export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | undefined;

  constructor(path: string) {
    // Non-blocking: a FIFO or device must not hang the open; only regular files are read.
    const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      closeSync(fd);
      throw new ZipError('not a regular file');
    }
    this.fd = fd;
    this.size = stat.size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === undefined) throw new Error('the file was closed');
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const got = readSync(this.fd, out, done, n - done, offset + done);
      if (got === 0) return out.subarray(0, done); // the file shrank under us
      done += got;
    }
    return out;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Runs `fn` on the file at `path` and closes it after. */
export function withFile<T>(path: string, fn: (src: FileSource) => T): T {
  const src = new FileSource(path);
  try {
    return fn(src);
  } finally {
    src.close();
  }
}

export class ZipError extends Error {}

export interface ZipEntry {
  name: string;
  /** 0: stored; 8: deflated. */
  method: number;
  compressedSize: number;
  size: number;
  /** Where its local header starts. */
  localOffset: number;
}

const EOCD = 0x06054b50;
const EOCD64_LOCATOR = 0x07064b50;
const EOCD64 = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
/** More entries than any checkpoint has; a hostile count is refused before anything is allocated for it. */
const MAX_ENTRIES = 1_000_000;
const MAX_CENTRAL_BYTES = 256 * 1024 * 1024;

const view = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.byteLength);

function u64(v: DataView, at: number): number {
  const n = Number(v.getBigUint64(at, true));
  if (!Number.isSafeInteger(n)) throw new ZipError('a ZIP64 size or offset is beyond 2^53');
  return n;
}

/** The archive's records, from its central directory. */
export function zipEntries(src: ByteSource): ZipEntry[] {
  const tailLength = Math.min(src.size, 22 + 65535);
  const tailStart = src.size - tailLength;
  const tail = src.read(tailStart, tailLength);
  const tv = view(tail);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tv.getUint32(i, true) === EOCD) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new ZipError('no end-of-archive record (the file is truncated or not a zip)');
  let count = tv.getUint16(at + 10, true);
  let centralSize = tv.getUint32(at + 12, true);
  let centralOffset = tv.getUint32(at + 16, true);
  if (count === 0xffff || centralSize === 0xffffffff || centralOffset === 0xffffffff) {
    // ZIP64: the locator sits just before the end record and points at the ZIP64 end record.
    const loc = tailStart + at - 20;
    if (loc < 0) throw new ZipError('a ZIP64 archive without its ZIP64 locator');
    const lv = view(src.read(loc, 20));
    if (lv.byteLength < 20 || lv.getUint32(0, true) !== EOCD64_LOCATOR) throw new ZipError('a ZIP64 archive without its ZIP64 locator');
    const recordAt = u64(lv, 8);
    const rv = view(src.read(recordAt, 56));
    if (rv.byteLength < 56 || rv.getUint32(0, true) !== EOCD64) throw new ZipError(`no ZIP64 end record at byte ${recordAt}`);
    count = u64(rv, 32);
    centralSize = u64(rv, 40);
    centralOffset = u64(rv, 48);
  }
  if (count > MAX_ENTRIES) throw new ZipError(`${count} records: more than ${MAX_ENTRIES}`);
  if (centralSize > MAX_CENTRAL_BYTES || centralOffset + centralSize > src.size || count * 46 > centralSize) {
    throw new ZipError(`its directory (${centralSize} bytes at byte ${centralOffset}, ${count} records) does not fit in the file's ${src.size} bytes`);
  }
  const dir = src.read(centralOffset, centralSize);
  const dv = view(dir);
  const utf8 = new TextDecoder();
  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > dir.length || dv.getUint32(p, true) !== CENTRAL) throw new ZipError(`directory record ${i} is damaged`);
    const method = dv.getUint16(p + 10, true);
    let compressedSize = dv.getUint32(p + 20, true);
    let size = dv.getUint32(p + 24, true);
    const nameLength = dv.getUint16(p + 28, true);
    const extraLength = dv.getUint16(p + 30, true);
    const commentLength = dv.getUint16(p + 32, true);
    let localOffset = dv.getUint32(p + 42, true);
    const end = p + 46 + nameLength + extraLength + commentLength;
    if (end > dir.length) throw new ZipError(`directory record ${i} runs past the directory`);
    const name = utf8.decode(dir.subarray(p + 46, p + 46 + nameLength));
    // ZIP64 extra field: the 64-bit values of the fields that read 0xFFFFFFFF, in this order.
    let x = p + 46 + nameLength;
    const xEnd = x + extraLength;
    while (x + 4 <= xEnd) {
      const id = dv.getUint16(x, true);
      const len = dv.getUint16(x + 2, true);
      if (id === 0x0001) {
        let f = x + 4;
        const next = () => {
          if (f + 8 > x + 4 + len) throw new ZipError(`directory record ${i} (${name}): a short ZIP64 field`);
          f += 8;
          return u64(dv, f - 8);
        };
        if (size === 0xffffffff) size = next();
        if (compressedSize === 0xffffffff) compressedSize = next();
        if (localOffset === 0xffffffff) localOffset = next();
      }
      x += 4 + len;
    }
    if (localOffset + 30 > src.size || localOffset + compressedSize > src.size) {
      throw new ZipError(`record ${name} (${compressedSize} bytes at byte ${localOffset}) is past the end of the file (${src.size} bytes): the file is truncated`);
    }
    entries.push({ name, method, compressedSize, size, localOffset });
    p = end;
  }
  return entries;
}

/** Where a record's bytes start (after its local header). */
export function entryDataOffset(src: ByteSource, e: ZipEntry): number {
  const h = src.read(e.localOffset, 30);
  const hv = view(h);
  if (h.length < 30 || hv.getUint32(0, true) !== LOCAL) throw new ZipError(`record ${e.name}: no local header at byte ${e.localOffset}`);
  const start = e.localOffset + 30 + hv.getUint16(26, true) + hv.getUint16(28, true);
  if (start + e.compressedSize > src.size) throw new ZipError(`record ${e.name} runs past the end of the file: the file is truncated`);
  return start;
}

/** A whole record's bytes (inflated when deflated); `maxBytes` guards what is read into memory. */
export function readEntry(src: ByteSource, e: ZipEntry, maxBytes = 1 << 30): Uint8Array {
  if (e.size > maxBytes || e.compressedSize > maxBytes) throw new ZipError(`record ${e.name} is ${e.size} bytes: more than ${maxBytes} to read at once`);
  const data = src.read(entryDataOffset(src, e), e.compressedSize);
  if (e.method === 0) return data;
  if (e.method === 8) {
    try {
      return inflateSync(data, { out: new Uint8Array(e.size) });
    } catch (err) {
      throw new ZipError(`record ${e.name} does not inflate (${(err as Error).message})`);
    }
  }
  throw new ZipError(`record ${e.name} uses compression method ${e.method}, which ConvLens does not read`);
}
