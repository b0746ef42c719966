// SharedChan: Go's channel semantics on one thread and across real worker threads — rendezvous,
// buffering, close, cancellation without residue, batches, both range forms — and Go's own
// runtime/chan_test.go TestChan ported with the goroutines on other threads.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { background, ChanClosedError, withCancel, withTimeout } from "../../src/index.js";
import { ChanMemory, HEAD, HEADER_BYTES, RING, TAIL } from "../../src/threads/chan-memory.js";
import type { HandleData } from "../../src/threads/handle.js";
import { attach, SharedChan, share } from "../../src/threads/index.js";
import { type Agent, agents } from "./helpers.js";

const fixture = new URL("./fixtures/chan.ts", import.meta.url);
const T = { timeout: 60_000 };

/** Whether `p` has settled after the other threads had `ms` to act (a semantic check, not timing). */
async function settledAfter(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => {
      settled = true;
    },
    () => {
      settled = true;
    },
  );
  await delay(ms);
  return settled;
}

/**
 * Ages a new buffered channel as if `pos` values had gone through it: its positions (31-bit,
 * wrapping) and every slot's sequence word set as the ring would have left them.
 */
function age(ch: SharedChan<number>, pos: number): void {
  const m = new ChanMemory((ch.handle as HandleData).sab);
  const r = m.i32[RING] as number;
  m.i32[TAIL] = (pos << 1) | 0;
  m.i32[HEAD] = pos;
  for (let q = pos; q < pos + r; q++) m.i32[(HEADER_BYTES >> 2) + (q & (r - 1))] = q & 0x7fffffff;
}

/** Another object for the same channel, as a thread that attaches it now has (nothing cached). */
const fresh = <T>(ch: SharedChan<T>): SharedChan<T> => attach(share(ch)) as SharedChan<T>;

