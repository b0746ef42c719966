// Timer and after(): Go's time.Timer / time.After with Go 1.23 semantics — after Stop or Reset
// returns, no value from before the call is received; Stop/Reset report whether the timer was
// active, and a timer that expired but whose value was never received still counts as active.
// Tests that wait for a timer run in a synctest bubble: virtual time, so they take no real time and
// timers fire at exact instants. Inside a bubble, a receiver that must stay blocked is a task of its
// own, as in Go's synctest tests: the test body can wait until it is blocked (synctest.wait) and
// check on it at exact virtual instants. The 2^31 ms test stays on the real clock: it checks
// how the real clock chains timers beyond setTimeout's range, which a virtual clock does not have.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { after, Chan, go, otherwise, recv, select, sleep, Ticker, Timer, tick } from "../../src/index.js";
import { leakCheck, synctest } from "../../src/testing/index.js";

leakCheck();

/**
 * Lets a 1 ms timer fire without receiving its value (virtual time). Its channel's length stays 0
 * (Go 1.23), so the test cannot look; `c` names the channel for the reader.
 */
async function untilFired(_c: Chan<Date>): Promise<void> {
  await sleep(2);
}

/** Receives one value from `c` in a task of its own; the value arrives on the returned channel. */
function recvInTask(c: Chan<Date>): Chan<Date | undefined> {
  const got = new Chan<Date | undefined>(1);
  go(async () => {
    await got.send(await c.recv());
  });
  return got;
}

describe("Go 1.23 synchronous timer channels", { timeout: 10_000 }, () => {
  test("a Timer's, an after()'s and a Ticker's channel have cap 0 and len 0, also with a value ready", () =>
    synctest(async () => {
      const t = new Timer(1);
      const a = after(1);
      const k = new Ticker(1);
      for (const c of [t.c, a, k.c]) assert.deepEqual([c.cap, c.length], [0, 0], "before firing");
      await sleep(5);
      for (const c of [t.c, a, k.c]) assert.deepEqual([c.cap, c.length], [0, 0], "fired, not received");
      for (const c of [t.c, a, k.c]) assert.ok(c.tryRecv()?.[0] instanceof Date, "the value is there");
      for (const c of [t.c, a, k.c]) assert.equal(c.tryRecv(), undefined, "one value, as Go's");
      k.stop();
    }));
});

