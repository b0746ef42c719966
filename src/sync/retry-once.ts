// RetryOnce: an extension of sync.Once (smallnest's Go 并发编程实战课 lesson 08) whose function may fail: a call that
// throws is not counted, so the next do() tries again; after the first success, do() returns at once.
// Callers are serialised: while one attempt runs, the others wait, then (if it failed) try in turn.

import { functionError, GoSyncError } from "../internal/errors.js";
import { RESOLVED } from "../internal/parked.js";
import { registry } from "../internal/registry.js";
import { Mutex } from "./mutex.js";

/**
 * A Once whose function can fail and be retried.
 *
 * @example
 * ```ts
 * const connect = new RetryOnce();
 * await connect.do(async () => { db = await openDb(); }); // throws? the next call retries
 * connect.done; // true after a success
 * ```
 */
export class RetryOnce {
  #done = false;
  #inside = false;
  readonly #mu = new Mutex();

  /** Whether fn has succeeded. */
  get done(): boolean {
    return this.#done;
  }

  /** Runs fn unless it has already succeeded; rethrows fn's error (and then does not count it). */
  do(fn: () => void | Promise<void>): Promise<void> {
    if (this.#done) {
      // Diagnostics: the success happens before (one null test when off).
      const o = registry.observer;
      if (o !== null) o.acquire(this, "once");
      return RESOLVED;
    }
    const bad = functionError("fn", fn);
    if (bad !== null) return Promise.reject(bad);
    // Like Once: a call from inside fn's synchronous part would wait for itself forever.
    if (this.#inside)
      return Promise.reject(new GoSyncError("sync: RetryOnce.do called from inside its own function"));
    return this.#slow(fn);
  }

  async #slow(fn: () => void | Promise<void>): Promise<void> {
    await this.#mu.lock();
    try {
      if (!this.#done) {
        this.#inside = true;
        let result: void | Promise<void>;
        try {
          result = fn();
        } finally {
          this.#inside = false;
        }
        await result;
        this.#done = true;
        const o = registry.observer;
        if (o !== null) o.release(this, "once");
      }
    } finally {
      this.#mu.unlock();
    }
  }
}
