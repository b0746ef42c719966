// SizedGroup and ErrSizedGroup (go-pkgz/syncs, Go 并发编程实战课 lesson 18): bounded concurrency, queued vs
// preemptive go(), all errors collected, terminate-on-error; and ports of go-pkgz's own tests
// (TestSizedGroup, TestErrorSizedGroup*, the lesson's 1000-task example).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Context,
  cause,
  ErrSizedGroup,
  SizedGroup,
  withCancel,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, probe, settle } from "./helpers.js";

leakCheck();

/** Counts the tasks running at once. */
function meter(): {
  run(body?: () => Promise<void>): Promise<void>;
  readonly max: number;
  readonly count: number;
} {
  let active = 0;
  let max = 0;
  let count = 0;
  return {
    async run(body?: () => Promise<void>): Promise<void> {
      active++;
      max = Math.max(max, active);
      try {
        await (body === undefined ? settle(1) : body());
      } finally {
        active--;
        count++;
      }
    },
    get max() {
      return max;
    },
    get count() {
      return count;
    },
  };
}

describe("SizedGroup", () => {
  test("the lesson's example: 1000 tasks, at most 10 at a time, all of them run", async () => {
    const swg = new SizedGroup(10);
    const m = meter();
    for (let i = 0; i < 1000; i++) swg.go(() => m.run());
    await swg.wait();
    assert.equal(m.count, 1000);
    assert.equal(m.max, 10);
  });

  test("default (queued): go() never waits, returns undefined, and tasks start in FIFO order", async () => {
    const g = new SizedGroup(2);
    const order: number[] = [];
    for (let i = 0; i < 8; i++) {
      assert.equal(
        g.go(async () => {
          order.push(i);
          await settle(1);
        }),
        undefined,
      );
    }
    await g.wait();
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7]);
  });

  test("preemptive: go() returns a promise at the limit that resolves once the task has started", async () => {
    const g = new SizedGroup(2, { preemptive: true });
    const release = gate();
    const started: number[] = [];
    const r0 = g.go(async () => {
      started.push(0);
      await release.promise;
    });
    const r1 = g.go(async () => {
      started.push(1);
      await release.promise;
    });
    assert.equal(r0, undefined);
    assert.equal(r1, undefined);
    const p = g.go(async () => {
      started.push(2);
    });
    assert.ok(p instanceof Promise);
    const t = probe(p);
    await settle();
    assert.equal(t.pending, true, "no free slot: the caller waits");
    assert.deepEqual(started, [0, 1]);
    release.open();
    await settle();
    assert.equal(t.fulfilled, true);
    assert.deepEqual(started, [0, 1, 2]);
    await g.wait();
  });

  test("preemptive: a caller awaiting go() never has more than `size` tasks running", async () => {
    const g = new SizedGroup(3, { preemptive: true });
    const m = meter();
    for (let i = 0; i < 100; i++) await g.go(() => m.run());
    await g.wait();
    assert.equal(m.max, 3);
    assert.equal(m.count, 100);
  });

  test("every error is collected: wait rejects with an AggregateError of all of them", async () => {
    const g = new SizedGroup(3);
    const e1 = new Error("e1");
    const e2 = new Error("e2");
    let ran = 0;
    for (let i = 0; i < 10; i++) {
      g.go(async () => {
        ran++;
        await settle(1);
        if (i === 2) throw e1;
        if (i === 7) throw e2;
      });
    }
    const err = await g.wait().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AggregateError);
    assert.deepEqual(err.errors, [e1, e2]);
    assert.match(err.message, /^2 task\(s\) failed/);
    assert.equal(ran, 10, "an error stops nothing in a SizedGroup");
  });

  test("tasks get the group's context, derived from options.ctx", async () => {
    const [parent, cancel] = withCancel(background());
    const g = new SizedGroup(2, { ctx: parent });
    let got: Context | undefined;
    g.go((c) => {
      got = c;
    });
    await g.wait();
    assert.equal(got, g.ctx);
    cancel();
    assert.equal(g.ctx.err(), Canceled, "cancelling the parent cancels the tasks' context");
  });

  test("wait without tasks resolves at once", async () => {
    await new SizedGroup(1).wait();
  });

  test("bad size or fn throws at once", () => {
    for (const size of [0, -1, 1.5, Number.NaN])
      assert.throws(() => new SizedGroup(size), RangeError, String(size));
    assert.throws(() => new SizedGroup(1).go(7 as unknown as () => void), TypeError);
  });
});

