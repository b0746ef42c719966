// SizedGroup and ErrSizedGroup: go-pkgz/syncs. Both bound how many tasks run at
// once. By default go() never waits: tasks queue up and start as slots free (go-pkgz/syncs' default,
// bounding tasks rather than goroutines); with `preemptive`, go() waits for a slot, as ErrGroup's
// does. SizedGroup collects every error (wait() rejects with an AggregateError); ErrSizedGroup
// either does the same or, with `termOnError`, stops at the first error: the context is cancelled,
// later go() calls do nothing, and wait() rejects with that error.

import type { Context } from "../chan/context-type.js";
import { background } from "../context/background.js";
import { checkCount, checkFunction } from "../internal/errors.js";
import { type GroupTask, TaskGroup } from "./task-group.js";

/**
 * Options of {@link SizedGroup}.
 *
 * @example
 * ```ts
 * const g = new SizedGroup(4, { preemptive: true, ctx }); // go() waits for a slot
 * ```
 */
export interface SizedGroupOptions {
  /** go() waits for a free slot instead of queueing the task. */
  readonly preemptive?: boolean;
  /** The tasks' context derives from this one. */
  readonly ctx?: Context;
}

/**
 * Options of {@link ErrSizedGroup}.
 *
 * @example
 * ```ts
 * const g = new ErrSizedGroup(4, { termOnError: true }); // the first error cancels the rest
 * ```
 */
export interface ErrSizedGroupOptions extends SizedGroupOptions {
  /** Cancel on the first error, skip later tasks, and report only that error. */
  readonly termOnError?: boolean;
}

function aggregate(errors: unknown[]): AggregateError {
  return new AggregateError(errors, `${errors.length} task(s) failed: ${errors.map(String).join("; ")}`);
}

/**
 * go-pkgz's SizedGroup: at most `size` tasks run at once.
 *
 * @example
 * ```ts
 * const g = new SizedGroup(10);
 * for (const f of files) g.go(() => compress(f));
 * await g.wait();
 * ```
 */
export class SizedGroup {
  /** The group's slots and tasks, shared with ErrSizedGroup. */
  protected readonly core: TaskGroup;
  readonly #preemptive: boolean;

  constructor(size: number, options: SizedGroupOptions = {}) {
    // Only ErrSizedGroup's options can ask for termOnError; for a SizedGroup it is always absent.
    const term = (options as ErrSizedGroupOptions).termOnError === true;
    this.core = new TaskGroup({ ctx: options.ctx ?? (term ? background() : undefined), cancelOnError: term });
    this.core.limit = checkCount("size", size, 1);
    this.#preemptive = options.preemptive === true;
  }

  /** The tasks' context. */
  get ctx(): Context {
    return this.core.ctx;
  }

  /** Runs fn when a slot is free. Preemptive: returns a promise that resolves once it started. */
  go(fn: GroupTask): void | Promise<void> {
    if (!this.#preemptive) {
      this.core.enqueue(fn);
      return;
    }
    if (this.core.hasRoom && this.core.pending === this.core.active) {
      this.core.start(fn);
      return;
    }
    return new Promise<void>((started) => this.core.enqueue(fn, started));
  }

  /** Waits for every task; rejects with an AggregateError of everything they threw. */
  async wait(): Promise<void> {
    await this.core.idle();
    if (this.core.failed) throw aggregate(this.core.errors);
  }
}

/**
 * go-pkgz's ErrSizedGroup: a SizedGroup with error handling and optional terminate-on-error.
 *
 * @example
 * ```ts
 * const g = new ErrSizedGroup(4, { termOnError: true });
 * for (const job of jobs) g.go(() => run(job));
 * await g.wait(); // the first error
 * ```
 */
export class ErrSizedGroup extends SizedGroup {
  readonly #term: boolean;

  constructor(size: number, options: ErrSizedGroupOptions = {}) {
    super(size, options);
    this.#term = options.termOnError === true;
  }

  override go(fn: GroupTask): void | Promise<void> {
    if (this.#term && this.core.failed) return; // terminated: later tasks do not run
    if (!this.#term) return super.go(fn);
    checkFunction("fn", fn);
    return super.go((ctx) => (this.core.failed ? undefined : fn(ctx))); // queued ones are skipped too
  }

  override async wait(): Promise<void> {
    await this.core.idle();
    if (!this.core.failed) return;
    if (this.#term) throw this.core.errors[0];
    throw aggregate(this.core.errors);
  }
}
