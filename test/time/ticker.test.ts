// Ticker and tick(): Go's time.Ticker / time.Tick with Go 1.23 semantics (no stale tick after
// stop or reset), ticks dropped for a slow receiver, non-positive periods rejected. Every test that
// waits for a tick runs in a synctest bubble: virtual time, so ticks take no real time and come at
// exact instants. Inside a bubble, a receiver that must stay blocked is a task of its own, as in
// Go's synctest tests: the test body can wait until it is blocked (synctest.wait) and check on it at
// exact virtual instants.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { after, Chan, go, recv, select, sleep, Ticker, Timer, tick } from "../../src/index.js";
import { type Clock, setClock, type TimerHandle } from "../../src/internal/clock.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

/**
 * Lets a ticker of period ≤ 2 tick without receiving (virtual time). Its channel's length stays 0
 * (Go 1.23), so the test cannot look; `c` names the channel for the reader.
 */
async function untilTicked(_c: Chan<Date>): Promise<void> {
  await sleep(2);
}

describe("Ticker", { timeout: 10_000 }, () => {
  test("ticks repeatedly, once per period, each with the time it ticked", () =>
    synctest(async (bubble) => {
      const t = new Ticker(3);
      const got: number[] = [];
      for (let i = 0; i < 4; i++) {
        const v = await t.c.recv();
        assert.ok(v instanceof Date);
        assert.equal(v.getTime(), bubble.now().getTime());
        got.push(bubble.elapsed());
      }
      t.stop();
      assert.deepEqual(got, [3, 6, 9, 12]);
    }));

  test("stop(): no more ticks, and no stale tick (Go 1.23)", () =>
    synctest(async () => {
      const t = new Ticker(2);
      await untilTicked(t.c);
      t.stop();
      assert.equal(t.c.tryRecv(), undefined, "stale tick after stop");
      await sleep(60_000);
      assert.equal(t.c.tryRecv(), undefined, "tick after stop");
      assert.equal(t.c.closed, false, "Go does not close a stopped ticker's channel");
      t.stop(); // a second stop is harmless
    }));

  test("stop() wakes nobody: a receiver blocked on c stays blocked", () =>
    synctest(async (bubble) => {
      const t = new Ticker(60_000);
      const got = new Chan<Date | undefined>(1);
      go(async () => {
        await got.send(await t.c.recv());
      });
      await synctest.wait(); // the receiver is blocked on c
      t.stop();
      await sleep(120_000); // two old periods
      assert.equal(got.length, 0, "stop woke the receiver, or the ticker ticked");
      t.reset(1);
      assert.ok((await got.recv()) instanceof Date);
      assert.equal(bubble.elapsed(), 120_001);
      t.stop();
    }));

  test("drops ticks for a slow receiver: at most one is buffered", () =>
    synctest(async () => {
      const t = new Ticker(1);
      await sleep(20);
      assert.equal(t.c.length, 0, "Go 1.23: a timer channel's len is always 0");
      assert.ok(t.c.tryRecv() !== undefined);
      assert.equal(t.c.tryRecv(), undefined);
      t.stop();
    }));

  test("reset() changes the period", () =>
    synctest(async (bubble) => {
      const t = new Ticker(60_000);
      const first = new Chan<number>(1);
      go(async () => {
        await t.c.recv();
        await first.send(bubble.elapsed());
      });
      await sleep(30_000);
      assert.equal(first.length, 0, "a tick before the period");
      t.reset(2);
      assert.equal(await first.recv(), 30_002, "the pending receive gets the first tick, at the new period");
      assert.ok((await t.c.recv()) instanceof Date);
      assert.ok((await t.c.recv()) instanceof Date);
      assert.equal(bubble.elapsed(), 30_006);
      t.reset(60_000);
      await sleep(59_999);
      assert.equal(t.c.tryRecv(), undefined, "a tick at the old period after reset");
      await sleep(1);
      assert.ok(t.c.tryRecv() !== undefined, "a tick at the new period");
      t.stop();
    }));

  test("reset() discards a tick from before it (Go 1.23)", () =>
    synctest(async () => {
      const t = new Ticker(1);
      await untilTicked(t.c);
      t.reset(60_000);
      assert.equal(t.c.tryRecv(), undefined);
      t.stop();
    }));

  test("reset() restarts a stopped ticker", () =>
    synctest(async (bubble) => {
      const t = new Ticker(2);
      t.stop();
      t.reset(2);
      assert.ok((await t.c.recv()) instanceof Date);
      assert.ok((await t.c.recv()) instanceof Date);
      assert.equal(bubble.elapsed(), 4);
      t.stop();
    }));

  test("a non-positive or NaN period throws RangeError, in the constructor and in reset", () =>
    synctest(async () => {
      for (const bad of [0, -1, Number.NaN, Number.NEGATIVE_INFINITY]) {
        assert.throws(() => new Ticker(bad), RangeError, `new Ticker(${bad})`);
      }
      const t = new Ticker(2);
      for (const bad of [0, -1, Number.NaN]) assert.throws(() => t.reset(bad), RangeError, `reset(${bad})`);
      assert.ok((await t.c.recv()) instanceof Date, "still ticking after a rejected reset");
      t.stop();
    }));

  test("non-numbers throw", () => {
    assert.throws(
      () => new Ticker("5" as unknown as number),
      (e: unknown) => e instanceof RangeError || e instanceof TypeError,
    );
  });
});

