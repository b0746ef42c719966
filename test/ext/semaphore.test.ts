// Semaphore (x/sync/semaphore.Weighted): every rule, and the lesson's worker example
// (Go 并发编程实战课 lesson 16). The ports of x/sync's own semaphore_test.go are in semaphore.xsync.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, GoSyncError, go, Semaphore, WaitGroup, withCancel } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, settle, unhandledDuring } from "./helpers.js";

leakCheck();

const RELEASED_MORE = { name: "GoSyncError", message: "semaphore: released more than held" };

describe("Semaphore: state", () => {
  test("a new Semaphore has its size, nothing held, nobody waiting, and keeps its name", () => {
    const sem = new Semaphore(3, "db");
    assert.equal(sem.size, 3);
    assert.equal(sem.held, 0);
    assert.equal(sem.waiters, 0);
    assert.equal(sem.name, "db");
    assert.equal(new Semaphore(1).name, undefined);
  });

  test("acquire takes n permits at once when they are free; release gives them back", async () => {
    const sem = new Semaphore(5);
    await sem.acquire(2);
    assert.equal(sem.held, 2);
    await sem.acquire(); // n defaults to 1
    assert.equal(sem.held, 3);
    sem.release(2);
    assert.equal(sem.held, 1);
    sem.release(); // n defaults to 1
    assert.equal(sem.held, 0);
  });

  test("the fast path settles without waiting for the event loop", async () => {
    const sem = new Semaphore(1);
    const t = probe(sem.acquire());
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(t.fulfilled, true);
  });

  test("acquire(0) succeeds at once on a full semaphore with nobody waiting", async () => {
    const sem = new Semaphore(1);
    await sem.acquire(1);
    await sem.acquire(0);
    assert.equal(sem.held, 1);
  });

  test("a waiter is granted when enough permits are released, not before", async () => {
    const sem = new Semaphore(3);
    await sem.acquire(3);
    const w = probe(sem.acquire(2));
    await settle();
    assert.equal(w.pending, true);
    assert.equal(sem.waiters, 1);
    sem.release(1);
    await settle();
    assert.equal(w.pending, true, "1 free permit is not enough for 2");
    sem.release(1);
    assert.equal(sem.waiters, 0, "granted synchronously by release");
    assert.equal(sem.held, 3, "the 2 permits are already the waiter's");
    await settle();
    assert.equal(w.fulfilled, true);
  });
});

describe("Semaphore: strict FIFO", () => {
  test("a large request at the head blocks smaller ones behind it, even when they would fit", async () => {
    const sem = new Semaphore(10);
    await sem.acquire(5);
    const big = probe(sem.acquire(10));
    const small = probe(sem.acquire(1));
    await settle();
    assert.equal(big.pending, true);
    assert.equal(small.pending, true, "5 permits are free, but the head needs 10");
    assert.equal(sem.waiters, 2);
    sem.release(5);
    await settle();
    assert.equal(big.fulfilled, true);
    assert.equal(small.pending, true, "the head took everything");
    sem.release(10);
    await settle();
    assert.equal(small.fulfilled, true);
    assert.equal(sem.held, 1);
  });

  test("a newcomer never jumps the queue, even when its request fits", async () => {
    const sem = new Semaphore(4);
    await sem.acquire(3);
    const head = probe(sem.acquire(2));
    const newcomer = probe(sem.acquire(1));
    await settle();
    assert.equal(newcomer.pending, true, "1 permit is free, but someone waits ahead");
    assert.equal(head.pending, true);
    sem.release(3); // 4 free: head (2) and newcomer (1) both fit, in that order
    const order: string[] = [];
    head.promise.then(() => order.push("head"));
    newcomer.promise.then(() => order.push("newcomer"));
    await settle();
    assert.deepEqual(order, ["head", "newcomer"]);
    assert.equal(sem.held, 3);
  });

  test("one release grants as many waiters as fit, in order, and stops at the first that does not", async () => {
    const sem = new Semaphore(6);
    await sem.acquire(6);
    const ws = [1, 2, 3, 1].map((n) => ({ n, t: probe(sem.acquire(n)) }));
    const order: number[] = [];
    for (const [i, w] of ws.entries()) w.t.promise.then(() => order.push(i));
    sem.release(4); // 1 + 2 fit (3), then 3 does not fit in the 1 left: the 1 behind it waits too
    await settle();
    assert.deepEqual(order, [0, 1]);
    assert.equal(sem.held, 5);
    assert.equal(sem.waiters, 2);
    sem.release(2); // 3 free: the 3 fits, the 1 behind it does not any more
    await settle();
    assert.deepEqual(order, [0, 1, 2]);
    assert.equal(sem.held, 6);
    sem.release(1);
    await settle();
    assert.deepEqual(order, [0, 1, 2, 3]);
    assert.equal(sem.held, 6);
    assert.equal(sem.waiters, 0);
  });

  test("tryAcquire fails while anyone waits, even when its request would fit", async () => {
    const sem = new Semaphore(10);
    await sem.acquire(5);
    const head = probe(sem.acquire(6));
    await settle();
    assert.equal(sem.tryAcquire(1), false, "5 free, but a waiter is queued");
    assert.equal(sem.held, 5, "a failed tryAcquire takes nothing");
    sem.release(5);
    await settle();
    assert.equal(head.fulfilled, true);
    assert.equal(sem.tryAcquire(4), true, "nobody waits and 4 fit");
    assert.equal(sem.tryAcquire(1), false, "full");
    assert.equal(sem.held, 10);
  });

  test("tryAcquire takes n permits when they are free and nobody waits", () => {
    const sem = new Semaphore(3);
    assert.equal(sem.tryAcquire(2), true);
    assert.equal(sem.tryAcquire(2), false);
    assert.equal(sem.tryAcquire(), true);
    assert.equal(sem.held, 3);
  });
});

