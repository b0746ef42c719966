// Mutex and LockHandle: every rule for the Mutex, and the lesson's programs (Go 并发编程实战课 lessons 01–04).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Context,
  DeadlineExceeded,
  GoSyncError,
  go,
  LockHandle,
  Mutex,
  WaitGroup,
  withCancel,
  withTimeout,
  yieldNow,
} from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { deferred, probe, settle } from "./helpers.js";

leakCheck();

const UNLOCK_OF_UNLOCKED = { name: "GoSyncError", message: "sync: unlock of unlocked mutex" };

describe("Mutex: state and metrics", () => {
  test("a new Mutex is unlocked with no waiters, and keeps its name", () => {
    const mu = new Mutex("accounts");
    assert.equal(mu.locked, false);
    assert.equal(mu.waiters, 0);
    assert.equal(mu.name, "accounts");
    assert.equal(new Mutex().name, undefined);
  });

  test("locked and waiters follow lock, queueing and the hand-off (Go 1.9's starvation mode)", async () => {
    const mu = new Mutex();
    await mu.lock();
    assert.equal(mu.locked, true);
    const ws = [probe(mu.lock()), probe(mu.lock()), probe(mu.lock())];
    assert.equal(mu.waiters, 3, "queued synchronously");
    mu.unlock();
    // The hand-off is synchronous: the first waiter owns the lock before it has even resumed.
    assert.equal(mu.locked, true, "still locked: handed to the first waiter");
    assert.equal(mu.waiters, 2);
    await settle();
    assert.deepEqual(
      ws.map((w) => w.state.s),
      ["fulfilled", "pending", "pending"],
    );
    mu.unlock();
    mu.unlock();
    assert.equal(mu.waiters, 0);
    assert.equal(mu.locked, true, "the last waiter holds it");
    mu.unlock();
    assert.equal(mu.locked, false);
  });

  test("the lesson's 1000 tasks: one holds, 999 wait (mu.Count(), IsLocked())", async () => {
    const mu = new Mutex();
    const release = new Mutex();
    await release.lock(); // the holder "sleeps" until we let it go
    const wg = new WaitGroup();
    for (let i = 0; i < 1000; i++) {
      wg.go(async () => {
        await mu.lock();
        await release.lock();
        release.unlock();
        mu.unlock();
      });
    }
    await settle();
    assert.equal(mu.locked, true);
    assert.equal(mu.waiters, 999, "waiters: everyone but the holder");
    release.unlock();
    await wg.wait();
    assert.equal(mu.locked, false);
    assert.equal(mu.waiters, 0);
  });
});

