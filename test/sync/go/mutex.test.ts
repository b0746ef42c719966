// Ports of Go's sync/mutex_test.go (TestMutex, TestMutexMisuse, TestMutexFairness) and of the g1/g2
// starvation program behind Go 1.9's starvation mode (golang/go#13086; Go 1.8: g1 7,200,216 acquisitions against g2's 10; Go 1.9's starvation
// mode: 57). Time is emulated: "holding for 100 µs" is holding across yieldNow() (one macrotask turn),
// and no assertion depends on the clock.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, Mutex, otherwise, recv, select, yieldNow } from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";

leakCheck();

/** Go's HammerMutex: every third iteration a TryLock, otherwise Lock/Unlock. */
async function hammerMutex(m: Mutex, loops: number, cdone: Chan<boolean>): Promise<void> {
  for (let i = 0; i < loops; i++) {
    if (i % 3 === 0) {
      if (m.tryLock()) m.unlock();
      continue;
    }
    await m.lock();
    m.unlock();
  }
  await cdone.send(true);
}

describe("Go's mutex_test.go", () => {
  test("TestMutex", async () => {
    const m = new Mutex();
    await m.lock();
    assert.equal(m.tryLock(), false, "TryLock succeeded with mutex locked");
    m.unlock();
    assert.equal(m.tryLock(), true, "TryLock failed with mutex unlocked");
    m.unlock();

    const c = new Chan<boolean>();
    for (let i = 0; i < 10; i++) void hammerMutex(m, 1000, c);
    for (let i = 0; i < 10; i++) await c.recv();
    assert.equal(m.locked, false);
    assert.equal(m.waiters, 0);
  });

  test("TestMutexMisuse: Mutex.Unlock and Mutex.Unlock2 fail with a message about `unlocked`", async () => {
    const cases: Record<string, () => Promise<void>> = {
      "Mutex.Unlock": async () => {
        const mu = new Mutex();
        mu.unlock();
      },
      "Mutex.Unlock2": async () => {
        const mu = new Mutex();
        await mu.lock();
        mu.unlock();
        mu.unlock();
      },
    };
    for (const [name, f] of Object.entries(cases)) {
      await assert.rejects(f(), { message: "sync: unlock of unlocked mutex" }, name);
    }
  });

  test("TestMutexFairness: a task that relocks at once cannot keep the other out", async () => {
    const mu = new Mutex();
    const stop = new Chan<boolean>();
    const hog = (async () => {
      for (;;) {
        await mu.lock();
        await yieldNow(); // time.Sleep(100 * time.Microsecond)
        mu.unlock();
        const stopped = await select(
          recv(stop, () => true),
          otherwise(() => false),
        );
        if (stopped) return;
      }
    })();
    const done = new Chan<boolean>(1);
    void (async () => {
      for (let i = 0; i < 10; i++) {
        await yieldNow(); // time.Sleep(100 * time.Microsecond)
        await mu.lock();
        mu.unlock();
      }
      await done.send(true);
    })();
    // Go gives it 10 s; here the other task must finish within a bounded number of turns.
    let turns = 0;
    while (done.tryRecv() === undefined) {
      assert.ok(++turns < 200, "can't acquire Mutex in 200 event-loop turns");
      await yieldNow();
    }
    stop.close();
    await hog;
  });
});

describe("golang/go#13086: the g1/g2 starvation program", () => {
  test("g1 holds the lock for '100 ms' in a loop, g2 wants it 10 times: g1 gets a small bounded share", async () => {
    const mu = new Mutex();
    const done = new Chan<boolean>(1);
    let g1 = 0;
    let g2 = 0;
    // goroutine 1: hold the lock for 100 ms, release, and immediately ask again, until done.
    const task1 = (async () => {
      for (;;) {
        const finished = await select(
          recv(done, () => true),
          otherwise(() => false),
        );
        if (finished) return;
        if (g1 >= 100_000) return; // Go 1.8's barging would end up here
        await mu.lock();
        g1++;
        await yieldNow();
        mu.unlock();
      }
    })();
    // goroutine 2: every 100 ms, take the lock once; ten times.
    for (let i = 0; i < 10; i++) {
      await yieldNow();
      await mu.lock();
      g2++;
      mu.unlock();
    }
    await done.send(true);
    await task1;
    assert.equal(g2, 10);
    // Go 1.8 gave g1 7,200,216 acquisitions to g2's 10; Go 1.9's hand-off 57. With strict FIFO hand-off
    // g1 gets about one turn per g2 turn.
    assert.ok(g1 <= 2 * g2 + 2, `g1 got ${g1} acquisitions while g2 got its ${g2}`);
    assert.ok(g1 >= g2 - 1, `g1 still ran (${g1}): hand-off is fair both ways`);
  });
});
