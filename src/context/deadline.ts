// withDeadline, withTimeout (and their *Cause forms): Go's timerCtx. A parent's earlier deadline
// wins (the child is then a plain cancel context, as in Go). The timer goes through the gosync clock
// and keeps the process alive only while something is blocked on the context (see with-cancel.ts).

import type { Context } from "../chan/context-type.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { checkDuration } from "../internal/errors.js";
import { Canceled, DeadlineExceeded } from "./errors.js";
import { CancelCtx, type CancelFunc, checkParent } from "./with-cancel.js";

class DeadlineCtx extends CancelCtx {
  readonly #deadline: number;
  #timer: TimerHandle | null = null;
  #keepAlive = false;

  constructor(parent: Context, deadline: Date) {
    super(parent);
    this.#deadline = deadline.getTime();
  }

  override deadline(): Date {
    return new Date(this.#deadline); // a copy: Go's time.Time is a value
  }

  arm(ms: number, cause: unknown): void {
    if (this.err() !== null) return;
    this.#timer = clock.setTimer(() => {
      this.#timer = null;
      this.cancel(true, DeadlineExceeded, cause);
    }, ms);
    clock.keepAlive(this.#timer, this.#keepAlive);
  }

  override interested(on: boolean): void {
    this.#keepAlive = on;
    if (this.#timer !== null) clock.keepAlive(this.#timer, on);
  }

  override stopped(): void {
    // CancelCtx's constructor cancels at once under a cancelled parent, before this class's fields exist.
    if (!(#timer in this)) return;
    if (this.#timer !== null) clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  override toString(): string {
    return `${String(this.parent)}.WithDeadline(${new Date(this.#deadline).toISOString()})`;
  }
}

function checkDate(deadline: unknown): Date {
  if (!(deadline instanceof Date) || Number.isNaN(deadline.getTime())) {
    throw new TypeError("deadline must be a valid Date");
  }
  return deadline;
}

/** The largest time a Date can hold (ECMA-262 TimeClip); a timeout beyond it is clamped to it. */
const MAX_TIME = 8.64e15;

function timeoutDate(ms: number): Date {
  return new Date(Math.min(Math.max(clock.now() + ms, -MAX_TIME), MAX_TIME));
}

function make(parent: Context, deadline: Date, cause: unknown): [Context, CancelFunc] {
  const cur = parent.deadline();
  if (cur !== undefined && cur.getTime() <= deadline.getTime()) {
    // The parent's deadline is earlier: it will cancel the child in time.
    const ctx = new CancelCtx(parent);
    return [ctx, () => ctx.cancel(true, Canceled, undefined)];
  }
  const ctx = new DeadlineCtx(parent, deadline);
  const left = deadline.getTime() - clock.now();
  if (left <= 0) ctx.cancel(true, DeadlineExceeded, cause);
  else ctx.arm(left, cause);
  return [ctx, () => ctx.cancel(true, Canceled, undefined)];
}

/**
 * Go's context.WithDeadline: cancelled with DeadlineExceeded at `deadline` (or earlier by cancel, or
 * with its parent). Call cancel when done, to release the timer.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withDeadline(background(), new Date(Date.now() + 5000));
 * try { await work(ctx); } finally { cancel(); }
 * ```
 */
export function withDeadline(parent: Context, deadline: Date): [Context, CancelFunc] {
  return make(checkParent(parent), checkDate(deadline), undefined);
}

/**
 * Go's context.WithDeadlineCause: like withDeadline; when the deadline passes, cause(ctx) is `cause`.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withDeadlineCause(background(), end, new Error("batch window closed"));
 * ```
 */
export function withDeadlineCause(parent: Context, deadline: Date, cause: unknown): [Context, CancelFunc] {
  return make(checkParent(parent), checkDate(deadline), cause);
}

/**
 * Go's context.WithTimeout: withDeadline(parent, now + ms).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 1000);
 * try { await ch.recv(ctx); } finally { cancel(); }
 * ```
 */
export function withTimeout(parent: Context, ms: number): [Context, CancelFunc] {
  checkDuration("ms", ms);
  return make(checkParent(parent), timeoutDate(ms), undefined);
}

/**
 * Go's context.WithTimeoutCause: withDeadlineCause(parent, now + ms, cause).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeoutCause(background(), 100, new Error("backend too slow"));
 * ```
 */
export function withTimeoutCause(parent: Context, ms: number, cause: unknown): [Context, CancelFunc] {
  checkDuration("ms", ms);
  return make(checkParent(parent), timeoutDate(ms), cause);
}