describe("Semaphore: cancellation", () => {
  test("a cancelled waiter rejects with ctx.err(), takes nothing, and leaves the queue", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const [ctx, cancel] = withCancel(background());
    const w = probe(sem.acquire(1, ctx));
    await settle();
    assert.equal(sem.waiters, 1);
    cancel();
    assert.equal(sem.waiters, 0, "left the queue synchronously");
    await settle();
    assert.equal(w.error, Canceled);
    sem.release();
    assert.equal(sem.held, 0, "the cancelled waiter was never granted");
  });

  test("an AbortSignal works as ctx: the waiter rejects with signal.reason", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const ac = new AbortController();
    const w = probe(sem.acquire(1, ac.signal));
    const why = new Error("user went away");
    ac.abort(why);
    await settle();
    assert.equal(w.error, why);
    assert.equal(sem.waiters, 0);
    assert.equal(sem.held, 1);
  });

  test("a cancelled head waiter lets those behind it proceed if they fit now", async () => {
    const sem = new Semaphore(10);
    await sem.acquire(1);
    const ac = new AbortController();
    const head = probe(sem.acquire(10, ac.signal));
    const b = probe(sem.acquire(1));
    const c = probe(sem.acquire(5));
    const d = probe(sem.acquire(4)); // 1 + 1 + 5 + 4 = 11 > 10: d must keep waiting
    await settle();
    assert.deepEqual([b.pending, c.pending, d.pending], [true, true, true]);
    ac.abort();
    await settle();
    assert.equal(head.rejected, true);
    assert.deepEqual([b.fulfilled, c.fulfilled, d.pending], [true, true, true]);
    assert.equal(sem.held, 7);
    assert.equal(sem.waiters, 1);
    sem.release(1); // 6 held: d (4) fits now
    await d.promise;
    assert.deepEqual([sem.held, sem.waiters], [10, 0]);
  });

  test("a cancelled waiter behind the head changes nothing for the head", async () => {
    const sem = new Semaphore(4);
    await sem.acquire(3);
    const head = probe(sem.acquire(2));
    const ac = new AbortController();
    const behind = probe(sem.acquire(1, ac.signal));
    const last = probe(sem.acquire(1));
    ac.abort();
    await settle();
    assert.equal(behind.rejected, true);
    assert.equal(head.pending, true);
    assert.equal(last.pending, true, "still behind the head");
    assert.equal(sem.waiters, 2);
    sem.release(3);
    await settle();
    assert.equal(head.fulfilled, true);
    assert.equal(last.fulfilled, true);
    assert.equal(sem.held, 3);
  });

  test("an already-cancelled ctx fails even if permits are free (current x/sync)", async () => {
    const sem = new Semaphore(5);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(sem.acquire(1, ctx), (e) => e === Canceled);
    const ac = new AbortController();
    const why = new Error("aborted");
    ac.abort(why);
    await assert.rejects(sem.acquire(1, ac.signal), (e) => e === why);
    assert.equal(sem.held, 0);
    assert.equal(sem.waiters, 0);
  });

  test("cancelling after the grant changes nothing: the permits stay held", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const [ctx, cancel] = withCancel(background());
    const w = probe(sem.acquire(1, ctx));
    sem.release();
    await settle();
    assert.equal(w.fulfilled, true);
    cancel();
    await settle();
    assert.equal(sem.held, 1);
    assert.equal(w.fulfilled, true);
  });

  test("waiters sharing one ctx: cancelling it grants none of them (current x/sync)", async () => {
    // One ctx for many acquires is the common case (a request's ctx; x/sync's own
    // TestWeightedDoesntBlockIfTooBig shares errgroup's ctx). Current x/sync: an Acquire whose ctx is
    // done never succeeds (it puts back permits it was handed while being cancelled).
    const sem = new Semaphore(2);
    await sem.acquire(1);
    const [ctx, cancel] = withCancel(background());
    await unhandledDuring(async () => {
      const a = probe(sem.acquire(2, ctx)); // the head: does not fit
      const b = probe(sem.acquire(1, ctx)); // fits once the head is gone
      await settle();
      cancel();
      await settle();
      assert.equal(a.error, Canceled);
      assert.equal(
        b.state.s,
        "rejected",
        "b's ctx was cancelled before b was granted: it must not be granted",
      );
      assert.equal(sem.held, 1);
      assert.equal(sem.waiters, 0);
    });
  });

  test("waiters sharing one ctx: cancelling it leaves no unhandled rejection behind", async () => {
    const sem = new Semaphore(2);
    await sem.acquire(1);
    const [ctx, cancel] = withCancel(background());
    const unhandled = await unhandledDuring(async () => {
      sem.acquire(2, ctx).catch(() => {});
      sem.acquire(1, ctx).then(
        () => sem.release(1),
        () => {},
      );
      await settle();
      cancel();
    });
    assert.deepEqual(unhandled, [], "a rejection nobody can handle kills a Node process");
  });
});

