/**
 * Format-blind byte mutations (AFL's havoc stage, in small), and protobuf-aware
 * ones: a length-delimited field's length varint rewritten huge, negative or
 * slightly too long, at any nesting depth.
 */
import type { Rng } from './rng';
import { varint } from '../helpers/protobuf';

export interface ByteMutation {
  bytes: Uint8Array;
  what: string;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff];

/** One havoc step. */
function havocStep(rng: Rng, b: Uint8Array): ByteMutation {
  const n = b.length;
  const at = rng.int(Math.max(1, n));
  switch (rng.int(6)) {
    case 0: {
      const out = b.slice();
      out[at] ^= 1 << rng.int(8);
      return { bytes: out, what: 'bit flip' };
    }
    case 1: {
      const out = b.slice();
      out[at] = rng.pick(INTERESTING);
      return { bytes: out, what: 'interesting byte' };
    }
    case 2:
      return { bytes: b.slice(0, rng.int(n)), what: 'truncation' };
    case 3: {
      const ins = rng.bytes(rng.range(1, 16));
      return { bytes: concat(b.subarray(0, at), ins, b.subarray(at)), what: 'byte insert' };
    }
    case 4: {
      const len = rng.range(1, 32);
      return { bytes: concat(b.subarray(0, at), b.subarray(at + len)), what: 'byte delete' };
    }
    default: {
      const len = rng.range(1, 64);
      const from = rng.int(Math.max(1, n));
      return { bytes: concat(b.subarray(0, at), b.subarray(from, from + len), b.subarray(at)), what: 'chunk duplicate' };
    }
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** 1–8 havoc steps; the description names the kinds used. */
export function havoc(rng: Rng, bytes: Uint8Array): ByteMutation {
  let b = bytes;
  const kinds = new Set<string>();
  const steps = rng.weighted([[5, 1], [3, 2], [2, 4], [1, 8]] as const);
  for (let i = 0; i < steps; i++) {
    const m = havocStep(rng, b);
    b = m.bytes;
    kinds.add(m.what);
  }
  return { bytes: b, what: `${[...kinds].join(' + ')} ×${steps}` };
}

interface LengthField {
  /** Where the length varint starts and ends. */
  lenAt: number;
  lenEnd: number;
  payloadEnd: number;
}

function readVarint(b: Uint8Array, pos: number, end: number): [number, number] | undefined {
  let v = 0;
  let mul = 1;
  for (let i = pos; i < end && i < pos + 10; i++) {
    v += (b[i] & 0x7f) * mul;
    mul *= 128;
    if ((b[i] & 0x80) === 0) return [v, i + 1];
  }
  return undefined;
}

/** Every length-delimited field of a protobuf message that parses cleanly, at any depth (bounded). */
export function lengthFields(b: Uint8Array, start = 0, end = b.length, depth = 0, out: LengthField[] = []): LengthField[] {
  let pos = start;
  const found: LengthField[] = [];
  while (pos < end) {
    const tag = readVarint(b, pos, end);
    if (!tag || tag[0] < 8) return out;
    const wire = tag[0] & 7;
    if (wire === 0) {
      const v = readVarint(b, tag[1], end);
      if (!v) return out;
      pos = v[1];
    } else if (wire === 1) pos = tag[1] + 8;
    else if (wire === 5) pos = tag[1] + 4;
    else if (wire === 2) {
      const len = readVarint(b, tag[1], end);
      if (!len || len[1] + len[0] > end) return out;
      found.push({ lenAt: tag[1], lenEnd: len[1], payloadEnd: len[1] + len[0] });
      pos = len[1] + len[0];
    } else return out;
  }
  if (pos !== end) return out;
  out.push(...found);
  if (depth < 12 && out.length < 5000) for (const f of found) lengthFields(b, f.lenEnd, f.payloadEnd, depth + 1, out);
  return out;
}

/** A length field set to something that cannot be: 2³²−1, 2⁶³, −1 (ten bytes), or a few bytes past its end. */
export function hugeLength(rng: Rng, bytes: Uint8Array): ByteMutation | undefined {
  const fields = lengthFields(bytes);
  if (fields.length === 0) return undefined;
  const f = rng.pick(fields);
  const old = readVarint(bytes, f.lenAt, f.lenEnd)![0];
  const [value, label] = rng.pick([
    [2n ** 32n - 1n, '2^32-1'],
    [2n ** 31n, '2^31'],
    [2n ** 63n, '2^63'],
    [-1n, '-1'],
    [BigInt(old + rng.range(1, 16)), 'slightly too long'],
    [BigInt(2 ** 53 + 1), '2^53+1'],
  ] as const);
  return { bytes: concat(bytes.subarray(0, f.lenAt), Uint8Array.from(varint(value)), bytes.subarray(f.lenEnd)), what: `length field set to ${label}` };
}
