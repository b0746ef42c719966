// Duration constants: Go's time.Nanosecond ... time.Hour in gosync's unit, the millisecond, so that
// `sleep(2 * Second)` and `withTimeout(ctx, 500 * Millisecond)` read as in Go.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  DeadlineExceeded,
  Hour,
  Microsecond,
  Millisecond,
  Minute,
  Nanosecond,
  Second,
  sleep,
  Ticker,
  withTimeout,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

describe("duration constants", { timeout: 10_000 }, () => {
  test("each is Go's unit in milliseconds, and each is 1000 (or 60) of the one below", () => {
    assert.equal(Millisecond, 1);
    assert.equal(Second, 1000 * Millisecond);
    assert.equal(Minute, 60 * Second);
    assert.equal(Hour, 60 * Minute);
    assert.equal(Microsecond * 1000, Millisecond);
    assert.equal(Nanosecond * 1000, Microsecond);
  });

  test("sleep, timeouts and tickers take them as Go's do", () =>
    synctest(async (bubble) => {
      await sleep(2 * Second);
      assert.equal(bubble.elapsed(), 2000);
      const [ctx, cancel] = withTimeout(background(), 1 * Minute);
      await assert.rejects(sleep(1 * Hour, ctx), (e) => e === DeadlineExceeded);
      cancel();
      assert.equal(bubble.elapsed(), 2000 + 60_000);
      const t = new Ticker(500 * Millisecond);
      await t.c.recv();
      t.stop();
      assert.equal(bubble.elapsed(), 62_500);
    }));
});
