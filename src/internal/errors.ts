// The errors that stand for Go's panics and context errors. Go panics with a fixed text; gosync throws
// (or rejects with) a GoSyncError subclass carrying exactly that text, so `err.message` reads like Go.

/** Where a branded class keeps its brand (see brand()). */
const BRAND = Symbol.for("gosync.errorBrand/1");

/**
 * Base class of every error that stands for a Go panic or a context error. `instanceof` recognises
 * gosync's errors by brand, so an error from another copy of gosync (the CommonJS build beside the
 * ESM one, another install) is an instance of this copy's class of the same name too.
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

  /** `x instanceof C`: C's prototype in x's chain, or, for gosync's own classes, C's brand on x. */
  static override [Symbol.hasInstance]<T>(this: abstract new (...args: never[]) => T, x: unknown): x is T {
    // biome-ignore lint/complexity/noThisInStatic: `this` is the class right of instanceof (a subclass too)
    return isInstance(this, x);
  }
}

function isInstance(cls: abstract new (...args: never[]) => unknown, x: unknown): boolean {
  if (Function.prototype[Symbol.hasInstance].call(cls, x)) return true;
  if (typeof x !== "object" || x === null || !Object.hasOwn(cls, BRAND)) return false;
  const key = (cls as unknown as Record<symbol, symbol | undefined>)[BRAND];
  if (key === undefined) return false;
  return (x as Record<symbol, unknown>)[key] === true;
}

/**
 * @internal Brands `cls` as gosync's error class `id`: its instances, from any copy of gosync, are
 * `instanceof` it in every copy. A subclass users write is not branded, and `instanceof` it is plain.
 */
export function brand(cls: abstract new (...args: never[]) => GoSyncError, id: string): void {
  const key = Symbol.for(`gosync.error.${id}`);
  Object.defineProperty(cls, BRAND, { value: key });
  Object.defineProperty(cls.prototype, key, { value: true });
}
brand(GoSyncError, "GoSyncError");

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
brand(ChanClosedError, "ChanClosedError");

/** Go's `send on closed channel`. */
export const sendOnClosed = (): ChanClosedError => new ChanClosedError("send on closed channel");
/** Go's `close of closed channel`. */
export const closeOfClosed = (): ChanClosedError => new ChanClosedError("close of closed channel");

// Each rule comes twice: `check*` throws (synchronous calls), `*Error` returns the error or null, so a
// promise-returning call can `return Promise.reject(err)` instead — it must never throw.

/** The RangeError naming the argument unless `n` is a finite integer ≥ 0 (≥ min); else null. */
export function countError(name: string, n: unknown, min = 0): RangeError | null {
  if (typeof n !== "number" || !Number.isInteger(n) || n < min) {
    return new RangeError(`${name} must be an integer >= ${min}, got ${String(n)}`);
  }
  return null;
}

/** Throws a RangeError naming the argument unless `n` is a finite integer ≥ 0 (≥ min). */
export function checkCount(name: string, n: unknown, min = 0): number {
  const e = countError(name, n, min);
  if (e !== null) throw e;
  return n as number;
}

/** The TypeError naming the argument unless `ms` is a number that is not NaN; else null. */
export function durationError(name: string, ms: unknown): TypeError | null {
  if (typeof ms !== "number" || Number.isNaN(ms)) {
    return new TypeError(`${name} must be a number of milliseconds, got ${String(ms)}`);
  }
  return null;
}

/** Throws a TypeError naming the argument unless `ms` is a number that is not NaN. */
export function checkDuration(name: string, ms: unknown): number {
  const e = durationError(name, ms);
  if (e !== null) throw e;
  return ms as number;
}

/** The TypeError naming the argument unless `f` is a function; else null. */
export function functionError(name: string, f: unknown): TypeError | null {
  return typeof f === "function" ? null : new TypeError(`${name} must be a function, got ${typeof f}`);
}

/** Throws a TypeError naming the argument unless `f` is a function. */
export function checkFunction(name: string, f: unknown): void {
  const e = functionError(name, f);
  if (e !== null) throw e;
}
