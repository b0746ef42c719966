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
import { blockBegin, blockEnd, registry, type TaskRecord, taskEnd } from "../internal/registry.js";
import { asPromise } from "../internal/thenable.js";
import { beginTask } from "../task/go.js";

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

/**
 * How many group tasks (of any group) are in their synchronous part on the current call stack. A
 * startNow from inside one defers instead, so a chain of tasks that each start the next never nests
 * frames: the stack holds at most one group task's synchronous part.
 */
let syncDepth = 0;

export class TaskGroup {
  readonly ctx: Context;
  readonly #cancel: CancelCauseFunc | null;
  readonly #cancelOnError: boolean;
  /** Max concurrently running tasks; Infinity for none. */
  limit = Number.POSITIVE_INFINITY;
  /** Tasks running now (including started ones waiting in #ready for their slot's first turn). */
  active = 0;
  readonly errors: unknown[] = [];
  failed = false;
  readonly #queue = new ChunkQueue<Queued>();
  #idle: (() => void)[] = [];
  /**
   * Tasks started (their slot counted in `active`) that no slot runs yet: a slot whose task ends
   * takes the next one from here, and the turn's spawn check opens a slot for each one still left
   * (see start).
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

  /**
   * Starts fn now, inside this call (the caller checked fn, and the limit if there is one): its
   * synchronous part runs before startNow returns, as a goroutine may run on another P before Go's
   * `go` statement returns. From inside a group task's synchronous part, it defers as start does.
   */
  startNow(fn: GroupTask): void {
    if (syncDepth > 0) {
      this.start(fn);
      return;
    }
    this.active++;
    this.#open(fn);
  }

  /** Starts fn on a later microtask (the caller checked the limit, or there is none). */
  start(fn: GroupTask): void {
    checkFunction("fn", fn);
    this.active++;
    // Not a slot per task: fn waits out the current microtask turn in #ready, where a slot whose
    // task ends in this turn takes it, and the spawn check at the end of the turn opens a slot for
    // every task still there. Either way fn starts a microtask or two after start returns and never
    // waits for another task to end.
    this.#ready.push(fn);
    if (!this.#spawnScheduled) {
      this.#spawnScheduled = true;
      RESOLVED.then(this.#spawn);
    }
  }

  readonly #spawn = (): void => {
    this.#spawnScheduled = false;
    while (this.#ready.size > 0) this.#open(this.#ready.shift());
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

  // A slot is one task (a goroutine, for the task count and diagnostics) that runs fn and then,
  // as long as there is one, the next task waiting for a slot: a started one that no slot has taken
  // yet, else the queue's head. It is driven by promise reactions rather than an async function:
  // one reaction per task that returns a promise (an `await` costs a closure pair and a context
  // more), and none for a task that returns anything else. While tracking, the slot's task record
  // is the store of everything it runs (registry.runTask), its reactions included.

  /** Opens a slot (its place in `active` is already counted) and runs fn in it. */
  #open(fn: GroupTask): void {
    const record = beginTask(fn);
    if (record === undefined) this.#drive(fn, undefined);
    else registry.runTask(record, () => this.#drive(fn, record));
  }

  /** Runs fn and the tasks after it that end synchronously, until one returns a promise. */
  #drive(fn: GroupTask, record: TaskRecord | undefined): void {
    let next: GroupTask | null = fn;
    while (next !== null) {
      let done: Promise<unknown> | null;
      syncDepth++;
      try {
        done = asPromise(next(this.ctx));
      } catch (e) {
        this.fail(e);
        done = null;
      } finally {
        syncDepth--;
      }
      if (done !== null) {
        if (record === undefined) done.then(this.#ended, this.#failed);
        else {
          done.then(
            () => this.#after(record),
            (e: unknown) => {
              this.fail(e);
              this.#after(record);
            },
          );
        }
        return;
      }
      next = this.#next(record);
    }
  }

  readonly #ended = (): void => this.#after(undefined);

  readonly #failed = (e: unknown): void => {
    this.fail(e);
    this.#after(undefined);
  };

  /** A task of the slot ended: run the next one in it, or close the slot. */
  #after(record: TaskRecord | undefined): void {
    const next = this.#next(record);
    if (next !== null) this.#drive(next, record);
  }

  /** The task the slot runs next; null when there is none, after closing the slot. */
  #next(record: TaskRecord | undefined): GroupTask | null {
    if (this.#ready.size > 0) {
      this.active--; // the ready task's slot was counted when it was started
      return this.#ready.shift();
    }
    if (this.#queue.size > 0 && this.active <= this.limit) {
      const q = this.#queue.shift();
      q.started?.();
      return q.fn;
    }
    this.active--;
    taskEnd(record);
    this.#checkIdle();
    return null;
  }

  #checkIdle(): void {
    if (this.pending > 0 || this.#idle.length === 0) return;
    const waiters = this.#idle;
    this.#idle = [];
    for (const w of waiters) w();
  }
}
