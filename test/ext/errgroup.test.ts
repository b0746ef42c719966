// ErrGroup (x/sync/errgroup.Group): every rule, and the lesson's programs (Go 并发编程实战课 lesson 18: the
// `exec #1..#3` / `failed: failed to exec #2` examples and the 10,001-task program). The ports of
// x/sync's own errgroup_test.go are in errgroup.xsync.test.ts. The lesson's programs sleep 1-3 ms on
// the real clock: a synctest bubble cannot see a task waiting in wait() (ext's TaskGroup.idle() is a
// plain promise, not a gosync blocking operation), so it would never advance time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Context,
  cause,
  ErrGroup,
  go,
  sleep,
  withCancel,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, liveTasks, probe, settle } from "./helpers.js";

leakCheck();

describe("ErrGroup: wait and errors", () => {
  test("wait resolves once every task has finished", async () => {
    const g = new ErrGroup();
    const done: number[] = [];
    for (let i = 0; i < 5; i++) {
      g.go(async () => {
        await settle(i);
        done.push(i);
      });
    }
    await g.wait();
    assert.deepEqual(done, [0, 1, 2, 3, 4]);
  });

  test("wait rejects with the first error, and only after every task has stopped", async () => {
    const g = new ErrGroup();
    const first = new Error("first");
    const second = new Error("second");
    const slow = gate();
    let slowFinished = false;
    g.go(async () => {
      throw first;
    });
    g.go(async () => {
      await settle(2);
      throw second;
    });
    g.go(async () => {
      await slow.promise;
      slowFinished = true;
    });
    const w = probe(g.wait());
    await settle();
    assert.equal(w.pending, true, "a task is still running");
    slow.open();
    await settle();
    assert.equal(slowFinished, true);
    assert.equal(w.error, first);
  });

  test("thrown values are captured, not fatal: sync throws, rejections and non-Error values", async () => {
    const before = liveTasks();
    for (const thrown of [new Error("e"), "a string", 42, { code: 7 }]) {
      const g = new ErrGroup();
      g.go(() => {
        throw thrown;
      });
      await assert.rejects(g.wait(), (e) => e === thrown);
    }
    const g = new ErrGroup();
    g.go(() => Promise.reject(new RangeError("async")));
    await assert.rejects(g.wait(), RangeError);
    await settle();
    assert.equal(liveTasks(), before, "every task ended; none crashed the process");
  });

  test("wait with no tasks resolves at once; wait can be called again and reports the same error", async () => {
    const g = new ErrGroup();
    await g.wait();
    const boom = new Error("boom");
    g.go(() => {
      throw boom;
    });
    await assert.rejects(g.wait(), (e) => e === boom);
    await assert.rejects(g.wait(), (e) => e === boom, "the lesson's MD5All calls Wait twice");
  });

  test("tasks receive the group's context", async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    let got: Context | undefined;
    g.go((c) => {
      got = c;
    });
    await g.wait();
    assert.equal(got, ctx);
  });
});

