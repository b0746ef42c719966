// afterFunc: Go's TestAfterFuncCalledAfterCancel, TestAfterFuncCalledAfterTimeout,
// TestAfterFuncCalledImmediately, TestAfterFuncNotCalledAfterStop, TestAfterFuncCalledAsynchronously
// and the custom-context AfterFunc tests.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import {
  afterFunc,
  background,
  Chan,
  type Context,
  type ContextKey,
  createKey,
  setPanicHandler,
  todo,
  withCancel,
  withoutCancel,
  withTimeout,
  withValue,
} from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

/** Lets every queued microtask and a few macrotask turns run. */
async function flush(turns = 3): Promise<void> {
  for (let i = 0; i < turns; i++) await nextMacrotask();
}

/** A context that is not one of gosync's (Go's afterFuncContext): its own done channel and error. */
class UserContext implements Context {
  readonly #done = new Chan<never>();
  #err: Error | null = null;
  done(): Chan<never> {
    return this.#done;
  }
  err(): Error | null {
    return this.#err;
  }
  deadline(): Date | undefined {
    return undefined;
  }
  value<T>(_key: ContextKey<T>): T | undefined {
    return undefined;
  }
  get signal(): AbortSignal {
    return new AbortController().signal;
  }
  cancel(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    this.#done.close();
  }
}

describe("afterFunc", { timeout: 10_000 }, () => {
  test("f runs once, after cancel, and stop() then returns false", async () => {
    const [ctx, cancel] = withCancel(background());
    const done = new Chan<string>(1);
    let runs = 0;
    const stop = afterFunc(ctx, () => {
      runs++;
      done.trySend("ran");
    });
    await flush();
    assert.equal(runs, 0, "f ran before cancel");
    cancel();
    cancel();
    assert.equal(await done.recv(), "ran");
    await flush();
    assert.equal(runs, 1);
    assert.equal(stop(), false);
    assert.equal(stop(), false);
  });

  test("f runs in its own task, not synchronously inside cancel()", async () => {
    const [ctx, cancel] = withCancel(background());
    let ran = false;
    afterFunc(ctx, () => {
      ran = true;
    });
    cancel();
    assert.equal(ran, false, "f ran synchronously inside cancel()");
    await flush(1);
    assert.equal(ran, true);
  });

  test("f sees the context already cancelled", async () => {
    const [ctx, cancel] = withCancel(background());
    const seen = new Chan<Error | null>(1);
    afterFunc(ctx, () => {
      seen.trySend(ctx.err());
    });
    cancel();
    assert.notEqual(await seen.recv(), null);
  });

  test("f runs after a timeout (virtual time: at exactly the deadline)", () =>
    synctest(async (bubble) => {
      const [ctx, cancel] = withTimeout(background(), 5);
      const done = new Chan<number>(1);
      afterFunc(ctx, () => {
        done.trySend(bubble.elapsed());
      });
      assert.equal(await done.recv(), 5);
      cancel();
    }));

  test("f runs (soon, not synchronously) for an already-cancelled context; stop() is then false", async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    let runs = 0;
    const stop = afterFunc(ctx, () => {
      runs++;
    });
    assert.equal(runs, 0);
    assert.equal(stop(), false); // f has been started (Go: "f has been started in its own goroutine")
    await flush(1);
    assert.equal(runs, 1);
  });

  test("stop() before cancel returns true and f never runs; a second stop() returns false", async () => {
    const [ctx, cancel] = withCancel(background());
    let runs = 0;
    const stop = afterFunc(ctx, () => {
      runs++;
    });
    assert.equal(stop(), true);
    assert.equal(stop(), false);
    cancel();
    await flush();
    assert.equal(runs, 0);
  });

  test("stopping one afterFunc leaves the others registered", async () => {
    const [ctx, cancel] = withCancel(background());
    const ran: number[] = [];
    const stops = [0, 1, 2, 3].map((i) => afterFunc(ctx, () => ran.push(i)));
    assert.equal(stops[1]?.(), true);
    cancel();
    await flush();
    assert.deepEqual(ran.sort(), [0, 2, 3]);
  });

  test("on a parent's cancel, through value contexts and children", async () => {
    const [parent, cancel] = withCancel(background());
    const [child, cancelChild] = withCancel(withValue(parent, createKey<number>("k"), 1));
    let runs = 0;
    afterFunc(child, () => runs++);
    afterFunc(withValue(parent, createKey<number>("k2"), 2), () => runs++);
    cancel();
    await flush();
    assert.equal(runs, 2);
    cancelChild();
  });

  test("on a context that can never be cancelled, f never runs", async () => {
    let runs = 0;
    const [parent, cancel] = withCancel(background());
    const stops = [background(), todo(), withoutCancel(parent)].map((c) => afterFunc(c, () => runs++));
    cancel();
    await flush();
    assert.equal(runs, 0);
    for (const stop of stops) stop();
    assert.equal(runs, 0);
  });

  test("on a context that can never be cancelled, stop() reports true once (as Go)", () => {
    // Go: stop "returns true if the call stopped f from being run"; for context.Background() the
    // first call returns true, later calls false — the same as for a cancellable context.
    const stop = afterFunc(background(), () => {});
    assert.equal(stop(), true);
    assert.equal(stop(), false);
  });

  test("an error thrown by f goes to the panic handler, like any task's", async () => {
    const [ctx, cancel] = withCancel(background());
    const boom = new Error("boom in afterFunc");
    const got = new Chan<unknown>(1);
    const prev = setPanicHandler((e) => {
      got.trySend(e);
    });
    try {
      afterFunc(ctx, function closeConn() {
        throw boom;
      });
      cancel();
      assert.equal(await got.recv(), boom);
    } finally {
      setPanicHandler(prev);
    }
  });

  test("with a user-implemented context (Go's TestCustomContextAfterFunc*)", async () => {
    const ctx0 = new UserContext();
    const done = new Chan<boolean>(1);
    const stop = afterFunc(ctx0, () => {
      done.trySend(true);
    });
    let stoppedRuns = 0;
    const stop2 = afterFunc(ctx0, () => stoppedRuns++);
    assert.equal(stop2(), true);
    ctx0.cancel(new Error("custom"));
    assert.equal(await done.recv(), true);
    assert.equal(stop(), false);
    await flush();
    assert.equal(stoppedRuns, 0);
  });

  test("bad arguments throw TypeError", () => {
    assert.throws(() => afterFunc(null as unknown as Context, () => {}), TypeError);
    assert.throws(() => afterFunc(background(), "f" as unknown as () => void), TypeError);
    assert.throws(() => afterFunc(background(), undefined as unknown as () => void), TypeError);
  });
});
