// The entry checks every blocking call of a gosync/threads primitive makes, in one place: the ctx
// argument turned into what can end the wait (a CancelSource for the async form, an Interrupt for
// the sync form), a ctx already done rejecting or throwing at once, before anything has changed.
//
// And one algorithm for both wait forms: a queueing primitive writes its slow path once, as a
// generator of the waits it needs (WaitSteps: yield a wait on queue space or on its slot, receive
// how it ended), and runSync / runAsync carry the waits out with Atomics.wait or Atomics.waitAsync.
// Everything between two waits runs synchronously in the generator, so the async form keeps the
// rule that nothing is awaited while the queue lock is held (the space wait releases it first).

import type { Canceller, Context } from "../chan/context-type.js";
import { type CancelSource, cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { checkBlocking, type Interrupt } from "../internal/futex.js";
import type { SharedQueue } from "../internal/shared-queue.js";
import { interruptOf } from "./context.js";

/** What an async blocking call starts with: the source to watch, or the reason to reject with. */
export type AsyncEntry = { readonly src: CancelSource | null } | { readonly fail: unknown };

/** For an async form: its ctx as a CancelSource; `fail` when the ctx is bad or already done. */
export function asyncEntry(ctx: Canceller | undefined): AsyncEntry {
  let src: CancelSource | null;
  try {
    src = ctx === undefined ? null : cancelSourceOf(ctx);
  } catch (e) {
    return { fail: e };
  }
  if (src !== null) {
    const why = src[REASON]();
    if (why !== undefined) return { fail: why };
  }
  return { src };
}

/**
 * For a sync form: throws a TypeError naming `method` where the thread may not block or the ctx is
 * not a Context, and ctx's error if it is already done; else what may interrupt the wait.
 */
export function syncEntry(method: string, ctx: Context | undefined): Interrupt | null {
  checkBlocking(method);
  const intr = interruptOf(method, ctx);
  const why = intr?.check();
  if (why !== undefined) throw why;
  return intr;
}

/** A settled promise, shared by every call that completes at once. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** Whether a wait ended with the ctx's reason. */
export function isWhy(r: WaitEnd): r is { readonly why: unknown } {
  return typeof r === "object";
}

/** A wait a slow path asks for: for room in the queue (holding its lock), or on its own slot. */
export type QueueWait = typeof SPACE | { readonly slot: number };

/** Wait for room in the queue: yielded with the queue lock held; the wait releases it. */
export const SPACE = "space";

/**
 * How a wait ended: a slot's state (a slot wait), undefined (room may have been made: try again),
 * or the reason the ctx gave.
 */
export type WaitEnd = number | undefined | { readonly why: unknown };

/** A slow path written once for both wait forms (see the header); returns T. */
export type WaitSteps<T> = Generator<QueueWait, T, WaitEnd>;

function spaceEnd(why: unknown): WaitEnd {
  return why === undefined ? undefined : { why };
}

/**
 * The slow path of a primitive whose waiters queue for a grant (RWMutex, Semaphore), after its
 * first try returned `slot`: while the queue was full (-2), wait for room and `enter` again (-1:
 * taken at once; else a slot, or -2 again); then wait for the grant. A cancelled waiter calls
 * `leave(slot)`, which reports whether a grant reached it first (then it keeps it and succeeds).
 */
export function* queuedWait(
  q: SharedQueue,
  slot: number,
  enter: () => number,
  leave: (slot: number) => boolean,
): WaitSteps<void> {
  let s = slot;
  while (s === -2) {
    const r = yield SPACE;
    if (isWhy(r)) throw r.why;
    s = enter();
    if (s === -1) return;
  }
  const r = yield { slot: s };
  if (isWhy(r)) {
    if (leave(s)) return;
    throw r.why;
  }
  q.consumed(s);
}

/** Runs `steps` blocking the thread (Atomics.wait); throws what they throw. */
export function runSync<T>(q: SharedQueue, steps: WaitSteps<T>, intr: Interrupt | null): T {
  let r = steps.next();
  while (r.done !== true) {
    const w = r.value;
    r = steps.next(w === SPACE ? spaceEnd(q.spaceSync(intr)) : q.sleepSync(w.slot, intr));
  }
  return r.value;
}

/** Runs `steps` without blocking the thread (Atomics.waitAsync); rejects with what they throw. */
export async function runAsync<T>(q: SharedQueue, steps: WaitSteps<T>, src: CancelSource | null): Promise<T> {
  let r = steps.next();
  while (r.done !== true) {
    const w = r.value;
    r = steps.next(w === SPACE ? spaceEnd(await q.spaceAsync(src)) : await q.sleepAsync(w.slot, src));
  }
  return r.value;
}
