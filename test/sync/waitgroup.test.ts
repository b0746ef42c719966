// WaitGroup: every rule (negative counter, reuse detection, cancellable wait, wg.go) and
// the lesson's programs (Go 并发编程实战课 lesson 06).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  GoSyncError,
  go,
  Mutex,
  setPanicHandler,
  WaitGroup,
  withCancel,
  yieldNow,
} from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, settle } from "./helpers.js";

leakCheck();

const NEGATIVE = { name: "GoSyncError", message: "sync: negative WaitGroup counter" };
const REUSED = {
  name: "GoSyncError",
  message: "sync: WaitGroup is reused before previous Wait has returned",
};

describe("WaitGroup: counting", () => {
  test("wait resolves once the counter is back to zero, not before", async () => {
    const wg = new WaitGroup("jobs");
    assert.equal(wg.name, "jobs");
    assert.equal(wg.count, 0);
    wg.add(3);
    assert.equal(wg.count, 3);
    const w = probe(wg.wait());
    wg.done();
    wg.done();
    await settle();
    assert.ok(w.pending, "one left");
    assert.equal(wg.count, 1);
    wg.done();
    await settle();
    assert.ok(w.fulfilled);
    assert.equal(wg.count, 0);
  });

  test("wait on a zero counter resolves at once", async () => {
    const wg = new WaitGroup();
    const w = probe(wg.wait());
    await Promise.resolve();
    await Promise.resolve();
    assert.ok(w.fulfilled);
  });

  test("every waiter is released when the counter reaches zero", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const ws = Array.from({ length: 5 }, () => probe(wg.wait()));
    await settle();
    assert.ok(ws.every((w) => w.pending));
    wg.done();
    await settle();
    assert.ok(ws.every((w) => w.fulfilled));
  });

  test("add with a negative delta that stays >= 0 is fine; add(0) changes nothing", async () => {
    const wg = new WaitGroup();
    wg.add(5);
    const w = probe(wg.wait());
    wg.add(-3);
    wg.add(0);
    await settle();
    assert.equal(wg.count, 2);
    assert.ok(w.pending);
    wg.add(-2);
    await settle();
    assert.ok(w.fulfilled);
  });

  test("add rejects a delta that is not an integer with a RangeError naming it", () => {
    const wg = new WaitGroup();
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, "1" as unknown as number]) {
      assert.throws(() => wg.add(bad), { name: "RangeError", message: /delta/ }, String(bad));
    }
    assert.equal(wg.count, 0);
  });
});

describe("WaitGroup: misuse", () => {
  test("the lesson's Add(10), Add(-10), Add(-1) throws `sync: negative WaitGroup counter`", () => {
    const wg = new WaitGroup();
    wg.add(10);
    wg.add(-10);
    assert.throws(() => wg.add(-1), NEGATIVE);
    assert.equal(wg.count, 0, "the counter is unchanged");
  });

  test("the lesson's Add(1), Done(), Done() throws, and it is a GoSyncError", () => {
    const wg = new WaitGroup();
    wg.add(1);
    wg.done();
    let err: unknown;
    try {
      wg.done();
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError);
    assert.equal(err.message, NEGATIVE.message);
    assert.equal(wg.count, 0);
  });

  test("a throwing add leaves the counter unchanged and releases nobody", async () => {
    const wg = new WaitGroup();
    wg.add(3);
    const w = probe(wg.wait());
    assert.throws(() => wg.add(-5), NEGATIVE);
    assert.equal(wg.count, 3, "still 3, not -2 and not 0");
    await settle();
    assert.ok(w.pending, "the waiter was not released");
    wg.add(-3);
    await settle();
    assert.ok(w.fulfilled);
  });

  test("the lesson's reuse bug: Done then Add(1) before the Wait returned rejects the Wait", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    go(async () => {
      await yieldNow(); // time.Sleep(time.Millisecond)
      wg.done();
      wg.add(1); // races with the Wait that is being released
    });
    await assert.rejects(wg.wait(), REUSED);
    assert.equal(wg.count, 1);
  });

  test("reuse detection rejects every waiter released in that round", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const a = probe(wg.wait());
    const b = probe(wg.wait());
    wg.done();
    wg.add(2);
    await settle();
    assert.ok(a.rejected && b.rejected);
    assert.ok(a.error instanceof GoSyncError);
    assert.equal((a.error as Error).message, REUSED.message);
  });

  test("reusing after the previous Wait returned is fine (the lesson's heats of a 100 m race)", async () => {
    const wg = new WaitGroup();
    const finished: number[] = [];
    for (let heat = 0; heat < 3; heat++) {
      for (let runner = 0; runner < 8; runner++) {
        wg.go(async () => {
          await yieldNow();
          finished.push(heat);
        });
      }
      await wg.wait(); // the previous Wait has returned before the next heat's Add
      assert.equal(finished.filter((h) => h === heat).length, 8, `heat ${heat} all finished`);
    }
    assert.equal(finished.length, 24);
  });
});