describe("SharedChan on one thread", () => {
  test("buffered: positions wrap at 2^31; an end attached late finds values far from 0", T, () => {
    for (const [cap, pos] of [
      [4, 2 ** 31 - 6],
      [3, 2 ** 31 - 6],
      [4, 2 ** 30 + 3], // more than 2^30 from 0: a cached position of 0 would read as "ahead"
      [1, 2 ** 30 + 1],
    ] as const) {
      const ch = new SharedChan<number>(cap, { codec: "int32" });
      age(ch, pos);
      const [a, b, c] = [fresh(ch), fresh(ch), fresh(ch)];
      assert.equal(a.tryRecv(), undefined, "empty");
      const got: number[] = [];
      let next = 0;
      for (let round = 0; round < 6; round++) {
        // Fill it from one end, then drain it from the others: one value, then a batch.
        const first = next;
        while (b.trySend(next)) next++;
        assert.equal(next - first, cap, "full at cap values");
        got.push((c.tryRecv() as [number, true])[0]);
        if (cap > 1) got.push(...(round % 2 === 0 ? a.recvBatchSync(10) : fresh(ch).recvBatchSync(10)));
        assert.equal(a.tryRecv(), undefined, "drained");
      }
      const want = Array.from({ length: next }, (_, i) => i);
      assert.deepEqual(got, want, `cap ${cap} from ${pos}: FIFO, nothing lost`);
      ch.close();
      assert.deepEqual(fresh(ch).tryRecv(), [undefined, false]);
    }
  });

  test("buffered: FIFO, len/cap, trySend/tryRecv, recvBatch", T, async () => {
    const ch = new SharedChan<number>(3, { codec: "int32" });
    assert.equal(ch.cap, 3);
    assert.equal(ch.length, 0);
    assert.equal(ch.tryRecv(), undefined);
    await ch.send(1);
    assert.equal(ch.trySend(2), true);
    ch.sendSync(3);
    assert.equal(ch.trySend(4), false, "full");
    assert.equal(ch.length, 3);
    assert.deepEqual(ch.tryRecv(), [1, true]);
    assert.deepEqual(await ch.recvBatch(10), [2, 3]);
    assert.equal(ch.length, 0);
    ch.trySend(5);
    ch.close();
    assert.equal(ch.closed, true);
    assert.deepEqual(await ch.recvOk(), [5, true], "values buffered before close are still received");
    assert.deepEqual(await ch.recvOk(), [undefined, false]);
    assert.equal(await ch.recv(), undefined);
    assert.deepEqual(ch.recvBatchSync(4), []);
    assert.deepEqual(ch.tryRecv(), [undefined, false]);
  });

  test("close: Go's panic texts; a send on a closed channel rejects, never throws", T, async () => {
    const ch = new SharedChan<string>(1, { codec: "string" });
    ch.close();
    assert.throws(
      () => ch.close(),
      (e: Error) => e instanceof ChanClosedError && e.message === "close of closed channel",
    );
    assert.throws(() => ch.trySend("x"), { message: "send on closed channel" });
    assert.throws(() => ch.sendSync("x"), { message: "send on closed channel" });
    const p = ch.send("x");
    await assert.rejects(
      p,
      (e: Error) => e instanceof ChanClosedError && e.message === "send on closed channel",
    );
  });

  test("close wakes a blocked async receiver and fails a blocked async sender", T, async () => {
    const r = new SharedChan<number>(0, { codec: "int32" });
    const got = r.recvOk();
    const s = new SharedChan<number>(1, { codec: "int32" });
    s.trySend(1);
    const blocked = s.send(2);
    r.close();
    s.close();
    assert.deepEqual(await got, [undefined, false]);
    await assert.rejects(blocked, { message: "send on closed channel" });
    assert.deepEqual(s.tryRecv(), [1, true], "the blocked send's value never entered");
    assert.deepEqual(s.tryRecv(), [undefined, false]);
  });

  test("unbuffered: trySend needs a waiting receiver; tryRecv needs a waiting sender", T, async () => {
    const ch = new SharedChan<string>(0, { codec: "string" });
    assert.equal(ch.trySend("a"), false, "nobody receiving");
    assert.equal(ch.tryRecv(), undefined, "nobody sending");
    const r = ch.recv();
    await delay(1);
    assert.equal(ch.trySend("b"), true);
    assert.equal(await r, "b");
    const s = ch.send("c");
    await delay(1);
    assert.deepEqual(ch.tryRecv(), ["c", true]);
    await s;
  });

  test("a cancelled receive consumes nothing; a cancelled send delivers nothing", T, async () => {
    const ch = new SharedChan<number>(0, { codec: "float64" });
    const [ctx, cancel] = withCancel(background());
    const r = ch.recv(ctx);
    cancel();
    await assert.rejects(r, { message: "context canceled" });
    assert.equal(ch.trySend(1.5), false, "the cancelled receiver is no longer registered");
    const [ctx2, cancel2] = withCancel(background());
    const s = ch.send(2.5, ctx2);
    cancel2();
    await assert.rejects(s, { message: "context canceled" });
    assert.equal(ch.tryRecv(), undefined, "the cancelled offer was withdrawn");
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    await assert.rejects(ch.recv(ac.signal), { message: "stop" });
  });

  test("a cancelled wait is withdrawn by cancel() itself: the next waiter gets the value", T, async () => {
    // No await between cancel() and the other side: this thread has not resumed the cancelled
    // call yet, as when it is busy or descheduled while another thread sends or receives.
    const ch = new SharedChan<number>(0, { codec: "int32" });
    const [ctx, cancel] = withCancel(background());
    const r1 = ch.recv(ctx);
    const r2 = ch.recv();
    cancel();
    assert.equal(ch.trySend(7), true);
    await assert.rejects(r1, { message: "context canceled" });
    assert.equal(await r2, 7, "the value went to the receiver still waiting");
    const [ctx2, cancel2] = withCancel(background());
    const s1 = ch.send(1, ctx2);
    const s2 = ch.send(2);
    cancel2();
    assert.deepEqual(ch.tryRecv(), [2, true], "the cancelled offer was withdrawn");
    await assert.rejects(s1, { message: "context canceled" });
    await s2;
    assert.equal(ch.tryRecv(), undefined);
  });

  test("leaving a for await loop early does not close the channel", T, async () => {
    const ch = new SharedChan<number>(4, { codec: "int32" });
    for (let i = 0; i < 4; i++) ch.trySend(i);
    for await (const v of ch) if (v === 1) break;
    assert.equal(ch.closed, false);
    assert.deepEqual(ch.tryRecv(), [2, true]);
  });

  test("bad input: clear errors at the call; promise methods reject", T, async () => {
    assert.throws(() => new SharedChan(-1), /capacity must be an integer >= 0/);
    assert.throws(() => new SharedChan(1.5), RangeError);
    assert.throws(() => new SharedChan(1, { codec: "xml" as never }), /options.codec must be one of/);
    assert.throws(() => new SharedChan(1, { maxValueBytes: 0 }), /options.maxValueBytes/);
    const ch = new SharedChan<number>(1, { codec: "int32" });
    await assert.rejects(ch.recvBatch(0), /max must be an integer >= 1/);
    await assert.rejects(ch.send(2 ** 31), RangeError);
    await assert.rejects(ch.recv({} as never), /ctx must be a Context or an AbortSignal/);
    assert.equal(ch.length, 0, "nothing was written");
  });
});

