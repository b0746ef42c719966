// withDeadline, withTimeout and their *Cause forms: Go's TestDeadline, TestTimeout,
// TestCanceledTimeout, TestLayersTimeout, TestDeadlineExceededSupportsTimeout. Tests that wait for a
// deadline run in a synctest bubble (virtual time: no real waiting, and deadlines pass at exact
// instants; inside it deadlines are computed from bubble.now(), as Date.now() stays real). The
// tests of deadlines beyond setTimeout's 2^31-1 ms range stay on the real clock: they check how the
// real clock chains or clamps such timers, which a virtual clock does not have.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type CancelFunc,
  type Context,
  cause,
  createKey,
  DeadlineExceeded,
  DeadlineExceededError,
  GoSyncError,
  sleep,
  withCancel,
  withCancelCause,
  withDeadline,
  withDeadlineCause,
  withTimeout,
  withTimeoutCause,
  withValue,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

const HOUR = 3600_000;

/** Waits (on the done channel, as Go's testDeadline does) until ctx is done; asserts its error. */
async function expectDeadline(ctx: Context, what: string): Promise<void> {
  await ctx.done()?.recv();
  assert.equal(ctx.err(), DeadlineExceeded, what);
}

function assertDone(ctx: Context, err: Error): void {
  assert.equal(ctx.err(), err);
  assert.deepEqual(ctx.done()?.tryRecv(), [undefined, false]);
}