describe("WaitGroup: cancellable wait", () => {
  test("wait(ctx) rejects with ctx.err() when cancelled; the counter and other waiters are unaffected", async () => {
    registry.tracking = true;
    try {
      const wg = new WaitGroup();
      wg.add(1);
      const [ctx, cancel] = withCancel(background());
      const cancelled = probe(wg.wait(ctx));
      const other = probe(wg.wait());
      const mine = () => [...registry.blocked.values()].filter((op) => op.target === wg);
      assert.deepEqual(
        mine().map((op) => op.reason),
        ["sync.WaitGroup.Wait", "sync.WaitGroup.Wait"],
      );
      cancel();
      assert.equal(mine().length, 1, "the cancelled waiter left at once");
      await settle();
      assert.equal(cancelled.error, Canceled);
      assert.ok(other.pending);
      assert.equal(wg.count, 1);
      wg.done();
      await settle();
      assert.ok(other.fulfilled);
      assert.equal(mine().length, 0);
    } finally {
      registry.tracking = false;
      registry.blocked.clear();
    }
  });

  test("wait(signal) rejects with signal.reason; an already-aborted signal rejects even at zero", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const ac = new AbortController();
    const w = probe(wg.wait(ac.signal));
    ac.abort("stop waiting");
    await settle();
    assert.equal(w.error, "stop waiting");
    wg.done();
    await assert.rejects(wg.wait(AbortSignal.abort("already")), (e) => e === "already");
  });

  test("a wait released at zero is not undone by a later cancel", async () => {
    const wg = new WaitGroup();
    wg.add(1);
    const [ctx, cancel] = withCancel(background());
    const w = probe(wg.wait(ctx));
    wg.done();
    cancel();
    await settle();
    assert.ok(w.fulfilled);
  });
});

describe("WaitGroup: wg.go (Go 1.25)", () => {
  test("go(fn) counts fn until it settles", async () => {
    const wg = new WaitGroup();
    const gate = new Mutex();
    await gate.lock();
    let finished = 0;
    for (let i = 0; i < 5; i++) {
      wg.go(async () => {
        await gate.lock();
        gate.unlock();
        finished++;
      });
    }
    wg.go(() => {
      finished++; // a synchronous fn counts too
    });
    assert.equal(wg.count, 6, "counted when go() returns, before fn starts");
    const w = probe(wg.wait());
    await settle();
    assert.equal(finished, 1);
    assert.ok(w.pending);
    gate.unlock();
    await settle();
    assert.equal(finished, 6);
    assert.ok(w.fulfilled);
  });

  test("go(fn) starts fn on a later microtask, like `go f()`", async () => {
    const wg = new WaitGroup();
    let started = false;
    wg.go(() => {
      started = true;
    });
    assert.equal(started, false);
    await wg.wait();
    assert.equal(started, true);
  });

  test("an error escaping fn is fatal (it reaches the panic handler) and fn still counts as done", async () => {
    const seen: unknown[] = [];
    const prev = setPanicHandler((err) => seen.push(err));
    try {
      const wg = new WaitGroup();
      const boom = new Error("boom");
      wg.go(async () => {
        await yieldNow();
        throw boom;
      });
      await wg.wait();
      await settle();
      assert.deepEqual(seen, [boom]);
      assert.equal(wg.count, 0);
    } finally {
      setPanicHandler(prev);
    }
  });

  test("go(fn) with a non-function throws a TypeError naming fn and counts nothing", () => {
    const wg = new WaitGroup();
    assert.throws(() => wg.go(null as unknown as () => void), { name: "TypeError", message: /fn/ });
    assert.equal(wg.count, 0);
  });
});

describe("WaitGroup: the lesson's programs (Go 并发编程实战课 lesson 06)", () => {
  test("10 workers each sleep then increment a Mutex-guarded counter: Wait sees 10", async () => {
    class Counter {
      readonly #mu = new Mutex();
      #count = 0;
      async incr(): Promise<void> {
        await this.#mu.lock();
        this.#count++;
        this.#mu.unlock();
      }
      async count(): Promise<number> {
        await this.#mu.lock();
        try {
          return this.#count;
        } finally {
          this.#mu.unlock();
        }
      }
    }
    const counter = new Counter();
    const wg = new WaitGroup();
    wg.add(10);
    const worker = async (c: Counter, g: WaitGroup): Promise<void> => {
      try {
        await yieldNow(); // time.Sleep(time.Second)
        await c.incr();
      } finally {
        g.done();
      }
    };
    for (let i = 0; i < 10; i++) go(worker, counter, wg);
    await wg.wait();
    assert.equal(await counter.count(), 10);
  });

  test("problem 2: Add inside the tasks comes too late — Wait returns before any of them ran", async () => {
    const wg = new WaitGroup();
    const ran: number[] = [];
    const dosomething = async (ms: number, g: WaitGroup): Promise<void> => {
      await yieldNow(); // time.Sleep(duration)
      g.add(1);
      ran.push(ms);
      g.done();
    };
    for (const ms of [100, 110, 120, 130]) go(dosomething, ms, wg);
    await wg.wait();
    assert.deepEqual(ran, [], "Wait returned at once: the counter was still zero");
    await settle();
    assert.equal(ran.length, 4);
  });

  test("problem 2 fixed: Add before starting each task — Wait sees all four", async () => {
    const wg = new WaitGroup();
    const ran: number[] = [];
    const dosomething = (ms: number, g: WaitGroup): void => {
      g.add(1);
      go(async () => {
        await yieldNow();
        ran.push(ms);
        g.done();
      });
    };
    for (const ms of [100, 110, 120, 130]) dosomething(ms, wg);
    await wg.wait();
    assert.deepEqual(ran.sort(), [100, 110, 120, 130]);
  });
});
