// Semaphore: x/sync/semaphore.Weighted — a weighted semaphore with strictly FIFO grants.
//
// As in x/sync: a request that does not fit waits, and so does everyone behind it, even smaller
// requests that would fit (no newcomer jumps the queue, so a large request cannot starve); when a
// waiter at the head is cancelled, those behind it go as far as the permits now allow; an
// already-cancelled ctx fails even if permits are free (current x/sync). Where it differs: a request
// larger than the size throws RangeError at once (x/sync would block until the ctx is done), and
// releasing more than held throws `semaphore: released more than held` without changing anything.

import type { Canceller } from "../chan/context-type.js";
import { cancelSourceOf, REASON, UNSUBSCRIBE } from "../internal/cancel.js";
import { checkCount, GoSyncError } from "../internal/errors.js";
import { type Parked, parkOn, RESOLVED, type WaitOwner, wake } from "../internal/parked.js";
import { WaitQueue } from "../internal/waitq.js";

/**
 * x/sync's weighted semaphore: at most `size` permits held at once, granted in FIFO order.
 *
 * @example
 * ```ts
 * const sem = new Semaphore(10);
 * await sem.acquire(); // or acquire(n, ctx)
 * try { await crawl(url); } finally { sem.release(); }
 * ```
 */
export class Semaphore implements WaitOwner {
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  readonly #size: number;
  #held = 0;
  readonly #q = new WaitQueue<Parked>();

  /** @param size the number of permits (x/sync's NewWeighted(n)). */
  constructor(size: number, name?: string) {
    this.#size = checkCount("size", size);
    this.name = name;
  }

  /** The number of permits. */
  get size(): number {
    return this.#size;
  }

  /** Permits held now. */
  get held(): number {
    return this.#held;
  }

  /** Requests waiting now. */
  get waiters(): number {
    return this.#q.size;
  }

  /**
   * Acquires `n` permits, waiting (FIFO) until they are available. Rejects with the ctx's error if it
   * is cancelled first, or already is (then nothing is acquired).
   */
  acquire(n = 1, ctx?: Canceller): Promise<void> {
    this.#check(n);
    const src = ctx === undefined ? null : cancelSourceOf(ctx);
    if (src !== null) {
      const reason = src[REASON]();
      if (reason !== undefined) return Promise.reject(reason);
    }
    if (this.#q.size === 0 && this.#size - this.#held >= n) {
      this.#held += n;
      return RESOLVED;
    }
    return parkOn(this.#q, n, src, "semaphore.Acquire", this, this);
  }

  /** Acquires `n` permits if they are available now and nobody waits; never waits. */
  tryAcquire(n = 1): boolean {
    this.#check(n);
    if (this.#q.size === 0 && this.#size - this.#held >= n) {
      this.#held += n;
      return true;
    }
    return false;
  }

  /** Releases `n` permits, granting waiters in order as far as they fit. */
  release(n = 1): void {
    checkCount("n", n);
    if (n > this.#held) throw new GoSyncError("semaphore: released more than held");
    this.#held -= n;
    this.#grant();
  }

  /** @internal A waiter was cancelled: if it was the head, those behind may fit now. */
  waiterCancelled(): void {
    this.#grant();
  }

  #grant(): void {
    for (let w = this.#q.head; w !== null; w = this.#q.head) {
      const src = w.src;
      if (src !== null && src[REASON]() !== undefined) {
        // Its ctx is done (being cancelled right now, with others on the same ctx): never grant it.
        src[UNSUBSCRIBE](w);
        w.onCancel(src[REASON]()); // leaves the queue, rejects, and calls #grant again
        return;
      }
      if (this.#size - this.#held < w.n) break; // FIFO: nobody overtakes the head
      this.#held += w.n;
      this.#q.shift();
      wake(w);
    }
  }

  #check(n: unknown): void {
    checkCount("n", n);
    if ((n as number) > this.#size) {
      throw new RangeError(`n must be at most the semaphore's size ${this.#size}, got ${String(n)}`);
    }
  }
}
