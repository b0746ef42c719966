// The behaviour suite every Locker runs (Go's sync.Locker: lock/unlock), written once so that the
// in-process Mutex, the shared-memory mutex across workers and the etcd mutex all prove the same
// rules: mutual exclusion, FIFO hand-off with no barging (so no waiter starves), cancellation by
// Context and AbortSignal that leaves no waiter behind and never acquires, and misuse that throws.
//
// "Blocks" means "still pending once the lock has settled" (opts.settle, a few macrotask turns by
// default), never a wall-clock timeout.
import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { describe, test } from "node:test";
import { background, Canceled, type Locker, withCancel, yieldNow } from "../../../src/index.js";
import { settle as defaultSettle, hops, type Probe, probe, rng } from "../helpers.js";

/** A Locker, optionally with Go's TryLock and a waiter count. */
export type SuiteLocker = Locker & { tryLock?(): boolean; readonly waiters?: number };

export interface LockerSuiteOptions {
  /** Waits until every hand-off the lock can make has been made (default: 5 macrotask turns). */
  readonly settle?: () => Promise<void>;
  /** What unlocking an unlocked lock throws (default: Go's `... unlock of unlocked ...` family). */
  readonly unlockError?: RegExp;
}

/** A lock call as a promise, whether the implementation's lock returns one or nothing. */
function started(p: Promise<void> | void): Promise<void> {
  return Promise.resolve(p);
}

