// Streams (Go 并发编程实战课 lesson 14, "Stream"): the generator stage fromIterable / generate (the lesson's
// asStream), and the operators take, takeWhile, skip, skipWhile, filter, map — each honours its ctx
// and closes its output. Tests whose functions sleep run in a synctest bubble (virtual time: the
// sleeps take no real time, and what a test sees between them does not depend on machine speed).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Chan, go, sleep, withCancel } from "../../src/index.js";
import { waitingReceivers } from "../../src/internal/introspect.js";
import {
  filter,
  fromIterable,
  generate,
  map,
  skip,
  skipWhile,
  take,
  takeWhile,
} from "../../src/patterns/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { catchPanics, collect, isFinished, liveTasks, settle, tasks } from "./helpers.js";

leakCheck();

describe("fromIterable", { timeout: 10_000 }, () => {
  test("arrays, sets, generators and async generators, in order", () =>
    synctest(async () => {
      const t = tasks();
      function* gen(): Generator<number> {
        yield 1;
        yield 2;
      }
      async function* agen(): AsyncGenerator<string> {
        yield "a";
        await sleep(1);
        yield "b";
      }
      assert.deepEqual(await collect(fromIterable(null, [1, 2, 3])), [1, 2, 3]);
      assert.deepEqual(await collect(fromIterable(null, new Set(["x", "y"]))), ["x", "y"]);
      assert.deepEqual(await collect(fromIterable(null, gen())), [1, 2]);
      assert.deepEqual(await collect(fromIterable(null, agen())), ["a", "b"]);
      assert.deepEqual(await collect(fromIterable(null, [])), []);
      await t.check();
    }));

  test("another channel is an async iterable too", async () => {
    const t = tasks();
    assert.deepEqual(await collect(fromIterable(null, fromIterable(null, [1, 2]))), [1, 2]);
    await t.check();
  });

  test("cancel stops a generator and runs its finally", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    let cleaned = false;
    function* naturals(): Generator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        cleaned = true;
      }
    }
    const out = fromIterable(ctx, naturals());
    assert.equal(await out.recv(), 0);
    assert.equal(await out.recv(), 1);
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
    assert.ok(cleaned);
  });

  test("cancel while an async iterator's next() never settles: the task ends, return() is called", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    let returned = false;
    const stuck: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>(() => {}),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const out = fromIterable(ctx, stuck);
    await settle();
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
    assert.ok(returned);
  });

  test("an iterator rejecting after cancel is not an unhandled rejection", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    let fail: (e: Error) => void = () => {};
    const it: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<number>>((_, reject) => {
            fail = reject;
          }),
      }),
    };
    const out = fromIterable(ctx, it);
    await settle();
    cancel();
    await collect(out);
    fail(new Error("late"));
    await t.check();
  });

  test("an iterable that throws: a panic, the output is closed first", async () => {
    const panics = catchPanics();
    const t = tasks();
    function* bad(): Generator<number> {
      yield 1;
      throw new Error("broken source");
    }
    assert.deepEqual(await collect(fromIterable(null, bad())), [1]);
    await t.check();
    assert.equal(panics.length, 1);
    assert.match(String(panics[0]), /broken source/);
  });

  test("generate is fromIterable; bad sources are rejected", () => {
    assert.equal(generate, fromIterable);
    assert.throws(() => fromIterable(null, 5 as unknown as number[]), /Iterable/);
    assert.throws(() => fromIterable(null, null as unknown as number[]), TypeError);
  });

  test("an unbuffered output: values are produced only as they are received", async () => {
    let produced = 0;
    function* counting(): Generator<number> {
      for (let i = 0; i < 5; i++) {
        produced++;
        yield i;
      }
    }
    const [ctx, cancel] = withCancel(background());
    const out: Chan<number> = fromIterable(ctx, counting());
    await settle();
    assert.equal(produced, 1);
    await out.recv();
    await settle();
    assert.equal(produced, 2);
    cancel();
  });
});

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const src = (n: number): Chan<number> => fromIterable(null, range(n));