describe("SharedChan across threads", () => {
  let w: Agent[] = [];
  before(async () => {
    w = await agents(4, fixture);
  });
  after(() => Promise.all(w.map((a) => a.terminate())));

  test("unbuffered: a send completes only once a receiver on another thread takes it", T, async () => {
    const ch = new SharedChan<number>(0, { codec: "int32" });
    const s = ch.send(42);
    assert.equal(await settledAfter(s, 30), false, "no receiver anywhere yet");
    const r = await (w[0] as Agent).call<{ value: number; ok: boolean }>("recvOnce", [ch, true]);
    assert.deepEqual(r, { value: 42, ok: true });
    await s;
  });

  test("unbuffered: a worker's sendSync waits for the main thread's receive", T, async () => {
    const ch = new SharedChan<string>(0, { codec: "string" });
    const run = (w[0] as Agent).start<string>("sendOnce", [ch, "héllo", true]);
    await run.started;
    assert.equal(await settledAfter(run.result, 30), false);
    assert.equal(await ch.recv(), "héllo");
    assert.equal(await run.result, "sent");
  });

  test(
    "a worker blocked in recvSync wakes when a shared ctx is cancelled here, and leaves no residue",
    T,
    async () => {
      const ch = new SharedChan<number>(0, { codec: "int32" });
      const [ctx, cancel] = withCancel(background());
      const run = (w[1] as Agent).start<{ error?: string }>("recvOnce", [ch, true, ctx]);
      await run.started;
      await delay(20);
      cancel();
      assert.deepEqual(await run.result, { error: "CanceledError: context canceled" });
      assert.equal(ch.trySend(1), false, "no receiver is left registered");
    },
  );

  test("a worker's sendSync with a deadline withdraws its offer: the value never arrives", T, async () => {
    const ch = new SharedChan<number>(0, { codec: "int32" });
    const [ctx, cancel] = withTimeout(background(), 30);
    assert.equal(
      await (w[2] as Agent).call("sendOnce", [ch, 7, true, ctx]),
      "DeadlineExceededError: context deadline exceeded",
    );
    cancel();
    assert.equal(ch.tryRecv(), undefined);
  });

  test("close wakes blocked receivers and senders on other threads with Go's results", T, async () => {
    const rc = new SharedChan<number>(0, { codec: "int32" });
    const sc = new SharedChan<number>(0, { codec: "int32" });
    const r1 = (w[0] as Agent).start("recvOnce", [rc, true]);
    const r2 = (w[1] as Agent).start("recvOnce", [rc, false]);
    const s1 = (w[2] as Agent).start("sendOnce", [sc, 1, true]);
    const s2 = (w[3] as Agent).start("sendOnce", [sc, 2, false]);
    await Promise.all([r1.started, r2.started, s1.started, s2.started]);
    await delay(20);
    rc.close();
    sc.close();
    assert.deepEqual(await r1.result, { value: undefined, ok: false });
    assert.deepEqual(await r2.result, { value: undefined, ok: false });
    assert.equal(await s1.result, "ChanClosedError: send on closed channel");
    assert.equal(await s2.result, "ChanClosedError: send on closed channel");
  });

  test("unbuffered: more blocked senders or receivers than the channel has cells", T, async () => {
    const ch = new SharedChan<number>(0, { codec: "int32" });
    const n = 40;
    const sends = Array.from({ length: n }, (_, i) => ch.send(i));
    const got = (w[0] as Agent).call<number[]>("consume", [ch, ["sync"]]);
    // consume() ends at close: close once every send has completed.
    await Promise.all(sends);
    ch.close();
    const values = await got;
    assert.deepEqual(
      [...values].sort((a, b) => a - b),
      Array.from({ length: n }, (_, i) => i),
    );

    const rc = new SharedChan<number>(0, { codec: "int32" });
    const [ctx, cancel] = withCancel(background());
    const recvs = Array.from({ length: n }, (_, i) => rc.recv(i % 2 === 0 ? ctx : undefined));
    const settled = Promise.allSettled(recvs);
    cancel(); // half of the receivers leave; the other half must still get a value each
    const sent = await (w[1] as Agent).call<number[]>("produce", [rc, 0, Array(n / 2).fill("sync")]);
    assert.equal(sent.length, n / 2);
    const outcomes = await settled;
    const ok = outcomes.filter((o) => o.status === "fulfilled").map((o) => o.value as number);
    assert.deepEqual(
      ok.sort((a, b) => a - b),
      Array.from({ length: n / 2 }, (_, i) => i),
    );
    assert.ok(outcomes.every((o, i) => (i % 2 === 0) === (o.status === "rejected")));
  });

  test("blocking for…of and for await in workers receive everything in order", T, async () => {
    for (const codec of ["json", "structured"] as const) {
      const ch = new SharedChan<unknown>(2, { codec });
      const values = [1, "two", { three: [3] }, null, [true, false]];
      const a = (w[0] as Agent).call<unknown[]>("rangeSync", [ch]);
      const b = new SharedChan<unknown>(0, { codec });
      const c = (w[1] as Agent).call<unknown[]>("rangeAsync", [b]);
      for (const v of values) {
        await ch.send(v);
        await b.send(v);
      }
      ch.close();
      b.close();
      assert.deepEqual(await a, values);
      assert.deepEqual(await c, values);
    }
  });

  test("recvBatch takes what several threads sent, at least one value per call", T, async () => {
    const ch = new SharedChan<number>(64, { codec: "int32" });
    const producers = [0, 1, 2].map((i) =>
      (w[i] as Agent).call<number[]>("produce", [ch, (i + 1) * 1000, Array(200).fill("sync")]),
    );
    const got: number[] = [];
    while (got.length < 600) {
      const b = await ch.recvBatch(50);
      assert.ok(b.length >= 1 && b.length <= 50);
      got.push(...b);
    }
    await Promise.all(producers);
    for (const base of [1000, 2000, 3000]) {
      const mine = got.filter((v) => v >= base && v < base + 1000);
      assert.deepEqual(
        mine,
        Array.from({ length: 200 }, (_, i) => base + i),
        "FIFO per sender",
      );
    }
  });

  // Go's runtime/chan_test.go TestChan, the goroutines on worker threads.
  for (const cap of [0, 1, 2, 7]) {
    test(`Go TestChan, cap ${cap}`, T, async () => {
      {
        // A receive from an empty channel blocks; a non-blocking one does not.
        const c = new SharedChan<number>(cap, { codec: "int32" });
        const r1 = (w[0] as Agent).start("recvOnce", [c, true]);
        const r2 = (w[1] as Agent).start("recvOnce", [c, false]);
        await Promise.all([r1.started, r2.started]);
        assert.equal(await settledAfter(Promise.race([r1.result, r2.result]), 20), false);
        assert.equal(c.tryRecv(), undefined);
        await c.send(0);
        await c.send(0);
        assert.deepEqual(await r1.result, { value: 0, ok: true });
        assert.deepEqual(await r2.result, { value: 0, ok: true });
      }
      {
        // A send to a full channel blocks; a non-blocking one does not.
        const c = new SharedChan<number>(cap, { codec: "int32" });
        for (let i = 0; i < cap; i++) c.trySend(i);
        const s = (w[2] as Agent).start<string>("sendOnce", [c, 0, true]);
        await s.started;
        assert.equal(await settledAfter(s.result, 20), false);
        assert.equal(c.trySend(0), false);
        await c.recv();
        assert.equal(await s.result, "sent");
      }
      {
        // Buffered values then zero values from a closed channel; close unblocks a receive.
        const c = new SharedChan<number>(cap, { codec: "int32" });
        for (let i = 0; i < cap; i++) c.trySend(i);
        c.close();
        for (let i = 0; i < cap; i++) assert.equal(await c.recv(), i);
        assert.deepEqual(await c.recvOk(), [undefined, false]);
        const d = new SharedChan<number>(cap, { codec: "int32" });
        const r = (w[3] as Agent).start("recvOnce", [d, true]);
        await r.started;
        d.close();
        assert.deepEqual(await r.result, { value: undefined, ok: false });
      }
      {
        // 100 integers arrive uncorrupted in FIFO order.
        const c = new SharedChan<number>(cap, { codec: "int32" });
        const p = (w[0] as Agent).call("produce", [c, 0, Array(100).fill("sync")]);
        for (let i = 0; i < 100; i++) assert.deepEqual(await c.recvOk(), [i, true]);
        await p;
      }
      {
        // 4 threads send 0..L-1 each; this thread receives every value 4 times.
        const L = 300;
        const c = new SharedChan<number>(cap, { codec: "int32" });
        const ps = w.map((a) => a.call("produce", [c, 0, Array(L).fill(cap % 2 === 0 ? "sync" : "async")]));
        const total = new Map<number, number>();
        const got: number[] = [];
        while (got.length < 4 * L) got.push((await c.recv()) as number);
        await Promise.all(ps);
        for (const v of got) total.set(v, (total.get(v) ?? 0) + 1);
        assert.equal(total.size, L);
        for (const n of total.values()) assert.equal(n, 4);
      }
      {
        const c = new SharedChan<number>(cap, { codec: "int32" });
        assert.deepEqual([c.length, c.cap], [0, cap]);
        for (let i = 0; i < cap; i++) c.trySend(i);
        assert.deepEqual([c.length, c.cap], [cap, cap]);
      }
    });
  }
});
