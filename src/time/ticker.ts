// Ticker, tick(): Go's time.Ticker and time.Tick (tick returns null for a period ≤ 0, as Go's nil).
// Ticks stay on the grid of the first deadline (each is scheduled from the previous deadline, not
// from when the callback ran, so a busy event loop does not make them drift); ticks a slow receiver
// or a stalled program missed are dropped, and the channel holds at most one, as in Go (runtime/
// time.go). After stop() or reset() no stale tick is received (Go 1.23). Like a Timer, a ticker
// nobody waits on keeps neither the process alive nor memory.

import type { Chan } from "../chan/chan.js";
import { checkDuration } from "../internal/errors.js";
import { TimerChan, TimerCore } from "./timer.js";

function checkPeriod(ms: unknown): number {
  if (typeof ms !== "number" || !(ms > 0)) {
    throw new RangeError(
      `ms must be a positive number of milliseconds (non-positive interval for Ticker), got ${String(ms)}`,
    );
  }
  return ms;
}

/**
 * Go's time.Ticker: sends the time on `c` every `ms` milliseconds.
 *
 * @example
 * ```ts
 * const t = new Ticker(1000);
 * for (let i = 0; i < 3; i++) console.log(await t.c.recv());
 * t.stop();
 * ```
 */
export class Ticker {
  /** Go's `ticker.C`: receives the time of each tick (buffer 1: a slow receiver skips ticks, as in Go). */
  readonly c: Chan<Date>;
  readonly #core: TimerCore;

  constructor(ms: number) {
    checkPeriod(ms);
    const c = new TimerChan("ticker");
    this.c = c;
    this.#core = new TimerCore(c);
    this.#core.period = ms;
    this.#core.arm(ms);
  }

  /** Stops the ticks; no tick is received afterwards. */
  stop(): void {
    this.#core.disarm();
    this.#core.period = 0;
    this.#core.drain();
  }

  /** Restarts the ticks with period `ms`, the first one `ms` from now. */
  reset(ms: number): void {
    checkPeriod(ms);
    this.#core.disarm();
    this.#core.drain();
    this.#core.period = ms;
    this.#core.arm(ms);
  }
}

/**
 * Go's time.Tick: the channel of a Ticker that is never stopped, or `null` (Go's nil channel) when
 * `ms` ≤ 0, as time.Tick returns nil for d ≤ 0: a select case on it is never ready. A NaN or
 * non-number `ms` throws a TypeError.
 *
 * @example
 * ```ts
 * const c = tick(1000);
 * if (c !== null) for await (const t of c) console.log(t);
 * await select(recv(tick(period), onTick), recv(done, () => "stop")); // null period: never ticks
 * ```
 */
export function tick(ms: number): Chan<Date> | null {
  if (checkDuration("ms", ms) <= 0) return null;
  return new Ticker(ms).c;
}
