// A small seeded pseudo-random generator (mulberry32, public domain), so "random" schedules in the
// hammer and fuzz tests are reproducible from their seed (not a test file itself).

/**
 * A generator for `seed`: `r()` is uniform in [0, 1), `r(n)` uniform in [0, n) (not rounded).
 */
export function rng(seed: number): (n?: number) => number {
  let a = seed >>> 0;
  return (n = 1): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n;
  };
}
