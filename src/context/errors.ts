// Go's two context errors, as sentinels: `ctx.err()` returns one of these very objects, so
// `ctx.err() === Canceled` works like Go's `errors.Is(err, context.Canceled)`.

import { GoSyncError } from "../internal/errors.js";

/**
 * The class of {@link Canceled}: Go's `context canceled`.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * cancel();
 * ctx.err() instanceof CanceledError; // true; and ctx.err() === Canceled
 * ```
 */
export class CanceledError extends GoSyncError {
  constructor() {
    super("context canceled");
  }
}

/**
 * The class of {@link DeadlineExceeded}: Go's `context deadline exceeded`; `timeout()` is true.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 100);
 * try { await ch.recv(ctx); } catch (e) { if (e instanceof DeadlineExceededError) console.log("too slow"); }
 * finally { cancel(); }
 * ```
 */
export class DeadlineExceededError extends GoSyncError {
  constructor() {
    super("context deadline exceeded");
  }
  /** As Go's DeadlineExceeded implements `Timeout() bool`. */
  timeout(): boolean {
    return true;
  }
}

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
export const Canceled: CanceledError = new CanceledError();

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
export const DeadlineExceeded: DeadlineExceededError = new DeadlineExceededError();
