// fromSignal: a Context that is cancelled when an AbortSignal aborts, so code written for signals
// (fetch, streams, DOM APIs) can drive gosync contexts. err() is Canceled, or DeadlineExceeded for a
// signal that aborted with a TimeoutError (AbortSignal.timeout); cause() is the signal's reason.

import type { Context } from "../chan/context-type.js";
import { background } from "./background.js";
import { Canceled, DeadlineExceeded } from "./errors.js";
import { CancelCtx } from "./with-cancel.js";

function errFor(reason: unknown): Error {
  return typeof reason === "object" &&
    reason !== null &&
    (reason as { name?: unknown }).name === "TimeoutError"
    ? DeadlineExceeded
    : Canceled;
}

class SignalCtx extends CancelCtx {
  constructor(readonly source: AbortSignal) {
    super(background());
  }
  override get signal(): AbortSignal {
    return this.source;
  }
  override toString(): string {
    return "context.FromSignal";
  }
}

/**
 * A context cancelled when `signal` aborts; `cause(ctx)` is the signal's reason.
 *
 * @example
 * ```ts
 * const ctx = fromSignal(AbortSignal.timeout(5000)); // err() becomes DeadlineExceeded
 * const [child, cancel] = withCancel(ctx);
 * ```
 */
export function fromSignal(signal: AbortSignal): Context {
  if (typeof AbortSignal === "undefined" || !(signal instanceof AbortSignal)) {
    throw new TypeError("signal must be an AbortSignal");
  }
  const ctx = new SignalCtx(signal);
  if (signal.aborted) {
    ctx.cancel(false, errFor(signal.reason), signal.reason);
  } else {
    signal.addEventListener("abort", () => ctx.cancel(false, errFor(signal.reason), signal.reason), {
      once: true,
    });
  }
  return ctx;
}
