// The behaviour suite every reader/writer lock runs (Go's sync.RWMutex rules), written once so the
// in-process RWMutex, the shared-memory one and the etcd one prove the same things:
// - many readers at once, one writer alone, and never a reader beside a writer;
// - writer preference exactly as Go's: a waiting writer blocks new readers but never pre-empts the
//   readers already inside — so a recursive read lock under a waiting writer deadlocks (Go 并发编程实战课
//   lesson 05, the factorial example) — and the readers that arrived during a writer go in before the
//   next writer (neither side starves);
// - writers among themselves are FIFO;
// - cancellation (Context, AbortSignal) leaves no waiter behind and never acquires; a cancelled
//   pending writer gives its turn to the next writer or lets the held-back readers in;
// - misuse throws Go's messages.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Canceller,
  type Locker,
  withCancel,
  yieldNow,
} from "../../../src/index.js";
import { settle as defaultSettle, deferred, hops, probe, rng } from "../helpers.js";

/** A reader/writer lock: Go's RWMutex surface (try* and rLocker are optional). */
export interface RWLocker extends Locker {
  rLock(ctx?: Canceller): Promise<void> | void;
  rUnlock(): void;
  tryLock?(): boolean;
  tryRLock?(): boolean;
  rLocker?(): Locker;
}

export interface RWLockerSuiteOptions {
  /** Waits until every hand-off the lock can make has been made (default: 5 macrotask turns). */
  readonly settle?: () => Promise<void>;
  /** What unlock() of a lock not write-locked throws (default: Go's `Unlock of unlocked RWMutex`). */
  readonly unlockError?: RegExp;
  /** What rUnlock() without a read lock throws (default: Go's `RUnlock of unlocked RWMutex`). */
  readonly rUnlockError?: RegExp;
  /**
   * How waiting readers are let in after a writer. "go" (the default): as Go's sync.RWMutex, the
   * readers that arrived while a writer held the lock go in before the next writer, even one that
   * queued before them. "arrival": strictly by arrival, as Go's etcd recipe (contrib/recipes
   * RWMutex) — a reader waits for every writer that queued before it. Either way writers are FIFO
   * and neither side starves; the suite checks the policy the implementation declares.
   */
  readonly admission?: "go" | "arrival";
}

/** A lock call as a promise, whether the implementation's lock returns one or nothing. */
function started(p: Promise<void> | void): Promise<void> {
  return Promise.resolve(p);
}

