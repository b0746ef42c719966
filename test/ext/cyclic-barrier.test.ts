// CyclicBarrier (marusama/cyclicbarrier, Go 并发编程实战课 lesson 17): every rule, and the lesson's H₂O
// factory test (TestWaterFactory: 300 tasks, every released triple is two H and one O).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  BrokenBarrierError,
  background,
  Canceled,
  CyclicBarrier,
  GoSyncError,
  Semaphore,
  WaitGroup,
  withCancel,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, jitter, probe, rng, settle, unhandledDuring } from "./helpers.js";

leakCheck();

const isBroken = (e: unknown): boolean => e instanceof BrokenBarrierError;

describe("CyclicBarrier: parties and trips", () => {
  test("parties, waiting and broken describe the barrier", async () => {
    const b = new CyclicBarrier(3);
    assert.equal(b.parties, 3);
    assert.equal(b.waiting, 0);
    assert.equal(b.broken, false);
    const ws = [probe(b.await()), probe(b.await())];
    await settle();
    assert.equal(b.waiting, 2);
    assert.deepEqual(
      ws.map((w) => w.pending),
      [true, true],
    );
    await b.await(); // the third party: everyone passes, nothing is left waiting
    await Promise.all(ws.map((w) => w.promise));
    assert.equal(b.waiting, 0);
  });

  test("nobody passes until the last party arrives; then all pass together", async () => {
    const b = new CyclicBarrier(3);
    const a1 = probe(b.await());
    const a2 = probe(b.await());
    await settle();
    assert.equal(a1.pending && a2.pending, true);
    const a3 = probe(b.await());
    await settle();
    assert.deepEqual([a1.fulfilled, a2.fulfilled, a3.fulfilled], [true, true, true]);
    assert.equal(b.waiting, 0);
    assert.equal(b.broken, false);
  });

  test("a barrier of one party never waits", async () => {
    let trips = 0;
    const b = new CyclicBarrier(1, () => {
      trips++;
    });
    await b.await();
    await b.await();
    assert.equal(trips, 2);
  });

  test("the action runs once per trip, after the last arrival and before anyone is released", async () => {
    const log: string[] = [];
    const b = new CyclicBarrier(3, () => {
      log.push("action");
    });
    const wg = new WaitGroup();
    for (const name of ["a", "b", "c"]) {
      wg.go(async () => {
        log.push(`arrive ${name}`);
        await b.await();
        log.push(`pass ${name}`);
      });
    }
    await wg.wait();
    assert.equal(log.filter((l) => l === "action").length, 1);
    const action = log.indexOf("action");
    assert.ok(
      log.slice(0, action).every((l) => l.startsWith("arrive")),
      log.join(", "),
    );
    assert.ok(
      log.slice(action + 1).every((l) => l.startsWith("pass")),
      log.join(", "),
    );
  });

  test("an asynchronous action is awaited before anyone is released", async () => {
    const g = gate();
    let actionDone = false;
    const b = new CyclicBarrier(2, async () => {
      await g.promise;
      actionDone = true;
    });
    const w1 = probe(b.await());
    const w2 = probe(b.await());
    await settle();
    assert.equal(w1.pending, true);
    assert.equal(w2.pending, true, "the last party waits for the action too");
    g.open();
    await settle();
    assert.equal(actionDone, true);
    assert.deepEqual([w1.fulfilled, w2.fulfilled], [true, true]);
  });

  test("reusable: 5 rounds of 4 parties, one action per round, nobody a round ahead", async () => {
    const parties = 4;
    const rounds = 5;
    let trips = 0;
    const b = new CyclicBarrier(parties, () => {
      trips++;
    });
    const seenTrips: number[][] = Array.from({ length: parties }, () => []);
    const wg = new WaitGroup();
    const random = rng(7);
    for (let p = 0; p < parties; p++) {
      wg.go(async () => {
        for (let r = 0; r < rounds; r++) {
          await jitter(random);
          await b.await();
          (seenTrips[p] as number[]).push(trips);
        }
      });
    }
    await wg.wait();
    assert.equal(trips, rounds);
    for (const s of seenTrips) assert.deepEqual(s, [1, 2, 3, 4, 5], "each party passes once per trip");
  });

  test("a party arriving while the last one runs the action waits for the next trip", async () => {
    // Java's CyclicBarrier makes it wait for the next generation; marusama's panics ("called more
    // than count of parties"). Either way it must not pass alone, nor run the action again.
    let actions = 0;
    const b = new CyclicBarrier(2, () => {
      actions++;
    });
    const a = probe(b.await());
    const c = probe(b.await()); // the last party: runs the action
    const extra = probe(b.await()); // arrives while the action runs
    await settle();
    assert.deepEqual([a.fulfilled, c.fulfilled], [true, true]);
    assert.equal(actions, 1, "the action runs once for the one trip");
    assert.equal(extra.fulfilled, false, "a party cannot pass a barrier of 2 alone");
    await b.await(); // its partner for the next trip
    await extra.promise;
    assert.equal(actions, 2, "the next trip runs the action again");
  });

  test("bad parties or action throw at once", () => {
    for (const p of [0, -1, 1.5, Number.NaN, "3" as unknown as number]) {
      assert.throws(() => new CyclicBarrier(p), RangeError, String(p));
    }
    assert.throws(() => new CyclicBarrier(2, 5 as unknown as () => void), TypeError);
  });
});

