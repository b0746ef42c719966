// A deterministic pseudo-random generator for tests (mulberry32), so random schedules reproduce.

/** A generator seeded with `seed`: each call returns a number in [0, n) (n defaults to 1). */
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
