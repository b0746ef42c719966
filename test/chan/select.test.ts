// select: uniform choice among ready cases, Go's nil channel (null), default (otherwise), `select {}`,
// exactly-one-commit when blocked, closed channels in select, and the fan-in idiom that needs nil.

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Chan,
  ChanClosedError,
  go,
  otherwise,
  recv,
  type SelectCase,
  select,
  send,
  WaitGroup,
  withCancel,
} from "../../src/index.js";
import { waitingReceivers, waitingSenders } from "../../src/internal/introspect.js";
import { leakCheck, type TaskInfo } from "../../src/testing/index.js";
import { probe } from "../helpers/probe.js";
import { drain, stateAfterDrain } from "../helpers/settled.js";

// Two tests below leave a select with no live case blocked on purpose: Go's `select {}` blocks
// forever and nothing can ever wake it, so it cannot be cleaned up. Only those are ignored.
const selectForever = (t: TaskInfo): boolean =>
  t.blocked.length > 0 && t.blocked.every((op) => op.reason === "select (no cases)");
leakCheck({ ignore: selectForever });

describe("choosing", () => {
  test("among several ready cases, each is chosen about equally often", async () => {
    const chans = [0, 1, 2, 3].map(() => new Chan<number>(1));
    for (const [i, c] of chans.entries()) c.trySend(i);
    const counts = [0, 0, 0, 0];
    for (let n = 0; n < 4000; n++) {
      const i = await select(...chans.map((c) => recv(c, (v) => v as number)));
      counts[i] = (counts[i] ?? 0) + 1;
      (chans[i] as Chan<number>).trySend(i);
    }
    // Expected 1000 each; the bounds are > 12 standard deviations away, so this never flakes.
    for (const c of counts) assert.ok(c > 800 && c < 1200, `counts ${counts}`);
  });

  test("ready send and receive cases are both candidates", async () => {
    const seen = new Set<string>();
    for (let n = 0; n < 200 && seen.size < 2; n++) {
      const a = new Chan<number>(1);
      a.trySend(1);
      const b = new Chan<number>(1);
      seen.add(
        await select(
          recv(a, () => "recv"),
          send(b, 2, () => "send"),
        ),
      );
    }
    assert.deepEqual([...seen].sort(), ["recv", "send"]);
  });

  test("otherwise runs only when nothing is ready, and never blocks", async () => {
    const ch = new Chan<number>();
    assert.equal(
      await select(
        recv(ch, () => "recv"),
        otherwise(() => "default"),
      ),
      "default",
    );
    const b = new Chan<number>(1);
    b.trySend(1);
    for (let n = 0; n < 50; n++) {
      b.trySend(1);
      assert.equal(
        await select(
          recv(b, () => "recv"),
          otherwise(() => "default"),
        ),
        "recv",
      );
    }
    assert.equal(await select(otherwise(() => 1)), 1);
  });

  test("the body's result (or error) is the select's", async () => {
    const ch = new Chan<number>(1);
    ch.trySend(20);
    assert.equal(await select(recv(ch, (v) => (v as number) + 1)), 21);
    ch.trySend(1);
    await assert.rejects(
      select(
        recv(ch, () => {
          throw new Error("body");
        }),
      ),
      /body/,
    );
    assert.equal(await select(otherwise(async () => "async body")), "async body");
  });
});

describe("nil channels and select {}", () => {
  test("a null channel is never ready", async () => {
    assert.equal(
      await select(
        recv(null, () => "nil"),
        otherwise(() => "default"),
      ),
      "default",
    );
    assert.equal(
      await select(
        send(null, 1, () => "nil"),
        otherwise(() => "default"),
      ),
      "default",
    );
    assert.deepEqual(
      await stateAfterDrain(
        select(
          recv(null, () => 1),
          send(null, 2, () => 2),
        ),
      ),
      { s: "pending" },
    );
  });

  test("select() with no cases blocks forever", async () => {
    assert.deepEqual(await stateAfterDrain(select()), { s: "pending" });
  });

  test("fan-in: setting a closed input to null lets the loop finish when both are closed", async () => {
    let a: Chan<number> | null = new Chan<number>();
    let b: Chan<string> | null = new Chan<string>();
    const ca = a;
    const cb = b;
    go(async () => {
      for (let i = 0; i < 3; i++) await ca.send(i);
      ca.close();
    });
    go(async () => {
      for (const s of ["x", "y"]) await cb.send(s);
      cb.close();
    });
    const got: (number | string)[] = [];
    while (a !== null || b !== null) {
      await select(
        recv(a, (v, ok) => {
          if (ok) got.push(v as number);
          else a = null;
        }),
        recv(b, (v, ok) => {
          if (ok) got.push(v as string);
          else b = null;
        }),
      );
    }
    assert.deepEqual(
      got.filter((v) => typeof v === "number"),
      [0, 1, 2],
    );
    assert.deepEqual(
      got.filter((v) => typeof v === "string"),
      ["x", "y"],
    );
  });
});

