// The README's channel-pattern examples, made self-contained, do what the README says they do
// (the values in its comments), and leave no task behind.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  after,
  background,
  bridge,
  broadcast,
  Chan,
  fromIterable,
  go,
  map,
  mapReduce,
  merge,
  or,
  orDone,
  PubSub,
  pipeline,
  rateLimit,
  stage,
  tee,
  WaitGroup,
  withCancel,
} from "../src/index.js";
import { leakCheck } from "../src/testing/index.js";

leakCheck();

const T = { timeout: 20_000 };

async function all<V>(ch: Chan<V>): Promise<V[]> {
  const out: V[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

test("or-done: the loop ends when the context is cancelled, though the channel never closes", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const events = new Chan<string>(); // never closed
  go(async () => {
    await events.send("a");
    await events.send("b", ctx).catch(() => {}); // blocked until the cancel
  });
  const seen: string[] = [];
  for await (const e of orDone(ctx, events)) {
    seen.push(e);
    cancel(); // the loop ends now, though no one closes `events`
  }
  assert.deepEqual(seen, ["a"]);
  // or(): the first of several signals; the others never fire.
  const [userCtx, cancelUser] = withCancel(background());
  const [shutdownCtx, cancelShutdown] = withCancel(background());
  go(() => cancelShutdown());
  await or(userCtx, shutdownCtx, after(60_000)).recv();
  assert.equal(userCtx.err(), null);
  cancelUser();
});

test("fan-in: every value, each input's in order", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const got = await all(merge(ctx, fromIterable(ctx, [1, 2]), fromIterable(ctx, [3, 4])));
  assert.deepEqual([...got].sort(), [1, 2, 3, 4]);
  assert.ok(got.indexOf(1) < got.indexOf(2) && got.indexOf(3) < got.indexOf(4));
  cancel();
});

test("fan-out: 3 workers square every job; broadcast copies every value to every output", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const squares = map(ctx, fromIterable(ctx, [1, 2, 3, 4, 5, 6]), async (n) => n * n, { concurrency: 3 });
  assert.deepEqual(
    (await all(squares)).sort((a, b) => a - b),
    [1, 4, 9, 16, 25, 36],
  );
  const [log, store] = broadcast(ctx, fromIterable(ctx, ["e1", "e2"]), [
    new Chan<string>(),
    new Chan<string>(),
  ]);
  const logged: string[] = [];
  const wg = new WaitGroup();
  wg.go(async () => {
    for await (const e of log) logged.push(e);
  });
  assert.deepEqual(await all(store), ["e1", "e2"]);
  await wg.wait();
  assert.deepEqual(logged, ["e1", "e2"]);
  cancel();
});

test("tee: both outputs get every value, in order", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const [toLog, toWork] = tee(ctx, fromIterable(ctx, [1, 2, 3]));
  const logged: number[] = [];
  const wg = new WaitGroup();
  wg.go(async () => {
    for await (const r of toLog) logged.push(r);
  });
  assert.deepEqual(await all(toWork), [1, 2, 3]);
  await wg.wait();
  assert.deepEqual(logged, [1, 2, 3]);
  cancel();
});

test("bridge: each inner channel drained in turn", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const pages = new Chan<Chan<string>>();
  go(async () => {
    for (const page of [1, 2, 3]) await pages.send(fromIterable(ctx, [`${page}a`, `${page}b`]));
    pages.close();
  });
  assert.deepEqual(await all(bridge(ctx, pages)), ["1a", "1b", "2a", "2b", "3a", "3b"]);
  cancel();
});

test("pipeline: squares of 1..8, odd ones, first three: 1 9 25", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const out = pipeline(
    ctx,
    [1, 2, 3, 4, 5, 6, 7, 8],
    stage.map((n: number) => n * n),
    stage.filter((n: number) => n % 2 === 1),
    stage.take(3),
  );
  assert.deepEqual(await all(out), [1, 9, 25]);
  cancel();
});

test("pub/sub: the subscriber of a topic gets what is published to it", T, async () => {
  const bus = new PubSub<{ joined: string; message: { from: string; text: string } }>();
  using sub = bus.subscribe("message", { buffer: 32, policy: "drop-oldest" });
  await bus.publish("message", { from: "ann", text: "hi" });
  assert.equal((await sub.recv())?.text, "hi");
  bus.close();
});

test("map-reduce: 1..5 times 10, summed: 150", T, async () => {
  const [ctx, cancel] = withCancel(background());
  const sum = await mapReduce(
    ctx,
    fromIterable(ctx, [1, 2, 3, 4, 5]),
    (n) => n * 10,
    (a, n) => a + n,
    0,
  );
  assert.equal(sum, 150);
  cancel();
});

test("rate limit: every value passes, in order", T, async () => {
  const [ctx, cancel] = withCancel(background());
  assert.deepEqual(
    await all(rateLimit(ctx, fromIterable(ctx, [1, 2, 3, 4, 5]), 1, { burst: 3 })),
    [1, 2, 3, 4, 5],
  );
  cancel();
});
