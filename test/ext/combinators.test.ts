// The gollback / Hunch combinators (Go 并发编程实战课 lesson 18): allSettled (gollback.All), race
// (gollback.Race), all (hunch.All), takeFirst (hunch.Take), takeLast (hunch.Last), retry, waterfall.
// Each: its result semantics, and that the functions that lose are told so through their context.
// The lesson's example sleeps 1 ms on the real clock: a synctest bubble cannot see a combinator waiting
// for its functions (ext's TaskGroup.idle() is a plain promise), so it would never advance time.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  all,
  allSettled,
  background,
  Canceled,
  type Context,
  cause,
  race,
  retry,
  sleep,
  takeFirst,
  takeLast,
  waterfall,
  withCancel,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, probe, settle } from "./helpers.js";

leakCheck();

/** Go's %v of a slice: `[1 <nil> 3]`. */
function goFormat(xs: readonly unknown[]): string {
  return `[${xs.map((x) => (x === undefined || x === null ? "<nil>" : x instanceof Error ? x.message : String(x))).join(" ")}]`;
}

/** A function that resolves with `v` after `turns` event-loop turns. */
const after =
  <T>(turns: number, v: T) =>
  async (): Promise<T> => {
    await settle(turns);
    return v;
  };

/** A function that waits for its ctx to be cancelled, records it, and rejects with ctx.err(). */
function loser(seen: unknown[]): (ctx: Context) => Promise<never> {
  return async (ctx: Context): Promise<never> => {
    await ctx.done()?.recv();
    seen.push(cause(ctx));
    throw ctx.err();
  };
}

describe("allSettled (gollback.All)", () => {
  test("the lesson's example prints [1 <nil> 3] and [<nil> failed <nil>]", async () => {
    const [rs, errs] = await allSettled<number>(
      background(),
      async () => {
        await sleep(1);
        return 1;
      },
      async () => {
        throw new Error("failed");
      },
      async () => 3,
    );
    assert.equal(goFormat(rs), "[1 <nil> 3]");
    assert.equal(goFormat(errs), "[<nil> failed <nil>]");
  });

  test("results and errors are by index whatever the order of completion; it never rejects", async () => {
    const e = new Error("x");
    const [rs, errs] = await allSettled<string>(
      background(),
      after(3, "slow"),
      () => {
        throw e; // a synchronous throw is an error like any other
      },
      after(1, "fast"),
    );
    assert.deepEqual(rs, ["slow", undefined, "fast"]);
    assert.deepEqual(errs, [undefined, e, undefined]);
  });

  test("no functions: two empty arrays", async () => {
    assert.deepEqual(await allSettled(background()), [[], []]);
  });

  test("an error does not cancel the others; cancelling the parent reaches every function", async () => {
    const [parent, cancel] = withCancel(background());
    const seen: unknown[] = [];
    const p = allSettled<number>(
      parent,
      () => {
        throw new Error("early");
      },
      async (ctx) => {
        await settle(2);
        return ctx.err() === null ? 1 : -1;
      },
      loser(seen),
    );
    await settle(4);
    assert.deepEqual(seen, [], "one error cancels nothing in allSettled");
    cancel();
    const [rs, errs] = await p;
    assert.equal(rs[1], 1);
    assert.equal(errs[2], Canceled);
    assert.deepEqual(seen, [Canceled]);
  });
});

describe("race (gollback.Race)", () => {
  test("resolves with the first success and cancels the others' context", async () => {
    const seen: unknown[] = [];
    const v = await race<string>(background(), after(1, "fast"), loser(seen), loser(seen));
    assert.equal(v, "fast");
    assert.equal(seen.length, 2, "both losers were cancelled");
  });

  test("failures do not win: the first success does", async () => {
    const v = await race<string>(
      background(),
      async () => {
        throw new Error("quick failure");
      },
      after(2, "slow success"),
    );
    assert.equal(v, "slow success");
  });

  test("every function fails: rejects with an AggregateError of the errors", async () => {
    const e1 = new Error("1");
    const e2 = new Error("2");
    const err = await race(
      background(),
      () => {
        throw e1;
      },
      async () => {
        await settle(1);
        throw e2;
      },
    ).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(err instanceof AggregateError);
    assert.deepEqual(err.errors, [e1, e2]);
  });
});