describe("tick", { timeout: 10_000 }, () => {
  test("d <= 0 returns null, as Go's time.Tick returns nil: a case on it is never ready", () =>
    synctest(async (bubble) => {
      for (const d of [0, -1, Number.NEGATIVE_INFINITY]) {
        const c = tick(d);
        assert.equal(c, null, `tick(${d})`);
        const got = await select(
          recv(c, () => "ticked"),
          recv(after(5), () => "timeout"),
        );
        assert.equal(got, "timeout");
      }
      assert.equal(bubble.elapsed(), 15);
    }));

  test("a NaN or non-number period still throws (it is no duration at all)", () => {
    assert.throws(() => tick(Number.NaN), TypeError);
    assert.throws(() => tick("5" as unknown as number), TypeError);
  });

  test("returns a channel that ticks repeatedly", () =>
    synctest(async (bubble) => {
      const c = tick(2);
      assert.ok(c instanceof Chan);
      if (c === null) return;
      for (let i = 0; i < 3; i++) assert.ok((await c.recv()) instanceof Date);
      assert.equal(bubble.elapsed(), 6);
    }));

  test("works with for await", () =>
    synctest(async () => {
      let n = 0;
      for await (const v of tick(2) ?? []) {
        assert.ok(v instanceof Date);
        if (++n === 3) break;
      }
      assert.equal(n, 3);
    }));
});

/**
 * A gosync Clock whose timers all fire `lag` ms after their deadline — a loaded machine, made
 * deterministic. `step()` fires the earliest timer (virtual time jumps to its deadline + lag).
 */
class LateClock implements Clock {
  now_ = 0;
  readonly timers = new Set<{ readonly when: number; readonly fn: () => void }>();
  constructor(public lag: number) {}
  now(): number {
    return this.now_;
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    const t = { when: this.now_ + Math.max(ms, 0), fn };
    this.timers.add(t);
    return t;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as { when: number; fn: () => void });
  }
  keepAlive(): void {}
  step(): void {
    const next = [...this.timers].sort((a, b) => a.when - b.when)[0];
    assert.ok(next !== undefined, "a timer is pending");
    this.timers.delete(next);
    this.now_ = Math.max(this.now_, next.when + this.lag);
    next.fn();
  }
}

