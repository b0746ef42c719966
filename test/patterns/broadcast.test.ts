// broadcast / fanOut and tee: each value to every output, in order; outputs closed only after their
// last send (the lesson's async fan-out closed them under pending sends: `send on closed channel`).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Chan, go, withCancel } from "../../src/index.js";
import { waitingSenders } from "../../src/internal/introspect.js";
import { broadcast, fanOut, fromIterable, tee } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { catchPanics, collect, isFinished, recvN, settle, tasks } from "./helpers.js";

leakCheck();

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

for (const mode of ["sync", "buffered"] as const) {
  describe(`broadcast (${mode})`, { timeout: 10_000 }, () => {
    test("every output receives every value, in order, then closes", async () => {
      const t = tasks();
      const outs = [new Chan<number>(), new Chan<number>(3), new Chan<number>()];
      broadcast(background(), fromIterable(null, range(100)), outs, { mode });
      const got = await Promise.all(outs.map(collect));
      for (const g of got) assert.deepEqual(g, range(100));
      await t.check();
    });

    test("cancel ends every task and closes every output", async () => {
      const t = tasks();
      const [ctx, cancel] = withCancel(background());
      const input = new Chan<number>();
      const outs = [new Chan<number>(), new Chan<number>()];
      broadcast(ctx, input, outs, { mode });
      await input.send(1);
      assert.equal(await outs[0]?.recv(), 1);
      cancel();
      await settle();
      for (const o of outs) assert.ok(o.closed);
      await t.check();
    });

    test("an output closed by someone else is dropped, never sent on; the others go on", async () => {
      const panics = catchPanics();
      const t = tasks();
      const a = new Chan<number>();
      const b = new Chan<number>();
      const input = new Chan<number>();
      broadcast(null, input, [a, b], { mode });
      go(async () => {
        for (const v of range(5)) await input.send(v);
        input.close();
      });
      assert.equal(await b.recv(), 0);
      b.close();
      assert.deepEqual(await collect(a), range(5));
      await t.check();
      assert.deepEqual(panics, []);
    });

    test("no outputs: the input is drained", async () => {
      const t = tasks();
      const input = fromIterable(null, range(10));
      broadcast(null, input, [], { mode });
      await t.check();
      assert.ok(isFinished(input));
    });
  });
}

describe("broadcast", { timeout: 10_000 }, () => {
  test("sync: backpressure — the next value is read only after every output took the current one", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>(10);
    for (const v of range(10)) input.trySend(v);
    const fast = new Chan<number>();
    const slow = new Chan<number>();
    broadcast(ctx, input, [fast, slow]);
    assert.equal(await fast.recv(), 0);
    await settle();
    assert.equal(fast.tryRecv(), undefined, "fast got a second value before slow took the first");
    assert.equal(input.length, 9);
    assert.equal(await slow.recv(), 0);
    assert.equal(await fast.recv(), 1);
    cancel();
    await t.check();
  });

  test("sync: a slow output does not delay the others' current value (one select over all)", async () => {
    const t = tasks();
    const input = new Chan<number>();
    const a = new Chan<number>();
    const b = new Chan<number>();
    const [ctx, cancel] = withCancel(background());
    broadcast(ctx, input, [a, b]);
    go(() => input.send(1));
    assert.equal(await b.recv(), 1); // a is not read yet
    assert.equal(await a.recv(), 1);
    cancel();
    await t.check();
  });

  test("buffered: a slow output delays only itself", async () => {
    const t = tasks();
    const fast = new Chan<number>();
    const slow = new Chan<number>();
    broadcast(null, fromIterable(null, range(50)), [fast, slow], { mode: "buffered" });
    assert.deepEqual(await collect(fast), range(50));
    assert.equal(slow.closed, false);
    assert.deepEqual(await collect(slow), range(50));
    await t.check();
  });

  test("buffered with a bound: the distributor waits when an output's FIFO is full", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>(20);
    for (const v of range(20)) input.trySend(v);
    const fast = new Chan<number>();
    const slow = new Chan<number>();
    broadcast(ctx, input, [fast, slow], { mode: "buffered", buffer: 2 });
    const got = await recvN(fast, 4);
    await settle();
    // slow's relay holds 0, its FIFO 1 and 2; the distributor waits to put 3 there (fast has it).
    assert.deepEqual(got, [0, 1, 2, 3]);
    assert.equal(fast.tryRecv(), undefined);
    assert.equal(input.length, 16);
    assert.deepEqual(await recvN(slow, 5), range(5));
    cancel();
    await t.check();
  });

  test("bug absent: async fan-out with slow outputs and a short input never sends on a closed output", async () => {
    const panics = catchPanics();
    const t = tasks();
    const outs = range(5).map(() => new Chan<number>());
    broadcast(background(), fromIterable(null, range(20)), outs, { mode: "buffered" });
    await settle(); // the input is read and closed long before any output is read
    for (const o of outs) assert.equal(o.closed, false, "closed under pending values");
    const got = await Promise.all(outs.map(collect));
    for (const g of got) assert.deepEqual(g, range(20));
    await t.check();
    assert.deepEqual(panics, []);
  });

  test("fanOut is broadcast; returns the outputs", () => {
    assert.equal(fanOut, broadcast);
    const outs = [new Chan<number>()] as const;
    const [ctx, cancel] = withCancel(background());
    assert.equal(broadcast(ctx, new Chan<number>(), outs), outs);
    cancel();
  });

  test("rejects bad arguments", () => {
    const c = new Chan<number>();
    assert.throws(() => broadcast(null, c, [c, c]), /distinct/);
    assert.throws(() => broadcast(null, c, [3 as unknown as Chan<number>]), /outputs\[0\] must be a Chan/);
    assert.throws(() => broadcast(null, c, [], { mode: "async" as "sync" }), /mode/);
    assert.throws(() => broadcast(null, c, [], { mode: "buffered", buffer: -1 }), RangeError);
  });
});

describe("tee", { timeout: 10_000 }, () => {
  test("both outputs get every value in order", async () => {
    const t = tasks();
    const [a, b] = tee(background(), fromIterable(null, range(30)));
    const [ga, gb] = await Promise.all([collect(a), collect(b)]);
    assert.deepEqual(ga, range(30));
    assert.deepEqual(gb, range(30));
    await t.check();
  });

  test("cancel closes both and ends the task", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>();
    const [a, b] = tee(ctx, input);
    go(() => input.send(1));
    assert.equal(await a.recv(), 1);
    await settle();
    assert.equal(waitingSenders(b), 1); // waiting for b to take 1
    cancel();
    assert.deepEqual(await b.recvOk(), [undefined, false]);
    await t.check();
    assert.ok(a.closed);
  });
});
