// Context is an interface: a user-implemented context
// works as a parent and as the ctx of blocking calls. Also: how blocked calls given a ctx or an
// AbortSignal reject.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  background,
  Canceled,
  Chan,
  type Context,
  type ContextKey,
  cause,
  createKey,
  DeadlineExceeded,
  otherwise,
  recv,
  select,
  sleep,
  withCancel,
  withCancelCause,
  withTimeout,
  withValue,
} from "../../src/index.js";
import { waitingReceivers, waitingSenders } from "../../src/internal/introspect.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** A context written by a user: its own done channel, error and values; cancelled by cancel(). */
class UserContext implements Context {
  readonly #done = new Chan<never>();
  #err: Error | null = null;
  readonly #values = new Map<ContextKey<unknown>, unknown>();
  readonly #controller = new AbortController();
  constructor(readonly dl?: Date) {}
  done(): Chan<never> {
    return this.#done;
  }
  err(): Error | null {
    return this.#err;
  }
  deadline(): Date | undefined {
    return this.dl;
  }
  value<T>(key: ContextKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined;
  }
  get signal(): AbortSignal {
    return this.#controller.signal;
  }
  set<T>(key: ContextKey<T>, v: T): this {
    this.#values.set(key, v);
    return this;
  }
  cancel(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    this.#done.close();
    this.#controller.abort(err);
  }
}

/** Go's otherContext: a user type wrapping a gosync context (delegating every method). */
function wrap(inner: Context): Context {
  return {
    done: () => inner.done(),
    err: () => inner.err(),
    deadline: () => inner.deadline(),
    value: <T>(key: ContextKey<T>) => inner.value(key),
    get signal() {
      return inner.signal;
    },
  };
}

function assertDone(ctx: Context, err: Error): void {
  assert.equal(ctx.err(), err);
  assert.deepEqual(ctx.done()?.tryRecv(), [undefined, false]);
}

describe("a user-implemented Context as a parent", { timeout: 10_000 }, () => {
  test("its cancellation reaches gosync children synchronously", () => {
    const user = new UserContext();
    const [c1, cancel1] = withCancel(user);
    const [c2, cancel2] = withTimeout(user, 60_000);
    const [c3, cancel3] = withCancelCause(withValue(user, createKey<number>("k"), 1));
    const [grandchild, cancel4] = withCancel(c1);
    for (const c of [c1, c2, c3, grandchild]) assert.equal(c.err(), null);
    user.cancel(Canceled);
    for (const c of [c1, c2, c3, grandchild]) assertDone(c, Canceled);
    for (const f of [cancel1, cancel2, cancel3, cancel4]) f();
  });

  test("children take the user context's error", () => {
    const user = new UserContext();
    const [child, cancel] = withCancel(user);
    user.cancel(DeadlineExceeded);
    assertDone(child, DeadlineExceeded);
    cancel();
    const other = new UserContext();
    const custom = new Error("custom");
    const [child2, cancel2] = withCancel(other);
    other.cancel(custom);
    assert.equal(child2.err(), custom);
    assert.equal(cause(child2), custom);
    cancel2();
  });

  test("a child made under an already-cancelled user context starts cancelled", () => {
    const user = new UserContext();
    user.cancel(Canceled);
    const [child, cancel] = withCancel(user);
    assertDone(child, Canceled);
    cancel();
  });

  test("a child's cancel does not affect the user context", () => {
    const user = new UserContext();
    const [child, cancel] = withCancel(user);
    cancel();
    assertDone(child, Canceled);
    assert.equal(user.err(), null);
    assert.equal(user.done().tryRecv(), undefined);
  });

  test("its values and deadline are seen through gosync children", () => {
    const k = createKey<string>("k");
    const dl = new Date(Date.now() + 3600_000);
    const user = new UserContext(dl).set(k, "v");
    const [child, cancel] = withCancel(user);
    assert.equal(child.value(k), "v");
    assert.equal(child.deadline()?.getTime(), dl.getTime());
    const [timed, cancelTimed] = withTimeout(user, 7200_000);
    assert.equal(timed.deadline()?.getTime(), dl.getTime(), "the user context's earlier deadline wins");
    cancel();
    cancelTimed();
  });

  test("cancelled children are not kept by the user context (Go's TestCustomContextAfterFuncUnregister*)", async () => {
    const user = new UserContext();
    const refs: WeakRef<Context>[] = [];
    (() => {
      for (let i = 0; i < 200; i++) {
        const [c, cancel] = i % 2 === 0 ? withCancel(user) : withTimeout(user, 3600_000);
        refs.push(new WeakRef(c));
        cancel();
      }
    })();
    for (let i = 0; i < 3; i++) {
      await nextMacrotask();
      gc();
    }
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
  });

  test("Go's otherContext: a wrapped gosync context works as a parent", async () => {
    const [inner, cancel] = withCancel(background());
    const [child, cancelChild] = withCancel(wrap(inner));
    cancel();
    assertDone(child, Canceled);
    cancelChild();
    // In virtual time (the bubble also keeps the process alive meanwhile: whether waiting through a
    // wrapper does so by itself is a separate, child-process test in test/time/keepalive.test.ts).
    await synctest(async (bubble) => {
      const [timed, cancelTimed] = withTimeout(background(), 5);
      const [child2, cancelChild2] = withTimeout(wrap(timed), 3600_000);
      await child2.done()?.recv();
      assert.equal(bubble.elapsed(), 5);
      assert.equal(child2.err(), DeadlineExceeded);
      cancelTimed();
      cancelChild2();
    });
  });

  test("cause() looks through a wrapper to the gosync context it wraps (as Go's Cause does)", () => {
    // Go's TestCause "parent of custom context is canceled before": cause is the parent's cause.
    const parentCause = new Error("parent cause");
    const [inner, cancelInner] = withCancelCause(background());
    const [child, cancelChild] = withCancelCause(wrap(inner));
    cancelInner(parentCause);
    cancelChild(new Error("child cause"));
    assert.equal(child.err(), Canceled);
    assert.equal(cause(child), parentCause);
    assert.equal(cause(wrap(inner)), parentCause);
  });

  test("cause() of a user context is undefined until cancelled, then its err()", () => {
    const user = new UserContext();
    assert.equal(cause(user), undefined);
    const e = new Error("e");
    user.cancel(e);
    assert.equal(cause(user), e);
  });
});

