// sleep(): Go's time.Sleep, cancellable. A sleeping task keeps the process alive, as it should:
// it will wake up. Cancelled, it rejects with the ctx's error and clears its clock entry.

import type { Canceller } from "../chan/context-type.js";
import {
  type CancelListener,
  type CancelSource,
  enterCall,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { durationError } from "../internal/errors.js";
import { blockBegin, blockEnd, blockFail } from "../internal/registry.js";

class Sleeper implements CancelListener {
  handle: TimerHandle | null = null;
  src: CancelSource | null = null;
  resolve: () => void = () => {};
  reject: (e: unknown) => void = () => {};

  readonly wake = (): void => {
    this.handle = null;
    if (this.src !== null) this.src[UNSUBSCRIBE](this);
    blockEnd(this);
    this.resolve();
  };

  onCancel(reason: unknown): void {
    if (this.handle !== null) clock.clearTimer(this.handle);
    this.handle = null;
    blockFail(this, reason);
    this.reject(reason);
  }
}

/**
 * Waits `ms` milliseconds (Go's time.Sleep); ≤ 0 returns at once. Rejects with the ctx's error if
 * cancelled first, and with a TypeError for an `ms` that is NaN or not a number.
 *
 * @example
 * ```ts
 * await sleep(100);
 * await sleep(60_000, ctx); // rejects with Canceled when ctx is cancelled
 * ```
 */
export function sleep(ms: number, ctx?: Canceller): Promise<void> {
  const bad = durationError("ms", ms);
  if (bad !== null) return Promise.reject(bad);
  const src = enterCall(ctx, "sleep", null);
  if (src instanceof Promise) return src;
  if (ms <= 0) return Promise.resolve();
  const s = new Sleeper();
  const p = new Promise<void>((resolve, reject) => {
    s.resolve = resolve;
    s.reject = reject;
  });
  s.handle = clock.setTimer(s.wake, ms);
  if (src !== null) {
    s.src = src;
    src[SUBSCRIBE](s);
  }
  blockBegin("sleep", null, s);
  return p;
}
