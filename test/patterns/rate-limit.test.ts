// rateLimit: a Ticker-based token bucket over a stream. Time is a manual clock here (the gosync
// clock is replaced for the test), so the assertions are about which values have passed after a
// given amount of virtual time — never about real timing. (Not synctest: the tests also check which
// timers would keep the process alive, and a synctest bubble's virtual timers keep nothing alive.)
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { background, Chan, withCancel } from "../../src/index.js";
import { type Clock, setClock, type TimerHandle } from "../../src/internal/clock.js";
import { fromIterable, rateLimit } from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { collect, settle, tasks } from "./helpers.js";

leakCheck();

interface Entry {
  at: number;
  fn: () => void;
  /** Whether this timer alone would keep the process alive (Node's ref). */
  keep: boolean;
}

/** A clock that moves only when told to. */
class ManualClock implements Clock {
  t = 0;
  readonly timers = new Set<Entry>();
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    const e = { at: this.t + Math.max(ms, 0), fn, keep: true };
    this.timers.add(e);
    return e;
  }
  clearTimer(handle: TimerHandle): void {
    this.timers.delete(handle as Entry);
  }
  keepAlive(handle: TimerHandle, on: boolean): void {
    (handle as Entry).keep = on;
  }
  /** Moves time forward by `ms`, firing due timers in order and letting tasks run after each. */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      let next: Entry | null = null;
      for (const e of this.timers) if (e.at <= end && (next === null || e.at < next.at)) next = e;
      if (next === null) break;
      this.timers.delete(next);
      this.t = next.at;
      next.fn();
      await settle(2);
    }
    this.t = end;
    await settle(2);
  }
}

const clock = new ManualClock();
let prev: Clock;
before(() => {
  prev = setClock(clock);
});
after(() => {
  setClock(prev);
});

/** Receives whatever is available from `out` now, without waiting. */
function available<T>(out: Chan<T>): T[] {
  const got: T[] = [];
  for (let r = out.tryRecv(); r?.[1] === true; r = out.tryRecv()) got.push(r[0]);
  return got;
}

/** A consumer that keeps receiving into `got` (so an unbuffered output can hand values over). */
function consume<T>(out: Chan<T>): { got: T[]; done: Promise<void> } {
  const got: T[] = [];
  const done = (async () => {
    for await (const v of out) got.push(v);
  })();
  return { got, done };
}

describe("rateLimit", { timeout: 10_000 }, () => {
  test("burst 1: the first value at once, then one per period", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const c = consume(rateLimit(ctx, fromIterable(ctx, [1, 2, 3, 4]), 100));
    await settle();
    assert.deepEqual(c.got, [1]);
    await clock.advance(99);
    assert.deepEqual(c.got, [1]);
    await clock.advance(1);
    assert.deepEqual(c.got, [1, 2]);
    await clock.advance(100);
    assert.deepEqual(c.got, [1, 2, 3]);
    await clock.advance(100);
    await c.done; // the input closed: the output closes after its last value
    assert.deepEqual(c.got, [1, 2, 3, 4]);
    await t.check();
    assert.equal(clock.timers.size, 0, "the ticker was not stopped");
    cancel();
  });

  test("burst 3: three at once, then one per period; a quiet period refills at most `burst` tokens", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>(100);
    const c = consume(rateLimit(ctx, input, 10, { burst: 3 }));
    for (const v of [0, 1, 2, 3, 4]) input.trySend(v);
    await settle();
    assert.deepEqual(c.got, [0, 1, 2]);
    await clock.advance(10);
    assert.deepEqual(c.got, [0, 1, 2, 3]);
    await clock.advance(10);
    assert.deepEqual(c.got, [0, 1, 2, 3, 4]);
    await clock.advance(1000); // quiet: tokens refill to 3, no more
    for (const v of [5, 6, 7, 8, 9]) input.trySend(v);
    await settle();
    assert.deepEqual(c.got.slice(5), [5, 6, 7]);
    await clock.advance(10);
    assert.deepEqual(c.got.slice(5), [5, 6, 7, 8]);
    cancel();
    await c.done;
    await t.check();
    assert.equal(clock.timers.size, 0);
  });

  test("keeps order and loses nothing", async () => {
    const t = tasks();
    const n = 30;
    const c = consume(
      rateLimit(
        null,
        fromIterable(
          null,
          Array.from({ length: n }, (_, i) => i),
        ),
        5,
        { burst: 4 },
      ),
    );
    for (let i = 0; i < n && c.got.length < n; i++) await clock.advance(5);
    await c.done;
    assert.deepEqual(
      c.got,
      Array.from({ length: n }, (_, i) => i),
    );
    await t.check();
  });

  test("an idle limiter with a full bucket awaits no timer (it would keep the process alive)", async () => {
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>();
    const out = rateLimit(ctx, input, 50, { burst: 2 });
    await settle();
    await clock.advance(200);
    assert.deepEqual(available(out), []);
    assert.ok(clock.timers.size > 0, "the ticker runs");
    for (const e of clock.timers) assert.equal(e.keep, false, "a timer is kept alive while idle");
    const c = consume(out);
    await input.send(1);
    await input.send(2);
    await input.send(3); // the bucket is empty now: the limiter waits on the ticker
    await settle();
    assert.deepEqual(c.got, [1, 2]);
    assert.ok(
      [...clock.timers].some((e) => e.keep),
      "waiting for a token keeps the process alive",
    );
    cancel();
    await settle();
  });

  test("cancel ends both tasks, stops the ticker and closes the output", async () => {
    const t = tasks();
    const [ctx, cancel] = withCancel(background());
    const input = new Chan<number>(5);
    for (const v of [1, 2, 3]) input.trySend(v);
    const out = rateLimit(ctx, input, 100);
    assert.equal(await out.recv(), 1);
    await settle(); // waiting for a token to send 2
    cancel();
    assert.deepEqual(await collect(out), []);
    await t.check();
    assert.equal(clock.timers.size, 0);
  });

  test("rejects bad arguments", () => {
    const c = new Chan<number>();
    assert.throws(() => rateLimit(null, c, 0), /perMs must be a positive number/);
    assert.throws(() => rateLimit(null, c, Number.NaN), RangeError);
    assert.throws(() => rateLimit(null, c, 10, { burst: 0 }), /burst must be an integer >= 1/);
  });
});
