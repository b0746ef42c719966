// A waiter cancelled and then granted before it resumes, for every primitive built on the shared
// waiter queue (internal/shared-queue.ts): Mutex, RWMutex, Semaphore, Cond, CyclicBarrier.
//
// Each test cancels the ctx and then, with no await in between, releases or grants from the same
// thread: the cancelled call has not resumed yet, as when its thread is busy or descheduled while
// another thread unlocks. Go's rule: a cancelled Lock/Acquire either acquires (and reports success)
// or does not (and rejects with ctx's error) — the grant is never lost and nothing is left stuck.
// x/sync/semaphore puts weight granted after the cancellation back (semaphore.go, Acquire).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, withCancel } from "../../src/index.js";
import {
  BrokenBarrierError,
  Cond,
  CyclicBarrier,
  Mutex,
  RWMutex,
  Semaphore,
} from "../../src/threads/index.js";

const T = { timeout: 10_000 };

/** How a promise settled: "ok", or the rejection. */
async function outcome(p: Promise<unknown>): Promise<"ok" | { readonly err: unknown }> {
  try {
    await p;
    return "ok";
  } catch (err) {
    return { err };
  }
}

describe("a cancelled waiter granted before it resumes", () => {
  test("Mutex: the lock reaches the next waiter; the cancelled lock() rejects or holds it", T, async () => {
    const mu = new Mutex();
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const l1 = mu.lock(ctx);
    const l2 = mu.lock();
    assert.equal(mu.waiters, 2);
    cancel();
    // Wakes the head, the cancelled waiter not resumed yet (or hands it the lock, if it has already
    // waited past the starvation threshold on a loaded machine: then it reports the lock).
    mu.unlock();
    const o = await outcome(l1);
    if (o === "ok") {
      assert.equal(mu.locked, true, "it holds the lock it reported");
      mu.unlock();
    } else {
      assert.equal(o.err, ctx.err());
    }
    await l2; // the wake (or the lock) was passed on
    assert.equal(mu.locked, true);
    assert.equal(mu.tryLock(), false, "held by the second waiter");
    mu.unlock();
    assert.equal(mu.waiters, 0);
    assert.equal(mu.tryLock(), true, "nothing left holding it");
    mu.unlock();
  });

  test(
    "RWMutex: a granted cancelled writer reports the lock (or passes it on); readers get in",
    T,
    async () => {
      const rw = new RWMutex();
      await rw.rLock();
      const [ctx, cancel] = withCancel(background());
      const w1 = rw.lock(ctx); // waits for the reader inside
      const r2 = rw.rLock(); // held back behind the waiting writer (Go's writer preference)
      assert.equal(rw.tryRLock(), false);
      cancel();
      rw.rUnlock(); // the last reader out grants the head: the cancelled writer, not resumed yet
      const o = await outcome(w1);
      if (o === "ok") {
        // It acquired: it holds the write lock, so the reader still waits until it unlocks.
        assert.equal(rw.tryRLock(), false, "the cancelled writer holds the lock it reported");
        rw.unlock();
      } else {
        assert.equal(o.err, ctx.err());
      }
      await r2;
      assert.equal(rw.tryLock(), false, "the reader holds it");
      rw.rUnlock();
      assert.equal(rw.tryLock(), true, "nothing left holding it");
      rw.unlock();
    },
  );

  test("Mutex in starvation mode: a hand-off to a cancelled waiter is reported as acquired", T, async () => {
    const mu = new Mutex();
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const l1 = mu.lock(ctx);
    const l2 = mu.lock();
    // Let the head wait past the starvation threshold (1 ms, as Go's starvationThresholdNs), so
    // unlock() hands the lock to it directly instead of waking it to compete.
    const t0 = Date.now();
    while (Date.now() - t0 < 5) {}
    cancel();
    mu.unlock(); // hand-off to the cancelled waiter, not resumed yet: the word stays held
    const o = await outcome(l1);
    if (o === "ok") {
      assert.equal(mu.locked, true, "it holds the lock it reported");
      mu.unlock();
    } else {
      assert.equal(o.err, ctx.err());
    }
    await l2; // the lock was passed on either way
    mu.unlock();
    assert.equal(mu.waiters, 0);
    assert.equal(mu.tryLock(), true, "nothing left holding it");
    mu.unlock();
  });

  test("Semaphore: weight granted after cancel() goes back and reaches the next waiter", T, async () => {
    const sem = new Semaphore(2);
    await sem.acquire(2);
    const [ctx, cancel] = withCancel(background());
    const a1 = sem.acquire(2, ctx);
    const a2 = sem.acquire(1);
    const a3 = sem.acquire(1);
    cancel();
    sem.release(2); // grants the head: the cancelled waiter, not resumed yet
    await assert.rejects(a1, (e) => e === ctx.err()); // as x/sync: ctx done wins, weight put back
    await Promise.all([a2, a3]);
    assert.equal(sem.tryAcquire(1), false, "both permits held by the two waiters behind");
    sem.release(2);
    assert.equal(sem.waiters, 0);
    assert.equal(sem.tryAcquire(2), true, "no weight lost");
    sem.release(2);
  });

  test("Cond: a signal given after cancel() wakes exactly one waiter, never none", T, async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    await mu.lock();
    const [ctx, cancel] = withCancel(background());
    const w1 = outcome(cond.wait(ctx));
    await mu.lock();
    const w2 = outcome(cond.wait());
    await mu.lock();
    assert.equal(cond.waiters, 2);
    cancel();
    cond.signal(); // goes to the head: the cancelled waiter, not resumed yet
    mu.unlock();
    const o1 = await w1;
    assert.equal(mu.locked, true, "the cancelled wait re-locked before returning");
    mu.unlock();
    if (o1 === "ok") {
      // The signal was its: the second waiter was not woken and still waits.
      assert.equal(cond.waiters, 1);
      cond.signal();
    } else {
      assert.equal(o1.err, ctx.err());
    }
    assert.equal(await w2, "ok", "the second waiter woke");
    assert.equal(cond.waiters, 0);
    mu.unlock();
  });

  test("CyclicBarrier: a trip after cancel() passes every party or breaks it for all", T, async () => {
    const b = new CyclicBarrier(3);
    const [ctx, cancel] = withCancel(background());
    const p1 = outcome(b.await(ctx));
    const p2 = outcome(b.await());
    cancel();
    const p3 = outcome(b.await()); // the last party trips the barrier at once
    const [o1, o2, o3] = await Promise.all([p1, p2, p3]);
    if (o1 === "ok") {
      assert.deepEqual([o2, o3], ["ok", "ok"], "the round passed for every party");
      assert.equal(b.broken, false);
    } else {
      assert.equal(o1.err, ctx.err());
      for (const o of [o2, o3]) assert.ok(o !== "ok" && o.err instanceof BrokenBarrierError);
      assert.equal(b.broken, true);
      b.reset();
    }
    assert.equal(b.waiting, 0, "no party left counted");
    const next = [b.await(), b.await(), b.await()];
    await Promise.all(next); // the barrier still works
  });
});
