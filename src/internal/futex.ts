// Futex-style waits on a word of shared memory, for gosync/threads: the two wait forms every
// blocking call of a shared primitive comes in, and what may interrupt them. Atomics only: no
// runtime-specific import, so this runs wherever SharedArrayBuffer does (Node workers, Deno, Bun,
// Web Workers in a cross-origin-isolated page).
//
// - waitAsync: Atomics.waitAsync; never blocks the thread. A ctx (Context or AbortSignal) ends the
//   wait early through the in-process cancellation adapter (internal/cancel-protocol.ts): the listener is
//   removed as soon as either side wins, so nothing stays subscribed. The Atomics.waitAsync itself
//   cannot be withdrawn; it stays in the engine's waiter list until its word is notified. Callers
//   therefore park on words private to one waiter (a queue slot) and notify them with count
//   +Infinity, so an abandoned waiter never swallows a wake-up meant for someone else.
//   While any waitAsync is pending the thread is kept alive (Node does not count a pending
//   Atomics.waitAsync as work: a worker awaiting a lock held elsewhere would otherwise just exit),
//   unless the registry says otherwise (the deadlock report, on the main thread: see registry.ts).
// - waitSync: Atomics.wait; blocks the thread. Only two things can reach a blocked thread: a deadline
//   (the wait's timeout) and Atomics.notify on the very word it sleeps on, which needs that word's
//   SharedArrayBuffer. The canceller of a shared context holds the context's block, not the
//   primitive's, so before each sleep the wait registers its word with whatever may interrupt it
//   (`Interrupt.register`: a shared context sends the word's buffer to the thread that will cancel
//   it, threads/context.ts), then re-checks (one atomic load), then sleeps. A canceller sets its
//   flag first and notifies the registered words after, so with sequentially consistent atomics
//   the check sees the flag, or the notify comes after it — and finds the sleeper unless it lands
//   in the instant before Atomics.wait begins (the canceller cannot change the primitive's word to
//   make the sleep fail; threads/context.ts narrows that window). `poll` bounds each sleep, and
//   the check runs between slices: with registration a rare backstop, without it the only way.
// - Where blocking is forbidden (a browser's main thread), Atomics.wait throws; `checkBlocking`
//   turns that into a TypeError naming the method, before anything has been changed.

import { type CancelListener, type CancelSource, REASON, SUBSCRIBE, UNSUBSCRIBE } from "./cancel-protocol.js";
import { processWide } from "./process-wide.js";
import { registry } from "./registry.js";

/** Atomics.waitAsync (ES2024), typed here so the package does not need the es2024 lib. */
type WaitAsyncResult =
  | { readonly async: false; readonly value: "not-equal" | "timed-out" }
  | { readonly async: true; readonly value: Promise<"ok" | "timed-out"> };

/** Atomics.waitAsync(i32, index, value, timeout?). */
export const atomicsWaitAsync = (
  Atomics as unknown as {
    waitAsync(i32: Int32Array, index: number, value: number, timeout?: number): WaitAsyncResult;
  }
).waitAsync;

let blockable: boolean | undefined;

/** Whether this thread may block in Atomics.wait (false on a browser's main thread). */
function canBlock(): boolean {
  if (blockable === undefined) {
    try {
      // The agent check comes before the value check, so a mismatching value still throws here.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
      blockable = true;
    } catch {
      blockable = false;
    }
  }
  return blockable;
}

/** Throws a TypeError naming `method` where this thread may not block. */
export function checkBlocking(method: string): void {
  if (!canBlock()) {
    throw new TypeError(
      `${method}: this thread may not block (Atomics.wait is not allowed here, e.g. a browser's main thread); use the async form`,
    );
  }
}

/** What may end a synchronous wait early: see the header. */
export interface Interrupt {
  /** undefined while the wait may go on; otherwise the error the blocked call throws. */
  check(): unknown;
  /** Epoch ms at which check() starts reporting an error by itself; Infinity for never. */
  readonly deadline: number;
  /** Longest sleep between two check() calls, ms; Infinity when nothing needs polling. */
  readonly poll: number;
  /**
   * Called before each sleep on `i32[index]`, before check(): makes sure whatever may interrupt the
   * wait notifies that word when it does (idempotent and cheap after the first call per word).
   */
  register?(i32: Int32Array, index: number): void;
}

/**
 * Blocks while `i32[index] === value`. Returns undefined once woken (or at once if the word already
 * differs; spurious returns happen, so callers re-check their condition in a loop), or the reason
 * the interrupt reported. Callers must have called checkBlocking first.
 */
export function waitSync(i32: Int32Array, index: number, value: number, intr: Interrupt | null): unknown {
  if (intr === null) {
    Atomics.wait(i32, index, value);
    return undefined;
  }
  for (;;) {
    intr.register?.(i32, index); // before the check: a cancellation after it notifies this word
    const why = intr.check();
    if (why !== undefined) return why;
    const left =
      intr.deadline === Number.POSITIVE_INFINITY ? Number.POSITIVE_INFINITY : intr.deadline - Date.now();
    const slice = Math.max(0, Math.min(intr.poll, left));
    if (Atomics.wait(i32, index, value, slice) !== "timed-out") return undefined;
  }
}

