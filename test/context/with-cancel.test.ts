// withCancel, withCancelCause and cause(): Go's TestWithCancel, TestParentFinishesChild,
// TestChildFinishesFirst, TestSimultaneousCancels, TestLayersCancel, TestCancelRemoves,
// TestWithCancelCanceledParent and TestCause, ported to gosync's synchronous propagation.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import {
  afterFunc,
  background,
  Canceled,
  CanceledError,
  type CancelFunc,
  type Context,
  cause,
  createKey,
  DeadlineExceeded,
  GoSyncError,
  withCancel,
  withCancelCause,
  withDeadline,
  withDeadlineCause,
  withTimeout,
  withTimeoutCause,
  withValue,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await nextMacrotask(); // WeakRef targets stay alive until the current job ends
    gc();
  }
}

function assertDone(ctx: Context, err: Error, what = "ctx"): void {
  assert.equal(ctx.err(), err, `${what}.err()`);
  assert.deepEqual(ctx.done()?.tryRecv(), [undefined, false], `${what}.done() should be closed`);
}

function assertNotDone(ctx: Context, what = "ctx"): void {
  assert.equal(ctx.err(), null, `${what}.err()`);
  assert.equal(ctx.done()?.tryRecv(), undefined, `${what}.done() should block`);
}

describe("withCancel", () => {
  test("Go's TestWithCancel: err is Canceled and done() closed once cancelled", async () => {
    const [c1, cancel] = withCancel(background());
    assert.equal(String(c1), "context.Background.WithCancel");
    const [c2, cancel2] = withCancel(c1);
    for (const c of [c1, c2]) {
      assert.notEqual(c.done(), null);
      assertNotDone(c);
    }
    cancel();
    for (const c of [c1, c2]) {
      assertDone(c, Canceled);
      assert.deepEqual(await c.done()?.recvOk(), [undefined, false]);
      assert.equal(await c.done()?.recv(), undefined);
    }
    cancel2();
  });

  test("Canceled is the sentinel: a GoSyncError with Go's text", () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    const err = ctx.err();
    assert.equal(err, Canceled);
    assert.ok(err instanceof CanceledError);
    assert.ok(err instanceof GoSyncError);
    assert.ok(err instanceof Error);
    assert.equal(err.message, "context canceled");
  });

  test("done() returns the same channel every time, before and after cancel", () => {
    const [ctx, cancel] = withCancel(background());
    const d = ctx.done();
    assert.equal(ctx.done(), d);
    cancel();
    assert.equal(ctx.done(), d);
    const [late, cancelLate] = withCancel(background());
    cancelLate();
    assert.equal(late.done(), late.done());
    assert.deepEqual(late.done()?.tryRecv(), [undefined, false]);
  });

  test("a receive blocked on done() wakes when cancelled", async () => {
    const [ctx, cancel] = withCancel(background());
    const got = ctx.done()?.recvOk();
    cancel();
    assert.deepEqual(await got, [undefined, false]);
  });

  test("cancel is idempotent", () => {
    const [ctx, cancel] = withCancel(background());
    const done = ctx.done();
    cancel();
    cancel();
    cancel();
    assert.equal(ctx.err(), Canceled);
    assert.equal(ctx.done(), done);
  });

  test("a child of a cancelled parent starts cancelled (Go's TestWithCancelCanceledParent)", () => {
    const [parent, cancel] = withCancel(background());
    cancel();
    const [child, cancelChild] = withCancel(parent);
    assertDone(child, Canceled);
    assertDone(withCancelCause(parent)[0], Canceled);
    assertDone(withValue(parent, createKey<number>("k"), 1), Canceled);
    cancelChild();
  });

  test("a deadline child of a cancelled parent starts cancelled", () => {
    const [parent, cancel] = withCancel(background());
    cancel();
    const [dl, cancelDl] = withTimeout(parent, 60_000);
    assertDone(dl, Canceled);
    const [dl2, cancelDl2] = withDeadline(parent, new Date(Date.now() + 60_000));
    assertDone(dl2, Canceled);
    cancelDl();
    cancelDl2();
  });

  test("the parent's error is inherited: a child of a timed-out parent gets DeadlineExceeded", () => {
    const [parent, cancel] = withTimeout(background(), -1);
    const [child, cancelChild] = withCancel(parent);
    assertDone(child, DeadlineExceeded);
    cancel();
    cancelChild();
  });

  test("a nil or non-context parent throws TypeError", () => {
    for (const bad of [null, undefined, 1, "ctx", {}, { done: 1, err: 1, value: 1 }]) {
      assert.throws(() => withCancel(bad as unknown as Context), TypeError);
      assert.throws(() => withCancelCause(bad as unknown as Context), TypeError);
    }
  });
});

