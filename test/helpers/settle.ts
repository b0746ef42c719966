// "Blocks" in gosync's tests never means "did not finish within some milliseconds": it means "still
// pending after every runnable task has run", i.e. after the event loop has drained a few macrotask
// turns. Every hand-off in gosync runs on microtasks and yieldNow() is one macrotask turn, so
// anything that can proceed has settled long before TURNS turns have passed.
import { setImmediate as nextMacrotask } from "node:timers/promises";

/** Macrotask turns that count as "the event loop has drained". */
export const TURNS = 5;

/** Lets `n` macrotask turns pass (every pending microtask runs in between). */
export async function settle(n: number = TURNS): Promise<void> {
  for (let i = 0; i < n; i++) await nextMacrotask();
}
