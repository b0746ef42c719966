// Fan-in: merge / fanIn over one select, closed once all inputs are closed; and bridge, a channel of
// channels flattened in order.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Chan, go, withCancel } from "../../src/index.js";
import { waitingReceivers } from "../../src/internal/introspect.js";
import { bridge, fanIn, fromIterable, merge } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { catchPanics, collect, isFinished, liveTasks, settle, tasks } from "./helpers.js";

leakCheck();

describe("merge", { timeout: 10_000 }, () => {
  test("every value of every input, each input in order; closes after the last input", async () => {
    const t = tasks();
    const inputs = [0, 1, 2].map((k) =>
      fromIterable(
        null,
        Array.from({ length: 50 }, (_, i) => `${k}:${i}`),
      ),
    );
    const got = await collect(merge(background(), ...inputs));
    assert.equal(got.length, 150);
    for (const k of [0, 1, 2]) {
      assert.deepEqual(
        got.filter((v) => v.startsWith(`${k}:`)),
        Array.from({ length: 50 }, (_, i) => `${k}:${i}`),
      );
    }
    await t.check();
  });

  test("stays open while any input is open", async () => {
    const t = tasks();
    const a = new Chan<number>();
    const b = new Chan<number>();
    const out = merge(null, a, b);
    go(async () => {
      await a.send(1);
      a.close();
    });
    assert.equal(await out.recv(), 1);
    await settle();
    assert.equal(isFinished(out), false);
    await b.send(2);
    assert.equal(await out.recv(), 2);
    b.close();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
  });

  test("one task, whatever the number of inputs", async () => {
    const t = tasks();
    const inputs = Array.from({ length: 20 }, () => new Chan<number>());
    const [ctx, cancel] = withCancel(background());
    const out = merge(ctx, ...inputs);
    await settle();
    assert.equal(liveTasks(), t.started + 1);
    cancel();
    await t.check();
    assert.ok(isFinished(out));
    for (const ch of inputs) assert.equal(waitingReceivers(ch), 0);
  });

  test("no inputs: closes at once", async () => {
    const t = tasks();
    assert.deepEqual(await collect(merge<number>(background())), []);
    await t.check();
  });

  test("a value taken when the ctx is cancelled is not delivered later", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const a = new Chan<number>(2);
    a.trySend(1);
    a.trySend(2);
    const out = merge(ctx, a);
    assert.equal(await out.recv(), 1);
    await settle();
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
  });

  test("fanIn is merge", () => {
    assert.equal(fanIn, merge);
  });

  test("rejects a non-channel input", () => {
    assert.throws(
      () => merge(null, new Chan<number>(), 3 as unknown as Chan<number>),
      /inputs\[1\] must be a Chan/,
    );
  });
});

describe("bridge", { timeout: 10_000 }, () => {
  test("the values of each inner channel in turn; closes after the outer one", async () => {
    const t = tasks();
    const outer = new Chan<Chan<number>>();
    go(async () => {
      for (let k = 0; k < 4; k++) await outer.send(fromIterable(null, [k * 10, k * 10 + 1, k * 10 + 2]));
      outer.close();
    });
    assert.deepEqual(
      await collect(bridge(background(), outer)),
      [0, 1, 2, 10, 11, 12, 20, 21, 22, 30, 31, 32],
    );
    await t.check();
  });

  test("empty inner channels and an empty outer one", async () => {
    const t = tasks();
    assert.deepEqual(
      await collect(bridge(null, fromIterable(null, [fromIterable(null, []), fromIterable(null, [1])]))),
      [1],
    );
    assert.deepEqual(await collect(bridge(null, fromIterable<Chan<number>>(null, []))), []);
    await t.check();
  });

  test("cancel while an inner channel never closes", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const inner = new Chan<number>();
    const outer = new Chan<Chan<number>>(1);
    outer.trySend(inner);
    const out = bridge(ctx, outer);
    go(() => inner.send(5));
    assert.equal(await out.recv(), 5);
    await settle();
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
    assert.equal(waitingReceivers(inner), 0);
  });

  test("a non-channel inside is a panic; the output is still closed", async () => {
    const panics = catchPanics();
    const t = tasks();
    const out = bridge(null, fromIterable(null, [3 as unknown as Chan<number>]));
    assert.deepEqual(await collect(out), []);
    await t.check();
    assert.equal(panics.length, 1);
    assert.match(String(panics[0]), /must be a Chan/);
  });
});
