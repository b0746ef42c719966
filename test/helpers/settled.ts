// Test helpers: observe whether a promise has settled after the event loop has drained once —
// "blocks" in these tests means "still pending after every runnable task has run", never a timing.

import { type Outcome, probe } from "./probe.js";

/** One macrotask turn: every pending microtask runs first. */
export function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** The state of `p` after the event loop has drained. */
export async function stateAfterDrain<T>(p: Promise<T>): Promise<Outcome<T>> {
  const w = probe(p);
  await drain();
  return w.state;
}
