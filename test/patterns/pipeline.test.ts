// pipeline(ctx, source, ...stages) and the `stage` helpers.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, type Chan, withCancel } from "../../src/index.js";
import { fromIterable, map, merge, pipeline, type Stage, stage } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { collect, isFinished, liveTasks, settle, tasks } from "./helpers.js";

leakCheck();

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("pipeline", { timeout: 10_000 }, () => {
  test("stages in order, from an iterable source", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const out = pipeline(
      ctx,
      range(20),
      stage.map((n: number) => n * n),
      stage.filter((n: number) => n % 2 === 1),
      stage.take(3),
    );
    assert.deepEqual(await collect(out), [1, 9, 25]);
    cancel(); // take stopped reading: cancelling releases the stages upstream
    await t.check();
  });

  test("element types change along the way", async () => {
    const t = tasks();
    const toStr: Stage<number, string> = (ctx, input) => map(ctx, input, (n) => `#${n}`);
    const len: Stage<string, number> = (ctx, input) => map(ctx, input, (s) => s.length);
    const out: Chan<number> = pipeline(null, [5, 50, 500], toStr, len);
    assert.deepEqual(await collect(out), [2, 3, 4]);
    await t.check();
  });

  test("no stage: the source as a channel; a channel source is used as is", async () => {
    const src = fromIterable(null, [1, 2]);
    assert.equal(pipeline(null, src), src);
    assert.deepEqual(await collect(src), [1, 2]);
    assert.deepEqual(await collect(pipeline(null, new Set([3, 4]))), [3, 4]);
  });

  test("many stages of one type", async () => {
    const t = tasks();
    const stages = range(12).map(() => stage.map((n: number) => n + 1));
    assert.deepEqual(await collect(pipeline(null, [0, 10], ...stages)), [12, 22]);
    await t.check();
  });

  test("every stage helper", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const out = pipeline(
      ctx,
      range(30),
      stage.orDone(),
      stage.skip(2),
      stage.skipWhile((n: number) => n < 5),
      stage.takeWhile((n: number) => n < 25),
      stage.map(async (n: number) => n * 2, { concurrency: 1 }),
      stage.filter((n: number) => n % 3 === 0),
    );
    assert.deepEqual(await collect(out), [12, 18, 24, 30, 36, 42, 48]);
    cancel(); // takeWhile stopped reading: cancelling releases the stages upstream
    await t.check();
  });

  test("cancel mid-stream ends every stage's task and closes the output", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    function* naturals(): Generator<number> {
      for (let i = 0; ; i++) yield i;
    }
    const out = pipeline(
      ctx,
      naturals(),
      stage.map((n: number) => n * 3),
      stage.filter((n: number) => n % 2 === 0),
      stage.map(async (n: number) => n + 1),
    );
    assert.deepEqual([await out.recv(), await out.recv(), await out.recv()], [1, 7, 13]);
    await settle();
    assert.equal(liveTasks(), t.started + 4);
    cancel();
    await t.check();
    assert.ok(isFinished(out));
  });

  test("the Go blog's pipeline: gen → fan out to two sq workers → merge → sum", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const nums = fromIterable(ctx, range(100));
    const sq = (input: Chan<number>): Chan<number> => map(ctx, input, (n) => n * n);
    const got = await collect(merge(ctx, sq(nums), sq(nums)));
    assert.equal(
      got.reduce((a, b) => a + b, 0),
      range(100).reduce((a, n) => a + n * n, 0),
    );
    assert.equal(got.length, 100);
    cancel();
    await t.check();
  });

  test("rejects bad stages", () => {
    assert.throws(
      () => pipeline(null, [1], 3 as unknown as Stage<number, number>),
      /stages\[0\] must be a function/,
    );
    // What a stage returns is seen only once the source (and the stages before) have started:
    // pipeline throws then without stopping them, so the caller's ctx has to.
    const [ctx, cancel] = withCancel(background());
    assert.throws(
      () => pipeline(ctx, [1], () => [] as unknown as Chan<number>),
      /stages\[0\] must return a Chan/,
    );
    cancel();
  });
});
