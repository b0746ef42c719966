// gosync's select with SharedChan cases beside in-process Chans: Go's rules (uniform choice among
// ready cases, exactly one case commits, a losing case consumes and delivers nothing), including
// races against real worker threads on unbuffered SharedChans, where the other side is a blocked
// receive or send on another thread with a deadline that may fire at any moment.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { background, Chan, otherwise, recv, select, send, withTimeout } from "../../src/index.js";
import { ChanMemory, RSLEEP, SSLEEP, WAITERS } from "../../src/threads/chan-memory.js";
import type { HandleData } from "../../src/threads/handle.js";
import { SharedChan } from "../../src/threads/index.js";
import { type Agent, agents } from "./helpers.js";

const fixture = new URL("./fixtures/chan.ts", import.meta.url);
const T = { timeout: 60_000 };

/** A select that has finished leaves no wake-up armed and no receiver waiting in `ch`'s memory. */
function assertNoResidue(ch: SharedChan<unknown>): void {
  const mem = new ChanMemory((ch.handle as HandleData).sab);
  assert.deepEqual([mem.i32[RSLEEP], mem.i32[SSLEEP], mem.i32[WAITERS]], [0, 0, 0]);
}

describe("select with SharedChan on one thread", () => {
  test("uniform among ready cases, shared and local; exactly one commits", T, async () => {
    const sc = new SharedChan<number>(1, { codec: "int32" });
    const lc = new Chan<number>(1);
    const wins = { shared: 0, local: 0 };
    for (let i = 0; i < 400; i++) {
      if (sc.length === 0) sc.trySend(1);
      if (lc.length === 0) lc.trySend(2);
      const which = await select(
        recv(sc, (v) => {
          assert.equal(v, 1);
          return "shared" as const;
        }),
        recv(lc, (v) => {
          assert.equal(v, 2);
          return "local" as const;
        }),
      );
      wins[which]++;
      assert.equal(sc.length + lc.length, 1, "the losing case consumed nothing");
    }
    // Binomial(400, 1/2): sd 10; the bounds are 8 sd away.
    assert.ok(wins.shared > 120 && wins.local > 120, JSON.stringify(wins));
  });

  test("otherwise when no SharedChan case is ready; closed channels as Go's", T, async () => {
    const sc = new SharedChan<number>(0, { codec: "int32" });
    assert.equal(
      await select(
        recv(sc, () => "r"),
        send(sc, 1, () => "s"),
        otherwise(() => "default"),
      ),
      "default",
    );
    sc.close();
    assert.deepEqual(await select(recv(sc, (v, ok) => [v, ok])), [undefined, false]);
    await assert.rejects(select(send(sc, 1, () => "s")), { message: "send on closed channel" });
    await assert.rejects(select(send(sc, 1.5, () => "s")), RangeError, "a value the codec rejects");
  });

  test(
    "a blocked select commits the case whose channel becomes ready; the other stays intact",
    T,
    async () => {
      const sc = new SharedChan<string>(1, { codec: "string" });
      const lc = new Chan<string>(1);
      const p = select(
        recv(sc, (v) => `shared ${v}`),
        recv(lc, (v) => `local ${v}`),
      );
      await delay(5);
      sc.trySend("a");
      assert.equal(await p, "shared a");
      lc.trySend("b");
      assert.deepEqual(lc.tryRecv(), ["b", true], "the local case left no waiter behind");

      const q = select(
        recv(sc, (v) => `shared ${v}`),
        recv(lc, (v) => `local ${v}`),
      );
      await delay(5);
      lc.trySend("c");
      assert.equal(await q, "local c");
      sc.trySend("d");
      await delay(5);
      assert.deepEqual(sc.tryRecv(), ["d", true], "the shared case's wake-up consumed nothing");
      assertNoResidue(sc as SharedChan<unknown>);
    },
  );
});