describe("ErrSizedGroup", () => {
  test("TestErrorSizedGroup: 1000 tasks, two fail: '2 error(s)' collected, all 1000 ran", async () => {
    const ewg = new ErrSizedGroup(10);
    const m = meter();
    let c = 0;
    for (let i = 0; i < 1000; i++) {
      ewg.go(() =>
        m.run(async () => {
          await settle(1);
          c++;
          if (i === 100) throw new Error("err1");
          if (i === 200) throw new Error("err2");
        }),
      );
    }
    const err = await ewg.wait().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AggregateError);
    assert.equal(err.errors.length, 2);
    assert.deepEqual(
      err.errors.map((e: Error) => e.message),
      ["err1", "err2"],
    );
    assert.equal(c, 1000, "not all routines have been executed");
    assert.equal(m.max, 10);
  });

  test("TestErrorSizedGroup_Preemptive: the same with go() waiting for a slot", async () => {
    const ewg = new ErrSizedGroup(10, { preemptive: true });
    const m = meter();
    let c = 0;
    for (let i = 0; i < 1000; i++) {
      await ewg.go(() =>
        m.run(async () => {
          c++;
          if (i === 100) throw new Error("err1");
          if (i === 200) throw new Error("err2");
          await settle(1);
        }),
      );
    }
    const err = await ewg.wait().then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AggregateError);
    assert.equal(err.errors.length, 2);
    assert.equal(c, 1000);
    assert.ok(m.max <= 10);
  });

  test("TestErrorSizedGroup_NoError and _WaitWithoutGo", async () => {
    const ewg = new ErrSizedGroup(10);
    let c = 0;
    for (let i = 0; i < 1000; i++) {
      ewg.go(() => {
        c++;
      });
    }
    await ewg.wait();
    assert.equal(c, 1000);
    await new ErrSizedGroup(10).wait();
  });

  test("termOnError: the first error cancels the context, later go() calls are skipped, wait rejects with it", async () => {
    const ewg = new ErrSizedGroup(2, { termOnError: true });
    const boom = new Error("boom");
    const sawCancel = gate();
    let cancellable = true;
    ewg.go(async (ctx) => {
      const done = ctx.done();
      if (done === null)
        cancellable = false; // background(): can never be cancelled
      else await done.recv();
      sawCancel.open();
    });
    ewg.go(() => {
      throw boom;
    });
    await sawCancel.promise;
    assert.equal(cancellable, true, "the tasks' context must be cancellable (no options.ctx given)");
    assert.equal(ewg.ctx.err(), Canceled);
    let later = 0;
    assert.equal(
      ewg.go(() => {
        later++;
      }),
      undefined,
    );
    await assert.rejects(ewg.wait(), (e) => e === boom, "termOnError: the first error itself");
    assert.equal(later, 0, "go() after the error does nothing");
  });

  test("termOnError: only the first of several errors is reported", async () => {
    const ewg = new ErrSizedGroup(5, { termOnError: true });
    const errs = [new Error("a"), new Error("b"), new Error("c")];
    for (const e of errs) {
      ewg.go(() => {
        throw e;
      });
    }
    await assert.rejects(ewg.wait(), (e) => e === errs[0]);
  });

  test("TestErrorSizedGroup_Term: tasks queued but not yet started when the first error happens never start", async () => {
    // go-pkgz: "TermOnErr will skip (won't start) all other goroutines if any error returned";
    // its test expects fewer than 1000 of the 1000 tasks to have run.
    const ewg = new ErrSizedGroup(10, { termOnError: true });
    let c = 0;
    let failed = false;
    let startedAfterError = 0;
    for (let i = 0; i < 1000; i++) {
      ewg.go(() => {
        if (failed) startedAfterError++;
        c++;
        if (i === 100) {
          failed = true;
          throw new Error("err");
        }
      });
    }
    await assert.rejects(ewg.wait(), { message: "err" });
    assert.equal(startedAfterError, 0, "no task starts once the group has terminated");
    assert.ok(c < 1000, `${c}: some of the routines have to be terminated early`);
  });

  test("termOnError with options.ctx: the derived context is cancelled with the error as cause", async () => {
    const ewg = new ErrSizedGroup(2, { termOnError: true, ctx: background() });
    const boom = new Error("boom");
    ewg.go(() => {
      throw boom;
    });
    await assert.rejects(ewg.wait(), (e) => e === boom);
    assert.equal(ewg.ctx.err(), Canceled);
    assert.equal(cause(ewg.ctx), boom);
    let later = 0;
    ewg.go(() => {
      later++;
    });
    await settle();
    assert.equal(later, 0, "terminated: go() does nothing");
    await assert.rejects(ewg.wait(), (e) => e === boom);
  });

  test("without termOnError the context is not cancelled by an error", async () => {
    const ewg = new ErrSizedGroup(2, { ctx: background() });
    ewg.go(() => {
      throw new Error("x");
    });
    await assert.rejects(ewg.wait(), AggregateError);
    assert.equal(ewg.ctx.err(), null);
  });
});
