// Deadlocks inside a synctest bubble: when every task of the bubble is blocked and no timer is
// pending, synctest rejects with a DeadlockError carrying Go's message and the dump of the bubble's
// tasks — deterministically, at an exact virtual instant, with the programs' own timings.
// This file has no leak check: the deadlocked tasks here can never be released, by design.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, go, select, sleep, WaitGroup } from "../../src/index.js";
import { DeadlockError, synctest, VIRTUAL_EPOCH } from "../../src/testing/index.js";
import { policeStation, recursiveReadLock, Tracker, trackerMain } from "./book-programs.js";

async function deadlock(fn: Parameters<typeof synctest>[0]): Promise<DeadlockError> {
  const e = await synctest(fn).then(
    () => assert.fail("expected a deadlock"),
    (err: unknown) => err,
  );
  assert.ok(e instanceof DeadlockError, String(e));
  return e;
}

const ALL_BLOCKED = /^deadlock: all goroutines in bubble are blocked\n\n/;
const MAIN_EXITED = /^deadlock: main bubble goroutine has exited but blocked goroutines remain\n\n/;

describe("deadlocks in a bubble", () => {
  test("Go 并发编程实战课 lesson 03: the police station and the property office, found after their 5 s of checking", async () => {
    const e = await deadlock(policeStation);
    assert.match(e.message, ALL_BLOCKED);
    assert.equal(e.dump.at, VIRTUAL_EPOCH + 5000);
    assert.deepEqual(
      e.dump.tasks.map((t) => [t.name, t.blocked[0]?.reason, t.blocked[0]?.targetName]),
      [
        ["synctest", "sync.WaitGroup.Wait", 'WaitGroup "派出所和物业"'],
        ["policeOffice", "sync.Mutex.Lock", 'Mutex "物业证明"'],
        ["propertyOffice", "sync.Mutex.Lock", 'Mutex "派出所证明"'],
      ],
    );
    assert.match(
      e.message,
      /\[sync\.Mutex\.Lock\]:\npoliceOffice: waiting on Mutex "物业证明"\ncreated by go\(\)/,
    );
  });

  test("Go 并发编程实战课 lesson 05: the recursive read lock, found when the writer arrives at 200 ms", async () => {
    const lines: string[] = [];
    const e = await deadlock(() => recursiveReadLock((l) => lines.push(l)));
    assert.match(e.message, ALL_BLOCKED);
    assert.equal(e.dump.at, VIRTUAL_EPOCH + 200);
    assert.deepEqual(lines, ["RLock", "RLock", "RLock"]);
    assert.deepEqual(
      e.dump.tasks.map((t) => [t.name, t.blocked[0]?.reason]),
      [
        ["synctest", "select (no cases)"],
        ["writer", "sync.RWMutex.Lock"],
        ["reader", "sync.RWMutex.RLock"],
      ],
    );
  });

  test("a WaitGroup whose counter never reaches zero", async () => {
    const e = await deadlock(async () => {
      const wg = new WaitGroup("jobs");
      wg.add(3);
      for (let i = 0; i < 3; i++) {
        go(async (id: number) => {
          await sleep(10 * (id + 1));
          if (id !== 1) wg.done();
        }, i);
      }
      await wg.wait();
    });
    assert.equal(e.dump.at, VIRTUAL_EPOCH + 30);
    assert.match(e.message, /\[sync\.WaitGroup\.Wait\]:\nsynctest: waiting on WaitGroup "jobs"/);
  });

  test("main receiving with no sender; sending with no receiver; select with no cases", async () => {
    const r = await deadlock(async () => {
      await new Chan<number>(0, "nobody sends").recv();
    });
    assert.match(r.message, /\[chan receive\]:\nsynctest: waiting on chan "nobody sends" \(unbuffered\)/);
    const s = await deadlock(async () => {
      await new Chan<number>(0, "nobody receives").send(1);
    });
    assert.match(s.message, /\[chan send\]:\nsynctest: waiting on chan "nobody receives" \(unbuffered\)/);
    const n = await deadlock(() => select());
    assert.match(n.message, /\[select \(no cases\)\]:\nsynctest: blocked in select \(no cases\)/);
  });

  test("after timers run out: a ping-pong whose last reply never comes (found at 3 s)", async () => {
    const e = await deadlock(async () => {
      const ping = new Chan<number>(0, "ping");
      const pong = new Chan<number>(0, "pong");
      go(async function player() {
        for (let i = 0; i < 3; i++) {
          await ping.recv();
          await sleep(1000);
          if (i < 2) await pong.send(i);
        }
      });
      for (let i = 0; i < 3; i++) {
        await ping.send(i);
        await pong.recv();
      }
    });
    assert.equal(e.dump.at, VIRTUAL_EPOCH + 3000);
    assert.match(e.message, /\[chan receive\]:\nsynctest: waiting on chan "pong"/);
    assert.doesNotMatch(e.message, /player/); // it has returned
  });

  test("the event Tracker as first written: Shutdown waits out the 5 s deadline, and Run is left blocked forever", async () => {
    const lines: string[] = [];
    const e = await synctest(async (bubble) => {
      await trackerMain(bubble, new Tracker((l) => lines.push(`${bubble.elapsed() / 1000}s ${l}`), false), 3);
    }).then(
      () => assert.fail("expected the leaked Run to be reported"),
      (err: unknown) => err,
    );
    assert.deepEqual(lines, [
      "1s test1",
      "2s test2",
      "3s test3",
      "8s shutdown returned: context deadline exceeded",
    ]);
    assert.ok(e instanceof DeadlockError);
    assert.match(e.message, MAIN_EXITED);
    assert.match(e.message, /\[select \(no cases\)\]:\ntrackerRun: blocked in select \(no cases\)/);
    assert.deepEqual(
      e.dump.tasks.map((t) => [t.name, t.status]),
      [["trackerRun", "blocked"]],
    );
  });

  test("a task left blocked after fn returned", async () => {
    const e = await deadlock(() => {
      go(async function orphan() {
        await sleep(500);
        await new Chan<void>(0, "orphaned").recv();
      });
    });
    assert.match(e.message, MAIN_EXITED);
    assert.equal(e.dump.at, VIRTUAL_EPOCH + 500);
    assert.match(e.message, /\[chan receive\]:\norphan: waiting on chan "orphaned"/);
  });
});
