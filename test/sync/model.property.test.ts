// Model-based property tests for the sync package. fast-check generates random programs of tasks
// that lock, read-lock, try-lock, unlock, wait and cancel; each operation starts as its own task, the
// event loop is drained after every step, and the state is checked:
// - Mutex against an exact reference model (FIFO hand-off): who holds it, who waits, in what order;
// - RWMutex against Go's writer-preferring rules: never a writer with anyone else inside, never a
//   waiter left behind when it could have gone in, readers that arrived during a writer go in before
//   the next writer, a cancelled waiter never acquires;
// - WaitGroup against a counter: waiters are released exactly when it reaches zero.
// After every step the implementation's queue lengths must equal the model's (no residue).

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  background,
  Canceled,
  type CancelFunc,
  Mutex,
  RWMutex,
  WaitGroup,
  withCancel,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { drain } from "../helpers/settle.js";

leakCheck();

type Status = "pending" | "acquired" | "cancelled" | "released";

interface Op {
  kind: "r" | "w";
  status: Status;
  cancel: CancelFunc | null;
}

/** Violations seen in promise callbacks, checked (and thrown) by the step that follows. */
const violations: string[] = [];

function recordOutcome(op: Op, p: Promise<void>): void {
  p.then(
    () => {
      if (op.status !== "pending") violations.push(`acquired after being ${op.status}`);
      op.status = "acquired";
    },
    (e: unknown) => {
      if (e !== Canceled) violations.push(`rejected with ${String(e)}`);
      if (op.status !== "pending") violations.push(`cancelled after being ${op.status}`);
      op.status = "cancelled";
    },
  );
}

async function drainAndCheck(): Promise<void> {
  await drain();
  if (violations.length > 0) {
    const v = violations.splice(0);
    assert.fail(v.join("; "));
  }
}

function withCtx(ctx: boolean): [ReturnType<typeof withCancel>[0] | undefined, CancelFunc | null] {
  if (!ctx) return [undefined, null];
  const [c, cancel] = withCancel(background());
  return [c, cancel];
}

// ---- Mutex: exact model -------------------------------------------------------------------------

type MStep = { t: "lock"; ctx: boolean } | { t: "tryLock" } | { t: "unlock" } | { t: "cancel"; pick: number };

const mutexProgram = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ t: fc.constant("lock" as const), ctx: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("tryLock" as const) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("unlock" as const) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("cancel" as const), pick: fc.nat(30) }) },
  ),
  { minLength: 1, maxLength: 30 },
);

async function runMutex(steps: MStep[]): Promise<void> {
  const mu = new Mutex();
  const ops: Op[] = [];
  // The model: the holder (op index, or -1 for a tryLock holder, null if free) and the FIFO queue.
  let holder: number | null = null;
  const queue: number[] = [];
  for (const step of steps) {
    switch (step.t) {
      case "lock": {
        const [ctx, cancel] = withCtx(step.ctx);
        const op: Op = { kind: "w", status: "pending", cancel };
        ops.push(op);
        recordOutcome(op, mu.lock(ctx));
        if (holder === null) holder = ops.length - 1;
        else queue.push(ops.length - 1);
        break;
      }
      case "tryLock": {
        const got = mu.tryLock();
        assert.equal(got, holder === null, "tryLock succeeds exactly when the mutex is free");
        if (got) {
          const op: Op = { kind: "w", status: "acquired", cancel: null };
          ops.push(op);
          holder = ops.length - 1;
        }
        break;
      }
      case "unlock": {
        if (holder === null) {
          assert.throws(
            () => mu.unlock(),
            /^GoSyncError: sync: unlock of unlocked mutex$|unlock of unlocked mutex/,
          );
          break;
        }
        (ops[holder] as Op).status = "released";
        mu.unlock();
        holder = queue.shift() ?? null;
        break;
      }
      case "cancel": {
        const pending = ops.filter((o) => o.cancel !== null);
        const target = pending[step.pick % Math.max(1, pending.length)];
        if (target === undefined) break;
        target.cancel?.();
        const i = ops.indexOf(target);
        const q = queue.indexOf(i);
        if (q >= 0) queue.splice(q, 1);
        break;
      }
    }
    await drainAndCheck();
    for (const [k, o] of ops.entries()) {
      if (o.status === "cancelled")
        assert.ok(!queue.includes(k) && holder !== k, "a cancelled lock never acquires");
    }
    // Exactly the model's holder holds; the queue matches in length; everyone queued is pending.
    const acquired = ops.filter((o) => o.status === "acquired");
    if (holder === null) assert.equal(acquired.length, 0, "nobody holds a free mutex");
    else assert.deepEqual(acquired, [ops[holder]], "the model's holder, and only it, holds the mutex");
    assert.equal(mu.locked, holder !== null);
    assert.equal(mu.waiters, queue.length, "waiters queued (no residue after cancellation)");
    for (const q of queue) assert.equal((ops[q] as Op).status, "pending");
  }
  // Leave nothing blocked: unlock for the holder, then for each queued waiter in turn as the lock
  // is handed to it (Go lets any task unlock a Mutex).
  for (let n = holder === null ? 0 : queue.length + 1; n > 0; n--) mu.unlock();
  assert.deepEqual([mu.locked, mu.waiters], [false, 0], "after cleanup");
}

