// The shared core of the group family (ErrGroup, SizedGroup, ErrSizedGroup, the gollback/Hunch
// combinators, ScheduledGroup): run tasks, at most `limit` at a time, each given the group's
// context; record what they throw (the first error, or all of them); optionally cancel the context
// on the first error; and wait for every task to stop. The public types differ only in policy: who
// waits when the limit is reached (the caller of go(), or a queue), what an error does, and what
// wait() reports. Not exported from the package.

import type { Context } from "../chan/context-type.js";
import { background } from "../context/background.js";
import { type CancelCauseFunc, withCancelCause } from "../context/with-cancel.js";
import { ChunkQueue } from "../internal/chunk-queue.js";
import { checkFunction } from "../internal/errors.js";
import { blockBegin, blockEnd } from "../internal/registry.js";
import { go } from "../task/go.js";

const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A group task: gets the group's context; fails by throwing or rejecting.
 *
 * @example
 * ```ts
 * const task: GroupTask = async (ctx) => { const res = await fetch(url, { signal: ctx.signal }); if (!res.ok) throw new Error(res.statusText); };
 * g.go(task);
 * ```
 */
export type GroupTask = (ctx: Context) => unknown;

interface TaskGroupOptions {
  /** Derive the group's context from this one (and cancel it on the first error if asked). */
  readonly ctx?: Context | undefined;
  readonly cancelOnError?: boolean;
}

interface Queued {
  readonly fn: GroupTask;
  readonly started: (() => void) | null;
}

export class TaskGroup {
  readonly ctx: Context;
  readonly #cancel: CancelCauseFunc | null;
  readonly #cancelOnError: boolean;
  /** Max concurrently running tasks; Infinity for none. */
  limit = Number.POSITIVE_INFINITY;
  /** Tasks running now. */
  active = 0;
  readonly errors: unknown[] = [];
  failed = false;
  readonly #queue = new ChunkQueue<Queued>();
  #idle: (() => void)[] = [];
  /**
   * Tasks started (their slot counted in `active`) that no runner has picked up yet: a runner whose
   * task ends takes the next one from here, and the turn's spawn check starts a runner for each
   * one still left (see start).
   */
  readonly #ready = new ChunkQueue<GroupTask>();
  #spawnScheduled = false;

  constructor(options: TaskGroupOptions = {}) {
    if (options.ctx !== undefined) {
      const [ctx, cancel] = withCancelCause(options.ctx);
      this.ctx = ctx;
      this.#cancel = cancel;
    } else {
      this.ctx = background();
      this.#cancel = null;
    }
    this.#cancelOnError = options.cancelOnError === true;
  }

  /** Tasks started or queued that have not finished. */
  get pending(): number {
    return this.active + this.#queue.size;
  }

  /** Whether a task can start now without exceeding the limit. */
  get hasRoom(): boolean {
    return this.active < this.limit;
  }

  /** Starts fn now (the caller checked the limit, or there is none). */
  start(fn: GroupTask): void {
    checkFunction("fn", fn);
    this.active++;
    // Not a go() per task: fn waits out the current microtask turn in #ready, where a runner whose
    // task ends in this turn takes it (a producer awaiting each go(), Go's `for ... { g.Go(f) }`,
    // calls go() again once per turn), and the spawn check at the end of the turn starts a runner
    // for every task still there. Either way fn starts a microtask or two after go() returns, as a
    // task started by go() does, and never waits for another task to end.
    this.#ready.push(fn);
    if (!this.#spawnScheduled) {
      this.#spawnScheduled = true;
      RESOLVED.then(this.#spawn);
    }
  }

  readonly #spawn = (): void => {
    this.#spawnScheduled = false;
    while (this.#ready.size > 0) go(this.#run, this.#ready.shift());
  };

  /**
   * Queues fn to start when there is room; `started` (if given) is called when it does. Starts it
   * at once if there is room and nothing is queued ahead.
   */
  enqueue(fn: GroupTask, started: (() => void) | null = null): void {
    checkFunction("fn", fn);
    if (this.active < this.limit && this.#queue.size === 0) {
      this.start(fn);
      started?.();
    } else {
      this.#queue.push({ fn, started });
    }
  }

  /** Records an error as if a task had thrown it. */
  fail(error: unknown): void {
    this.errors.push(error);
    if (!this.failed) {
      this.failed = true;
      if (this.#cancelOnError) this.#cancel?.(error);
    }
  }

  /** Drops queued tasks that have not started (their `started` is never called). */
  dropQueued(): void {
    this.#queue.clear();
    this.#checkIdle();
  }

  /** Resolves once no task is running or queued. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    // On record as a blocked operation, so dumps, the deadlock report and synctest see the waiter.
    return new Promise((resolve) => {
      const done = (): void => {
        blockEnd(done);
        resolve();
      };
      this.#idle.push(done);
      blockBegin("errgroup.Wait", this, done);
    });
  }

  /** Cancels the group's context (with a cause, if any). */
  cancel(cause?: unknown): void {
    this.#cancel?.(cause);
  }

  readonly #run = async (fn: GroupTask): Promise<void> => {
    // A task that finishes hands its slot on by running the next task itself: a started one that
    // no runner has picked up yet, else the queue's head. One go() per slot rather than per task.
    let next: GroupTask | null = fn;
    while (next !== null) {
      try {
        await next(this.ctx);
      } catch (e) {
        this.fail(e);
      }
      next = null;
      if (this.#ready.size > 0) {
        this.active--; // the ready task's slot was counted when it was started
        next = this.#ready.shift();
      } else if (this.#queue.size > 0 && this.active <= this.limit) {
        const q = this.#queue.shift();
        q.started?.();
        next = q.fn;
      }
    }
    this.active--;
    this.#checkIdle();
  };

  #checkIdle(): void {
    if (this.pending > 0 || this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
