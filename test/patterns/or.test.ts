// or(...signals) and orDone(ctx, ch) (Go 并发编程实战课 lesson 14, Or-Done): the first of N signals with one
// select and no leaked task or registration — unlike the lesson's recursive version — and ranging
// over a channel with a way out.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, test } from "node:test";
import { background, Chan, withCancel } from "../../src/index.js";
import { waitingReceivers } from "../../src/internal/introspect.js";
import { fromIterable, or, orDone } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { catchPanics, collect, isFinished, liveTasks, recvN, settle, tasks } from "./helpers.js";

leakCheck();

describe("or", { timeout: 10_000 }, () => {
  test("closes when the first signal closes; the others are left untouched", async () => {
    const t = tasks();
    const sigs = Array.from({ length: 5 }, () => new Chan<void>());
    const o = or(...sigs);
    await settle();
    assert.equal(isFinished(o), false);
    (sigs[3] as Chan<void>).close();
    assert.deepEqual(await o.recvOk(), [undefined, false]);
    await t.check();
    for (const s of sigs) assert.equal(waitingReceivers(s), 0, "a registration was left on a signal");
    for (const [i, s] of sigs.entries()) assert.equal(s.closed, i === 3);
  });

  test("a hundred signals: one task while waiting, none and no registration after (the lesson's recursive or leaks ~N)", async () => {
    const t = tasks();
    const sigs = Array.from({ length: 100 }, () => new Chan<void>());
    const o = or(...sigs);
    await settle();
    assert.equal(liveTasks(), t.started + 1, "or runs exactly one task");
    (sigs[57] as Chan<void>).close();
    await o.recv();
    await t.check();
    assert.equal(
      sigs.reduce((n, s) => n + waitingReceivers(s), 0),
      0,
    );
  });

  test("mixes contexts, AbortSignals and channels; the abort listener is removed afterwards", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const ac = new AbortController();
    const ch = new Chan<void>();
    const o = or(ctx, ac.signal, ch, null, background());
    await settle();
    assert.equal(getEventListeners(ac.signal, "abort").length, 1);
    cancel();
    await o.recv();
    assert.ok(o.closed);
    await t.check();
    assert.equal(getEventListeners(ac.signal, "abort").length, 0, "abort listener left behind");
    assert.equal(waitingReceivers(ch), 0);
  });

  test("an AbortSignal firing closes it", async () => {
    const ac = new AbortController();
    const o = or(new Chan<void>(), ac.signal);
    ac.abort();
    assert.deepEqual(await o.recvOk(), [undefined, false]);
  });

  test("an already-done signal: closed at once, no task", () => {
    const before = liveTasks();
    const done = new Chan<void>();
    done.close();
    const o = or(new Chan<void>(), done);
    assert.ok(o.closed);
    assert.equal(liveTasks(), before);
  });

  test("no signal that can fire (none, background, null): never closes, starts no task", async () => {
    const before = liveTasks();
    for (const o of [or(), or(background()), or(null, undefined)]) {
      await settle(2);
      assert.equal(o.closed, false);
    }
    assert.equal(liveTasks(), before);
  });

  test("as in Go, a value sent on a signal channel counts (and is consumed)", async () => {
    const t = tasks();
    const sig = new Chan<string>(1);
    const o = or(sig, new Chan<void>());
    sig.trySend("x");
    await o.recv();
    assert.ok(o.closed);
    assert.equal(sig.length, 0);
    await t.check();
  });

  test("rejects what is not a signal", () => {
    assert.throws(() => or(42 as unknown as Chan<void>), TypeError);
  });
});

describe("orDone", { timeout: 10_000 }, () => {
  test("forwards every value in order and closes when the input closes", async () => {
    const t = tasks();
    const out = orDone(background(), fromIterable(null, [1, 2, 3, 4]));
    assert.deepEqual(await collect(out), [1, 2, 3, 4]);
    await t.check();
  });

  test("ends on cancel even though the input never closes", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>();
    const out = orDone(ctx, input);
    await input.send(1);
    assert.equal(await out.recv(), 1);
    await settle();
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
    assert.equal(waitingReceivers(input), 0, "still registered on the input");
  });

  test("cancelled while blocked sending: the value is not delivered, the output closes", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>(1);
    input.trySend(7);
    const out = orDone(ctx, input);
    await settle(); // the task holds 7 and waits for a receiver
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
  });

  test("accepts a done channel and an AbortSignal", async () => {
    const t = tasks();
    const done = new Chan<void>();
    const a = orDone(done, new Chan<number>());
    const ac = new AbortController();
    const b = orDone(ac.signal, new Chan<number>());
    await settle();
    done.close();
    ac.abort();
    await settle();
    assert.ok(isFinished(a));
    assert.ok(isFinished(b));
    await t.check();
  });

  test("an already-cancelled ctx: nothing is read, the output closes", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    cancel();
    const input = new Chan<number>(3);
    input.trySend(1);
    const out = orDone(ctx, input);
    assert.deepEqual(await collect(out), []);
    assert.equal(input.length, 1);
    await t.check();
  });

  test("works over many values without growth", async () => {
    const t = tasks();
    const n = 5_000;
    const got = await recvN(
      orDone(
        null,
        fromIterable(
          null,
          Array.from({ length: n }, (_, i) => i),
        ),
      ),
      n,
    );
    assert.equal(got.length, n);
    assert.equal(got[n - 1], n - 1);
    await t.check();
  });

  test("a context's done() channel works as the done channel", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const out = orDone(ctx.done(), new Chan<number>());
    cancel();
    assert.deepEqual(await collect(out), []);
    await t.check();
  });

  test("an output closed by its consumer: the pattern stops without a panic", async () => {
    const panics = catchPanics();
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const out = orDone(ctx, fromIterable(ctx, [1, 2, 3]));
    assert.equal(await out.recv(), 1);
    out.close();
    await settle();
    cancel();
    await t.check();
    assert.deepEqual(panics, []);
  });

  test("rejects bad arguments", () => {
    assert.throws(() => orDone(background(), [] as unknown as Chan<number>), /input must be a Chan/);
    assert.throws(() => orDone({} as unknown as null, new Chan<number>()), TypeError);
  });
});
