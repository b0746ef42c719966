// ScheduledGroup: mdlayher/schedgroup — schedule tasks to run at or after a time,
// then wait() once for all of them. Tasks run in time order (ties in scheduling order), each in its
// own task, from one timer at a time on the gosync clock. As in schedgroup: scheduling after wait()
// has been called throws, and so does a second wait(); if the group's context is cancelled, tasks not
// yet run never run and wait() rejects with the context's error.

import type { Context } from "../chan/context-type.js";
import { afterFunc } from "../context/after-func.js";
import { background } from "../context/background.js";
import { checkParent } from "../context/with-cancel.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { checkDuration, checkFunction, GoSyncError } from "../internal/errors.js";
import { TaskGroup } from "./task-group.js";

interface Entry {
  readonly at: number;
  readonly seq: number;
  readonly fn: (ctx: Context) => unknown;
}

/** A binary min-heap by (at, seq). */
class Schedule {
  readonly items: Entry[] = [];
  push(e: Entry): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!before(a[i] as Entry, a[p] as Entry)) break;
      [a[i], a[p]] = [a[p] as Entry, a[i] as Entry];
      i = p;
    }
  }
  peek(): Entry | undefined {
    return this.items[0];
  }
  pop(): Entry | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l] as Entry, a[m] as Entry)) m = l;
        if (r < a.length && before(a[r] as Entry, a[m] as Entry)) m = r;
        if (m === i) break;
        [a[i], a[m]] = [a[m] as Entry, a[i] as Entry];
        i = m;
      }
    }
    return top;
  }
}

function before(x: Entry, y: Entry): boolean {
  return x.at < y.at || (x.at === y.at && x.seq < y.seq);
}

/**
 * schedgroup's Group: tasks scheduled for later, waited for together.
 *
 * @example
 * ```ts
 * const g = new ScheduledGroup(ctx);
 * for (let i = 0; i < 3; i++) g.delay(i * 100, () => console.log(i + 1));
 * await g.wait(); // prints 1 2 3
 * ```
 */
export class ScheduledGroup {
  readonly #ctx: Context;
  readonly #group: TaskGroup;
  readonly #schedule = new Schedule();
  #timer: TimerHandle | null = null;
  #seq = 0;
  #waiting = false;

  constructor(ctx: Context = background()) {
    this.#ctx = checkParent(ctx);
    this.#group = new TaskGroup({ ctx });
  }

  /** Tasks scheduled that have not started. */
  get scheduled(): number {
    return this.#schedule.items.length;
  }

  /** Runs fn `ms` milliseconds from now. */
  delay(ms: number, fn: (ctx: Context) => unknown): void {
    checkDuration("ms", ms);
    this.#add(clock.now() + ms, fn);
  }

  /** Runs fn at `when` (at once if it has passed). */
  schedule(when: Date, fn: (ctx: Context) => unknown): void {
    if (!(when instanceof Date) || Number.isNaN(when.getTime()))
      throw new TypeError("when must be a valid Date");
    this.#add(when.getTime(), fn);
  }

  /**
   * Waits until every scheduled task has run and finished. Rejects with the context's error if it is
   * cancelled first (tasks not yet started are dropped), or with the first error a task threw.
   */
  async wait(): Promise<void> {
    if (this.#waiting) throw new GoSyncError("schedgroup: multiple calls to Group.Wait");
    this.#waiting = true;
    const ctx = this.#ctx;
    if (this.#schedule.items.length > 0 && ctx.err() === null) {
      let stop = (): boolean => false;
      await new Promise<void>((resolve) => {
        this.#drained = resolve;
        stop = afterFunc(ctx, () => {
          this.#disarm();
          this.#schedule.items.length = 0;
          resolve();
        });
        this.#arm();
      });
      stop();
    }
    await this.#group.idle();
    const err = ctx.err();
    if (err !== null) throw err;
    if (this.#group.failed) throw this.#group.errors[0];
  }

  #drained: (() => void) | null = null;

  #add(at: number, fn: (ctx: Context) => unknown): void {
    checkFunction("fn", fn);
    if (this.#waiting)
      throw new GoSyncError("schedgroup: attempted to schedule task after Group.Wait was called");
    this.#schedule.push({ at, seq: this.#seq++, fn });
    this.#arm();
  }

  #arm(): void {
    this.#disarm();
    const next = this.#schedule.peek();
    if (next === undefined) {
      this.#drained?.();
      return;
    }
    this.#timer = clock.setTimer(this.#fire, next.at - clock.now());
    // Before wait() nothing awaits the schedule; keep the process alive only once someone waits.
    clock.keepAlive(this.#timer, this.#waiting);
  }

  #disarm(): void {
    if (this.#timer !== null) clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  readonly #fire = (): void => {
    this.#timer = null;
    if (this.#ctx.err() !== null) {
      this.#schedule.items.length = 0; // cancelled: tasks not yet run never run
      this.#drained?.();
      return;
    }
    const now = clock.now();
    for (let e = this.#schedule.peek(); e !== undefined && e.at <= now; e = this.#schedule.peek()) {
      this.#schedule.pop();
      this.#group.start(e.fn);
    }
    this.#arm();
  };
}