describe("blocking select commits exactly one case", () => {
  test("the losing cases leave their queues at once and consume nothing", async () => {
    const a = new Chan<number>();
    const b = new Chan<number>();
    const out = new Chan<number>();
    const p = select(
      recv(a, (v) => `a${v}`),
      recv(b, (v) => `b${v}`),
      send(out, 99, () => "sent"),
    );
    assert.equal(waitingReceivers(a) + waitingReceivers(b) + waitingSenders(out), 3);
    assert.equal(b.trySend(5), true);
    assert.equal(waitingReceivers(a) + waitingReceivers(b) + waitingSenders(out), 0);
    assert.equal(a.trySend(1), false, "a's case is gone");
    assert.equal(out.tryRecv(), undefined, "out's value was never offered again");
    assert.equal(await p, "b5");
  });

  test("a send case's value is evaluated once, when select is called", async () => {
    const ch = new Chan<number>();
    let x = 1;
    const p = select(send(ch, x, () => "sent"));
    x = 2;
    assert.equal(await ch.recv(), 1);
    assert.equal(await p, "sent");
    assert.equal(x, 2);
  });

  test("a blocked select woken by close gets ok = false; a blocked send case rejects", async () => {
    const a = new Chan<number>();
    const p = select(recv(a, (v, ok) => [v, ok]));
    a.close();
    assert.deepEqual(await p, [undefined, false]);
    const s = new Chan<number>();
    const q = select(
      send(s, 1, () => "sent"),
      recv(new Chan<number>(), () => "other"),
    );
    s.close();
    await assert.rejects(
      q,
      (e: unknown) => e instanceof ChanClosedError && e.message === "send on closed channel",
    );
  });

  test("cancelled mid-way through ctx.done(): no case consumed or delivered anything", async () => {
    const [ctx, cancel] = withCancel(background());
    const a = new Chan<number>();
    const out = new Chan<number>();
    const p = select(
      recv(a, () => "a"),
      send(out, 1, () => "out"),
      recv(ctx.done(), () => "cancelled"),
    );
    cancel();
    assert.equal(await p, "cancelled");
    assert.equal(a.trySend(1), false);
    assert.equal(out.tryRecv(), undefined);
    assert.equal(waitingReceivers(a) + waitingSenders(out), 0);
  });

  test("a select on a closed channel is ready at once", async () => {
    const a = new Chan<number>();
    a.close();
    assert.deepEqual(
      await select(
        recv(a, (v, ok) => [v, ok]),
        otherwise(() => "default"),
      ),
      [undefined, false],
    );
    await assert.rejects(select(send(a, 1, () => 0)), ChanClosedError);
  });

  test("the same channel in two cases of one select", async () => {
    const ch = new Chan<number>();
    const p = probe(
      select(
        recv(ch, (v) => `recv ${v}`),
        send(ch, 1, () => "send"),
      ),
    );
    await drain();
    assert.equal(p.state.s, "pending", "a select does not match with itself");
    assert.equal(await ch.recv(), 1);
    await drain();
    assert.deepEqual(p.state, { s: "fulfilled", v: "send" });
    assert.equal(waitingReceivers(ch), 0);
  });
});

