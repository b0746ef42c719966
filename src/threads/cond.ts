// Cond: Go's sync.Cond over a gosync/threads Mutex, in shared memory.
//
// As Go's (sync/cond.go, runtime notifyList): wait() joins the wait list first, then unlocks, so no
// signal can fall between the two even with the signaller on another thread; signal() wakes the
// longest waiter, broadcast() all; with nobody waiting they do nothing. wait() always re-locks
// before it returns, also when cancelled (it then throws holding the lock, so the caller's
// `finally { unlock }` stays right). A signal that reaches a waiter just as its ctx is cancelled
// counts as delivered: the wait succeeds, so no signal is lost. Waiting without holding the mutex
// fails the way Go's does: the mutex's unlock throws, and the waiter leaves the list.

import type { Canceller, Context } from "../chan/context-type.js";
import { threadWait } from "../internal/registry.js";
import { GRANTED, queueWords, SharedQueue } from "../internal/shared-queue.js";
import {
  adoptOr,
  checkHandle,
  int32View,
  newHandle,
  registerShared,
  reviveHandle,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { Mutex } from "./mutex.js";
import {
  asyncEntry,
  isWhy,
  runAsync,
  runSync,
  SPACE,
  syncEntry,
  type WaitEnd,
  type WaitSteps,
} from "./waiting.js";

const KIND = "Cond";

/**
 * Go's sync.Cond across threads, over a threads Mutex.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * const nonEmpty = new Cond(mu);
 * // consumer (any thread):
 * mu.lockSync();
 * while (queue.length === 0) nonEmpty.waitSync();
 * take(queue);
 * mu.unlock();
 * ```
 */
export class Cond implements Shareable {
  /** What crosses threads (`attach` it on the other side; the mutex comes along). */
  readonly handle: SharedHandle;
  /** Go's L: held while observing or changing the condition. */
  readonly mutex: Mutex;
  readonly #q: SharedQueue;

  constructor(mutex: Mutex) {
    this.handle = adoptOr(() => {
      if (!(mutex instanceof Mutex)) throw new TypeError("mutex must be a gosync/threads Mutex");
      return newHandle(KIND, queueWords(), { mutex: mutex.handle });
    });
    this.mutex = mutex; // when attached: the Mutex revived from the handle's (registerShared below)
    this.#q = new SharedQueue(int32View(this.handle, queueWords()), 0);
  }

  /** Waiters on all threads now. */
  get waiters(): number {
    return this.#q.live;
  }

  /** Unlocks the mutex, waits for a signal (without blocking the thread), re-locks. */
  async wait(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) throw e.fail;
    const failure = await threadWait("threads.Cond.wait", this, runAsync(this.#q, this.#wait(), e.src));
    await this.mutex.lock();
    if (failure !== null) throw failure.why;
  }

  /** As wait(), blocking the thread; a shared ctx's cancellation or a deadline ends the wait. */
  waitSync(ctx?: Context): void {
    const failure = runSync(this.#q, this.#wait(), syncEntry("Cond.waitSync", ctx));
    this.mutex.lockSync();
    if (failure !== null) throw failure.why;
  }

  /** Wakes the longest waiter, if any. */
  signal(): void {
    const q = this.#q;
    q.lock();
    const h = q.head();
    if (h >= 0) q.grant(h);
    q.unlock();
  }

  /** Wakes every waiter. */
  broadcast(): void {
    const q = this.#q;
    q.lock();
    for (const s of [...q.slots()]) q.grant(s);
    q.unlock();
  }

  /** Joins the list, then unlocks the mutex (leaving again if that throws). */
  #unlockAfter(s: number): number {
    try {
      this.mutex.unlock();
    } catch (err) {
      this.#q.lock();
      if (this.#q.leave(s) === GRANTED) this.#q.consumed(s);
      this.#q.unlock();
      throw err;
    }
    return s;
  }

  /**
   * Joins the list (waiting for room if it is full; a cancellation then throws with the mutex still
   * held), unlocks the mutex, waits for a signal (both forms, see waiting.ts); the failure to
   * report once the mutex is locked again, or null.
   */
  *#wait(): WaitSteps<{ readonly why: unknown } | null> {
    const q = this.#q;
    for (;;) {
      q.lock();
      const s = q.push(0);
      if (s >= 0) {
        q.unlock();
        this.#unlockAfter(s);
        return this.#end(s, yield { slot: s });
      }
      const r = yield SPACE;
      if (isWhy(r)) throw r.why;
    }
  }

  /** After sleeping: frees the slot; the failure to report, or null (signalled). */
  #end(s: number, r: WaitEnd): { readonly why: unknown } | null {
    const q = this.#q;
    if (!isWhy(r)) {
      q.consumed(s);
      return null;
    }
    q.lock();
    const granted = q.leave(s) === GRANTED;
    q.unlock();
    if (granted) {
      q.consumed(s);
      return null;
    }
    return r;
  }
}

registerShared(
  KIND,
  (mutex: Mutex) => new Cond(mutex),
  (h) => {
    const x = h.extra as { mutex: unknown } | null;
    return reviveHandle(checkHandle("attach", "Mutex", x?.mutex)) as Mutex;
  },
);
