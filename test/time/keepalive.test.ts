// Process keep-alive rules, checked in child processes:
// (a) a timer, ticker or deadline nobody waits on does not keep the process alive;
// (b) a task blocked on one does, until it fires.
// No durations are asserted: a script that should exit promptly but hangs is killed by the
// generous spawn timeout and fails; a script that exits too early misses its output lines.
// These stay on the real clock (no synctest): keep-alive is about which real (ref'd) Node timers
// hold the event loop open, and a virtual clock's timers hold nothing.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { leakCheck } from "../../src/testing/index.js";
import { type Run, run } from "../helpers/child.js";

leakCheck();

function lines(r: Run): string[] {
  return r.stdout.split("\n").filter((l) => l !== "");
}

function assertExitedWith(r: Run, expected: string[]): void {
  assert.equal(
    r.signal,
    null,
    `killed by ${r.signal} (it hung?)\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`,
  );
  assert.deepEqual(lines(r), expected, `stderr:\n${r.stderr}`);
  assert.equal(r.status, 0, `stderr:\n${r.stderr}`);
}

describe("keep-alive", { concurrency: true }, () => {
  describe("what nobody waits on does not keep the process alive", { concurrency: true }, () => {
    test("abandoned after(), Timer, Ticker and tick()", async () => {
      const r = await run(`
      g.after(60_000);
      new g.Timer(60_000);
      new g.Ticker(10);
      g.tick(10);
      const t = new g.Timer(60_000);
      t.reset(30_000);
      console.log("end");
    `);
      assertExitedWith(r, ["end"]);
    });

    test("the losing after() of a select, also when the select had blocked on it", async () => {
      const r = await run(`
      const ready = new g.Chan(1);
      ready.trySend("ready");
      console.log(await g.select(g.recv(ready, (v) => v), g.recv(g.after(60_000), () => "timeout")));
      const ch = new g.Chan();
      g.go(async () => { await g.sleep(5); await ch.send("sent"); });
      console.log(await g.select(g.recv(ch, (v) => v), g.recv(g.after(60_000), () => "timeout")));
      console.log("end");
    `);
      assertExitedWith(r, ["ready", "sent", "end"]);
    });

    test("a withTimeout context nobody waits on (done() and signal read, children made)", async () => {
      const r = await run(`
      const [ctx] = g.withTimeout(g.background(), 60_000);
      ctx.done();
      void ctx.signal;
      const [child] = g.withCancel(ctx);
      child.done();
      g.withTimeoutCause(ctx, 30_000, new Error("c"));
      g.withDeadline(g.background(), new Date(Date.now() + 60_000));
      console.log("end");
    `);
      assertExitedWith(r, ["end"]);
    });

    test("a timeout context whose waiters finished another way", async () => {
      const r = await run(`
      const [ctx] = g.withTimeout(g.background(), 60_000);
      const ch = new g.Chan();
      g.go(async () => { await g.sleep(5); await ch.send(1); await ch.send(2); });
      console.log(await g.select(g.recv(ch, (v) => "value " + v), g.recv(ctx.done(), () => "timeout")));
      console.log("recv " + (await ch.recv(ctx)));
      const [child] = g.withCancel(ctx);
      const buffered = new g.Chan(1);
      setTimeout(() => buffered.trySend(3), 5);
      console.log("child recv " + (await buffered.recv(child)));
      console.log("end");
    `);
      assertExitedWith(r, ["value 1", "recv 2", "child recv 3", "end"]);
    });

    test("cleared entries: a cancelled sleep, a stopped Timer or Ticker with a blocked receiver", async () => {
      const r = await run(`
      const [ctx, cancel] = g.withCancel(g.background());
      g.sleep(60_000, ctx).catch((e) => console.log("sleep: " + e.message));
      const ac = new AbortController();
      g.sleep(60_000, ac.signal).catch((e) => console.log("sleep: " + e.message));
      const t = new g.Timer(60_000);
      g.go(async () => { await t.c.recv(); console.log("unexpected timer value"); });
      const tk = new g.Ticker(60_000);
      g.go(async () => { await tk.c.recv(); console.log("unexpected tick"); });
      const [tctx, tcancel] = g.withTimeout(g.background(), 60_000);
      g.go(async () => {
        try { await new g.Chan().recv(tctx); } catch (e) { console.log("recv: " + e.message); }
      });
      await g.sleep(5);
      cancel();
      ac.abort(new Error("aborted"));
      t.stop();
      tk.stop();
      tcancel();
      await g.yieldNow();
      console.log("end");
    `);
      assertExitedWith(r, ["sleep: context canceled", "sleep: aborted", "recv: context canceled", "end"]);
    });
  });

  describe("a task blocked on a timer or deadline keeps the process alive until it fires", {
    concurrency: true,
  }, () => {
    test("after, select with after, Timer.reset, Ticker, sleep, timeout ctx (direct, child, done(), select), afterFunc", async () => {
      // The scenarios run one after another: while each runs, it is the only thing pending, so
      // if it did not keep the process alive, the process would exit early and lines would be missing.
      const r = await run(`
      const task = (fn) => new Promise((resolve) => g.go(async () => { await fn(); resolve(); }));
      const bg = g.background();
      await task(async () => { const d = await g.after(50).recv(); console.log("after " + (d instanceof Date)); });
      await task(async () => {
        console.log(await g.select(g.recv(new g.Chan(), () => "value"), g.recv(g.after(50), () => "select timeout")));
      });
      await task(async () => {
        const t = new g.Timer(60_000);
        t.reset(50);
        console.log("timer " + ((await t.c.recv()) instanceof Date));
      });
      await task(async () => {
        const t = new g.Ticker(25);
        await t.c.recv();
        await t.c.recv();
        t.stop();
        console.log("ticker twice");
      });
      await task(async () => { await g.sleep(50); console.log("slept"); });
      await task(async () => {
        const [ctx] = g.withTimeout(bg, 50);
        try { await new g.Chan().recv(ctx); } catch (e) { console.log("recv: " + e.message); }
      });
      await task(async () => {
        const [ctx] = g.withTimeout(bg, 50);
        const [child] = g.withCancel(g.withValue(ctx, g.createKey("k"), 1));
        try { await new g.Chan().send(1, child); } catch (e) { console.log("child send: " + e.message); }
      });
      await task(async () => {
        const [ctx] = g.withTimeout(bg, 50);
        const [child] = g.withCancel(ctx);
        await child.done().recv();
        console.log("child done: " + child.err().message);
      });
      await task(async () => {
        const [ctx] = g.withDeadline(bg, new Date(Date.now() + 50));
        console.log(await g.select(g.recv(new g.Chan(), () => "value"), g.recv(ctx.done(), () => "done case: " + ctx.err().message)));
      });
      await task(async () => {
        const [ctx] = g.withTimeout(bg, 50);
        await new Promise((resolve) => g.afterFunc(ctx, () => { console.log("afterFunc ran"); resolve(); }));
      });
      console.log("end");
    `);
      assertExitedWith(r, [
        "after true",
        "select timeout",
        "timer true",
        "ticker twice",
        "slept",
        "recv: context deadline exceeded",
        "child send: context deadline exceeded",
        "child done: context deadline exceeded",
        "done case: context deadline exceeded",
        "afterFunc ran",
        "end",
      ]);
    });

    test("a call given a user-implemented Context that wraps a timeout context", async () => {
      // Context is an interface: a wrapper (Go's otherContext) must not lose the keep-alive.
      const r = await run(`
      const wrap = (inner) => ({
        done: () => inner.done(), err: () => inner.err(), deadline: () => inner.deadline(),
        value: (k) => inner.value(k), get signal() { return inner.signal; },
      });
      const task = (fn) => new Promise((resolve) => g.go(async () => { await fn(); resolve(); }));
      await task(async () => {
        const [ctx] = g.withTimeout(g.background(), 50);
        try { await new g.Chan().recv(wrap(ctx)); } catch (e) { console.log("wrapped: " + e.message); }
      });
      await task(async () => {
        const [ctx] = g.withTimeout(g.background(), 50);
        const [child] = g.withCancel(wrap(ctx));
        try { await new g.Chan().recv(child); } catch (e) { console.log("child of wrapped: " + e.message); }
      });
      console.log("end");
    `);
      assertExitedWith(r, [
        "wrapped: context deadline exceeded",
        "child of wrapped: context deadline exceeded",
        "end",
      ]);
    });
  });
});
