// Ports of Go's sync/cond_test.go: TestCondSignal, TestCondSignalGenerations, TestCondBroadcast,
// TestRace and TestCondSignalStealing. (TestCondCopy has no counterpart: a JavaScript object cannot
// be copied by value.) Go's `select { case <-awake: t.Fatal(...) default: }` checks become tryRecv()
// after the event loop has drained, so a wrongly woken task has had every chance to show up.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, Cond, go, Mutex, yieldNow } from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";
import { settle } from "../helpers.js";

leakCheck();

/** Receives from ch, failing if nothing arrives within `turns` event-loop turns (Go's time.After). */
async function recvWithin<T>(ch: Chan<T>, turns: number, what: string): Promise<T> {
  for (let i = 0; i < turns; i++) {
    const r = ch.tryRecv();
    if (r?.[1]) return r[0];
    await yieldNow();
  }
  assert.fail(what);
}

describe("Go's cond_test.go", () => {
  test("TestCondSignal", async () => {
    const m = new Mutex();
    const c = new Cond(m);
    let n = 2;
    const running = new Chan<boolean>(n);
    const awake = new Chan<boolean>(n);
    for (let i = 0; i < n; i++) {
      go(async () => {
        await m.lock();
        await running.send(true);
        await c.wait();
        await awake.send(true);
        m.unlock();
      });
    }
    for (let i = 0; i < n; i++) await running.recv(); // wait for everyone to run
    while (n > 0) {
      await settle();
      assert.equal(awake.tryRecv(), undefined, "goroutine not asleep");
      await m.lock();
      c.signal();
      m.unlock();
      await awake.recv(); // will deadlock if no goroutine wakes up
      await settle();
      assert.equal(awake.tryRecv(), undefined, "too many goroutines awake");
      n--;
    }
    c.signal();
  });

  test("TestCondSignalGenerations: signal wakes the waiters in the order they waited", async () => {
    const m = new Mutex();
    const c = new Cond(m);
    const n = 100;
    const running = new Chan<boolean>(n);
    const awake = new Chan<number>(n);
    for (let i = 0; i < n; i++) {
      go(async (id: number) => {
        await m.lock();
        await running.send(true);
        await c.wait();
        await awake.send(id);
        m.unlock();
      }, i);
      if (i > 0) {
        const a = await awake.recv();
        assert.equal(a, i - 1, `wrong goroutine woke up: want ${i - 1}, got ${a}`);
      }
      await running.recv();
      await m.lock();
      c.signal();
      m.unlock();
    }
  });

  test("TestCondBroadcast", async () => {
    const m = new Mutex();
    const c = new Cond(m);
    const n = 200;
    const running = new Chan<number>(n);
    const awake = new Chan<number>(n);
    let exit = false;
    for (let i = 0; i < n; i++) {
      go(async (g: number) => {
        await m.lock();
        while (!exit) {
          await running.send(g);
          await c.wait();
          await awake.send(g);
        }
        m.unlock();
      }, i);
    }
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) await running.recv(); // will deadlock unless n are running
      if (i === n - 1) {
        await m.lock();
        exit = true;
        m.unlock();
      }
      assert.equal(awake.tryRecv(), undefined, "goroutine not asleep");
      await m.lock();
      c.broadcast();
      m.unlock();
      const seen = new Array<boolean>(n).fill(false);
      for (let j = 0; j < n; j++) {
        const g = (await awake.recv()) as number;
        assert.equal(seen[g], false, "goroutine woke up twice");
        seen[g] = true;
      }
    }
    await settle();
    assert.equal(running.tryRecv(), undefined, "goroutine did not exit");
    c.broadcast();
  });

  test("TestRace", async () => {
    const s = { x: 0 };
    const c = new Cond(new Mutex());
    const done = new Chan<boolean>();
    const errors: string[] = [];
    go(async () => {
      await c.locker.lock();
      s.x = 1;
      await c.wait();
      if (s.x !== 2) errors.push("want 2");
      s.x = 3;
      c.signal();
      c.locker.unlock();
      await done.send(true);
    });
    go(async () => {
      await c.locker.lock();
      for (;;) {
        if (s.x === 1) {
          s.x = 2;
          c.signal();
          break;
        }
        c.locker.unlock();
        await yieldNow(); // runtime.Gosched()
        await c.locker.lock();
      }
      c.locker.unlock();
      await done.send(true);
    });
    go(async () => {
      await c.locker.lock();
      for (;;) {
        if (s.x === 2) {
          await c.wait();
          if ((s.x as number) !== 3) errors.push("want 3");
          break;
        }
        if (s.x === 3) break;
        c.locker.unlock();
        await yieldNow();
        await c.locker.lock();
      }
      c.locker.unlock();
      await done.send(true);
    });
    await done.recv();
    await done.recv();
    await done.recv();
    assert.deepEqual(errors, []);
    assert.equal(s.x, 3);
  });

  test("TestCondSignalStealing: a broadcast racing a new waiter still wakes the first waiter", async () => {
    for (let iters = 0; iters < 1000; iters++) {
      const m = new Mutex();
      const cond = new Cond(m);

      // Start a waiter.
      const ch = new Chan<null>();
      go(async () => {
        await m.lock();
        await ch.send(null);
        await cond.wait();
        m.unlock();
        await ch.send(null);
      });
      await ch.recv();
      await m.lock();
      m.unlock();

      // The waiter is in cond.wait(): we synchronised with it, then took and released the mutex
      // it held. Now race a broadcast against a second waiter.
      let done = false;
      go(() => cond.broadcast());
      go(async () => {
        await m.lock();
        while (!done) await cond.wait();
        m.unlock();
      });

      // The first waiter must get the broadcast.
      await recvWithin(ch, 50, "First waiter didn't get broadcast.");

      // Release the second waiter in case it didn't get the broadcast.
      await m.lock();
      done = true;
      m.unlock();
      cond.broadcast();
      await settle(1);
      assert.equal(cond.waiters, 0);
    }
  });
});