test("Mutex matches a FIFO hand-off model over 10,000 random programs", async () => {
  await fc.assert(
    fc.asyncProperty(mutexProgram, async (steps) => runMutex(steps)),
    { numRuns: 10_000 },
  );
});

// ---- RWMutex: Go's rules as invariants ------------------------------------------------------------

type RStep =
  | { t: "rLock"; ctx: boolean }
  | { t: "lock"; ctx: boolean }
  | { t: "tryRLock" }
  | { t: "tryLock" }
  | { t: "rUnlock"; pick: number }
  | { t: "unlock" }
  | { t: "cancel"; pick: number };

const rwProgram = fc.array(
  fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant("rLock" as const), ctx: fc.boolean() }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("lock" as const), ctx: fc.boolean() }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("tryRLock" as const) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("tryLock" as const) }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("rUnlock" as const), pick: fc.nat(30) }) },
    { weight: 3, arbitrary: fc.record({ t: fc.constant("unlock" as const) }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("cancel" as const), pick: fc.nat(30) }) },
  ),
  { minLength: 1, maxLength: 30 },
);

async function runRW(steps: RStep[]): Promise<void> {
  const rw = new RWMutex();
  const ops: Op[] = [];
  /** Readers that were waiting when a writer unlocked: they must be inside before the next writer. */
  for (const step of steps) {
    const holders = () => ops.filter((o) => o.status === "acquired");
    switch (step.t) {
      case "rLock":
      case "lock": {
        const [ctx, cancel] = withCtx(step.ctx);
        const op: Op = { kind: step.t === "rLock" ? "r" : "w", status: "pending", cancel };
        ops.push(op);
        recordOutcome(op, step.t === "rLock" ? rw.rLock(ctx) : rw.lock(ctx));
        break;
      }
      case "tryRLock": {
        const writerAround = ops.some(
          (o) => o.kind === "w" && (o.status === "acquired" || o.status === "pending"),
        );
        const got = rw.tryRLock();
        assert.equal(got, !writerAround, "tryRLock fails exactly when a writer holds or waits");
        if (got) ops.push({ kind: "r", status: "acquired", cancel: null });
        break;
      }
      case "tryLock": {
        const busy = ops.some((o) => o.status === "acquired" || (o.kind === "w" && o.status === "pending"));
        const got = rw.tryLock();
        assert.equal(got, !busy, "tryLock succeeds exactly when nobody holds and no writer waits");
        if (got) ops.push({ kind: "w", status: "acquired", cancel: null });
        break;
      }
      case "rUnlock": {
        const readers = holders().filter((o) => o.kind === "r");
        const r = readers[step.pick % Math.max(1, readers.length)];
        if (r === undefined) {
          assert.throws(() => rw.rUnlock(), /sync: RUnlock of unlocked RWMutex/);
          break;
        }
        r.status = "released";
        rw.rUnlock();
        break;
      }
      case "unlock": {
        const w = holders().find((o) => o.kind === "w");
        if (w === undefined) {
          assert.throws(() => rw.unlock(), /sync: Unlock of unlocked RWMutex/);
          break;
        }
        // Readers waiting now must all be inside before any writer waiting now.
        const waitingReaders = ops.filter((o) => o.kind === "r" && o.status === "pending");
        w.status = "released";
        rw.unlock();
        await drainAndCheck();
        for (const r of waitingReaders)
          assert.equal(r.status, "acquired", "waiting readers go in when a writer leaves");
        break;
      }
      case "cancel": {
        const cancellable = ops.filter((o) => o.cancel !== null);
        const target = cancellable[step.pick % Math.max(1, cancellable.length)];
        target?.cancel?.();
        break;
      }
    }
    await drainAndCheck();
    const inside = holders();
    const writers = inside.filter((o) => o.kind === "w").length;
    const readers = inside.length - writers;
    assert.ok(writers <= 1, "at most one writer");
    assert.ok(writers === 0 || readers === 0, "never a writer and a reader together");
    assert.equal(rw.readers, readers);
    assert.equal(rw.writing, writers === 1);
    const pendingW = ops.filter((o) => o.kind === "w" && o.status === "pending").length;
    const pendingR = ops.filter((o) => o.kind === "r" && o.status === "pending").length;
    assert.equal(
      rw.waiters,
      pendingW + pendingR,
      "every pending operation is queued, nothing else (no residue)",
    );
    // No lost wake-up: nobody waits on a lock that is free; readers wait only behind a writer.
    if (inside.length === 0) assert.equal(pendingW + pendingR, 0, "a free RWMutex has no waiters");
    if (pendingR > 0) assert.ok(writers === 1 || pendingW > 0, "a reader waits only behind a writer");
    if (pendingW > 0) assert.ok(inside.length > 0, "a writer waits only while someone holds the lock");
  }
  // Leave nothing blocked: release whoever holds the lock (Go lets any task unlock), and whoever
  // it is handed to in turn, until it is free.
  for (let i = 0; i < steps.length + 1 && (rw.writing || rw.readers > 0); i++) {
    if (rw.writing) rw.unlock();
    else for (let r = rw.readers; r > 0; r--) rw.rUnlock();
  }
  assert.deepEqual([rw.writing, rw.readers, rw.waiters], [false, 0, 0], "after cleanup");
}

