// The leak check (goleak for gosync): expectNoLeakedTasks() names what a test left behind, lets
// tasks that are just finishing finish, ignores what existed before (the baseline), and leakCheck()
// installs it as test hooks.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, go, Mutex, yieldNow } from "../../src/index.js";
import {
  expectNoLeakedTasks,
  findLeakedTasks,
  LeakError,
  leakCheck,
  snapshotTasks,
  type TestHooks,
} from "../../src/testing/index.js";
import { runProgram } from "../debug/helpers.js";

const quick = { turns: 3, graceMs: 0 } as const;

async function leakError(p: Promise<void>): Promise<LeakError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LeakError, String(e));
    return e;
  }
  assert.fail("expected a LeakError");
}

describe("expectNoLeakedTasks", () => {
  test("passes when every task has finished", async () => {
    const ch = new Chan<number>();
    go(async () => ch.send(1));
    assert.equal(await ch.recv(), 1);
    await expectNoLeakedTasks();
  });

  test("lets tasks that are about to finish finish (turns of the event loop, no sleeping)", async () => {
    go(async function finishing() {
      for (let i = 0; i < 5; i++) await yieldNow();
    });
    await expectNoLeakedTasks({ turns: 20, graceMs: 0 });
  });

  test("names a task left blocked, and what it waits on, with the dump", async () => {
    const orders = new Chan<string>(0, "orders");
    go(async function orderConsumer() {
      for await (const o of orders) void o;
    });
    const e = await leakError(expectNoLeakedTasks(quick));
    assert.match(
      e.message,
      /^found unexpected goroutines: 1 task\(s\) still running, 1 operation\(s\) still blocked\n\n/,
    );
    assert.match(
      e.message,
      /goroutine \d+ \[chan receive\]:\norderConsumer: waiting on chan "orders" \(unbuffered\)/,
    );
    assert.equal(e.dump.tasks.length, 1);
    assert.equal(e.dump.tasks[0]!.name, "orderConsumer");
    orders.close();
    await expectNoLeakedTasks();
  });

  test("an operation left blocked by the test itself (main) is a leak too", async () => {
    const mu = new Mutex("config");
    await mu.lock();
    const second = mu.lock(); // never awaited: blocked for good unless unlocked
    const e = await leakError(expectNoLeakedTasks(quick));
    assert.match(e.message, /0 task\(s\) still running, 1 operation\(s\) still blocked/);
    assert.match(e.message, /^goroutine 1 \[sync\.Mutex\.Lock\]:\nmain: waiting on Mutex "config"$/m);
    mu.unlock();
    await second;
    mu.unlock();
  });

  test("a task awaiting something outside gosync is still running: a leak", async () => {
    let release: () => void = () => {};
    go(async function fetcher() {
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const e = await leakError(expectNoLeakedTasks(quick));
    assert.match(e.message, /\[await\]:\nfetcher: awaiting something outside gosync/);
    release();
    await expectNoLeakedTasks();
  });

  test("what existed before the baseline is not this test's leak", async () => {
    const old = new Chan<void>(0, "old");
    go(async function longLived() {
      await old.recv();
    });
    await yieldNow();
    const baseline = snapshotTasks();
    await expectNoLeakedTasks({ ...quick, baseline });
    const fresh = new Chan<void>(0, "fresh");
    go(async function newcomer() {
      await fresh.recv();
    });
    const e = await leakError(expectNoLeakedTasks({ ...quick, baseline }));
    assert.deepEqual(
      e.dump.tasks.map((t) => t.name),
      ["newcomer"],
    );
    fresh.close();
    old.close();
  });

  test("ignore leaves chosen tasks out", async () => {
    const stop = new Chan<void>(0, "stop");
    go(async function daemon() {
      await stop.recv();
    });
    await expectNoLeakedTasks({ ...quick, ignore: (t) => t.name === "daemon" });
    assert.equal(findLeakedTasks().tasks.length, 1);
    stop.close();
  });
});

describe("leakCheck", () => {
  function fakeRunner(): { hooks: TestHooks; registered: Map<string, () => unknown> } {
    const registered = new Map<string, () => unknown>();
    const hook = (name: string) => (fn: () => unknown) => {
      registered.set(name, fn);
    };
    return {
      hooks: {
        beforeEach: hook("beforeEach"),
        afterEach: hook("afterEach"),
        before: hook("before"),
        after: hook("after"),
      },
      registered,
    };
  }

  test("registers a snapshot before each test and a check after it (any runner's hooks)", async () => {
    const { hooks, registered } = fakeRunner();
    leakCheck({ hooks, ...quick });
    assert.deepEqual([...registered.keys()], ["beforeEach", "afterEach"]);
    const stuck = new Chan<void>(0, "stuck");
    go(async () => stuck.recv()); // before the "test": part of its baseline
    await yieldNow();
    registered.get("beforeEach")!();
    await registered.get("afterEach")!(); // a clean "test"
    const leaked = new Chan<void>(0, "leaked");
    go(async function leaky() {
      await leaked.recv();
    });
    const e = await leakError(registered.get("afterEach")!() as Promise<void>);
    assert.deepEqual(
      e.dump.tasks.map((t) => t.name),
      ["leaky"],
    );
    stuck.close();
    leaked.close();
  });

  test("scope 'all' checks once, after all the tests", () => {
    const { hooks, registered } = fakeRunner();
    leakCheck({ hooks, scope: "all" });
    assert.deepEqual([...registered.keys()], ["before", "after"]);
  });

  test("with node:test, a test that leaks a task fails, naming it", async () => {
    const r = await runProgram("test/testing/fixtures/leaky-suite.ts", {
      preload: false,
      nodeArgs: ["--test", "--test-reporter=spec"],
    });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = r.stdout + r.stderr;
    assert.match(out, /✔ stops its worker/);
    assert.match(out, /✖ forgets its worker/);
    assert.match(out, /found unexpected goroutines/);
    assert.match(out, /forgottenWorker: waiting on chan "work"/);
    assert.match(out, /ℹ pass 1\n/);
    assert.match(out, /ℹ fail 1\n/);
  });
});