describe("select with SharedChan across threads", () => {
  let w: Agent[] = [];
  before(async () => {
    w = await agents(2, fixture);
  });
  after(() => Promise.all(w.map((a) => a.terminate())));

  test("an unbuffered send case commits to a receiver blocked on another thread", T, async () => {
    const sc = new SharedChan<number>(0, { codec: "int32" });
    const lc = new Chan<number>();
    const r = (w[0] as Agent).start("recvOnce", [sc, true]);
    await r.started;
    let got = "";
    while (got === "") {
      got = await select(
        send(sc, 9, () => "sent"),
        recv(lc, () => "local"),
        otherwise(() => ""),
      );
      if (got === "") await delay(1); // the worker may not have reached its wait yet
    }
    assert.equal(got, "sent");
    assert.deepEqual(await r.result, { value: 9, ok: true });
  });

  test(
    "race: unbuffered send case vs a local case vs the receiver's deadline — exactly one outcome",
    T,
    async () => {
      const sc = new SharedChan<number>(0, { codec: "int32" });
      for (let i = 0; i < 150; i++) {
        const lc = new Chan<number>(1);
        const [ctx, cancel] = withTimeout(background(), 2);
        const r = (w[i % 2] as Agent).call<{ value?: number; error?: string }>("recvOnce", [
          sc,
          i % 4 < 2,
          ctx,
        ]);
        setTimeout(() => lc.trySend(i), i % 3);
        const which = await select(
          send(sc, i, () => "sent" as const),
          recv(lc, () => "local" as const),
        );
        const seen = await r;
        cancel();
        if (which === "sent")
          assert.deepEqual(seen, { value: i, ok: true }, "the send committed: the receiver has it");
        else
          assert.equal(
            seen.error,
            "DeadlineExceededError: context deadline exceeded",
            "the losing send delivered nothing",
          );
      }
      assert.equal(sc.trySend(-1), false, "no receiver left registered");
      assertNoResidue(sc as SharedChan<unknown>);
    },
  );

  test(
    "race: unbuffered receive case vs a local case vs the sender's deadline — exactly one outcome",
    T,
    async () => {
      const sc = new SharedChan<number>(0, { codec: "int32" });
      for (let i = 0; i < 150; i++) {
        const lc = new Chan<number>(1);
        const [ctx, cancel] = withTimeout(background(), 2);
        const s = (w[i % 2] as Agent).call<string>("sendOnce", [sc, i, i % 4 < 2, ctx]);
        setTimeout(() => lc.trySend(-i), i % 3);
        const got = await select(
          recv(sc, (v) => ({ from: "shared", v })),
          recv(lc, (v) => ({ from: "local", v })),
        );
        const outcome = await s;
        cancel();
        if (got.from === "shared") {
          assert.equal(got.v, i);
          assert.equal(outcome, "sent", "the receive committed: the sender completed");
        } else {
          assert.equal(got.v, -i);
          assert.equal(
            outcome,
            "DeadlineExceededError: context deadline exceeded",
            "the losing case took nothing",
          );
        }
      }
      assert.equal(sc.tryRecv(), undefined, "no offer left behind");
      assertNoResidue(sc as SharedChan<unknown>);
    },
  );

  // Go's runtime/chan_test.go TestSelfSelect (buffered: two unbuffered selects do not meet across
  // threads, see chan/selectable.ts) with the two goroutines on two threads.
  for (const cap of [1, 10]) {
    test(
      `Go TestSelfSelect, cap ${cap}: selects sending and receiving on one channel make progress`,
      T,
      async () => {
        const ch = new SharedChan<number>(cap, { codec: "int32" });
        const n = 500;
        const got = await Promise.all(w.map((a, p) => a.call<number>("selfSelect", [ch, p, n])));
        // Every select committed exactly one case: receives = sends - what is left in the buffer.
        assert.equal(got[0]! + got[1]!, 2 * n - (got[0]! + got[1]!) - ch.length);
      },
    );
  }

  test(
    "Go TestNonblockRecvRace: a non-blocking receive on another thread sees the value despite close",
    T,
    async () => {
      for (let i = 0; i < 40; i++) {
        const c = new SharedChan<number>(1, { codec: "int32" });
        c.trySend(1);
        const r = (w[i % 2] as Agent).call("tryRecvOnce", [c]);
        c.close();
        await c.recv();
        const seen = await r;
        assert.ok(Array.isArray(seen), `chan is not ready: ${String(seen)}`);
      }
    },
  );
});
