// gosync/threads Mutex on real worker threads: exact totals under contention from four threads (sync
// and async waits), shared-context cancellation of a thread blocked in lockSync, deadlines, panics.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { background, GoSyncError, withCancel, withTimeout } from "../../src/index.js";
import { AtomicInt32, attach, Mutex, share } from "../../src/threads/index.js";
import { agents, drain, spawnModule } from "./helpers.js";

const fixture = new URL("./fixtures/locks.ts", import.meta.url);
const pool = await agents(4, fixture);
const T = { timeout: 30_000 };

describe("threads Mutex", () => {
  test("a counter incremented from 4 threads under the mutex (lockSync) loses no update", T, async () => {
    const mu = new Mutex();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(pool.map((a) => a.call("countSync", [mu, counter, 20_000])));
    assert.equal(counter[0], 4 * 20_000);
    assert.equal(mu.locked, false);
    assert.equal(mu.waiters, 0);
  });

  test("the same with the async lock (each holder suspends inside the critical section)", T, async () => {
    const mu = new Mutex();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    await Promise.all(pool.map((a) => a.call("countAsync", [mu, counter, 2_000])));
    assert.equal(counter[0], 4 * 2_000);
    assert.equal(mu.locked, false);
  });

  test("main thread and workers contend together (main uses the async lock)", T, async () => {
    const mu = new Mutex();
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const main = (async () => {
      for (let i = 0; i < 2_000; i++) {
        await mu.lock();
        const v = counter[0]!;
        await Promise.resolve();
        counter[0] = v + 1;
        mu.unlock();
      }
    })();
    await Promise.all([main, ...pool.slice(0, 2).map((a) => a.call("countSync", [mu, counter, 10_000]))]);
    assert.equal(counter[0], 2_000 + 2 * 10_000);
  });

  test(
    "a worker blocked in lockSync wakes on shared-ctx cancel, throws ctx's error, takes nothing",
    T,
    async () => {
      const mu = new Mutex();
      await mu.lock();
      const [ctx, cancel] = withCancel(background());
      const run = pool[0]!.start<string>("lockSync", [mu, ctx]);
      await run.started;
      while (mu.waiters === 0) await drain(pool.slice(1)); // it has queued (pool[0] is blocked: it cannot answer a ping)
      cancel();
      assert.equal(await run.result, "threw: context canceled");
      assert.equal(mu.waiters, 0, "no residue in the queue");
      mu.unlock();
      assert.equal(mu.tryLock(), true, "free: the cancelled waiter never took it");
      mu.unlock();
    },
  );

  test("lockSync with a deadline gives up with DeadlineExceeded; the lock stays usable", T, async () => {
    const mu = new Mutex();
    mu.lockSync();
    const [ctx, cancel] = withTimeout(background(), 50);
    assert.equal(await pool[1]!.call("lockSync", [mu, ctx]), "threw: context deadline exceeded");
    assert.equal(mu.waiters, 0);
    mu.unlock();
    assert.equal(await pool[1]!.call("lockSync", [mu]), "acquired");
    assert.equal(mu.locked, true);
    await pool[2]!.call("unlock", [mu]); // any thread may unlock
    assert.equal(mu.locked, false);
    cancel();
  });

  test("unlock of an unlocked mutex is Go's panic, on any thread", T, async () => {
    const mu = new Mutex();
    assert.throws(
      () => mu.unlock(),
      (e: unknown) => e instanceof GoSyncError && e.message === "sync: unlock of unlocked mutex",
    );
    await assert.rejects(pool[0]!.call("unlock", [mu]), /sync: unlock of unlocked mutex/);
    assert.equal(mu.locked, false);
  });

  test("bad ctx: lock rejects (never throws), lockSync throws a TypeError naming the method", T, async () => {
    const mu = new Mutex();
    const p = mu.lock({} as never);
    assert.ok(p instanceof Promise);
    await assert.rejects(p, TypeError);
    assert.throws(() => mu.lockSync({} as never), /Mutex\.lockSync: ctx must be a Context/);
    assert.equal(mu.locked, false);
  });

  test("an already-cancelled ctx takes nothing, even from a free mutex", T, async () => {
    const mu = new Mutex();
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(mu.lock(ctx), (e) => e === ctx.err());
    assert.throws(
      () => mu.lockSync(ctx),
      (e) => e === ctx.err(),
    );
    assert.equal(mu.locked, false);
  });

  test("withLock unlocks after fn, also when it throws; attach gives the same lock", T, async () => {
    const mu = new Mutex();
    const twin = attach<Mutex>(share(mu));
    assert.equal(await mu.withLock(() => twin.locked), true);
    await assert.rejects(
      mu.withLock(() => {
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal(twin.locked, false);
    assert.equal(twin.tryLock(), true);
    assert.equal(mu.tryLock(), false);
    mu.unlock();
  });
});

describe("threads Mutex keep-alive", () => {
  test("a worker awaiting lock() stays alive until it gets the lock, then exits by itself", T, async () => {
    const mu = new Mutex();
    const queued = new AtomicInt32();
    mu.lockSync();
    const w = spawnModule(new URL("./fixtures/lone-waiter.ts", import.meta.url), { mu, queued });
    const events: string[] = [];
    w.on("message", (m: string) => events.push(m));
    const exited = new Promise<number>((r) => w.once("exit", r));
    while (queued.load() === 0) await delay(1);
    await delay(50); // its event loop has long run dry: only the pending wait is left
    assert.deepEqual(events, [], "still waiting, not exited");
    mu.unlock();
    assert.equal(await exited, 0);
    assert.deepEqual(events, ["locked"]);
    assert.equal(mu.locked, false);
  });
});
