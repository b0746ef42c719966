// synctest: Go's testing/synctest (Go 1.25) for gosync. synctest(fn) runs fn in a "bubble": fn and
// every task started from it use a virtual clock, so timers, tickers, sleep, after and context
// deadlines take no real time. Whenever every task in the bubble is durably blocked, time jumps to
// the next pending timer; a test of a one-hour timeout runs in milliseconds, and always the same way.
// wait() blocks until every other task in the bubble is durably blocked. synctest resolves once fn
// has returned and every task of the bubble has exited; if they all block with no timer pending, it
// rejects with a DeadlockError and the dump of the bubble's tasks.
//
// How idleness is seen: JavaScript has no scheduler to ask "is anything runnable?", so the bubble's
// driver watches the event loop. It takes a turn (setImmediate: every microtask queued so far has
// run by then, and every callback queued before it) and compares the registry's progress counter
// and blocked-operation count with the previous turn. A turn in which nothing changed is quiet; in
// a quiet turn, the bubble is durably blocked when each of its live tasks has at least one gosync
// operation blocked (a channel operation, select, sleep, a lock, a context wait, wait() itself).
// Then, in Go's order: a pending wait() returns; else time advances to the next timer and fires
// everything due then; else it is a deadlock. A live task blocked on nothing gosync knows about
// (awaiting I/O, a foreign promise, yieldNow) is not durably blocked: time stands still while the
// driver polls, with a short real-time backoff, until it makes progress — or for `stallMs`, after
// which the bubble fails with the dump instead of hanging.
//
// Where it differs from Go: one bubble at a time (a second synctest while one runs rejects); code
// outside the bubble keeps the real clock meanwhile. Date.now()/new Date() are not faked — use
// bubble.now(). Bubble membership follows async context (AsyncLocalStorage), not goroutine
// identity: anything fn awaits runs inside. A task blocked on something outside the bubble (a
// channel only an outside task will send on, a context with a real deadline) still counts as
// durably blocked. If fn throws, synctest rejects with that error at once and abandons the bubble:
// its remaining tasks stay blocked and its pending timers never fire.

import { DeadlockError } from "../debug/deadlock.js";
import { collectDump, formatTaskDump, ROOTS, type TaskDump } from "../debug/dump.js";
import { currentGroup, enableTracking, groupOfTask, runAs } from "../debug/track.js";
import { type Clock, clock, setClock } from "../internal/clock.js";
import { brand, GoSyncError } from "../internal/errors.js";
import { blockBegin, blockEnd, registry, type TaskRecord } from "../internal/registry.js";
import { VIRTUAL_EPOCH, VirtualClock } from "./virtual-clock.js";

/**
 * What fn gets: the bubble's clock and its wait().
 *
 * @example
 * ```ts
 * await synctest(async (bubble) => {
 *   await sleep(90_000);
 *   bubble.elapsed(); // 90000
 *   bubble.now().toISOString(); // "2000-01-01T00:01:30.000Z"
 * });
 * ```
 */
export interface Bubble {
  /** Virtual now (starts at 2000-01-01T00:00:00Z, Go's synctest epoch). */
  now(): Date;
  /** Virtual milliseconds since the bubble started. */
  elapsed(): number;
  /** Blocks until every other task in the bubble is durably blocked (synctest.wait). */
  wait(): Promise<void>;
}

/**
 * Options of synctest.
 *
 * @example
 * ```ts
 * await synctest(body, { stallMs: 60_000 }); // body awaits slow real I/O
 * ```
 *
 * @example
 * ```ts
 * const run: Synctest = synctest;
 * await run(async () => { go(worker); await run.wait(); });
 * ```
 */
export interface SynctestOptions {
  /**
   * How long (real ms) the bubble may make no progress while some task in it is not durably
   * blocked (awaiting something outside gosync) before it fails with the dump. Default 10 000;
   * `Infinity` waits forever, as Go does.
   */
  readonly stallMs?: number;
}

/**
 * The bubble could not go on: a task awaits something outside gosync that never settles.
 *
 * @example
 * ```ts
 * await synctest(async () => { await new Promise(() => {}); }, { stallMs: 100 }).catch((e) => e instanceof StallError);
 * ```
 */
export class StallError extends GoSyncError {
  /** The bubble's tasks when it gave up. */
  readonly dump: TaskDump;
  constructor(message: string, dump: TaskDump) {
    super(`${message}\n\n${formatTaskDump(dump)}`);
    this.dump = dump;
  }
}
brand(StallError, "StallError");

