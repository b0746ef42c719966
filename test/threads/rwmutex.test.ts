// RWMutex sync forms on worker threads: readers share across threads, a writer blocked in lockSync
// waits for them, and shared-context cancellation of a blocked rLockSync/lockSync leaves no trace.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, GoSyncError, withCancel } from "../../src/index.js";
import { AtomicInt32, RWMutex } from "../../src/threads/index.js";
import { agents, drain } from "./helpers.js";

const T = { timeout: 30_000 };
const pool = await agents(3, new URL("./fixtures/locks.ts", import.meta.url));

describe("threads RWMutex (sync forms)", () => {
  test("two threads read at once; a writer on a third waits for both, then gets in", T, async () => {
    const rw = new RWMutex();
    const inside = new AtomicInt32();
    const release = new AtomicInt32();
    const readers = pool.slice(0, 2).map((a) => a.start<string>("readHoldSync", [rw, inside, release]));
    await Promise.all(readers.map((r) => r.started));
    while (inside.load() < 2) await drain(pool.slice(2));
    assert.equal(rw.readers, 2, "both readers inside together");
    const writer = pool[2]!.start<string>("writeSync", [rw]);
    await writer.started;
    while (rw.waiters === 0) await new Promise((r) => setTimeout(r, 1));
    assert.equal(rw.tryRLock(), false, "a waiting writer holds back new readers");
    release.store(1);
    assert.deepEqual(await Promise.all(readers.map((r) => r.result)), ["read", "read"]);
    assert.equal(await writer.result, "acquired");
    assert.equal(rw.readers, 0);
    assert.equal(rw.writing, false);
  });

  test("a writer blocked in lockSync is cancelled from here; the readers it held back go in", T, async () => {
    const rw = new RWMutex();
    rw.rLockSync();
    const [ctx, cancel] = withCancel(background());
    const writer = pool[0]!.start<string>("writeSync", [rw, ctx]);
    await writer.started;
    while (rw.waiters === 0) await drain(pool.slice(1));
    assert.equal(rw.tryRLock(), false);
    cancel();
    assert.equal(await writer.result, "threw: context canceled");
    assert.equal(rw.waiters, 0);
    assert.equal(rw.tryRLock(), true, "no writer waits any more");
    rw.rUnlock();
    rw.rUnlock();
    assert.equal(rw.tryLock(), true, "free: the cancelled writer never acquired");
    rw.unlock();
  });

  test(
    "a reader blocked in rLockSync behind a writer is cancelled; no reader count is left behind",
    T,
    async () => {
      const rw = new RWMutex();
      rw.lockSync();
      const [ctx, cancel] = withCancel(background());
      const inside = new AtomicInt32();
      const release = new AtomicInt32(1);
      const reader = pool[1]!.start<string>("readHoldSync", [rw, inside, release, ctx]);
      await reader.started;
      while (rw.waiters === 0) await drain([pool[0]!, pool[2]!]);
      cancel();
      assert.equal(await reader.result, "threw: context canceled");
      rw.unlock();
      assert.equal(rw.readers, 0);
      assert.equal(rw.tryLock(), true);
      rw.unlock();
    },
  );

  test("Go's panic texts on any thread", T, () => {
    const rw = new RWMutex();
    assert.throws(
      () => rw.unlock(),
      (e: unknown) => e instanceof GoSyncError && e.message === "sync: Unlock of unlocked RWMutex",
    );
    assert.throws(
      () => rw.rUnlock(),
      (e: unknown) => e instanceof GoSyncError && e.message === "sync: RUnlock of unlocked RWMutex",
    );
    assert.throws(() => rw.lockSync({} as never), /RWMutex\.lockSync: ctx must be a Context/);
  });
});
