// Topic / PubSub: per-subscriber buffers and a drop policy for slow subscribers (gopl exercise 8.15).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, ChanClosedError, go, withCancel } from "../../src/index.js";
import { PubSub, Topic } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { catchPanics, collect, settle, tasks } from "./helpers.js";

leakCheck();

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

describe("Topic", { timeout: 10_000 }, () => {
  test("every subscriber gets every value, in order", async () => {
    const topic = new Topic<number>({ buffer: 10 });
    const a = topic.subscribe();
    const b = topic.subscribe({ policy: "block", buffer: 0 });
    const got = Promise.all([a, b].map(collect));
    for (const v of range(10)) await topic.publish(v);
    topic.close();
    const [ga, gb] = await got;
    assert.deepEqual(ga, range(10));
    assert.deepEqual(gb, range(10));
    assert.equal(a.dropped + b.dropped, 0);
  });

  test("drop-newest: a full buffer drops the new value (gopl's non-blocking send)", async () => {
    const topic = new Topic<number>();
    const sub = topic.subscribe({ buffer: 2, policy: "drop-newest" });
    for (const v of range(5)) await topic.publish(v);
    topic.close();
    assert.deepEqual(await collect(sub.c), [0, 1]);
    assert.equal(sub.dropped, 3);
  });

  test("drop-oldest: a full buffer drops its oldest value", async () => {
    const topic = new Topic<number>();
    const sub = topic.subscribe({ buffer: 2, policy: "drop-oldest" });
    for (const v of range(5)) await topic.publish(v);
    topic.close();
    assert.deepEqual(await collect(sub), [3, 4]);
    assert.equal(sub.dropped, 3);
  });

  test("block: publish waits for room (backpressure), nothing is dropped", async () => {
    const topic = new Topic<number>({ policy: "block", buffer: 1 });
    const sub = topic.subscribe();
    await topic.publish(0);
    let second = false;
    const p = topic.publish(1).then(() => {
      second = true;
    });
    await settle();
    assert.equal(second, false);
    assert.equal(await sub.recv(), 0);
    await p;
    assert.equal(await sub.recv(), 1);
    assert.equal(sub.dropped, 0);
  });

  test("gopl 8.15: a stalled subscriber neither blocks the publisher nor the others", async () => {
    const t = tasks();
    const chat = new Topic<string>();
    const stalled = chat.subscribe(); // never reads: buffer 16, drop-newest
    const active = chat.subscribe({ buffer: 0, policy: "block" });
    const got = collect(active);
    for (const i of range(100)) await chat.publish(`msg ${i}`);
    chat.close();
    assert.equal((await got).length, 100);
    assert.equal(stalled.dropped, 84);
    assert.deepEqual(
      await collect(stalled),
      range(16).map((i) => `msg ${i}`),
    );
    await t.check(); // and no task was ever started
  });

  test("concurrent publishes are delivered one at a time, in call order", async () => {
    const topic = new Topic<number>({ policy: "block", buffer: 0 });
    const sub = topic.subscribe();
    const pubs = range(20).map((v) => topic.publish(v));
    const got: number[] = [];
    for (let i = 0; i < 20; i++) got.push((await sub.recv()) as number);
    await Promise.all(pubs);
    assert.deepEqual(got, range(20));
  });

  test("unsubscribe: closes the channel (buffered values stay readable), later values do not reach it", async () => {
    const topic = new Topic<number>({ buffer: 4 });
    const sub = topic.subscribe();
    const other = topic.subscribe();
    await topic.publish(1);
    sub.unsubscribe();
    sub.unsubscribe(); // idempotent
    await topic.publish(2);
    assert.equal(topic.size, 1);
    assert.ok(sub.closed);
    assert.deepEqual(await collect(sub), [1]);
    topic.close();
    assert.deepEqual(await collect(other), [1, 2]);
  });

  test("unsubscribing (or closing) while a publish is blocked on that subscriber releases it; nothing panics", async () => {
    const panics = catchPanics();
    const topic = new Topic<number>({ policy: "block", buffer: 0 });
    const slow = topic.subscribe();
    const p = topic.publish(1);
    await settle();
    slow.unsubscribe();
    await p;
    const slow2 = topic.subscribe();
    const p2 = topic.publish(2);
    await settle();
    topic.close();
    await p2;
    assert.ok(slow2.closed);
    await settle();
    assert.deepEqual(panics, []);
  });

  test("a subscriber's ctx unsubscribes it", async () => {
    const [ctx, cancel] = withCancel(background());
    const topic = new Topic<number>();
    const sub = topic.subscribe({ ctx });
    const ac = new AbortController();
    const sub2 = topic.subscribe({ ctx: ac.signal });
    assert.equal(topic.size, 2);
    cancel();
    ac.abort();
    assert.ok(sub.closed && sub2.closed);
    assert.equal(topic.size, 0);
    const [done, stop] = withCancel(background());
    stop();
    assert.ok(topic.subscribe({ ctx: done }).closed, "an already-cancelled ctx");
  });

  test("publish with a ctx: cancelled while blocked rejects; the next publish proceeds", async () => {
    const topic = new Topic<number>({ policy: "block", buffer: 0 });
    const sub = topic.subscribe();
    const [ctx, cancel] = withCancel(background());
    const p = topic.publish(1, ctx);
    await settle();
    cancel();
    await assert.rejects(p, (e) => e === Canceled);
    const p2 = topic.publish(2);
    assert.equal(await sub.recv(), 2);
    await p2;
    const [ctx2, cancel2] = withCancel(background());
    const blocker = topic.publish(3);
    const queued = topic.publish(4, ctx2); // waiting for its turn
    cancel2();
    await assert.rejects(queued, Canceled);
    assert.equal(await sub.recv(), 3);
    await blocker;
    await settle();
    assert.equal(sub.c.length, 0);
  });

  test("an already-cancelled ctx makes publish reject at once, even with room", async () => {
    const topic = new Topic<number>();
    const sub = topic.subscribe();
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(topic.publish(1, ctx), Canceled);
    const ac = new AbortController();
    const why = new Error("aborted");
    ac.abort(why);
    await assert.rejects(topic.publish(2, ac.signal), (e) => e === why);
    assert.equal(sub.c.length, 0);
  });

  test("close: subscriptions end, publish rejects, subscribe returns a closed subscription", async () => {
    const topic = new Topic<string>();
    const sub = topic.subscribe();
    topic.close();
    topic.close();
    assert.ok(topic.closed && sub.closed);
    await assert.rejects(
      topic.publish("x"),
      (e) => e instanceof ChanClosedError && e.message === "publish on closed topic",
    );
    const late = topic.subscribe();
    assert.ok(late.closed);
    assert.deepEqual(await collect(late), []);
  });

  test("using: a subscription is disposable", async () => {
    const topic = new Topic<number>();
    {
      using sub = topic.subscribe();
      assert.equal(topic.size, 1);
      assert.equal(sub.closed, false);
    }
    assert.equal(topic.size, 0);
  });

  test("a subscription channel closed by its owner is skipped, never sent on", async () => {
    const panics = catchPanics();
    const topic = new Topic<number>({ policy: "block", buffer: 0 });
    const sub = topic.subscribe();
    sub.c.close();
    await topic.publish(1);
    const sub2 = topic.subscribe();
    const p = topic.publish(2);
    await settle();
    sub2.c.close();
    await p;
    assert.deepEqual(panics, []);
  });

  test("a publish to a subscriber that receives while others are slow", async () => {
    const topic = new Topic<number>({ policy: "block", buffer: 0 });
    const a = topic.subscribe();
    const b = topic.subscribe();
    go(() => topic.publish(7));
    assert.equal(await b.recv(), 7); // a has not read yet
    assert.equal(await a.recv(), 7);
  });

  test("rejects bad options", () => {
    assert.throws(
      () => new Topic({ policy: "drop-oldest", buffer: 0 }),
      /buffer must be >= 1 for policy "drop-oldest"/,
    );
    assert.throws(() => new Topic({ policy: "newest" as "block" }), TypeError);
    assert.throws(() => new Topic().subscribe({ buffer: -1 }), RangeError);
    const topic = new Topic();
    assert.throws(() => topic.subscribe({ ctx: {} as AbortSignal }), TypeError);
    assert.equal(topic.size, 0, "a subscription with a bad ctx was kept");
  });
});

