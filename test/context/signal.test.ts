// fromSignal (an AbortSignal as a Context) and ctx.signal (a Context as an AbortSignal).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  Chan,
  type Context,
  cause,
  createKey,
  DeadlineExceeded,
  fromSignal,
  sleep,
  todo,
  withCancel,
  withCancelCause,
  withoutCancel,
  withTimeout,
  withValue,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

function assertDone(ctx: Context, err: Error): void {
  assert.equal(ctx.err(), err);
  assert.deepEqual(ctx.done()?.tryRecv(), [undefined, false]);
}

describe("fromSignal", { timeout: 10_000 }, () => {
  test("abort(reason) cancels with Canceled; cause() is the reason; children follow synchronously", () => {
    const ac = new AbortController();
    const ctx = fromSignal(ac.signal);
    const [child, cancelChild] = withCancel(ctx);
    const [timed, cancelTimed] = withTimeout(ctx, 60_000);
    assert.equal(ctx.err(), null);
    assert.equal(ctx.done()?.tryRecv(), undefined);
    assert.equal(cause(ctx), undefined);
    const reason = new Error("client went away");
    ac.abort(reason);
    assertDone(ctx, Canceled);
    assert.equal(cause(ctx), reason);
    assertDone(child, Canceled);
    assert.equal(cause(child), reason);
    assertDone(timed, Canceled);
    cancelChild();
    cancelTimed();
  });

  test("abort() without a reason: Canceled, and the cause is the signal's AbortError", () => {
    const ac = new AbortController();
    const ctx = fromSignal(ac.signal);
    ac.abort();
    assertDone(ctx, Canceled);
    const c = cause(ctx);
    assert.ok(c instanceof Error);
    assert.equal(c.name, "AbortError");
    assert.equal(c, ac.signal.reason);
  });

  // On the real clock: AbortSignal.timeout is Node's own timer, which no synctest bubble controls.
  test("a TimeoutError reason (AbortSignal.timeout) gives DeadlineExceeded", async () => {
    const signal = AbortSignal.timeout(5);
    const ctx = fromSignal(signal);
    while (ctx.err() === null) await sleep(5);
    assertDone(ctx, DeadlineExceeded);
    const c = cause(ctx);
    assert.ok(c instanceof Error);
    assert.equal(c.name, "TimeoutError");
    assert.equal(c, signal.reason);
  });

  test("an already-aborted signal gives an already-cancelled context", () => {
    const reason = new Error("too late");
    const ctx = fromSignal(AbortSignal.abort(reason));
    assertDone(ctx, Canceled);
    assert.equal(cause(ctx), reason);
    const [child, cancel] = withCancel(ctx);
    assertDone(child, Canceled);
    assert.equal(cause(child), reason);
    cancel();
    const timedOut = new DOMException("timed out", "TimeoutError");
    assertDone(fromSignal(AbortSignal.abort(timedOut)), DeadlineExceeded);
  });

  test("a blocked receive given the context rejects with Canceled when the signal aborts", async () => {
    const ac = new AbortController();
    const ctx = fromSignal(ac.signal);
    const p = new Chan<number>().recv(ctx);
    ac.abort(new Error("stop"));
    await assert.rejects(p, (e: unknown) => e === Canceled);
  });

  test("ctx.signal is the source signal; no values, no deadline, toString", () => {
    const ac = new AbortController();
    const ctx = fromSignal(ac.signal);
    assert.equal(ctx.signal, ac.signal);
    assert.equal(ctx.deadline(), undefined);
    assert.equal(ctx.value(createKey<number>("k")), undefined);
    assert.equal(String(ctx), "context.FromSignal");
    ac.abort();
  });

  test("a non-signal throws TypeError", () => {
    for (const bad of [null, undefined, {}, new AbortController(), background()]) {
      assert.throws(() => fromSignal(bad as unknown as AbortSignal), TypeError);
    }
  });
});

describe("ctx.signal", { timeout: 10_000 }, () => {
  test("aborts with Canceled when the context is cancelled, synchronously", () => {
    const [ctx, cancel] = withCancel(background());
    const signal = ctx.signal;
    assert.equal(signal.aborted, false);
    let heard: unknown;
    signal.addEventListener("abort", () => {
      heard = signal.reason;
    });
    cancel();
    assert.equal(signal.aborted, true);
    assert.equal(signal.reason, Canceled);
    assert.equal(heard, Canceled, "the abort event fired before cancel() returned");
  });

  test("is the same signal on every read", () => {
    const [ctx, cancel] = withCancel(background());
    assert.equal(ctx.signal, ctx.signal);
    cancel();
    assert.equal(ctx.signal, ctx.signal);
  });

  test("of an already-cancelled context is aborted on first read", () => {
    const [ctx, cancel] = withCancelCause(background());
    cancel(new Error("why"));
    assert.equal(ctx.signal.aborted, true);
    assert.equal(ctx.signal.reason, Canceled);
    const [child, cancelChild] = withCancel(ctx);
    assert.equal(child.signal.aborted, true);
    cancelChild();
  });

  test("aborts with DeadlineExceeded when the deadline passes", () =>
    synctest(async () => {
      const [ctx, cancel] = withTimeout(background(), 5);
      const signal = ctx.signal;
      await sleep(4);
      assert.equal(signal.aborted, false, "1 ms before the deadline");
      await ctx.done()?.recv();
      assert.equal(signal.aborted, true);
      assert.equal(signal.reason, DeadlineExceeded);
      cancel();
    }));

  test("a child's signal aborts when its parent is cancelled; a value context shares its parent's", () => {
    const [parent, cancel] = withCancel(background());
    const [child, cancelChild] = withCancel(parent);
    const valueCtx = withValue(child, createKey<number>("k"), 1);
    const signals = [child.signal, valueCtx.signal];
    cancel();
    for (const s of signals) {
      assert.equal(s.aborted, true);
      assert.equal(s.reason, Canceled);
    }
    cancelChild();
  });

  test("a parent's signal does not abort when a child is cancelled", () => {
    const [parent, cancel] = withCancel(background());
    const [, cancelChild] = withCancel(parent);
    const s = parent.signal;
    cancelChild();
    assert.equal(s.aborted, false);
    cancel();
  });

  test("never aborts for contexts that cannot be cancelled", () => {
    const [parent, cancel] = withCancel(background());
    const ctxs = [background(), todo(), withoutCancel(parent), withValue(background(), createKey("k"), 1)];
    cancel();
    for (const c of ctxs) assert.equal(c.signal.aborted, false);
  });

  test("drives a signal-taking API, and a gosync call given the signal rejects with its reason", async () => {
    const [ctx, cancel] = withCancel(background());
    const ch = new Chan<number>();
    const p = ch.recv(ctx.signal);
    const s = sleep(60_000, ctx.signal);
    cancel();
    await assert.rejects(p, (e: unknown) => e === Canceled);
    await assert.rejects(s, (e: unknown) => e === Canceled);
  });
});
