// RWMutex: the rules beyond the shared RW-locker suite — Go's misuse messages verbatim,
// the readers/writing/waiters metrics, and the lesson's programs and deadlocks (Go 并发编程实战课 lesson 05).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, Cond, GoSyncError, RWMutex, withCancel, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { deferred, probe, settle } from "./helpers.js";

leakCheck();

const UNLOCK = { name: "GoSyncError", message: "sync: Unlock of unlocked RWMutex" };
const RUNLOCK = { name: "GoSyncError", message: "sync: RUnlock of unlocked RWMutex" };

describe("RWMutex: misuse, with Go's messages verbatim", () => {
  // Go's misuseTests, RWMutex part: each must fail with a message about an unlocked lock.
  const misuse: [string, (rw: RWMutex) => Promise<void>, typeof UNLOCK][] = [
    ["RWMutex.Unlock", async (rw) => rw.unlock(), UNLOCK],
    [
      "RWMutex.Unlock2 (RLock, then Unlock)",
      async (rw) => {
        await rw.rLock();
        rw.unlock();
      },
      UNLOCK,
    ],
    [
      "RWMutex.Unlock3 (Lock, Unlock, Unlock)",
      async (rw) => {
        await rw.lock();
        rw.unlock();
        rw.unlock();
      },
      UNLOCK,
    ],
    ["RWMutex.RUnlock", async (rw) => rw.rUnlock(), RUNLOCK],
    [
      "RWMutex.RUnlock2 (Lock, then RUnlock)",
      async (rw) => {
        await rw.lock();
        rw.rUnlock();
      },
      RUNLOCK,
    ],
    [
      "RWMutex.RUnlock3 (RLock, RUnlock, RUnlock)",
      async (rw) => {
        await rw.rLock();
        rw.rUnlock();
        rw.rUnlock();
      },
      RUNLOCK,
    ],
  ];
  for (const [name, f, expected] of misuse) {
    test(`${name} throws \`${expected.message}\``, async () => {
      const rw = new RWMutex();
      let err: unknown;
      try {
        await f(rw);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof GoSyncError, "a GoSyncError");
      assert.equal(err.message, expected.message);
      assert.equal(err.name, expected.name);
    });
  }

  test("a failed unlock or rUnlock leaves the counts as they were", async () => {
    const rw = new RWMutex();
    await rw.rLock();
    await rw.rLock();
    assert.throws(() => rw.unlock(), UNLOCK);
    assert.equal(rw.readers, 2);
    assert.equal(rw.writing, false);
    rw.rUnlock();
    rw.rUnlock();
    await rw.lock();
    assert.throws(() => rw.rUnlock(), RUNLOCK);
    assert.equal(rw.writing, true);
    assert.equal(rw.readers, 0);
    rw.unlock();
  });

  test("rLocker().unlock() without a read lock throws `sync: RUnlock of unlocked RWMutex`", () => {
    const rw = new RWMutex();
    assert.throws(() => rw.rLocker().unlock(), RUNLOCK);
  });
});

describe("RWMutex: metrics", () => {
  test("readers, writing and waiters follow the lock", async () => {
    const rw = new RWMutex("cache");
    assert.equal(rw.name, "cache");
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [0, false, 0]);
    await rw.rLock();
    await rw.rLock();
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [2, false, 0]);
    const w1 = probe(rw.lock()); // pending writer: waits for the two readers
    const w2 = probe(rw.lock()); // queued behind it
    const r = probe(rw.rLock()); // held back by the pending writer
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [2, false, 3]);
    rw.rUnlock();
    rw.rUnlock();
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [0, true, 2], "handed to w1");
    rw.unlock();
    // r arrived during w1's turn: it goes in before w2, which now waits for it.
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [1, false, 1]);
    rw.rUnlock();
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [0, true, 0], "handed to w2");
    rw.unlock();
    assert.deepEqual([rw.readers, rw.writing, rw.waiters], [0, false, 0]);
    await settle();
    assert.ok(w1.fulfilled && w2.fulfilled && r.fulfilled);
  });

  test("cancelled waiters leave the counts at once", async () => {
    const rw = new RWMutex();
    await rw.rLock();
    const [cw, cancelW] = withCancel(background());
    const [cr, cancelR] = withCancel(background());
    const w = probe(rw.lock(cw));
    const r = probe(rw.rLock(cr));
    assert.equal(rw.waiters, 2);
    cancelR();
    assert.equal(rw.waiters, 1, "the reader left");
    cancelW();
    assert.equal(rw.waiters, 0, "the pending writer left");
    assert.equal(rw.tryRLock(), true, "no writer turn left behind");
    rw.rUnlock();
    rw.rUnlock();
    assert.equal(rw.tryLock(), true, "and the lock is free");
    rw.unlock();
    await settle();
    assert.equal(w.error, Canceled);
    assert.equal(r.error, Canceled);
  });

  test("a cancelled queued (not yet pending) writer does not disturb the pending one", async () => {
    const rw = new RWMutex();
    await rw.rLock();
    const w1 = probe(rw.lock());
    const ac = new AbortController();
    const w2 = probe(rw.lock(ac.signal));
    const w3 = probe(rw.lock());
    ac.abort();
    rw.rUnlock();
    await settle();
    assert.ok(w1.fulfilled);
    assert.ok(w2.rejected);
    rw.unlock();
    await settle();
    assert.ok(w3.fulfilled, "w3 follows w1; w2 never acquired");
    rw.unlock();
    assert.equal(rw.writing, false);
  });
});