export function rwLockerSuite(name: string, make: () => RWLocker, opts: RWLockerSuiteOptions = {}): void {
  const settle = opts.settle ?? (() => defaultSettle());
  const unlockError = opts.unlockError ?? /Unlock of unlocked RWMutex/;
  const rUnlockError = opts.rUnlockError ?? /RUnlock of unlocked RWMutex/;
  const admission = opts.admission ?? "go";

  describe(`RW locker suite: ${name}`, () => {
    test("readers share: 10 readers hold the lock at once (Go's TestParallelReaders)", async () => {
      const rw = make();
      let inside = 0;
      const release = deferred();
      const readers = Array.from({ length: 10 }, async () => {
        await rw.rLock();
        inside++;
        await release.promise;
        inside--;
        rw.rUnlock();
      });
      await settle();
      assert.equal(inside, 10, "all ten readers are inside together");
      release.resolve();
      await Promise.all(readers);
      assert.equal(inside, 0);
      await rw.lock(); // and the lock is free again
      rw.unlock();
    });

    test("a writer excludes readers and other writers (Go's HammerRWMutex activity counter)", async () => {
      const rw = make();
      const random = rng(7);
      // Number of active readers + 10000 × number of active writers, as in Go's test.
      let activity = 0;
      const reader = async (): Promise<void> => {
        for (let i = 0; i < 30; i++) {
          await rw.rLock();
          const n = ++activity;
          assert.ok(n >= 1 && n < 10_000, `reader saw activity ${n}`);
          if (random() < 0.2) await yieldNow();
          else await hops(1 + (i % 3));
          activity--;
          rw.rUnlock();
        }
      };
      const writer = async (): Promise<void> => {
        for (let i = 0; i < 30; i++) {
          await rw.lock();
          activity += 10_000;
          assert.equal(activity, 10_000, "a writer is alone");
          if (random() < 0.2) await yieldNow();
          else await hops(1 + (i % 2));
          activity -= 10_000;
          rw.unlock();
        }
      };
      for (const numReaders of [1, 3, 10]) {
        const tasks: Promise<void>[] = [writer()];
        let i = 0;
        for (; i < numReaders / 2; i++) tasks.push(reader());
        tasks.push(writer());
        for (; i < numReaders; i++) tasks.push(reader());
        await Promise.all(tasks);
        assert.equal(activity, 0);
      }
    });

    test("tryLock / tryRLock follow Go's TestRWMutex", async (t) => {
      const rw = make();
      if (typeof rw.tryLock !== "function" || typeof rw.tryRLock !== "function") {
        t.diagnostic("no tryLock/tryRLock: checked lock/rLock exclusion instead");
        await rw.lock();
        const r = probe(rw.rLock());
        await settle();
        assert.ok(r.pending);
        rw.unlock();
        await settle();
        rw.rUnlock();
        return;
      }
      await rw.lock();
      assert.equal(rw.tryLock(), false, "TryLock succeeded with mutex locked");
      assert.equal(rw.tryRLock(), false, "TryRLock succeeded with mutex locked");
      rw.unlock();
      assert.equal(rw.tryLock(), true, "TryLock failed with mutex unlocked");
      rw.unlock();
      assert.equal(rw.tryRLock(), true, "TryRLock failed with mutex unlocked");
      assert.equal(rw.tryRLock(), true, "TryRLock failed with mutex rlocked");
      assert.equal(rw.tryLock(), false, "TryLock succeeded with mutex rlocked");
      rw.rUnlock();
      rw.rUnlock();
      assert.equal(rw.tryLock(), true, "free again");
      rw.unlock();
    });

    test("a writer waits for the readers inside; it never pre-empts them", async () => {
      const rw = make();
      await rw.rLock();
      await rw.rLock();
      const w = probe(rw.lock());
      await settle();
      assert.ok(w.pending, "two readers inside: the writer waits");
      rw.rUnlock();
      await settle();
      assert.ok(w.pending, "one reader still inside");
      rw.rUnlock();
      await settle();
      assert.ok(w.fulfilled, "the last reader out lets the writer in");
      rw.unlock();
    });

    test("writer preference: a waiting writer blocks new readers (and tryRLock)", async () => {
      const rw = make();
      await rw.rLock();
      const w = probe(rw.lock());
      await settle();
      const late = probe(rw.rLock());
      await settle();
      assert.ok(late.pending, "a reader arriving behind a waiting writer waits");
      if (typeof rw.tryRLock === "function") assert.equal(rw.tryRLock(), false, "tryRLock fails too");
      if (typeof rw.tryLock === "function") assert.equal(rw.tryLock(), false);
      rw.rUnlock();
      await settle();
      assert.ok(w.fulfilled, "the writer goes first");
      assert.ok(late.pending, "the late reader is still waiting while the writer holds");
      rw.unlock();
      await settle();
      assert.ok(late.fulfilled, "then the reader");
      rw.rUnlock();
    });

    test("a recursive read lock under a waiting writer deadlocks, as in Go (the factorial of Go 并发编程实战课 lesson 05)", async () => {
      const rw = make();
      const log: string[] = [];
      const writerTurn = deferred();
      // factorial(n) read-locks, then (after the writer queued) recurses, read-locking again.
      const factorial = async (n: number): Promise<number> => {
        if (n < 1) return 0;
        log.push(`RLock ${n}`);
        await rw.rLock();
        try {
          if (n === 10) await writerTurn.promise; // the writer calls Lock meanwhile
          return (await factorial(n - 1)) * n;
        } finally {
          rw.rUnlock();
          log.push(`RUnlock ${n}`);
        }
      };
      const reader = probe(factorial(10));
      await settle();
      // Only so that the test can end the deadlock (Go's program hangs): the writer takes a ctx.
      const [ctx, cancel] = withCancel(background());
      const writer = probe(rw.lock(ctx));
      await settle();
      writerTurn.resolve();
      await settle();
      assert.ok(reader.pending, "the reader is stuck on its nested RLock");
      assert.ok(writer.pending, "the writer is stuck waiting for the reader");
      assert.deepEqual(log, ["RLock 10", "RLock 9"], "it blocked at the second (nested) RLock");
      for (let i = 0; i < 4; i++) await settle();
      assert.ok(reader.pending && writer.pending, "still deadlocked after the event loop drained again");
      // The writer gives up: the held-back nested RLock gets in and the recursion completes.
      cancel();
      await assert.rejects(writer.promise, (e: unknown) => e === Canceled);
      assert.equal(await reader.promise, 0);
      assert.equal(log.filter((l) => l.startsWith("RUnlock")).length, 10);
    });

    test("a recursive read lock with no writer waiting is fine", async () => {
      const rw = make();
      await rw.rLock();
      await rw.rLock();
      rw.rUnlock();
      rw.rUnlock();
      await rw.lock();
      rw.unlock();
    });

    if (admission === "go") {
      test("readers that arrive while a writer holds go in before the next writer", async () => {
        const rw = make();
        await rw.lock();
        const order: string[] = [];
        const r1 = probe(started(rw.rLock()).then(() => order.push("r1")));
        const w2 = probe(started(rw.lock()).then(() => order.push("w2")));
        const r2 = probe(started(rw.rLock()).then(() => order.push("r2")));
        await settle();
        assert.deepEqual(order, []);
        rw.unlock();
        await settle();
        assert.deepEqual(order.sort(), ["r1", "r2"], "both waiting readers go in");
        assert.ok(w2.pending, "the next writer waits for them");
        const r3 = probe(rw.rLock());
        await settle();
        assert.ok(r3.pending, "a reader arriving now waits behind the pending writer");
        rw.rUnlock();
        rw.rUnlock();
        await settle();
        assert.ok(w2.fulfilled, "the writer goes in once those readers left");
        assert.ok(r1.fulfilled && r2.fulfilled);
        rw.unlock();
        await settle();
        assert.ok(r3.fulfilled);
        rw.rUnlock();
      });

      test("writers take turns in FIFO order, with readers in between (neither side starves)", async () => {
        const rw = make();
        await rw.lock();
        const order: string[] = [];
        const ops = [
          probe(started(rw.lock()).then(() => order.push("w1"))),
          probe(started(rw.rLock()).then(() => order.push("r1"))),
          probe(started(rw.lock()).then(() => order.push("w2"))),
          probe(started(rw.rLock()).then(() => order.push("r2"))),
          probe(started(rw.lock()).then(() => order.push("w3"))),
        ];
        await settle();
        rw.unlock(); // r1 and r2 arrived during the first writer: they go in; w1 takes the next turn
        await settle();
        assert.deepEqual(order.slice().sort(), ["r1", "r2"]);
        rw.rUnlock();
        rw.rUnlock();
        await settle();
        assert.deepEqual(order.slice(2), ["w1"]);
        rw.unlock();
        await settle();
        assert.deepEqual(order.slice(3), ["w2"]);
        rw.unlock();
        await settle();
        assert.deepEqual(order.slice(4), ["w3"]);
        rw.unlock();
        assert.ok(ops.every((o) => o.fulfilled));
      });
    } else {
      test("readers and writers go in strictly in arrival order (Go's etcd recipe)", async () => {
        const rw = make();
        await rw.lock();
        const order: string[] = [];
        const r1 = probe(started(rw.rLock()).then(() => order.push("r1")));
        const w2 = probe(started(rw.lock()).then(() => order.push("w2")));
        const r2 = probe(started(rw.rLock()).then(() => order.push("r2")));
        await settle();
        assert.deepEqual(order, []);
        rw.unlock();
        await settle();
        assert.deepEqual(order, ["r1"], "the reader that queued before w2 goes in; r2 queued after it");
        assert.ok(w2.pending && r2.pending);
        rw.rUnlock();
        await settle();
        assert.deepEqual(order, ["r1", "w2"]);
        assert.ok(r2.pending, "r2 waits for the writer that queued before it");
        rw.unlock();
        await settle();
        assert.deepEqual(order, ["r1", "w2", "r2"]);
        assert.ok(r1.fulfilled && w2.fulfilled && r2.fulfilled);
        rw.rUnlock();
      });

      test("writers and readers alternate in arrival order (neither side starves)", async () => {
        const rw = make();
        await rw.lock();
        const order: string[] = [];
        const ops = [
          probe(started(rw.lock()).then(() => order.push("w1"))),
          probe(started(rw.rLock()).then(() => order.push("r1"))),
          probe(started(rw.lock()).then(() => order.push("w2"))),
          probe(started(rw.rLock()).then(() => order.push("r2"))),
          probe(started(rw.lock()).then(() => order.push("w3"))),
        ];
        await settle();
        rw.unlock();
        await settle();
        assert.deepEqual(order, ["w1"]);
        rw.unlock();
        await settle();
        assert.deepEqual(order, ["w1", "r1"]);
        rw.rUnlock();
        await settle();
        assert.deepEqual(order, ["w1", "r1", "w2"]);
        rw.unlock();
        await settle();
        assert.deepEqual(order, ["w1", "r1", "w2", "r2"]);
        rw.rUnlock();
        await settle();
        assert.deepEqual(order, ["w1", "r1", "w2", "r2", "w3"]);
        rw.unlock();
        assert.ok(ops.every((o) => o.fulfilled));
      });
    }

    test("a continuous stream of writers cannot starve a reader, nor readers a writer", async () => {
      const rw = make();
      let stop = false;
      let writes = 0;
      let reads = 0;
      const writer = (async () => {
        while (!stop && writes < 1000) {
          await rw.lock();
          writes++;
          await yieldNow();
          rw.unlock();
        }
      })();
      const readerHog = (async () => {
        while (!stop && reads < 1000) {
          await rw.rLock();
          reads++;
          await yieldNow();
          rw.rUnlock();
        }
      })();
      let got = 0;
      for (let i = 0; i < 10; i++) {
        await yieldNow();
        await rw.rLock();
        got++;
        rw.rUnlock();
        await rw.lock();
        got++;
        rw.unlock();
      }
      stop = true;
      await Promise.all([writer, readerHog]);
      assert.equal(got, 20);
      assert.ok(
        writes <= 100 && reads <= 100,
        `writes ${writes}, reads ${reads}: bounded while the other got 20`,
      );
      assert.ok(writes > 0 && reads > 0, "and the hogs made progress too");
    });

    test("a cancelled pending writer lets the readers it held back in", async () => {
      const rw = make();
      await rw.rLock();
      const [ctx, cancel] = withCancel(background());
      const w = probe(rw.lock(ctx));
      await settle();
      const r = probe(rw.rLock());
      await settle();
      assert.ok(r.pending, "held back by the pending writer");
      cancel();
      await settle();
      assert.equal(w.error, Canceled);
      assert.ok(r.fulfilled, "with the writer gone, the reader goes in");
      rw.rUnlock();
      rw.rUnlock();
      await settle();
      // The cancelled writer never acquired: a writer gets in at once.
      const w2 = probe(rw.lock());
      await settle();
      assert.ok(w2.fulfilled);
      rw.unlock();
    });

    test("a cancelled pending writer passes its turn to the next writer; readers still wait", async () => {
      const rw = make();
      await rw.rLock();
      const ac = new AbortController();
      const w1 = probe(rw.lock(ac.signal));
      const w2 = probe(rw.lock());
      const r = probe(rw.rLock());
      await settle();
      ac.abort("w1 gave up");
      await settle();
      assert.equal(w1.error, "w1 gave up");
      assert.ok(w2.pending, "w2 now waits for the reader inside");
      assert.ok(r.pending, "the late reader stays behind w2");
      rw.rUnlock();
      await settle();
      assert.ok(w2.fulfilled);
      assert.ok(r.pending);
      rw.unlock();
      await settle();
      assert.ok(r.fulfilled);
      rw.rUnlock();
    });

    test("a cancelled queued writer and a cancelled reader never acquire and leave no trace", async () => {
      const rw = make();
      await rw.lock();
      const [ctxW, cancelW] = withCancel(background());
      const ac = new AbortController();
      const w = probe(rw.lock(ctxW));
      const r = probe(rw.rLock(ac.signal));
      const r2 = probe(rw.rLock());
      await settle();
      cancelW();
      ac.abort();
      await settle();
      assert.equal(w.error, Canceled);
      assert.ok(r.error instanceof DOMException && r.error.name === "AbortError", "signal.reason");
      rw.unlock();
      await settle();
      assert.ok(r2.fulfilled, "the remaining reader goes in");
      rw.rUnlock();
      // Nobody else holds anything: a writer gets in at once.
      const w2 = probe(rw.lock());
      await settle();
      assert.ok(w2.fulfilled);
      rw.unlock();
    });

    test("an already-cancelled ctx rejects rLock and lock at once, even when free", async () => {
      const rw = make();
      const [ctx, cancel] = withCancel(background());
      cancel();
      const a = probe(rw.rLock(ctx));
      const b = probe(rw.lock(AbortSignal.abort("no")));
      await settle();
      assert.equal(a.error, Canceled);
      assert.equal(b.error, "no");
      await rw.lock(); // nothing was taken
      rw.unlock();
    });

    test("misuse throws Go's messages and leaves the lock as it was", async () => {
      const rw = make();
      assert.throws(() => rw.unlock(), unlockError, "Unlock of a fresh RWMutex");
      assert.throws(() => rw.rUnlock(), rUnlockError, "RUnlock of a fresh RWMutex");
      await rw.rLock();
      assert.throws(() => rw.unlock(), unlockError, "Unlock while read-locked");
      rw.rUnlock();
      assert.throws(() => rw.rUnlock(), rUnlockError, "RUnlock twice");
      await rw.lock();
      assert.throws(() => rw.rUnlock(), rUnlockError, "RUnlock while write-locked");
      const r = probe(rw.rLock());
      await settle();
      assert.ok(r.pending, "the writer still holds after the failed RUnlock");
      rw.unlock();
      assert.throws(() => rw.unlock(), unlockError, "Unlock twice");
      await settle();
      assert.ok(r.fulfilled);
      rw.rUnlock();
    });

    test("rLocker() is a Locker over the read side (Go's TestRLocker)", async (t) => {
      const wl = make();
      if (typeof wl.rLocker !== "function") {
        t.diagnostic("no rLocker(): checked rLock/rUnlock directly");
        await wl.rLock();
        wl.rUnlock();
        return;
      }
      const rl = wl.rLocker();
      const n = 10;
      let rlocked = 0;
      let wlocked = 0;
      const task = (async () => {
        for (let i = 0; i < n; i++) {
          await rl.lock();
          await rl.lock();
          rlocked++;
          await wl.lock();
          wlocked++;
        }
      })();
      for (let i = 0; i < n; i++) {
        await settle();
        assert.equal(rlocked, i + 1, "read-locked twice");
        rl.unlock();
        await settle();
        assert.equal(wlocked, i, "RLocker() didn't read-lock it");
        rl.unlock();
        await settle();
        assert.equal(wlocked, i + 1, "the writer got in after both read unlocks");
        assert.equal(rlocked, i + 1, "RLocker() didn't respect the write lock");
        wl.unlock();
      }
      await task;
      assert.throws(() => rl.unlock(), rUnlockError, "rLocker().unlock() of an unlocked RWMutex");
    });
  });
}