/** Quiet turns taken with setImmediate before the driver backs off to short real-time pauses. */
const FAST_TURNS = 8;
const MAX_PAUSE_MS = 16;

let active: BubbleState | null = null;

class BubbleState implements Bubble {
  readonly clock: VirtualClock;
  readonly root: TaskRecord;
  rootDone = false;
  failed = false;
  error: unknown = undefined;
  waiter: { readonly key: object; readonly resolve: () => void } | null = null;

  constructor(prev: Clock) {
    this.clock = new VirtualClock(prev, () => currentGroup() === this);
    this.root = {
      id: registry.nextTaskId++,
      name: "synctest",
      startedAt: VIRTUAL_EPOCH,
      stack: registry.captureStacks ? new Error("synctest").stack : undefined,
    };
    ROOTS.add(this.root);
  }

  now(): Date {
    return new Date(this.clock.virtualNow);
  }

  elapsed(): number {
    return this.clock.virtualNow - VIRTUAL_EPOCH;
  }

  wait(): Promise<void> {
    if (currentGroup() !== this) {
      return Promise.reject(new GoSyncError("synctest.wait: not called from inside the bubble"));
    }
    if (this.waiter !== null) {
      return Promise.reject(new GoSyncError("synctest.wait: called from two tasks at once"));
    }
    return new Promise<void>((resolve) => {
      const key = {};
      this.waiter = { key, resolve };
      blockBegin("synctest.Wait", null, key);
    });
  }

  /** Completes a pending wait(); false if none. */
  releaseWaiter(): boolean {
    const w = this.waiter;
    if (w === null) return false;
    this.waiter = null;
    blockEnd(w.key);
    w.resolve();
    return true;
  }

  member(task: TaskRecord | undefined): boolean {
    return groupOfTask(task) === this;
  }

  dump(): TaskDump {
    return collectDump(
      (t) => this.member(t),
      (_key, op) => this.member(op.task),
      this.clock.virtualNow,
    );
  }
}

/** What a quiet turn found in the bubble. */
interface View {
  /** Live tasks (the root included until fn settles). */
  readonly live: number;
  /** Live tasks with no gosync operation blocked: awaiting something else, or runnable. */
  readonly notBlocked: number;
  /** Blocked operations of the bubble's tasks (live or not). */
  readonly ops: number;
}

