// ThreadPool with real worker threads: results (inline and by message), errors that keep their
// class name, message, stack and cause, bad input, ctx cancellation of queued and running tasks
// with grace and thread replacement, maxQueue, close, and threads that die. Blocking is shown with
// shared-memory gates (a task holds its thread until the test opens the gate), never with timing.

import assert from "node:assert/strict";
import { availableParallelism } from "node:os";
import { after, describe, test } from "node:test";
import { background, Canceled, withCancel } from "../../src/index.js";
import { Mutex } from "../../src/threads/index.js";
import {
  PoolClosedError,
  QueueFullError,
  ThreadExitError,
  ThreadPool,
} from "../../src/threads/thread-pool.js";
import type * as Contract from "../contract/threads.js";
import { run } from "../helpers/child.js";

const TASKS = new URL("./fixtures/pool-tasks.ts", import.meta.url);
const BROKEN = new URL("./fixtures/pool-broken.ts", import.meta.url);
const T = { timeout: 60_000 };

/** Cells of a gate: [started, open, marked, never]. */
function cells(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(16));
}

/** Waits (without blocking this thread) until cell 0 reaches n: that many gated tasks have started. */
async function started(c: Int32Array, n: number): Promise<void> {
  for (;;) {
    const v = Atomics.load(c, 0);
    if (v >= n) return;
    const r = (
      Atomics as unknown as {
        waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
      }
    ).waitAsync(c, 0, v);
    if (r.async) await r.value;
  }
}

function open(c: Int32Array): void {
  Atomics.store(c, 1, 1);
  Atomics.notify(c, 1);
}

