/**
 * Large ONNX files without reading their weights. The file is walked by
 * protobuf wire format in ranges: every field is copied into a "skeleton"
 * except the `raw_data` of graph initializers, which becomes an external-data
 * reference into the model file itself (offset + length). The skeleton is
 * then decoded by the ordinary loader, so memory stays near the size of the
 * graph's structure, not of its weights, and weights are read on demand.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { ModelLoadError, formatCount } from '../errors';

/** Reads byte ranges of an open file. */
class RangeReader {
  private readonly head = Buffer.alloc(10);
  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly file: string,
  ) {}

  bytes(pos: number, length: number): Buffer {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, pos + done);
      if (n === 0) throw new ModelLoadError(this.file, `truncated at byte ${formatCount(pos + done)}`);
      done += n;
    }
    return buf;
  }

  /** A varint at `pos`: [value, position after it]. */
  varint(pos: number): [number, number] {
    const n = readSync(this.fd, this.head, 0, Math.min(10, this.size - pos), pos);
    let v = 0;
    let mul = 1;
    for (let i = 0; i < n; i++) {
      const b = this.head[i];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (!(b & 0x80)) return [v, pos + i + 1];
    }
    throw new ModelLoadError(this.file, `truncated or corrupt ONNX file: bad field header at byte ${formatCount(pos)}`);
  }
}

/** Protobuf base-128 varint bytes of a non-negative integer. */
export function encodeVarint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

/** One length-delimited field: its tag, its length and its payload, as one buffer (a graph has millions of parts: never spread them as arguments). */
function lengthDelimited(field: number, payload: Uint8Array[]): Uint8Array {
  const len = payload.reduce((a, p) => a + p.length, 0);
  return Buffer.concat([Uint8Array.from([...encodeVarint(field * 8 + 2), ...encodeVarint(len)]), ...payload]);
}

function stringEntry(key: string, value: string): Uint8Array[] {
  const enc = new TextEncoder();
  return [lengthDelimited(1, [enc.encode(key)]), lengthDelimited(2, [enc.encode(value)])];
}

interface Field {
  number: number;
  wire: number;
  /** Start of the tag. */
  start: number;
  /** Start and end of the payload (for length-delimited fields). */
  payloadStart: number;
  end: number;
}

function* fields(r: RangeReader, start: number, end: number, file: string): Generator<Field> {
  let pos = start;
  while (pos < end) {
    const [tag, afterTag] = r.varint(pos);
    const number = Math.floor(tag / 8);
    const wire = tag & 7;
    let payloadStart = afterTag;
    let next: number;
    if (wire === 0) next = r.varint(afterTag)[1];
    else if (wire === 1) next = afterTag + 8;
    else if (wire === 5) next = afterTag + 4;
    else if (wire === 2) {
      const [len, afterLen] = r.varint(afterTag);
      payloadStart = afterLen;
      next = afterLen + len;
    } else throw new ModelLoadError(file, `corrupt ONNX file: invalid wire type ${wire} at byte ${formatCount(pos)}`);
    if (next > end) {
      throw new ModelLoadError(file, `truncated at byte ${formatCount(r.size)}: a field at byte ${formatCount(pos)} needs ${formatCount(next - r.size)} more bytes`);
    }
    yield { number, wire, start: pos, payloadStart, end: next };
    pos = next;
  }
}

/** raw_data up to this size is kept in the skeleton. */
const INLINE_BYTES = 4096;

/** TensorProto with its raw_data replaced by a reference into the model file. */
function tensorSkeleton(r: RangeReader, start: number, end: number, self: string, file: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let raw: Field | undefined;
  let external = false;
  for (const f of fields(r, start, end, file)) {
    // Small tensors (shape constants and the like) stay inline: folding needs them.
    if (f.number === 9 && f.wire === 2 && f.end - f.payloadStart > INLINE_BYTES) raw = f;
    else {
      if (f.number === 14) external = true;
      parts.push(r.bytes(f.start, f.end - f.start));
    }
  }
  if (raw && !external) {
    parts.push(Uint8Array.from([14 * 8, 1])); // data_location = EXTERNAL
    parts.push(lengthDelimited(13, stringEntry('location', self)));
    parts.push(lengthDelimited(13, stringEntry('offset', String(raw.payloadStart))));
    parts.push(lengthDelimited(13, stringEntry('length', String(raw.end - raw.payloadStart))));
  }
  return parts;
}

function graphSkeleton(r: RangeReader, start: number, end: number, self: string, file: string): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (const f of fields(r, start, end, file)) {
    if (f.number === 5 && f.wire === 2) parts.push(lengthDelimited(5, tensorSkeleton(r, f.payloadStart, f.end, self, file)));
    else parts.push(r.bytes(f.start, f.end - f.start));
  }
  return parts;
}

/**
 * The model's bytes with initializer weights left in the file. Initializers
 * become external-data tensors whose location is the model file itself.
 */
export function readOnnxSkeleton(path: string): Uint8Array {
  const file = basename(path);
  const fd = openSync(path, 'r');
  try {
    const r = new RangeReader(fd, fstatSync(fd).size, file);
    const parts: Uint8Array[] = [];
    for (const f of fields(r, 0, r.size, file)) {
      if (f.number === 7 && f.wire === 2) parts.push(lengthDelimited(7, graphSkeleton(r, f.payloadStart, f.end, file, file)));
      else parts.push(r.bytes(f.start, f.end - f.start));
    }
    return Buffer.concat(parts);
  } finally {
    closeSync(fd);
  }
}