describe("propagation", () => {
  test("Go's TestParentFinishesChild: every descendant is done when cancel() returns", () => {
    // parent -> cancelChild; parent -> valueChild -> timerChild
    const [parent, cancel] = withCancel(background());
    const [cancelChild, stop1] = withCancel(parent);
    const valueChild = withValue(parent, createKey<string>("key"), "value");
    const [timerChild, stop2] = withTimeout(valueChild, 10_000 * 3600_000);
    for (const c of [parent, cancelChild, valueChild, timerChild]) assertNotDone(c);
    cancel();
    assertDone(parent, Canceled, "parent");
    assertDone(cancelChild, Canceled, "cancelChild");
    assertDone(valueChild, Canceled, "valueChild");
    assertDone(timerChild, Canceled, "timerChild");
    // A value child made after the cancel is cancelled too.
    assertDone(withValue(parent, createKey<string>("key"), "value"), Canceled, "precanceledChild");
    stop1();
    stop2();
  });

  test("a deep mixed tree is all cancelled synchronously, done channels read or not", () => {
    const [root, cancelRoot] = withCancel(background());
    const all: Context[] = [root];
    const cancels: CancelFunc[] = [];
    const queue: Context[] = [root];
    const k = createKey<number>("depth");
    let n = 0;
    while (queue.length > 0 && all.length < 300) {
      const p = queue.shift() as Context;
      for (let i = 0; i < 4; i++) {
        let c: Context;
        switch (n++ % 5) {
          case 0: {
            const [cc, cf] = withCancel(p);
            c = cc;
            cancels.push(cf);
            break;
          }
          case 1: {
            const [cc, cf] = withTimeout(p, 3600_000);
            c = cc;
            cancels.push(cf);
            break;
          }
          case 2:
            c = withValue(p, k, n);
            break;
          case 3: {
            const [cc, cf] = withCancelCause(p);
            c = cc;
            cancels.push(() => cf(new Error("child")));
            break;
          }
          default: {
            const [cc, cf] = withDeadline(p, new Date(Date.now() + 3600_000 + n));
            c = cc;
            cancels.push(cf);
          }
        }
        if (n % 2 === 0) c.done(); // half of them with a done channel made before the cancel
        if (n % 3 === 0) void c.signal; // a third with a signal made before the cancel
        all.push(c);
        queue.push(c);
      }
    }
    const signals = all.filter((_, i) => i % 3 === 0).map((c) => c.signal);
    cancelRoot();
    for (const [i, c] of all.entries()) assertDone(c, Canceled, `context #${i}`);
    for (const s of signals) {
      assert.equal(s.aborted, true);
      assert.equal(s.reason, Canceled);
    }
    // Cancelling the descendants afterwards changes nothing.
    for (const cf of cancels) cf();
    for (const c of all) assert.equal(c.err(), Canceled);
    for (const c of all) assert.equal(cause(c), Canceled);
  });

  test("cancelling a middle context cancels exactly its subtree", () => {
    const [root, cancelRoot] = withCancel(background());
    const [mid, cancelMid] = withCancel(root);
    const [sibling, cancelSibling] = withCancel(root);
    const [leaf1, cancelLeaf1] = withCancel(mid);
    const [leaf2, cancelLeaf2] = withTimeout(mid, 60_000);
    const [cousin, cancelCousin] = withCancel(sibling);
    cancelMid();
    assertDone(mid, Canceled);
    assertDone(leaf1, Canceled);
    assertDone(leaf2, Canceled);
    assertNotDone(root, "root");
    assertNotDone(sibling, "sibling");
    assertNotDone(cousin, "cousin");
    for (const f of [cancelRoot, cancelSibling, cancelLeaf1, cancelLeaf2, cancelCousin]) f();
  });

  test("Go's TestChildFinishesFirst: a child's cancel never affects its parent or siblings", () => {
    const [cancelable, stop] = withCancel(background());
    for (const parent of [background(), cancelable]) {
      const [child, cancel] = withCancel(parent);
      const [sibling, cancelSibling] = withCancel(parent);
      const parentSignal = parent.signal;
      cancel();
      assertDone(child, Canceled, "child");
      assert.equal(parent.err(), null);
      if (parent.done() !== null) assert.equal(parent.done()?.tryRecv(), undefined);
      assert.equal(parentSignal.aborted, false);
      assertNotDone(sibling, "sibling");
      cancelSibling();
    }
    stop();
  });

  test("a child cancelled first keeps its own error and cause when the parent is cancelled later", () => {
    const [parent, cancelParent] = withCancelCause(background());
    const [child, cancelChild] = withCancelCause(parent);
    const childCause = new Error("child cause");
    cancelChild(childCause);
    cancelParent(new Error("parent cause"));
    assert.equal(child.err(), Canceled);
    assert.equal(cause(child), childCause);
  });

  test("Go's TestLayersCancel: any cancel in a chain of layers cancels the innermost context", () => {
    for (let round = 0; round < 20; round++) {
      const keys: ReturnType<typeof createKey<number>>[] = [];
      const cancels: CancelFunc[] = [];
      let ctx: Context = background();
      for (let i = 0; i < 30 || cancels.length === 0 || keys.length === 0; i++) {
        switch (Math.floor(Math.random() * 3)) {
          case 0: {
            const key = createKey<number>(`v${i}`);
            ctx = withValue(ctx, key, i);
            keys.push(key);
            break;
          }
          case 1: {
            const [c, cf] = withCancel(ctx);
            ctx = c;
            cancels.push(cf);
            break;
          }
          default: {
            const [c, cf] = withTimeout(ctx, 3600_000);
            ctx = c;
            cancels.push(cf);
          }
        }
      }
      const values = keys.map((key) => ctx.value(key));
      assertNotDone(ctx);
      assert.ok(String(ctx).startsWith("context.Background."));
      const pick = cancels[Math.floor(Math.random() * cancels.length)];
      pick?.();
      assertDone(ctx, Canceled);
      assert.deepEqual(
        keys.map((key) => ctx.value(key)),
        values,
      );
      for (const cf of cancels) cf();
    }
  });
});