describe("Ticker: no drift (runtime/time.go: the next tick counts from the previous deadline)", () => {
  /** When each tick's callback ran, and the time each tick carried. */
  function ticksWith(lag: number, period: number, steps: number): { ran: number[]; values: number[] } {
    const lc = new LateClock(lag);
    const prev = setClock(lc);
    try {
      const t = new Ticker(period);
      const ran: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < steps; i++) {
        lc.step();
        const v = t.c.tryRecv();
        if (v?.[1]) {
          ran.push(lc.now());
          values.push(v[0].getTime());
        }
      }
      t.stop();
      return { ran, values };
    } finally {
      setClock(prev);
    }
  }

  test("each tick fired 3 ms late still keeps the 10 ms grid: 13, 23, 33, ... not 13, 26, 39", {
    timeout: 5_000,
  }, () => {
    assert.deepEqual(ticksWith(3, 10, 5).ran, [13, 23, 33, 43, 53]);
  });

  test("Go 1.23: a tick carries the time it was due, not when its callback ran (time/sleep.go sendTime)", {
    timeout: 5_000,
  }, () => {
    // sendTime sends Now().Add(-delta), delta being how long ago the send was due.
    assert.deepEqual(ticksWith(3, 10, 5).values, [10, 20, 30, 40, 50]);
    assert.deepEqual(ticksWith(25, 10, 3).values, [10, 40, 70]);
  });

  test("ticks missed by a stall are dropped, the next one stays on the grid (Go: when += period*(1+delta/period))", {
    timeout: 5_000,
  }, () => {
    // Deadline 10 fires at 35: the ticks due at 20 and 30 are gone; the next deadline is 40.
    assert.deepEqual(ticksWith(25, 10, 3).ran, [35, 65, 95]);
    // 200 ticks of 10 ms: the 200th fires at its deadline 2,000 plus the lag, not 200 lags later.
    const ticks = ticksWith(1, 10, 200).ran;
    assert.equal(ticks.length, 200);
    assert.equal(ticks[199], 2_001);
  });

  test("property: under any sequence of late callbacks, each tick comes at the first grid point after the last one fired", {
    timeout: 20_000,
  }, () => {
    // The reference model: deadlines are whole periods from the start; after a tick fired at f, the
    // next deadline is the first grid point after f (runtime/time.go's when + period*(1+delay/period)).
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 }), { minLength: 1, maxLength: 40 }),
        (period, lags) => {
          const lc = new LateClock(0);
          const prev = setClock(lc);
          try {
            const t = new Ticker(period);
            let deadline = period;
            for (const lag of lags) {
              lc.lag = lag;
              lc.step();
              const fired = deadline + lag;
              const v = t.c.tryRecv();
              assert.ok(v?.[1], "one tick per callback");
              assert.equal(lc.now(), fired);
              assert.equal(v[0].getTime(), deadline, "the tick carries the time it was due (Go 1.23)");
              deadline = (Math.floor(fired / period) + 1) * period;
              const pending = [...lc.timers][0];
              assert.equal(pending?.when, deadline, `the next deadline after a tick at ${fired}`);
            }
            t.stop();
            assert.equal(lc.timers.size, 0, "stop clears the pending tick");
          } finally {
            setClock(prev);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Timer: Go 1.23 sends the time the timer was due", () => {
  test("a timer whose callback runs late still carries its deadline (time/sleep.go sendTime)", {
    timeout: 5_000,
  }, () => {
    const lc = new LateClock(7);
    const prev = setClock(lc);
    try {
      const t = new Timer(10);
      lc.step();
      assert.equal(lc.now(), 17, "the callback ran 7 ms late");
      assert.equal(t.c.tryRecv()?.[0]?.getTime(), 10);
      t.reset(5); // due at 22
      lc.step();
      assert.equal(t.c.tryRecv()?.[0]?.getTime(), 22);
      const a = after(-5); // d <= 0: due now, as Go's when(d)
      lc.step();
      assert.equal(a.tryRecv()?.[0]?.getTime(), 29);
    } finally {
      setClock(prev);
    }
  });
});
