// Mutex: Go's sync.Mutex in shared memory, for worker threads.
//
// Futex style (Ulrich Drepper, "Futexes Are Tricky", mutex #3): the state word is 0 (free), 1 (held)
// or 2 (held, and waiters may be queued). An uncontended lock is one compare-and-swap 0→1 and an
// uncontended unlock one compare-and-swap 1→0, with no notify; a waiter spins briefly, then marks
// the word 2 and sleeps on its own slot of a FIFO queue in the same memory (internal/shared-queue.ts),
// so unlock wakes only someone asleep, and exactly one.
//
// Fairness follows Go's sync.Mutex (sync/mutex.go): normal mode lets a running thread take a just-
// released lock ahead of the woken waiter (it is already on a core; the handover to a sleeping
// thread costs microseconds), and the woken waiter keeps its place at the front. Once the waiter at
// the front has waited more than 1 ms (Go's starvationThresholdNs), unlock hands the lock to it
// directly: the word stays held, lock() and tryLock() by anyone else queue or fail. So no waiter
// starves, and the lock is FIFO whenever waiters have waited long enough to matter. (The in-process
// Mutex always hands off: with one thread there is no core to keep busy.)
//
// As in Go the mutex has no owner: any thread may unlock it. Unlocking an unlocked mutex throws
// `sync: unlock of unlocked mutex`. A cancelled lock leaves the queue and never acquires; if the
// hand-off reached it first, it has the lock and the call succeeds.

