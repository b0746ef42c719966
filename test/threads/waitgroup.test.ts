// WaitGroup across threads: wait for workers, waitSync on a worker, shared-ctx cancellation of a
// blocked waiter with no residue, Go's panic, and a model check of add/done/wait.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { background, GoSyncError, withCancel, withTimeout } from "../../src/index.js";
import { AtomicInt32, WaitGroup } from "../../src/threads/index.js";
import { agents, drain } from "./helpers.js";

const T = { timeout: 30_000 };
const pool = await agents(3, new URL("./fixtures/prims.ts", import.meta.url));

describe("threads WaitGroup", () => {
  test("the main thread waits (async) for three workers; their work is all visible after", T, async () => {
    const wg = new WaitGroup();
    const sum = new AtomicInt32();
    wg.add(3);
    const runs = pool.map((a) => a.call("wgWork", [wg, sum, 10_000]));
    await wg.wait();
    assert.equal(sum.load(), 30_000);
    assert.equal(wg.count, 0);
    await Promise.all(runs);
  });

  test("a worker blocks in waitSync until the main thread's done()", T, async () => {
    const wg = new WaitGroup();
    wg.add(2);
    const run = pool[0]!.start<string>("invokeSync", [wg, "waitSync"]);
    await run.started;
    wg.done();
    await drain(pool.slice(1));
    wg.done();
    assert.equal(await run.result, "ok");
  });

  test("a worker blocked in waitSync wakes on shared-ctx cancel, and the group still works", T, async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const [ctx, cancel] = withCancel(background());
    const run = pool[1]!.start<string>("invokeSync", [wg, "waitSync", ctx]);
    await run.started;
    cancel();
    assert.equal(await run.result, "threw: context canceled");
    assert.equal(wg.waiters, 0, "the cancelled waiter counted itself out");
    const again = pool[2]!.start<string>("invokeSync", [wg, "waitSync"]);
    await again.started;
    wg.done();
    assert.equal(await again.result, "ok");
  });

  test("an async wait on a worker honours a deadline", T, async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const [ctx, cancel] = withTimeout(background(), 30);
    await assert.rejects(pool[0]!.call("invoke", [wg, "wait", ctx]), /context deadline exceeded/);
    cancel();
    wg.done();
    await wg.wait();
  });

  test("a negative counter is Go's panic and changes nothing; bad delta is a RangeError", T, () => {
    const wg = new WaitGroup();
    wg.add(1);
    assert.throws(
      () => wg.add(-2),
      (e: unknown) => e instanceof GoSyncError && e.message === "sync: negative WaitGroup counter",
    );
    assert.equal(wg.count, 1);
    assert.throws(() => wg.add(1.5), /RangeError: delta must be an integer/);
    wg.done();
    assert.throws(() => wg.done(), /negative WaitGroup counter/);
  });

  test(
    "Go's reuse panic across threads: a worker starts the next round before a Wait here returned",
    T,
    async () => {
      const wg = new WaitGroup();
      wg.add(1);
      const waiting = wg.wait(); // counted in as a waiter now; it returns on a later turn of this thread
      assert.equal(wg.waiters, 1);
      const flag = new Int32Array(new SharedArrayBuffer(4));
      const next = pool[0]!.call("wgNextRound", [wg, flag]);
      // Block this thread until the worker has run done() and add(1): the waiter cannot return before.
      Atomics.wait(flag, 0, 0, 20_000);
      await assert.rejects(
        waiting,
        (e: unknown) =>
          e instanceof GoSyncError &&
          e.message === "sync: WaitGroup is reused before previous Wait has returned",
      );
      await next;
      assert.equal(wg.count, 1, "the new round stands");
      wg.done();
      await wg.wait();
    },
  );

  test(
    "Go's TestWaitGroup (sync/waitgroup_test.go), the goroutines on threads: 8 rounds, same groups",
    T,
    async () => {
      const wg1 = new WaitGroup();
      const wg2 = new WaitGroup();
      for (let round = 0; round < 8; round++) {
        const n = pool.length;
        const exited = new AtomicInt32();
        wg1.add(n);
        wg2.add(n);
        const runs = pool.map((a) => a.call("wgRelay", [wg1, wg2, exited]));
        await wg1.wait();
        for (let i = 0; i < n; i++) {
          assert.equal(exited.load(), 0, "WaitGroup released group too soon");
          wg2.done();
        }
        await Promise.all(runs); // hangs (and the test times out) if the barrier fails to release someone
        assert.equal(exited.load(), n);
      }
    },
  );

  test("a round that ends before anyone reuses it: every waiter, on any thread, returns", T, async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const here = wg.wait();
    const there = pool.map((a) => a.start<string>("invokeSync", [wg, "waitSync"]));
    await Promise.all(there.map((r) => r.started));
    while (wg.waiters < 4) await new Promise((r) => setTimeout(r, 1)); // the workers cannot answer
    wg.done();
    await here;
    assert.deepEqual(await Promise.all(there.map((r) => r.result)), ["ok", "ok", "ok"]);
    assert.equal(wg.waiters, 0);
    wg.add(1); // the next round, after every Wait returned: allowed
    wg.done();
  });

  test("Go's negative-counter panic holds across threads, and changes nothing", T, async () => {
    const wg = new WaitGroup();
    wg.add(2);
    assert.equal(await pool[0]!.call("invokeSync", [wg, "done"]), "ok");
    assert.equal(
      await pool[1]!.call("invokeSync", [wg, "add", -2]),
      "threw: sync: negative WaitGroup counter",
    );
    assert.equal(wg.count, 1);
    assert.equal(await pool[2]!.call("invokeSync", [wg, "done"]), "ok");
    assert.equal(await pool[0]!.call("invokeSync", [wg, "done"]), "threw: sync: negative WaitGroup counter");
    assert.equal(wg.count, 0);
  });

  test(
    "racing done() on three threads past zero: exactly the surplus throws, and the counter ends at 0",
    T,
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 3, maxLength: 3 }),
          fc.integer({ min: 0, max: 9000 }),
          async (dones, start) => {
            const wg = new WaitGroup();
            wg.add(start);
            const total = dones.reduce((x, y) => x + y, 0);
            const waiting = wg.wait();
            const panics = await Promise.all(pool.map((a, i) => a.call<number>("wgDones", [wg, dones[i]])));
            assert.equal(
              panics.reduce((x, y) => x + y, 0),
              Math.max(0, total - start),
            );
            assert.equal(wg.count, Math.max(0, start - total));
            if (wg.count === 0) await waiting;
            else {
              wg.add(-wg.count);
              await waiting;
            }
            assert.equal(wg.waiters, 0);
          },
        ),
        { numRuns: 10 },
      );
    },
  );

  test("model: a worker's wait settles exactly when the counter is zero (random add/done)", T, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: -2, max: 3 }), { maxLength: 12 }), async (deltas) => {
        const wg = new WaitGroup();
        let m = 0;
        for (const d of deltas) {
          if (m + d < 0) continue;
          wg.add(d);
          m += d;
        }
        // A worker waits; once every worker has caught up, the ctx ends the wait if it is still on.
        const [ctx, cancel] = withCancel(background());
        const waiting = pool[0]!.call("invoke", [wg, "wait", ctx]).then(
          () => "done",
          () => "pending",
        );
        await drain(pool);
        await drain(pool);
        cancel();
        assert.equal(await waiting, m === 0 ? "done" : "pending");
        if (m > 0) wg.add(-m);
      }),
      { numRuns: 8 },
    );
  });
});
