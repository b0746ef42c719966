// Shared helpers for the sync tests (not a test file itself).
//
// "Blocks" in these tests never means "did not finish within some milliseconds": it means "still
// pending after every runnable task has run", i.e. after the event loop has drained a few times.
// Every hand-off in gosync's sync package runs on microtasks, and yieldNow() is one macrotask turn,
// so anything that can proceed has settled long before TURNS macrotask turns have passed.
import { setImmediate as nextMacrotask } from "node:timers/promises";

/** Macrotask turns that count as "the event loop has drained". */
export const TURNS = 5;

/** Lets `n` macrotask turns pass (every pending microtask runs in between). */
export async function settle(n: number = TURNS): Promise<void> {
  for (let i = 0; i < n; i++) await nextMacrotask();
}

export { type Outcome, type Probe, probe } from "../helpers/probe.js";

/** Resolves after `n` microtask hops (a short critical section that still lets others run). */
export async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

/** A deterministic pseudo-random generator (mulberry32), so the hammer tests are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A promise with its resolve function outside (Promise.withResolvers is not in Node 20). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
