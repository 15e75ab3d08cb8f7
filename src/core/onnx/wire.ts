/**
 * The protobuf wire format, read: a cursor over one message's bytes with the
 * primitive reads (varints as 32- or 64-bit integers, fixed-width floats,
 * length-delimited bytes and strings, packed repeats), nested messages with
 * a depth limit, and skipping of fields a reader does not want. decode.ts
 * builds ONNX's messages on it.
 *
 * A length past the end of its message throws a WireError 'overrun'; an
 * invalid wire type or varint 'wire'; nesting deeper than MAX_NESTING 'nesting'.
 */

export class WireError extends Error {
  constructor(
    readonly kind: 'overrun' | 'wire' | 'nesting',
    message: string,
    /** Byte where the problem is. */
    readonly at: number,
  ) {
    super(message);
  }
}

/** Messages inside messages: real models nest a few dozen deep (subgraphs, sequence types); far more is a hostile file. */
export const MAX_NESTING = 200;

const utf8 = new TextDecoder('utf-8', { fatal: false });
const TWO_32 = 4294967296;

/** A cursor over one message's bytes: `pos` moves, `end` is where the message ends. */
export class Wire {
  pos: number;
  depth = 0;
  private readonly view: DataView;
  /** Node's Buffer#utf8Slice, when the bytes are a Buffer. */
  private readonly native: ((this: Uint8Array, start: number, end: number) => string) | undefined;

  constructor(
    readonly buf: Uint8Array,
    public end: number,
  ) {
    this.pos = 0;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const slice = (buf as { utf8Slice?: unknown }).utf8Slice;
    this.native = typeof slice === 'function' ? (slice as Wire['native']) : undefined;
  }

  private overrun(at: number, need: number): never {
    throw new WireError('overrun', `index out of range: ${at} + ${need} > ${this.end}`, at);
  }

  /** A varint's low 32 bits as an unsigned number (tags, lengths, int32 and enum fields read from it). */
  uint32(): number {
    const b = this.buf;
    let p = this.pos;
    const end = this.end;
    if (p >= end) this.overrun(p, 1);
    let byte = b[p++];
    let v = byte & 0x7f;
    if (byte < 0x80) {
      this.pos = p;
      return v;
    }
    for (let shift = 7; ; shift += 7) {
      if (p >= end) this.overrun(p, 1);
      byte = b[p++];
      if (shift < 32) v = (v | ((byte & 0x7f) << shift)) >>> 0;
      if (byte < 0x80) break;
      if (shift >= 63) throw new WireError('wire', `invalid varint encoding at offset ${p}`, p);
    }
    this.pos = p;
    return v;
  }

  /** A varint as a 64-bit integer, signed (int64) or not (uint64), rounded to a double past 2^53. */
  int64(unsigned: boolean): number {
    const b = this.buf;
    const start = this.pos;
    // The common case: a value under 128.
    if (start < this.end && b[start] < 0x80) {
      this.pos = start + 1;
      return b[start];
    }
    let lo = 0;
    let hi = 0;
    let p = start;
    for (let i = 0; ; i++) {
      if (p >= this.end) this.overrun(p, 1);
      const byte = b[p++];
      const bits = byte & 0x7f;
      if (i < 4) lo |= bits << (7 * i);
      else if (i === 4) {
        lo |= bits << 28;
        hi |= bits >>> 4;
      } else hi |= bits << (7 * i - 32);
      if (byte < 0x80) break;
      if (i >= 9) throw new WireError('wire', `invalid varint encoding at offset ${p}`, p);
    }
    this.pos = p;
    lo >>>= 0;
    hi >>>= 0;
    if (!unsigned && hi >>> 31) {
      lo = (~lo + 1) >>> 0;
      hi = ~hi >>> 0;
      if (!lo) hi = (hi + 1) >>> 0;
      return -(lo + hi * TWO_32);
    }
    return lo + hi * TWO_32;
  }

  int32(): number {
    return this.uint32() | 0;
  }

  float(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.overrun(p, 4);
    this.pos = p + 4;
    return this.view.getFloat32(p, true);
  }

  double(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.overrun(p, 8);
    this.pos = p + 8;
    return this.view.getFloat64(p, true);
  }

  /** A length-delimited field's bounds: [start, end]; the cursor moves past it. */
  span(): number {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) this.overrun(start, len);
    this.pos = start + len;
    return start;
  }

  bytes(): Uint8Array {
    const start = this.span();
    return this.buf.subarray(start, this.pos);
  }

  string(): string {
    const start = this.span();
    const end = this.pos;
    const b = this.buf;
    // Node's Buffer decodes in place; elsewhere short ASCII names take one fromCharCode.
    if (this.native) return this.native.call(b, start, end);
    if (end - start <= 64) {
      for (let i = start; i < end; i++) if (b[i] >= 0x80) return utf8.decode(b.subarray(start, end));
      return String.fromCharCode.apply(null, b.subarray(start, end) as unknown as number[]);
    }
    return utf8.decode(b.subarray(start, end));
  }

  /** Runs `read` over the embedded message that starts here, then restores the outer bounds. */
  message<T>(read: (w: Wire) => T): T {
    const len = this.uint32();
    const start = this.pos;
    if (start + len > this.end) this.overrun(start, len);
    const outer = this.end;
    if (++this.depth > MAX_NESTING) throw new WireError('nesting', `messages nested more than ${MAX_NESTING} deep`, start);
    this.end = start + len;
    const r = read(this);
    this.pos = this.end;
    this.end = outer;
    this.depth--;
    return r;
  }

  skipField(wire: number): void {
    switch (wire) {
      case 0:
        this.int64(true);
        return;
      case 1:
        if (this.pos + 8 > this.end) this.overrun(this.pos, 8);
        this.pos += 8;
        return;
      case 2:
        this.span();
        return;
      case 5:
        if (this.pos + 4 > this.end) this.overrun(this.pos, 4);
        this.pos += 4;
        return;
      case 3:
        // A group: skip fields up to its end tag.
        for (;;) {
          const tag = this.uint32();
          if ((tag & 7) === 4) return;
          this.skipField(tag & 7);
        }
      default:
        throw new WireError('wire', `invalid wire type ${wire} at offset ${this.pos}`, this.pos);
    }
  }

  /** Appends a repeated number field's values, packed (wire type 2) or one (its own wire type). */
  numbers(into: number[], wire: number, one: (w: Wire) => number): void {
    if (wire !== 2) {
      into.push(one(this));
      return;
    }
    const len = this.uint32();
    const end = this.pos + len;
    if (end > this.end) this.overrun(this.pos, len);
    const outer = this.end;
    this.end = end;
    while (this.pos < end) into.push(one(this));
    this.end = outer;
  }
}
