// Ticker, tick(): Go's time.Ticker and time.Tick. Ticks are dropped for a slow receiver (the channel
// holds at most one), as in Go; after stop() or reset() no stale tick is received (Go 1.23). Like a
// Timer, a ticker nobody waits on keeps neither the process alive nor memory.

import { Chan } from "../chan/chan.js";
import { drain, TimerCore } from "./timer.js";

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
    this.c = new Chan<Date>(1, "ticker");
    this.#core = new TimerCore(this.c);
    this.#core.period = ms;
    this.#core.arm(ms);
  }

  /** Stops the ticks; no tick is received afterwards. */
  stop(): void {
    this.#core.disarm();
    this.#core.period = 0;
    drain(this.c);
  }

  /** Restarts the ticks with period `ms`, the first one `ms` from now. */
  reset(ms: number): void {
    checkPeriod(ms);
    this.#core.disarm();
    drain(this.c);
    this.#core.period = ms;
    this.#core.arm(ms);
  }
}

/**
 * Go's time.Tick: the channel of a Ticker that is never stopped.
 *
 * @example
 * ```ts
 * for await (const t of tick(1000)) console.log(t);
 * ```
 */
export function tick(ms: number): Chan<Date> {
  return new Ticker(ms).c;
}
