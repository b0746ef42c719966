// Shared contexts across real worker threads: cancellation reaches attached copies (async waiters
// on done(), hot loops polling err(), threads blocked in a sync wait), with the same err() sentinel
// and cause() text; deadlines travel; a context derived from an attached one works locally.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  type Context,
  cause,
  createKey,
  DeadlineExceeded,
  withCancel,
  withCancelCause,
  withDeadline,
  withTimeout,
  withValue,
} from "../../src/index.js";
import {
  AtomicBool,
  AtomicInt32,
  attach,
  Cond,
  CyclicBarrier,
  Mutex,
  RWMutex,
  Semaphore,
  SharedChan,
  share,
  WaitGroup,
} from "../../src/threads/index.js";
import { Agent } from "./helpers.js";

const fixture = new URL("./fixtures/basic.ts", import.meta.url);
const prims = new URL("./fixtures/prims.ts", import.meta.url);
const T = { timeout: 20_000 };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A primitive whose sync form blocks (held, or waiting for a party that never comes), and what a
 * cancelled waiter must not leave behind: how many waiters it still counts.
 */
interface Blocker {
  readonly kind: string;
  make(): object;
  left(prim: never): number;
}

const blockers: readonly Blocker[] = [
  {
    kind: "Mutex",
    make: () => {
      const mu = new Mutex();
      mu.lockSync();
      return mu;
    },
    left: (mu: Mutex) => mu.waiters,
  },
  {
    kind: "RWMutex",
    make: () => {
      const rw = new RWMutex();
      rw.lockSync();
      return rw;
    },
    left: (rw: RWMutex) => rw.waiters,
  },
  {
    kind: "Semaphore",
    make: () => {
      const sem = new Semaphore(1);
      sem.acquireSync(1);
      return sem;
    },
    left: (sem: Semaphore) => sem.waiters,
  },
  {
    kind: "WaitGroup",
    make: () => {
      const wg = new WaitGroup();
      wg.add(1);
      return wg;
    },
    left: (wg: WaitGroup) => wg.waiters,
  },
  { kind: "Cond", make: () => new Cond(new Mutex()), left: (c: Cond) => c.waiters },
  { kind: "CyclicBarrier", make: () => new CyclicBarrier(2), left: (b: CyclicBarrier) => b.waiting },
  {
    kind: "SharedChan",
    make: () => new SharedChan<number>(0, { codec: "int32" }),
    left: (ch: SharedChan<number>) => (ch.trySend(1) ? 1 : 0), // a receiver still waiting takes it
  },
];