describe("Mutex: misuse and ownership", () => {
  test("unlock of an unlocked Mutex throws Go's `sync: unlock of unlocked mutex`", () => {
    const mu = new Mutex();
    assert.throws(() => mu.unlock(), UNLOCK_OF_UNLOCKED);
    let err: unknown;
    try {
      mu.unlock();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError, "a GoSyncError");
  });

  test("the lesson's `defer mu.Unlock()` without Lock: throws, and the mutex stays usable", async () => {
    const mu = new Mutex();
    const foo = (): void => {
      try {
        // fmt.Println("hello world!")
      } finally {
        mu.unlock();
      }
    };
    assert.throws(foo, UNLOCK_OF_UNLOCKED);
    assert.equal(mu.locked, false);
    assert.equal(mu.tryLock(), true);
  });

  test("no owner, as in Go: any task may unlock a Mutex another task locked", async () => {
    const mu = new Mutex();
    const locked = probe(
      (async () => {
        await mu.lock();
      })(),
    );
    await settle();
    assert.ok(locked.fulfilled);
    const waiter = probe(mu.lock());
    go(() => mu.unlock()); // a different task unlocks
    await settle();
    assert.ok(waiter.fulfilled, "the unlock by another task handed the lock over");
    mu.unlock();
  });

  test("a Mutex is not reentrant: the lesson's foo/bar (lesson 03) blocks on the inner lock", async () => {
    const mu = new Mutex();
    const log: string[] = [];
    // Only so that the test can end the deadlock (Go's program hangs): bar's lock call takes a ctx.
    const [ctx, cancel] = withCancel(background());
    const bar = async (): Promise<void> => {
      await mu.lock(ctx);
      log.push("in bar");
      mu.unlock();
    };
    const foo = async (): Promise<void> => {
      log.push("in foo");
      await mu.lock();
      await bar();
      mu.unlock();
    };
    const p = probe(foo());
    await settle();
    assert.ok(p.pending, "foo never returns");
    assert.deepEqual(log, ["in foo"], "bar never gets in");
    assert.equal(mu.waiters, 1);
    cancel();
    await assert.rejects(p.promise, (e: unknown) => e === Canceled);
    assert.equal(mu.waiters, 0);
    mu.unlock(); // foo's hold, released from outside (Go allows it)
    assert.equal(mu.tryLock(), true);
  });

  test("the lesson's police station / property office deadlock (lesson 03), broken by a cancellation", async () => {
    const psCertificate = new Mutex();
    const propertyCertificate = new Mutex();
    const [ctx, cancel] = withCancel(background());
    const police = probe(
      (async () => {
        await psCertificate.lock();
        try {
          await yieldNow(); // check the papers
          await propertyCertificate.lock(ctx);
          propertyCertificate.unlock();
        } finally {
          psCertificate.unlock();
        }
      })(),
    );
    const property = probe(
      (async () => {
        await propertyCertificate.lock();
        try {
          await yieldNow();
          await psCertificate.lock();
          psCertificate.unlock();
        } finally {
          propertyCertificate.unlock();
        }
      })(),
    );
    await settle();
    assert.ok(police.pending && property.pending, "each holds one certificate and waits for the other");
    cancel(); // the police station gives up waiting
    await settle();
    assert.equal(police.error, Canceled);
    assert.ok(property.fulfilled, "the property office then gets both");
    assert.equal(psCertificate.locked, false);
    assert.equal(propertyCertificate.locked, false);
  });
});

describe("Mutex: tryLock", () => {
  test("tryLock takes a free mutex, fails on a held one, and never overtakes queued waiters", async () => {
    const mu = new Mutex();
    assert.equal(mu.tryLock(), true);
    assert.equal(mu.tryLock(), false);
    const w1 = probe(mu.lock());
    const w2 = probe(mu.lock());
    for (let i = 0; i < 2; i++) {
      mu.unlock();
      assert.equal(mu.tryLock(), false, `hand-off ${i}: tryLock cannot take the waiter's turn`);
      await settle();
    }
    assert.ok(w1.fulfilled && w2.fulfilled);
    mu.unlock();
    assert.equal(mu.tryLock(), true, "free with nobody waiting: tryLock succeeds");
    mu.unlock();
  });

  test("the lesson's try(): a holder releases, then the main task's tryLock gets the lock", async () => {
    const mu = new Mutex();
    const holding = new Mutex();
    await holding.lock();
    go(async () => {
      await mu.lock();
      await holding.lock(); // "sleep" until released
      holding.unlock();
      mu.unlock();
    });
    await settle();
    assert.equal(mu.tryLock(), false, "can't get the lock");
    holding.unlock();
    await settle();
    assert.equal(mu.tryLock(), true, "got the lock");
    mu.unlock();
  });
});

