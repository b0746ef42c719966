// Shared helpers for the ports of Go's test/chan programs (not a test file itself).
//
// Go's tests decide "this operation blocks" by racing it against a sleep. Wall-clock races are
// flaky, so here "blocks" means: the operation has not settled after a fixed number of macrotask
// turns. Every step of a channel hand-off in gosync runs on microtasks (and runtime.Gosched is one
// macrotask turn), so an operation that can proceed settles long before TURNS turns have passed.
import assert from "node:assert/strict";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { Canceled, ChanClosedError, type Context, go, recv, type SelectCase } from "../../src/index.js";

/** How many macrotask turns an operation gets before it counts as blocked. */
export const TURNS = 20;

/** Let `n` macrotask turns pass (every pending microtask runs in between). */
export async function macrotaskTurns(n: number = TURNS): Promise<void> {
  for (let i = 0; i < n; i++) await nextMacrotask();
}

type State<T> =
  | { done: false }
  | { done: true; ok: true; value: T }
  | { done: true; ok: false; error: unknown };

export type Settled<T> = { settled: true; value: T } | { settled: false };

/**
 * Whether `p` settles within `turns` macrotask turns. A rejection is re-thrown so that an
 * unexpected panic fails the test with its own message.
 */
export async function settlesWithin<T>(p: Promise<T>, turns: number = TURNS): Promise<Settled<T>> {
  const box: { state: State<T> } = { state: { done: false } };
  p.then(
    (value) => {
      box.state = { done: true, ok: true, value };
    },
    (error: unknown) => {
      box.state = { done: true, ok: false, error };
    },
  );
  for (let i = 0; i < turns && !box.state.done; i++) await nextMacrotask();
  const s = box.state;
  if (!s.done) return { settled: false };
  if (!s.ok) throw s.error;
  return { settled: true, value: s.value };
}

/** Asserts that `p` is still pending after `turns` macrotask turns (Go: "always blocks"). */
export async function assertBlocks(p: Promise<unknown>, what: string, turns: number = TURNS): Promise<void> {
  const r = await settlesWithin(p, turns);
  assert.equal(r.settled, false, `${what}: expected to block, but it completed`);
}

/** Asserts that `p` settles (fulfils) within `turns` macrotask turns and returns its value. */
export async function assertCompletes<T>(p: Promise<T>, what: string, turns: number = TURNS): Promise<T> {
  const r = await settlesWithin(p, turns);
  if (!r.settled) assert.fail(`${what}: expected to complete, but it blocked`);
  return r.value;
}

/** Matches a ChanClosedError carrying Go's panic text exactly. */
export function chanClosed(message: "send on closed channel" | "close of closed channel") {
  return (err: unknown): boolean => {
    assert.ok(err instanceof ChanClosedError, `expected ChanClosedError, got ${String(err)}`);
    assert.equal(err.message, message);
    return true;
  };
}

/** Fails with a Go-like message; for use where Go's program calls panic("..."). */
export function unreachable(what = "control flow shouldn't reach here"): never {
  throw new Error(what);
}

/** The primes below 100, which Go's sieve programs check. */
export const PRIMES: readonly number[] = [
  2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
];

/**
 * Go's test programs exit with their goroutines still blocked (an infinite generator, a daisy chain
 * of filters); the ports stop theirs, so that the leak check finds nothing: their long-lived tasks
 * pass a ctx to every blocking operation (and add `cancelled(ctx)` to their selects), the test
 * cancels it at the end, and these tasks, started with goUntilCancelled, then end quietly.
 */
export function goUntilCancelled<A extends unknown[]>(
  fn: (...args: A) => Promise<unknown>,
  ...args: A
): void {
  const body = async (): Promise<void> => {
    try {
      await fn(...args);
    } catch (err) {
      if (err !== Canceled) throw err;
    }
  };
  Object.defineProperty(body, "name", { value: fn.name }); // the task dump names it as Go would
  go(body);
}

/** A select case that rejects the select with Canceled once ctx is cancelled. */
export function cancelled(ctx: Context): SelectCase<never> {
  return recv(ctx.done(), () => {
    throw Canceled;
  });
}