describe("shared contexts", () => {
  test("cancel on the main thread wakes a worker awaiting done(), same err and cause text", T, async () => {
    const a = await Agent.start(fixture);
    const [ctx, cancel] = withCancelCause(background());
    const run = a.start<{ err: string; cause: string }>("awaitDone", [ctx]);
    assert.equal(await run.started, "waiting");
    const why = new TypeError("upstream went away");
    cancel(why);
    const seen = await run.result;
    assert.equal(seen.err, "context canceled");
    assert.equal(seen.cause, "TypeError: upstream went away");
    await a.terminate();
  });

  test("a worker spinning on ctx.err() stops when the ctx is cancelled here", T, async () => {
    const a = await Agent.start(fixture);
    const [ctx, cancel] = withCancel(background());
    const run = a.start<{ polls: number; err: string }>("spin", [ctx]);
    await run.started;
    cancel();
    const r = await run.result;
    assert.equal(r.err, "context canceled");
    await a.terminate();
  });

  test("a worker blocked in a sync wait wakes and throws ctx.err() when cancelled from here", T, async () => {
    const a = await Agent.start(fixture);
    const [ctx, cancel] = withCancel(background());
    const run = a.start<string>("blockSync", [ctx]);
    await run.started;
    cancel();
    assert.equal(await run.result, "threw ctx.err(): context canceled");
    await a.terminate();
  });

  for (const { kind, make, left } of blockers) {
    test(`${kind}: a sync wait under a shared ctx sleeps until the cancel, which wakes it`, T, async () => {
      const a = await Agent.start(prims);
      const [ctx, cancel] = withCancel(background());
      const checks = new AtomicInt32();
      const prim = make();
      const run = a.call<string>("blockCounting", [kind, prim, ctx, checks]);
      // Two looks at the ctx: on entry, and the last one before the sleep (polled: the worker
      // is blocked and cannot answer a message).
      while (checks.load() < 2) await pause(1);
      const asleep = checks.load();
      await pause(50); // time for a polling sleeper to look again (many times)
      assert.equal(checks.load(), asleep, "a sleeping sync wait does not re-check its ctx on a timer");
      cancel(); // only the cancellation can end the wait now: it must notify the sleeper
      assert.equal(await run, "threw: context canceled");
      assert.equal(left(prim as never), 0, "the cancelled waiter left nothing behind");
      await a.terminate();
    });
  }

  test(
    "one cancel wakes sleepers on three threads in three primitives; the primitives work on after",
    T,
    async () => {
      const workers = await Promise.all([Agent.start(prims), Agent.start(prims), Agent.start(prims)]);
      const [ctx, cancel] = withCancel(background());
      const chosen = blockers.slice(0, 3); // Mutex, RWMutex, Semaphore: held here
      const made = chosen.map((b) => b.make());
      const checks = chosen.map(() => new AtomicInt32());
      const runs = workers.map((w, i) =>
        w.call<string>("blockCounting", [chosen[i]!.kind, made[i], ctx, checks[i]]),
      );
      while (checks.some((c) => c.load() < 2)) await pause(1);
      cancel();
      assert.deepEqual(await Promise.all(runs), Array(3).fill("threw: context canceled"));
      for (const [i, b] of chosen.entries()) assert.equal(b.left(made[i] as never), 0, b.kind);
      // Still usable: release here, and each can be taken again.
      const [mu, rw, sem] = made as [Mutex, RWMutex, Semaphore];
      mu.unlock();
      rw.unlock();
      sem.release(1);
      assert.ok(mu.tryLock() && rw.tryLock() && sem.tryAcquire(1));
      await Promise.all(workers.map((w) => w.terminate()));
    },
  );

  test(
    "a sleeper whose word reaches the cancelling thread only after the cancel is woken on arrival",
    T,
    async () => {
      const a = await Agent.start(prims);
      const [ctx, cancel] = withCancel(background());
      const checks = new AtomicInt32();
      const mu = new Mutex();
      mu.lockSync();
      const run = a.call<string>("blockCounting", ["Mutex", mu, ctx, checks]);
      // Block this thread (no event-loop turn, so the worker's word cannot be delivered here yet)
      // until the worker has sent its word and looked at the ctx for the last time before sleeping.
      const tick = new Int32Array(new SharedArrayBuffer(4));
      for (let i = 0; checks.load() < 2 && i < 20_000; i++) Atomics.wait(tick, 0, 0, 1);
      cancel(); // nothing to notify yet: the word is still on its way
      assert.equal(await run, "threw: context canceled");
      assert.equal(mu.waiters, 0, "the cancelled lockSync left the queue");
      mu.unlock();
      await a.terminate();
    },
  );

  test(
    "a ctx attached anew for each of 3,000 tasks (each sending its word) still wakes the last sleeper",
    T,
    async () => {
      const a = await Agent.start(fixture);
      const [ctx, cancel] = withCancel(background());
      const run = a.start<string>("attachManyThenBlock", [ctx, 3000]);
      await run.started;
      // White-box: the block's generation word (index 5) counts how often the origin (this thread)
      // forgot the words it kept: with 3,000 words and at most 1,024 kept, at least twice. (Polled:
      // the worker is blocked, and the words reach this thread as its event loop turns.)
      const block = new Int32Array((share(ctx) as { readonly sab: SharedArrayBuffer }).sab);
      while (Atomics.load(block, 5) < 2) await pause(1);
      cancel();
      assert.equal(await run.result, "threw ctx.err(): context canceled");
      await a.terminate();
    },
  );

  test("the deadline travels: a blocked worker times out by itself with DeadlineExceeded", T, async () => {
    const a = await Agent.start(fixture);
    const end = new Date(Date.now() + 150);
    const [ctx, cancel] = withDeadline(background(), end);
    const seen = await a.call<{ deadline: number }>("inspect", [ctx]);
    assert.equal(seen.deadline, end.getTime());
    assert.equal(await a.call("blockSync", [ctx]), "threw ctx.err(): context deadline exceeded");
    cancel();
    await a.terminate();
  });

  test("a deadline cancels the worker's copy with DeadlineExceeded, as it does the origin", T, async () => {
    const a = await Agent.start(fixture);
    const [ctx, cancel] = withTimeout(background(), 100);
    const r = await a.call<{ err: string; cause: string }>("awaitDone", [ctx]);
    assert.equal(r.err, "context deadline exceeded");
    await ctx.done()!.recv(); // whichever thread's timer fired first, the origin's fires too
    assert.equal(ctx.err(), DeadlineExceeded);
    cancel();
    await a.terminate();
  });

  test(
    "attached err() is gosync's own sentinel on the worker; already-cancelled ctx arrives cancelled",
    T,
    async () => {
      const a = await Agent.start(fixture);
      const [ctx, cancel] = withCancelCause(background());
      cancel("shutting down");
      assert.equal(await a.call("sentinels", [ctx]), true);
      const seen = await a.call<{ err: string; cause: string }>("inspect", [ctx]);
      assert.deepEqual(seen, { err: "context canceled", cause: "shutting down", deadline: null });
      await a.terminate();
    },
  );

  test("round trip: a ctx shared back from a worker is cancelled with the origin", T, async () => {
    const a = await Agent.start(fixture);
    const [ctx, cancel] = withCancel(background());
    const back = await a.call<import("../../src/index.js").Context>("echo", [ctx]);
    assert.equal(back.err(), null);
    const [child, stop] = withCancel(back); // a local child of the attached copy
    cancel();
    assert.equal(back.err(), Canceled, "one atomic load sees it");
    assert.equal(child.err(), Canceled, "and it reaches local descendants");
    stop();
    await a.terminate();
  });

  test("a ctx derived on a busy worker and passed on still sees the origin's cancellation", T, async () => {
    const [a, b] = await Promise.all([Agent.start(fixture), Agent.start(fixture)]);
    const [ctx, cancel] = withCancel(background());
    const stop = new AtomicBool();
    let child!: Context;
    const busy = a.call("deriveThenBusy", [ctx, stop], (c) => {
      child = c as Context;
    });
    while (child === undefined) await new Promise((r) => setTimeout(r, 1));
    const blocked = b.start<string>("blockSync", [child]);
    await blocked.started;
    cancel(); // a is busy: only the link to the origin's block can reach b
    assert.equal(await blocked.result, "threw ctx.err(): context canceled");
    stop.store(true);
    assert.equal(await busy, "stopped");
    await Promise.all([a.terminate(), b.terminate()]);
  });

  test("background and value contexts cross as never-cancelled; values do not cross", T, () => {
    const k = createKey<string>("k");
    const got = attach<import("../../src/index.js").Context>(share(withValue(background(), k, "v")));
    assert.equal(got.done(), null);
    assert.equal(got.value(k), undefined);
    const [c, cancel] = withCancel(background());
    const h1 = share(c);
    assert.equal(share(c), h1, "sharing again gives the same handle");
    const local = attach<import("../../src/index.js").Context>(h1);
    cancel();
    assert.equal(local.err(), Canceled);
    assert.equal(cause(local), Canceled);
  });
});
