// Shared helpers for the sync tests (not a test file itself).
//
// "Blocks" in these tests never means "did not finish within some milliseconds": it means "still
// pending after every runnable task has run", i.e. after the event loop has drained a few times.
// Every hand-off in gosync's sync package runs on microtasks, and yieldNow() is one macrotask turn,
// so anything that can proceed has settled long before TURNS macrotask turns have passed.

export { type Outcome, type Probe, probe } from "../helpers/probe.js";
export { settle, TURNS } from "../helpers/settle.js";

/** Resolves after `n` microtask hops (a short critical section that still lets others run). */
export async function hops(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await Promise.resolve();
}

export { rng } from "../helpers/rng.js";

/** A promise with its resolve function outside (Promise.withResolvers is not in Node 20). */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
