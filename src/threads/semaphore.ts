// Semaphore: x/sync/semaphore.Weighted in shared memory — weighted, with grants in arrival order
// across every thread.
//
// The permits held and the FIFO queue of waiters (internal/shared-queue.ts) live in one block; every
// change happens under the queue's lock word, so "fits and nobody waits" and "queue behind the
// others" are one decision. As in x/sync: a request that does not fit waits, and so does everyone
// behind it, even a smaller request that would fit (no newcomer jumps the queue, so a large request
// cannot starve); when the head is cancelled, those behind go as far as the permits allow; a ctx
// already done fails even if permits are free; a waiter granted permits just as its ctx was
// cancelled gives them back and fails (x/sync's "pretend we didn't"). As the in-process Semaphore: a
// request larger than the size is a RangeError at once, and releasing more than held throws
// `semaphore: released more than held` with nothing changed.

import type { Canceller, Context } from "../chan/context-type.js";
import { checkCount, GoSyncError } from "../internal/errors.js";
import { threadWait } from "../internal/registry.js";
import { GRANTED, queueWords, SharedQueue } from "../internal/shared-queue.js";
import {
  adoptOr,
  type HandleData,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { asyncEntry, queuedWait, RESOLVED, runAsync, runSync, syncEntry, type WaitSteps } from "./waiting.js";

const KIND = "Semaphore";
const HELD = 0;
const Q = 4;

/**
 * x/sync's weighted semaphore across threads: at most `size` permits held at once, FIFO.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(4);
 * // in each worker:
 * sem.acquireSync(2);
 * try { crunch(); } finally { sem.release(2); }
 * ```
 */
export class Semaphore implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  /** The number of permits. */
  readonly size: number;
  readonly #i32: Int32Array;
  readonly #q: SharedQueue;

  /** @param size the number of permits (x/sync's NewWeighted(n)), an integer ≥ 0. */
  constructor(size: number) {
    this.handle = adoptOr(() => {
      checkCount("size", size);
      if (size > 0x7fffffff) throw new RangeError(`size must be at most 2^31-1, got ${size}`);
      return newHandle(KIND, Q + queueWords(), { size });
    });
    this.size = ((this.handle as HandleData).extra as { size: number }).size;
    this.#i32 = int32View(this.handle, Q + queueWords());
    this.#q = new SharedQueue(this.#i32, Q);
  }

  /** Permits held now (by all threads). */
  get held(): number {
    return Atomics.load(this.#i32, HELD);
  }

  /** Requests waiting now (on all threads). */
  get waiters(): number {
    return this.#q.live;
  }

  /** Acquires `n` permits, waiting (FIFO, without blocking the thread) until they are available. */
  acquire(n = 1, ctx?: Canceller): Promise<void> {
    try {
      this.#check(n);
    } catch (err) {
      return Promise.reject(err);
    }
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    const s = this.#enter(n);
    if (s === -1) return RESOLVED;
    return threadWait("threads.Semaphore.acquire", this, runAsync(this.#q, this.#wait(n, s), e.src));
  }

  /** Acquires `n` permits, blocking the thread; a shared ctx's cancellation or a deadline ends it. */
  acquireSync(n = 1, ctx?: Context): void {
    this.#check(n);
    const intr = syncEntry("Semaphore.acquireSync", ctx);
    const s = this.#enter(n);
    if (s !== -1) runSync(this.#q, this.#wait(n, s), intr);
  }

  /** Acquires `n` permits if they are available now and nobody waits; never waits. */
  tryAcquire(n = 1): boolean {
    this.#check(n);
    const q = this.#q;
    q.lock();
    const ok = q.live === 0 && this.size - this.#i32[HELD]! >= n;
    if (ok) Atomics.add(this.#i32, HELD, n);
    q.unlock();
    return ok;
  }

  /** Releases `n` permits, granting waiters in order as far as they fit. */
  release(n = 1): void {
    checkCount("n", n);
    const q = this.#q;
    q.lock();
    if (n > this.#i32[HELD]!) {
      q.unlock();
      throw new GoSyncError("semaphore: released more than held");
    }
    Atomics.sub(this.#i32, HELD, n);
    this.#grant();
    q.unlock();
  }

  /** (Queue lock held.) Grants from the head while the head fits. */
  #grant(): void {
    const q = this.#q;
    for (let h = q.head(); h >= 0; h = q.head()) {
      const want = q.arg(h);
      if (this.size - this.#i32[HELD]! < want) break; // FIFO: nobody overtakes the head
      Atomics.add(this.#i32, HELD, want);
      q.grant(h);
    }
  }

  /** Takes the permits at once (-1), or queues: the slot (-2 when the queue is full). */
  #enter(n: number): number {
    const q = this.#q;
    q.lock();
    if (q.live === 0 && this.size - this.#i32[HELD]! >= n) {
      Atomics.add(this.#i32, HELD, n);
      q.unlock();
      return -1;
    }
    const s = q.push(n);
    if (s >= 0) q.unlock(); // when full (-1 from push) the lock stays held for the space wait
    return s < 0 ? -2 : s;
  }

  /** A waiter gives up: leaves, or gives back a grant that raced the cancellation. */
  #leave(s: number, n: number): void {
    const q = this.#q;
    q.lock();
    if (q.leave(s) === GRANTED) {
      Atomics.sub(this.#i32, HELD, n);
      q.consumed(s);
    }
    this.#grant(); // if it was the head, those behind may fit now
    q.unlock();
  }

  /** The wait after #enter, both forms (waiting.ts); a granted waiter's permits were added for it. */
  #wait(n: number, slot: number): WaitSteps<void> {
    return queuedWait(
      this.#q,
      slot,
      () => this.#enter(n),
      (s) => {
        this.#leave(s, n); // gives back a grant that raced the cancellation: the call fails
        return false;
      },
    );
  }

  #check(n: unknown): void {
    checkCount("n", n);
    if ((n as number) > this.size) {
      throw new RangeError(`n must be at most the semaphore's size ${this.size}, got ${String(n)}`);
    }
  }
}

registerShared(KIND, () => new Semaphore(0));
