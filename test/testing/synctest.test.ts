// synctest: Go's testing/synctest. Timers, tickers, sleep, after and context deadlines inside the
// bubble run on virtual time that jumps to the next timer whenever every task is durably blocked;
// wait() returns once the other tasks are; the bubble ends when all its tasks have. Every assertion
// on time is on virtual time, which is exact: nothing here depends on how fast the machine is.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { du } from "../../examples/du.js";
import {
  after,
  afterFunc,
  background,
  Canceled,
  Chan,
  DeadlineExceeded,
  go,
  recv,
  select,
  sleep,
  Ticker,
  Timer,
  withCancel,
  withDeadline,
  withTimeout,
  yieldNow,
} from "../../src/index.js";
import { clock, realClock } from "../../src/internal/clock.js";
import { GoSyncError } from "../../src/internal/errors.js";
import { leakCheck, StallError, synctest, VIRTUAL_EPOCH } from "../../src/testing/index.js";

leakCheck();

const HOUR = 60 * 60 * 1000;

describe("virtual time", () => {
  test("a one-hour context timeout fires after exactly one virtual hour", async () => {
    await synctest(async (bubble) => {
      const [ctx, cancel] = withTimeout(background(), HOUR);
      await ctx.done()!.recv();
      assert.equal(ctx.err(), DeadlineExceeded);
      assert.equal(bubble.elapsed(), HOUR);
      assert.equal(bubble.now().toISOString(), "2000-01-01T01:00:00.000Z");
      cancel();
    });
  });

  test("starts at Go's synctest epoch, 2000-01-01T00:00:00Z", async () => {
    await synctest((bubble) => {
      assert.equal(bubble.now().getTime(), VIRTUAL_EPOCH);
      assert.equal(bubble.now().toISOString(), "2000-01-01T00:00:00.000Z");
      assert.equal(bubble.elapsed(), 0);
    });
  });

  test("sleeping tasks wake in deadline order, at their exact times", async () => {
    const log: string[] = [];
    await synctest(async (bubble) => {
      for (const [name, ms] of [
        ["c", 3000],
        ["a", 1000],
        ["b", 2000],
        ["a2", 1000],
      ] as const) {
        go(async () => {
          await sleep(ms);
          log.push(`${name}@${bubble.elapsed()}`);
        });
      }
    });
    // Timers due at the same instant fire in the order they were armed.
    assert.deepEqual(log, ["a@1000", "a2@1000", "b@2000", "c@3000"]);
  });

  test("after() and Timer send the virtual time; a select times out exactly", async () => {
    await synctest(async (bubble) => {
      const at = await after(1500).recv();
      assert.equal(at?.toISOString(), "2000-01-01T00:00:01.500Z");
      const never = new Chan<number>();
      const got = await select(
        recv(never, () => "value"),
        recv(after(250), (t) => `timeout at ${t?.toISOString()}`),
      );
      assert.equal(got, "timeout at 2000-01-01T00:00:01.750Z");
      const t = new Timer(10_000);
      assert.equal(t.stop(), true); // stopped: never fires
      t.reset(500);
      assert.equal((await t.c.recv())?.getTime(), VIRTUAL_EPOCH + 2250);
      assert.equal(bubble.elapsed(), 2250);
    });
  });

  test("a Ticker ticks once per virtual second, and stops", async () => {
    await synctest(async () => {
      const ticker = new Ticker(1000);
      const ticks: string[] = [];
      for (let i = 0; i < 5; i++) ticks.push((await ticker.c.recv())!.toISOString().slice(11, 19));
      ticker.stop();
      assert.deepEqual(ticks, ["00:00:01", "00:00:02", "00:00:03", "00:00:04", "00:00:05"]);
    });
  });

  test("a deadline context from bubble.now(): withDeadline, cancel before it, and sleep(ms, ctx)", async () => {
    await synctest(async (bubble) => {
      const [ctx, cancel] = withDeadline(background(), new Date(bubble.now().getTime() + 5000));
      assert.equal(ctx.deadline()?.toISOString(), "2000-01-01T00:00:05.000Z");
      await assert.rejects(sleep(HOUR, ctx), (e) => e === DeadlineExceeded);
      assert.equal(bubble.elapsed(), 5000);
      cancel();
      const [ctx2, cancel2] = withTimeout(background(), HOUR);
      go(async () => {
        await sleep(10);
        cancel2();
      });
      await assert.rejects(
        ctx2
          .done()!
          .recv()
          .then(() => sleep(1, ctx2)),
        (e) => e === Canceled,
      );
      assert.equal(bubble.elapsed(), 5010);
    });
  });

  test("time stands still while tasks are busy, and only moves when all are blocked", async () => {
    await synctest(async (bubble) => {
      const results = new Chan<number>(0, "results");
      go(async function busy() {
        let n = 0;
        for (let i = 0; i < 50; i++) {
          await yieldNow(); // runnable, not blocked: no virtual time passes
          n++;
        }
        await results.send(n);
      });
      assert.equal(await results.recv(), 50);
      assert.equal(bubble.elapsed(), 0);
    });
  });

  test("synctest waits for every task of the bubble to exit", async () => {
    let finishedAt = -1;
    let elapsed = -1;
    await synctest(async (bubble) => {
      go(async function straggler() {
        await sleep(10 * 60_000);
        go(async function grandchild() {
          await sleep(1);
          finishedAt = bubble.elapsed();
        });
      });
      elapsed = bubble.elapsed();
    });
    assert.equal(elapsed, 0); // fn returned at once...
    assert.equal(finishedAt, 10 * 60_000 + 1); // ...and synctest waited for its tasks
  });

  test("the clock is restored afterwards, and timers outside the bubble keep real time", async () => {
    assert.equal(clock, realClock);
    const outside = new Chan<number>(1, "outside");
    const gate = new Chan<void>(0, "gate");
    go(async function outsider() {
      await gate.recv();
      await sleep(1); // armed outside the bubble: a real 1 ms timer
      await outside.send(clock.now());
    });
    await synctest(async (bubble) => {
      assert.notEqual(clock, realClock);
      assert.equal(clock.now(), VIRTUAL_EPOCH);
      await gate.send(); // the outsider resumes in its own (outside) context
      await sleep(HOUR);
      assert.equal(bubble.elapsed(), HOUR);
    });
    assert.equal(clock, realClock);
    const seen = (await outside.recv())!;
    assert.ok(seen > Date.UTC(2020, 0, 1), `outside saw real time, not ${new Date(seen).toISOString()}`);
  });

  test("real I/O in the bubble is not durable blocking: time stands still until it completes (du)", async () => {
    const root = fileURLToPath(new URL("../../src/", import.meta.url));
    const outside: string[] = [];
    await du.run((l) => outside.push(l), { roots: [root], input: null });
    const inside: string[] = [];
    await synctest(async (bubble) => {
      // du reads directories with fs/promises while a Ticker and a 10 s timeout are armed.
      await du.run((l) => inside.push(`${bubble.elapsed()} ${l}`), { roots: [root], input: null });
    });
    assert.deepEqual(inside, [`0 ${outside[0]}`]);
  });

  test("an afterFunc started by a virtual deadline runs in the bubble", async () => {
    await synctest(async (bubble) => {
      const [ctx, cancel] = withTimeout(background(), 2000);
      const fired = new Chan<number>(1);
      afterFunc(ctx, () => {
        fired.trySend(bubble.elapsed());
      });
      assert.equal(await fired.recv(), 2000);
      cancel();
    });
  });
});

