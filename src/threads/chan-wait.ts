// The waiting underneath SharedChan and SharedMap: a futex-style lock word, and waits on a
// sequence word in the two forms every blocking call has (async on Atomics.waitAsync, sync on
// Atomics.wait), both honouring a ctx.
//
// The lock (Drepper's "Futexes Are Tricky", mutex 2): 0 free, 1 held, 2 held with sleepers. An
// uncontended lock is one compare-and-swap and its unlock one atomic subtraction with no notify.
// It guards only short critical sections that never wait, so it spins before it sleeps, and on a
// thread that may not block (a browser's main thread) it only spins.
//
// The waits follow the sequence-word protocol: a waiter reads the word under the owner's lock,
// counts itself as a sleeper, unlocks and waits while the word still holds what it read; a notifier
// changes the state under the lock, bumps the word and notifies only if the sleeper count is not 0.
// Either the notifier sees the sleeper or the waiter sees the bumped word, so no wake-up is lost and
// nobody asleep means no notify. Notifies wake every sleeper on the word: a waiter that left (its
// ctx was cancelled) may still sit in the runtime's queue, and waking one could be swallowed by it.

import type { Canceller, Context } from "../chan/context-type.js";
import { type CancelListener, type CancelSource, SUBSCRIBE, UNSUBSCRIBE } from "../internal/cancel.js";
import { GoSyncError } from "../internal/errors.js";

/** Whether this thread may block in Atomics.wait (Node: every thread; browsers: not the main one). */
export const canBlock: boolean = (() => {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
})();

const SPIN = 128;

/** Takes the lock word at `i32[at]`. */
export function lock(i32: Int32Array, at: number): void {
  if (Atomics.compareExchange(i32, at, 0, 1) === 0) return;
  for (let i = 0; i < SPIN; i++) {
    if (Atomics.load(i32, at) === 0 && Atomics.compareExchange(i32, at, 0, 1) === 0) return;
  }
  while (Atomics.exchange(i32, at, 2) !== 0) {
    if (canBlock) Atomics.wait(i32, at, 2);
  }
}

/** Releases the lock word at `i32[at]`; wakes one sleeper only if there is one. */
export function unlock(i32: Int32Array, at: number): void {
  if (Atomics.sub(i32, at, 1) !== 1) {
    Atomics.store(i32, at, 0);
    Atomics.notify(i32, at, 1);
  }
}

/** Bumps the sequence word `i32[seq]` and wakes its sleepers (counted at `i32[sleepers]`), if any. */
export function bump(i32: Int32Array, seq: number, sleepers: number): void {
  Atomics.add(i32, seq, 1);
  if (Atomics.load(i32, sleepers) !== 0) Atomics.notify(i32, seq);
}

/** Spins briefly while `i32[at]` holds `v`; true if it changed (then there is no need to sleep). */
export function spinWhile(i32: Int32Array, at: number, v: number): boolean {
  for (let i = 0; i < SPIN; i++) if (Atomics.load(i32, at) !== v) return true;
  return false;
}

// ---- async waits ------------------------------------------------------------------------------

// A pending Atomics.waitAsync does not keep Node's event loop alive, but a thread awaiting a value
// from another thread must stay alive: one ref'd timer stands for all of this thread's async waits.
let pending = 0;
let keepAlive: ReturnType<typeof setTimeout> | undefined;
function hold(): void {
  if (pending++ === 0) keepAlive = setTimeout(noop, 2 ** 31 - 1);
}
function releaseHold(): void {
  if (--pending === 0) clearTimeout(keepAlive);
}
function noop(): void {}

/** Atomics.waitAsync (ES2024; Node >= 16), typed here because the compiler's lib is ES2023. */
type WaitAsyncResult =
  | { async: false; value: "not-equal" | "timed-out" }
  | { async: true; value: Promise<string> };
const atomicsWaitAsync = (
  Atomics as unknown as { waitAsync(a: Int32Array, i: number, v: number): WaitAsyncResult }
).waitAsync;

class AsyncWait implements CancelListener {
  resolve: (reason: unknown) => void = noop;
  done = false;
  constructor(readonly src: CancelSource | null) {}
  finish(reason: unknown): void {
    if (this.done) return;
    this.done = true;
    if (this.src !== null) this.src[UNSUBSCRIBE](this);
    releaseHold();
    this.resolve(reason);
  }
  onCancel(reason: unknown): void {
    this.finish(reason);
  }
}

/**
 * Waits, without blocking the thread, while `i32[at]` holds `v`. Resolves with undefined once it
 * may have changed, or with the cancellation reason if `src` is cancelled first (the caller then
 * undoes its registration; a notify it may still receive is harmless).
 */
export function waitAsync(
  i32: Int32Array,
  at: number,
  v: number,
  src: CancelSource | null,
): Promise<unknown> {
  const r = atomicsWaitAsync(i32, at, v);
  if (!r.async) return Promise.resolve(undefined);
  const w = new AsyncWait(src);
  hold();
  const p = new Promise<unknown>((resolve) => {
    w.resolve = resolve;
  });
  r.value.then(() => w.finish(undefined));
  if (src !== null) src[SUBSCRIBE](w);
  return p;
}

// ---- sync waits ---------------------------------------------------------------------------------

/** Why a sync wait with a ctx ended early: the ctx's error (or Go's text when err() lags behind). */
function expired(ctx: Context): unknown {
  return ctx.err() ?? new GoSyncError("context deadline exceeded");
}

/** Throws a TypeError naming `method` where this thread may not block. */
export function checkCanBlock(method: string): void {
  if (!canBlock)
    throw new TypeError(`${method} would block this thread, which may not block; use the async form`);
}

/**
 * Blocks while `i32[at]` holds `v`, at most until `ctx`'s deadline. Returns undefined once it may
 * have changed, or the ctx's error once the deadline passed. (A thread blocked here runs no other
 * code: only a deadline, or a notify, can end the wait.)
 */
export function waitSync(i32: Int32Array, at: number, v: number, ctx: Context | undefined): unknown {
  if (ctx === undefined) {
    Atomics.wait(i32, at, v);
    return undefined;
  }
  const d = ctx.deadline();
  const ms = d === undefined ? Number.POSITIVE_INFINITY : d.getTime() - Date.now();
  if (ms <= 0) return expired(ctx);
  if (Atomics.wait(i32, at, v, ms) === "timed-out" && d !== undefined && Date.now() >= d.getTime()) {
    return expired(ctx);
  }
  return undefined;
}

/** A sync call's ctx already cancelled: its error, else undefined. */
export function ctxReason(ctx: Canceller | undefined): unknown {
  if (ctx === undefined) return undefined;
  if (typeof AbortSignal !== "undefined" && ctx instanceof AbortSignal) {
    return ctx.aborted ? ctx.reason : undefined;
  }
  const c = ctx as Context;
  const err = c.err();
  if (err !== null) return err;
  const d = c.deadline();
  return d !== undefined && d.getTime() <= Date.now() ? expired(c) : undefined;
}