describe("after", { timeout: 10_000 }, () => {
  test("delivers one Date, once: the time it fired", () =>
    synctest(async (bubble) => {
      const c = after(5);
      const v = await c.recv();
      assert.ok(v instanceof Date);
      assert.equal(v.getTime(), bubble.now().getTime(), "the time is taken when the timer fires");
      assert.equal(bubble.elapsed(), 5);
      await sleep(15);
      assert.equal(c.tryRecv(), undefined, "a second value");
      assert.equal(c.closed, false, "Go's After channel is never closed");
    }));

  test("zero and negative durations fire (as soon as possible)", () =>
    synctest(async (bubble) => {
      for (const ms of [0, -5]) {
        const v = await after(ms).recv();
        assert.ok(v instanceof Date);
      }
      assert.equal(bubble.elapsed(), 0);
    }));

  test("shorter timers fire first", () =>
    synctest(async () => {
      const order: string[] = [];
      await Promise.all([
        after(20)
          .recv()
          .then(() => order.push("20")),
        after(2)
          .recv()
          .then(() => order.push("2")),
      ]);
      assert.deepEqual(order, ["2", "20"]);
    }));

  test("works as a select timeout; the losing after is abandoned", () =>
    synctest(async (bubble) => {
      const ch = new Chan<string>(1);
      ch.trySend("value");
      assert.equal(
        await select(
          recv(ch, (v) => v),
          recv(after(60_000), () => "timeout"),
        ),
        "value",
      );
      const never = new Chan<string>();
      assert.equal(
        await select(
          recv(never, (v) => v),
          recv(after(5), () => "timeout"),
        ),
        "timeout",
      );
      assert.equal(bubble.elapsed(), 5, "the abandoned 60 s after() did not fire first");
    }));

  test("NaN or a non-number throws", () => {
    for (const bad of [Number.NaN, "5", undefined]) {
      assert.throws(
        () => after(bad as unknown as number),
        (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      );
    }
  });
});

describe("Timer", { timeout: 10_000 }, () => {
  test("fires once", () =>
    synctest(async (bubble) => {
      const t = new Timer(5);
      const v = await t.c.recv();
      assert.ok(v instanceof Date);
      assert.equal(bubble.elapsed(), 5);
      await sleep(15);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("does not fire early", () =>
    synctest(async () => {
      const t = new Timer(60_000);
      await sleep(59_999);
      assert.equal(t.c.tryRecv(), undefined, "fired 1 ms early");
      assert.equal(t.stop(), true);
    }));

  test("stop() before it fires returns true; it then never fires; stop() again returns false", () =>
    synctest(async () => {
      const t = new Timer(5);
      assert.equal(t.stop(), true);
      assert.equal(t.stop(), false);
      await sleep(20);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("stop() after its value was received returns false", () =>
    synctest(async () => {
      const t = new Timer(1);
      await t.c.recv();
      assert.equal(t.stop(), false);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("Go 1.23: after stop() no stale value is received, even if it had already fired", () =>
    synctest(async () => {
      const t = new Timer(1);
      await untilFired(t.c);
      t.stop();
      assert.equal(t.c.tryRecv(), undefined);
      assert.equal(t.c.length, 0);
      const got = recvInTask(t.c);
      await sleep(60_000);
      assert.equal(got.length, 0, "a receive after stop must block");
      t.reset(1); // let it fire, so that the receiver finishes
      assert.ok((await got.recv()) instanceof Date);
    }));

  test("Go 1.23: stop() of a timer that fired but was not received returns true", () =>
    synctest(async () => {
      // runtime (*timer).stop: `if timerchandrain(t.hchan()) { pending = true }` — with Go 1.23's
      // synchronous timer channels the value was never delivered, so Stop stopped the timer.
      const t = new Timer(1);
      await untilFired(t.c);
      assert.equal(t.stop(), true);
      assert.equal(t.stop(), false);
    }));

  test("stop() wakes nobody: a receiver blocked on c stays blocked", () =>
    synctest(async (bubble) => {
      const t = new Timer(5);
      const got = recvInTask(t.c);
      await synctest.wait(); // the receiver is blocked on c
      t.stop();
      await sleep(60_000); // long past the old deadline
      assert.equal(got.length, 0, "stop woke the receiver, or the timer fired");
      t.reset(1); // let it finish so nothing is left pending
      const v = await got.recv();
      assert.ok(v instanceof Date);
      assert.equal(bubble.elapsed(), 60_001);
    }));

  test("reset() of an active timer returns true and it fires once, later", () =>
    synctest(async (bubble) => {
      const t = new Timer(60_000);
      assert.equal(t.reset(5), true);
      const v = await t.c.recv();
      assert.ok(v instanceof Date);
      assert.equal(bubble.elapsed(), 5);
      await sleep(60_000);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("reset() of a stopped timer returns false and it fires again", () =>
    synctest(async () => {
      const t = new Timer(60_000);
      t.stop();
      assert.equal(t.reset(1), false);
      assert.ok((await t.c.recv()) instanceof Date);
    }));

  test("reset() after its value was received returns false and it fires again", () =>
    synctest(async () => {
      const t = new Timer(1);
      await t.c.recv();
      assert.equal(t.reset(1), false);
      assert.ok((await t.c.recv()) instanceof Date);
      assert.equal(t.reset(1), false);
      assert.ok((await t.c.recv()) instanceof Date);
    }));

  test("Go 1.23: reset() discards a value that fired before it; only the new one is received", () =>
    synctest(async (bubble) => {
      const t = new Timer(1);
      await untilFired(t.c);
      const resetAt = bubble.now().getTime();
      t.reset(5);
      assert.equal(t.c.tryRecv(), undefined, "stale value after reset");
      const v = await t.c.recv();
      assert.equal((v as Date).getTime(), resetAt + 5, "the value received is from after the reset");
      await sleep(15);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("Go 1.23: reset() of a timer that fired but was not received returns true", () =>
    synctest(async () => {
      const t = new Timer(1);
      await untilFired(t.c);
      assert.equal(t.reset(60_000), true);
      t.stop();
    }));

  test("reset() many times before it fires: exactly one value", () =>
    synctest(async (bubble) => {
      const t = new Timer(60_000);
      for (let i = 0; i < 50; i++) t.reset(60_000);
      t.reset(2);
      await t.c.recv();
      assert.equal(bubble.elapsed(), 2);
      await sleep(120_000);
      assert.equal(t.c.tryRecv(), undefined);
    }));

  test("a select on t.c and another channel; stop() afterwards leaves nothing to receive", async () => {
    const t = new Timer(60_000);
    const work = new Chan<number>(1);
    work.trySend(1);
    assert.equal(
      await select(
        recv(work, (v) => v),
        recv(t.c, () => -1),
      ),
      1,
    );
    assert.equal(t.stop(), true);
    assert.equal(
      await select(
        recv(t.c, () => "fired"),
        otherwise(() => "nothing"),
      ),
      "nothing",
    );
  });

  test("zero and negative durations fire", () =>
    synctest(async (bubble) => {
      for (const ms of [0, -1]) assert.ok((await new Timer(ms).c.recv()) instanceof Date);
      assert.equal(bubble.elapsed(), 0);
    }));

  test("a duration beyond setTimeout's 2^31-1 ms range does not fire early (real clock)", async () => {
    const t = new Timer(2 ** 31 + 1000);
    await sleep(10);
    assert.equal(t.c.tryRecv(), undefined);
    assert.equal(t.stop(), true);
  });

  test("NaN or a non-number throws, in the constructor and in reset (which then changes nothing)", () =>
    synctest(async (bubble) => {
      for (const bad of [Number.NaN, "5", undefined]) {
        assert.throws(
          () => new Timer(bad as unknown as number),
          (e: unknown) => e instanceof TypeError || e instanceof RangeError,
        );
      }
      const t = new Timer(5);
      assert.throws(
        () => t.reset(Number.NaN),
        (e: unknown) => e instanceof TypeError || e instanceof RangeError,
      );
      assert.ok((await t.c.recv()) instanceof Date, "the timer still fires after a rejected reset");
      assert.equal(bubble.elapsed(), 5);
    }));
});

describe("a timer channel closed by hand (Go's <-chan Time cannot be)", { timeout: 10_000 }, () => {
  test("firing afterwards delivers nothing and throws nothing", () =>
    synctest(async () => {
      const t = new Timer(1);
      const k = new Ticker(1);
      t.c.close();
      k.c.close();
      await sleep(5);
      assert.deepEqual(t.c.tryRecv(), [undefined, false], "closed and empty");
      assert.deepEqual(k.c.tryRecv(), [undefined, false]);
      k.stop();
    }));
});

describe("Go's time/tick_test.go TestChan (Go 1.23 synchronous timer channels), ported in virtual time", {
  timeout: 20_000,
}, () => {
  /** Go's tim interface: Stop and Reset returning bools (tickerTimer adapts a Ticker, as Go's test). */
  interface Tim {
    stop(): boolean;
    reset(ms: number): boolean;
    readonly c: Chan<Date>;
  }
  function tickerTimer(t: Ticker): Tim {
    let stopped = false;
    return {
      c: t.c,
      stop: () => {
        const pending = !stopped;
        stopped = true;
        t.stop();
        return pending;
      },
      reset: (ms) => {
        const pending = !stopped;
        stopped = false;
        t.reset(ms);
        return pending;
      },
    };
  }
  const SEC = 1000;
  const HOUR = 3600 * SEC;

  async function testTimerChan(tim: Tim, isTicker: boolean): Promise<void> {
    const C = tim.c;
    const sched = 10;
    const tries = 100;
    const noTick = (why: string): void => assert.equal(C.tryRecv(), undefined, `extra tick: ${why}`);
    const assertTick = async (why: string): Promise<void> => {
      if (C.tryRecv() !== undefined) return;
      for (let i = 0; i < tries; i++) {
        await sleep(sched);
        if (C.tryRecv() !== undefined) return;
      }
      assert.fail(`missing tick: ${why}`);
    };
    const notDone = (done: Chan<boolean>): void => assert.equal(done.tryRecv(), undefined, "early done");
    const waitDone = async (done: Chan<boolean>): Promise<void> => {
      for (let i = 0; i < tries; i++) {
        await sleep(sched);
        if (done.tryRecv() !== undefined) return;
      }
      assert.fail("never got done");
    };

    tim.stop(); // simple stop; timer never in heap
    noTick("after stop");
    tim.reset(10000 * SEC); // modify of a timer not in heap
    noTick("after reset far away");
    tim.reset(1); // modify of a timer in heap
    await sleep(sched);
    assert.deepEqual([C.length, C.cap], [0, 0]);
    await assertTick("after reset(1)");

    // Sleep long enough that a second tick must happen if this is a ticker: Reset does not let it
    // through afterwards.
    await sleep(sched);
    tim.reset(10000 * SEC);
    noTick("after reset following a tick");

    // Stop while a task is blocked on C.
    tim.reset(10000 * SEC);
    let done = new Chan<boolean>();
    notDone(done);
    go(async () => {
      await C.recv();
      done.close();
    });
    await sleep(sched);
    notDone(done);
    tim.reset(20000 * SEC); // reset far away while in heap
    await sleep(sched);
    notDone(done);
    tim.reset(1); // imminent reset while in heap
    await waitDone(done);
    if (isTicker) await assertTick("a ticker ticks on");
    else noTick("a timer fires once");
    tim.stop();
    noTick("after stop");

    // Again with select and two tasks waiting.
    tim.reset(10000 * SEC);
    done = new Chan<boolean>(2);
    const done1 = new Chan<boolean>();
    const done2 = new Chan<boolean>();
    let stop = new Chan<boolean>();
    for (const d of [done1, done2]) {
      go(async () => {
        await select(
          recv(C, () => done.send(true)),
          recv(stop, () => {}),
        );
        d.close();
      });
    }
    await sleep(sched);
    notDone(done);
    tim.reset(sched / 2);
    await sleep(sched);
    await waitDone(done);
    tim.stop();
    stop.close();
    await waitDone(done1);
    await waitDone(done2);
    if (isTicker) {
      done.tryRecv(); // an extra tick may have sent done again
      C.tryRecv();
    }
    notDone(done);

    // A stopped timer's channel with receivers waiting: nothing arrives.
    stop = new Chan<boolean>();
    done = new Chan<boolean>(2);
    const unexpected: string[] = [];
    for (let i = 0; i < 2; i++) {
      go(async () => {
        await select(
          recv(C, () => unexpected.push("unexpected data")),
          recv(stop, () => {}),
        );
        await done.send(true);
      });
    }
    await sleep(sched);
    stop.close();
    await waitDone(done);
    await waitDone(done);
    assert.deepEqual(unexpected, []);

    // Stop and Reset block old values from being received (go.dev/issue/37196).
    tim.reset(1);
    await sleep(10);
    assert.equal(tim.stop(), true, "stop of a fired, unreceived timer is pending");
    noTick("after stop of a fired timer");
    tim.reset(HOUR);
    noTick("after reset(hour)");
    assert.equal(tim.reset(1), true);
    await assertTick("after reset(1)");
    await sleep(10);
    if (isTicker) {
      await assertTick("the ticker goes on");
      await sleep(10);
    } else {
      noTick("a timer fires once");
    }
    assert.equal(tim.reset(HOUR), isTicker);
    noTick("after the last reset");
    tim.stop();
  }

  test("Timer", () => synctest(() => testTimerChan(new Timer(10000 * SEC), false)));
  test("Ticker", () => synctest(() => testTimerChan(tickerTimer(new Ticker(10000 * SEC)), true)));

  test("TestAfterTimes / TestTickTimes: a value read late is still the time it was due", () =>
    synctest(async (bubble) => {
      const start = bubble.now().getTime();
      const c = after(10);
      const k = tick(10);
      await sleep(500);
      assert.equal(((await c.recv()) as Date).getTime() - start, 10);
      assert.ok(k !== null);
      assert.equal(((await k.recv()) as Date).getTime() - start, 10, "the oldest tick is the one kept");
    }));
});
