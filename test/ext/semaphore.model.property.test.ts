// Model-based property test for Semaphore: random schedules of acquire(n, ctx?), tryAcquire(n),
// release(n) and cancellations, the event loop drained after every step, checked against a
// reference model of x/sync's Weighted (current version). After every step: never more than `size`
// held, the same permits held and the same queue length as the model, every acquire in the state
// the model says (granted / waiting / rejected with its ctx's error), grants in FIFO order, no
// grant after cancellation, tryAcquire and release answering as the model does, requests above
// the size waiting for their ctx only (outside the queue), and no promise rejection left unhandled.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { background, type CancelFunc, type Context, Semaphore, withCancel } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { drain } from "../helpers/settle.js";
import { catchUnhandled, type Probe, probe } from "./helpers.js";

leakCheck();

type Step =
  | { readonly k: "acquire"; readonly n: number; readonly ctx: number | null }
  | { readonly k: "try"; readonly n: number }
  | { readonly k: "release"; readonly n: number }
  | { readonly k: "cancel"; readonly target: number };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({ k: fc.constant("acquire" as const), n: fc.nat(5), ctx: fc.option(fc.nat(2)) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("try" as const), n: fc.nat(5) }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("release" as const), n: fc.integer({ min: 1, max: 5 }) }),
  },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("cancel" as const), target: fc.nat(20) }) },
);

/** A cancellable ctx: a gosync context or an AbortSignal, and what a waiter on it rejects with. */
interface Ctl {
  readonly arg: Context | AbortSignal;
  readonly cancel: () => void;
  readonly reason: () => unknown;
  cancelled: boolean;
}

function makeCtl(kind: boolean): Ctl {
  if (kind) {
    const [ctx, cancel]: [Context, CancelFunc] = withCancel(background());
    return { arg: ctx, cancel, reason: () => ctx.err(), cancelled: false };
  }
  const ac = new AbortController();
  const why = new Error("aborted");
  return { arg: ac.signal, cancel: () => ac.abort(why), reason: () => why, cancelled: false };
}

interface Acq {
  readonly id: number;
  readonly n: number;
  readonly ctl: Ctl | null;
  readonly t: Probe<void>;
  status: "waiting" | "granted" | "rejected";
}

/**
 * Runs one schedule. `shared`: acquires name one of three contexts (many waiters on one ctx);
 * otherwise each acquire with a ctx gets its own, and a cancel step picks an acquire.
 */
