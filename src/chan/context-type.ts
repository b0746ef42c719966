// The Context interface (Go's context.Context) and Canceller, the type of every blocking call's
// optional last argument. They are declared here, in the channel layer, because `done()` returns a
// Chan and channel operations accept a Context, while `chan` may not import `context` (ARCHITECTURE.md,
// Layers); the context layer implements and re-exports them.

import type { Chan } from "./chan.js";

declare const contextKeyType: unique symbol;

/**
 * A typed key for {@link Context.value}, made by `createKey`; every call makes a distinct key.
 *
 * @example
 * ```ts
 * const userKey = createKey<string>("user");
 * const ctx = withValue(background(), userKey, "gopher");
 * ctx.value(userKey); // "gopher" (typed string | undefined)
 * ```
 */
export interface ContextKey<T> {
  /** The name given to `createKey`, for debugging (keys with one name are still distinct). */
  readonly name: string;
  /** Type-level only (never set): carries `T` so that `ctx.value(key)` is typed. */
  readonly [contextKeyType]?: T;
}

/**
 * Go's context.Context: a cancellation signal, a deadline and request-scoped values, passed down a
 * call tree. An interface, as in Go: any object implementing it can be a parent.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 1000);
 * try { await ch.recv(ctx); } finally { cancel(); }
 * ```
 */
export interface Context {
  /** Closed when the context is cancelled; null when it can never be (Go's nil Done channel). */
  done(): Chan<never> | null;
  /** null until done; then `Canceled` or `DeadlineExceeded`. */
  err(): Error | null;
  /** When the context will be cancelled by itself, or undefined (Go's ok == false). */
  deadline(): Date | undefined;
  /** The value bound to `key` by this context or its nearest ancestor with one (`withValue`), or undefined. */
  value<T>(key: ContextKey<T>): T | undefined;
  /** An AbortSignal that aborts with the context (created when first read). */
  readonly signal: AbortSignal;
}

/**
 * What a blocking call accepts as its optional last argument.
 *
 * @example
 * ```ts
 * await ch.recv(ctx);                          // a Context
 * await mu.lock(AbortSignal.timeout(1000));    // or an AbortSignal
 * ```
 */
export type Canceller = Context | AbortSignal;
