// ScheduledGroup (mdlayher/schedgroup, Go 并发编程实战课 lesson 18): every rule, the lesson's `1 2 3`
// program, and ports of schedgroup's own group_test.go. Delays are a few ms: only to let timers
// fire; the tests assert order and outcomes, never durations.
// These tests stay on the real clock (their delays are a few ms): a synctest bubble cannot run them,
// because waiting for a group (wait(), the combinators) is not a gosync blocking operation the
// bubble can see (ext's TaskGroup.idle() is a plain promise), so it would never advance time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Context,
  DeadlineExceeded,
  GoSyncError,
  ScheduledGroup,
  sleep,
  withCancel,
  withTimeout,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { eventually, probe, settle } from "./helpers.js";

leakCheck();

const AFTER_WAIT = {
  name: "GoSyncError",
  message: "schedgroup: attempted to schedule task after Group.Wait was called",
};
const DOUBLE_WAIT = { name: "GoSyncError", message: "schedgroup: multiple calls to Group.Wait" };

describe("ScheduledGroup: order", () => {
  test("the lesson's example prints 1 2 3 (delays n*100 ms, scaled down)", async () => {
    const out: number[] = [];
    const sg = new ScheduledGroup(background());
    for (let i = 0; i < 3; i++) {
      const n = i + 1;
      sg.delay(n * 2, () => {
        out.push(n);
      });
    }
    await sg.wait();
    assert.deepEqual(out, [1, 2, 3]);
  });

  test("tasks run in time order, not in scheduling order", async () => {
    const out: string[] = [];
    const sg = new ScheduledGroup();
    sg.delay(6, () => out.push("c"));
    sg.delay(2, () => out.push("a"));
    sg.delay(4, () => out.push("b"));
    await sg.wait();
    assert.deepEqual(out, ["a", "b", "c"]);
  });

  test("ties run in scheduling order", async () => {
    const out: number[] = [];
    const sg = new ScheduledGroup();
    const at = new Date(Date.now() + 2);
    for (let i = 0; i < 20; i++) sg.schedule(at, () => out.push(i));
    await sg.wait();
    assert.deepEqual(
      out,
      Array.from({ length: 20 }, (_, i) => i),
    );
  });

  test("schedule(Date) runs at that time; ExampleGroup_cancelation's hello world order", async () => {
    const out: string[] = [];
    const sg = new ScheduledGroup();
    const start = Date.now();
    sg.schedule(new Date(start + 4), () => out.push("world"));
    sg.schedule(new Date(start + 2), () => out.push("hello"));
    await sg.wait();
    assert.deepEqual(out, ["hello", "world"]);
  });

  test("TestGroupSchedulePast: a negative delay or a past time runs at once", async () => {
    let n = 0;
    const sg = new ScheduledGroup();
    sg.delay(-1000, () => {
      n++;
    });
    sg.schedule(new Date(Date.now() - 1000), () => {
      n++;
    });
    await sg.wait();
    assert.equal(n, 2);
  });

  test("a task scheduled earlier than the pending ones (re-arming the timer) still runs first", async () => {
    const out: string[] = [];
    const sg = new ScheduledGroup();
    sg.delay(30, () => out.push("late"));
    sg.delay(1, () => out.push("early"));
    await sg.wait();
    assert.deepEqual(out, ["early", "late"]);
  });

  test("tasks get the group's context", async () => {
    const ctx = background();
    const sg = new ScheduledGroup(ctx);
    let got: Context | undefined;
    sg.delay(0, (c) => {
      got = c;
    });
    await sg.wait();
    assert.ok(got !== undefined);
    assert.equal(got?.err(), null);
  });
});