describe("CyclicBarrier: breaking", () => {
  test("a party cancelled while waiting rejects with its ctx error; the others with BrokenBarrierError", async () => {
    const b = new CyclicBarrier(3);
    const [ctx, cancel] = withCancel(background());
    const other = probe(b.await());
    const cancelled = probe(b.await(ctx));
    await settle();
    cancel();
    await settle();
    assert.equal(cancelled.error, Canceled);
    assert.ok(isBroken(other.error));
    assert.equal(b.broken, true);
    assert.equal(b.waiting, 0);
  });

  test("an AbortSignal works as ctx", async () => {
    const b = new CyclicBarrier(2);
    const ac = new AbortController();
    const why = new Error("stop");
    const w = probe(b.await(ac.signal));
    ac.abort(why);
    await settle();
    assert.equal(w.error, why);
    assert.equal(b.broken, true);
  });

  test("parties sharing one ctx: cancelling it rejects them all and leaves no unhandled rejection", async () => {
    const b = new CyclicBarrier(3);
    const [ctx, cancel] = withCancel(background());
    let ws: ReturnType<typeof probe<void>>[] = [];
    const unhandled = await unhandledDuring(async () => {
      ws = [probe(b.await(ctx)), probe(b.await(ctx))];
      await settle();
      cancel();
      await settle();
    });
    for (const w of ws) assert.ok(w.error === Canceled || isBroken(w.error), String(w.state.s));
    assert.equal(b.broken, true);
    assert.deepEqual(unhandled, [], "a rejection nobody can handle kills a Node process");
  });

  test("a broken barrier rejects every await() at once, until reset()", async () => {
    const b = new CyclicBarrier(2);
    const ac = new AbortController();
    const w = probe(b.await(ac.signal));
    ac.abort();
    await settle();
    assert.equal(w.rejected, true);
    await assert.rejects(b.await(), isBroken);
    await assert.rejects(b.await(), isBroken);
    assert.equal(b.waiting, 0);
    b.reset();
    assert.equal(b.broken, false);
    const x = probe(b.await());
    const y = probe(b.await());
    await settle();
    assert.deepEqual([x.fulfilled, y.fulfilled], [true, true], "usable again after reset");
  });

  test("an already-cancelled ctx rejects with its error", async () => {
    const b = new CyclicBarrier(2);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(b.await(ctx), (e) => e === Canceled);
    assert.equal(b.waiting, 0, "it never counted as arrived");
  });

  test("an already-cancelled ctx leaves the barrier whole: the other parties still trip it (cyclicbarrier)", async () => {
    const b = new CyclicBarrier(2);
    const first = probe(b.await());
    await settle();
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(b.await(ctx), (e) => e === Canceled);
    assert.equal(b.broken, false, "returning ctx's error before joining breaks nothing");
    assert.equal(first.pending, true, "the waiting party still waits");
    assert.equal(b.waiting, 1);
    await b.await();
    await settle();
    assert.equal(first.fulfilled, true, "the next party trips the barrier");
  });

  test("an already-cancelled ctx is reported before a broken barrier (cyclicbarrier checks ctx first)", async () => {
    const b = new CyclicBarrier(2);
    b.reset(); // nothing waited: not broken
    const [ctx, cancel] = withCancel(background());
    const w = probe(b.await(ctx));
    cancel(); // breaks the barrier for everyone
    await settle();
    assert.equal(w.error, Canceled);
    assert.equal(b.broken, true);
    await assert.rejects(b.await(ctx), (e) => e === Canceled);
    await assert.rejects(b.await(), (e: unknown) => e instanceof BrokenBarrierError);
  });

  test("a failing action breaks the barrier: the last party gets its error, the others BrokenBarrierError", async () => {
    const boom = new Error("action failed");
    const b = new CyclicBarrier(3, () => {
      throw boom;
    });
    const w1 = probe(b.await());
    const w2 = probe(b.await());
    const last = probe(b.await());
    await settle();
    assert.equal(last.error, boom);
    assert.ok(isBroken(w1.error));
    assert.ok(isBroken(w2.error));
    assert.equal(b.broken, true);
  });

  test("a rejecting asynchronous action breaks it the same way", async () => {
    const boom = new Error("async action failed");
    const b = new CyclicBarrier(2, async () => {
      throw boom;
    });
    const w = probe(b.await());
    const last = probe(b.await());
    await settle();
    assert.equal(last.error, boom);
    assert.ok(isBroken(w.error));
  });

  test("reset() rejects the current waiters with BrokenBarrierError and starts a fresh round", async () => {
    const b = new CyclicBarrier(3);
    const w1 = probe(b.await());
    const w2 = probe(b.await());
    await settle();
    b.reset();
    await settle();
    assert.ok(isBroken(w1.error));
    assert.ok(isBroken(w2.error));
    assert.equal(b.broken, false, "reset leaves the barrier usable");
    assert.equal(b.waiting, 0);
    const ws = [probe(b.await()), probe(b.await()), probe(b.await())];
    await settle();
    assert.ok(ws.every((w) => w.fulfilled));
  });

  test("BrokenBarrierError is a GoSyncError with marusama's text", () => {
    const e = new BrokenBarrierError();
    assert.ok(e instanceof GoSyncError);
    assert.equal(e.message, "broken barrier");
    assert.equal(e.name, "BrokenBarrierError");
  });
});