describe("take", { timeout: 10_000 }, () => {
  test("the first n values, then closes and stops reading", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = fromIterable(ctx, range(10));
    assert.deepEqual(await collect(take(ctx, input, 3)), [0, 1, 2]);
    assert.equal(await input.recv(), 3, "take read past n");
    cancel();
    await t.check();
  });

  test("bug absent: an input closing early ends the output — no zero values are emitted", async () => {
    const t = tasks();
    const input = new Chan<number>(2);
    input.trySend(1);
    input.trySend(2);
    input.close();
    assert.deepEqual(await collect(take(null, input, 5)), [1, 2]);
    await t.check();
  });

  test("bug absent: cancel while waiting on an input that never produces ends the task", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>();
    const out = take(ctx, input, 3);
    await settle();
    cancel();
    assert.deepEqual(await out.recvOk(), [undefined, false]);
    await t.check();
    assert.equal(waitingReceivers(input), 0);
  });

  test("take 0: closed without reading", async () => {
    const t = tasks();
    const input = new Chan<number>(1);
    input.trySend(1);
    assert.deepEqual(await collect(take(null, input, 0)), []);
    assert.equal(input.length, 1);
    await t.check();
  });

  test("rejects a bad n", () => {
    assert.throws(() => take(null, new Chan<number>(), -1), /n must be an integer >= 0/);
    assert.throws(() => take(null, new Chan<number>(), 1.5), RangeError);
  });
});

describe("takeWhile / skip / skipWhile / filter", { timeout: 10_000 }, () => {
  test("takeWhile: the leading values that pass; the failing one is dropped and reading stops", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = fromIterable(ctx, [1, 2, 5, 1, 2]);
    const seen: number[] = [];
    const out = takeWhile(ctx, input, (v, i) => {
      seen.push(i);
      return v < 3;
    });
    assert.deepEqual(await collect(out), [1, 2]);
    assert.deepEqual(seen, [0, 1, 2]);
    assert.equal(await input.recv(), 1);
    cancel();
    await t.check();
  });

  test("skip: drops the first n", async () => {
    const t = tasks();
    assert.deepEqual(await collect(skip(null, src(6), 4)), [4, 5]);
    assert.deepEqual(await collect(skip(null, src(3), 5)), []);
    assert.deepEqual(await collect(skip(null, src(3), 0)), [0, 1, 2]);
    await t.check();
  });

  test("skipWhile: from the first failing value on, everything (pred no longer called)", async () => {
    const t = tasks();
    let calls = 0;
    const out = skipWhile(null, fromIterable(null, [1, 2, 5, 1, 2]), (v) => {
      calls++;
      return v < 3;
    });
    assert.deepEqual(await collect(out), [5, 1, 2]);
    assert.equal(calls, 3);
    await t.check();
  });

  test("filter: keeps order; async predicates; the lesson's skipFn is the negation", () =>
    synctest(async () => {
      const t = tasks();
      assert.deepEqual(await collect(filter(null, src(10), (v) => v % 3 === 0)), [0, 3, 6, 9]);
      assert.deepEqual(
        await collect(
          filter(null, src(10), async (v) => {
            await sleep(v % 2);
            return v % 3 !== 0;
          }),
        ),
        [1, 2, 4, 5, 7, 8],
      );
      await t.check();
    }));

  test("filter with a type guard narrows the output", async () => {
    const mixed = fromIterable<string | number>(null, [1, "a", 2, "b"]);
    const strings: Chan<string> = filter(null, mixed, (x): x is string => typeof x === "string");
    assert.deepEqual(await collect(strings), ["a", "b"]);
  });

  test("async predicates: takeWhile and skipWhile", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    assert.deepEqual(
      await collect(takeWhile(ctx, fromIterable(ctx, range(10)), async (v) => v < 4)),
      [0, 1, 2, 3],
    );
    assert.deepEqual(await collect(skipWhile(null, src(10), async (v) => v < 7)), [7, 8, 9]);
    cancel(); // releases the source takeWhile stopped reading
    await t.check();
  });

  test("each ends on cancel with an input that never closes", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const inputs = range(5).map(() => new Chan<number>());
    const outs = [
      takeWhile(ctx, inputs[0] as Chan<number>, () => true),
      skip(ctx, inputs[1] as Chan<number>, 1),
      skipWhile(ctx, inputs[2] as Chan<number>, () => false),
      filter(ctx, inputs[3] as Chan<number>, () => true),
      map(ctx, inputs[4] as Chan<number>, (v) => v),
    ];
    await settle();
    cancel();
    await t.check();
    for (const o of outs) assert.ok(isFinished(o));
    for (const i of inputs) assert.equal(waitingReceivers(i), 0);
  });

  test("rejects bad predicates", () => {
    const c = new Chan<number>();
    assert.throws(() => filter(null, c, 3 as unknown as () => boolean), /pred must be a function/);
    assert.throws(() => takeWhile(null, c, null as unknown as () => boolean), TypeError);
    assert.throws(() => skipWhile(null, c, "x" as unknown as () => boolean), TypeError);
  });
});