describe("ScheduledGroup: wait", () => {
  test("wait resolves only after every task has run and finished", async () => {
    const sg = new ScheduledGroup();
    let finished = false;
    sg.delay(1, async () => {
      await settle(3);
      finished = true;
    });
    await sg.wait();
    assert.equal(finished, true);
  });

  test("wait with nothing scheduled resolves (TestGroupScheduleNoTasks)", async () => {
    for (let i = 0; i < 100; i++) await new ScheduledGroup(background()).wait();
  });

  test("TestGroupWaitAfterScheduled: wait after every task already ran resolves", async () => {
    const sg = new ScheduledGroup();
    let ran = false;
    sg.delay(0, () => {
      ran = true;
    });
    assert.ok(await eventually(() => ran));
    await sg.wait();
  });

  test("scheduling after wait() throws schedgroup's panic text", async () => {
    const sg = new ScheduledGroup();
    await sg.wait();
    let ran = false;
    assert.throws(
      () =>
        sg.schedule(new Date(), () => {
          ran = true;
        }),
      AFTER_WAIT,
    );
    assert.throws(() => sg.delay(0, () => {}), AFTER_WAIT);
    await settle();
    assert.equal(ran, false);
  });

  test("scheduling while wait() is pending throws too", async () => {
    const sg = new ScheduledGroup();
    sg.delay(2, () => {});
    const w = sg.wait();
    assert.throws(() => sg.delay(0, () => {}), AFTER_WAIT);
    await w;
  });

  test("a second wait() rejects with schedgroup's panic text", async () => {
    const sg = new ScheduledGroup();
    await sg.wait();
    const second = sg.wait();
    await assert.rejects(second, (e) => e instanceof GoSyncError && e.message === DOUBLE_WAIT.message);
  });

  test("a task's error is reported by wait", async () => {
    const sg = new ScheduledGroup();
    const boom = new Error("boom");
    let other = false;
    sg.delay(1, () => {
      throw boom;
    });
    sg.delay(2, () => {
      other = true;
    });
    await assert.rejects(sg.wait(), (e) => e === boom);
    assert.equal(other, true, "an error stops nothing");
  });

  test("bad arguments throw at once", () => {
    const sg = new ScheduledGroup();
    assert.throws(() => sg.delay(Number.NaN, () => {}), TypeError);
    assert.throws(() => sg.schedule(new Date(Number.NaN), () => {}), TypeError);
    assert.throws(() => sg.schedule(123 as unknown as Date, () => {}), TypeError);
    assert.throws(() => sg.delay(1, null as unknown as () => void), TypeError);
    assert.equal(sg.scheduled, 0);
    assert.throws(() => new ScheduledGroup({} as Context), TypeError);
  });
});

describe("ScheduledGroup: cancellation", () => {
  test("cancelling the ctx during wait drops the pending tasks and wait rejects with ctx.err()", async () => {
    const [ctx, cancel] = withCancel(background());
    const sg = new ScheduledGroup(ctx);
    const out: string[] = [];
    sg.delay(0, () => {
      out.push("ran");
      cancel();
    });
    sg.delay(60_000, () => out.push("never"));
    await assert.rejects(sg.wait(), (e) => e === Canceled);
    assert.deepEqual(out, ["ran"]);
    assert.equal(sg.scheduled, 0, "the pending task was dropped");
  });

  test("TestGroupWaitContextDeadlineExceeded: the task due now runs, the later one never does", async () => {
    const [ctx, cancel] = withTimeout(background(), 5);
    const sg = new ScheduledGroup(ctx);
    let ran = false;
    let late = false;
    sg.schedule(new Date(), () => {
      ran = true;
    });
    sg.delay(60_000, () => {
      late = true;
    });
    assert.ok(await eventually(() => ran));
    await assert.rejects(sg.wait(), (e) => e === DeadlineExceeded);
    assert.equal(late, false);
    cancel();
  });

  test("TestGroupContextCancelImmediate: with a ctx cancelled before scheduling, no task ever runs", async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    const sg = new ScheduledGroup(ctx);
    let calls = 0;
    for (let i = 0; i < 5; i++) {
      sg.schedule(new Date(), () => {
        calls++; // schedgroup: panic("should not be called")
      });
      await sleep(1);
    }
    await assert.rejects(sg.wait(), (e) => e === Canceled);
    assert.equal(calls, 0, "tasks of a cancelled group must not run");
  });

  test("TestGroupScheduledTasksContextCancel: tasks due after the ctx is cancelled (before wait) never run", async () => {
    const [ctx, cancel] = withCancel(background());
    const sg = new ScheduledGroup(ctx);
    let count = 0;
    for (let i = 0; i < 10; i++) {
      const before = count;
      sg.delay(1, () => {
        count++;
      });
      // Wait for this task (while the group is live); cancel halfway through.
      if (i <= 5) assert.ok(await eventually(() => count === before + 1));
      if (i === 5) cancel();
    }
    await sleep(5); // time for the remaining (1 ms) tasks' timer to fire, had they not been dropped
    await assert.rejects(sg.wait(), (e) => e === Canceled);
    assert.equal(count, 6, "unexpected number of tasks run");
  });

  test("an already-cancelled ctx: wait rejects at once with its error", async () => {
    const [ctx, cancel] = withCancel(background());
    const sg = new ScheduledGroup(ctx);
    cancel();
    const w = probe(sg.wait());
    await settle();
    assert.equal(w.error, Canceled);
  });
});
