/**
 * Deterministic pseudo-random numbers in [0, 1) (mulberry32): the demo seed, the test fixtures and the
 * bench generator produce the same data from the same seed, so re-seeding finds every key and adds nothing.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
