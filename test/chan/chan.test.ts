// Chan: every cell of the lesson's operation × state table (Go 并发编程实战课 lesson 13: nil, empty, full, neither,
// closed × receive, send, close), Go's panic texts, ranging, batching, cancellation and bad input.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, Chan, ChanClosedError, GoSyncError, go, withCancel } from "../../src/index.js";
import { waitingReceivers, waitingSenders } from "../../src/internal/introspect.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe } from "../helpers/probe.js";
import { drain, stateAfterDrain } from "../helpers/settled.js";

leakCheck();

const isClosedSend = (e: unknown): boolean =>
  e instanceof ChanClosedError && e.message === "send on closed channel";

describe("operation × state table", () => {
  test("empty, open: receive blocks; send proceeds (buffered) or blocks (unbuffered); close succeeds", async () => {
    const b = new Chan<number>(2);
    const br = b.recvOk();
    assert.deepEqual(await stateAfterDrain(br), { s: "pending" });
    const u = new Chan<number>();
    const ur = u.recvOk();
    assert.deepEqual(await stateAfterDrain(ur), { s: "pending" });
    const e = new Chan<number>(2);
    assert.deepEqual(await stateAfterDrain(e.send(1)), { s: "fulfilled", v: undefined });
    assert.equal(e.length, 1);
    const u2 = new Chan<number>();
    const us = u2.send(1);
    assert.deepEqual(await stateAfterDrain(us), { s: "pending" });
    const c = new Chan<number>(1);
    c.close();
    assert.equal(c.closed, true);
    // Nothing stays blocked: closing wakes the receivers (ok = false); the send completes once its
    // value is taken.
    b.close();
    u.close();
    assert.deepEqual(await br, [undefined, false]);
    assert.deepEqual(await ur, [undefined, false]);
    assert.equal(await u2.recv(), 1);
    assert.equal(await us, undefined);
  });

  test("full: receive takes the oldest value; send blocks; close keeps the buffered values", async () => {
    const ch = new Chan<number>(2);
    await ch.send(1);
    await ch.send(2);
    assert.deepEqual(await stateAfterDrain(ch.send(3)), { s: "pending" });
    assert.equal(await ch.recv(), 1);
    await drain();
    assert.equal(ch.length, 2, "the blocked sender's value moved into the freed slot");
    assert.equal(await ch.recv(), 2);
    assert.equal(await ch.recv(), 3);
    const full = new Chan<string>(1);
    full.trySend("x");
    full.close();
    assert.deepEqual(await full.recvOk(), ["x", true]);
    assert.deepEqual(await full.recvOk(), [undefined, false]);
  });

  test("neither empty nor full: receive and send both proceed", async () => {
    const ch = new Chan<number>(3);
    await ch.send(1);
    await ch.send(2);
    assert.equal(await ch.recv(), 1);
    assert.equal(ch.length, 1);
    assert.equal(ch.cap, 3);
  });

  test("closed: receive drains, then yields undefined / ok=false forever; send and close throw", async () => {
    const ch = new Chan<number>(2);
    await ch.send(7);
    ch.close();
    assert.deepEqual(await ch.recvOk(), [7, true]);
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await ch.recvOk(), [undefined, false]);
      assert.equal(await ch.recv(), undefined);
      assert.deepEqual(ch.tryRecv(), [undefined, false]);
    }
    await assert.rejects(ch.send(1), isClosedSend);
    assert.throws(() => ch.trySend(1), isClosedSend);
    assert.throws(
      () => ch.close(),
      (e: unknown) =>
        e instanceof ChanClosedError && e instanceof GoSyncError && e.message === "close of closed channel",
    );
  });
});

describe("unbuffered rendezvous", () => {
  test("a send completes only once a receiver took the value", async () => {
    const ch = new Chan<string>();
    const s = probe(ch.send("hi"));
    await drain();
    assert.equal(s.state.s, "pending");
    assert.equal(await ch.recv(), "hi");
    await drain();
    assert.equal(s.state.s, "fulfilled");
  });

  test("a waiting receiver is handed the value directly; trySend fails without one", async () => {
    const ch = new Chan<number>();
    assert.equal(ch.trySend(1), false);
    const r = ch.recv();
    assert.equal(ch.trySend(2), true);
    assert.equal(await r, 2);
    assert.equal(ch.tryRecv(), undefined);
  });

  test("waiters are served FIFO", async () => {
    const ch = new Chan<number>();
    const got: number[] = [];
    const receivers = [0, 1, 2].map((i) => ch.recv().then((v) => got.push(i * 10 + (v ?? -1))));
    for (let v = 1; v <= 3; v++) await ch.send(v);
    await Promise.all(receivers);
    assert.deepEqual(got, [1, 12, 23]);
    const senders = [1, 2, 3].map((v) => ch.send(v));
    assert.deepEqual([await ch.recv(), await ch.recv(), await ch.recv()], [1, 2, 3]);
    await Promise.all(senders);
  });
});

