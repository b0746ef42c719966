// Go 并发编程实战课 lesson 14's programs and its buggy sample implementations. Each bug is first shown on a
// faithful port of the lesson's code (so these tests can tell the bug from its absence), then shown
// absent from gosync's pattern.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Chan,
  ChanClosedError,
  type Context,
  go,
  recv,
  select,
  send,
  sleep,
  withCancel,
} from "../../src/index.js";
import { broadcast, fromIterable, map, mapReduce, or, take } from "../../src/patterns/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { catchPanics, collect, liveTasks, settle, tasks } from "./helpers.js";

leakCheck();

// ---- the lesson's code, ported as is ---------------------------------------------------------------

/** The lesson's recursive `or`. */
function naiveOr(...channels: Chan<unknown>[]): Chan<unknown> | null {
  if (channels.length === 0) return null;
  if (channels.length === 1) return channels[0] as Chan<unknown>;
  const orDone = new Chan<unknown>();
  go(async () => {
    try {
      if (channels.length === 2) {
        await select(
          recv(channels[0] as Chan<unknown>, () => {}),
          recv(channels[1] as Chan<unknown>, () => {}),
        );
      } else {
        const m = Math.floor(channels.length / 2);
        await select(
          recv(naiveOr(...channels.slice(0, m)), () => {}),
          recv(naiveOr(...channels.slice(m)), () => {}),
        );
      }
    } finally {
      orDone.close();
    }
  });
  return orDone;
}

/** The lesson's fanOut (async mode: a goroutine per send; outputs closed when the input ends). */
function naiveFanOut<T>(ch: Chan<T>, out: Chan<T>[], async: boolean): void {
  go(async () => {
    try {
      for await (const v of ch) {
        for (const o of out) {
          if (async) go(() => o.send(v));
          else await o.send(v);
        }
      }
    } finally {
      for (const o of out) o.close();
    }
  });
}

/** The lesson's takeN: `case takeStream <- <-valueStream:` receives before the select. */
function naiveTakeN<T>(done: Chan<void>, valueStream: Chan<T>, num: number): Chan<T | undefined> {
  const takeStream = new Chan<T | undefined>();
  go(async () => {
    try {
      for (let i = 0; i < num; i++) {
        const v = await valueStream.recv(); // evaluated first, outside the select
        const stop = await select(
          recv(done, () => true),
          send(takeStream, v, () => false),
        );
        if (stop) return;
      }
    } finally {
      takeStream.close();
    }
  });
  return takeStream;
}

/** The lesson's reduce: starts from the first element. */
async function naiveReduce<T>(input: Chan<T>, fn: (r: T, v: T) => T): Promise<T | undefined> {
  let out: T | undefined = await input.recv();
  for await (const v of input) out = fn(out as T, v);
  return out;
}

/** The lesson's sig(after): a channel closed after `ms` (here cancellable, so the test can clean up). */
function sig(ms: number, ctx: Context, fired: number[]): Chan<void> {
  const c = new Chan<void>();
  go(async () => {
    try {
      await sleep(ms, ctx);
      fired.push(ms);
    } catch {
      // cancelled by the test's cleanup
    } finally {
      c.close();
    }
  });
  return c;
}

// ---- the programs ---------------------------------------------------------------------------------

describe("Go 并发编程实战课 lesson 14 programs", { timeout: 10_000 }, () => {
  test("map-reduce: asStream(1..5), map ×10, reduce + → 150", async () => {
    const t = tasks();
    const ctx = background();
    const sum = await mapReduce(
      ctx,
      map(ctx, fromIterable(ctx, [1, 2, 3, 4, 5]), (v) => v * 10),
      (v) => v,
      (r, v) => r + v,
      0,
    );
    assert.equal(`${sum}`, "150");
    await t.check();
  });

  test("or-done: `done after 10 s` — the earliest of sig(10 s), …, sig(1 min), in virtual time", () =>
    synctest(async (bubble) => {
      const t = tasks();
      const [ctx, cancel] = withCancel(background());
      const fired: number[] = [];
      // The lesson's 10 s, 20 s, …, 60 s, in a synctest bubble: they take no real time.
      const o = or(...[10, 20, 30, 40, 50, 60].map((s) => sig(s * 1000, ctx, fired)));
      await o.recv();
      assert.equal(bubble.elapsed(), 10_000, "done after 10 s");
      assert.deepEqual(fired, [10_000]);
      cancel(); // ends the remaining sig tasks
      await t.check();
      assert.deepEqual(fired, [10_000], "a later signal fired too");
    }));
});

