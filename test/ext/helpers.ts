// Shared helpers for the tests of the extended primitives (not a test file itself).
//
// "Blocks" here never means "did not finish within some milliseconds": it means "still pending
// after every runnable task has run", i.e. after the event loop has drained a few macrotask turns.
// Timers appear only with tiny durations, to let them fire; no test asserts how long anything took.
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { registry } from "../../src/internal/registry.js";
import { settle } from "../helpers/settle.js";

export { settle, TURNS } from "../helpers/settle.js";

/** Waits (macrotask turn by turn, at most `turns` of them) until `cond` holds; returns whether it did. */
export async function until(cond: () => boolean, turns = 2000): Promise<boolean> {
  for (let i = 0; i < turns; i++) {
    if (cond()) return true;
    await nextMacrotask();
  }
  return cond();
}

/** Waits until `cond` holds, letting real timers fire (1 ms steps, at most `steps`). */
export async function eventually(cond: () => boolean, steps = 2000): Promise<boolean> {
  for (let i = 0; i < steps; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return cond();
}

export { type Outcome, type Probe, probe } from "../helpers/probe.js";

/** A promise with its resolve function: a gate a test opens when it chooses. */
export function gate(): { readonly promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((r) => {
    open = r;
  });
  return { promise, open };
}

export { rng } from "../helpers/rng.js";

/** Lets a random number (0..max-1) of macrotask turns pass: a jitter that needs no timer. */
export async function jitter(random: (n: number) => number, max = 4): Promise<void> {
  const turns = Math.floor(random(max));
  for (let i = 0; i < turns; i++) await nextMacrotask();
}

/**
 * Records promise rejections nobody handled while `body` runs (and a few turns after). A gosync
 * primitive must never leave one behind: under Node's default mode it kills the process.
 */
export async function unhandledDuring(body: () => Promise<void>): Promise<unknown[]> {
  const seen: unknown[] = [];
  const stop = catchUnhandled(seen);
  try {
    await body();
    await settle();
  } finally {
    stop();
  }
  return seen;
}

/**
 * Collects unhandled rejections into `seen` until the returned function is called. The test
 * runner's own handler is set aside meanwhile, so the test reports them through its assertions
 * (with its context) rather than the runner failing it with the bare rejection reason.
 */
export function catchUnhandled(seen: unknown[]): () => void {
  const saved = process.listeners("unhandledRejection");
  for (const l of saved) process.off("unhandledRejection", l);
  const onUnhandled = (reason: unknown): void => {
    seen.push(reason);
  };
  process.on("unhandledRejection", onUnhandled);
  return () => {
    process.off("unhandledRejection", onUnhandled);
    for (const l of saved) process.on("unhandledRejection", l);
  };
}

/** Live tasks started by go() now (the registry counts them always). */
export function liveTasks(): number {
  return registry.liveTasks;
}