describe("detaching (Go's TestCancelRemoves)", () => {
  // Behaviour only: a parent does not keep children that were cancelled by their own cancel
  // function, so they can be garbage collected while the parent lives.
  test("cancelled children are not kept by a long-lived parent", async () => {
    const [parent, cancelParent] = withCancel(background());
    const refs: WeakRef<Context>[] = [];
    (() => {
      for (let i = 0; i < 1000; i++) {
        const [c, cancel] = i % 2 === 0 ? withCancel(parent) : withTimeout(parent, 3600_000);
        c.done();
        void c.signal;
        refs.push(new WeakRef(c));
        cancel();
      }
    })();
    await collectGarbage();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
    assert.equal(parent.err(), null);
    cancelParent();
  });

  test("a child whose parent is a value context detaches from the cancellable ancestor", async () => {
    const [root, cancelRoot] = withCancel(background());
    const mid = withValue(root, createKey<number>("k"), 1);
    const refs: WeakRef<Context>[] = [];
    (() => {
      for (let i = 0; i < 100; i++) {
        const [c, cancel] = withCancelCause(mid);
        refs.push(new WeakRef(c));
        cancel(new Error("done"));
      }
    })();
    await collectGarbage();
    assert.equal(refs.filter((r) => r.deref() !== undefined).length, 0);
    cancelRoot();
  });

  test("a child cancelled by its own cancel is not cancelled again by its parent", async () => {
    const [parent, cancelParent] = withCancelCause(background());
    const [child, cancelChild] = withCancelCause(parent);
    let runs = 0;
    afterFunc(child, () => {
      runs++;
    });
    const own = new Error("own");
    cancelChild(own);
    cancelParent(new Error("parent"));
    assert.equal(child.err(), Canceled);
    assert.equal(cause(child), own);
    await nextMacrotask();
    assert.equal(runs, 1);
  });
});

