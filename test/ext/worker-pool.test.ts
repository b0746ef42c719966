// WorkerPool (Go 并发编程实战课 lesson 10's worker pools; gammazero/workerpool's API): bounded concurrency, FIFO,
// submit / submitWait, stop (drop queued) / stopWait (drain), idle workers retiring, misuse, onError.
// The idle-timeout tests stay on the real clock (1 ms timeouts): a synctest bubble cannot see an idle
// worker waiting for a job (a plain promise, not a gosync blocking operation), so it would never
// advance time to the timeout.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GoSyncError, PoolStoppedError, setPanicHandler, WorkerPool } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { eventually, gate, liveTasks, probe, settle } from "./helpers.js";

leakCheck();

describe("WorkerPool: running tasks", () => {
  test("at most `workers` tasks run at once; every task runs", async () => {
    const pool = new WorkerPool({ workers: 4 });
    let active = 0;
    let max = 0;
    let done = 0;
    for (let i = 0; i < 100; i++) {
      pool.submit(async () => {
        active++;
        max = Math.max(max, active);
        await settle(1);
        active--;
        done++;
      });
    }
    assert.equal(pool.workers, 4, "workers start on demand, up to the maximum");
    assert.equal(pool.waiting, 96);
    await pool.stopWait();
    assert.equal(done, 100);
    assert.equal(max, 4);
  });

  test("tasks start in the order they were submitted (FIFO)", async () => {
    const pool = new WorkerPool({ workers: 3 });
    const order: number[] = [];
    for (let i = 0; i < 30; i++) {
      pool.submit(async () => {
        order.push(i);
        await settle(i % 3);
      });
    }
    await pool.stopWait();
    assert.deepEqual(
      order,
      Array.from({ length: 30 }, (_, i) => i),
    );
  });

  test("a single worker runs tasks one after another, in order", async () => {
    const pool = new WorkerPool({ workers: 1 });
    const log: string[] = [];
    for (const name of ["a", "b", "c"]) {
      pool.submit(async () => {
        log.push(`start ${name}`);
        await settle(1);
        log.push(`end ${name}`);
      });
    }
    await pool.stopWait();
    assert.deepEqual(log, ["start a", "end a", "start b", "end b", "start c", "end c"]);
  });

  test("submit never waits, even with a long queue", () => {
    const pool = new WorkerPool({ workers: 1 });
    const g = gate();
    for (let i = 0; i < 1000; i++)
      assert.equal(
        pool.submit(() => g.promise),
        undefined,
      );
    assert.equal(pool.waiting, 999);
    g.open();
    return pool.stopWait();
  });

  test("submitWait resolves with the task's result, or rejects with its error", async () => {
    const pool = new WorkerPool({ workers: 2 });
    assert.equal(await pool.submitWait(async () => 42), 42);
    assert.equal(await pool.submitWait(() => "sync"), "sync");
    const boom = new Error("boom");
    await assert.rejects(
      pool.submitWait(async () => {
        throw boom;
      }),
      (e) => e === boom,
    );
    await assert.rejects(
      pool.submitWait(() => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(
      await pool.submitWait(() => "still works"),
      "still works",
      "a failed task does not kill its worker",
    );
    await pool.stop();
  });

  test("an idle worker takes the next task instead of a new worker starting", async () => {
    const pool = new WorkerPool({ workers: 5, idleTimeout: 60_000 });
    await pool.submitWait(() => 1);
    assert.equal(pool.workers, 1);
    await settle(); // the worker is back, idle
    await pool.submitWait(() => 2);
    await settle();
    await pool.submitWait(() => 3);
    assert.equal(pool.workers, 1, "the idle worker was reused");
    await pool.stop();
    assert.equal(pool.workers, 0);
  });
});

describe("WorkerPool: stop and stopWait", () => {
  test("stop drops the queued tasks: their submitWait rejects with PoolStoppedError; running ones finish", async () => {
    const pool = new WorkerPool({ workers: 1 });
    const g = gate();
    const log: string[] = [];
    const running = probe(
      pool.submitWait(async () => {
        log.push("running");
        await g.promise;
        log.push("finished");
        return "r";
      }),
    );
    pool.submit(() => log.push("queued submit"));
    const queued = probe(pool.submitWait(() => log.push("queued submitWait")));
    await settle();
    const stopped = probe(pool.stop());
    await settle();
    assert.ok(queued.error instanceof PoolStoppedError);
    assert.equal((queued.error as Error).message, "workerpool: stopped");
    assert.equal(stopped.pending, true, "stop waits for the running task");
    assert.equal(pool.waiting, 0);
    g.open();
    await settle();
    assert.equal(stopped.fulfilled, true);
    assert.equal(running.value, "r");
    assert.deepEqual(log, ["running", "finished"], "queued tasks never ran");
    assert.equal(pool.workers, 0);
  });

  test("stopWait runs every queued task first, then resolves", async () => {
    const pool = new WorkerPool({ workers: 2 });
    let done = 0;
    const results: Promise<number>[] = [];
    for (let i = 0; i < 20; i++) {
      results.push(
        pool.submitWait(async () => {
          await settle(1);
          done++;
          return i;
        }),
      );
    }
    await pool.stopWait();
    assert.equal(done, 20);
    assert.deepEqual(
      await Promise.all(results),
      Array.from({ length: 20 }, (_, i) => i),
    );
    assert.equal(pool.workers, 0);
    assert.equal(pool.stopped, true);
  });

  test("stop / stopWait on an idle pool resolve at once and retire every worker", async () => {
    const pool = new WorkerPool({ workers: 3, idleTimeout: 60_000 });
    await Promise.all([pool.submitWait(() => 1), pool.submitWait(() => 2)]);
    assert.equal(pool.workers, 2);
    await pool.stopWait();
    assert.equal(pool.workers, 0);
    await new WorkerPool({ workers: 1 }).stop();
  });

  test("after stop, submit throws and submitWait rejects (.catch sees it) at once", async () => {
    const pool = new WorkerPool({ workers: 1 });
    await pool.stop();
    const STOPPED = { name: "GoSyncError", message: "workerpool: submit on stopped pool" };
    assert.throws(() => pool.submit(() => {}), STOPPED);
    assert.deepEqual(
      await pool.submitWait(() => 1).catch((e: GoSyncError) => ({ name: e.name, message: e.message })),
      STOPPED,
    );
    const drained = new WorkerPool({ workers: 1 });
    const done = drained.stopWait();
    assert.throws(
      () => drained.submit(() => {}),
      (e) => e instanceof GoSyncError,
    );
    await done;
  });
});

describe("WorkerPool: idle workers", () => {
  test("idle workers retire after idleTimeout; the pool then holds no task", async () => {
    const before = liveTasks();
    const pool = new WorkerPool({ workers: 3, idleTimeout: 1 });
    await Promise.all([1, 2, 3].map((i) => pool.submitWait(() => i)));
    assert.equal(pool.workers, 3);
    assert.ok(await eventually(() => pool.workers === 0), "every worker retired");
    await settle();
    assert.equal(liveTasks(), before, "no task left behind");
    assert.equal(await pool.submitWait(() => "again"), "again", "a retired pool starts workers again");
    await pool.stop();
  });

  test("a busy worker does not retire, however long its task takes", async () => {
    const pool = new WorkerPool({ workers: 1, idleTimeout: 1 });
    const g = gate();
    const t = probe(pool.submitWait(() => g.promise.then(() => "done")));
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(pool.workers, 1);
    g.open();
    assert.equal(await t.promise, "done");
    await pool.stop();
  });
});

describe("WorkerPool: errors and bad input", () => {
  test("onError receives what a submit()ted task throws; the worker goes on", async () => {
    const seen: unknown[] = [];
    const pool = new WorkerPool({ workers: 1, onError: (e) => seen.push(e) });
    const e1 = new Error("sync");
    const e2 = new Error("async");
    pool.submit(() => {
      throw e1;
    });
    pool.submit(async () => {
      throw e2;
    });
    let after = false;
    pool.submit(() => {
      after = true;
    });
    await pool.stopWait();
    assert.deepEqual(seen, [e1, e2]);
    assert.equal(after, true);
  });

  test("without onError the error is a panic; with a panic handler installed the pool stays whole", async () => {
    const panics: unknown[] = [];
    const prev = setPanicHandler((e) => panics.push(e));
    try {
      const pool = new WorkerPool({ workers: 1 });
      const boom = new Error("boom");
      pool.submit(() => {
        throw boom;
      });
      let after = false;
      pool.submit(() => {
        after = true;
      });
      await settle();
      assert.deepEqual(panics, [boom], "the escaping error went to the panic handler");
      assert.equal(after, true, "the queued task still runs");
      const stopped = probe(pool.stopWait());
      await settle();
      assert.equal(stopped.fulfilled, true, "stopWait resolves: the panicked worker was accounted for");
      assert.equal(pool.workers, 0);
    } finally {
      setPanicHandler(prev);
    }
  });

  test("bad options and tasks throw at once (submitWait rejects: it returns a promise)", async () => {
    for (const workers of [0, -1, 1.5, Number.NaN]) {
      assert.throws(() => new WorkerPool({ workers }), RangeError, String(workers));
    }
    assert.throws(() => new WorkerPool({ workers: 1, idleTimeout: Number.NaN }), TypeError);
    assert.throws(() => new WorkerPool({ workers: 1, onError: 3 as unknown as () => void }), TypeError);
    const pool = new WorkerPool({ workers: 1 });
    assert.throws(() => pool.submit(null as unknown as () => void), TypeError);
    await assert.rejects(pool.submitWait(null as unknown as () => void), TypeError);
  });
});