test("RWMutex keeps Go's reader/writer rules over 10,000 random programs", async () => {
  await fc.assert(
    fc.asyncProperty(rwProgram, async (steps) => runRW(steps)),
    { numRuns: 10_000 },
  );
});

// ---- WaitGroup: a counter -----------------------------------------------------------------------

type WStep = { t: "add"; n: number } | { t: "wait"; ctx: boolean } | { t: "cancel"; pick: number };

const wgProgram = fc.array(
  fc.oneof(
    fc.record({ t: fc.constant("add" as const), n: fc.integer({ min: -2, max: 2 }) }),
    fc.record({ t: fc.constant("wait" as const), ctx: fc.boolean() }),
    fc.record({ t: fc.constant("cancel" as const), pick: fc.nat(20) }),
  ),
  { minLength: 1, maxLength: 25 },
);

async function runWaitGroup(steps: WStep[]): Promise<void> {
  const wg = new WaitGroup();
  let count = 0;
  const waits: Op[] = [];
  /** Waiters that started since the counter was last zero: none may be released before it is. */
  let sinceZero: Op[] = [];
  for (const step of steps) {
    if (step.t === "add") {
      if (count + step.n < 0) {
        assert.throws(() => wg.add(step.n), /sync: negative WaitGroup counter/);
        assert.equal(wg.count, count, "a rejected add changes nothing");
      } else {
        wg.add(step.n);
        count += step.n;
        if (count === 0) sinceZero = [];
      }
    } else if (step.t === "wait") {
      const [ctx, cancel] = withCtx(step.ctx);
      const op: Op = { kind: "r", status: "pending", cancel };
      waits.push(op);
      if (count > 0) sinceZero.push(op);
      // A waiter released at zero checks on resuming that the group was not reused meanwhile; here
      // the event loop drains before the next add, so it never is.
      recordOutcome(op, wg.wait(ctx));
    } else {
      const c = waits.filter((o) => o.cancel !== null);
      c[step.pick % Math.max(1, c.length)]?.cancel?.();
    }
    await drainAndCheck();
    const pending = waits.filter((o) => o.status === "pending").length;
    if (count === 0) assert.equal(pending, 0, "at zero every waiter is released");
    for (const w of sinceZero)
      assert.notEqual(w.status, "acquired", "released before the counter reached zero");
  }
  // Leave nothing blocked: the counter back to zero releases every waiter.
  if (count > 0) wg.add(-count);
  assert.equal(wg.count, 0, "after cleanup");
}

test("WaitGroup releases waiters exactly at zero over 5,000 random programs", async () => {
  await fc.assert(
    fc.asyncProperty(wgProgram, async (steps) => runWaitGroup(steps)),
    { numRuns: 5_000 },
  );
});
