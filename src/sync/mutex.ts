// Mutex: Go's sync.Mutex, cancellable, with strict FIFO hand-off.
//
// Fairness policy. Go's Mutex lets a newcomer barge in ahead of a woken waiter (fast on many cores),
// and since Go 1.9 switches to hand-off ("starvation mode") once a waiter has waited over 1 ms,
// because pure barging starved waiters (golang/go#13086). A promise-based
// mutex gains nothing from barging — there is no parallel core to keep busy — so this one is always
// in hand-off mode: unlock passes the lock directly to the longest waiter, and while anyone waits,
// lock() queues and tryLock() fails. No waiter can starve, and a contended unlock costs one promise
// resolution.
//
// As in Go the mutex has no owner: any task may unlock it. Unlocking an unlocked mutex throws
// `sync: unlock of unlocked mutex` (a fatal error in Go). A cancelled lock() leaves the queue at
// once (O(1)) and never acquires afterwards.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { GoSyncError } from "../internal/errors.js";
import { type Parked, parkOn, RESOLVED, wake } from "../internal/parked.js";
import { registry } from "../internal/registry.js";
import { WaitQueue } from "../internal/waitq.js";
import { LockHandle } from "./lock-handle.js";
import type { Locker } from "./locker.js";
import { runLocked } from "./with-lock.js";

/**
 * Go's sync.Mutex: mutual exclusion, FIFO and starvation-free, with cancellable waits.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * await mu.lock();
 * try { balance += amount; } finally { mu.unlock(); }
 * // or: await mu.withLock(() => { balance += amount; });
 * // or: { using _ = await mu.acquire(); balance += amount; }
 * ```
 */
export class Mutex implements Locker {
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  /** Held, or handed to a waiter that has not resumed yet; true whenever anyone waits. */
  #locked = false;
  readonly #q = new WaitQueue<Parked>();

  constructor(name?: string) {
    this.name = name;
  }

  /** Whether the mutex is held (or handed to a waiter that has not resumed yet). */
  get locked(): boolean {
    return this.#locked;
  }

  /** How many lock() calls are queued. */
  get waiters(): number {
    return this.#q.size;
  }

  /** Locks, waiting while it is held. Rejects with the ctx's error if cancelled first. */
  lock(ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "sync.Mutex.Lock", this);
    if (src instanceof Promise) return src;
    // Diagnostics (gosync/debug's lock-order check, race detector): one null test when off.
    const o = registry.observer;
    if (o !== null) o.request?.(this, "lock");
    if (!this.#locked) {
      this.#locked = true;
      if (o !== null) o.acquire(this, "lock");
      return RESOLVED;
    }
    return parkOn(this.#q, 0, src, "sync.Mutex.Lock", this);
  }

  /** Locks if it is free and nobody waits; never waits. */
  tryLock(): boolean {
    if (this.#locked) return false;
    this.#locked = true;
    const o = registry.observer;
    if (o !== null) o.acquire(this, "lock");
    return true;
  }

  /** Unlocks, handing the lock to the longest waiter if any. */
  unlock(): void {
    if (!this.#locked) throw new GoSyncError("sync: unlock of unlocked mutex");
    const o = registry.observer;
    if (o !== null) o.release(this, "unlock");
    const next = this.#q.shift();
    if (next === null) this.#locked = false;
    else {
      if (o !== null) o.acquire(this, "lock", next); // the waiter owns it now
      wake(next); // stays locked
    }
  }

  /** Runs fn holding the lock; unlocks when it settles, also when it throws. */
  withLock<R>(fn: () => R | PromiseLike<R>, ctx?: Canceller): Promise<R> {
    return runLocked(
      fn,
      ctx,
      (c) => this.lock(c),
      () => this.unlock(),
    );
  }

  /** Locks and returns a handle that unlocks once, for `using` / `await using`. */
  acquire(ctx?: Canceller): Promise<LockHandle> {
    return this.lock(ctx).then(() => new LockHandle(() => this.unlock()));
  }
}
