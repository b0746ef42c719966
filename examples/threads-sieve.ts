// A parallel pipeline on every core: count the primes below N with a segmented sieve of
// Eratosthenes, the segments fanned out to a ThreadPool and the counts summed as they come back
// (Go: a worker goroutine per core reading segments from a channel; here the pool's queue is that
// channel). Run once on one thread and once on all of them, and compare: on a machine with k idle
// cores the speed-up approaches k.

import { availableParallelism } from "node:os";
import { ThreadPool } from "../src/threads/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface ThreadsSieveOptions extends BaseOptions {
  /** Count the primes below this (default 20,000,000, or the first command-line argument). */
  readonly limit?: number;
  /** Numbers per segment (one task each; default 500,000). */
  readonly segment?: number;
  /** Threads for the parallel run (default: the available parallelism). */
  readonly threads?: number;
}

const TASKS = new URL("./threads-tasks.ts", import.meta.url);
const fmt = (n: number): string => n.toLocaleString("en-US");

/** Sieves [0, limit) in segments on a pool of `size` threads; the count and the time it took. */
async function sieveOn(
  size: number,
  limit: number,
  segment: number,
): Promise<{ primes: number; ms: number }> {
  await using pool = new ThreadPool(TASKS, { size });
  await Promise.all(Array.from({ length: size }, () => pool.run("primesInSegment", [0, 10]))); // threads up
  const t0 = performance.now();
  const counts: Promise<number>[] = [];
  for (let lo = 0; lo < limit; lo += segment) {
    counts.push(pool.run<number>("primesInSegment", [lo, Math.min(limit, lo + segment)]));
  }
  let primes = 0;
  for (const c of counts) primes += await c;
  return { primes, ms: performance.now() - t0 };
}

export const threadsSieve: Example<ThreadsSieveOptions> = {
  name: "threads-sieve",
  title: "primes below N, a segmented sieve on every core vs on one thread",
  async run(out, opts = {}) {
    const limit = opts.limit ?? intArg(opts.args, 0, 20_000_000);
    const segment = opts.segment ?? 500_000;
    const threads = opts.threads ?? availableParallelism();
    const segments = Math.ceil(limit / segment);
    out(`sieving [0, ${fmt(limit)}) in ${segments} segments of ${fmt(segment)} on 1 thread...`);
    const one = await sieveOn(1, limit, segment);
    out(`1 thread:  ${fmt(one.primes)} primes in ${one.ms.toFixed(0)} ms`);
    out(`now on ${threads} threads...`);
    const all = await sieveOn(threads, limit, segment);
    out(`${threads} threads: ${fmt(all.primes)} primes in ${all.ms.toFixed(0)} ms`);
    out(`speed-up: ${(one.ms / all.ms).toFixed(2)}× on ${threads} threads`);
  },
};
