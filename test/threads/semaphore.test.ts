// Weighted Semaphore across threads: grants in arrival order across worker threads, checked against
// x/sync's FIFO model with fast-check (random weights, threads, releases and cancellations); a
// cancelled waiter leaves the count intact; Go's panic; bad arguments.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { background, type CancelFunc, type Context, GoSyncError, withCancel } from "../../src/index.js";
import { Semaphore } from "../../src/threads/index.js";
import { type Agent, agents, drain } from "./helpers.js";

const T = { timeout: 60_000 };
const pool = await agents(3, new URL("./fixtures/prims.ts", import.meta.url));

/** Starts acquire(n, ctx) on `agent`; resolves once it has queued (or acquired), with its outcome. */
async function queue(
  agent: Agent,
  sem: Semaphore,
  n: number,
  ctx: Context,
): Promise<{ done: Promise<unknown> }> {
  const run = agent.start("invoke", [sem, "acquire", n, ctx]);
  await run.started;
  return { done: run.result };
}

describe("threads Semaphore", () => {
  test("FIFO across threads against x/sync's model (weights, releases, cancellations)", T, async () => {
    const size = 5;
    const step = fc.oneof(
      fc.record({ k: fc.constant("acquire" as const), n: fc.integer({ min: 1, max: size }), on: fc.nat(2) }),
      fc.record({ k: fc.constant("release" as const), n: fc.integer({ min: 1, max: size }) }),
      fc.record({ k: fc.constant("cancel" as const), which: fc.nat(20) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 14 }), async (steps) => {
        const sem = new Semaphore(size);
        sem.tryAcquire(size); // start full: everything below queues
        // The model: permits held, and the FIFO queue of live waiters.
        let held = size;
        const model: { id: number; n: number }[] = [];
        const granted = new Set<number>();
        const outcomes = new Map<number, Promise<"ok" | "cancelled">>();
        const cancels = new Map<number, CancelFunc>();
        let id = 0;
        const grant = (): void => {
          while (model.length > 0 && size - held >= model[0]!.n) {
            const w = model.shift()!;
            held += w.n;
            granted.add(w.id);
          }
        };
        for (const s of steps) {
          if (s.k === "acquire") {
            const me = id++;
            const [ctx, cancel] = withCancel(background());
            cancels.set(me, cancel);
            const { done } = await queue(pool[s.on]!, sem, s.n, ctx);
            outcomes.set(
              me,
              done.then(
                () => "ok" as const,
                () => "cancelled" as const,
              ),
            );
            if (model.length === 0 && size - held >= s.n) {
              held += s.n;
              granted.add(me);
            } else model.push({ id: me, n: s.n });
          } else if (s.k === "release") {
            const n = Math.min(s.n, held);
            if (n === 0) continue;
            sem.release(n);
            held -= n;
            grant();
          } else {
            const live = model.filter((w) => !granted.has(w.id));
            if (live.length === 0) continue;
            const victim = live[s.which % live.length]!;
            cancels.get(victim.id)!();
            // The worker learns of it asynchronously: its call settles once it has left the queue.
            assert.equal(await outcomes.get(victim.id), "cancelled");
            model.splice(model.indexOf(victim), 1);
            grant(); // the head leaving lets those behind in, as far as they fit
          }
          await drain(pool);
          await drain(pool);
          assert.equal(sem.held, held, "permits held");
          assert.equal(sem.waiters, model.length, "waiters");
        }
        for (let i = 0; i < id; i++) {
          const want = granted.has(i) ? "ok" : model.some((w) => w.id === i) ? undefined : "cancelled";
          if (want !== undefined) assert.equal(await outcomes.get(i), want, `request ${i}`);
        }
        for (const c of cancels.values()) c();
        await Promise.all(outcomes.values()); // every request has settled on its worker
        assert.equal(sem.waiters, 0);
      }),
      { numRuns: 12 },
    );
  });

  test(
    "a worker blocked in acquireSync wakes on shared-ctx cancel; the count is intact after",
    T,
    async () => {
      const sem = new Semaphore(2);
      await sem.acquire(2);
      const [ctx, cancel] = withCancel(background());
      const run = pool[0]!.start<string>("invokeSync", [sem, "acquireSync", 1, ctx]);
      await run.started;
      while (sem.waiters === 0) await drain(pool.slice(1)); // pool[0] is blocked in acquireSync: it cannot answer a ping
      cancel();
      assert.equal(await run.result, "threw: context canceled");
      assert.equal(sem.waiters, 0);
      assert.equal(sem.held, 2);
      sem.release(2);
      assert.equal(sem.tryAcquire(2), true, "all permits are there");
      sem.release(2);
    },
  );

  test("a large request at the head holds back smaller ones behind it (no overtaking)", T, async () => {
    const sem = new Semaphore(3);
    await sem.acquire(2);
    const [ctx, cancel] = withCancel(background());
    const big = (await queue(pool[0]!, sem, 3, ctx)).done;
    const small = (await queue(pool[1]!, sem, 1, ctx)).done;
    await drain(pool);
    assert.equal(sem.tryAcquire(1), false, "tryAcquire does not overtake the queue");
    assert.equal(sem.waiters, 2);
    sem.release(2);
    await big;
    await drain(pool);
    assert.equal(sem.held, 3);
    assert.equal(sem.waiters, 1);
    sem.release(3);
    await small;
    sem.release(1);
    cancel();
  });

  test(
    "release beyond held is x/sync's panic and changes nothing; bad n is a RangeError (rejected for acquire)",
    T,
    async () => {
      const sem = new Semaphore(2);
      sem.tryAcquire(1);
      assert.throws(
        () => sem.release(2),
        (e: unknown) => e instanceof GoSyncError && e.message === "semaphore: released more than held",
      );
      assert.equal(sem.held, 1);
      const p = sem.acquire(3);
      await assert.rejects(p, /RangeError: n must be at most the semaphore's size 2, got 3/);
      await assert.rejects(sem.acquire(-1), /RangeError: n must be an integer >= 0/);
      assert.throws(() => sem.acquireSync(1.5), /RangeError/);
      assert.throws(() => new Semaphore(-1), /RangeError: size must be an integer >= 0/);
      sem.release(1);
    },
  );
});
