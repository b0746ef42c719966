// Semaphore: x/sync/semaphore.Weighted — a weighted semaphore with strictly FIFO grants.
//
// As in x/sync: a request that does not fit waits, and so does everyone behind it, even smaller
// requests that would fit (no newcomer jumps the queue, so a large request cannot starve); when a
// waiter at the head is cancelled, those behind it go as far as the permits now allow; an
// already-cancelled ctx fails even if permits are free (current x/sync). A request larger than the
// size can never be granted: as in x/sync it waits only for its ctx, outside the queue so it holds
// up nobody, and tryAcquire of it returns false. Releasing more than held throws `semaphore:
// released more than held` without changing anything. Bad arguments (a weight that is not an
// integer ≥ 0) are a RangeError: thrown by tryAcquire/release, a rejection from acquire.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { checkCount, GoSyncError } from "../internal/errors.js";
import { dropIfCancelled, type Parked, parkOn, RESOLVED, wake } from "../internal/parked.js";
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
export class Semaphore {
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  readonly #size: number;
  #held = 0;
  readonly #q = new WaitQueue<Parked>();
  /** Requests above the size: they wait only for their ctx (never granted, never in #q's way). */
  readonly #doomed = new WaitQueue<Parked>();

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
   * is cancelled first, or already is (then nothing is acquired). `n` above the size can never be
   * granted: the call waits for the ctx only (forever without one), as x/sync's Acquire does.
   */
  acquire(n = 1, ctx?: Canceller): Promise<void> {
    try {
      checkCount("n", n);
    } catch (e) {
      return Promise.reject(e);
    }
    const src = enterCall(ctx, "semaphore.Acquire", this);
    if (src instanceof Promise) return src;
    if (n > this.#size) return parkOn(this.#doomed, n, src, "semaphore.Acquire", this);
    if (this.#q.size === 0 && this.#size - this.#held >= n) {
      this.#held += n;
      return RESOLVED;
    }
    return parkOn(this.#q, n, src, "semaphore.Acquire", this, this);
  }

  /** Acquires `n` permits if they are available now and nobody waits; never waits. */
  tryAcquire(n = 1): boolean {
    checkCount("n", n);
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

  /**
   * @internal A waiter was cancelled: if it was the head, those behind may fit now. (As the waiters'
   * WaitOwner; no `implements WaitOwner`: published types must not name an @internal member.)
   */
  waiterCancelled(): void {
    this.#grant();
  }

  #grant(): void {
    for (let w = this.#q.head; w !== null; w = this.#q.head) {
      // Its ctx is done (being cancelled right now, with others on the same ctx): never grant it.
      if (dropIfCancelled(w)) return; // it left the queue, and waiterCancelled ran #grant again
      if (this.#size - this.#held < w.n) break; // FIFO: nobody overtakes the head
      this.#held += w.n;
      this.#q.shift();
      wake(w);
    }
  }
}
