// withLock's body, shared by Mutex.withLock and RWMutex.withLock/withRLock: lock, run fn, unlock
// when fn settles (a synchronous result at once, a promise — any thenable — once it settles, a
// throw or rejection too), passing fn's result or error on unchanged.

import type { Canceller } from "../chan/context-type.js";
import { checkFunction } from "../internal/errors.js";
import { isThenable } from "../internal/thenable.js";

/** Runs fn between lock(ctx) and unlock(); rejects (never throws) for a bad fn or a failed lock. */
export async function runLocked<R>(
  fn: () => R | PromiseLike<R>,
  ctx: Canceller | undefined,
  lock: (ctx?: Canceller) => Promise<void>,
  unlock: () => void,
): Promise<R> {
  checkFunction("fn", fn);
  await lock(ctx);
  let result: R | PromiseLike<R>;
  try {
    result = fn();
  } catch (e) {
    unlock();
    throw e;
  }
  // A synchronous result unlocks at once; a promise (any thenable) keeps the lock until it settles.
  if (!isThenable(result)) {
    unlock();
    return result;
  }
  try {
    return await result;
  } finally {
    unlock();
  }
}
