// Mirrors the H₂O factory of smallnest's Go 并发编程实战课 lesson 17 (LeetCode 1117): hydrogen and oxygen tasks arrive in any
// order; a weighted semaphore admits two H and one O at a time, and a CyclicBarrier of 3 releases
// them together as one molecule. Every molecule printed is two H and one O, whatever the order of
// arrival (here a seeded shuffle, so the output is the same on every run).

import { CyclicBarrier, Semaphore, WaitGroup } from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface H2oOptions extends BaseOptions {
  /** Molecules to make (default 5). */
  readonly molecules?: number;
}

/** A small deterministic shuffle (an LCG), so the tour prints the same each time. */
function shuffle<T>(items: T[], seed: number): T[] {
  let s = seed;
  for (let i = items.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

export const h2o: Example<H2oOptions> = {
  name: "h2o",
  title: "H₂O factory: Semaphore(2) for H, Semaphore(1) for O, CyclicBarrier(3) per molecule",
  async run(out, opts = {}) {
    const n = opts.molecules ?? intArg(opts.args, 0, 5);
    const semaH = new Semaphore(2);
    const semaO = new Semaphore(1);
    let molecule: string[] = [];
    let made = 0;
    const barrier = new CyclicBarrier(3, () => {
      made++;
      out(`molecule ${made}: ${molecule.join("")}`);
      molecule = [];
    });
    const atom = async (kind: "H" | "O"): Promise<void> => {
      const sema = kind === "H" ? semaH : semaO;
      await sema.acquire();
      molecule.push(kind); // releaseHydrogen / releaseOxygen
      await barrier.await();
      sema.release();
    };
    const atoms = shuffle([...Array<"H">(2 * n).fill("H"), ...Array<"O">(n).fill("O")], 42);
    out(`arrivals: ${atoms.join("")}`);
    const wg = new WaitGroup();
    for (const a of atoms) wg.go(() => atom(a));
    await wg.wait();
    out(`${made} molecules, every one two H and one O`);
  },
};