describe("PubSub", { timeout: 10_000 }, () => {
  test("typed named topics; each subscriber sees its topic only", async () => {
    const bus = new PubSub<{ joined: string; message: { from: string; text: string } }>();
    const joins = bus.subscribe("joined");
    const msgs = bus.subscribe("message", { buffer: 8, policy: "drop-oldest" });
    await bus.publish("joined", "ann");
    await bus.publish("message", { from: "ann", text: "hi" });
    assert.equal(await joins.recv(), "ann");
    assert.equal((await msgs.recv())?.text, "hi");
    assert.equal(bus.subscribers("message"), 1);
    assert.deepEqual(bus.topics.sort(), ["joined", "message"]);
    bus.close();
    assert.ok(joins.closed && msgs.closed);
    await assert.rejects(bus.publish("joined", "bob"), ChanClosedError);
    assert.ok(bus.subscribe("joined").closed);
  });

  test("a topic exists while it has subscribers; publishing to nobody keeps nothing", async () => {
    const bus = new PubSub<Record<string, number>>();
    await bus.publish("nobody", 1);
    assert.deepEqual(bus.topics, []);
    const s = bus.subscribe("t");
    assert.deepEqual(bus.topics, ["t"]);
    s.unsubscribe();
    assert.deepEqual(bus.topics, []);
    const s2 = bus.subscribe("t");
    await bus.publish("t", 5);
    assert.equal(await s2.recv(), 5);
  });

  test("rejects bad defaults", () => {
    assert.throws(() => new PubSub({ buffer: -2 }), RangeError);
  });
});
