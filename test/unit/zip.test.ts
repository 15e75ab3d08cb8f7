/**
 * The random-access zip reader (core/pytorch/zip.ts): archives fflate
 * writes, a ZIP64 archive laid out by hand as the APPNOTE describes it
 * (what torch writes past 4 GB), and damaged ones: every cut of a file is
 * an error that says so, never a crash or a read past the end.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import { bytesSource, readEntry, withFile, ZipError, zipEntries } from '../../src/core/pytorch/zip';
import { tempDir } from '../helpers/temp';

const text = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** A stored-only archive whose directory uses ZIP64 for every size and offset, and a ZIP64 end record. */
function zip64(files: Record<string, Uint8Array>): Uint8Array {
  const parts: Uint8Array[] = [];
  let at = 0;
  const put = (b: Uint8Array) => {
    parts.push(b);
    at += b.length;
  };
  const central: Uint8Array[] = [];
  for (const [name, data] of Object.entries(files)) {
    const n = text(name);
    const offset = at;
    const local = new DataView(new ArrayBuffer(30));
    local.setUint32(0, 0x04034b50, true);
    local.setUint16(4, 45, true);
    local.setUint32(18, data.length, true);
    local.setUint32(22, data.length, true);
    local.setUint16(26, n.length, true);
    put(new Uint8Array(local.buffer));
    put(n);
    put(data);
    const c = new DataView(new ArrayBuffer(46 + n.length + 28));
    c.setUint32(0, 0x02014b50, true);
    c.setUint16(4, 45, true);
    c.setUint16(6, 45, true);
    c.setUint32(20, 0xffffffff, true);
    c.setUint32(24, 0xffffffff, true);
    c.setUint16(28, n.length, true);
    c.setUint16(30, 28, true);
    c.setUint32(42, 0xffffffff, true);
    new Uint8Array(c.buffer).set(n, 46);
    const x = 46 + n.length;
    c.setUint16(x, 0x0001, true);
    c.setUint16(x + 2, 24, true);
    c.setBigUint64(x + 4, BigInt(data.length), true);
    c.setBigUint64(x + 12, BigInt(data.length), true);
    c.setBigUint64(x + 20, BigInt(offset), true);
    central.push(new Uint8Array(c.buffer));
  }
  const dirAt = at;
  for (const c of central) put(c);
  const dirSize = at - dirAt;
  const recordAt = at;
  const r = new DataView(new ArrayBuffer(56));
  r.setUint32(0, 0x06064b50, true);
  r.setBigUint64(4, 44n, true);
  r.setBigUint64(24, BigInt(central.length), true);
  r.setBigUint64(32, BigInt(central.length), true);
  r.setBigUint64(40, BigInt(dirSize), true);
  r.setBigUint64(48, BigInt(dirAt), true);
  put(new Uint8Array(r.buffer));
  const loc = new DataView(new ArrayBuffer(20));
  loc.setUint32(0, 0x07064b50, true);
  loc.setBigUint64(8, BigInt(recordAt), true);
  loc.setUint32(16, 1, true);
  put(new Uint8Array(loc.buffer));
  const end = new DataView(new ArrayBuffer(22));
  end.setUint32(0, 0x06054b50, true);
  end.setUint16(8, 0xffff, true);
  end.setUint16(10, 0xffff, true);
  end.setUint32(12, 0xffffffff, true);
  end.setUint32(16, 0xffffffff, true);
  put(new Uint8Array(end.buffer));
  const out = new Uint8Array(at);
  let p = 0;
  for (const b of parts) {
    out.set(b, p);
    p += b.length;
  }
  return out;
}

describe('random-access zip reader', () => {
  it('lists and reads what fflate writes, stored and deflated', () => {
    const files = { 'a/data.pkl': text('pickle'), 'a/data/0': new Uint8Array(1000).fill(7) };
    for (const level of [0, 6] as const) {
      const src = bytesSource(zipSync(files, { level }));
      const entries = zipEntries(src);
      assert.deepEqual(entries.map((e) => e.name), Object.keys(files));
      assert.equal(entries[1].method, level === 0 ? 0 : 8);
      assert.equal(decode(readEntry(src, entries[0])), 'pickle');
      assert.deepEqual(readEntry(src, entries[1]), files['a/data/0']);
    }
  });

  it('reads a ZIP64 archive: the end record through its locator, sizes and offsets from the extra fields', () => {
    const src = bytesSource(zip64({ 'm/data.pkl': text('hello'), 'm/data/0': text('0123456789') }));
    const entries = zipEntries(src);
    assert.deepEqual(entries.map((e) => [e.name, e.size, e.compressedSize]), [['m/data.pkl', 5, 5], ['m/data/0', 10, 10]]);
    assert.equal(decode(readEntry(src, entries[1])), '0123456789');
  });

  it('a file read by positioned reads gives the same entries as its bytes', () => {
    const bytes = zipSync({ 'x/data.pkl': text('p'), 'x/data/1': text('abc') }, { level: 0 });
    const file = join(tempDir('convlens-zip-'), 'x.pt');
    writeFileSync(file, bytes);
    const [fromFile, data] = withFile(file, (src) => {
      const entries = zipEntries(src);
      return [entries, decode(readEntry(src, entries[1]))] as const;
    });
    assert.deepEqual(fromFile, zipEntries(bytesSource(bytes)));
    assert.equal(data, 'abc');
  });

  it('every cut of an archive, and a hostile directory, is a ZipError', () => {
    const whole = zip64({ 'm/data.pkl': text('hello'), 'm/data/0': text('0123456789') });
    for (let cut = 0; cut < whole.length; cut++) {
      const src = bytesSource(whole.subarray(0, cut));
      assert.throws(() => {
        for (const e of zipEntries(src)) readEntry(src, e);
      }, ZipError, `cut at ${cut}`);
    }
    // A directory that claims a million records in a few bytes.
    const plain = zipSync({ 'a.txt': text('a') }, { level: 0 });
    const lie = plain.slice();
    const end = lie.length - 22;
    new DataView(lie.buffer).setUint16(end + 10, 60000, true);
    assert.throws(() => zipEntries(bytesSource(lie)), /does not fit/);
  });
});
