// Cond: every rule (wait releases and re-acquires, signal wakes the longest waiter,
// broadcast all, waiting without the lock fails, a cancelled wait re-locks before rejecting) and the
// programs of Go 并发编程实战课 lesson 07: the 100 m race start and Kubernetes' scheduling PriorityQueue.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  Cond,
  GoSyncError,
  go,
  type Locker,
  Mutex,
  RWMutex,
  withCancel,
  yieldNow,
} from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, rng, settle } from "./helpers.js";

leakCheck();

describe("Cond: construction", () => {
  test("takes any Locker and exposes it (Go's c.L)", () => {
    const mu = new Mutex();
    const c = new Cond(mu, "ready");
    assert.equal(c.locker, mu);
    assert.equal(c.name, "ready");
    assert.equal(c.waiters, 0);
    const plain: Locker = { lock() {}, unlock() {} };
    assert.equal(new Cond(plain).locker, plain, "a synchronous Locker fits too");
  });

  test("rejects what is not a Locker with a TypeError naming it", () => {
    for (const bad of [null, undefined, {}, { lock() {} }, { unlock() {} }, 42]) {
      assert.throws(() => new Cond(bad as unknown as Locker), { name: "TypeError", message: /locker/ });
    }
  });
});

describe("Cond: wait", () => {
  test("wait releases the lock while waiting and holds it again when it returns", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const w = probe(c.wait());
    assert.equal(mu.locked, false, "released as soon as wait() was called");
    assert.equal(c.waiters, 1);
    await settle();
    assert.ok(w.pending);
    c.signal();
    await settle();
    assert.ok(w.fulfilled);
    assert.equal(mu.locked, true, "held again after wait returned");
    assert.equal(mu.tryLock(), false);
    mu.unlock();
  });

  test("a woken waiter does not return until it has re-acquired the lock", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const w = probe(c.wait());
    await mu.lock(); // another task takes the lock meanwhile
    c.signal();
    await settle();
    assert.ok(w.pending, "woken, but the lock is someone else's");
    assert.equal(mu.waiters, 1, "it queued for the lock");
    mu.unlock();
    await settle();
    assert.ok(w.fulfilled);
    mu.unlock();
  });

  test("a signal right after wait() was called is not lost (unlock and enqueue are one step)", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const w = probe(c.wait());
    c.signal(); // synchronously after wait() released the lock: the waiter is already queued
    await settle();
    assert.ok(w.fulfilled);
    mu.unlock();
  });

  test("waiting without holding the lock fails with `sync: unlock of unlocked mutex` and queues nothing", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    let err: unknown;
    try {
      await c.wait();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError);
    assert.equal(err.message, "sync: unlock of unlocked mutex");
    assert.equal(c.waiters, 0);
    assert.equal(mu.locked, false);
  });

  test("over an RWMutex, waiting without the write lock fails with `sync: Unlock of unlocked RWMutex`", async () => {
    const rw = new RWMutex();
    await assert.rejects(new Cond(rw).wait(), { message: "sync: Unlock of unlocked RWMutex" });
    await assert.rejects(new Cond(rw.rLocker()).wait(), { message: "sync: RUnlock of unlocked RWMutex" });
  });

  test("a blocked wait is visible to diagnostics as sync.Cond.Wait", async () => {
    registry.tracking = true;
    try {
      const mu = new Mutex();
      const c = new Cond(mu);
      await mu.lock();
      const w = probe(c.wait());
      const mine = () => [...registry.blocked.values()].filter((op) => op.target === c);
      assert.deepEqual(
        mine().map((op) => op.reason),
        ["sync.Cond.Wait"],
      );
      c.signal();
      assert.equal(mine().length, 0);
      await settle();
      assert.ok(w.fulfilled);
      mu.unlock();
    } finally {
      registry.tracking = false;
      registry.blocked.clear();
    }
  });
});

