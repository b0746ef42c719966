// Cond, Once and CyclicBarrier across worker threads.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, GoSyncError, withCancel } from "../../src/index.js";
import {
  AtomicInt32,
  BrokenBarrierError,
  Cond,
  CyclicBarrier,
  Mutex,
  Once,
} from "../../src/threads/index.js";
import { agents, drain } from "./helpers.js";

const T = { timeout: 30_000 };
const pool = await agents(3, new URL("./fixtures/prims.ts", import.meta.url));

describe("threads Cond", () => {
  test("signal wakes one waiting thread, broadcast the rest; each re-locks before returning", T, async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const items = new AtomicInt32();
    const runs = pool.map((a) => a.start<string>("condConsume", [mu, cond, items]));
    await Promise.all(runs.map((r) => r.started));
    while (cond.waiters < 3) await new Promise((r) => setTimeout(r, 1)); // blocked workers cannot answer a ping
    await mu.lock();
    items.add(1);
    cond.signal();
    mu.unlock();
    const first = await Promise.race(runs.map((r) => r.result));
    assert.equal(first, "took one");
    while (cond.waiters > 2) await new Promise((r) => setTimeout(r, 1)); // the signalled one left
    assert.equal(cond.waiters, 2, "signal woke exactly one");
    await mu.lock();
    items.add(2);
    cond.broadcast();
    mu.unlock();
    assert.deepEqual(await Promise.all(runs.map((r) => r.result)), ["took one", "took one", "took one"]);
    assert.equal(items.load(), 0);
    assert.equal(mu.locked, false);
  });

  test(
    "a cancelled async wait rejects holding the lock and leaves the list; waiting unlocked throws",
    T,
    async () => {
      const mu = new Mutex();
      const cond = new Cond(mu);
      await mu.lock();
      const [ctx, cancel] = withCancel(background());
      const w = cond.wait(ctx);
      assert.equal(cond.waiters, 1);
      assert.equal(mu.locked, false, "wait released the mutex");
      cancel();
      await assert.rejects(w, (e) => e === ctx.err());
      assert.equal(mu.locked, true, "re-locked before rejecting");
      assert.equal(cond.waiters, 0);
      mu.unlock();
      await assert.rejects(cond.wait(), /sync: unlock of unlocked mutex/);
      assert.equal(cond.waiters, 0, "the failed wait left the list");
      assert.throws(() => new Cond({} as never), /TypeError: mutex must be a gosync\/threads Mutex/);
    },
  );
});

describe("threads Once", () => {
  test("one fn runs, on one thread; every caller on every thread returns after it finished", T, async () => {
    const once = new Once();
    const runs = new AtomicInt32();
    const fin = new AtomicInt32();
    const seen = await Promise.all(pool.map((a) => a.call("onceAsync", [once, runs, fin])));
    assert.deepEqual(seen, [1, 1, 1]);
    assert.equal(runs.load(), 1);
    assert.equal(once.done, true);
    let again = false;
    await once.do(() => {
      again = true;
    });
    assert.equal(again, false);
  });

  test(
    "a fn that throws still counts as done (Go): its caller gets the error, later callers return",
    T,
    async () => {
      const once = new Once();
      const runs = new AtomicInt32();
      assert.equal(await pool[0]!.call("onceThrows", [once, runs]), "threw: init failed");
      assert.equal(await pool[1]!.call("onceThrows", [once, runs]), "returned");
      assert.equal(runs.load(), 1);
      assert.equal(once.done, true);
    },
  );

  test("doSync: callers on other threads block until the running fn has finished", T, async () => {
    const once = new Once();
    const runs = new AtomicInt32();
    const go = new AtomicInt32();
    const first = pool[0]!.start<number>("onceSyncSlow", [once, runs, go]);
    await first.started;
    while (runs.load() === 0) await drain(pool.slice(1));
    const second = pool[1]!.start<number>("onceSyncSlow", [once, runs, go]);
    await second.started;
    assert.equal(once.done, false, "fn still running");
    go.store(1);
    assert.deepEqual(await Promise.all([first.result, second.result]), [1, 1]);
    assert.equal(once.done, true);
  });

  test(
    "calling do from inside fn throws instead of deadlocking; bad fn is a rejected TypeError",
    T,
    async () => {
      const once = new Once();
      let inner: Promise<void> | undefined;
      await once.do(() => {
        inner = once.do(() => {});
      });
      await assert.rejects(
        inner!,
        (e: unknown) => e instanceof GoSyncError && /inside its own function/.test(e.message),
      );
      await assert.rejects(new Once().do(42 as never), TypeError);
    },
  );
});

describe("threads CyclicBarrier", () => {
  test("three threads and the main thread meet at the barrier, round after round", T, async () => {
    const b = new CyclicBarrier(4);
    for (let round = 0; round < 3; round++) {
      const runs = pool.map((a, i) =>
        a.call(i === 0 ? "invokeSync" : "invoke", [b, i === 0 ? "awaitSync" : "await"]),
      );
      while (b.waiting < 3) await drain(pool.slice(1)); // pool[0] is blocked in awaitSync
      assert.equal(b.waiting, 3);
      await b.await();
      const out = await Promise.all(runs);
      assert.equal(out[0], "ok");
      assert.equal(b.waiting, 0);
    }
  });

  test("a party cancelled on a worker breaks the barrier for all until reset()", T, async () => {
    const b = new CyclicBarrier(3);
    const [ctx, cancel] = withCancel(background());
    const victim = pool[0]!.start<string>("invokeSync", [b, "awaitSync", ctx]);
    await victim.started;
    const other = assert.rejects(b.await(), BrokenBarrierError); // observed from the start
    while (b.waiting < 2) await drain(pool.slice(1)); // pool[0] is blocked in awaitSync
    cancel();
    assert.equal(await victim.result, "threw: context canceled");
    await other;
    assert.equal(b.broken, true);
    await assert.rejects(b.await(), /broken barrier/);
    b.reset();
    assert.equal(b.broken, false);
    const runs = pool.slice(0, 2).map((a) => a.call("invoke", [b, "await"]));
    await b.await();
    await Promise.all(runs);
    assert.throws(() => new CyclicBarrier(0), /RangeError: parties must be an integer >= 1/);
  });
});