describe("map", { timeout: 10_000 }, () => {
  test("sync and async fns, in order, with the index", () =>
    synctest(async () => {
      const t = tasks();
      assert.deepEqual(await collect(map(null, src(5), (v, i) => `${v}@${i}`)), [
        "0@0",
        "1@1",
        "2@2",
        "3@3",
        "4@4",
      ]);
      assert.deepEqual(
        await collect(
          map(null, src(5), async (v) => {
            await sleep(5 - v);
            return v * 10;
          }),
        ),
        [0, 10, 20, 30, 40],
      );
      await t.check();
    }));

  test("concurrency: n workers at once, every value once; closes after the last worker", () =>
    synctest(async () => {
      const t = tasks();
      let running = 0;
      let peak = 0;
      const out = map(
        null,
        src(40),
        async (v) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(1);
          running--;
          return v;
        },
        { concurrency: 4 },
      );
      const got = await collect(out);
      assert.deepEqual(
        got.sort((a, b) => a - b),
        range(40),
      );
      assert.equal(peak, 4);
      await t.check();
    }));

  test("a call in progress at cancel is awaited (the output closes after it); its result is dropped", () =>
    synctest(async () => {
      const t = tasks();
      const [ctx, cancel] = withCancel(background());
      let finished = false;
      const out = map(ctx, fromIterable(ctx, range(3)), async (v) => {
        await sleep(20);
        finished = true;
        return v;
      });
      await settle(1);
      cancel();
      await settle();
      assert.equal(liveTasks(), t.started + 1, "the map task should still be awaiting fn");
      assert.equal(out.closed, false);
      assert.deepEqual(await collect(out), []);
      assert.ok(finished);
      await t.check();
    }));

  test("fn throwing is a panic (as in Go); the output still closes", async () => {
    const panics = catchPanics();
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const out = map(ctx, fromIterable(ctx, range(5)), (v) => {
      if (v === 2) throw new Error("boom");
      return v;
    });
    assert.deepEqual(await collect(out), [0, 1]);
    cancel();
    await t.check();
    assert.equal(panics.length, 1);
    assert.match(String(panics[0]), /boom/);
  });

  test("with several workers a panicking one does not close the output under the others", async () => {
    const panics = catchPanics();
    const t = tasks();
    const input = new Chan<number>();
    const out = map(
      null,
      input,
      (v) => {
        if (v === 0) throw new Error("first");
        return v;
      },
      { concurrency: 3 },
    );
    go(async () => {
      for (const v of range(6)) await input.send(v);
      input.close();
    });
    assert.deepEqual(await collect(out), [1, 2, 3, 4, 5]);
    await t.check();
    assert.equal(panics.length, 1);
  });

  test("rejects bad options", () => {
    assert.throws(
      () => map(null, new Chan<number>(), (v) => v, { concurrency: 0 }),
      /concurrency must be an integer >= 1/,
    );
  });
});