describe("Cond: signal and broadcast", () => {
  test("signal wakes the longest waiter, one at a time", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    const woke: number[] = [];
    for (let i = 0; i < 4; i++) {
      go(async () => {
        await mu.lock();
        await c.wait();
        woke.push(i);
        mu.unlock();
      });
      await settle(1);
    }
    await settle();
    assert.equal(c.waiters, 4);
    for (let i = 0; i < 4; i++) {
      c.signal();
      await settle();
      assert.deepEqual(
        woke,
        Array.from({ length: i + 1 }, (_, k) => k),
      );
    }
  });

  test("signal and broadcast with nobody waiting do nothing, and are not remembered", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    c.signal();
    c.broadcast();
    await mu.lock();
    const w = probe(c.wait());
    await settle();
    assert.ok(w.pending, "an earlier signal does not satisfy a later wait");
    c.signal();
    await settle();
    assert.ok(w.fulfilled);
    mu.unlock();
  });

  test("broadcast wakes every waiter; they re-acquire the lock one at a time", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    let inside = 0;
    let maxInside = 0;
    let woke = 0;
    const waiters = Array.from({ length: 10 }, async () => {
      await mu.lock();
      await c.wait();
      inside++;
      maxInside = Math.max(maxInside, inside);
      woke++;
      await yieldNow();
      inside--;
      mu.unlock();
    });
    await settle();
    assert.equal(c.waiters, 10);
    c.broadcast();
    assert.equal(c.waiters, 0);
    await Promise.all(waiters);
    assert.equal(woke, 10);
    assert.equal(maxInside, 1, "each held the lock alone on return");
  });

  test("a waiter arriving after a broadcast waits for the next one", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const first = probe(c.wait());
    c.broadcast();
    await settle();
    assert.ok(first.fulfilled);
    const second = probe(c.wait());
    await settle();
    assert.ok(second.pending);
    c.broadcast();
    await settle();
    assert.ok(second.fulfilled);
    mu.unlock();
  });
});

describe("Cond: cancellation", () => {
  test("a cancelled wait re-locks before it rejects with ctx.err()", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    let heldWhenRejected: boolean | null = null;
    const w = probe(
      c.wait(ctx).catch((e: unknown) => {
        heldWhenRejected = mu.locked && mu.tryLock() === false;
        throw e;
      }),
    );
    await mu.lock(); // someone else holds the lock when the cancel comes
    cancel();
    assert.equal(c.waiters, 0, "the cancelled waiter left the queue at once");
    await settle();
    assert.ok(w.pending, "it cannot reject before it has the lock back");
    mu.unlock();
    await settle();
    assert.equal(w.error, Canceled);
    assert.equal(heldWhenRejected, true, "the lock was the waiter's when wait rejected");
    assert.equal(mu.locked, true, "so the caller's `finally { unlock() }` is right");
    mu.unlock();
    assert.equal(mu.locked, false);
  });

  test("wait(signal) aborted rejects with signal.reason, holding the lock", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const ac = new AbortController();
    const w = probe(c.wait(ac.signal));
    ac.abort("enough");
    await settle();
    assert.equal(w.error, "enough");
    assert.equal(mu.locked, true);
    mu.unlock();
  });

  test("an already-cancelled ctx rejects without ever releasing the lock", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const other = probe(mu.lock());
    await assert.rejects(c.wait(AbortSignal.abort("no")), (e) => e === "no");
    await settle();
    assert.ok(other.pending, "the lock was never released to the other task");
    assert.equal(c.waiters, 0);
    mu.unlock();
    await settle();
    assert.ok(other.fulfilled);
    mu.unlock();
  });

  test("a signal after a cancellation goes to the next waiter: no wake-up is lost", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    const [ctx, cancel] = withCancel(background());
    const a = probe(
      (async () => {
        await mu.lock();
        try {
          await c.wait(ctx);
        } finally {
          mu.unlock();
        }
      })(),
    );
    await settle();
    const b = probe(
      (async () => {
        await mu.lock();
        try {
          await c.wait();
        } finally {
          mu.unlock();
        }
      })(),
    );
    await settle();
    assert.equal(c.waiters, 2);
    cancel();
    c.signal();
    await settle();
    assert.equal(a.error, Canceled);
    assert.ok(b.fulfilled, "the signal woke b, not the cancelled a");
    assert.equal(mu.locked, false);
  });

  test("a wait that was signalled is not undone by a later cancel", async () => {
    const mu = new Mutex();
    const c = new Cond(mu);
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const w = probe(c.wait(ctx));
    c.signal();
    cancel();
    await settle();
    assert.ok(w.fulfilled);
    mu.unlock();
  });
});