import type { Canceller, Context } from "../chan/context-type.js";
import type { CancelSource } from "../internal/cancel-protocol.js";
import { checkFunction, GoSyncError } from "../internal/errors.js";
import { SPINS } from "../internal/futex.js";
import { DESCRIBE, threadWait } from "../internal/registry.js";
import { GRANTED, queueWords, SharedQueue, WAITING, WOKEN } from "../internal/shared-queue.js";
import {
  adoptOr,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import {
  asyncEntry,
  isWhy,
  RESOLVED,
  runAsync,
  runSync,
  SPACE,
  syncEntry,
  type WaitSteps,
} from "./waiting.js";

const KIND = "Mutex";
const STATE = 0;
const Q = 4;
/** Go's starvationThresholdNs (1 ms): a front waiter queued longer gets the lock handed to it. */
const STARVE_MS = 1;

/**
 * Go's sync.Mutex across threads: one memory, lockable from every thread it reaches.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * worker.postMessage(share({ mu, counter }));
 * // in each worker:
 * mu.lockSync();
 * try { counter.store(counter.load() + 1); } finally { mu.unlock(); }
 * ```
 */
export class Mutex implements Shareable {
  /** What crosses threads: `attach(mutex.handle)` on another thread gives the same mutex. */
  readonly handle: SharedHandle;
  readonly #i32: Int32Array;
  readonly #q: SharedQueue;

  constructor() {
    this.handle = adoptOr(() => newHandle(KIND, Q + queueWords()));
    this.#i32 = int32View(this.handle, Q + queueWords());
    this.#q = new SharedQueue(this.#i32, Q);
  }

  /** Whether the mutex is held (by any thread). */
  get locked(): boolean {
    return Atomics.load(this.#i32, STATE) !== 0;
  }

  /** How many lock calls (on all threads) are queued. */
  get waiters(): number {
    return this.#q.live;
  }

  /** Locks, waiting without blocking the thread while it is held. Rejects with the ctx's error if cancelled first. */
  lock(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    if (Atomics.compareExchange(this.#i32, STATE, 0, 1) === 0) return RESOLVED;
    return this.#lockAsync(e.src);
  }

  /**
   * Locks, blocking the thread (Atomics.wait) while it is held: for workers. A shared ctx's
   * cancellation or a deadline interrupts it (it throws ctx's error, having taken nothing).
   */
  lockSync(ctx?: Context): void {
    const intr = syncEntry("Mutex.lockSync", ctx);
    if (Atomics.compareExchange(this.#i32, STATE, 0, 1) === 0) return;
    if (!this.#spin()) runSync(this.#q, this.#queue(), intr);
  }

  /** Locks if it is free; never waits. Fails while a starving waiter is owed the lock. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.#i32, STATE, 0, 1) === 0;
  }

  /** Unlocks; wakes (or, in starvation, hands the lock to) the longest waiter if anyone sleeps. */
  unlock(): void {
    const i32 = this.#i32;
    const c = Atomics.compareExchange(i32, STATE, 1, 0);
    if (c === 1) return;
    if (c === 0) throw new GoSyncError("sync: unlock of unlocked mutex");
    const q = this.#q;
    q.lock();
    const h = q.head();
    if (h < 0) Atomics.store(i32, STATE, 0);
    else if (q.age(h) > STARVE_MS)
      q.grant(h); // hand-off: the word stays held, now by h
    else {
      Atomics.store(i32, STATE, 0);
      if (Atomics.load(i32, h) === WAITING) q.wake(h); // one woken waiter at a time
    }
    q.unlock();
  }

  /** Runs fn holding the lock; unlocks when it settles, also when it throws. */
  async withLock<R>(fn: () => R | Promise<R>, ctx?: Canceller): Promise<R> {
    checkFunction("fn", fn);
    await this.lock(ctx);
    try {
      return await fn();
    } finally {
      this.unlock();
    }
  }

  /** Spins briefly: the lock is usually released soon. */
  #spin(): boolean {
    const i32 = this.#i32;
    for (let i = 0; i < SPINS; i++) {
      if (Atomics.load(i32, STATE) === 0 && Atomics.compareExchange(i32, STATE, 0, 1) === 0) return true;
    }
    return false;
  }

  /**
   * (Queue lock held.) Takes the lock if free, marking it contended. Called before queueing and
   * after a woken retry, under the queue lock, so an unlock cannot slip between the check and sleep.
   */
  #grab(): boolean {
    return Atomics.exchange(this.#i32, STATE, 2) === 0;
  }

  /** (Queue lock held.) A woken waiter gave up or took the lock: pass the wake to the next sleeper. */
  #passWake(): void {
    if (Atomics.load(this.#i32, STATE) !== 0) return; // the holder's unlock will wake someone
    const h = this.#q.head();
    if (h >= 0 && Atomics.load(this.#i32, h) === WAITING) this.#q.wake(h);
  }

  /** After sleeping: resolves a WOKEN retry. Returns true once the lock is taken, false to sleep again. */
  #retry(s: number): boolean {
    const q = this.#q;
    if (Atomics.exchange(this.#i32, STATE, 2) !== 0) {
      q.lock();
      const st = Atomics.load(this.#i32, s);
      if (st === GRANTED) {
        q.unlock();
        q.consumed(s);
        return true;
      }
      if (!this.#grab()) {
        q.rewait(s);
        q.unlock();
        return false;
      }
      q.leave(s);
      q.unlock();
      return true;
    }
    q.lock();
    if (q.leave(s) === GRANTED) {
      // Cannot happen (a hand-off keeps the word held), but never lose a grant.
      q.unlock();
      q.consumed(s);
      return true;
    }
    q.unlock();
    return true;
  }

  /** A cancelled waiter leaves: true if a hand-off reached it first (it holds the lock). */
  #cancelled(s: number): boolean {
    const q = this.#q;
    q.lock();
    const st = q.leave(s);
    if (st === GRANTED) {
      q.unlock();
      q.consumed(s);
      return true;
    }
    if (st === WOKEN) this.#passWake();
    q.unlock();
    return false;
  }

  /** Queues and sleeps until the lock is taken, both forms (waiting.ts). */
  *#queue(): WaitSteps<void> {
    const q = this.#q;
    for (;;) {
      q.lock();
      if (this.#grab()) {
        q.unlock();
        return;
      }
      const s = q.push(0);
      if (s < 0) {
        const r = yield SPACE;
        if (isWhy(r)) throw r.why;
        continue;
      }
      q.unlock();
      for (;;) {
        const r = yield { slot: s };
        if (isWhy(r)) {
          if (this.#cancelled(s)) return;
          throw r.why;
        }
        if (r === GRANTED) {
          q.consumed(s);
          return;
        }
        if (this.#retry(s)) return;
      }
    }
  }

  /** How task dumps show it: which operation waits on what, across threads. */
  [DESCRIBE](): string {
    return `threads.Mutex (${this.locked ? "locked" : "unlocked"}, ${this.waiters} waiting on all threads)`;
  }

  async #lockAsync(src: CancelSource | null): Promise<void> {
    if (this.#spin()) return;
    // On record for task dumps and the deadlock report while tracking is on (one test when off).
    await threadWait("threads.Mutex.lock", this, runAsync(this.#q, this.#queue(), src));
  }
}

registerShared(KIND, () => new Mutex());
