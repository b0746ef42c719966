// Locker: Go's sync.Locker, the interface Cond and the shared behaviour suites are written against.

import type { Canceller } from "../chan/context-type.js";

/**
 * Go's sync.Locker: anything with lock and unlock. gosync's lock may wait, so it returns a promise
 * (a Locker whose lock is synchronous, returning void, also fits).
 *
 * @example
 * ```ts
 * async function critical(l: Locker) { await l.lock(); try { work(); } finally { l.unlock(); } }
 * ```
 */
export interface Locker {
  /** Locks, waiting (until ctx is cancelled) while the lock is held. */
  lock(ctx?: Canceller): Promise<void> | void;
  /** Unlocks. */
  unlock(): void;
}