// --- keep-alive while async waits are pending --------------------------------------------------

interface Refable {
  ref(): unknown;
  unref(): unknown;
}

/**
 * The async waits pending on this thread and the timer that keeps it alive meanwhile: one of each
 * per thread, over every loaded copy of gosync (ESM and CommonJS side by side).
 */
const keep = processWide("futex.keeper/1", () => ({ pending: 0, keeper: null as Partial<Refable> | null }));

/** Async waits on shared memory pending on this thread (gosync/debug's deadlock report reads it). */
export function pendingThreadWaits(): number {
  return keep.pending;
}

/**
 * Makes the keeper match the registry: ref'd while async waits are pending and they are to keep the
 * thread alive. Call after changing `registry.keepThreadWaitsAlive` (gosync/debug does).
 */
export function syncKeepAlive(): void {
  const on = keep.pending > 0 && registry.keepThreadWaitsAlive !== false; // (absent in an older copy)
  if (on && keep.keeper === null) {
    keep.keeper = setInterval(() => {}, 2 ** 31 - 1) as unknown as Partial<Refable>;
  }
  if (on) keep.keeper?.ref?.();
  else keep.keeper?.unref?.();
}

/** Counts a pending async wait: the thread stays alive while any is pending (Node; a no-op elsewhere). */
export function holdAlive(): void {
  if (keep.pending++ === 0) syncKeepAlive();
}

/** The pending async wait counted by holdAlive is over. */
export function releaseAlive(): void {
  if (--keep.pending === 0) syncKeepAlive();
}

/**
 * Waits without blocking while `i32[index] === value`. Resolves undefined once woken (or at once if
 * the word already differs; spurious wake-ups happen), or with the cancellation reason if `src`
 * fires first. Never rejects: the caller cleans up, then rejects its own promise.
 *
 * `withdraw`, if given, runs synchronously inside the cancellation itself (or here at once if `src`
 * has already fired), before the promise resolves. A waiter that has something on offer to other
 * threads (a channel cell) takes it back there: by the time `cancel()` returns, no thread can
 * commit to it any more. Cleaning up only when the promise's continuation runs would leave it
 * on offer for as long as this thread is busy or descheduled. It must not call user code.
 */
export function waitAsync(
  i32: Int32Array,
  index: number,
  value: number,
  src: CancelSource | null,
  withdraw?: () => void,
): Promise<unknown> {
  // A source already cancelled never fires again: it ends the wait before it starts.
  const early = src?.[REASON]();
  if (early !== undefined) {
    withdraw?.();
    return Promise.resolve(early);
  }
  const r = atomicsWaitAsync(i32, index, value);
  if (!r.async) return Promise.resolve(undefined);
  holdAlive();
  if (src === null) {
    return r.value.then(() => {
      releaseAlive();
      return undefined;
    });
  }
  return new Promise<unknown>((resolve) => {
    let settled = false;
    const listener: CancelListener = {
      onCancel(reason: unknown): void {
        if (settled) return;
        settled = true;
        withdraw?.();
        releaseAlive();
        resolve(reason);
      },
    };
    src[SUBSCRIBE](listener);
    void r.value.then(() => {
      if (settled) return; // cancelled first: this was the abandoned engine-side waiter
      settled = true;
      src[UNSUBSCRIBE](listener);
      releaseAlive();
      resolve(undefined);
    });
  });
}

/** Spins that a waiter tries before it queues and sleeps (a lock is usually held only briefly). */
export const SPINS = 100;

/**
 * Locks an internal lock word (Ulrich Drepper, "Futexes Are Tricky", mutex #3): 0 free, 1 held,
 * 2 held and someone may sleep on it. For short critical sections that run no user code (a
 * primitive's queue bookkeeping); uncontended it is one compare-and-swap. Where the thread may not
 * block it spins, which stays short because holders never wait while holding it.
 */
export function lockWord(i32: Int32Array, index: number): void {
  let c = Atomics.compareExchange(i32, index, 0, 1);
  if (c === 0) return;
  for (let i = 0; i < SPINS; i++) {
    if (Atomics.load(i32, index) === 0 && Atomics.compareExchange(i32, index, 0, 1) === 0) return;
  }
  const block = canBlock();
  if (c !== 2) c = Atomics.exchange(i32, index, 2);
  while (c !== 0) {
    if (block) Atomics.wait(i32, index, 2);
    c = Atomics.exchange(i32, index, 2);
  }
}

/** Unlocks a word locked by lockWord; notifies only when someone may sleep on it. */
export function unlockWord(i32: Int32Array, index: number): void {
  if (Atomics.sub(i32, index, 1) !== 1) {
    Atomics.store(i32, index, 0);
    Atomics.notify(i32, index, 1);
  }
}