describe("close wakes everyone", () => {
  test("blocked receivers get ok=false; blocked senders reject with send on closed channel", async () => {
    const r = new Chan<number>();
    const receivers = [r.recvOk(), r.recvOk(), r.recv()];
    r.close();
    assert.deepEqual(await Promise.all(receivers), [[undefined, false], [undefined, false], undefined]);
    const s = new Chan<number>(1);
    s.trySend(0);
    const senders = [s.send(1), s.send(2)];
    s.close();
    for (const p of senders) await assert.rejects(p, isClosedSend);
    assert.deepEqual(await s.recvOk(), [0, true], "buffered values survive close");
    assert.equal(waitingSenders(s), 0);
  });
});

describe("range", () => {
  test("for await yields every value in order and ends when closed and drained", async () => {
    const ch = new Chan<number>(3);
    go(async () => {
      for (let i = 0; i < 10; i++) await ch.send(i);
      ch.close();
    });
    const got: number[] = [];
    for await (const v of ch) got.push(v);
    assert.deepEqual(got, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test("leaving the loop early does not close the channel", async () => {
    const ch = new Chan<number>(5);
    for (let i = 0; i < 5; i++) ch.trySend(i);
    for await (const v of ch) if (v === 1) break;
    assert.equal(ch.closed, false);
    assert.equal(await ch.recv(), 2);
  });
});

describe("batch receive", () => {
  test("recvBatch takes up to max available values, buffered first, then waiting senders", async () => {
    const ch = new Chan<number>(3);
    for (let i = 0; i < 3; i++) ch.trySend(i);
    const extra = [ch.send(3), ch.send(4)];
    assert.deepEqual(await ch.recvBatch(4), [0, 1, 2, 3]);
    await Promise.all(extra.slice(0, 1));
    assert.deepEqual(ch.tryRecvBatch(10), [4]);
    await extra[1];
    assert.deepEqual(ch.tryRecvBatch(10), []);
  });

  test("recvBatch waits for the first value, and returns [] once closed and drained", async () => {
    const ch = new Chan<string>(4);
    const p = probe(ch.recvBatch(8));
    await drain();
    assert.equal(p.state.s, "pending");
    ch.trySend("a");
    await drain();
    assert.deepEqual(p.state, { s: "fulfilled", v: ["a"] });
    ch.trySend("b");
    ch.close();
    assert.deepEqual(await ch.recvBatch(8), ["b"]);
    assert.deepEqual(await ch.recvBatch(8), []);
  });

  test("recvBatch on an unbuffered channel takes values from waiting senders", async () => {
    const ch = new Chan<number>();
    const senders = [1, 2, 3].map((v) => ch.send(v));
    assert.deepEqual(await ch.recvBatch(2), [1, 2]);
    assert.deepEqual(await ch.recvBatch(2), [3]);
    await Promise.all(senders);
  });
});

describe("cancellation", () => {
  test("a cancelled receive rejects with ctx.err() and leaves no waiter; a later send is not lost", async () => {
    const ch = new Chan<number>();
    const [ctx, cancel] = withCancel(background());
    const p = ch.recv(ctx);
    assert.equal(waitingReceivers(ch), 1);
    cancel();
    await assert.rejects(p, (e: unknown) => e === Canceled);
    assert.equal(waitingReceivers(ch), 0);
    assert.equal(ch.trySend(1), false, "no ghost receiver takes the value");
  });

  test("a cancelled send never delivers", async () => {
    const ch = new Chan<number>();
    const ac = new AbortController();
    const p = ch.send(1, ac.signal);
    const reason = new Error("stop");
    ac.abort(reason);
    await assert.rejects(p, (e: unknown) => e === reason);
    assert.equal(waitingSenders(ch), 0);
    assert.equal(ch.tryRecv(), undefined);
  });

  test("an already-cancelled ctx rejects at once, even when the operation could proceed", async () => {
    const ch = new Chan<number>(1);
    ch.trySend(1);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(ch.recv(ctx), (e: unknown) => e === Canceled);
    await assert.rejects(ch.send(2, AbortSignal.abort("x")), (e: unknown) => e === "x");
    assert.equal(ch.length, 1, "nothing was taken or added");
  });

  test("completing normally unsubscribes from the ctx (no listener left on the signal)", async () => {
    const ch = new Chan<number>();
    const ac = new AbortController();
    const p = ch.recv(ac.signal);
    ch.trySend(5);
    assert.equal(await p, 5);
    ac.abort();
    await drain();
    assert.equal(waitingReceivers(ch), 0);
  });
});

describe("bad input", () => {
  test("capacity must be a non-negative integer", () => {
    for (const bad of [-1, 1.5, Number.NaN, "2", Number.POSITIVE_INFINITY]) {
      assert.throws(
        () => new Chan(bad as number),
        (e: unknown) => e instanceof RangeError && /capacity/.test(e.message),
      );
    }
  });
  test("batch max must be an integer ≥ 1", async () => {
    const ch = new Chan<number>(1);
    assert.throws(() => ch.tryRecvBatch(0), RangeError);
    await assert.rejects(ch.recvBatch(-1), RangeError, "a promise-returning call rejects");
    await assert.rejects(ch.recvBatch(1.5), /max must be an integer >= 1/);
  });
  test("ctx must be a Context or an AbortSignal (a rejection, not a throw)", async () => {
    const ch = new Chan<number>(1);
    await assert.rejects(
      ch.recv({} as AbortSignal),
      (e: unknown) => e instanceof TypeError && /ctx/.test(e.message),
    );
  });
});