describe("ErrGroup: the derived context", () => {
  test("the first error cancels the derived context, with the error as its cause", async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    const boom = new Error("boom");
    const sawCancel = probe(
      (async () => {
        await ctx.done()?.recv();
        return [ctx.err(), cause(ctx)];
      })(),
    );
    const release = gate();
    g.go(async () => {
      await release.promise;
    });
    g.go(() => {
      throw boom;
    });
    await settle();
    assert.equal(ctx.err(), Canceled, "cancelled by the error, before wait() was even called");
    assert.deepEqual(sawCancel.value, [Canceled, boom]);
    release.open();
    await assert.rejects(g.wait(), (e) => e === boom);
    assert.equal(cause(ctx), boom, "the cause stays the first error");
  });

  test("a second error does not replace the cause", async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    const e1 = new Error("1");
    const e2 = new Error("2");
    g.go(() => {
      throw e1;
    });
    g.go(async () => {
      await settle(1);
      throw e2;
    });
    await assert.rejects(g.wait(), (e) => e === e1);
    assert.equal(cause(ctx), e1);
  });

  test("the derived context is cancelled when wait returns, even without an error", async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    g.go(async () => {
      await settle(1);
    });
    await settle(0);
    assert.equal(ctx.err(), null, "not cancelled while tasks run");
    await g.wait();
    assert.equal(ctx.err(), Canceled);
    assert.equal(cause(ctx), Canceled);
  });

  test("cancelling the parent cancels the derived context (but does not stop the tasks)", async () => {
    const [parent, cancel] = withCancel(background());
    const [g, ctx] = ErrGroup.withContext(parent);
    let finished = false;
    g.go(async () => {
      await settle(2);
      finished = true;
    });
    cancel();
    assert.equal(ctx.err(), Canceled);
    await g.wait();
    assert.equal(finished, true);
  });

  test("tasks that honour the context stop at the first error", async () => {
    const [g, ctx] = ErrGroup.withContext(background());
    const stopped: string[] = [];
    for (const name of ["a", "b", "c"]) {
      g.go(async (c) => {
        await c.done()?.recv();
        stopped.push(name);
      });
    }
    g.go(() => {
      throw new Error("fail");
    });
    await assert.rejects(g.wait(), /fail/);
    assert.deepEqual(stopped.sort(), ["a", "b", "c"]);
    assert.equal(ctx.err(), Canceled);
  });

  test("withContext rejects something that is not a context", () => {
    assert.throws(() => ErrGroup.withContext({} as Context), TypeError);
  });
});

describe("ErrGroup: setLimit, go and tryGo", () => {
  test("setLimit bounds the tasks running at once (max concurrent tracked)", async () => {
    const g = new ErrGroup();
    g.setLimit(3);
    let active = 0;
    let maxActive = 0;
    let count = 0;
    for (let i = 0; i < 50; i++) {
      await g.go(async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        await settle(1);
        active--;
        count++;
      });
    }
    await g.wait();
    assert.equal(maxActive, 3);
    assert.equal(count, 50);
  });

  test("go returns a resolved promise while there is room, and at the limit one that resolves when fn starts", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const release = gate();
    const started: string[] = [];
    const first = probe(
      g.go(async () => {
        started.push("a");
        await release.promise;
      }),
    );
    const p = g.go(async () => {
      started.push("b");
    });
    assert.ok(p instanceof Promise, "Go blocks in Go: here go() returns a promise");
    const t = probe(p);
    await settle();
    assert.equal(first.fulfilled, true, "room: fn started at once, nothing to wait for");
    assert.equal(t.pending, true);
    assert.deepEqual(started, ["a"]);
    release.open();
    await settle();
    assert.equal(t.fulfilled, true);
    assert.deepEqual(started, ["a", "b"]);
    await g.wait();
  });

  test("tasks waiting for a slot start in the order go() was called", async () => {
    const g = new ErrGroup();
    g.setLimit(2);
    const order: number[] = [];
    for (let i = 0; i < 10; i++) {
      void g.go(async () => {
        order.push(i);
        await settle(1);
      });
    }
    await g.wait();
    assert.deepEqual(order, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("tryGo starts fn only within the limit and reports whether it did", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const release = gate();
    let ran = 0;
    assert.equal(
      g.tryGo(async () => {
        ran++;
        await release.promise;
      }),
      true,
    );
    assert.equal(
      g.tryGo(() => {
        ran++;
      }),
      false,
    );
    release.open();
    await g.wait();
    assert.equal(ran, 1);
  });

  test("tryGo does not jump ahead of tasks queued by go()", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const release = gate();
    g.go(() => release.promise);
    void g.go(() => {});
    release.open();
    assert.equal(
      g.tryGo(() => {}),
      false,
      "a task is queued: no room for tryGo",
    );
    await g.wait();
  });

  test("setLimit while tasks are active throws Go's message", async () => {
    const g = new ErrGroup();
    const release = gate();
    g.go(() => release.promise);
    g.go(() => release.promise);
    assert.throws(() => g.setLimit(5), {
      name: "GoSyncError",
      message: "errgroup: modify limit while 2 goroutines in the group are still active",
    });
    release.open();
    await g.wait();
    g.setLimit(5); // allowed again once they are done
  });

  test("a negative limit means no limit; with 0, tryGo always fails", async () => {
    const g = new ErrGroup();
    g.setLimit(-1);
    for (let i = 0; i < 100; i++)
      assert.equal(
        g.tryGo(() => {}),
        true,
      );
    await g.wait();
    g.setLimit(0);
    assert.equal(
      g.tryGo(() => {}),
      false,
    );
  });

  test("bad arguments throw at once", () => {
    const g = new ErrGroup();
    assert.throws(() => g.setLimit(1.5), RangeError);
    assert.throws(() => g.setLimit(Number.NaN), RangeError);
    assert.throws(() => g.go(42 as unknown as () => void), TypeError);
  });

  test("go(non-function) throws at once also when the group is at its limit", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const release = gate();
    g.go(() => release.promise);
    let returned: unknown;
    try {
      assert.throws(() => {
        returned = g.go(42 as unknown as () => void);
      }, TypeError);
    } finally {
      if (returned instanceof Promise) returned.catch(() => {});
      release.open();
      await g.wait();
    }
  });
});