describe("blocked cases are queued in random order (runtime/chan_test.go TestPseudoRandomSend)", () => {
  // Go's selectgo queues a blocked select's cases in its randomised order, so when a receiver comes
  // along, any of several send cases on one channel may be the one it takes. Unbuffered, each
  // select below blocks (no receiver yet) before the receive; with capacity n the sends are ready at
  // once (the uniform choice among ready cases). Go's bound: more than n/10 of each value. With
  // n = 400, a fair coin falls below it with probability < 1e-60, so this never flakes; a queue in
  // argument order fails it every time.
  for (const cap of [0, 400]) {
    test(`two send cases on one channel of capacity ${cap}: both values arrive, about half each`, async () => {
      const n = 400;
      const c = new Chan<number>(cap);
      let blocked = 0;
      const got: number[] = [];
      for (let i = 0; i < n; i++) {
        const p = select(
          send(c, 1, () => {}),
          send(c, 0, () => {}),
        );
        if (waitingSenders(c) === 2) blocked++;
        if (cap === 0) got.push((await c.recv()) as number);
        await p;
      }
      if (cap > 0) got.push(...c.tryRecvBatch(n));
      assert.equal(blocked, cap === 0 ? n : 0, "unbuffered, every select blocked before the receive");
      const ones = got.reduce((a, v) => a + v, 0);
      const zeros = got.length - ones;
      assert.equal(got.length, n);
      assert.ok(zeros > n / 10 && ones > n / 10, `want pseudorandom, got ${zeros} zeros and ${ones} ones`);
    });
  }

  for (const cap of [0, 10]) {
    test(`runtime TestSelfSelect, capacity ${cap}: send and receive on one channel in one select never match each other`, async () => {
      const c = new Chan<number>(cap);
      const selfReceives: string[] = [];
      const wg = new WaitGroup();
      for (const p of [0, 1]) {
        wg.go(async () => {
          for (let i = 0; i < 1000; i++) {
            const check = (v: number | undefined): void => {
              if (cap === 0 && v === p) selfReceives.push(`task ${p} received its own ${v} at ${i}`);
            };
            if (p === 0 || i % 2 === 0) {
              await select(
                send(c, p, () => {}),
                recv(c, (v) => check(v)),
              );
            } else {
              await select(
                recv(c, (v) => check(v)),
                send(c, p, () => {}),
              );
            }
          }
        });
      }
      await wg.wait();
      assert.deepEqual(selfReceives, []);
    });
  }

  test("three cases on one channel: each one is first in the queue sometimes", async () => {
    const c = new Chan<number>();
    const counts = [0, 0, 0];
    for (let i = 0; i < 600; i++) {
      const p = select(
        send(c, 0, () => {}),
        send(c, 1, () => {}),
        send(c, 2, () => {}),
      );
      const v = (await c.recv()) as number;
      counts[v] = (counts[v] ?? 0) + 1;
      await p;
    }
    // Expected 200 each; 60 is 12 standard deviations below: never flakes.
    for (const k of counts) assert.ok(k > 60, `counts ${counts}`);
  });
});

describe("types", () => {
  test("a receive case's (v, ok) is a discriminated pair: checking ok narrows v", async () => {
    const ch = new Chan<number>(1);
    ch.trySend(7);
    // Type-checked by `npm run typecheck`: with `ok` true, `v` is a number; with it false, undefined.
    const got = await select(
      recv(ch, (v, ok) => {
        if (ok) {
          const n: number = v;
          return n * 2;
        }
        const none: undefined = v;
        return none;
      }),
    );
    assert.equal(got, 14);
    ch.close();
    assert.equal(await select(recv(ch, (v, ok) => (ok ? v + 1 : "closed"))), "closed");
    // One-parameter and no-parameter bodies still infer their result.
    const one = new Chan<string>(1);
    one.trySend("x");
    const s: string | undefined = await select(recv(one, (v) => v));
    assert.equal(s, "x");
  });
});

describe("bad input", () => {
  test("cases must come from recv/send/otherwise; one otherwise at most; bodies are functions", async () => {
    // select returns a promise: bad cases reject (.catch sees them), and nothing is taken.
    const ch = new Chan<number>(1);
    ch.trySend(1);
    await assert.rejects(
      select(
        recv(ch, (v) => v),
        {} as SelectCase<number>,
      ),
      TypeError,
    );
    await assert.rejects(
      select(
        otherwise(() => 1),
        otherwise(() => 2),
      ),
      /multiple otherwise/,
    );
    assert.equal(ch.length, 1, "the ready case before the bad one did not commit");
    // The case makers are synchronous: they throw.
    assert.throws(() => recv(new Chan<number>(), 1 as unknown as () => void), TypeError);
    assert.throws(() => recv({} as Chan<number>, () => 1), TypeError);
  });
});
