// Timer, after(): Go's time.Timer and time.After, with Go 1.23 semantics: after stop() or reset()
// returns, no value from before the call can be received from `c`, and `c` is synchronous — its cap
// and len are 0, as Go 1.23's timer channels (runtime/chan.go's chancap/chanlen): like Go's, it
// holds one fired value internally, which a receive takes and stop/reset discard. The value is the
// time the timer was due, even when its callback ran late (Go 1.23's sendTime).
//
// Resource rules: a timer nobody waits on neither keeps the process alive nor
// holds memory — its pending clock entry refers to the channel only weakly and is cleared once the
// channel is garbage; a task blocked receiving from `c` (directly or in a select) keeps the process
// alive until the timer fires, because the channel's receive queue tells the timer when it has
// waiters. Durations are milliseconds; all time comes from the gosync clock.

import { Chan } from "../chan/chan.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { checkDuration } from "../internal/errors.js";
import type { QueueWatcher } from "../internal/waitq.js";

/**
 * A timer's or ticker's channel: one internal slot for the fired value, shown as Go 1.23 shows it —
 * cap 0 and len 0. The timer fills the slot itself (putNow); a user's trySend on it, which Go's
 * receive-only `<-chan Time` forbids, succeeds only into a waiting receiver.
 * @internal
 */
export class TimerChan extends Chan<Date> {
  constructor(name: string) {
    super(1, name);
    (this as { cap: number }).cap = 0;
  }

  /** Go 1.23's len(t.C): always 0. */
  override get length(): number {
    return 0;
  }

  /** Whether a fired value waits in the slot. */
  get holding(): boolean {
    return super.length > 0;
  }
}

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
  /** The deadline armed last (clock ms): a ticker's next one counts from it, not from when it fired. */
  #when = 0;
  readonly #ref: WeakRef<TimerChan>;
  #waiting = false;

  constructor(ch: TimerChan) {
    this.#ref = new WeakRef(ch);
    ch.recvq.watcher = this;
    finalizer.register(ch, this);
  }

  arm(ms: number): void {
    this.#armAt(clock.now(), ms);
  }

  #armAt(now: number, ms: number): void {
    this.disarm();
    this.#when = now + Math.max(ms, 0); // Go's when(d): d ≤ 0 is due now
    this.handle = clock.setTimer(this.#fire, ms);
    clock.keepAlive(this.handle, this.#waiting);
  }

  disarm(): boolean {
    if (this.handle === null) return false;
    clock.clearTimer(this.handle);
    this.handle = null;
    return true;
  }

  /**
   * Discards a value that fired but was not received (Go 1.23: no stale value after stop/reset
   * return); returns whether there was one (runtime/time.go's timerchandrain).
   */
  drain(): boolean {
    const ch = this.#ref.deref();
    if (ch === undefined || !ch.holding) return false;
    ch.tryRecv();
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
    // Go 1.23's sendTime sends Now() minus how late the send is: the time the timer was due.
    const due = this.#when;
    if (this.period > 0) {
      // runtime/time.go: the next tick is a whole number of periods after the last deadline, the
      // first one still ahead — a late callback does not shift the grid, and the ticks a stalled
      // program missed are dropped (next = when + period*(1 + delay/period)).
      const now = clock.now();
      const delay = Math.max(0, now - this.#when);
      const next = this.#when + this.period * (1 + Math.floor(delay / this.period));
      this.#armAt(now, next - now);
      this.#when = next;
    }
    // A ticker drops ticks for a slow receiver (Go does too); a timer's slot is always free here,
    // because stop and reset drain it. (A channel closed by hand — Go's receive-only `<-chan Time`
    // cannot be — gets nothing more.)
    if (!ch.holding && !ch.closed) ch.putNow(new Date(due));
  };
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
    const c = new TimerChan("timer");
    this.c = c;
    this.#core = new TimerCore(c);
    this.#core.arm(ms);
  }

  /** Stops the timer; true if that prevented it from firing (Go's result). */
  stop(): boolean {
    const active = this.#core.disarm();
    // Go 1.23: a value that fired but was never received counts as not yet delivered.
    const undelivered = this.#core.drain();
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
