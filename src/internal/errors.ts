// The errors that stand for Go's panics and context errors. Go panics with a fixed text; gosync throws
// (or rejects with) a GoSyncError subclass carrying exactly that text, so `err.message` reads like Go.

/**
 * Base class of every error that stands for a Go panic or a context error.
 *
 * @example
 * ```ts
 * try { ch.close(); } catch (e) { if (e instanceof GoSyncError) console.error(e.message); }
 * ```
 */
export class GoSyncError extends Error {
  /** The class name (`"ChanClosedError"`, `"CanceledError"`, ...), as stack traces and `util.inspect` show it. */
  override get name(): string {
    return this.constructor.name;
  }
}

/**
 * Misuse of a channel that Go makes a panic: `send on closed channel`, `close of closed channel`.
 *
 * @example
 * ```ts
 * const ch = new Chan<number>();
 * ch.close();
 * await ch.send(1).catch((e: ChanClosedError) => e.message); // "send on closed channel"
 * ```
 */
export class ChanClosedError extends GoSyncError {}

/** Go's `send on closed channel`. */
export const sendOnClosed = (): ChanClosedError => new ChanClosedError("send on closed channel");
/** Go's `close of closed channel`. */
export const closeOfClosed = (): ChanClosedError => new ChanClosedError("close of closed channel");

/** Throws a RangeError naming the argument unless `n` is a finite integer ≥ 0 (≥ min). */
export function checkCount(name: string, n: unknown, min = 0): number {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    throw new RangeError(`${name} must be an integer >= ${min}, got ${String(n)}`);
  }
  return n;
}

/** Throws a TypeError naming the argument unless `ms` is a number that is not NaN. */
export function checkDuration(name: string, ms: unknown): number {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    throw new TypeError(`${name} must be a number of milliseconds, got ${String(ms)}`);
  }
  return ms;
}

/** Throws a TypeError naming the argument unless `f` is a function. */
export function checkFunction(name: string, f: unknown): void {
  if (typeof f !== "function") throw new TypeError(`${name} must be a function, got ${typeof f}`);
}