describe("Semaphore: misuse and bad input", () => {
  test("release of more than held throws `semaphore: released more than held` and changes nothing", async () => {
    const sem = new Semaphore(3);
    assert.throws(() => sem.release(1), RELEASED_MORE);
    await sem.acquire(2);
    const w = probe(sem.acquire(2));
    let err: unknown;
    try {
      sem.release(3);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError);
    assert.equal(sem.held, 2, "held unchanged");
    assert.equal(sem.waiters, 1, "queue unchanged");
    await settle();
    assert.equal(w.pending, true, "nobody was granted by the failed release");
    sem.release(2);
    await settle();
    assert.equal(w.fulfilled, true, "the semaphore still works");
    assert.equal(sem.held, 2);
  });

  test("tryAcquire(n) above the size returns false, as x/sync's TryAcquire", () => {
    const sem = new Semaphore(2);
    assert.equal(sem.tryAcquire(3), false);
    assert.equal(sem.held, 0);
    assert.equal(sem.tryAcquire(2), true, "the semaphore is untouched");
  });

  test("acquire(n) above the size waits for its ctx and rejects with its error, blocking nobody (x/sync)", async () => {
    const sem = new Semaphore(2);
    const [ctx, cancel] = withCancel(background());
    const doomed = probe(sem.acquire(3, ctx));
    const small = probe(sem.acquire(1));
    await settle();
    assert.equal(doomed.pending, true, "it waits: it can never be granted, but the ctx may end it");
    assert.equal(small.fulfilled, true, "a request that can never fit does not hold up the queue");
    assert.equal(sem.waiters, 0, "the doomed request is not queued");
    cancel();
    await settle();
    assert.equal(doomed.rejected, true);
    assert.equal(doomed.error, Canceled);
    assert.equal(sem.held, 1, "nothing was acquired by the doomed request");
    sem.release(1);
  });

  test("acquire(n) above the size never throws synchronously: .catch sees a bad ctx", async () => {
    const sem = new Semaphore(2);
    await assert.rejects(sem.acquire(3, {} as AbortSignal), TypeError);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(sem.acquire(3, ctx), (e: unknown) => e === Canceled);
  });

  test("the RangeError names the argument", async () => {
    await assert.rejects(new Semaphore(2).acquire(-1), /\bn\b/);
    assert.throws(() => new Semaphore(-1), /size/);
  });

  test("bad sizes, weights and contexts throw at once", async () => {
    for (const size of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, "2" as unknown as number]) {
      assert.throws(() => new Semaphore(size), RangeError, `size ${String(size)}`);
    }
    const sem = new Semaphore(4);
    for (const n of [-1, 0.5, Number.NaN, "1" as unknown as number, null as unknown as number]) {
      await assert.rejects(sem.acquire(n), RangeError, `acquire(${String(n)})`);
      assert.throws(() => sem.tryAcquire(n), RangeError, `tryAcquire(${String(n)})`);
      assert.throws(() => sem.release(n), RangeError, `release(${String(n)})`);
    }
    await assert.rejects(sem.acquire(1, {} as AbortSignal), TypeError);
    assert.equal(sem.held, 0);
  });
});

describe("Semaphore: the lesson's worker example (Go 并发编程实战课 lesson 16)", () => {
  test("workers bounded by the semaphore; acquiring all of it waits for every worker", async () => {
    const maxWorkers = 4;
    const sema = new Semaphore(maxWorkers);
    const task: number[] = new Array(maxWorkers * 4).fill(0);
    let running = 0;
    let maxRunning = 0;
    for (let i = 0; i < task.length; i++) {
      await sema.acquire(1, background());
      go(async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await settle(1);
        task[i] = i + 1;
        running--;
        sema.release(1);
      });
    }
    await sema.acquire(maxWorkers, background());
    assert.deepEqual(
      task,
      task.map((_, i) => i + 1),
    );
    assert.equal(maxRunning, maxWorkers);
    assert.equal(running, 0);
  });

  test("a binary semaphore is a mutex: 100 tasks never overlap", async () => {
    const sem = new Semaphore(1);
    const wg = new WaitGroup();
    let inside = 0;
    let overlaps = 0;
    let count = 0;
    for (let i = 0; i < 100; i++) {
      wg.go(async () => {
        await sem.acquire();
        inside++;
        if (inside > 1) overlaps++;
        await settle(1);
        count++;
        inside--;
        sem.release();
      });
    }
    await wg.wait();
    assert.equal(overlaps, 0);
    assert.equal(count, 100);
  });
});