// ---- the bugs -------------------------------------------------------------------------------------

describe("known bugs", { timeout: 10_000 }, () => {
  test("recursive or leaks tasks — the lesson's does, gosync's or does not", async () => {
    const t = tasks();
    const sigs = Array.from({ length: 16 }, () => new Chan<void>());
    const o = naiveOr(...sigs) as Chan<unknown>;
    (sigs[0] as Chan<void>).close();
    await o.recv();
    await settle();
    const leaked = liveTasks() - t.started;
    assert.ok(leaked >= 7, `the lesson's or should leak tasks, leaked ${leaked}`);
    for (const s of sigs.slice(1)) s.close(); // release them
    await t.check();

    const sigs2 = Array.from({ length: 16 }, () => new Chan<void>());
    const o2 = or(...sigs2);
    (sigs2[0] as Chan<void>).close();
    await o2.recv();
    await t.check("gosync's or left tasks running");
  });

  test("async fan-out sends on a closed channel — the lesson's does, gosync's broadcast does not", async () => {
    const panics = catchPanics();
    const t = tasks();
    const outs = [new Chan<number>(), new Chan<number>()];
    naiveFanOut(fromIterable(null, [1, 2, 3]), outs, true);
    await settle();
    assert.ok(panics.length > 0 && panics.every((e) => e instanceof ChanClosedError));
    assert.match(String(panics[0]), /send on closed channel/);
    await t.check();

    panics.length = 0;
    const outs2 = [new Chan<number>(), new Chan<number>()];
    broadcast(null, fromIterable(null, [1, 2, 3]), outs2, { mode: "buffered" });
    await settle();
    assert.deepEqual(await Promise.all(outs2.map(collect)), [
      [1, 2, 3],
      [1, 2, 3],
    ]);
    await t.check();
    assert.deepEqual(panics, []);
  });

  test("takeN emits zero values and ignores done — the lesson's does, gosync's take does not", async () => {
    const t = tasks();
    const short = new Chan<number>(2);
    short.trySend(1);
    short.trySend(2);
    short.close();
    assert.deepEqual(await collect(naiveTakeN(new Chan<void>(), short, 4)), [1, 2, undefined, undefined]);

    const done = new Chan<void>();
    const never = new Chan<number>();
    naiveTakeN(done, never, 3);
    await settle();
    done.close();
    await settle();
    assert.equal(liveTasks(), t.started + 1, "the lesson's takeN should still be blocked on the input");
    never.close(); // release it
    await t.check();

    const short2 = new Chan<number>(2);
    short2.trySend(1);
    short2.trySend(2);
    short2.close();
    assert.deepEqual(await collect(take(null, short2, 4)), [1, 2]);
    const done2 = new Chan<void>();
    const out = take(done2, new Chan<number>(), 3);
    await settle();
    done2.close();
    assert.deepEqual(await collect(out), []);
    await t.check();
  });

  test("reduce of an empty stream returns nil — the lesson's does, gosync's mapReduce returns the initial value", async () => {
    const empty = (): Chan<number> => {
      const c = new Chan<number>();
      c.close();
      return c;
    };
    assert.equal(await naiveReduce(empty(), (r, v) => r + v), undefined);
    assert.equal(
      await mapReduce(
        null,
        empty(),
        (v) => v,
        (r, v) => r + v,
        0,
      ),
      0,
    );
  });
});