async function run(size: number, kinds: boolean[], steps: readonly Step[], shared: boolean): Promise<void> {
  const sem = new Semaphore(size);
  const pool = kinds.map(makeCtl);
  const acqs: Acq[] = [];
  const queue: Acq[] = []; // the model's wait queue
  const doomed: Acq[] = []; // requests above the size, waiting for their ctx only
  let held = 0; // the model's permits held
  const modelOrder: number[] = [];
  const actualOrder: number[] = [];
  const unhandled: unknown[] = [];
  const stopCatching = catchUnhandled(unhandled);

  /** Cancels ctl, and in the model rejects every waiter on it, then grants those that now fit. */
  const cancelBoth = (ctl: Ctl): void => {
    ctl.cancelled = true;
    ctl.cancel();
    for (const list of [queue, doomed]) {
      for (const w of list.filter((q) => q.ctl === ctl)) {
        list.splice(list.indexOf(w), 1);
        w.status = "rejected";
      }
    }
    grant();
  };

  const grant = (): void => {
    for (let w = queue[0]; w !== undefined && size - held >= w.n; w = queue[0]) {
      queue.shift();
      held += w.n;
      w.status = "granted";
      modelOrder.push(w.id);
    }
  };

  try {
    for (const [i, step] of steps.entries()) {
      const where = `step ${i} ${JSON.stringify(step)}`;
      switch (step.k) {
        case "acquire": {
          // Up to size + 1: a request above the size waits for its ctx only (x/sync), outside the
          // queue; without a ctx it would wait forever, so those are capped at the size.
          const n = Math.min(step.n % (size + 2), step.ctx === null ? size : size + 1);
          let ctl: Ctl | null = null;
          if (step.ctx !== null) ctl = shared ? (pool[step.ctx] as Ctl) : makeCtl(kinds[step.ctx] === true);
          const id = acqs.length;
          const t = probe(sem.acquire(n, ctl?.arg));
          t.promise.then(
            () => actualOrder.push(id),
            () => {},
          );
          const a: Acq = { id, n, ctl, t, status: "waiting" };
          acqs.push(a);
          if (ctl?.cancelled === true) a.status = "rejected";
          else if (n > size) doomed.push(a);
          else if (queue.length === 0 && size - held >= n) {
            held += n;
            a.status = "granted";
            modelOrder.push(id);
          } else queue.push(a);
          break;
        }
        case "try": {
          const n = step.n % (size + 2); // above the size: false (x/sync's TryAcquire)
          const want = queue.length === 0 && size - held >= n;
          if (want) held += n;
          assert.equal(sem.tryAcquire(n), want, where);
          break;
        }
        case "release": {
          if (step.n > held) {
            assert.throws(
              () => sem.release(step.n),
              { message: "semaphore: released more than held" },
              where,
            );
          } else {
            sem.release(step.n);
            held -= step.n;
            grant();
          }
          break;
        }
        case "cancel": {
          let ctl: Ctl | null | undefined;
          if (shared) ctl = pool[step.target % pool.length];
          else ctl = acqs.length === 0 ? null : (acqs[step.target % acqs.length] as Acq).ctl;
          if (ctl === null || ctl === undefined || ctl.cancelled) break;
          cancelBoth(ctl);
          break;
        }
      }
      await drain();
      assert.ok(sem.held <= size, `${where}: ${sem.held} held > size ${size}`);
      assert.equal(sem.held, held, `${where}: permits held`);
      assert.equal(sem.waiters, queue.length, `${where}: queue length`);
      for (const a of acqs) {
        const s = a.t.state.s;
        const want = a.status === "granted" ? "fulfilled" : a.status === "rejected" ? "rejected" : "pending";
        assert.equal(s, want, `${where}: acquire #${a.id} (n=${a.n})`);
        if (s === "rejected")
          assert.equal(a.t.error, a.ctl?.reason(), `${where}: #${a.id} rejects with its ctx's error`);
      }
      assert.deepEqual(actualOrder, modelOrder, `${where}: grants in FIFO order`);
      assert.deepEqual(unhandled, [], `${where}: no unhandled rejection`);
    }
    // Leave nothing blocked: end the requests above the size, release every permit held, and
    // those granted to the waiters in turn.
    const ending = [...doomed];
    for (const w of ending) if (!(w.ctl as Ctl).cancelled) cancelBoth(w.ctl as Ctl);
    await drain();
    for (const w of ending)
      assert.equal(w.t.state.s, "rejected", "a request above the size ends with its ctx");
    assert.equal(sem.waiters, queue.length, "after ending the requests above the size");
    while (held > 0) {
      sem.release(held);
      held = 0;
      grant();
    }
    assert.deepEqual([sem.held, sem.waiters], [0, 0], "after cleanup");
  } finally {
    stopCatching();
  }
}

const schedule = fc.tuple(
  fc.integer({ min: 1, max: 5 }),
  fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
  fc.array(stepArb, { maxLength: 18 }),
);

test("Semaphore model: random schedules (each waiter its own ctx) behave as x/sync's Weighted", async () => {
  await fc.assert(
    fc.asyncProperty(schedule, async ([size, kinds, steps]) => run(size, kinds, steps, false)),
    { numRuns: 10_000 },
  );
});

test("Semaphore model: random schedules with waiters sharing contexts behave as x/sync's Weighted", async () => {
  await fc.assert(
    fc.asyncProperty(schedule, async ([size, kinds, steps]) => run(size, kinds, steps, true)),
    { numRuns: 10_000 },
  );
});
