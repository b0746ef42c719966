// Ports of Go's sync/rwmutex_test.go: TestParallelReaders, TestRWMutex (TryLock/TryRLock and
// HammerRWMutex), TestRLocker, plus the recursive-read-lock deadlock shape (runtime's
// TestRecursiveReadLock / the lesson's factorial). GOMAXPROCS has no counterpart: the numbers of
// readers are kept, the processor counts dropped.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  Chan,
  type Locker,
  RWMutex,
  withCancel,
  yieldNow,
} from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";
import { probe, rng, settle } from "../helpers.js";

leakCheck();

async function parallelReader(
  m: RWMutex,
  clocked: Chan<boolean>,
  cunlock: Chan<boolean>,
  cdone: Chan<boolean>,
): Promise<void> {
  await m.rLock();
  await clocked.send(true);
  await cunlock.recv();
  m.rUnlock();
  await cdone.send(true);
}

async function doTestParallelReaders(numReaders: number): Promise<void> {
  const m = new RWMutex();
  const clocked = new Chan<boolean>();
  const cunlock = new Chan<boolean>();
  const cdone = new Chan<boolean>();
  for (let i = 0; i < numReaders; i++) void parallelReader(m, clocked, cunlock, cdone);
  // Wait for all parallel RLock()s to succeed: they can only all succeed if they share the lock.
  for (let i = 0; i < numReaders; i++) await clocked.recv();
  assert.equal(m.readers, numReaders);
  for (let i = 0; i < numReaders; i++) await cunlock.send(true);
  for (let i = 0; i < numReaders; i++) await cdone.recv();
  assert.equal(m.readers, 0);
}

/** Go's reader/writer with the activity counter: readers + 10000 × writers. */
interface Activity {
  n: number;
}

async function reader(
  rwm: RWMutex,
  iterations: number,
  activity: Activity,
  random: () => number,
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    await rwm.rLock();
    const n = ++activity.n;
    if (n < 1 || n >= 10000) {
      rwm.rUnlock();
      throw new Error(`wlock(${n})`);
    }
    if (random() < 0.25) await yieldNow(); // Go's busy loop: let the others run meanwhile
    activity.n--;
    rwm.rUnlock();
  }
}

async function writer(
  rwm: RWMutex,
  iterations: number,
  activity: Activity,
  random: () => number,
): Promise<void> {
  for (let i = 0; i < iterations; i++) {
    await rwm.lock();
    activity.n += 10000;
    const n = activity.n;
    if (n !== 10000) {
      rwm.unlock();
      throw new Error(`wlock(${n})`);
    }
    if (random() < 0.25) await yieldNow();
    activity.n -= 10000;
    rwm.unlock();
  }
}

async function hammerRWMutex(numReaders: number, iterations: number, seed: number): Promise<void> {
  const activity: Activity = { n: 0 };
  const rwm = new RWMutex();
  const random = rng(seed);
  const all: Promise<void>[] = [writer(rwm, iterations, activity, random)];
  let i = 0;
  for (; i < numReaders / 2; i++) all.push(reader(rwm, iterations, activity, random));
  all.push(writer(rwm, iterations, activity, random));
  for (; i < numReaders; i++) all.push(reader(rwm, iterations, activity, random));
  await Promise.all(all);
  assert.equal(activity.n, 0);
  assert.deepEqual([rwm.readers, rwm.writing, rwm.waiters], [0, false, 0]);
}

describe("Go's rwmutex_test.go", () => {
  test("TestParallelReaders", async () => {
    await doTestParallelReaders(1);
    await doTestParallelReaders(3);
    await doTestParallelReaders(4);
  });

  test("TestRWMutex", async () => {
    const m = new RWMutex();
    await m.lock();
    assert.equal(m.tryLock(), false, "TryLock succeeded with mutex locked");
    assert.equal(m.tryRLock(), false, "TryRLock succeeded with mutex locked");
    m.unlock();
    assert.equal(m.tryLock(), true, "TryLock failed with mutex unlocked");
    m.unlock();
    assert.equal(m.tryRLock(), true, "TryRLock failed with mutex unlocked");
    assert.equal(m.tryRLock(), true, "TryRLock failed with mutex rlocked");
    assert.equal(m.tryLock(), false, "TryLock succeeded with mutex rlocked");
    m.rUnlock();
    m.rUnlock();

    const n = 200;
    let seed = 1;
    for (const readers of [1, 3, 10, 5]) await hammerRWMutex(readers, n, seed++);
  });

  test("TestRLocker", async () => {
    const wl = new RWMutex();
    const rl: Locker = wl.rLocker();
    const wlocked = new Chan<boolean>(1);
    const rlocked = new Chan<boolean>(1);
    const n = 10;
    const task = probe(
      (async () => {
        for (let i = 0; i < n; i++) {
          await rl.lock();
          await rl.lock();
          await rlocked.send(true);
          await wl.lock();
          await wlocked.send(true);
        }
      })(),
    );
    for (let i = 0; i < n; i++) {
      await rlocked.recv();
      rl.unlock();
      await settle(); // give a wrongly admitted writer every chance to show up
      assert.equal(wlocked.tryRecv(), undefined, "RLocker() didn't read-lock it");
      rl.unlock();
      await wlocked.recv();
      await settle();
      assert.equal(rlocked.tryRecv(), undefined, "RLocker() didn't respect the write lock");
      wl.unlock();
    }
    await task.promise;
  });

  test("TestRecursiveReadLock: a reader that read-locks again behind a waiting writer blocks for good", async () => {
    const rw = new RWMutex();
    const step = new Chan<string>();
    const readerTask = probe(
      (async () => {
        await rw.rLock();
        await step.send("read-locked");
        await step.recv(); // the writer is waiting now
        await rw.rLock(); // recursive read lock: blocks behind the writer
        rw.rUnlock();
        rw.rUnlock();
      })(),
    );
    assert.equal(await step.recv(), "read-locked");
    // Only so that the test can end the deadlock (Go's test does not): the writer takes a ctx.
    const [ctx, cancel] = withCancel(background());
    const writerTask = probe(rw.lock(ctx));
    await settle();
    assert.ok(writerTask.pending, "the writer waits for the reader");
    await step.send("go on");
    await settle(20);
    assert.ok(readerTask.pending, "the nested RLock never returns");
    assert.ok(writerTask.pending, "and so the writer never gets in");
    assert.deepEqual([rw.readers, rw.waiters], [1, 2]);
    cancel(); // the writer gives up: the nested RLock gets in, and the reader finishes
    await assert.rejects(writerTask.promise, (e: unknown) => e === Canceled);
    await readerTask.promise;
    assert.deepEqual([rw.readers, rw.waiters], [0, 0]);
  });
});