describe("RWMutex: the lesson's programs and deadlocks (Go 并发编程实战课 lesson 05)", () => {
  test("the counter: 10 readers and one writer; reads see whole writes only", async () => {
    class Counter {
      readonly mu = new RWMutex();
      count = 0;
      shadow = 0;
      async incr(): Promise<void> {
        await this.mu.lock();
        this.count++;
        await yieldNow(); // a write that takes a while: readers must not see it half done
        this.shadow++;
        this.mu.unlock();
      }
      async read(): Promise<number> {
        await this.mu.rLock();
        try {
          assert.equal(this.count, this.shadow, "a reader never sees a write in progress");
          return this.count;
        } finally {
          this.mu.rUnlock();
        }
      }
    }
    const c = new Counter();
    let stop = false;
    let reads = 0;
    const readers = Array.from({ length: 10 }, async () => {
      while (!stop) {
        await c.read();
        reads++;
        await yieldNow(); // time.Sleep(time.Millisecond)
      }
    });
    for (let i = 0; i < 10; i++) {
      await c.incr();
      await yieldNow(); // time.Sleep(time.Second)
    }
    stop = true;
    await Promise.all(readers);
    assert.equal(await c.read(), 10);
    assert.ok(reads >= 10, `the readers made progress (${reads} reads) while the writer wrote`);
  });

  test("pitfall 2, writer reentrancy: Lock inside Lock deadlocks", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    // Only so that the test can end the deadlock: bar's lock call takes a ctx.
    const [ctx, cancel] = withCancel(background());
    const bar = async (): Promise<void> => {
      await rw.lock(ctx);
      log.push("in bar");
      rw.unlock();
    };
    const foo = probe(
      (async () => {
        log.push("in foo");
        await rw.lock();
        await bar();
        rw.unlock();
      })(),
    );
    await settle();
    assert.ok(foo.pending);
    assert.deepEqual(log, ["in foo"]);
    cancel();
    await assert.rejects(foo.promise, (e: unknown) => e === Canceled);
    assert.equal(rw.waiters, 0);
    rw.unlock(); // foo's hold, released from outside (Go allows it)
  });

  test("pitfall 2, a reader that calls Lock deadlocks (kubernetes/kubernetes#62464)", async () => {
    const rw = new RWMutex();
    // Only so that the test can end the deadlock: the write lock call takes a ctx.
    const [ctx, cancel] = withCancel(background());
    const getCPUSetOrDefault = async (): Promise<void> => {
      await rw.rLock();
      try {
        await rw.lock(ctx); // GetCPUSet wants the write lock
        rw.unlock();
      } finally {
        rw.rUnlock();
      }
    };
    const p = probe(getCPUSetOrDefault());
    await settle();
    assert.ok(p.pending, "the writer waits for the reader, which waits for the writer");
    assert.equal(rw.readers, 1);
    assert.equal(rw.waiters, 1);
    cancel();
    await assert.rejects(p.promise, (e: unknown) => e === Canceled);
    assert.deepEqual([rw.readers, rw.waiters], [0, 0]);
  });

  test("pitfall 2, the factorial: RLock recursion with a writer arriving in between deadlocks", async () => {
    const rw = new RWMutex();
    const log: string[] = [];
    const factorial = async (n: number): Promise<number> => {
      if (n < 1) return 0;
      log.push("RLock");
      await rw.rLock();
      try {
        await yieldNow(); // time.Sleep(100 * time.Millisecond)
        return (await factorial(n - 1)) * n;
      } finally {
        log.push("RUnlock");
        rw.rUnlock();
      }
    };
    // Only so that the test can end the deadlock: the writer's lock call takes a ctx.
    const [ctx, cancel] = withCancel(background());
    const writer = probe(
      (async () => {
        await yieldNow(); // time.Sleep(200 * time.Millisecond): factorial is 2 levels deep by now
        await yieldNow();
        await rw.lock(ctx);
        log.push("Lock");
        await yieldNow();
        rw.unlock();
        log.push("Unlock");
      })(),
    );
    const reader = probe(factorial(10));
    await settle(30);
    assert.ok(writer.pending && reader.pending, "both are stuck for good");
    assert.ok(!log.includes("Lock") && !log.includes("RUnlock"), `nobody got through: ${log.join(",")}`);
    assert.ok(rw.readers >= 1 && rw.readers < 10, `the reader is stuck mid-recursion (${rw.readers} deep)`);
    assert.equal(
      log.filter((l) => l === "RLock").length,
      rw.readers + 1,
      "one RLock more than held: it blocks",
    );
    // Cancelling the waiting writer lets the held-back reader in: the recursion completes.
    cancel();
    await assert.rejects(writer.promise, (e: unknown) => e === Canceled);
    assert.equal(await reader.promise, 0);
    assert.deepEqual([rw.readers, rw.waiters], [0, 0]);
    assert.ok(!log.includes("Lock"));
  });

  test("the same factorial with no writer completes", async () => {
    const rw = new RWMutex();
    const factorial = async (n: number): Promise<number> => {
      if (n < 1) return 1;
      await rw.rLock();
      try {
        await yieldNow();
        return (await factorial(n - 1)) * n;
      } finally {
        rw.rUnlock();
      }
    };
    assert.equal(await factorial(10), 3_628_800);
    assert.equal(rw.readers, 0);
  });
});

