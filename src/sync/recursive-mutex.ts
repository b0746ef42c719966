// RecursiveMutex: the token-keyed reentrant mutex of smallnest's Go 并发编程实战课 lesson 04, keyed by an explicit owner token, because
// JavaScript tasks have no goroutine id. The owner may lock again (a hold count); unlock by anyone
// else throws. The lesson's version treats goroutine id 0 as "unowned", so a token of 0 could take a
// lock held by someone else; here ownership is a separate flag, and any value (0 included) is a token.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { GoSyncError } from "../internal/errors.js";
import { RESOLVED } from "../internal/parked.js";
import { Mutex } from "./mutex.js";
import { runLocked } from "./with-lock.js";

/**
 * A mutex the same owner may lock again; it is released after as many unlocks as locks.
 *
 * @example
 * ```ts
 * const mu = new RecursiveMutex<number>();
 * await mu.lock(requestId);
 * await mu.lock(requestId); // re-entered
 * mu.unlock(requestId);
 * mu.unlock(requestId); // released
 * ```
 */
export class RecursiveMutex<K = unknown> {
  readonly #mu = new Mutex();
  #held = false;
  #owner: K | undefined = undefined;
  #count = 0;

  /** The owner token while held. */
  get owner(): K | undefined {
    return this.#held ? this.#owner : undefined;
  }

  /** How many times the owner holds it. */
  get holdCount(): number {
    return this.#count;
  }

  /** Locks for `owner`; returns at once if `owner` already holds it. */
  lock(owner: K, ctx?: Canceller): Promise<void> {
    if (this.#held && Object.is(this.#owner, owner)) {
      // Even a re-entry that could proceed fails on an already-cancelled ctx (one rule for all calls).
      const src = enterCall(ctx, "RecursiveMutex.Lock", this);
      if (src instanceof Promise) return src;
      this.#count++;
      return RESOLVED;
    }
    return this.#lockSlow(owner, ctx);
  }

  async #lockSlow(owner: K, ctx?: Canceller): Promise<void> {
    await this.#mu.lock(ctx);
    this.#held = true;
    this.#owner = owner;
    this.#count = 1;
  }

  /** Locks for `owner` if free or already held by it. */
  tryLock(owner: K): boolean {
    if (this.#held && Object.is(this.#owner, owner)) {
      this.#count++;
      return true;
    }
    if (!this.#mu.tryLock()) return false;
    this.#held = true;
    this.#owner = owner;
    this.#count = 1;
    return true;
  }

  /**
   * Runs fn holding the lock for `owner` (re-entrant: fn may lock again for the same owner);
   * unlocks when fn settles, also when it throws or rejects.
   *
   * @example
   * ```ts
   * await mu.withLock(requestId, async () => { await transfer(requestId); });
   * ```
   */
  withLock<R>(owner: K, fn: () => R | PromiseLike<R>, ctx?: Canceller): Promise<R> {
    return runLocked(
      fn,
      ctx,
      (c) => this.lock(owner, c),
      () => this.unlock(owner),
    );
  }

  /** Undoes one lock by `owner`; throws if `owner` does not hold it. */
  unlock(owner: K): void {
    if (!this.#held) throw new GoSyncError("sync: unlock of unlocked mutex");
    if (!Object.is(this.#owner, owner)) {
      throw new GoSyncError(`sync: unlock by ${String(owner)}, but the owner is ${String(this.#owner)}`);
    }
    if (--this.#count > 0) return;
    this.#held = false;
    this.#owner = undefined;
    this.#mu.unlock();
  }
}