describe("Mutex: cancellation", () => {
  test("a cancelled lock leaves the queue synchronously, when cancel() returns", async () => {
    const mu = new Mutex();
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const ac = new AbortController();
    const a = probe(mu.lock(ctx));
    const b = probe(mu.lock(ac.signal));
    assert.equal(mu.waiters, 2);
    cancel();
    assert.equal(mu.waiters, 1, "the Context waiter is gone at once");
    ac.abort();
    assert.equal(mu.waiters, 0, "the AbortSignal waiter is gone at once");
    await settle();
    assert.equal(a.error, Canceled);
    assert.ok(b.rejected);
    mu.unlock();
    assert.equal(mu.locked, false, "nobody to hand over to: the cancelled waiters never acquire");
  });

  test("cancelling every other of 1000 waiters keeps the rest in FIFO order", async () => {
    const mu = new Mutex();
    await mu.lock();
    const order: number[] = [];
    const cancels: (() => void)[] = [];
    for (let i = 0; i < 1000; i++) {
      const [ctx, cancel] = withCancel(background());
      cancels.push(cancel);
      mu.lock(ctx).then(
        () => order.push(i),
        () => {},
      );
    }
    for (let i = 1; i < 1000; i += 2) (cancels[i] as () => void)();
    assert.equal(mu.waiters, 500);
    for (let i = 0; i < 500; i++) {
      mu.unlock();
      await Promise.resolve();
      await Promise.resolve();
    }
    await settle();
    assert.deepEqual(
      order,
      Array.from({ length: 500 }, (_, k) => 2 * k),
    );
    mu.unlock();
    assert.equal(mu.locked, false);
  });

  test("a cancel that comes after the hand-off changes nothing: the waiter owns the lock", async () => {
    const mu = new Mutex();
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const w = probe(mu.lock(ctx));
    mu.unlock(); // handed to w ...
    cancel(); // ... before w resumed
    await settle();
    assert.ok(w.fulfilled, "the lock was already w's");
    assert.equal(mu.locked, true);
    mu.unlock();
    assert.equal(mu.locked, false);
  });

  test("a blocked lock shows in the diagnostics registry until it acquires or is cancelled", async () => {
    registry.tracking = true;
    try {
      const mu = new Mutex("m");
      await mu.lock();
      const [ctx, cancel] = withCancel(background());
      const a = probe(mu.lock(ctx));
      const b = probe(mu.lock());
      const mine = () => [...registry.blocked.values()].filter((op) => op.target === mu);
      assert.equal(mine().length, 2);
      assert.deepEqual(
        mine().map((op) => op.reason),
        ["sync.Mutex.Lock", "sync.Mutex.Lock"],
      );
      cancel();
      assert.equal(mine().length, 1, "the cancelled waiter is no longer reported blocked");
      mu.unlock();
      assert.equal(mine().length, 0, "the woken waiter is no longer reported blocked");
      await settle();
      assert.ok(a.rejected && b.fulfilled);
      mu.unlock();
    } finally {
      registry.tracking = false;
      registry.blocked.clear();
    }
  });

  test("any object implementing Context works as ctx (Context is an interface, as in Go)", async () => {
    const mu = new Mutex();
    await mu.lock();
    const [inner, cancel] = withCancel(background());
    const custom: Context = {
      done: () => inner.done(),
      err: () => inner.err(),
      deadline: () => inner.deadline(),
      value: (key) => inner.value(key),
      get signal() {
        return inner.signal;
      },
    };
    const w = probe(mu.lock(custom));
    await settle();
    assert.equal(mu.waiters, 1);
    cancel();
    await settle();
    assert.equal(w.error, Canceled);
    assert.equal(mu.waiters, 0);
    mu.unlock();
    assert.equal(mu.locked, false);
  });

  test("a lock whose deadline passes rejects with DeadlineExceeded", () =>
    synctest(async (bubble) => {
      const mu = new Mutex();
      await mu.lock();
      const [ctx, cancel] = withTimeout(background(), 1000);
      try {
        await assert.rejects(mu.lock(ctx), (e) => e === DeadlineExceeded);
        assert.equal(bubble.elapsed(), 1000, "it waited until the deadline");
        assert.equal(mu.waiters, 0);
      } finally {
        cancel();
      }
      mu.unlock();
      assert.equal(mu.locked, false);
    }));

  test("lock() rejects with a TypeError naming ctx for something that is not a Context or AbortSignal", async () => {
    const mu = new Mutex();
    await mu.lock();
    await assert.rejects(mu.lock({} as AbortSignal), { name: "TypeError", message: /ctx/ });
    assert.equal(mu.waiters, 0);
    mu.unlock();
  });
});