describe("withCancelCause and cause() (Go's TestCause)", () => {
  const causeErr = new Error("cause");
  const parentCause = new Error("parent cause");
  const cases: { name: string; make: () => Context; err: Error | null; cause: unknown }[] = [
    { name: "background", make: () => background(), err: null, cause: undefined },
    {
      name: "not cancelled",
      make: () => withCancelCause(background())[0],
      err: null,
      cause: undefined,
    },
    {
      name: "cancelled with no cause",
      make: () => {
        const [ctx, cancel] = withCancelCause(background());
        cancel();
        return ctx;
      },
      err: Canceled,
      cause: Canceled,
    },
    {
      name: "cancelled with a cause",
      make: () => {
        const [ctx, cancel] = withCancelCause(background());
        cancel(causeErr);
        return ctx;
      },
      err: Canceled,
      cause: causeErr,
    },
    {
      name: "withCancel cancelled",
      make: () => {
        const [ctx, cancel] = withCancel(background());
        cancel();
        return ctx;
      },
      err: Canceled,
      cause: Canceled,
    },
    {
      name: "a non-Error cause is kept as is",
      make: () => {
        const [ctx, cancel] = withCancelCause(background());
        cancel("just a string");
        return ctx;
      },
      err: Canceled,
      cause: "just a string",
    },
    {
      name: "the first cause wins",
      make: () => {
        const [ctx, cancel] = withCancelCause(background());
        cancel(causeErr);
        cancel(new Error("second"));
        return ctx;
      },
      err: Canceled,
      cause: causeErr,
    },
    {
      name: "parent cancelled with a cause, after the child was made",
      make: () => {
        const [parent, cancel] = withCancelCause(background());
        const [child] = withCancelCause(parent);
        cancel(parentCause);
        return child;
      },
      err: Canceled,
      cause: parentCause,
    },
    {
      name: "parent cancelled before the child cancels with its own cause",
      make: () => {
        const [parent, cancel1] = withCancelCause(background());
        const [child, cancel2] = withCancelCause(parent);
        cancel1(parentCause);
        cancel2(causeErr);
        return child;
      },
      err: Canceled,
      cause: parentCause,
    },
    {
      name: "parent cancelled after the child cancelled with its own cause",
      make: () => {
        const [parent, cancel1] = withCancelCause(background());
        const [child, cancel2] = withCancelCause(parent);
        cancel2(causeErr);
        cancel1(parentCause);
        return child;
      },
      err: Canceled,
      cause: causeErr,
    },
    {
      name: "child made under an already-cancelled parent",
      make: () => {
        const [parent, cancel] = withCancelCause(background());
        cancel(parentCause);
        return withCancel(parent)[0];
      },
      err: Canceled,
      cause: parentCause,
    },
    {
      name: "cause seen through a value context",
      make: () => {
        const [parent, cancel] = withCancelCause(background());
        cancel(causeErr);
        return withValue(parent, createKey<number>("k"), 1);
      },
      err: Canceled,
      cause: causeErr,
    },
    {
      name: "the parent's cause reaches a grandchild through a value context",
      make: () => {
        const [parent, cancel] = withCancelCause(background());
        const [gc] = withCancel(withValue(parent, createKey<number>("k"), 1));
        cancel(parentCause);
        return gc;
      },
      err: Canceled,
      cause: parentCause,
    },
    {
      name: "withTimeout expired",
      make: () => withTimeout(background(), 0)[0],
      err: DeadlineExceeded,
      cause: DeadlineExceeded,
    },
    {
      name: "withTimeout cancelled",
      make: () => {
        const [ctx, cancel] = withTimeout(background(), 3600_000);
        cancel();
        return ctx;
      },
      err: Canceled,
      cause: Canceled,
    },
    {
      name: "withTimeoutCause expired",
      make: () => withTimeoutCause(background(), 0, causeErr)[0],
      err: DeadlineExceeded,
      cause: causeErr,
    },
    {
      name: "withTimeoutCause cancelled",
      make: () => {
        const [ctx, cancel] = withTimeoutCause(background(), 3600_000, causeErr);
        cancel();
        return ctx;
      },
      err: Canceled,
      cause: Canceled,
    },
    {
      name: "withDeadlineCause in the past",
      make: () => withDeadlineCause(background(), new Date(Date.now() - 1000), causeErr)[0],
      err: DeadlineExceeded,
      cause: causeErr,
    },
    {
      name: "withTimeout under a parent cancelled with a cause",
      make: () => {
        const [parent, cancel] = withCancelCause(background());
        const [ctx] = withTimeout(parent, 3600_000);
        cancel(parentCause);
        return ctx;
      },
      err: Canceled,
      cause: parentCause,
    },
    {
      name: "withCancelCause under an expired withTimeoutCause",
      make: () => {
        const [parent] = withTimeoutCause(background(), 0, parentCause);
        const [ctx, cancel] = withCancelCause(parent);
        cancel(causeErr);
        return ctx;
      },
      err: DeadlineExceeded,
      cause: parentCause,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const ctx = c.make();
      assert.equal(ctx.err(), c.err);
      assert.equal(cause(ctx), c.cause);
    });
  }

  test("cause(nil) throws TypeError", () => {
    assert.throws(() => cause(null as unknown as Context), TypeError);
  });

  test("a context's signal aborts with err(), not with the cause", () => {
    const [ctx, cancel] = withCancelCause(background());
    const signal = ctx.signal;
    cancel(causeErr);
    assert.equal(signal.reason, Canceled);
  });
});