describe("CyclicBarrier: the lesson's H₂O factory (Go 并发编程实战课 lesson 17, TestWaterFactory)", () => {
  class H2O {
    readonly semaH = new Semaphore(2); // two hydrogen slots
    readonly semaO = new Semaphore(1); // one oxygen slot
    readonly b = new CyclicBarrier(3); // three atoms make a molecule

    async hydrogen(releaseHydrogen: () => void): Promise<void> {
      await this.semaH.acquire(1, background());
      releaseHydrogen();
      await this.b.await(background());
      this.semaH.release(1);
    }

    async oxygen(releaseOxygen: () => void): Promise<void> {
      await this.semaO.acquire(1, background());
      releaseOxygen();
      await this.b.await(background());
      this.semaO.release(1);
    }
  }

  test("300 atoms from 300 tasks: every consecutive triple is two H and one O", async () => {
    const N = 100;
    const ch: string[] = [];
    const h2o = new H2O();
    const random = rng(2020);
    const wg = new WaitGroup();
    wg.add(N * 3);
    for (let i = 0; i < 2 * N; i++) {
      void (async () => {
        await jitter(random, 20); // Go sleeps rand(100) ms; we let a random number of turns pass
        await h2o.hydrogen(() => ch.push("H"));
        wg.done();
      })();
    }
    for (let i = 0; i < N; i++) {
      void (async () => {
        await jitter(random, 20);
        await h2o.oxygen(() => ch.push("O"));
        wg.done();
      })();
    }
    await wg.wait();
    assert.equal(ch.length, N * 3, `expect ${N * 3} atoms`);
    for (let i = 0; i < N; i++) {
      const water = ch
        .slice(i * 3, i * 3 + 3)
        .sort()
        .join("");
      assert.equal(water, "HHO", `molecule ${i}: expect a water molecule but got ${water}`);
    }
    assert.equal(h2o.b.waiting, 0);
    assert.equal(h2o.semaH.held + h2o.semaO.held, 0);
  });
});