describe("Mutex: withLock", () => {
  test("runs fn holding the lock and returns its value (sync and async fn)", async () => {
    const mu = new Mutex();
    assert.equal(
      await mu.withLock(() => {
        assert.equal(mu.locked, true);
        return 42;
      }),
      42,
    );
    assert.equal(mu.locked, false);
    const p = mu.withLock(async () => {
      await yieldNow();
      assert.equal(mu.locked, true, "held across fn's awaits");
      return "done";
    });
    await settle(1);
    assert.equal(mu.locked, true);
    assert.equal(await p, "done");
    assert.equal(mu.locked, false, "released once fn settled");
  });

  test("a thenable returned by fn (not a native Promise) keeps the lock until it settles", async () => {
    const mu = new Mutex();
    const g = deferred();
    // A PromiseLike from another promise library or a query builder: then() only.
    const thenable: PromiseLike<string> = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then: (ok, fail) => g.promise.then(() => "done").then(ok, fail),
    };
    const p = mu.withLock(() => thenable);
    await settle();
    assert.equal(mu.locked, true, "released while fn's work still ran");
    g.resolve();
    assert.equal(await p, "done");
    assert.equal(mu.locked, false);
  });

  test("unlocks when fn throws or rejects, and passes the same error on", async () => {
    const mu = new Mutex();
    const boom = new Error("boom");
    await assert.rejects(
      mu.withLock(() => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(mu.locked, false, "unlocked after a synchronous throw");
    await assert.rejects(
      mu.withLock(async () => {
        await yieldNow();
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(mu.locked, false, "unlocked after a rejection");
  });

  test("serialises concurrent critical sections", async () => {
    const mu = new Mutex();
    let inside = 0;
    let balance = 0;
    await Promise.all(
      Array.from({ length: 50 }, () =>
        mu.withLock(async () => {
          inside++;
          assert.equal(inside, 1);
          const b = balance;
          await yieldNow();
          balance = b + 10;
          inside--;
        }),
      ),
    );
    assert.equal(balance, 500);
  });

  test("a cancelled withLock never runs fn and takes nothing", async () => {
    const mu = new Mutex();
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    let ran = false;
    const p = probe(
      mu.withLock(() => {
        ran = true;
      }, ctx),
    );
    await settle();
    cancel();
    await settle();
    assert.equal(p.error, Canceled);
    mu.unlock();
    assert.equal(ran, false);
    assert.equal(mu.locked, false);
  });

  test("withLock rejects with a TypeError naming fn when fn is not a function", async () => {
    const mu = new Mutex();
    await assert.rejects(mu.withLock(42 as unknown as () => void), { name: "TypeError", message: /fn/ });
    assert.equal(mu.locked, false, "nothing locked");
  });
});

describe("Mutex: acquire() handles", () => {
  test("`using` releases at the end of the block", async () => {
    const mu = new Mutex();
    {
      using h = await mu.acquire();
      assert.ok(h instanceof LockHandle);
      assert.equal(mu.locked, true);
      assert.equal(h.released, false);
    }
    assert.equal(mu.locked, false);
  });

  test("`await using` releases at the end of the block", async () => {
    const mu = new Mutex();
    {
      await using _h = await mu.acquire();
      assert.equal(mu.locked, true);
    }
    assert.equal(mu.locked, false);
  });

  test("`using` releases when the block throws", async () => {
    const mu = new Mutex();
    const boom = new Error("boom");
    await assert.rejects(
      (async () => {
        using _h = await mu.acquire();
        throw boom;
      })(),
      (e) => e === boom,
    );
    assert.equal(mu.locked, false);
  });

  test("`using` hands the lock to the next waiter in order", async () => {
    const mu = new Mutex();
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2].map(async (i) => {
        using _h = await mu.acquire();
        order.push(i);
        await yieldNow();
        order.push(i);
      }),
    );
    assert.deepEqual(order, [0, 0, 1, 1, 2, 2]);
  });

  test("releasing a handle twice throws and does not unlock someone else's lock", async () => {
    const mu = new Mutex();
    const h = await mu.acquire();
    h.release();
    assert.equal(h.released, true);
    await mu.lock(); // someone else holds it now
    assert.throws(() => h.release(), { name: "GoSyncError", message: "sync: lock handle released twice" });
    assert.throws(() => h[Symbol.dispose](), GoSyncError);
    await assert.rejects(h[Symbol.asyncDispose](), GoSyncError, "asyncDispose rejects, never throws");
    assert.equal(mu.locked, true, "the other holder still holds it");
    mu.unlock();
  });

  test("acquire(ctx) cancelled rejects and gives no handle", async () => {
    const mu = new Mutex();
    await mu.lock();
    const ac = new AbortController();
    const p = probe(mu.acquire(ac.signal));
    await settle();
    ac.abort("gave up");
    await settle();
    assert.equal(p.error, "gave up");
    mu.unlock();
    assert.equal(mu.locked, false);
  });
});

describe("Mutex: the lesson's programs (Go 并发编程实战课 lessons 01 and 04)", () => {
  // The lesson runs 10 × 100,000; 10 × 10,000 proves the same and keeps the suite fast under the
  // test runner's promise hooks.
  test("lesson 01 counter: 10 tasks × 10,000 increments under the lock give exactly 100,000", async () => {
    const mu = new Mutex();
    let count = 0;
    const wg = new WaitGroup();
    wg.add(10);
    for (let i = 0; i < 10; i++) {
      go(async () => {
        for (let j = 0; j < 10_000; j++) {
          await mu.lock();
          count++;
          mu.unlock();
        }
        wg.done();
      });
    }
    await wg.wait();
    assert.equal(count, 100_000);
  });

  test("lesson 01 race: a read-modify-write that suspends loses updates without the lock, none with it", async () => {
    const run = async (mu: Mutex | null): Promise<number> => {
      let count = 0;
      const wg = new WaitGroup();
      for (let i = 0; i < 10; i++) {
        wg.go(async () => {
          for (let j = 0; j < 100; j++) {
            if (mu !== null) await mu.lock();
            const v = count; // MOVQ count, AX
            await Promise.resolve(); // another task runs here
            count = v + 1; // MOVQ CX, count
            mu?.unlock();
          }
        });
      }
      await wg.wait();
      return count;
    };
    assert.ok((await run(null)) < 1000, "without the lock, increments are lost");
    assert.equal(await run(new Mutex()), 1000, "with the lock, none are");
  });

  test("lesson 04's SliceQueue: a Mutex-guarded queue delivers every value once, in order per producer", async () => {
    class SliceQueue<T> {
      readonly #mu = new Mutex();
      #data: T[] = [];
      async enqueue(v: T): Promise<void> {
        await this.#mu.lock();
        const next = [...this.#data, v]; // a copy, then a suspension, then the store
        await yieldNow();
        this.#data = next;
        this.#mu.unlock();
      }
      async dequeue(): Promise<T | undefined> {
        await this.#mu.lock();
        try {
          return this.#data.shift();
        } finally {
          this.#mu.unlock();
        }
      }
    }
    const q = new SliceQueue<string>();
    await Promise.all(
      [0, 1, 2].map(async (p) => {
        for (let i = 0; i < 5; i++) await q.enqueue(`${p}:${i}`);
      }),
    );
    const got: string[] = [];
    for (let v = await q.dequeue(); v !== undefined; v = await q.dequeue()) got.push(v);
    assert.equal(got.length, 15, "nothing lost by concurrent enqueues");
    for (const p of [0, 1, 2]) {
      assert.deepEqual(
        got.filter((v) => v.startsWith(`${p}:`)),
        [0, 1, 2, 3, 4].map((i) => `${p}:${i}`),
      );
    }
  });
});
