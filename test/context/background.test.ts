// background(), todo(), createKey/withValue (Go's TestBackground, TestTODO, TestValues,
// TestWithValueChecksKey), withoutCancel (Go's TestWithoutCancel) and argument checking.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  type Context,
  type ContextKey,
  cause,
  createKey,
  todo,
  withCancel,
  withCancelCause,
  withDeadline,
  withoutCancel,
  withTimeout,
  withValue,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

describe("background and todo", () => {
  for (const [name, make, label] of [
    ["background", background, "context.Background"],
    ["todo", todo, "context.TODO"],
  ] as const) {
    test(`${name}() is never cancelled, has no deadline, no values`, () => {
      const ctx = make();
      assert.equal(ctx.done(), null);
      assert.equal(ctx.err(), null);
      assert.equal(ctx.deadline(), undefined);
      assert.equal(ctx.value(createKey<string>("k")), undefined);
      assert.equal(cause(ctx), undefined);
      assert.equal(ctx.signal.aborted, false);
      assert.equal(String(ctx), label);
    });

    test(`${name}() returns the same context every time`, () => {
      assert.equal(make(), make());
    });
  }

  test("background and todo are distinct", () => {
    assert.notEqual(background(), todo());
  });
});

describe("withValue", () => {
  test("a value is found under its key, with its type", () => {
    const user = createKey<string>("user");
    const ctx = withValue(background(), user, "gopher");
    const v: string | undefined = ctx.value(user);
    assert.equal(v, "gopher");
  });

  test("two keys with the same name do not collide", () => {
    const a = createKey<string>("id");
    const b = createKey<string>("id");
    assert.notEqual(a, b);
    const ctx = withValue(withValue(background(), a, "A"), b, "B");
    assert.equal(ctx.value(a), "A");
    assert.equal(ctx.value(b), "B");
    assert.equal(withValue(background(), a, "A").value(b), undefined);
  });

  test("key names are kept", () => {
    const k = createKey<number>("answer");
    assert.equal(k.name, "answer");
  });

  test("Go's TestValues: chains, shadowing, and shadowing with undefined", () => {
    const k1 = createKey<string>("k1");
    const k2 = createKey<string>("k2");
    const k3 = createKey<string>("k3");
    const check = (c: Context, v1?: string, v2?: string, v3?: string) => {
      assert.equal(c.value(k1), v1);
      assert.equal(c.value(k2), v2);
      assert.equal(c.value(k3), v3);
    };
    const c0 = background();
    check(c0);
    const c1 = withValue(background(), k1, "c1k1");
    check(c1, "c1k1");
    const c2 = withValue(c1, k2, "c2k2");
    check(c2, "c1k1", "c2k2");
    const c3 = withValue(c2, k3, "c3k3");
    check(c3, "c1k1", "c2k2", "c3k3");
    // Go's c4 := WithValue(c3, k1, nil): the nearest value wins, even an empty one.
    const c4 = withValue(c3, k1, undefined);
    check(c4, undefined, "c2k2", "c3k3");
    const c5 = withValue(c4, k2, "c5k2");
    check(c5, undefined, "c5k2", "c3k3");
    // The parents are unchanged.
    check(c3, "c1k1", "c2k2", "c3k3");
  });

  test("values are found through cancel, deadline and withoutCancel contexts", () => {
    const k = createKey<number>("n");
    const root = withValue(background(), k, 42);
    const [c1, cancel1] = withCancel(root);
    const [c2, cancel2] = withTimeout(c1, 60_000);
    const [c3, cancel3] = withCancelCause(c2);
    const [c4, cancel4] = withDeadline(c3, new Date(Date.now() + 60_000));
    const c5 = withoutCancel(c4);
    for (const c of [c1, c2, c3, c4, c5]) assert.equal(c.value(k), 42);
    cancel1();
    // Values survive cancellation.
    for (const c of [c1, c2, c3, c4, c5]) assert.equal(c.value(k), 42);
    cancel2();
    cancel3();
    cancel4();
  });

  test("a value context delegates cancellation, deadline and signal to its parent", () => {
    const k = createKey<string>("k");
    const [parent, cancel] = withCancel(background());
    const ctx = withValue(parent, k, "v");
    assert.equal(ctx.err(), null);
    assert.equal(ctx.done(), parent.done());
    assert.equal(ctx.signal, parent.signal);
    const [dl, cancelDl] = withTimeout(parent, 60_000);
    assert.equal(withValue(dl, k, "v").deadline()?.getTime(), dl.deadline()?.getTime());
    cancel();
    assert.equal(ctx.err(), parent.err());
    assert.deepEqual(ctx.done()?.tryRecv(), [undefined, false]);
    assert.equal(ctx.signal.aborted, true);
    cancelDl();
  });

  test("a value context over background is never done", () => {
    const ctx = withValue(background(), createKey<number>("n"), 1);
    assert.equal(ctx.done(), null);
    assert.equal(ctx.err(), null);
    assert.equal(ctx.deadline(), undefined);
  });

  test("toString names the key", () => {
    const ctx = withValue(background(), createKey<number>("answer"), 42);
    const s = String(ctx);
    assert.ok(s.startsWith("context.Background.WithValue("), s);
    assert.ok(s.includes("answer"), s);
  });

  test("a non-key throws TypeError (Go's TestWithValueChecksKey)", () => {
    for (const bad of [null, undefined, "user", 1, Symbol("k"), {}]) {
      assert.throws(() => withValue(background(), bad as unknown as ContextKey<number>, 1), TypeError);
    }
  });

  test("a nil parent throws TypeError", () => {
    assert.throws(() => withValue(null as unknown as Context, createKey<number>("n"), 1), TypeError);
  });

  test("createKey needs a string name", () => {
    assert.throws(() => createKey(1 as unknown as string), TypeError);
  });
});

describe("withoutCancel (Go's TestWithoutCancel)", () => {
  test("keeps values, has no deadline, no done channel, no error", () => {
    const k = createKey<string>("key");
    const [dl, cancel] = withTimeout(withValue(background(), k, "value"), 60_000);
    const ctx = withoutCancel(dl);
    assert.equal(ctx.deadline(), undefined);
    assert.equal(ctx.done(), null);
    assert.equal(ctx.err(), null);
    assert.equal(ctx.value(k), "value");
    cancel();
  });

  test("is never cancelled, even when its parent is; nor are its children", () => {
    const [parent, cancel] = withCancelCause(background());
    const ctx = withoutCancel(parent);
    const [child, cancelChild] = withCancel(ctx);
    const signal = ctx.signal;
    cancel(new Error("why"));
    assert.equal(parent.err() !== null, true);
    assert.equal(ctx.err(), null);
    assert.equal(ctx.done(), null);
    assert.equal(cause(ctx), undefined);
    assert.equal(signal.aborted, false);
    assert.equal(ctx.signal.aborted, false);
    assert.equal(child.err(), null);
    assert.equal(child.done()?.tryRecv(), undefined);
    cancelChild();
  });

  test("over an already-cancelled parent is not cancelled", () => {
    const [parent, cancel] = withCancel(background());
    cancel();
    const ctx = withoutCancel(parent);
    assert.equal(ctx.err(), null);
    const [child, cancelChild] = withCancel(ctx);
    assert.equal(child.err(), null);
    cancelChild();
  });

  test("toString", () => {
    assert.equal(String(withoutCancel(background())), "context.Background.WithoutCancel");
  });

  test("a nil parent throws TypeError", () => {
    assert.throws(() => withoutCancel(null as unknown as Context), TypeError);
  });
});
