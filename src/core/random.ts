/**
 * The one pseudo-random generator of the project: mulberry32 (Tommy
 * Ettinger), tiny, fast and seedable, so initial weights, fake weights and
 * the runtime's random inputs are the same on every run with the same seed.
 */

/** mulberry32's stream of uint32s from `seed`. */
export function mulberry32Uint(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** The same stream as uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  const next = mulberry32Uint(seed);
  return () => next() / 4294967296;
}
