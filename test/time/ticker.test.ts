// Ticker and tick(): Go's time.Ticker / time.Tick with Go 1.23 semantics (no stale tick after
// stop or reset), ticks dropped for a slow receiver, non-positive periods rejected.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { Chan, sleep, Ticker, tick } from "../../src/index.js";

/** Whether p settles before `turns` macrotask turns have passed (no wall-clock assertion). */
async function settlesSoon(p: Promise<unknown>, turns = 3): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  for (let i = 0; i < turns && !settled; i++) await nextMacrotask();
  return settled;
}

async function untilTicked(c: Chan<Date>): Promise<void> {
  while (c.length === 0) await sleep(2);
}

describe("Ticker", { timeout: 10_000 }, () => {
  test("ticks repeatedly, with non-decreasing times", async () => {
    const t = new Ticker(3);
    const got: Date[] = [];
    for (let i = 0; i < 4; i++) {
      const v = await t.c.recv();
      assert.ok(v instanceof Date);
      got.push(v);
    }
    t.stop();
    for (let i = 1; i < got.length; i++) {
      assert.ok((got[i] as Date).getTime() >= (got[i - 1] as Date).getTime());
    }
  });

  test("stop(): no more ticks, and no stale tick (Go 1.23)", async () => {
    const t = new Ticker(2);
    await untilTicked(t.c);
    t.stop();
    assert.equal(t.c.tryRecv(), undefined, "stale tick after stop");
    await sleep(15);
    assert.equal(t.c.tryRecv(), undefined, "tick after stop");
    assert.equal(t.c.closed, false, "Go does not close a stopped ticker's channel");
    t.stop(); // a second stop is harmless
  });

  test("stop() wakes nobody: a receiver blocked on c stays blocked", async () => {
    const t = new Ticker(60_000);
    const p = t.c.recv();
    t.stop();
    assert.equal(await settlesSoon(p, 5), false);
    t.reset(1);
    assert.ok((await p) instanceof Date);
    t.stop();
  });

  test("drops ticks for a slow receiver: at most one is buffered", async () => {
    const t = new Ticker(1);
    await sleep(20);
    assert.equal(t.c.length, 1);
    assert.ok(t.c.tryRecv() !== undefined);
    assert.equal(t.c.tryRecv(), undefined);
    t.stop();
  });

  test("reset() changes the period", async () => {
    const t = new Ticker(60_000);
    assert.equal(await settlesSoon(t.c.recv(), 3), false);
    t.reset(2);
    await t.c.recv(); // the pending receive above gets the first tick
    assert.ok((await t.c.recv()) instanceof Date);
    assert.ok((await t.c.recv()) instanceof Date);
    t.reset(60_000);
    await sleep(15);
    assert.equal(t.c.tryRecv(), undefined, "a tick at the old period after reset");
    t.stop();
  });

  test("reset() discards a tick from before it (Go 1.23)", async () => {
    const t = new Ticker(1);
    await untilTicked(t.c);
    t.reset(60_000);
    assert.equal(t.c.tryRecv(), undefined);
    t.stop();
  });

  test("reset() restarts a stopped ticker", async () => {
    const t = new Ticker(2);
    t.stop();
    t.reset(2);
    assert.ok((await t.c.recv()) instanceof Date);
    assert.ok((await t.c.recv()) instanceof Date);
    t.stop();
  });

  test("a non-positive or NaN period throws RangeError, in the constructor and in reset", async () => {
    for (const bad of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      assert.throws(() => new Ticker(bad), RangeError, `new Ticker(${bad})`);
      assert.throws(() => tick(bad), RangeError, `tick(${bad})`);
    }
    const t = new Ticker(2);
    for (const bad of [0, -1, Number.NaN]) assert.throws(() => t.reset(bad), RangeError, `reset(${bad})`);
    assert.ok((await t.c.recv()) instanceof Date, "still ticking after a rejected reset");
    t.stop();
  });

  test("non-numbers throw", () => {
    assert.throws(
      () => new Ticker("5" as unknown as number),
      (e: unknown) => e instanceof RangeError || e instanceof TypeError,
    );
  });
});

describe("tick", { timeout: 10_000 }, () => {
  test("returns a channel that ticks repeatedly", async () => {
    const c = tick(2);
    assert.ok(c instanceof Chan);
    for (let i = 0; i < 3; i++) assert.ok((await c.recv()) instanceof Date);
  });

  test("works with for await", async () => {
    let n = 0;
    for await (const v of tick(2)) {
      assert.ok(v instanceof Date);
      if (++n === 3) break;
    }
    assert.equal(n, 3);
  });
});
