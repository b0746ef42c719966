// Cond: Go's sync.Cond over any Locker. wait() unlocks and joins the wait list in one synchronous
// step, so no signal is lost in between, and always re-locks before it returns — also when it is
// cancelled (it then rejects holding the lock, so the caller's `finally { unlock }` stays right).
// signal() wakes the longest waiter, broadcast() all; with nobody waiting they do nothing, as in Go.
// Waiting without holding the lock fails the way Go's does: the locker's unlock throws.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { type Parked, parkOn, wake } from "../internal/parked.js";
import { registry } from "../internal/registry.js";
import { WaitQueue } from "../internal/waitq.js";
import type { Locker } from "./locker.js";

/**
 * Go's sync.Cond: a rendezvous point for tasks waiting for an event, guarded by a Locker.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * const ready = new Cond(mu);
 * await mu.lock();
 * while (!isReady) await ready.wait();
 * mu.unlock();
 * ```
 */
export class Cond {
  /** Go's `cond.L`: the lock held around wait(), and reacquired before wait() returns. */
  readonly locker: Locker;
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  readonly #q = new WaitQueue<Parked>();

  constructor(locker: Locker, name?: string) {
    if (
      locker === null ||
      typeof locker !== "object" ||
      typeof locker.lock !== "function" ||
      typeof locker.unlock !== "function"
    ) {
      throw new TypeError("locker must be a Locker (lock and unlock)");
    }
    this.locker = locker;
    this.name = name;
  }

  /** Tasks waiting now. */
  get waiters(): number {
    return this.#q.size;
  }

  /**
   * Unlocks the locker, waits for signal/broadcast, then locks it again before returning. If ctx
   * is cancelled first, it re-locks and then rejects with the ctx's error.
   */
  async wait(ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "sync.Cond.Wait", this);
    if (src instanceof Promise) return src;
    // Unlock, then queue: both happen in one synchronous step, so no signal can fall between them
    // (Go must queue first because its unlock lets other threads run). A Locker not held throws here.
    this.locker.unlock();
    const woken = parkOn(this.#q, 0, src, "sync.Cond.Wait", this);
    let failure: { error: unknown } | null = null;
    try {
      await woken;
    } catch (e) {
      failure = { error: e };
    }
    await this.locker.lock();
    if (failure !== null) throw failure.error;
  }

  /** Wakes the longest-waiting task, if any. */
  signal(): void {
    const w = this.#q.shift();
    if (w !== null) {
      // Diagnostics: the signal happens before the woken wait returns (one null test when off).
      const o = registry.observer;
      if (o !== null) {
        o.release(this, "signal");
        o.acquire(this, "wait", w);
      }
      wake(w);
    }
  }

  /** Wakes every waiting task. */
  broadcast(): void {
    const o = registry.observer;
    if (o !== null && this.#q.size > 0) o.release(this, "signal");
    for (let w = this.#q.shift(); w !== null; w = this.#q.shift()) {
      if (o !== null) o.acquire(this, "wait", w);
      wake(w);
    }
  }
}
