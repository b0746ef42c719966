// sleep(ms, ctx?): Go's time.Sleep, cancellable. Tests that wait for a
// timer run in a synctest bubble: virtual time, so they take no real time and wake at exact
// instants. The 2^31 ms test stays on the real clock: it checks how the real clock chains timers
// beyond setTimeout's range, which a virtual clock does not have.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  background,
  Canceled,
  type Context,
  DeadlineExceeded,
  sleep,
  withCancel,
  withTimeout,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

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

describe("sleep", { timeout: 10_000 }, () => {
  test("resolves with undefined after the time", () =>
    synctest(async (bubble) => {
      assert.equal(await sleep(5), undefined);
      assert.equal(bubble.elapsed(), 5);
    }));

  test("zero and negative durations resolve at once", async () => {
    for (const ms of [0, -1, -1000, Number.NEGATIVE_INFINITY]) {
      const p = sleep(ms);
      assert.equal(await settlesSoon(p, 1), true, `sleep(${ms})`);
      assert.equal(await p, undefined);
    }
  });

  test("shorter sleeps wake first, each at its time", () =>
    synctest(async (bubble) => {
      const order: string[] = [];
      await Promise.all(
        [30, 5, 15].map((ms) => sleep(ms).then(() => order.push(`${ms}@${bubble.elapsed()}`))),
      );
      assert.deepEqual(order, ["5@5", "15@15", "30@30"]);
    }));

  test("does not wake early", () =>
    synctest(async () => {
      const [ctx, cancel] = withCancel(background());
      const p = sleep(60_000, ctx);
      let woke = false;
      p.then(
        () => {
          woke = true;
        },
        () => {},
      );
      await sleep(59_999);
      assert.equal(woke, false, "awake 1 ms early");
      cancel();
      await assert.rejects(p, (e: unknown) => e === Canceled);
    }));

  test("rejects with Canceled when its ctx is cancelled", async () => {
    const [ctx, cancel] = withCancel(background());
    const p = sleep(60_000, ctx);
    cancel();
    await assert.rejects(p, (e: unknown) => e === Canceled);
  });

  test("rejects with DeadlineExceeded when its ctx times out first", () =>
    synctest(async (bubble) => {
      const [ctx, cancel] = withTimeout(background(), 5);
      await assert.rejects(sleep(60_000, ctx), (e: unknown) => e === DeadlineExceeded);
      assert.equal(bubble.elapsed(), 5);
      cancel();
    }));

  test("rejects with signal.reason for an AbortSignal", async () => {
    const ac = new AbortController();
    const reason = new Error("stop sleeping");
    const p = sleep(60_000, ac.signal);
    ac.abort(reason);
    await assert.rejects(p, (e: unknown) => e === reason);
  });

  test("an already-cancelled ctx or aborted signal rejects at once, even for sleep(0)", async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    for (const ms of [60_000, 0, -1]) {
      const p = sleep(ms, ctx);
      assert.equal(await settlesSoon(p, 1), true);
      await assert.rejects(p, (e: unknown) => e === Canceled);
    }
    const reason = new Error("already");
    await assert.rejects(sleep(60_000, AbortSignal.abort(reason)), (e: unknown) => e === reason);
  });

  test("resolves normally when the ctx is cancelled only afterwards", () =>
    synctest(async () => {
      const [ctx, cancel] = withCancel(background());
      await sleep(1, ctx);
      cancel(); // must not reject anything (an unhandled rejection would fail this file)
      const ac = new AbortController();
      await sleep(1, ac.signal);
      ac.abort();
      await nextMacrotask();
    }));

  test("many sleepers on one ctx are all rejected by one cancel", async () => {
    const [ctx, cancel] = withCancel(background());
    const ps = Array.from({ length: 100 }, () => sleep(60_000, ctx));
    cancel();
    const results = await Promise.allSettled(ps);
    assert.ok(results.every((r) => r.status === "rejected" && r.reason === Canceled));
  });

  test("a duration beyond setTimeout's 2^31-1 ms range does not wake early", async () => {
    const [ctx, cancel] = withCancel(background());
    const p = sleep(2 ** 31 + 1000, ctx);
    assert.equal(await settlesSoon(p, 5), false);
    cancel();
    await assert.rejects(p, (e: unknown) => e === Canceled);
  });

  test("NaN or a non-number rejects with a TypeError naming ms (.catch sees it, nothing is armed)", async () => {
    for (const bad of [Number.NaN, "5", undefined]) {
      const e = await sleep(bad as unknown as number).catch((err: unknown) => err);
      assert.ok(e instanceof TypeError && /\bms\b/.test(e.message), String(bad));
    }
  });

  test("a bad ctx rejects with a TypeError", async () => {
    await assert.rejects(sleep(5, {} as unknown as Context), TypeError);
  });
});