describe("Cond: the lesson's programs (Go 并发编程实战课 lesson 07)", () => {
  test("the 100 m race start: the referee starts the race only once all 10 runners are ready", async () => {
    const c = new Cond(new Mutex());
    const random = rng(100);
    let ready = 0;
    const log: string[] = [];
    for (let i = 0; i < 10; i++) {
      go(async () => {
        const turns = Math.floor(random() * 10); // time.Sleep(rand.Int63n(10) * time.Second)
        for (let t = 0; t < turns; t++) await yieldNow();
        await c.locker.lock();
        ready++;
        c.locker.unlock();
        log.push(`runner ${i} ready`);
        c.broadcast();
      });
    }
    await c.locker.lock();
    let wakeUps = 0;
    while (ready !== 10) {
      await c.wait();
      wakeUps++;
    }
    const readyAtStart = ready;
    c.locker.unlock();
    log.push("start");
    assert.equal(readyAtStart, 10);
    assert.equal(log.at(-1), "start");
    assert.equal(log.filter((l) => l.endsWith("ready")).length, 10);
    assert.ok(wakeUps >= 1 && wakeUps <= 10, `the referee was woken ${wakeUps} times`);
  });

  test("mistake 2: a single wait without re-checking lets the race start early", async () => {
    const c = new Cond(new Mutex());
    let ready = 0;
    for (let i = 0; i < 10; i++) {
      go(async () => {
        for (let t = 0; t < i; t++) await yieldNow(); // runners get ready one after another
        await c.locker.lock();
        ready++;
        c.locker.unlock();
        c.broadcast();
      });
    }
    await c.locker.lock();
    await c.wait(); // no `for ready != 10` loop
    const readyAtStart = ready;
    c.locker.unlock();
    assert.ok(readyAtStart < 10, `woken once means nothing: only ${readyAtStart} runners were ready`);
  });

  test("mistake 1: calling Wait without Lock fails with `sync: unlock of unlocked mutex`", async () => {
    const c = new Cond(new Mutex());
    await assert.rejects(c.wait(), { name: "GoSyncError", message: "sync: unlock of unlocked mutex" });
  });

  test("Kubernetes' scheduling PriorityQueue: Pop waits on a Cond for Add, and Close releases it", async () => {
    const queueClosed = "scheduling queue is closed";
    class PriorityQueue {
      readonly #lock = new Mutex();
      readonly #cond = new Cond(this.#lock);
      readonly #activeQ: { pod: string; priority: number }[] = [];
      #closed = false;

      async add(pod: string, priority: number): Promise<void> {
        await this.#lock.lock();
        try {
          this.#activeQ.push({ pod, priority });
          this.#activeQ.sort((a, b) => b.priority - a.priority);
          this.#cond.broadcast();
        } finally {
          this.#lock.unlock();
        }
      }

      async pop(): Promise<string> {
        await this.#lock.lock();
        try {
          while (this.#activeQ.length === 0) {
            if (this.#closed) throw new Error(queueClosed);
            await this.#cond.wait();
          }
          return (this.#activeQ.shift() as { pod: string }).pod;
        } finally {
          this.#lock.unlock();
        }
      }

      async close(): Promise<void> {
        await this.#lock.lock();
        try {
          this.#closed = true;
          this.#cond.broadcast();
        } finally {
          this.#lock.unlock();
        }
      }
    }

    const q = new PriorityQueue();
    // Pods added before anyone pops come out by priority.
    await q.add("low", 1);
    await q.add("high", 10);
    await q.add("mid", 5);
    assert.deepEqual([await q.pop(), await q.pop(), await q.pop()], ["high", "mid", "low"]);

    // Three schedulers block on an empty queue; each Add releases one pod to one of them.
    const pops = [probe(q.pop()), probe(q.pop()), probe(q.pop())];
    await settle();
    assert.ok(
      pops.every((p) => p.pending),
      "Pop blocks on an empty queue",
    );
    await q.add("a", 1);
    await settle();
    assert.equal(pops.filter((p) => p.fulfilled).length, 1, "one pod, one Pop returns");
    await q.add("b", 2);
    await settle();
    assert.equal(pops.filter((p) => p.fulfilled).length, 2);
    const got = pops.flatMap((p) => (p.state.s === "fulfilled" ? [p.state.v] : []));
    assert.deepEqual(got.sort(), ["a", "b"]);

    // Close releases the last blocked Pop with an error instead of leaving it hanging.
    await q.close();
    await settle();
    const last = pops.find((p) => !p.fulfilled);
    assert.ok(last?.rejected);
    assert.equal((last.error as Error).message, queueClosed);
    await assert.rejects(q.pop(), { message: queueClosed });
  });
});