describe("all (hunch.All)", () => {
  test("every result, in the order of the functions", async () => {
    assert.deepEqual(await all<string>(background(), after(3, "a"), after(1, "b"), after(2, "c")), [
      "a",
      "b",
      "c",
    ]);
  });

  test("the first error cancels the others (cause: that error) and rejects", async () => {
    const seen: unknown[] = [];
    const boom = new Error("boom");
    await assert.rejects(
      all<number>(
        background(),
        loser(seen),
        async () => {
          await settle(1);
          throw boom;
        },
        loser(seen),
      ),
      (e) => e === boom,
    );
    assert.deepEqual(seen, [boom, boom]);
  });

  test("no functions: an empty array", async () => {
    assert.deepEqual(await all(background()), []);
  });
});

describe("takeFirst (hunch.Take)", () => {
  test("the first n results in order of arrival; the rest are cancelled", async () => {
    const seen: unknown[] = [];
    const rs = await takeFirst<string>(
      background(),
      2,
      after(3, "third"),
      after(1, "first"),
      loser(seen),
      after(2, "second"),
    );
    assert.deepEqual(rs, ["first", "second"]);
    assert.equal(seen.length, 1, "the one still running was cancelled");
  });

  test("losers that reject after the cancellation do not spoil the result", async () => {
    const rs = await takeFirst<number>(background(), 1, after(1, 1), async (ctx) => {
      await ctx.done()?.recv();
      throw new Error("I was cancelled");
    });
    assert.deepEqual(rs, [1]);
  });

  test("an error before n results cancels the rest and rejects", async () => {
    const seen: unknown[] = [];
    const boom = new Error("boom");
    await assert.rejects(
      takeFirst<number>(
        background(),
        2,
        after(1, 1),
        async () => {
          await settle(2);
          throw boom;
        },
        loser(seen),
      ),
      (e) => e === boom,
    );
    assert.deepEqual(seen, [boom]);
  });

  test("n = 0 resolves with []; n above the number of functions rejects with a RangeError", async () => {
    assert.deepEqual(await takeFirst(background(), 0, after(1, 1)), []);
    await assert.rejects(takeFirst(background(), 3, after(1, 1), after(1, 2)), RangeError);
    await assert.rejects(takeFirst(background(), -1, after(1, 1)), RangeError);
  });
});

describe("takeLast (hunch.Last)", () => {
  test("the last n results in order of arrival, after all have finished", async () => {
    const rs = await takeLast<string>(
      background(),
      2,
      after(3, "c"),
      after(1, "a"),
      after(2, "b"),
      after(4, "d"),
    );
    assert.deepEqual(rs, ["c", "d"]);
  });

  test("n = 1 is the last result to arrive; n = 0 is []", async () => {
    assert.deepEqual(await takeLast<string>(background(), 1, after(2, "late"), after(1, "early")), ["late"]);
    assert.deepEqual(await takeLast<string>(background(), 0, after(1, "x")), []);
  });

  test("an error cancels the rest and rejects", async () => {
    const seen: unknown[] = [];
    const boom = new Error("boom");
    await assert.rejects(
      takeLast<number>(
        background(),
        1,
        () => {
          throw boom;
        },
        loser(seen),
      ),
      (e) => e === boom,
    );
    assert.deepEqual(seen, [boom]);
  });

  test("n above the number of functions rejects with a RangeError", async () => {
    await assert.rejects(takeLast(background(), 2, after(1, 1)), RangeError);
  });
});

