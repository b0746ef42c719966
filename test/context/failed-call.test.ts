// failedCall(): which blocking call failed on its ctx. The rejection stays the shared Canceled /
// DeadlineExceeded object (identity, as Go's sentinels); the record says which operation, on what,
// in which task, and — with stack capture — from where. leakCheck turns task tracking on, as
// GOSYNC_DEBUG=track would.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { enableStackCapture } from "../../src/debug/index.js";
import {
  background,
  Canceled,
  Chan,
  DeadlineExceeded,
  failedCall,
  go,
  Mutex,
  Semaphore,
  sleep,
  WaitGroup,
  withCancel,
  withTimeout,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { run } from "../helpers/child.js";

leakCheck();

describe("failedCall", { timeout: 10_000 }, () => {
  test("a receive that timed out: the shared DeadlineExceeded, and its record names the op, channel and call site", () =>
    synctest(async () => {
      enableStackCapture(true);
      try {
        const jobs = new Chan<number>(0, "jobs");
        const [ctx, cancel] = withTimeout(background(), 50);
        const err = await jobs.recv(ctx).catch((e: unknown) => e);
        cancel();
        assert.equal(err, DeadlineExceeded, "identity kept");
        const f = failedCall(err);
        assert.ok(f !== undefined);
        assert.equal(f.op, "chan receive");
        assert.equal(f.target, jobs);
        assert.equal(f.error, DeadlineExceeded);
        assert.match(f.stack ?? "", /failed-call\.test\.ts/, "the stack shows the call site");
      } finally {
        enableStackCapture(false);
      }
    }));

  test("a call on an already-cancelled ctx is recorded too (no stack without capture)", async () => {
    const mu = new Mutex("accounts");
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(mu.lock(ctx), (e) => e === Canceled);
    const f = failedCall(Canceled);
    assert.equal(f?.op, "sync.Mutex.Lock");
    assert.equal(f?.target, mu);
    assert.equal(f?.stack, undefined);
    assert.equal(failedCall(new Error("other")), undefined, "only a call that failed with that object");
  });

  test("tasks failing on one ctx each see their own call", async () => {
    const sem = new Semaphore(1);
    await sem.acquire();
    const wg = new WaitGroup();
    wg.add(1); // never done: wait() blocks until cancelled
    const [ctx, cancel] = withCancel(background());
    const seen = new Chan<string>(3);
    const tasks = new WaitGroup();
    const watch = (name: string, call: () => Promise<unknown>): void =>
      tasks.go(async () => {
        await call().catch((e: unknown) => {
          assert.equal(e, Canceled);
          return seen.send(`${name}:${failedCall(e)?.op}`);
        });
      });
    watch("sem", () => sem.acquire(1, ctx));
    watch("wg", () => wg.wait(ctx));
    watch("sleep", () => sleep(60_000, ctx));
    await sleep(1); // all three are blocked
    cancel();
    await tasks.wait();
    const got = seen.tryRecvBatch(3).sort();
    assert.deepEqual(got, ["sem:semaphore.Acquire", "sleep:sleep", "wg:sync.WaitGroup.Wait"]);
    wg.done();
    sem.release();
  });

  test("go() tasks: the record is the task's, not the last one in the program", async () => {
    const [ctx, cancel] = withCancel(background());
    const a = new Chan<number>(0, "a");
    const b = new Chan<number>(0, "b");
    const results = new Chan<string>(2);
    const describe = (e: unknown): string => {
      const f = failedCall(e);
      return `${f?.op} on ${(f?.target as Chan<number> | undefined)?.name}`;
    };
    go(async () => {
      await a.recv(ctx).catch(async (e: unknown) => {
        await sleep(5); // the other task fails meanwhile, and later in the program
        await results.send(describe(e));
      });
    });
    go(async () => {
      await b.send(1, ctx).catch((e: unknown) => results.send(describe(e)));
    });
    await sleep(1);
    cancel();
    const got = [await results.recv(), await results.recv()].sort();
    assert.deepEqual(got, ["chan receive on a", "chan send on b"]);
  });

  test("nothing is recorded while tracking is off (the default): the failure path stays as cheap as before", async () => {
    const r = await run(`
      const [ctx, cancel] = g.withCancel(g.background());
      const p = new g.Chan().recv(ctx).catch((e) => e);
      cancel();
      const e = await p;
      console.log(e === g.Canceled, g.failedCall(e) === undefined, g.failedCall() === undefined);
    `);
    assert.equal(r.stdout.trim(), "true true true", r.stderr);
  });
});
