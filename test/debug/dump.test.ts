// The task dump: dumpTasks() as data, formatTaskDump() as Go prints goroutines, task attribution of
// blocked operations through AsyncLocalStorage, stack capture, and GOSYNC_DEBUG parsing. Every test
// releases what it blocked, and the leak check after each one proves it.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  describeTarget,
  dumpTasks,
  enableStackCapture,
  enableTracking,
  formatTaskDump,
  isTracking,
  parseDebugSettings,
  type TaskInfo,
} from "../../src/debug/index.js";
import { addObserver } from "../../src/debug/track.js";
import { background, Chan, go, Mutex, recv, select, sleep, WaitGroup, withCancel } from "../../src/index.js";
import { registry, type TaskRecord } from "../../src/internal/registry.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

enableTracking();
leakCheck();

function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function task(name: string): TaskInfo {
  const found = dumpTasks().tasks.find((t) => t.name === name);
  assert.ok(found !== undefined, `task ${name} in the dump:\n${formatTaskDump()}`);
  return found;
}

describe("dumpTasks", () => {
  test("tracking is on, and names every task and what it waits on", async () => {
    assert.ok(isTracking());
    const jobs = new Chan<number>(0, "jobs");
    go(async function worker() {
      await jobs.recv();
    });
    await drain();
    const t = task("worker");
    assert.equal(t.status, "blocked");
    assert.equal(t.main, false);
    assert.equal(t.startedBy, "go");
    assert.equal(t.createdBy, 1);
    assert.equal(t.blocked.length, 1);
    const op = t.blocked[0]!;
    assert.equal(op.reason, "chan receive");
    assert.equal(op.target, jobs);
    assert.equal(op.targetName, 'chan "jobs" (unbuffered)');
    assert.ok(op.waitedMs >= 0);
    assert.equal(op.stack, undefined); // stack capture is off
    await jobs.send(1);
  });

  test("each wait reason: chan send on a full buffer, select, sleep, Mutex, WaitGroup", async () => {
    const q = new Chan<string>(1, "q");
    q.trySend("full");
    const a = new Chan<void>();
    const [ctx, cancel] = withCancel(background());
    const mu = new Mutex("accounts");
    await mu.lock();
    const wg = new WaitGroup("batch");
    wg.add(1);
    go(async function sender() {
      await q.send("more");
    });
    go(async function selector() {
      await select(
        recv(a, () => 0),
        recv(ctx.done(), () => 1),
      );
    });
    go(async function sleeper() {
      await sleep(60_000, ctx).catch(() => {});
    });
    go(async function locker() {
      await mu.lock();
      mu.unlock();
    });
    go(async function waiter() {
      await wg.wait();
    });
    await drain();
    const seen = (name: string) => {
      const op = task(name).blocked[0]!;
      return [op.reason, op.targetName];
    };
    assert.deepEqual(seen("sender"), ["chan send", 'chan "q" (cap 1, len 1)']);
    assert.deepEqual(seen("selector"), ["select", undefined]);
    assert.deepEqual(seen("sleeper"), ["sleep", undefined]);
    assert.deepEqual(seen("locker"), ["sync.Mutex.Lock", 'Mutex "accounts"']);
    assert.deepEqual(seen("waiter"), ["sync.WaitGroup.Wait", 'WaitGroup "batch"']);
    // release everything
    assert.equal(await q.recv(), "full");
    assert.equal(await q.recv(), "more");
    cancel();
    mu.unlock();
    wg.done();
  });

  test("code outside any task is goroutine 1, main", async () => {
    const ch = new Chan<number>(0, "reply");
    const pending = ch.recv();
    const main = dumpTasks().tasks[0]!;
    assert.equal(main.id, 1);
    assert.equal(main.name, "main");
    assert.equal(main.main, true);
    assert.equal(main.status, "blocked");
    assert.equal(main.blocked[0]!.targetName, 'chan "reply" (unbuffered)');
    assert.equal(main.createdBy, undefined);
    ch.trySend(7);
    assert.equal(await pending, 7);
  });

  test("an operation blocked deep in a task's await chain is the task's; a nested task knows its creator", async () => {
    const inner = new Chan<void>(0, "inner");
    const started = new Chan<void>();
    async function helper(): Promise<void> {
      await sleep(0);
      await inner.recv();
    }
    go(async function parent() {
      go(async function child() {
        await helper();
      });
      await started.recv();
    });
    await drain();
    await drain();
    const parent = task("parent");
    const child = task("child");
    assert.equal(child.createdBy, parent.id);
    assert.equal(child.blocked[0]!.targetName, 'chan "inner" (unbuffered)');
    assert.match(formatTaskDump(), new RegExp(`created by go\\(\\) in goroutine ${parent.id}`));
    inner.trySend(undefined);
    await started.send();
  });

  test("running, await and exited tasks", async () => {
    let release: () => void = () => {};
    const foreign = new Promise<void>((resolve) => {
      release = resolve;
    });
    const never = new Chan<void>(0, "never awaited");
    let running: TaskInfo | undefined;
    const done = new Chan<void>();
    go(async function awaiter() {
      await foreign; // not a gosync operation
    });
    go(async function forgetful() {
      void never.recv(); // starts a receive and returns without awaiting it
    });
    go(async function inspector() {
      running = dumpTasks().tasks.find((t) => t.name === "inspector");
      await done.send();
    });
    await done.recv();
    assert.equal(running?.status, "running");
    assert.equal(task("awaiter").status, "await");
    assert.equal(task("awaiter").blocked.length, 0);
    const exited = task("forgetful");
    assert.equal(exited.status, "exited");
    assert.equal(exited.blocked[0]!.targetName, 'chan "never awaited" (unbuffered)');
    const text = formatTaskDump();
    assert.match(text, /\[await\]:\nawaiter: awaiting something outside gosync, or runnable/);
    assert.match(
      text,
      /\[chan receive\]:\nforgetful: returned, leaving an operation blocked\nforgetful: waiting on/,
    );
    release();
    never.close();
  });

  test("tasks started while tracking was off are counted, not named", async () => {
    const gate = new Chan<void>(0, "gate");
    registry.tracking = false;
    try {
      go(async () => {
        await gate.recv();
      });
    } finally {
      registry.tracking = true;
    }
    await drain();
    const d = dumpTasks();
    assert.equal(d.untracked, 1);
    assert.match(formatTaskDump(d), /\(\+ 1 task\(s\) started before tracking was enabled, not shown\)/);
    await gate.send();
    await drain();
    assert.equal(dumpTasks().untracked, 0);
  });

  test("a dump with nothing running is empty", () => {
    assert.deepEqual(dumpTasks().tasks, []);
    assert.equal(formatTaskDump(), "");
  });
});