describe("RWMutex: rLocker() with a Cond", () => {
  test("a Cond over rLocker() re-acquires the read lock after wait", async () => {
    const rw = new RWMutex();
    const c = new Cond(rw.rLocker());
    let ready = false;
    const waiter = probe(
      (async () => {
        await rw.rLock();
        while (!ready) await c.wait();
        const readersInside = rw.readers;
        rw.rUnlock();
        return readersInside;
      })(),
    );
    await settle();
    assert.equal(rw.readers, 0, "wait released the read lock");
    await rw.lock(); // so a writer can get in
    ready = true;
    rw.unlock();
    c.signal();
    await settle();
    assert.equal(waiter.state.s === "fulfilled" ? waiter.state.v : -1, 1, "it held the read lock again");
  });
});

test("one ctx shared by a pending writer and the readers behind it: cancelling it lets none of them in", async () => {
  const rw = new RWMutex();
  await rw.rLock(); // R1 holds
  const [ctx, cancel] = withCancel(background());
  const outcomes: string[] = [];
  const note = (name: string, p: Promise<void>): Promise<void> =>
    p.then(
      () => void outcomes.push(`${name} acquired`),
      (e: unknown) => void outcomes.push(`${name} ${e === Canceled ? "cancelled" : String(e)}`),
    );
  const w = note("W", rw.lock(ctx)); // pending: waits for R1
  const r2 = note("R2", rw.rLock(ctx)); // held back by the pending writer
  const r3 = note("R3", rw.rLock(ctx));
  cancel();
  await Promise.all([w, r2, r3]);
  assert.deepEqual(outcomes.sort(), ["R2 cancelled", "R3 cancelled", "W cancelled"]);
  assert.equal(rw.readers, 1, "only R1 is inside");
  assert.equal(rw.waiters, 0);
  rw.rUnlock();
  assert.equal(rw.tryLock(), true);
});

describe("RWMutex: withLock and withRLock", () => {
  test("withLock runs fn holding the write lock, excluding readers, and unlocks when it settles", async () => {
    const rw = new RWMutex();
    const g = deferred();
    const w = probe(
      rw.withLock(async () => {
        assert.equal(rw.writing, true);
        await g.promise;
        return "written";
      }),
    );
    await settle();
    const r = probe(rw.rLock());
    await settle();
    assert.equal(r.pending, true, "a reader waits while withLock's fn runs");
    g.resolve();
    await settle();
    assert.equal(w.value, "written");
    assert.equal(r.fulfilled, true);
    rw.rUnlock();
    assert.deepEqual([rw.writing, rw.readers], [false, 0]);
  });

  test("withRLock lets readers in together and keeps a writer out until every fn settled", async () => {
    const rw = new RWMutex();
    const g = deferred();
    const readers = [1, 2].map((i) =>
      probe(
        rw.withRLock(async () => {
          await g.promise;
          return i;
        }),
      ),
    );
    await settle();
    assert.equal(rw.readers, 2, "both readers inside at once");
    const w = probe(rw.lock());
    await settle();
    assert.equal(w.pending, true);
    g.resolve();
    await settle();
    assert.deepEqual(
      readers.map((r) => r.value),
      [1, 2],
    );
    assert.equal(w.fulfilled, true);
    rw.unlock();
  });

  test("both unlock when fn throws, rejects or returns a thenable, and reject with a bad fn or ctx", async () => {
    const rw = new RWMutex();
    const boom = new Error("boom");
    await assert.rejects(
      rw.withLock(() => {
        throw boom;
      }),
      (e) => e === boom,
    );
    await assert.rejects(
      rw.withRLock(async () => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.deepEqual([rw.writing, rw.readers], [false, 0]);
    const g = deferred();
    const thenable: PromiseLike<number> = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then: (ok, fail) => g.promise.then(() => 5).then(ok, fail),
    };
    const p = rw.withRLock(() => thenable);
    await settle();
    assert.equal(rw.readers, 1, "held while the thenable is pending");
    g.resolve();
    assert.equal(await p, 5);
    assert.equal(rw.readers, 0);
    await assert.rejects(rw.withLock(42 as unknown as () => void), TypeError);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(
      rw.withRLock(() => 1, ctx),
      (e) => e === Canceled,
    );
    assert.deepEqual([rw.writing, rw.readers], [false, 0]);
  });
});