describe("withDeadline", { timeout: 10_000 }, () => {
  test("Go's TestDeadline: expires with DeadlineExceeded", () =>
    synctest(async (bubble) => {
      const [c, cancel] = withDeadline(background(), new Date(bubble.now().getTime() + 10));
      assert.ok(String(c).startsWith("context.Background.WithDeadline("), String(c));
      assert.equal(c.err(), null);
      assert.equal(c.done()?.tryRecv(), undefined);
      await expectDeadline(c, "WithDeadline");
      assert.equal(bubble.elapsed(), 10);
      assert.equal(cause(c), DeadlineExceeded);
      cancel(); // after expiry: no change
      assert.equal(c.err(), DeadlineExceeded);
    }));

  test("deadline() is the given time", () => {
    const at = new Date(Date.now() + HOUR);
    const [c, cancel] = withDeadline(background(), at);
    assert.equal(c.deadline()?.getTime(), at.getTime());
    cancel();
  });

  test("deadline() stays what it was when the Date objects are mutated", () => {
    // Go's time.Time is a value: neither the caller's Date nor the returned one is the context's state.
    const t = Date.now() + HOUR;
    const at = new Date(t);
    const [c, cancel] = withDeadline(background(), at);
    at.setTime(0);
    assert.equal(c.deadline()?.getTime(), t);
    c.deadline()?.setTime(0);
    assert.equal(c.deadline()?.getTime(), t);
    cancel();
  });

  test("a deadline in the past, or now, cancels at once", () => {
    for (const at of [new Date(Date.now() - 1), new Date(Date.now()), new Date(0)]) {
      const [c, cancel] = withDeadline(background(), at);
      assertDone(c, DeadlineExceeded);
      assert.equal(c.deadline()?.getTime(), at.getTime());
      cancel();
      assert.equal(c.err(), DeadlineExceeded);
    }
  });

  test("cancel before the deadline gives Canceled, and the deadline then changes nothing", () =>
    synctest(async (bubble) => {
      const [c, cancel] = withDeadline(background(), new Date(bubble.now().getTime() + 5));
      cancel();
      assertDone(c, Canceled);
      await sleep(15);
      assert.equal(c.err(), Canceled);
    }));

  test("Go's TestCanceledTimeout: cancelling the child of a timeout context gives Canceled", () => {
    const [c0, cancel0] = withTimeout(background(), 1000);
    const [c, cancel] = withTimeout(c0, 2000);
    cancel();
    assertDone(c, Canceled);
    assert.equal(c0.err(), null);
    cancel0();
  });

  test("an earlier parent deadline wins: the child's deadline() is the parent's", () =>
    synctest(async (bubble) => {
      const [parent, cancelParent] = withTimeout(background(), 10);
      const [child, cancelChild] = withDeadline(parent, new Date(bubble.now().getTime() + HOUR));
      const [child2, cancelChild2] = withTimeout(parent, HOUR);
      assert.equal(child.deadline()?.getTime(), parent.deadline()?.getTime());
      assert.equal(child2.deadline()?.getTime(), parent.deadline()?.getTime());
      await expectDeadline(child, "child of an earlier deadline");
      assert.equal(bubble.elapsed(), 10);
      assert.equal(child2.err(), DeadlineExceeded);
      assert.equal(parent.err(), DeadlineExceeded);
      cancelParent();
      cancelChild();
      cancelChild2();
    }));

  test("a later parent deadline does not delay an earlier child deadline", () =>
    synctest(async (bubble) => {
      const [parent, cancelParent] = withTimeout(background(), HOUR);
      const at = new Date(bubble.now().getTime() + 10);
      const [child, cancelChild] = withDeadline(parent, at);
      assert.equal(child.deadline()?.getTime(), at.getTime());
      await expectDeadline(child, "child");
      assert.equal(bubble.elapsed(), 10);
      assert.equal(parent.err(), null);
      cancelChild();
      cancelParent();
    }));

  test("deadline() is inherited through cancel and value contexts", () => {
    const [parent, cancelParent] = withTimeout(background(), HOUR);
    const [c1, cancel1] = withCancel(parent);
    const c2 = withValue(c1, createKey<number>("k"), 1);
    const [c3, cancel3] = withCancelCause(c2);
    for (const c of [c1, c2, c3]) assert.equal(c.deadline()?.getTime(), parent.deadline()?.getTime());
    cancel1();
    cancel3();
    cancelParent();
  });

  test("a parent's expiry reaches every descendant with DeadlineExceeded", () =>
    synctest(async (bubble) => {
      const [parent, cancelParent] = withTimeout(background(), 10);
      const [c1, cancel1] = withCancel(parent);
      const c2 = withValue(c1, createKey<number>("k"), 1);
      const [c3, cancel3] = withTimeout(c2, HOUR);
      await expectDeadline(parent, "parent");
      assert.equal(bubble.elapsed(), 10);
      for (const c of [c1, c2, c3]) assertDone(c, DeadlineExceeded);
      cancelParent();
      cancel1();
      cancel3();
    }));

  test("Go's TestLayersTimeout: the innermost of many layers times out, values intact", () =>
    synctest(async (bubble) => {
      const keys: ReturnType<typeof createKey<number>>[] = [];
      const cancels: CancelFunc[] = [];
      let ctx: Context = background();
      let timers = 0;
      for (let i = 0; i < 30 || timers === 0 || cancels.length === 0 || keys.length === 0; i++) {
        const r = Math.floor(Math.random() * 3);
        if (r === 0) {
          const key = createKey<number>(`v${i}`);
          ctx = withValue(ctx, key, i);
          keys.push(key);
        } else {
          const [c, cf] = r === 1 ? withCancel(ctx) : withTimeout(ctx, 20);
          if (r === 2) timers++;
          ctx = c;
          cancels.push(cf);
        }
      }
      const values = keys.map((k) => ctx.value(k));
      assert.equal(ctx.err(), null);
      await expectDeadline(ctx, "layers");
      assert.equal(bubble.elapsed(), 20);
      assert.deepEqual(
        keys.map((k) => ctx.value(k)),
        values,
      );
      for (const cf of cancels) cf();
    }));

  test("an invalid Date throws TypeError", () => {
    for (const bad of [
      new Date(Number.NaN),
      new Date("nope"),
      null,
      undefined,
      Date.now() + 10,
      "2030-01-01",
    ]) {
      assert.throws(() => withDeadline(background(), bad as unknown as Date), TypeError);
      assert.throws(() => withDeadlineCause(background(), bad as unknown as Date, "c"), TypeError);
    }
  });

  test("a nil parent throws TypeError", () => {
    assert.throws(() => withDeadline(null as unknown as Context, new Date()), TypeError);
    assert.throws(() => withTimeout(null as unknown as Context, 10), TypeError);
  });

  test("a deadline beyond setTimeout's 2^31-1 ms range does not fire early (real clock)", async () => {
    const [c, cancel] = withDeadline(background(), new Date(Date.now() + 2 ** 31 + 1000));
    const [max, cancelMax] = withDeadline(background(), new Date(8.64e15));
    await sleep(10);
    assert.equal(c.err(), null);
    assert.equal(max.err(), null);
    cancel();
    cancelMax();
    assert.equal(c.err(), Canceled);
  });
});

