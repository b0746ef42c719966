// Ports of golang.org/x/sync/semaphore/semaphore_test.go (our own code, same scenarios). Go's
// sleeps become event-loop turns; Go's timeout (TestAllocCancelDoesntStarve) runs in virtual time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  Chan,
  DeadlineExceeded,
  ErrGroup,
  GoSyncError,
  go,
  Semaphore,
  WaitGroup,
  withCancel,
  withTimeout,
  yieldNow,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { jitter, probe, rng, settle } from "./helpers.js";

leakCheck();

describe("x/sync semaphore_test.go", () => {
  test("TestWeighted: n tasks hammer a Weighted(n), each with weight i; never more than n held", async () => {
    const n = 4;
    const loops = Math.floor(10000 / n);
    const sem = new Semaphore(n);
    const random = rng(1);
    const wg = new WaitGroup();
    let held = 0;
    let over = 0;
    let rounds = 0;
    for (let i = 0; i < n; i++) {
      wg.go(async () => {
        for (let j = 0; j < loops; j++) {
          await sem.acquire(i);
          held += i;
          if (held > n) over++;
          if (random(8) < 1) await jitter(random, 2);
          else await Promise.resolve();
          held -= i;
          sem.release(i);
          rounds++;
        }
      });
    }
    await wg.wait();
    assert.equal(over, 0);
    assert.equal(rounds, n * loops);
    assert.equal(sem.held, 0);
  });

  test("TestWeightedPanic: release of an unacquired semaphore throws (Go panics)", () => {
    const w = new Semaphore(1);
    assert.throws(
      () => w.release(1),
      (e) => e instanceof GoSyncError && e.message === "semaphore: released more than held",
    );
  });

  test("TestWeightedTryAcquire", async () => {
    const ctx = background();
    const sem = new Semaphore(2);
    const tries: boolean[] = [];
    await sem.acquire(1, ctx);
    tries.push(sem.tryAcquire(1));
    tries.push(sem.tryAcquire(1));
    sem.release(2);
    tries.push(sem.tryAcquire(1));
    await sem.acquire(1, ctx);
    tries.push(sem.tryAcquire(1));
    assert.deepEqual(tries, [true, false, true, false]);
  });

  test("TestWeightedAcquire: acquire that gives up unless granted soon succeeds or fails as Go's", async () => {
    // Go gives each attempt a 10 ms timeout; here the attempt is cancelled once the event loop has
    // drained without granting it (deterministic, and the same outcome).
    const ctx = background();
    const sem = new Semaphore(2);
    const errors: unknown[] = [];
    const tryAcquire = async (n: number): Promise<boolean> => {
      const [c, cancel] = withCancel(ctx);
      const t = probe(sem.acquire(n, c));
      await settle();
      cancel();
      await settle(1);
      if (t.fulfilled) return true;
      errors.push(t.error);
      return false;
    };
    const tries: boolean[] = [];
    await sem.acquire(1, ctx);
    tries.push(await tryAcquire(1));
    tries.push(await tryAcquire(1));
    sem.release(2);
    tries.push(await tryAcquire(1));
    await sem.acquire(1, ctx);
    tries.push(await tryAcquire(1));
    assert.deepEqual(tries, [true, false, true, false]);
    assert.deepEqual(errors, [Canceled, Canceled]);
    assert.equal(sem.waiters, 0, "the given-up waiters left the queue");
  });

  test("TestWeightedDoesntBlockIfTooBig: a too-big request waits for its ctx and blocks nobody", async () => {
    const n = 2;
    const sem = new Semaphore(n);
    const [bigCtx, cancel] = withCancel(background());
    const big = sem.acquire(n + 1, bigCtx); // Go: `go sem.Acquire(ctx, n+1)`, cancelled by the defer
    const [g, ctx] = ErrGroup.withContext(background());
    let acquired = 0;
    for (let i = n * 3; i > 0; i--) {
      g.go(async () => {
        await sem.acquire(1, ctx);
        acquired++;
        await yieldNow();
        sem.release(1);
      });
    }
    await g.wait();
    assert.equal(acquired, n * 3);
    cancel();
    await assert.rejects(big, (e: unknown) => e === Canceled);
  });

  test("TestLargeAcquireDoesntStarve: a large acquire is not starved by tasks cycling small ones", async () => {
    const ctx = background();
    const n = 4;
    const sem = new Semaphore(n);
    let running = true;
    let bigQueued = false;
    let bigGranted = false;
    let overtakes = 0; // a small acquire completing while the big one waits: a starvation step
    const wg = new WaitGroup();
    for (let i = n; i > 0; i--) {
      await sem.acquire(1, ctx);
      wg.go(async () => {
        try {
          while (running) {
            await yieldNow();
            sem.release(1);
            await sem.acquire(1, ctx);
            if (bigQueued && !bigGranted) overtakes++;
          }
        } finally {
          sem.release(1);
        }
      });
    }
    await settle(2);
    const big = sem.acquire(n, ctx);
    bigQueued = true;
    await big;
    bigGranted = true;
    running = false;
    sem.release(n);
    await wg.wait();
    assert.equal(overtakes, 0, "FIFO: once the big request waits, nobody overtakes it");
    assert.equal(sem.held, 0);
  });

  test("TestAllocCancelDoesntStarve: cancelling a large head request unblocks a small one behind it", () =>
    // In virtual time: the write request gives up at exactly 50 ms, and no real time passes.
    synctest(async (bubble) => {
      const sem = new Semaphore(10);
      await sem.acquire(1, background()); // hold 1 read lock
      const [ctx, cancel] = withTimeout(background(), 50); // a write lock that gives up after 50 ms
      // The requests wait in tasks of their own, so that the test can wait until they are queued.
      const write = new Chan<unknown>(1);
      go(() =>
        sem.acquire(10, ctx).then(
          () => write.send("granted"),
          (e: unknown) => write.send(e),
        ),
      );
      await synctest.wait();
      assert.equal(sem.waiters, 1, "the write request is queued");
      const read = new Chan<number>(1);
      go(async () => {
        await sem.acquire(1, background()); // queued behind the write request
        await read.send(bubble.elapsed());
      });
      await synctest.wait();
      assert.deepEqual([sem.waiters, read.length], [2, 0], "the read request waits behind the write");
      assert.equal(await write.recv(), DeadlineExceeded, "the write request gave up");
      assert.equal(bubble.elapsed(), 50);
      assert.equal(await read.recv(), 50, "notified when the request ahead was cancelled");
      cancel();
      sem.release(1);
      sem.release(1);
      assert.equal(sem.held, 0);
    }));

  test("TestAllocCancelDoesntStarve (translated variant): cancel and acquire race, both return", async () => {
    const sem = new Semaphore(10);
    await sem.acquire(1, background());
    const [ctx, cancel] = withCancel(background());
    const big = probe(sem.acquire(10, ctx));
    while (sem.tryAcquire(1)) {
      sem.release(1);
      await yieldNow();
    }
    go(cancel);
    await sem.acquire(1, background());
    sem.release(1);
    await settle();
    assert.equal(big.rejected, true);
  });
});
