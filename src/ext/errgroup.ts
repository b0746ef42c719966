// ErrGroup: x/sync/errgroup.Group. go() runs a task; wait() waits for all of them and rejects with
// the first error. With withContext, the derived context is cancelled (cause: that error) on the
// first error, or when wait() returns. setLimit(n) bounds the running tasks: go() then waits for a
// slot (its promise resolves once fn has started), tryGo() does not. Errors thrown by tasks are
// captured, never fatal. Below the limit fn starts inside go(): its synchronous part runs before go()
// returns (an interleaving Go allows: the new goroutine may run on another P before Go returns), so
// a producer awaiting each go() costs one microtask hop for itself and one per task. Where it
// differs from Go: wait() rejects instead of returning the error; tasks receive the group's context
// as their argument.

import type { Context } from "../chan/context-type.js";
import { checkParent } from "../context/with-cancel.js";
import { checkFunction, GoSyncError } from "../internal/errors.js";
import { type GroupTask, TaskGroup } from "./task-group.js";

/** What go() returns when fn started at once: already resolved, shared. */
const STARTED: Promise<void> = Promise.resolve();

/**
 * x/sync's errgroup.Group: a group of tasks working on subtasks of a common task.
 *
 * @example
 * ```ts
 * const [g, ctx] = ErrGroup.withContext(background());
 * for (const url of urls) g.go(() => fetchPage(url, ctx));
 * await g.wait(); // rejects with the first error; ctx is cancelled by it
 * ```
 */
export class ErrGroup {
  readonly #core: TaskGroup;

  /** Go's zero Group: no limit, no context. */
  constructor(ctx?: Context) {
    this.#core = new TaskGroup({ ctx, cancelOnError: true });
  }

  /** Go's errgroup.WithContext: a group and a context cancelled by its first error (or by wait). */
  static withContext(ctx: Context): [ErrGroup, Context] {
    const g = new ErrGroup(checkParent(ctx));
    return [g, g.#core.ctx];
  }

  /**
   * Runs fn in a new task: Go's `g.Go(f)`. Returns a promise to await, because Go's Go blocks while
   * the limit is reached: then it resolves once fn has started. Below the limit (or with none) fn
   * is started at once, inside this call up to its first await (from inside a task that go()
   * started this way, right after that task returns or awaits), and the promise is already
   * resolved, so awaiting it costs one microtask and leaving it is harmless; at a limit, a producer
   * that does not await queues every task inside the group instead of being held up. Always a
   * promise, so a linter's no-floating-promises rule flags a missing await. Throws TypeError at
   * once if fn is not a function.
   *
   * @example
   * ```ts
   * const g = new ErrGroup();
   * g.setLimit(10);
   * for (const url of urls) await g.go(() => fetchPage(url)); // at most 10 fetches at a time
   * await g.wait();
   * ```
   */
  go(fn: GroupTask): Promise<void> {
    checkFunction("fn", fn);
    const core = this.#core;
    if (core.hasRoom && core.pending === core.active) {
      core.startNow(fn);
      return STARTED;
    }
    return new Promise<void>((started) => core.enqueue(fn, started));
  }

  /** Runs fn in a new task only if that stays within the limit; reports whether it did. */
  tryGo(fn: GroupTask): boolean {
    const core = this.#core;
    if (!core.hasRoom || core.pending > core.active) return false;
    core.startNow(fn);
    return true;
  }

  /** Limits the running tasks to n; negative means no limit. Throws if tasks are running. */
  setLimit(n: number): void {
    if (typeof n !== "number" || !Number.isInteger(n))
      throw new RangeError(`n must be an integer, got ${String(n)}`);
    if (this.#core.pending > 0) {
      throw new GoSyncError(
        `errgroup: modify limit while ${this.#core.pending} goroutines in the group are still active`,
      );
    }
    this.#core.limit = n < 0 ? Number.POSITIVE_INFINITY : n;
  }

  /** Waits for every task; rejects with the first error any of them threw. */
  async wait(): Promise<void> {
    const core = this.#core;
    await core.idle();
    core.cancel(core.failed ? core.errors[0] : undefined);
    if (core.failed) throw core.errors[0];
  }
}
