// Go's two context errors, as sentinels: `ctx.err()` returns one of these very objects, so
// `ctx.err() === Canceled` works like Go's `errors.Is(err, context.Canceled)` — across copies of
// gosync too (ESM and CommonJS side by side): the sentinels are process-wide.

import { brand, GoSyncError } from "../internal/errors.js";
import { processWide } from "../internal/process-wide.js";
import { type FailedCall, latestFailedCall } from "../internal/registry.js";

export type { FailedCall };

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
brand(CanceledError, "CanceledError");

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

/**
 * Which blocking call failed on its ctx. A cancelled or timed-out call rejects with the shared
 * {@link Canceled} / {@link DeadlineExceeded} object (so `err === DeadlineExceeded` works, as Go's
 * `errors.Is`), which cannot say where it came from; while task tracking is on (GOSYNC_DEBUG=track,
 * or `stacks` for the call site too) every such failure is recorded, and this returns the latest
 * one of the current task (of the program, when tasks cannot be told apart) — with `error`, only
 * if it failed with that very object. `undefined` when nothing was recorded. See docs/errors.md.
 *
 * @example
 * ```ts
 * try {
 *   await jobs.recv(ctx);
 * } catch (e) {
 *   if (e !== DeadlineExceeded) throw e;
 *   const f = failedCall(e); // { op: "chan receive", target: jobs, stack: "...at crawl (crawler.ts:42:18)..." }
 *   log.warn(`timed out in ${f?.op ?? "a blocking call"}`);
 * }
 * ```
 */
export function failedCall(error?: unknown): FailedCall | undefined {
  return latestFailedCall(error);
}