function look(b: BubbleState): View {
  const blocked = new Set<TaskRecord | undefined>();
  let ops = 0;
  for (const op of registry.blocked.values()) {
    if (b.member(op.task)) {
      ops++;
      blocked.add(op.task);
    }
  }
  let live = 0;
  let notBlocked = 0;
  for (const t of registry.tasks) {
    if (!b.member(t)) continue;
    live++;
    if (!blocked.has(t)) notBlocked++;
  }
  return { live, notBlocked, ops };
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function drive(b: BubbleState, stallMs: number): Promise<void> {
  let progress = registry.progress;
  let size = registry.blocked.size;
  let quiet = 0;
  let quietSince = Date.now();
  for (;;) {
    b.clock.fireDue();
    await (quiet < FAST_TURNS ? nextTurn() : pause(Math.min(2 ** (quiet - FAST_TURNS), MAX_PAUSE_MS)));
    if (b.failed) throw b.error;
    if (registry.progress !== progress || registry.blocked.size !== size) {
      progress = registry.progress;
      size = registry.blocked.size;
      quiet = 0;
      quietSince = Date.now();
      continue;
    }
    // A whole turn in which nothing happened.
    const v = look(b);
    if (b.rootDone && v.live === 0 && v.ops === 0) return;
    if (v.notBlocked > 0) {
      quiet++;
      if (Date.now() - quietSince >= stallMs) {
        throw new StallError(
          `synctest: no progress for ${stallMs} ms while ${v.notBlocked} task(s) of the bubble await something outside gosync (not durably blocked)`,
          b.dump(),
        );
      }
      continue;
    }
    // Durably blocked: Go's order is wait() first, then time, then deadlock.
    quiet = 0;
    quietSince = Date.now();
    if (b.releaseWaiter()) continue;
    if (b.clock.advance()) continue;
    throw new DeadlockError(
      b.rootDone
        ? "deadlock: main bubble goroutine has exited but blocked goroutines remain"
        : "deadlock: all goroutines in bubble are blocked",
      b.dump(),
    );
  }
}

/**
 * Go's testing/synctest: runs `fn` in a bubble with a virtual clock (see the file header). Resolves
 * once fn has returned and every task it started has exited; rejects with fn's error, with a
 * DeadlockError (and the dump) if everything in the bubble blocks with no timer pending, or with a
 * StallError. One bubble at a time.
 *
 * @example
 * ```ts
 * import { test } from "node:test";
 * import { synctest } from "gosync/testing";
 *
 * test("a one-hour timeout, in milliseconds", () =>
 *   synctest(async (bubble) => {
 *     const [ctx, cancel] = withTimeout(background(), 60 * 60 * 1000);
 *     await ctx.done()!.recv();
 *     assert.equal(ctx.err(), DeadlineExceeded);
 *     assert.equal(bubble.elapsed(), 60 * 60 * 1000);
 *     cancel();
 *   }));
 * ```
 */
function run(fn: (bubble: Bubble) => unknown, options: SynctestOptions = {}): Promise<void> {
  if (typeof fn !== "function") return Promise.reject(new TypeError("fn must be a function"));
  const stallMs = options.stallMs ?? 10_000;
  if (typeof stallMs !== "number" || !(stallMs > 0)) {
    return Promise.reject(new RangeError(`stallMs must be a positive number, got ${String(stallMs)}`));
  }
  if (active !== null) {
    return Promise.reject(new GoSyncError("synctest: a bubble is already running (one at a time)"));
  }
  enableTracking();
  // The virtual clock passes calls from outside the bubble through to the clock it replaces.
  const b = new BubbleState(clock);
  setClock(b.clock);
  active = b;
  registry.tasks.add(b.root);
  registry.progress++;
  const rootEnded = (): void => {
    b.rootDone = true;
    registry.tasks.delete(b.root);
    registry.progress++;
  };
  try {
    const result = runAs(b.root, b, () => fn(b));
    Promise.resolve(result).then(rootEnded, (e: unknown) => {
      rootEnded();
      b.failed = true;
      b.error = e;
    });
  } catch (e) {
    rootEnded();
    b.failed = true;
    b.error = e;
  }
  return drive(b, stallMs).finally(() => {
    setClock(b.clock.outer);
    b.clock.clear();
    active = null;
    // A failed bubble's root may never settle; it is not a go() task, so it leaves the task list.
    registry.tasks.delete(b.root);
    // Operations a failed bubble leaves blocked stay on record (they are real), re-timed from the
    // virtual clock to the real one so that later dumps show sensible waiting times.
    const shift = b.clock.outer.now() - b.clock.virtualNow;
    for (const [key, op] of registry.blocked) {
      if (b.member(op.task)) registry.blocked.set(key, { ...op, since: op.since + shift });
    }
  });
}

/**
 * Blocks until every other task in the current bubble is durably blocked (Go's synctest.Wait).
 * Rejects if called from outside a bubble, or from two tasks of one bubble at once.
 *
 * @example
 * ```ts
 * await synctest(async () => {
 *   const [ctx, cancel] = withCancel(background());
 *   let called = false;
 *   afterFunc(ctx, () => { called = true; });
 *   cancel();
 *   await synctest.wait(); // the afterFunc task has run and exited
 *   assert.ok(called);
 * });
 * ```
 */
function wait(): Promise<void> {
  const g = currentGroup();
  if (!(g instanceof BubbleState)) {
    return Promise.reject(new GoSyncError("synctest.wait: not called from inside a bubble"));
  }
  return g.wait();
}

/**
 * synctest(fn), with synctest.wait().
 *
 * @example
 * ```ts
 * await synctest(async () => {
 *   go(async () => { await sleep(60_000); done = true; });
 *   await sleep(60_000); // no real time passes
 *   await synctest.wait();
 * });
 * ```
 */
export interface Synctest {
  (fn: (bubble: Bubble) => unknown, options?: SynctestOptions): Promise<void>;
  /** Go's synctest.Wait (see {@link Bubble.wait}). */
  wait(): Promise<void>;
}

/**
 * Go's testing/synctest: `synctest(fn)` runs fn with a virtual clock; `synctest.wait()` waits until
 * the bubble's other tasks are durably blocked. See the file header for how it works.
 *
 * @example
 * ```ts
 * await synctest(async (bubble) => {
 *   const t0 = bubble.now();
 *   await sleep(5000);
 *   assert.equal(bubble.now().getTime() - t0.getTime(), 5000); // took no real time
 * });
 * ```
 */
export const synctest: Synctest = Object.assign(run, { wait });