const pools: ThreadPool[] = [];
function pool(size: number, opts: { maxQueue?: number } = {}, module: URL = TASKS): ThreadPool {
  const p = new ThreadPool(module, { size, ...opts });
  pools.push(p);
  return p;
}
after(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

test("ThreadPool satisfies the API contract (checked by the type checker) and is exported", T, async () => {
  const p: Contract.ThreadPool = pool(1);
  assert.equal(p.size, 1);
  assert.equal(p.queued, 0);
  assert.equal(await p.run<number>("add", [1, 2], { graceMs: 10, transfer: [] }), 3);
  await p.close();
});

describe("results", () => {
  test("numbers, strings, booleans, bigints, null and undefined come back inline", T, async () => {
    const p = pool(2);
    assert.equal(await p.run("add", [2, 40]), 42);
    assert.equal(await p.run("echo", ["héllo ✓"]), "héllo ✓");
    assert.equal(await p.run("echo", [true]), true);
    assert.equal(await p.run("echo", [-(2n ** 62n)]), -(2n ** 62n));
    assert.equal(await p.run("echo", [null]), null);
    assert.equal(await p.run("echo", [undefined]), undefined);
    assert.equal(await p.run("echo", [Number.NaN]), Number.NaN);
    assert.equal(await p.run("concat", [1, "a", false, null, undefined, 3n]), "1|a|false|null|undefined|3");
  });

  test("objects, Maps, long strings and huge bigints travel by message, deep-equal", T, async () => {
    const p = pool(2);
    const value = { list: [1, "two", { three: 3 }], map: new Map([["k", new Set([1, 2])]]), at: new Date(0) };
    assert.deepEqual(await p.run("echo", [value]), value);
    assert.equal(await p.run("big", [10_000]), "x".repeat(10_000));
    assert.equal(await p.run("echo", ["y".repeat(5_000)]), "y".repeat(5_000));
    assert.equal(await p.run("echo", [2n ** 100n]), 2n ** 100n);
  });

  test("transfer moves an ArrayBuffer to the task instead of copying it", T, async () => {
    const p = pool(1);
    const bytes = new Uint8Array([1, 2, 3, 250]);
    assert.equal(await p.run("sumBytes", [bytes], { transfer: [bytes.buffer] }), 256);
    assert.equal(bytes.buffer.byteLength, 0, "the caller's buffer is detached: it moved");
    const kept = new Uint8Array([7, 8]);
    assert.equal(await p.run("sumBytes", [kept]), 15);
    assert.equal(kept.byteLength, 2, "without transfer it is copied");
  });

  test("an async task's awaited value", T, async () => {
    const p = pool(1);
    assert.equal(await p.run("later", ["done"]), "done");
  });

  test(
    "1,000 tasks in flight at once (more than the queue's slots) all get their own result",
    T,
    async () => {
      const p = pool(2);
      const results = await Promise.all(
        Array.from({ length: 1_000 }, (_, i) => p.run<number>("add", [i, i])),
      );
      assert.deepEqual(
        results,
        Array.from({ length: 1_000 }, (_, i) => 2 * i),
      );
    },
  );

  test("size defaults to the available parallelism; tasks run on `size` threads at once", T, async () => {
    const p = pool(3);
    assert.equal(new ThreadPool(TASKS, { size: 1 }).size, 1);
    const dflt = new ThreadPool(TASKS);
    pools.push(dflt);
    assert.equal(dflt.size, availableParallelism());
    const c = cells();
    // Each of three tasks waits until all three have started: only three threads at once let them.
    const ids = await Promise.all([0, 1, 2].map(() => p.run<number>("meet", [c, 3])));
    assert.equal(new Set(ids).size, 3);
  });

  test("the module may be given as a path string", T, async () => {
    const p = new ThreadPool(TASKS.pathname, { size: 1 });
    pools.push(p);
    assert.equal(await p.run("add", [1, 1]), 2);
  });
});

describe("errors", () => {
  test(
    "a thrown error arrives with its class name, message, stack, cause and own properties",
    T,
    async () => {
      const p = pool(1);
      const err = await p.run("fails", ["x"]).then(
        () => assert.fail("should reject"),
        (e: unknown) => e as Error & { code?: string },
      );
      assert.ok(err instanceof Error);
      assert.equal(err.constructor.name, "ValidationError");
      assert.equal(err.name, "ValidationError");
      assert.equal(err.message, "bad input: x");
      assert.match(err.stack ?? "", /pool-tasks\.ts/, "the stack is the thread's, where it was thrown");
      assert.equal(err.code, "E_INVALID");
      assert.ok(err.cause instanceof RangeError, "a standard cause keeps its class");
      assert.equal((err.cause as Error).message, "out of range");
    },
  );

  test("standard error classes stay themselves; async rejections too", T, async () => {
    const p = pool(1);
    await assert.rejects(
      p.run("failsLater"),
      (e: unknown) => e instanceof TypeError && e.message === "async failure",
    );
  });

  test("a thrown non-error value arrives as that value", T, async () => {
    const p = pool(1);
    await assert.rejects(p.run("throwsString"), (e: unknown) => e === "a plain string");
  });

  test("an unknown function name rejects with a TypeError naming it", T, async () => {
    const p = pool(1);
    await assert.rejects(p.run("nope"), { name: "TypeError", message: /exports no function "nope"/ });
  });

  test(
    "a module that fails to load: every run rejects with its error, the pool stays usable to close",
    T,
    async () => {
      const p = pool(1, {}, BROKEN);
      await assert.rejects(p.run("never"), { name: "SyntaxError", message: "this module does not load" });
      await assert.rejects(p.run("never"), { name: "SyntaxError" });
    },
  );

  test(
    "bad input: a RangeError/TypeError naming the argument, as a rejection, never a throw",
    T,
    async () => {
      const p = pool(1);
      const calls: [() => Promise<unknown>, RegExp, ErrorConstructor][] = [
        [() => p.run(""), /name must be a non-empty string/, TypeError],
        [() => p.run(3 as unknown as string), /name must be a non-empty string/, TypeError],
        [() => p.run("add", "1, 2" as unknown as unknown[]), /args must be an array/, TypeError],
        [() => p.run("add", [], { graceMs: -1 }), /options\.graceMs must be a number >= 0/, RangeError],
        [() => p.run("add", [], { ctx: {} as never }), /ctx must be a Context or an AbortSignal/, TypeError],
      ];
      for (const [call, message, cls] of calls) {
        let promise: Promise<unknown> | undefined;
        assert.doesNotThrow(() => {
          promise = call();
        });
        await assert.rejects(
          promise!,
          (e: unknown) => e instanceof cls && message.test((e as Error).message),
        );
      }
      assert.throws(() => new ThreadPool(TASKS, { size: 0 }), {
        name: "RangeError",
        message: /options\.size/,
      });
      assert.throws(() => new ThreadPool(TASKS, { maxQueue: -1 }), {
        name: "RangeError",
        message: /options\.maxQueue/,
      });
      assert.throws(() => new ThreadPool(42 as unknown as string), {
        name: "TypeError",
        message: /module must be/,
      });
    },
  );
});

describe("cancellation", () => {
  test("a ctx already cancelled rejects at once and nothing runs", T, async () => {
    const p = pool(1);
    const [ctx, cancel] = withCancel(background());
    cancel();
    const c = cells();
    await assert.rejects(p.run("mark", [c], { ctx }), (e: unknown) => e === ctx.err());
    assert.equal(await p.run("add", [1, 2]), 3);
    assert.equal(Atomics.load(c, 2), 0);
  });

  test("a queued task whose ctx is cancelled never starts, and leaves the queue", T, async () => {
    const p = pool(1);
    const c = cells();
    const holder = p.run<number>("gate", [c]);
    await started(c, 1);
    const [ctx, cancel] = withCancel(background());
    const queued = p.run("mark", [c], { ctx });
    const behind = p.run("add", [20, 22]);
    assert.equal(p.queued, 2);
    cancel();
    await assert.rejects(queued, (e: unknown) => e === ctx.err());
    assert.equal(p.queued, 1, "the cancelled task no longer counts as queued");
    open(c);
    await holder;
    assert.equal(await behind, 42);
    assert.equal(Atomics.load(c, 2), 0, "the cancelled task never ran");
  });

  test("an AbortSignal cancels as a ctx does", T, async () => {
    const p = pool(1);
    const c = cells();
    const holder = p.run("gate", [c]);
    await started(c, 1);
    const ac = new AbortController();
    const queued = p.run("mark", [c], { ctx: ac.signal });
    ac.abort(new Error("stop"));
    await assert.rejects(queued, { message: "stop" });
    open(c);
    await holder;
    assert.equal(Atomics.load(c, 2), 0);
  });

  test(
    "a running task that ignores its ctx: after graceMs its thread is replaced and run rejects",
    T,
    async () => {
      const p = pool(1);
      const before = await p.run<number>("whoAmI");
      const c = cells();
      const [ctx, cancel] = withCancel(background());
      const running = p.run("hang", [c], { ctx, graceMs: 10 });
      await started(c, 1);
      cancel();
      await assert.rejects(running, (e: unknown) => e === ctx.err());
      const afterwards = await p.run<number>("whoAmI");
      assert.notEqual(afterwards, before, "a new thread took the old one's place");
      assert.equal(await p.run("add", [1, 1]), 2);
    },
  );

  test(
    "a cancelled running task that finishes within graceMs keeps its thread; run rejects with ctx's error",
    T,
    async () => {
      const p = pool(1);
      const c = cells();
      const [ctx, cancel] = withCancel(background());
      const running = p.run<number>("gate", [c], { ctx, graceMs: 60_000 });
      await started(c, 1);
      cancel();
      open(c);
      await assert.rejects(running, (e: unknown) => e === ctx.err());
      const ran = await p.run<number>("whoAmI");
      assert.equal(ran, await p.run<number>("whoAmI"));
    },
  );
});

describe("shared primitives and contexts as arguments and results", () => {
  test(
    "a shared Mutex guards a plain shared counter across two pool threads: no update lost",
    T,
    async () => {
      const p = pool(2);
      const mu = new Mutex();
      const c = cells();
      const n = 20_000;
      await Promise.all([p.run("lockedIncrements", [mu, c, n]), p.run("lockedIncrements", [mu, c, n])]);
      assert.equal(c[0], 2 * n);
      assert.equal(mu.locked, false);
    },
  );

  test("the mutex a task sees is the caller's: held here, tryLock fails there", T, async () => {
    const p = pool(1);
    const mu = new Mutex();
    await mu.lock();
    assert.equal(await p.run("tryLockOnce", [mu]), false);
    mu.unlock();
    assert.equal(await p.run("tryLockOnce", [mu]), true);
  });

  test("a primitive returned by a task arrives live", T, async () => {
    const p = pool(1);
    const mu = await p.run<Mutex>("lockedMutex");
    assert.ok(mu instanceof Mutex);
    assert.equal(mu.locked, true, "locked on the pool thread, seen locked here");
    mu.unlock();
    assert.equal(mu.tryLock(), true);
  });

  test("cancelling the ctx stops a cooperative CPU-bound task at once; its thread stays", T, async () => {
    const p = pool(1);
    const before = await p.run<number>("whoAmI");
    const [ctx, cancel] = withCancel(background());
    const c = cells();
    const running = p.run("spinUntilCancelled", [ctx, c], { ctx, graceMs: 60_000 });
    await started(c, 1);
    cancel();
    await assert.rejects(running, (e: unknown) => e === ctx.err());
    assert.equal(await p.run<number>("whoAmI"), before, "no replacement was needed");
  });

  test(
    "a ctx passed only as an argument: the task sees it cancelled, ctx.err() arrives as the sentinel",
    T,
    async () => {
      const p = pool(2);
      const [ctx, cancel] = withCancel(background());
      const c = cells();
      const spinning = p.run("spinUntilCancelled", [ctx, c]);
      const waiting = p.run("untilDone", [ctx]);
      await started(c, 1);
      cancel();
      await assert.rejects(spinning, (e: unknown) => e === Canceled);
      assert.equal(await waiting, "context canceled");
    },
  );
});

describe("queue bound, close, dead threads", () => {
  test("maxQueue: past it run rejects with QueueFullError; the queued ones still run", T, async () => {
    const p = pool(1, { maxQueue: 2 });
    assert.equal(p.maxQueue, 2);
    const c = cells();
    const holder = p.run("gate", [c]);
    await started(c, 1);
    const a = p.run("add", [1, 0]);
    const b = p.run("add", [2, 0]);
    assert.equal(p.queued, 2);
    await assert.rejects(
      p.run("add", [3, 0]),
      (e: unknown) => e instanceof QueueFullError && /queue full/.test((e as Error).message),
    );
    open(c);
    await holder;
    assert.deepEqual(await Promise.all([a, b]), [1, 2]);
    assert.equal(p.queued, 0);
  });

  test("maxQueue 0: a task is accepted only when a thread is free for it", T, async () => {
    const p = pool(1, { maxQueue: 0 });
    const c = cells();
    const holder = p.run("gate", [c]);
    await assert.rejects(p.run("add", [1, 1]), QueueFullError, "the one thread is spoken for");
    await started(c, 1);
    await assert.rejects(p.run("add", [1, 1]), QueueFullError);
    open(c);
    await holder;
    assert.equal(await p.run("add", [1, 1]), 2, "free again: accepted");
  });

  test("close waits for running and queued tasks, then run rejects with PoolClosedError", T, async () => {
    const p = new ThreadPool(TASKS, { size: 1 });
    const c = cells();
    const holder = p.run<number>("gate", [c]);
    await started(c, 1);
    const queued = p.run("add", [5, 5]);
    let closed = false;
    const closing = p.close().then(() => {
      closed = true;
    });
    await assert.rejects(p.run("add", [1, 1]), PoolClosedError);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(closed, false, "close() waits while a task runs");
    open(c);
    await holder;
    assert.equal(await queued, 10);
    await closing;
    assert.equal(closed, true);
    assert.equal(p.close(), p.close(), "close is idempotent");
  });

  test("await using closes the pool at the end of the scope", T, async () => {
    let escaped: ThreadPool;
    {
      await using p = new ThreadPool(TASKS, { size: 1 });
      escaped = p;
      assert.equal(await p.run("add", [1, 2]), 3);
    }
    await assert.rejects(escaped.run("add", [1, 2]), PoolClosedError);
  });

  test("process.exit in a task: it rejects with ThreadExitError and a new thread takes over", T, async () => {
    const p = pool(1);
    const before = await p.run<number>("whoAmI");
    await assert.rejects(
      p.run("exits", [3]),
      (e: unknown) =>
        e instanceof ThreadExitError && /exited with code 3 while running "exits"/.test(e.message),
    );
    const afterwards = await p.run<number>("whoAmI");
    assert.notEqual(afterwards, before);
    assert.equal(await p.run("add", [2, 2]), 4);
  });

  test(
    "a thread that dies while idle is replaced; the task that left the timer had already resolved",
    T,
    async () => {
      const p = pool(1);
      const before = await p.run<number>("whoAmI");
      assert.equal(await p.run("crashesLater"), "returned");
      // Wait (by asking, not by timing) until a new thread has taken the dead one's place.
      let now = before;
      while (now === before) now = await p.run<number>("whoAmI");
      assert.notEqual(now, before);
      assert.equal(await p.run("add", [4, 4]), 8);
    },
  );

  test(
    "an uncaught error outside the task kills the thread: the task rejects with it as cause",
    T,
    async () => {
      const p = pool(1);
      const err = await p.run("crashes").then(
        () => assert.fail("should reject"),
        (e: unknown) => e as Error,
      );
      assert.ok(err instanceof ThreadExitError);
      assert.match(err.message, /while running "crashes"/);
      assert.equal((err.cause as Error).message, "uncaught in a timer");
      assert.equal(await p.run("add", [3, 3]), 6);
    },
  );
});

describe("the process", () => {
  const POOL = new URL("../../src/threads/thread-pool.ts", import.meta.url).href;
  const DEBUG = new URL("../../src/debug/index.ts", import.meta.url).href;
  const head = `const { ThreadPool } = await import(${JSON.stringify(POOL)});
const pool = new ThreadPool(new URL(${JSON.stringify(TASKS.href)}), { size: 2 });`;

  test("a pool that was never closed does not keep the process alive once idle", T, async () => {
    const r = await run(`${head}\nconsole.log(await pool.run("add", [1, 2]));`);
    assert.equal(r.stderr, "");
    assert.deepEqual([r.status, r.signal, r.stdout], [0, null, "3\n"]);
  });

  test("a pending task keeps it alive until its result is in", T, async () => {
    const r = await run(`${head}\npool.run("later", ["late"]).then((v) => console.log(v));`);
    assert.deepEqual([r.status, r.stdout], [0, "late\n"]);
  });

  test("after close the process exits by itself", T, async () => {
    const r = await run(
      `${head}\nconsole.log(await pool.run("add", [2, 2]));\nawait pool.close();\nconsole.log("closed");`,
    );
    assert.deepEqual([r.status, r.stdout], [0, "4\nclosed\n"]);
  });

  test(
    "a task dump names the thread-level operations blocked here: ThreadPool.run, threads.Mutex.lock, SharedChan.recv, threads.WaitGroup.wait",
    T,
    async () => {
      const THREADS = new URL("../../src/threads/index.ts", import.meta.url).href;
      const r = await run(`${head}
const debug = await import(${JSON.stringify(DEBUG)});
const { Mutex, SharedChan, WaitGroup } = await import(${JSON.stringify(THREADS)});
debug.enableTracking();
const mu = new Mutex();
const c = new Int32Array(new SharedArrayBuffer(16));
const task = pool.run("holdUntilOpen", [mu, c]);
while (Atomics.load(c, 0) === 0) await new Promise((r) => setTimeout(r, 1));
const locking = mu.lock();
const ch = new SharedChan(1, { codec: "int32" });
const receiving = ch.recv();
const wg = new WaitGroup();
wg.add(1);
const waiting = wg.wait();
console.log(debug.formatTaskDump());
wg.done();
await waiting;
await ch.send(7);
console.log("received", await receiving);
Atomics.store(c, 1, 1); Atomics.notify(c, 1);
console.log("ran on", await task);
await locking;
mu.unlock();
console.log(debug.dumpTasks().tasks.length, "blocked after");
await pool.close();`);
      assert.equal(r.status, 0, r.stderr);
      const id = /ran on (\d+)/.exec(r.stdout)?.[1];
      assert.ok(id !== undefined, r.stdout);
      assert.match(r.stdout, /^goroutine 1 \[ThreadPool\.run\]:$/m);
      assert.match(
        r.stdout,
        new RegExp(
          `^main: waiting on ThreadPool task "holdUntilOpen" \\(running on thread ${id}\\) on thread 0$`,
          "m",
        ),
      );
      assert.match(
        r.stdout,
        /^main: also waiting on threads\.Mutex \(locked, 1 waiting on all threads\) \[threads\.Mutex\.lock\] on thread 0$/m,
      );
      assert.match(
        r.stdout,
        /^main: also waiting on SharedChan \(cap 1, len 0\) \[SharedChan\.recv\] on thread 0$/m,
      );
      assert.match(
        r.stdout,
        /^main: also waiting on threads\.WaitGroup \(counter 1, 1 waiting on all threads\) \[threads\.WaitGroup\.wait\] on thread 0$/m,
      );
      assert.match(r.stdout, /^received 7$/m);
      assert.match(r.stdout, /^0 blocked after$/m, "the records end when the operations complete");
    },
  );
});