describe("ErrGroup: the lesson's programs (Go 并发编程实战课 lesson 18)", () => {
  test("exec #1..#3: every task runs, wait reports the error of #2", async () => {
    const out: string[] = [];
    const g = new ErrGroup();
    g.go(async () => {
      await sleep(1);
      out.push("exec #1");
    });
    g.go(async () => {
      await sleep(2);
      out.push("exec #2");
      throw new Error("failed to exec #2");
    });
    g.go(async () => {
      await sleep(3);
      out.push("exec #3");
    });
    try {
      await g.wait();
      out.push("Successfully exec all");
    } catch (err) {
      out.push(`failed: ${(err as Error).message}`);
    }
    assert.deepEqual(out, ["exec #1", "exec #2", "exec #3", "failed: failed to exec #2"]);
  });

  test("exec #1..#3 with a result slice: every task's error is kept", async () => {
    const out: string[] = [];
    const g = new ErrGroup();
    const result: (Error | null)[] = [null, null, null];
    g.go(async () => {
      await sleep(1);
      out.push("exec #1");
      result[0] = null;
    });
    g.go(async () => {
      await sleep(2);
      out.push("exec #2");
      result[1] = new Error("failed to exec #2");
      throw result[1];
    });
    g.go(async () => {
      await sleep(3);
      out.push("exec #3");
      result[2] = null;
    });
    const fmt = (): string => `[${result.map((e) => (e === null ? "<nil>" : e.message)).join(" ")}]`;
    try {
      await g.wait();
      out.push(`Successfully exec all. result: ${fmt()}`);
    } catch {
      out.push(`failed: ${fmt()}`);
    }
    assert.deepEqual(out, ["exec #1", "exec #2", "exec #3", "failed: [<nil> failed to exec #2 <nil>]"]);
  });

  test("10,001 tasks through a limit of 1, the 10,000 added from other tasks: no deadlock, all run", async () => {
    const g = new ErrGroup();
    g.setLimit(1); // bilibili's GOMAXPROCS(1): one task at a time
    let count = 0;
    let active = 0;
    let maxActive = 0;
    const firstHolds = gate();
    g.go(async () => {
      await firstHolds.promise; // Go sleeps a second to hold the only slot
    });
    const total = 10000;
    for (let i = 0; i < total; i++) {
      go(async () => {
        await g.go(async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          count++;
          active--;
        });
      });
    }
    const w = probe(g.wait());
    await settle();
    assert.equal(count, 0, "the first task still holds the slot");
    firstHolds.open();
    await w.promise;
    assert.equal(count, total, `expect ${total} but got ${count}`);
    assert.equal(maxActive, 1);
  });
});
