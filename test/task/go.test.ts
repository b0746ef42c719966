// go(), setPanicHandler() and yieldNow(): Go's `go` statement, a panic escaping a goroutine, and
// runtime.Gosched (Go in Action's lost-update program).
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { Chan, go, type PanicHandler, setPanicHandler, sleep, yieldNow } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

/** Installs a handler for one test; restores the previous one afterwards. */
function catchPanics(): { errors: unknown[]; names: string[]; got: Chan<unknown> } {
  const errors: unknown[] = [];
  const names: string[] = [];
  const got = new Chan<unknown>(100);
  const prev = setPanicHandler((e, task) => {
    errors.push(e);
    names.push(task.name);
    got.trySend(e);
  });
  restore.push(prev);
  return { errors, names, got };
}

const restore: (PanicHandler | null)[] = [];
afterEach(() => {
  while (restore.length > 0) setPanicHandler(restore.pop() ?? null);
});

describe("go", { timeout: 10_000 }, () => {
  test("the caller continues first; fn runs on a later microtask", async () => {
    const order: string[] = [];
    go(() => {
      order.push("task");
    });
    order.push("caller");
    assert.deepEqual(order, ["caller"]);
    await Promise.resolve();
    await Promise.resolve();
    assert.deepEqual(order, ["caller", "task"]);
  });

  test("passes the arguments, evaluated at the call (as Go)", async () => {
    const done = new Chan<string>(1);
    let x = 1;
    go(
      (a: number, b: string, c: { n: number }) => {
        done.trySend(`${a} ${b} ${c.n}`);
      },
      x,
      "two",
      { n: 3 },
    );
    x = 99;
    assert.equal(await done.recv(), "1 two 3");
    assert.equal(x, 99);
  });

  test("runs async functions to completion while the caller goes on", async () => {
    const ch = new Chan<number>();
    go(async (n: number) => {
      for (let i = 0; i < n; i++) await ch.send(i);
      ch.close();
    }, 5);
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    assert.deepEqual(got, [0, 1, 2, 3, 4]);
  });

  test("tasks started in a row all run", async () => {
    const ch = new Chan<number>(100);
    for (let i = 0; i < 100; i++) go((n: number) => ch.trySend(n), i);
    await nextMacrotask();
    assert.equal(ch.length, 100);
  });

  test("registry.liveTasks goes up at go() and back down when the task settles", async () => {
    const base = registry.liveTasks;
    const gate = new Chan<void>();
    go(async () => {
      await gate.recv();
    });
    go(() => {});
    assert.equal(registry.liveTasks, base + 2, "counted at go()");
    await nextMacrotask();
    assert.equal(registry.liveTasks, base + 1, "the sync task ended; the blocked one is live");
    gate.close();
    await nextMacrotask();
    assert.equal(registry.liveTasks, base);
  });

  test("a thenable returned by fn is the task: live until it settles", async () => {
    const base = registry.liveTasks;
    let settle: (v: unknown) => void = () => {};
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then(onFulfilled: (v: unknown) => void) {
        settle = onFulfilled;
      },
    };
    go(() => thenable);
    await nextMacrotask();
    assert.equal(registry.liveTasks, base + 1, "still live while its thenable is pending");
    settle(1);
    await nextMacrotask();
    assert.equal(registry.liveTasks, base);
  });

  test("registry.liveTasks also goes back down for tasks that panic", () =>
    synctest(async () => {
      const { got } = catchPanics();
      const base = registry.liveTasks;
      go(() => {
        throw new Error("sync");
      });
      go(async () => {
        await sleep(1000); // virtual time
        throw new Error("async");
      });
      assert.equal(registry.liveTasks, base + 2);
      await got.recv();
      await got.recv();
      assert.equal(registry.liveTasks, base);
    }));

  test("a non-function throws TypeError at once", () => {
    for (const bad of [null, undefined, 1, "fn", {}]) {
      assert.throws(() => go(bad as unknown as () => void), TypeError);
    }
  });
});