describe("withTimeout", { timeout: 10_000 }, () => {
  test("Go's TestTimeout: expires with DeadlineExceeded; toString says WithDeadline", () =>
    synctest(async (bubble) => {
      const [c, cancel] = withTimeout(background(), 10);
      assert.ok(String(c).startsWith("context.Background.WithDeadline("), String(c));
      const dl = c.deadline();
      assert.ok(dl instanceof Date);
      assert.equal(dl.getTime(), bubble.now().getTime() + 10);
      await expectDeadline(c, "WithTimeout");
      assert.equal(bubble.now().getTime(), dl.getTime(), "done exactly at the deadline");
      cancel();
    }));

  test("zero and negative timeouts cancel at once", () => {
    for (const ms of [0, -1, -1000]) {
      const [c, cancel] = withTimeout(background(), ms);
      assertDone(c, DeadlineExceeded);
      cancel();
    }
  });

  test("a timeout too large for a Date never expires by itself (real clock)", async () => {
    // Go: WithTimeout(ctx, math.MaxInt64) never fires.
    const made = [Number.MAX_SAFE_INTEGER, Number.POSITIVE_INFINITY, 1e300].map((ms) =>
      withTimeout(background(), ms),
    );
    await sleep(10);
    for (const [c] of made) {
      assert.equal(c.err(), null);
      assert.doesNotThrow(() => String(c));
    }
    for (const [, cancel] of made) cancel();
  });

  test("a negative timeout too large for a Date cancels at once", () => {
    for (const ms of [-Number.MAX_SAFE_INTEGER, Number.NEGATIVE_INFINITY]) {
      const [c, cancel] = withTimeout(background(), ms);
      assertDone(c, DeadlineExceeded);
      cancel();
    }
  });

  test("NaN and non-numbers throw", () => {
    for (const bad of [Number.NaN, "10", undefined, null]) {
      assert.throws(
        () => withTimeout(background(), bad as unknown as number),
        (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      );
      assert.throws(
        () => withTimeoutCause(background(), bad as unknown as number, "c"),
        (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      );
    }
  });

  test("withTimeoutCause: the cause is reported once the timeout passes", () =>
    synctest(async (bubble) => {
      const why = new Error("backend too slow");
      const [c, cancel] = withTimeoutCause(background(), 5, why);
      assert.equal(cause(c), undefined);
      await sleep(4);
      assert.equal(cause(c), undefined, "1 ms before the timeout");
      await expectDeadline(c, "withTimeoutCause");
      assert.equal(bubble.elapsed(), 5);
      assert.equal(cause(c), why);
      cancel();
      assert.equal(cause(c), why);
    }));

  test("withTimeoutCause: its cancel reports Canceled, not the cause", () => {
    const [c, cancel] = withTimeoutCause(background(), HOUR, new Error("late"));
    cancel();
    assert.equal(c.err(), Canceled);
    assert.equal(cause(c), Canceled);
  });

  test("withDeadlineCause: the cause is reported once the deadline passes", () =>
    synctest(async (bubble) => {
      const why = new Error("batch window closed");
      const [c, cancel] = withDeadlineCause(background(), new Date(bubble.now().getTime() + 5), why);
      await expectDeadline(c, "withDeadlineCause");
      assert.equal(bubble.elapsed(), 5);
      assert.equal(cause(c), why);
      cancel();
    }));

  test("a child of a withTimeoutCause context inherits the cause", () =>
    synctest(async () => {
      const why = new Error("why");
      const [parent, cancelParent] = withTimeoutCause(background(), 5, why);
      const [child, cancelChild] = withCancel(parent);
      await expectDeadline(child, "child");
      assert.equal(cause(child), why);
      cancelParent();
      cancelChild();
    }));

  test("an earlier parent deadline wins for withTimeoutCause too, and the parent's cause is kept", () =>
    synctest(async (bubble) => {
      const [parent, cancelParent] = withTimeout(background(), 5);
      const [child, cancelChild] = withTimeoutCause(parent, HOUR, new Error("child's own"));
      await expectDeadline(child, "child");
      assert.equal(bubble.elapsed(), 5);
      assert.equal(cause(child), DeadlineExceeded);
      cancelParent();
      cancelChild();
    }));

  test("a receive blocked on done() is woken by the timeout", () =>
    synctest(async (bubble) => {
      const [c, cancel] = withTimeout(background(), 5);
      assert.deepEqual(await c.done()?.recvOk(), [undefined, false]);
      assert.equal(bubble.elapsed(), 5);
      assert.equal(c.err(), DeadlineExceeded);
      cancel();
    }));
});

describe("DeadlineExceeded (Go's TestDeadlineExceededSupportsTimeout)", () => {
  test("is a GoSyncError with Go's text and timeout() === true", () => {
    assert.ok(DeadlineExceeded instanceof DeadlineExceededError);
    assert.ok(DeadlineExceeded instanceof GoSyncError);
    assert.equal(DeadlineExceeded.message, "context deadline exceeded");
    assert.equal(DeadlineExceeded.timeout(), true);
    assert.notEqual(DeadlineExceeded as Error, Canceled as Error);
  });
});