export function lockerSuite(name: string, make: () => SuiteLocker, opts: LockerSuiteOptions = {}): void {
  const settle = opts.settle ?? (() => defaultSettle());
  const unlockError = opts.unlockError ?? /unlock of unlocked/i;

  /** Queues `n` lock() calls in order; each records its index in `order` when it acquires. */
  function queueUp(l: SuiteLocker, n: number, order: number[]): Probe<void>[] {
    return Array.from({ length: n }, (_, i) =>
      probe(
        (async () => {
          await l.lock();
          order.push(i);
        })(),
      ),
    );
  }

  function expectWaiters(l: SuiteLocker, n: number, what: string): void {
    if (typeof l.waiters === "number") assert.equal(l.waiters, n, `${what}: waiters`);
  }

  describe(`Locker suite: ${name}`, () => {
    test("lock on a free lock succeeds; a second lock waits until unlock", async () => {
      const l = make();
      await l.lock();
      const second = probe(l.lock());
      await settle();
      assert.ok(second.pending, "a second lock() blocks while the lock is held");
      expectWaiters(l, 1, "one lock() queued");
      l.unlock();
      await settle();
      assert.ok(second.fulfilled, "unlock() lets the waiter in");
      expectWaiters(l, 0, "after the hand-off");
      l.unlock();
    });

    test("mutual exclusion: 20 tasks × 40 critical sections, never two inside at once", async () => {
      const l = make();
      const random = rng(42);
      let inside = 0;
      let maxInside = 0;
      let total = 0;
      const task = async (id: number): Promise<void> => {
        for (let i = 0; i < 40; i++) {
          await l.lock();
          inside++;
          maxInside = Math.max(maxInside, inside);
          const v = total;
          // Hold the lock across real suspension points: microtask hops, sometimes a macrotask.
          if (random() < 0.1) await yieldNow();
          else await hops(1 + ((id + i) % 3));
          total = v + 1; // a lost update if anyone else got in meanwhile
          inside--;
          l.unlock();
          if (random() < 0.3) await hops(1);
        }
      };
      await Promise.all(Array.from({ length: 20 }, (_, id) => task(id)));
      assert.equal(maxInside, 1, "never more than one holder");
      assert.equal(total, 20 * 40, "no lost update");
      expectWaiters(l, 0, "all done");
    });

    test("waiters acquire in FIFO order", async () => {
      const l = make();
      await l.lock();
      const order: number[] = [];
      const waiters = queueUp(l, 10, order);
      await settle();
      assert.deepEqual(order, [], "nobody gets in while the lock is held");
      expectWaiters(l, 10, "ten queued");
      for (let i = 0; i < 10; i++) {
        l.unlock();
        await settle();
        assert.deepEqual(
          order,
          Array.from({ length: i + 1 }, (_, k) => k),
          `hand-off #${i} goes to waiter ${i}`,
        );
      }
      l.unlock();
      assert.ok(waiters.every((w) => w.fulfilled));
    });

    test("no barging: a lock() issued right after unlock() queues behind the waiter", async () => {
      const l = make();
      await l.lock();
      const waiter = probe(l.lock());
      await settle();
      l.unlock();
      const barger = probe(l.lock()); // same tick as the unlock: the waiter has not resumed yet
      await settle();
      assert.ok(waiter.fulfilled, "the waiter got the lock");
      assert.ok(barger.pending, "the newcomer did not overtake it");
      l.unlock();
      await settle();
      assert.ok(barger.fulfilled);
      l.unlock();
    });

    test("tryLock fails while the lock is held and while anyone waits (it never overtakes a waiter)", async (t) => {
      const l = make();
      if (typeof l.tryLock !== "function") {
        t.diagnostic("no tryLock on this Locker: checked that lock/unlock alone hand over FIFO");
        await l.lock();
        l.unlock();
        return;
      }
      assert.equal(l.tryLock(), true, "tryLock on a free lock succeeds");
      assert.equal(l.tryLock(), false, "tryLock on a held lock fails");
      const waiter = probe(l.lock());
      await settle();
      assert.equal(l.tryLock(), false, "tryLock fails while held with a waiter queued");
      l.unlock(); // handed to the waiter
      assert.equal(l.tryLock(), false, "tryLock right after unlock fails: the lock is the waiter's");
      await settle();
      assert.ok(waiter.fulfilled);
      l.unlock();
      assert.equal(l.tryLock(), true, "free again: tryLock succeeds");
      l.unlock();
    });

    test("a task that relocks at once cannot starve another (the g1/g2 starvation program (golang/go#13086), in miniature)", async () => {
      const l = make();
      let stop = false;
      let hog = 0;
      const g1 = (async () => {
        while (!stop && hog < 10_000) {
          await l.lock();
          hog++;
          await yieldNow(); // "sleep" holding the lock
          l.unlock(); // ... and come straight back for it
        }
      })();
      let polite = 0;
      for (let i = 0; i < 10; i++) {
        await yieldNow();
        await l.lock();
        polite++;
        l.unlock();
      }
      stop = true;
      await g1;
      assert.equal(polite, 10);
      assert.ok(hog <= 2 * 10 + 2, `the hog got ${hog} acquisitions while the other got its 10`);
    });

    test("a lock cancelled through a Context rejects with ctx.err(), leaves no waiter and never acquires", async () => {
      const l = make();
      await l.lock();
      const [ctx, cancel] = withCancel(background());
      const w = probe(l.lock(ctx));
      await settle();
      expectWaiters(l, 1, "queued");
      cancel();
      await settle();
      assert.ok(w.rejected);
      assert.equal(w.error, Canceled);
      expectWaiters(l, 0, "the cancelled waiter left the queue");
      l.unlock();
      await settle();
      // The cancelled waiter must not have been handed the lock: it is free for anyone.
      const next = probe(l.lock());
      await settle();
      assert.ok(next.fulfilled, "the lock is free after unlock: the cancelled waiter never took it");
      l.unlock();
    });

    test("a lock cancelled through an AbortSignal rejects with signal.reason and removes its listener", async () => {
      const l = make();
      await l.lock();
      const ac = new AbortController();
      const reason = new Error("caller gave up");
      const w = probe(l.lock(ac.signal));
      await settle();
      ac.abort(reason);
      await settle();
      assert.equal(w.error, reason);
      assert.equal(getEventListeners(ac.signal, "abort").length, 0, "no abort listener left");
      expectWaiters(l, 0, "after abort");
      l.unlock();
      const next = probe(l.lock());
      await settle();
      assert.ok(next.fulfilled, "the aborted waiter never took the lock");
      l.unlock();
    });

    test("a waiter that acquires drops its AbortSignal listener, and a later abort changes nothing", async () => {
      const l = make();
      await l.lock();
      const ac = new AbortController();
      const w = probe(l.lock(ac.signal));
      await settle();
      assert.equal(getEventListeners(ac.signal, "abort").length, 1, "listening while queued");
      l.unlock();
      await settle();
      assert.ok(w.fulfilled);
      assert.equal(getEventListeners(ac.signal, "abort").length, 0, "the listener is gone once acquired");
      ac.abort();
      const other = probe(l.lock());
      await settle();
      assert.ok(other.pending, "still held by the waiter: aborting afterwards does not unlock");
      l.unlock();
      await settle();
      assert.ok(other.fulfilled);
      l.unlock();
    });

    test("cancelling a waiter in the middle keeps the others in order", async () => {
      const l = make();
      await l.lock();
      const order: string[] = [];
      const [ctx, cancel] = withCancel(background());
      const a = probe(started(l.lock()).then(() => order.push("a")));
      const b = probe(started(l.lock(ctx)).then(() => order.push("b")));
      const c = probe(started(l.lock()).then(() => order.push("c")));
      await settle();
      cancel();
      await settle();
      assert.ok(b.rejected);
      l.unlock();
      await settle();
      assert.deepEqual(order, ["a"]);
      l.unlock();
      await settle();
      assert.deepEqual(order, ["a", "c"], "c goes next; b never gets the lock");
      assert.ok(a.fulfilled && c.fulfilled);
      l.unlock();
    });

    test("an already-cancelled Context or AbortSignal rejects at once, even on a free lock, and takes nothing", async () => {
      const l = make();
      const [ctx, cancel] = withCancel(background());
      cancel();
      const viaCtx = probe(l.lock(ctx));
      const reason = new Error("already aborted");
      const viaSignal = probe(l.lock(AbortSignal.abort(reason)));
      await settle();
      assert.equal(viaCtx.error, Canceled);
      assert.equal(viaSignal.error, reason);
      const next = probe(l.lock());
      await settle();
      assert.ok(next.fulfilled, "the lock stayed free");
      l.unlock();
    });

    test("unlock of an unlocked lock throws, and the failed unlock changes nothing", async () => {
      const l = make();
      assert.throws(() => l.unlock(), unlockError, "unlock of a fresh lock");
      await l.lock();
      l.unlock();
      assert.throws(() => l.unlock(), unlockError, "second unlock");
      await l.lock(); // still usable, and free
      const w = probe(l.lock());
      await settle();
      assert.ok(w.pending, "held again after the misuse");
      l.unlock();
      await settle();
      assert.ok(w.fulfilled);
      l.unlock();
    });

    test("a lock is reusable after many rounds and every queued waiter is eventually served", async () => {
      const l = make();
      const served: number[] = [];
      for (let round = 0; round < 5; round++) {
        await l.lock();
        const order: number[] = [];
        const ws = queueUp(l, 5, order);
        l.unlock();
        await settle();
        // Each waiter unlocks after it got in; let them run one by one.
        for (let i = 0; i < 5; i++) {
          l.unlock();
          await settle();
        }
        assert.ok(ws.every((w) => w.fulfilled));
        served.push(order.length);
      }
      assert.deepEqual(served, [5, 5, 5, 5, 5]);
      const free = probe(l.lock());
      await settle();
      assert.ok(free.fulfilled, "free after the last round");
      l.unlock();
    });
  });
}