describe("setPanicHandler", { timeout: 10_000 }, () => {
  test("receives an error thrown synchronously by a task, with the task's name", async () => {
    const { got, names } = catchPanics();
    const boom = new Error("boom");
    go(function worker() {
      throw boom;
    });
    assert.equal(await got.recv(), boom);
    assert.deepEqual(names, ["worker"]);
  });

  test("receives an async rejection; anonymous tasks are named 'anonymous'", async () => {
    const { got, names } = catchPanics();
    const boom = new Error("async boom");
    go(async () => {
      await yieldNow();
      throw boom;
    });
    assert.equal(await got.recv(), boom);
    assert.deepEqual(names, ["anonymous"]);
  });

  test("is told the goroutine number and the function's name, for async rejections too", async () => {
    const seen: { id: number; name: string }[] = [];
    const got = new Chan<void>(2);
    restore.push(
      setPanicHandler((_e, task) => {
        seen.push({ id: task.id, name: task.name });
        got.trySend(undefined);
      }),
    );
    go(async function first() {
      await yieldNow();
      throw new Error("one");
    });
    go(async function second() {
      await sleep(5);
      throw new Error("two");
    });
    await got.recv();
    await got.recv();
    seen.sort((x, y) => x.id - y.id);
    assert.deepEqual(
      seen.map((t) => t.name),
      ["first", "second"],
      "numbered in the order go() was called",
    );
    const [a, b] = seen.map((t) => t.id);
    assert.ok(a !== undefined && Number.isInteger(a) && a > 1, `id ${a}`);
    assert.equal(b, a + 1);
  });

  test("a thenable's rejection, or a then that throws, is a panic", async () => {
    const { got } = catchPanics();
    const boom = new Error("thenable rejected");
    const bad = new Error("then threw");
    go(() => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then(_onFulfilled: unknown, onRejected: (e: unknown) => void) {
        onRejected(boom);
      },
    }));
    go(() => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what this test is about
      then() {
        throw bad;
      },
    }));
    const seen = [await got.recv(), await got.recv()];
    assert.ok(seen.includes(boom) && seen.includes(bad), String(seen));
  });

  test("receives non-Error values as they were thrown", async () => {
    const { got } = catchPanics();
    go(() => {
      throw "a string";
    });
    go(async () => {
      throw 42;
    });
    const seen = [await got.recv(), await got.recv()];
    assert.deepEqual(seen.sort(), [42, "a string"].sort());
  });

  test("a task that returns normally does not reach the handler", async () => {
    const { errors } = catchPanics();
    go(() => 1);
    go(async () => "value");
    await nextMacrotask();
    await nextMacrotask();
    assert.deepEqual(errors, []);
  });

  test("one panicking task does not stop the others", async () => {
    const { got } = catchPanics();
    const ch = new Chan<number>(2);
    go(() => ch.trySend(1));
    go(() => {
      throw new Error("x");
    });
    go(() => ch.trySend(2));
    await got.recv();
    assert.deepEqual([await ch.recv(), await ch.recv()], [1, 2]);
  });

  test("returns the previous handler; null restores the default", () => {
    const h1: PanicHandler = () => {};
    const h2: PanicHandler = () => {};
    const original = setPanicHandler(h1);
    try {
      assert.equal(setPanicHandler(h2), h1);
      assert.equal(setPanicHandler(null), h2);
      assert.equal(setPanicHandler(h1), null);
    } finally {
      setPanicHandler(original);
    }
  });

  test("only the handler installed when the task fails is called", async () => {
    const first: unknown[] = [];
    const second = new Chan<unknown>(1);
    const original = setPanicHandler((e) => first.push(e));
    try {
      go(async () => {
        await yieldNow();
        throw new Error("late");
      });
      setPanicHandler((e) => second.trySend(e));
      assert.equal(((await second.recv()) as Error).message, "late");
      assert.deepEqual(first, []);
    } finally {
      setPanicHandler(original);
    }
  });

  test("a non-function handler throws TypeError", () => {
    assert.throws(() => setPanicHandler("h" as unknown as PanicHandler), TypeError);
  });
});

describe("yieldNow (runtime.Gosched)", { timeout: 10_000 }, () => {
  test("Go in Action's lost-update program: two tasks, read-yield-write twice each, ends at 2", async () => {
    let counter = 0;
    const done = new Chan<void>(2);
    const incr = async () => {
      for (let i = 0; i < 2; i++) {
        const v = counter;
        await yieldNow();
        counter = v + 1;
      }
      done.trySend(undefined);
    };
    go(incr);
    go(incr);
    await done.recv();
    await done.recv();
    assert.equal(counter, 2);
  });

  test("without yielding, the same program ends at 4", async () => {
    let counter = 0;
    const done = new Chan<void>(2);
    const incr = async () => {
      for (let i = 0; i < 2; i++) {
        const v = counter;
        counter = v + 1;
      }
      done.trySend(undefined);
    };
    go(incr);
    go(incr);
    await done.recv();
    await done.recv();
    assert.equal(counter, 4);
  });

  test("lets a runnable task run before the caller resumes", async () => {
    let ran = false;
    go(async () => {
      await Promise.resolve();
      await Promise.resolve();
      ran = true;
    });
    await yieldNow();
    assert.equal(ran, true);
  });

  test("lets pending macrotasks (I/O callbacks, immediates) run", async () => {
    let ran = false;
    setImmediate(() => {
      ran = true;
    });
    await yieldNow();
    assert.equal(ran, true);
  });

  test("resolves with undefined", async () => {
    assert.equal(await yieldNow(), undefined);
  });
});
