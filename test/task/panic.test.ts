// Without a panic handler, an error escaping a task is fatal like a Go panic: `panic: ` and the
// message on stderr, exit status 2. Checked in child processes, on the real clock: the scripts'
// timers (a 2 s "survived" that must never print, a 5 ms sleep before an async throw) are about what
// the process does before it dies, which a virtual clock in the test process cannot drive.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { leakCheck } from "../../src/testing/index.js";
import { type Run, run } from "../helpers/child.js";

leakCheck();

const DEBUG = new URL("../../src/debug/index.ts", import.meta.url).href;

function assertPanicked(r: Run, message: string, stdout: string[]): void {
  assert.equal(r.signal, null, `killed by ${r.signal}\nstderr:\n${r.stderr}`);
  assert.equal(r.status, 2, `exit status\nstderr:\n${r.stderr}`);
  assert.ok(r.stderr.includes("panic: "), `stderr lacks "panic: ":\n${r.stderr}`);
  assert.ok(r.stderr.includes(message), `stderr lacks ${JSON.stringify(message)}:\n${r.stderr}`);
  assert.ok(r.stderr.indexOf("panic: ") <= r.stderr.indexOf(message), "message after `panic: `");
  assert.deepEqual(
    r.stdout.split("\n").filter((l) => l !== ""),
    stdout,
  );
}

describe("an unhandled task error is fatal", { concurrency: true }, () => {
  test("a synchronous throw: exit 2, `panic: ` and the message; nothing runs afterwards", async () => {
    const r = await run(`
      setTimeout(() => console.log("survived"), 2000);
      g.go(function worker() { throw new Error("boom: sync"); });
      console.log("after go");
    `);
    assertPanicked(r, "boom: sync", ["after go"]);
  });

  test("an async rejection: exit 2, `panic: ` and the message", async () => {
    const r = await run(`
      setTimeout(() => console.log("survived"), 2000);
      g.go(async () => { await g.sleep(5); throw new Error("boom: async"); });
      console.log("after go");
    `);
    assertPanicked(r, "boom: async", ["after go"]);
  });

  test("the report has Go's shape: `goroutine N [running]:` and the function's name", async () => {
    const r = await run(`
      g.go(async function worker() { await g.sleep(5); throw new Error("boom: shape"); });
    `);
    assertPanicked(r, "boom: shape", []);
    assert.match(r.stderr, /\n\ngoroutine \d+ \[running\]:\nworker\(\.\.\.\)/);
    assert.doesNotMatch(r.stderr, /created by/, "unknown without stack capture");
  });

  test("with stack capture on, it says who created the task: `created by main in goroutine 1`", async () => {
    const r = await run(`
      const d = await import(${JSON.stringify(DEBUG)});
      d.enableTracking();
      d.enableStackCapture();
      function main() {
        g.go(function worker() { throw new Error("boom: created by"); });
      }
      main();
    `);
    assertPanicked(r, "boom: created by", []);
    assert.match(
      r.stderr,
      /goroutine \d+ \[running\]:\nworker\(\.\.\.\)\ncreated by main in goroutine 1\n\t\S/,
    );
  });

  test("a thrown non-Error value", async () => {
    const r = await run(`
      g.go(() => { throw "plain string value"; });
    `);
    assertPanicked(r, "plain string value", []);
  });

  test("a handler that throws is itself fatal", async () => {
    const r = await run(`
      g.setPanicHandler(() => { throw new Error("handler failed"); });
      setTimeout(() => console.log("survived"), 2000);
      g.go(() => { throw new Error("first"); });
    `);
    assertPanicked(r, "handler failed", []);
  });

  test("setPanicHandler(null) restores the fatal default", async () => {
    const r = await run(`
      g.setPanicHandler(() => console.log("handled"));
      g.go(() => { throw new Error("one"); });
      await g.yieldNow();
      g.setPanicHandler(null);
      setTimeout(() => console.log("survived"), 2000);
      g.go(() => { throw new Error("boom: default again"); });
    `);
    assertPanicked(r, "boom: default again", ["handled"]);
  });

  test("untracked tasks are named and numbered in order, past a thousand distinct names too", async () => {
    // Each untracked task's rejection handler is its name's shared handler bound to its number;
    // past 1,024 names a task binds the generic one. Both must report the same (number, name).
    const r = await run(`
      const seen = [];
      g.setPanicHandler((e, task) => seen.push(task.id + " " + task.name + " " + e.message));
      const n = 1100;
      for (let i = 0; i < n; i++) {
        const fn = async () => { await null; throw new Error("e" + i); };
        Object.defineProperty(fn, "name", { value: "task" + i });
        g.go(fn);
      }
      await g.yieldNow();
      const first = Number(seen[0].split(" ")[0]);
      const bad = seen.filter((l, i) => l !== (first + i) + " task" + i + " e" + i);
      console.log(seen.length + " reports, " + bad.length + " wrong" + (bad.length ? ": " + bad[0] : ""));
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split("\n").filter((l) => l !== ""),
      ["1100 reports, 0 wrong"],
    );
  });

  test("with a handler installed, the process goes on and exits normally", async () => {
    const r = await run(`
      g.setPanicHandler((e, task) => console.log("handled " + e.message + " in " + task.name));
      g.go(function worker() { throw new Error("boom"); });
      await g.yieldNow();
      console.log("end");
    `);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(
      r.stdout.split("\n").filter((l) => l !== ""),
      ["handled boom in worker", "end"],
    );
  });
});
