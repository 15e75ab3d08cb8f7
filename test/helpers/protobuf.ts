/** Protobuf wire helpers for tests that patch encoded models byte by byte. */

/** The varint of `n` as protobuf writes it (negative values as their 64-bit two's complement). */
export function varint(n: bigint): number[] {
  const out: number[] = [];
  let v = BigInt.asUintN(64, n);
  do {
    let byte = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) byte |= 0x80;
    out.push(byte);
  } while (v > 0n);
  return out;
}