describe("a user-implemented Context as the ctx of blocking calls", { timeout: 10_000 }, () => {
  test("ch.recv(ctx) rejects with the context's err() when it is cancelled", async () => {
    const user = new UserContext();
    const ch = new Chan<number>();
    const p = ch.recv(user);
    const custom = new Error("custom");
    user.cancel(custom);
    await assert.rejects(p, (e: unknown) => e === custom);
    assert.equal(waitingReceivers(ch), 0);
  });

  test("send and sleep reject too; an already-cancelled user context rejects at once", async () => {
    const user = new UserContext();
    const ch = new Chan<number>();
    const s = ch.send(1, user);
    const z = sleep(60_000, user);
    user.cancel(Canceled);
    await assert.rejects(s, (e: unknown) => e === Canceled);
    await assert.rejects(z, (e: unknown) => e === Canceled);
    assert.equal(waitingSenders(ch), 0);
    const buffered = new Chan<number>(1);
    buffered.trySend(7);
    await assert.rejects(buffered.recv(user), (e: unknown) => e === Canceled);
    assert.equal(buffered.length, 1, "a call rejected for cancellation takes nothing");
  });

  test("a call that completes first leaves the user context usable", async () => {
    const user = new UserContext();
    const ch = new Chan<number>(1);
    const p = ch.recv(user);
    ch.trySend(5);
    assert.equal(await p, 5);
    user.cancel(Canceled);
    const q = ch.recv(user);
    await assert.rejects(q, (e: unknown) => e === Canceled);
  });
});

describe("blocked calls given a gosync ctx or an AbortSignal", { timeout: 10_000 }, () => {
  test("reject with the sentinel ctx.err() when the ctx is cancelled, leaving nothing queued", async () => {
    const [ctx, cancel] = withCancel(background());
    const ch = new Chan<number>();
    const r = ch.recv(ctx);
    const ro = ch.recvOk(ctx);
    const out = new Chan<number>();
    const s = out.send(1, ctx);
    const z = sleep(60_000, ctx);
    cancel();
    for (const p of [r, ro, s, z]) await assert.rejects(p, (e: unknown) => e === Canceled);
    assert.equal(waitingReceivers(ch), 0);
    assert.equal(waitingSenders(out), 0);
    // The cancelled send delivered nothing.
    assert.equal(out.tryRecv(), undefined);
  });

  test("reject with DeadlineExceeded when the ctx times out", () =>
    synctest(async (bubble) => {
      const [ctx, cancel] = withTimeout(background(), 5);
      await assert.rejects(new Chan<number>().recv(ctx), (e: unknown) => e === DeadlineExceeded);
      assert.equal(bubble.elapsed(), 5);
      cancel();
    }));

  test("reject with signal.reason for an AbortSignal", async () => {
    const ac = new AbortController();
    const reason = new Error("aborted by caller");
    const ch = new Chan<number>();
    const r = ch.recv(ac.signal);
    const s = new Chan<number>().send(1, ac.signal);
    const z = sleep(60_000, ac.signal);
    ac.abort(reason);
    for (const p of [r, s, z]) await assert.rejects(p, (e: unknown) => e === reason);
    assert.equal(waitingReceivers(ch), 0);
  });

  test("an already-cancelled ctx rejects at once, even if the call could proceed", async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    const ch = new Chan<number>(2);
    ch.trySend(1);
    await assert.rejects(ch.recv(ctx), (e: unknown) => e === Canceled);
    await assert.rejects(ch.send(2, ctx), (e: unknown) => e === Canceled);
    assert.equal(ch.length, 1);
    const reason = new Error("r");
    await assert.rejects(ch.recv(AbortSignal.abort(reason)), (e: unknown) => e === reason);
    assert.equal(ch.length, 1);
  });

  test("cancelling after the call completed has no effect", async () => {
    const [ctx, cancel] = withCancel(background());
    const ch = new Chan<number>(1);
    const p = ch.recv(ctx);
    ch.trySend(3);
    assert.equal(await p, 3);
    cancel();
    await nextMacrotask();
    assert.equal(ch.length, 0);
  });

  test("a context that can never be cancelled is accepted and never rejects", async () => {
    const ch = new Chan<number>();
    const p = ch.recv(background());
    ch.trySend(1);
    assert.equal(await p, 1);
  });

  test("a select on ctx.done() picks the done case once cancelled", async () => {
    const [ctx, cancel] = withCancel(background());
    const work = new Chan<number>();
    const p = select(
      recv(work, (v) => `work ${v}`),
      recv(ctx.done(), () => "cancelled"),
    );
    cancel();
    assert.equal(await p, "cancelled");
    assert.equal(
      await select(
        recv(ctx.done(), () => "done"),
        otherwise(() => "default"),
      ),
      "done",
    );
  });

  test("a ctx that is neither a Context nor an AbortSignal rejects with a TypeError", async () => {
    const ch = new Chan<number>();
    await assert.rejects(ch.recv({} as unknown as Context), TypeError); // a rejection, not a throw
  });
});
