// Runs the shared Locker and RW-locker behaviour suites against the in-process implementations.
// Later issues run the same suites against the shared-memory (worker_threads) and etcd locks.
import type { Canceller, Locker } from "../../src/index.js";
import { Mutex, RecursiveMutex, RWMutex } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { lockerSuite, type SuiteLocker } from "./suites/locker.suite.js";
import { rwLockerSuite } from "./suites/rwlocker.suite.js";

leakCheck();

lockerSuite("Mutex", () => new Mutex());

// RWMutex's write side is a Locker (Go's *RWMutex implements sync.Locker with Lock/Unlock).
lockerSuite("RWMutex (write side)", () => new RWMutex(), {
  unlockError: /: sync: Unlock of unlocked RWMutex$/,
});

/**
 * RecursiveMutex as a plain Locker: every lock() is made under a fresh owner token, so no call
 * re-enters another's hold, and unlock() releases for the current owner. This proves that with
 * distinct owners the recursive mutex is a fair, cancellable, exclusive lock like Mutex.
 */
function recursiveAsLocker(): SuiteLocker {
  const rm = new RecursiveMutex<object>();
  return {
    async lock(ctx?: Canceller): Promise<void> {
      const token = {};
      await rm.lock(token, ctx);
    },
    unlock(): void {
      rm.unlock(rm.owner as object);
    },
    tryLock(): boolean {
      return rm.tryLock({});
    },
  };
}
lockerSuite("RecursiveMutex (fresh owner per lock)", recursiveAsLocker);

rwLockerSuite("RWMutex", () => new RWMutex());

// Go's TestRLocker shape again, with the write side reached only through a Locker and the read side
// only through rLocker(): the suite's RWLocker built from the two Lockers an RWMutex hands out.
rwLockerSuite("RWMutex via Locker views", () => {
  const rw = new RWMutex();
  const r: Locker = rw.rLocker();
  const w: Locker = rw;
  return {
    lock: (ctx?: Canceller) => w.lock(ctx),
    unlock: () => w.unlock(),
    rLock: (ctx?: Canceller) => r.lock(ctx),
    rUnlock: () => r.unlock(),
    rLocker: () => r,
  };
});