describe("retry", () => {
  test("retries until success and resolves with the value", async () => {
    let calls = 0;
    const v = await retry(background(), 5, async () => {
      if (++calls < 3) throw new Error(`attempt ${calls}`);
      return "ok";
    });
    assert.equal(v, "ok");
    assert.equal(calls, 3);
  });

  test("out of attempts: rejects with the last error (the lesson's Retry(ctx, 5, fails))", async () => {
    let calls = 0;
    await assert.rejects(
      retry(background(), 5, async () => {
        calls++;
        throw new Error(`failed ${calls}`);
      }),
      { message: "failed 5" },
    );
    assert.equal(calls, 5);
  });

  test("attempts = 0 retries until the ctx is cancelled, then rejects with its error", async () => {
    const [ctx, cancel] = withCancel(background());
    let calls = 0;
    await assert.rejects(
      retry(ctx, 0, async () => {
        if (++calls === 20) cancel();
        throw new Error("failed");
      }),
      (e) => e === Canceled,
    );
    assert.equal(calls, 20);
  });

  test("an already-cancelled ctx: no attempt at all", async () => {
    const [ctx, cancel] = withCancel(background());
    cancel();
    let calls = 0;
    await assert.rejects(
      retry(ctx, 3, () => {
        calls++;
        return 1;
      }),
      (e) => e === Canceled,
    );
    assert.equal(calls, 0);
  });

  test("fn gets the ctx; bad arguments reject with RangeError / TypeError", async () => {
    let got: Context | undefined;
    const ctx = background();
    await retry(ctx, 1, (c) => {
      got = c;
      return 0;
    });
    assert.equal(got, ctx);
    await assert.rejects(
      retry(ctx, -1, () => 0),
      RangeError,
    );
    await assert.rejects(retry(ctx, 1, 5 as unknown as () => number), TypeError);
  });
});

describe("waterfall (hunch.Waterfall)", () => {
  test("runs in sequence, each given the previous result; resolves with the last", async () => {
    const order: string[] = [];
    const v = await waterfall(
      background(),
      async (_c, prev) => {
        order.push(`first got ${String(prev)}`);
        return 1;
      },
      async (_c, prev) => {
        order.push(`second got ${String(prev)}`);
        await settle(1);
        return (prev as number) + 1;
      },
      (_c, prev) => {
        order.push(`third got ${String(prev)}`);
        return (prev as number) * 10;
      },
    );
    assert.equal(v, 20);
    assert.deepEqual(order, ["first got undefined", "second got 1", "third got 2"]);
  });

  test("stops at the first error and rejects with it", async () => {
    const boom = new Error("boom");
    let thirdRan = false;
    await assert.rejects(
      waterfall(
        background(),
        () => 1,
        () => {
          throw boom;
        },
        () => {
          thirdRan = true;
        },
      ),
      (e) => e === boom,
    );
    assert.equal(thirdRan, false);
  });

  test("a cancelled ctx stops it before the next function", async () => {
    const [ctx, cancel] = withCancel(background());
    let secondRan = false;
    await assert.rejects(
      waterfall(
        ctx,
        () => {
          cancel();
          return 1;
        },
        () => {
          secondRan = true;
        },
      ),
      (e) => e === Canceled,
    );
    assert.equal(secondRan, false);
  });

  test("no functions resolves with undefined", async () => {
    assert.equal(await waterfall(background()), undefined);
  });
});

describe("combinators: shared behaviour", () => {
  test("each function runs in its own task, started before any of them finishes", async () => {
    const g = gate();
    const started: number[] = [];
    const p = probe(
      all<number>(
        background(),
        ...[0, 1, 2].map((i) => async () => {
          started.push(i);
          await g.promise;
          return i;
        }),
      ),
    );
    await settle();
    assert.deepEqual(started, [0, 1, 2]);
    assert.equal(p.pending, true);
    g.open();
    await settle();
    assert.deepEqual(p.value, [0, 1, 2]);
  });

  test("a function that is not a function, or a ctx that is not a context, is rejected", async () => {
    await assert.rejects(allSettled(background(), 1 as unknown as () => number), TypeError);
    await assert.rejects(
      all({} as Context, () => 1),
      TypeError,
    );
  });
});
