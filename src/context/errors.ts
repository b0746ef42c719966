// Go's two context errors, as sentinels: `ctx.err()` returns one of these very objects, so
// `ctx.err() === Canceled` works like Go's `errors.Is(err, context.Canceled)` — across copies of
// gosync too (ESM and CommonJS side by side): the sentinels are process-wide.

import { brand, GoSyncError } from "../internal/errors.js";
import { processWide } from "../internal/process-wide.js";

/** The class of {@link Canceled}: Go's `context canceled`. */
export class CanceledError extends GoSyncError {
  constructor() {
    super("context canceled");
  }
}
brand(CanceledError, "CanceledError");

/** The class of {@link DeadlineExceeded}: Go's `context deadline exceeded`; `timeout()` is true. */
export class DeadlineExceededError extends GoSyncError {
  constructor() {
    super("context deadline exceeded");
  }
  /** As Go's DeadlineExceeded implements `Timeout() bool`. */
  timeout(): boolean {
    return true;
  }
}
brand(DeadlineExceededError, "DeadlineExceededError");

/**
 * Go's context.Canceled: what `ctx.err()` returns (and blocked calls reject with) once a context is
 * cancelled.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * cancel();
 * ctx.err() === Canceled; // true
 * ```
 */
export const Canceled: CanceledError = processWide("Canceled/1", () => new CanceledError());

/**
 * Go's context.DeadlineExceeded: what `ctx.err()` returns once a context's deadline passed.
 *
 * @example
 * ```ts
 * const [ctx] = withTimeout(background(), 10);
 * await sleep(20);
 * ctx.err() === DeadlineExceeded; // true
 * ```
 */
export const DeadlineExceeded: DeadlineExceededError = processWide(
  "DeadlineExceeded/1",
  () => new DeadlineExceededError(),
);
