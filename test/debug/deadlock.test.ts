// The deadlock report (GOSYNC_DEBUG=deadlock / enableDeadlockReport), tested the only way it can be:
// on whole programs, each run in a child process. Programs that deadlock must exit with status 2 and
// print Go's `fatal error: all goroutines are asleep - deadlock!` and the dump; correct programs must
// run to the end and exit normally.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { runProgram } from "./helpers.js";

const FATAL = "fatal error: all goroutines are asleep - deadlock!";
const fixture = (name: string): string => `test/debug/fixtures/${name}.ts`;

/** Runs a fixture with the report on and checks it deadlocked; returns stderr. */
async function deadlocks(name: string, gosyncDebug = "deadlock"): Promise<string> {
  const r = await runProgram(fixture(name), { gosyncDebug });
  assert.equal(r.code, 2, `exit status of ${name}; stderr:\n${r.stderr}`);
  assert.ok(r.stderr.startsWith(`${FATAL}\n\n`), r.stderr);
  return r.stderr;
}

describe("deadlock report: programs that deadlock", { concurrency: 4 }, () => {
  test("Go 并发编程实战课 lesson 03, the police station and the property office (Mutex + WaitGroup)", async () => {
    const err = await deadlocks("police-station");
    assert.match(err, /^goroutine 1 \[sync\.WaitGroup\.Wait\]:\nmain: waiting on WaitGroup "派出所和物业"$/m);
    assert.match(err, /^goroutine \d+ \[sync\.Mutex\.Lock\]:\npoliceStation: waiting on Mutex "物业证明"$/m);
    assert.match(
      err,
      /^goroutine \d+ \[sync\.Mutex\.Lock\]:\npropertyOffice: waiting on Mutex "派出所证明"$/m,
    );
    assert.match(err, /created by go\(\) in goroutine 1/);
  });

  test("the same, with channels as the locks and the WaitGroup", async () => {
    const err = await deadlocks("police-station-chan");
    assert.match(err, /^goroutine 1 \[chan receive\]:\nmain: waiting on chan "wg" \(cap 2, len 0\)$/m);
    assert.match(err, /\[chan send\]:\noffice: waiting on chan "物业证明" \(cap 1, len 1\)/);
    assert.match(err, /\[chan send\]:\noffice: waiting on chan "派出所证明" \(cap 1, len 1\)/);
  });

  test("a WaitGroup whose counter never reaches zero", async () => {
    const err = await deadlocks("waitgroup-never-zero");
    assert.match(err, /^goroutine 1 \[sync\.WaitGroup\.Wait\]:\nmain: waiting on WaitGroup "jobs"$/m);
    assert.doesNotMatch(err, /worker/); // the workers have all returned
  });

  test("the same with a channel: main waits for a third signal that never comes", async () => {
    const err = await deadlocks("waitgroup-chan");
    assert.match(err, /^goroutine 1 \[chan receive\]:\nmain: waiting on chan "done" \(unbuffered\)$/m);
  });

  test("Go 并发编程实战课 lesson 05, a recursive read lock under a waiting writer (main in select {})", async () => {
    const err = await deadlocks("rwmutex-recursive-read");
    assert.match(err, /^goroutine 1 \[select \(no cases\)\]:$/m);
    assert.match(err, /\[sync\.RWMutex\.Lock\]:\nwriter: waiting on RWMutex "mu"/);
    assert.match(err, /\[sync\.RWMutex\.RLock\]:\nreader: waiting on RWMutex "mu"/);
  });

  test("main blocked receiving, no sender", async () => {
    const err = await deadlocks("recv-no-sender");
    assert.match(err, /^goroutine 1 \[chan receive\]:\nmain: waiting on chan "results" \(unbuffered\)$/m);
  });

  test("main awaits a shared Mutex (gosync/threads) that a worker thread took and exited holding", {
    timeout: 60_000,
  }, async () => {
    // Before the report could see it, the pending Atomics.waitAsync kept the process alive forever.
    const r = await runProgram(fixture("threads-lock"), {
      gosyncDebug: "deadlock",
      args: ["orphan"],
      killAfterMs: 50_000,
    });
    assert.equal(r.code, 2, `exit status; stderr:\n${r.stderr}`);
    assert.ok(r.stderr.startsWith(`${FATAL}\n\n`), r.stderr);
    assert.match(
      r.stderr,
      /^goroutine 1 \[threads\.Mutex\.lock\]:\nmain: waiting on threads\.Mutex \(locked, 1 waiting on all threads\) on thread 0$/m,
    );
    assert.doesNotMatch(r.stdout, /acquired/);
  });

  test("main waits on a shared WaitGroup that its only worker left one short", {
    timeout: 60_000,
  }, async () => {
    const r = await runProgram(fixture("threads-waitgroup"), {
      gosyncDebug: "deadlock",
      killAfterMs: 50_000,
    });
    assert.equal(r.code, 2, `exit status; stderr:\n${r.stderr}`);
    assert.ok(r.stderr.startsWith(`${FATAL}\n\n`), r.stderr);
    assert.match(
      r.stderr,
      /^goroutine 1 \[threads\.WaitGroup\.wait\]:\nmain: waiting on threads\.WaitGroup \(counter 1, 1 waiting on all threads\) on thread 0$/m,
    );
  });

  test("select() with no cases in main", async () => {
    const err = await deadlocks("select-no-cases");
    assert.match(err, /^goroutine 1 \[select \(no cases\)\]:\nmain: blocked in select \(no cases\)$/m);
  });

  test("a task left blocked after main finished (stricter than Go, which exits silently)", async () => {
    const r = await runProgram(fixture("leaked-task"), { gosyncDebug: "deadlock" });
    assert.equal(r.code, 2);
    assert.equal(r.stdout, "main: done\n");
    assert.match(
      r.stderr,
      /^goroutine 2 \[chan receive\]:\nconsumer: waiting on chan "jobs" \(unbuffered\)$/m,
    );
    assert.doesNotMatch(r.stderr, /^goroutine 1 /m);
  });

  test("turned on by enableDeadlockReport() in the program, without GOSYNC_DEBUG", async () => {
    const r = await runProgram(fixture("explicit-enable"), { preload: false });
    assert.equal(r.code, 2);
    assert.match(r.stderr, /^goroutine 1 \[chan receive\]:\nmain: waiting on chan "pong"/m);
    assert.match(r.stderr, /\[chan receive\]:\nplayer: waiting on chan "ping"/);
  });

  test("GOSYNC_DEBUG=deadlock,stacks shows where each task blocked and where it was started", async () => {
    const err = await deadlocks("police-station", "deadlock,stacks");
    // Go's frame form: the function, then the tab-indented location, with gosync's frames removed.
    assert.match(err, /policeStation\(\.\.\.\)\n\t\S*test\/debug\/fixtures\/police-station\.ts:\d+:\d+/);
    assert.match(
      err,
      /created by \S+ in goroutine 1\n\t\S*test\/debug\/fixtures\/police-station\.ts:\d+:\d+/,
    );
    assert.doesNotMatch(err, /src\/(chan|sync|internal)\//);
    assert.doesNotMatch(err, /no stacks/);
  });
});

describe("deadlock report: programs that must not trigger it", { concurrency: 4 }, () => {
  test("the tour's programs, with short timings, run to the end", async () => {
    const r = await runProgram(fixture("examples-short"), { gosyncDebug: "deadlock,stacks" });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /examples: ok\n$/);
  });

  for (const name of ["sieve", "pipeline"]) {
    test(`the tour itself: npm start -- ${name}`, async () => {
      const r = await runProgram("examples/tour.ts", { gosyncDebug: "deadlock", args: [name] });
      assert.equal(r.stderr, "");
      assert.equal(r.code, 0);
    });
  }

  test("the tour's du example, walking a directory", async () => {
    const r = await runProgram("examples/tour.ts", { gosyncDebug: "deadlock", args: ["du", "test/debug"] });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.match(r.stdout, /files/);
  });

  test("another beforeExit listener unblocks the last receive: the program finishes", async () => {
    const r = await runProgram(fixture("beforeexit-unblocks"), { gosyncDebug: "deadlock" });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "flushed in beforeExit\n");
  });

  test("main awaits a shared Mutex that a live worker thread releases: it waits, then finishes", {
    timeout: 60_000,
  }, async () => {
    const r = await runProgram(fixture("threads-lock"), { gosyncDebug: "deadlock", killAfterMs: 50_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "acquired\n");
    assert.doesNotMatch(r.stderr, /deadlock/);
  });

  test("process.exit() is main returning: no report", async () => {
    const r = await runProgram(fixture("explicit-exit"), { gosyncDebug: "deadlock" });
    assert.equal(r.stderr, "");
    assert.equal(r.code, 0);
  });

  test("without GOSYNC_DEBUG the report is off: Node's own exit (13, unsettled top-level await)", async () => {
    const r = await runProgram(fixture("recv-no-sender"));
    assert.equal(r.code, 13);
    assert.doesNotMatch(r.stderr, /fatal error/);
  });

  test("GOSYNC_DEBUG=deadlock=0 leaves it off", async () => {
    const r = await runProgram(fixture("select-no-cases"), { gosyncDebug: "deadlock=0,stacks" });
    assert.equal(r.code, 13);
    assert.doesNotMatch(r.stderr, /fatal error/);
  });
});