describe("wait", () => {
  test("Go's example: an AfterFunc has run by the time wait() returns", async () => {
    await synctest(async () => {
      const [ctx, cancel] = withCancel(background());
      let called = false;
      afterFunc(ctx, () => {
        called = true;
      });
      await synctest.wait();
      assert.equal(called, false); // not cancelled yet
      cancel();
      await synctest.wait();
      assert.equal(called, true);
    });
  });

  test("returns once every other task is durably blocked, before time moves", async () => {
    await synctest(async (bubble) => {
      const jobs = new Chan<number>(0, "jobs");
      const seen: number[] = [];
      go(async function worker() {
        for await (const j of jobs) {
          for (let i = 0; i < 3; i++) await yieldNow(); // some work between receives
          seen.push(j);
        }
      });
      go(async function sleeper() {
        await sleep(1000);
      });
      await jobs.send(1);
      await bubble.wait();
      assert.deepEqual(seen, [1]); // the worker finished its job and blocked again
      assert.equal(bubble.elapsed(), 0);
      jobs.close();
    });
  });

  test("rejects outside a bubble, and from two tasks at once", async () => {
    await assert.rejects(
      synctest.wait(),
      (e) => e instanceof GoSyncError && /not called from inside a bubble/.test(e.message),
    );
    await synctest(async (bubble) => {
      const errs = new Chan<string>(1);
      go(async function first() {
        await bubble.wait();
      });
      go(async function second() {
        await yieldNow();
        await bubble.wait().catch((e: Error) => errs.trySend(e.message));
      });
      assert.equal(await errs.recv(), "synctest.wait: called from two tasks at once");
    });
  });
});

describe("failures", () => {
  test("fn's error rejects synctest, and the clock is restored", async () => {
    const boom = new Error("boom");
    await assert.rejects(
      synctest(async () => {
        await sleep(1000);
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(clock, realClock);
    await assert.rejects(
      synctest(() => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(clock, realClock);
  });

  test("one bubble at a time", async () => {
    await synctest(async () => {
      await assert.rejects(
        synctest(() => {}),
        /a bubble is already running/,
      );
    });
  });

  test("bad arguments", async () => {
    await assert.rejects(synctest(42 as unknown as () => void), TypeError);
    await assert.rejects(
      synctest(() => {}, { stallMs: 0 }),
      RangeError,
    );
  });

  test("a task stuck on something outside gosync fails the bubble after stallMs, with the dump", async () => {
    let release: () => void = () => {};
    const foreign = new Promise<void>((resolve) => {
      release = resolve;
    });
    const done = new Chan<void>(0, "done");
    const e = await synctest(
      async () => {
        go(async function awaitsForeign() {
          await foreign;
          done.close();
        });
        await done.recv();
      },
      { stallMs: 30 },
    ).then(
      () => assert.fail("expected a StallError"),
      (err: unknown) => err,
    );
    assert.ok(e instanceof StallError, String(e));
    assert.match(
      e.message,
      /^synctest: no progress for 30 ms while 1 task\(s\) of the bubble await something outside gosync/,
    );
    assert.match(e.message, /\[await\]:\nawaitsForeign: awaiting something outside gosync/);
    assert.match(e.message, /\[chan receive\]:\nsynctest: waiting on chan "done"/);
    release(); // let the abandoned bubble finish, for the leak check
  });
});
