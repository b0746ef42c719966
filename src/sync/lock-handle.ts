// The handle `acquire()` returns: releases its lock once, with `using` or `await using` or by hand.

import { GoSyncError } from "../internal/errors.js";

/**
 * A held lock, released by `release()` or at the end of a `using` / `await using` block. Releasing
 * twice throws: the second release would unlock a lock someone else may hold by then.
 *
 * @example
 * ```ts
 * {
 *   using _ = await mu.acquire();
 *   counter++;
 * } // unlocked here
 * ```
 */
export class LockHandle implements Disposable, AsyncDisposable {
  #release: (() => void) | null;

  /** @internal */
  constructor(release: () => void) {
    this.#release = release;
  }

  /** Whether release() has been called. */
  get released(): boolean {
    return this.#release === null;
  }

  /** Unlocks; throws GoSyncError if this handle was already released. */
  release(): void {
    const r = this.#release;
    if (r === null) throw new GoSyncError("sync: lock handle released twice");
    this.#release = null;
    r();
  }

  /** `using`: releases the lock at the end of the block. */
  [Symbol.dispose](): void {
    this.release();
  }

  /** `await using`: releases the lock at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    try {
      this.release();
    } catch (e) {
      return Promise.reject(e); // released twice: a rejection, as from any promise-returning call
    }
    return Promise.resolve();
  }
}
