// mapReduce with an explicit initial value (the lesson's reduce returns nil for an empty stream).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, Chan, sleep, withCancel } from "../../src/index.js";
import { fromIterable, mapReduce } from "../../src/patterns/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { settle, tasks } from "./helpers.js";

leakCheck();

describe("mapReduce", { timeout: 10_000 }, () => {
  test("the lesson's program: 1..5, map ×10, reduce + → 150", async () => {
    const t = tasks();
    const ctx = background();
    const sum = await mapReduce(
      ctx,
      fromIterable(ctx, [1, 2, 3, 4, 5]),
      (v) => v * 10,
      (r, v) => r + v,
      0,
    );
    assert.equal(sum, 150);
    await t.check();
  });

  test("bug absent: an empty stream reduces to the initial value, not undefined", async () => {
    const empty = new Chan<number>();
    empty.close();
    assert.equal(
      await mapReduce(
        null,
        empty,
        (v) => v,
        (r, v) => r + v,
        0,
      ),
      0,
    );
    const none = new Chan<number>();
    none.close();
    assert.deepEqual(
      await mapReduce(
        null,
        none,
        (v) => v,
        (r: number[], v) => [...r, v],
        [],
      ),
      [],
    );
  });

  test("starts no task", async () => {
    const t = tasks();
    const input = new Chan<number>(3);
    for (const v of [1, 2, 3]) input.trySend(v);
    input.close();
    assert.equal(await mapReduce(null, input, String, (r, s) => r + s, ">"), ">123");
    await t.check();
  });

  test("async mapper and reducer; concurrency keeps the reduction in input order", () =>
    synctest(async (bubble) => {
      const t = tasks();
      let running = 0;
      let peak = 0;
      const finished: string[] = [];
      const out = await mapReduce(
        null,
        fromIterable(null, [5, 1, 4, 2, 3, 0]),
        async (v) => {
          running++;
          peak = Math.max(peak, running);
          await sleep(v * 1000); // virtual time: the mappers finish out of input order
          finished.push(`${v}@${bubble.elapsed()}`);
          running--;
          return String(v);
        },
        async (r, s, i) => `${r}${s}${i}`,
        "",
        { concurrency: 3 },
      );
      assert.equal(out, "501142233405");
      assert.equal(peak, 3);
      assert.equal(finished[0], "1@1000", "the mappers finished out of input order");
      assert.equal(finished.length, 6);
      await t.check();
    }));

  test("cancel rejects with the ctx's error", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>();
    const p = mapReduce(
      ctx,
      input,
      (v) => v,
      (r, v) => r + v,
      0,
    );
    await input.send(1);
    cancel();
    await assert.rejects(p, (e) => e === Canceled);
    await t.check();
  });

  test("a done channel or an AbortSignal as ctx", async () => {
    const done = new Chan<void>();
    const p1 = mapReduce(
      done,
      new Chan<number>(),
      (v) => v,
      (r, v) => r + v,
      0,
    );
    done.close();
    await assert.rejects(p1, Canceled);
    const ac = new AbortController();
    const p2 = mapReduce(
      ac.signal,
      new Chan<number>(),
      (v) => v,
      (r, v) => r + v,
      0,
    );
    const why = new Error("stop");
    ac.abort(why);
    await assert.rejects(p2, (e) => e === why);
  });

  test("a throwing mapper or reducer rejects; pending mapper results are not unhandled", async () => {
    // mapReduce stops reading when it fails: the caller owns the input and cancels its producer.
    const [src, stopSrc] = withCancel(background());
    await assert.rejects(
      mapReduce(
        null,
        fromIterable(src, [1, 2]),
        (v) => {
          if (v === 2) throw new Error("map failed");
          return v;
        },
        (r, v) => r + v,
        0,
      ),
      /map failed/,
    );
    await assert.rejects(
      mapReduce(
        null,
        fromIterable(src, [1, 2]),
        (v) => v,
        () => {
          throw new Error("reduce failed");
        },
        0,
      ),
      /reduce failed/,
    );
    stopSrc();
    await synctest(async () => {
      const [ctx, cancel] = withCancel(background());
      await assert.rejects(
        mapReduce(
          ctx,
          fromIterable(ctx, [1, 2, 3, 4]),
          async (v) => {
            if (v === 1) throw new Error("first");
            await sleep(1);
            if (v === 3) throw new Error("pending one fails too");
            return v;
          },
          (r, v) => r + v,
          0,
          { concurrency: 4 },
        ),
        /first/,
      );
      cancel();
      await sleep(5); // virtual time: the pending mappers finish meanwhile, one of them failing
    });
    await settle();
  });

  test("bad arguments reject at once (.catch sees them), before anything runs", async () => {
    await assert.rejects(
      mapReduce(
        null,
        [] as unknown as Chan<number>,
        (v) => v,
        (r, v) => r + v,
        0,
      ),
      /input must be a Chan/,
    );
    const input = new Chan<number>(1);
    input.trySend(1);
    await assert.rejects(
      mapReduce(
        null,
        input,
        (v) => v,
        (r, v) => r + v,
        0,
        { concurrency: 0 },
      ),
      /concurrency must be an integer >= 1/,
    );
    assert.equal(input.length, 1, "nothing was taken from the input");
    const caught = await mapReduce(null, input, (v) => v, 3 as unknown as () => number, 0).catch(
      (e: unknown) => e,
    );
    assert.ok(caught instanceof TypeError && /reducer/.test(caught.message));
    await assert.rejects(
      mapReduce(
        {} as AbortSignal,
        input,
        (v) => v,
        (r, v) => r + v,
        0,
      ),
      TypeError,
    );
  });
});
