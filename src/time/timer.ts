// Timer, after(): Go's time.Timer and time.After, with Go 1.23 semantics: after stop() or reset()
// returns, no value from before the call can be received from `c`.
//
// Resource rules (DESIGN.md principle 4): a timer nobody waits on neither keeps the process alive nor
// holds memory — its pending clock entry refers to the channel only weakly and is cleared once the
// channel is garbage; a task blocked receiving from `c` (directly or in a select) keeps the process
// alive until the timer fires, because the channel's receive queue tells the timer when it has
// waiters. Durations are milliseconds; all time comes from the gosync clock.

import { Chan } from "../chan/chan.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { checkDuration } from "../internal/errors.js";
import type { QueueWatcher } from "../internal/waitq.js";

/** Channels someone is blocked receiving from: held strongly so their pending timers stay alive. */
const awaited = new Set<Chan<Date>>();

const finalizer = new FinalizationRegistry<TimerCore>((core) => core.disarm());

/**
 * The clock entry behind a timer or ticker channel. It refers to its channel weakly; the channel
 * (through its receive queue's watcher) refers to it strongly.
 * @internal
 */
export class TimerCore implements QueueWatcher {
  handle: TimerHandle | null = null;
  /** > 0 for a ticker. */
  period = 0;
  readonly #ref: WeakRef<Chan<Date>>;
  #waiting = false;

  constructor(ch: Chan<Date>) {
    this.#ref = new WeakRef(ch);
    ch.recvq.watcher = this;
    finalizer.register(ch, this);
  }

  arm(ms: number): void {
    this.disarm();
    this.handle = clock.setTimer(this.#fire, ms);
    clock.keepAlive(this.handle, this.#waiting);
  }

  disarm(): boolean {
    if (this.handle === null) return false;
    clock.clearTimer(this.handle);
    this.handle = null;
    return true;
  }

  onWaiting(waiting: boolean): void {
    this.#waiting = waiting;
    const ch = this.#ref.deref();
    if (ch !== undefined) {
      if (waiting) awaited.add(ch);
      else awaited.delete(ch);
    }
    if (this.handle !== null) clock.keepAlive(this.handle, waiting);
  }

  readonly #fire = (): void => {
    this.handle = null;
    const ch = this.#ref.deref();
    if (ch === undefined) return;
    if (this.period > 0) this.arm(this.period);
    // A ticker drops ticks for a slow receiver (Go does too); a timer's slot is always free here,
    // because stop and reset drain it.
    if (ch.length === 0) ch.trySend(new Date(clock.now()));
  };
}

/** Discards a value that fired before stop/reset (Go 1.23: no stale value after they return). */
export function drain(ch: Chan<Date>): void {
  while (ch.length > 0) ch.tryRecv();
}

/**
 * Go's time.Timer: sends the current time on `c` once, after `ms` milliseconds.
 *
 * @example
 * ```ts
 * const t = new Timer(1000);
 * await select(recv(t.c, () => "timeout"), recv(done, () => "done"));
 * t.stop();
 * ```
 */
export class Timer {
  /** Receives the time once the timer fires. */
  readonly c: Chan<Date>;
  readonly #core: TimerCore;

  constructor(ms: number) {
    checkDuration("ms", ms);
    this.c = new Chan<Date>(1, "timer");
    this.#core = new TimerCore(this.c);
    this.#core.arm(ms);
  }

  /** Stops the timer; true if that prevented it from firing (Go's result). */
  stop(): boolean {
    const active = this.#core.disarm();
    // Go 1.23: a value that fired but was never received counts as not yet delivered.
    const undelivered = this.c.length > 0;
    drain(this.c);
    return active || undelivered;
  }

  /** Makes the timer fire `ms` from now; true if it had been active (Go's result). */
  reset(ms: number): boolean {
    checkDuration("ms", ms);
    const active = this.stop();
    this.#core.arm(ms);
    return active;
  }
}

/**
 * Go's time.After: a channel that receives the time once, after `ms`. Abandoning it (say, a select
 * that finished through another case) costs nothing: it keeps neither the process nor memory.
 *
 * @example
 * ```ts
 * await select(recv(result, (v) => v), recv(after(500), () => { throw new Error("timeout"); }));
 * ```
 */
export function after(ms: number): Chan<Date> {
  return new Timer(ms).c;
}