describe("formatTaskDump", () => {
  test("prints Go's header, with the minutes once a task has waited a minute (virtual time)", async () => {
    await synctest(async () => {
      const slow = new Chan<string>(0, "slow");
      const quick = new Chan<string>(0, "quick");
      go(async function patient() {
        await slow.recv();
      });
      go(async function impatient() {
        await sleep(3 * 60_000 - 30_000);
        await quick.recv();
      });
      await sleep(3 * 60_000);
      const text = formatTaskDump();
      assert.match(
        text,
        /^goroutine \d+ \[chan receive, 3 minutes\]:\npatient: waiting on chan "slow" \(unbuffered\)$/m,
      );
      assert.match(
        text,
        /^goroutine \d+ \[chan receive\]:\nimpatient: waiting on chan "quick" \(unbuffered\)$/m,
      );
      assert.match(text, /^goroutine \d+ \[running\]:\nsynctest: running \(took this dump\)$/m);
      assert.match(text, /created by synctest\(\) in goroutine 1/);
      const blocks = text.split("\n\n");
      assert.ok(blocks.length >= 3);
      slow.trySend("a");
      quick.trySend("b");
    });
  });

  test("operations of one task with the same reason and target fold into one line with a count", async () => {
    const sem = new Chan<void>(0, "slots");
    const other = new Chan<void>(0, "other");
    const pending = [sem.send(), sem.send(), sem.send(), other.recv(), sem.send()];
    const text = formatTaskDump();
    assert.match(
      text,
      /^goroutine 1 \[chan send\]:\nmain: waiting on chan "slots" \(unbuffered\) \(x4\)\nmain: also waiting on chan "other" \(unbuffered\) \[chan receive\]$/m,
    );
    assert.equal(dumpTasks().tasks[0]!.blocked.length, 5); // the data keeps every one
    for (let i = 0; i < 4; i++) await sem.recv();
    other.trySend(undefined);
    await Promise.all(pending);
  });

  test("with stack capture, shows where each task blocked and was started, without gosync's frames", async () => {
    enableStackCapture();
    try {
      const ch = new Chan<void>(0, "stacked");
      go(async function blockedHere() {
        await ch.recv();
      });
      await drain();
      const t = task("blockedHere");
      assert.match(
        t.blocked[0]!.stack ?? "",
        /^blockedHere\(\.\.\.\)\n\t\S*test\/debug\/dump\.test\.ts:\d+:\d+/,
      );
      assert.match(t.createdAt ?? "", /test\/debug\/dump\.test\.ts:\d+:\d+/);
      const text = formatTaskDump();
      assert.doesNotMatch(text, /src\/(chan|internal|task)\//);
      assert.doesNotMatch(text, /node:internal/);
      assert.match(text, /created by \S+ in goroutine 1\n\t\S*dump\.test\.ts:\d+:\d+/);
      await ch.send();
    } finally {
      enableStackCapture(false);
    }
    assert.ok(isTracking()); // turning capture off leaves tracking on
  });
});

describe("describeTarget", () => {
  test("channels, named primitives, anything else", () => {
    assert.equal(describeTarget(null), undefined);
    assert.equal(describeTarget(new Chan<number>()), "chan (unbuffered)");
    const buffered = new Chan<number>(4, "results");
    buffered.trySend(1);
    assert.equal(describeTarget(buffered), 'chan "results" (cap 4, len 1)');
    assert.equal(describeTarget(new Mutex("ledger")), 'Mutex "ledger"');
    assert.equal(describeTarget(new Mutex()), "Mutex");
    assert.equal(describeTarget(Object.create(null) as object), "object");
  });
});

describe("GOSYNC_DEBUG", () => {
  test("comma-separated names, each on or name=1 / name=0; unknown names ignored", () => {
    const off = {
      deadlock: false,
      stacks: false,
      track: false,
      lockorder: false,
      lockHoldMs: undefined,
      race: false,
    };
    assert.deepEqual(parseDebugSettings(undefined), off);
    assert.deepEqual(parseDebugSettings(""), off);
    assert.deepEqual(parseDebugSettings("deadlock"), { ...off, deadlock: true });
    assert.deepEqual(parseDebugSettings("deadlock,stacks=1"), { ...off, deadlock: true, stacks: true });
    assert.deepEqual(parseDebugSettings(" track , stacks=0,gctrace=1"), { ...off, track: true });
    assert.deepEqual(parseDebugSettings("deadlock=0"), off);
    assert.deepEqual(parseDebugSettings("race,lockorder"), { ...off, race: true, lockorder: true });
    assert.deepEqual(parseDebugSettings("lockhold=250"), { ...off, lockorder: true, lockHoldMs: 250 });
    assert.deepEqual(parseDebugSettings("lockhold=0,lockhold=x"), off);
  });
});

describe("hook points for the lock-order checker and race detector", () => {
  test("observers receive acquire/release events and task starts with their creator; removable", async () => {
    const events: string[] = [];
    const starts: [string, string | undefined][] = [];
    const remove = addObserver(
      {
        acquire: (obj, kind) => events.push(`acquire ${kind} ${(obj as { name?: string }).name}`),
        release: (obj, kind) => events.push(`release ${kind} ${(obj as { name?: string }).name}`),
      },
      (t: TaskRecord, creator: TaskRecord | undefined) => starts.push([t.name, creator?.name]),
    );
    const second: string[] = [];
    const removeSecond = addObserver({ acquire: () => second.push("a"), release: () => second.push("r") });
    try {
      const lock = { name: "L" };
      // What a primitive does on lock and unlock (see sync/mutex.ts).
      registry.observer?.acquire(lock, "lock");
      registry.observer?.release(lock, "unlock");
      const done = new Chan<void>();
      go(async function outer() {
        go(async function inner() {
          await done.send();
        });
      });
      await done.recv();
      // go() releases on the new task's record: the fork edge (see go.ts).
      assert.deepEqual(events, [
        "acquire lock L",
        "release unlock L",
        "release go outer",
        "release go inner",
      ]);
      assert.deepEqual(second, ["a", "r", "r", "r"]); // every observer sees every event
      assert.deepEqual(starts, [
        ["outer", undefined],
        ["inner", "outer"],
      ]);
    } finally {
      remove();
      removeSecond();
    }
    assert.equal(registry.observer, null);
  });
});
