// withCancel, withCancelCause, cause(): Go's cancelCtx.
//
// Invariants, as in Go's context package: cancellation propagates synchronously — when cancel()
// returns, every descendant's err() is set and its done() channel closed; cancelling a context never
// affects its ancestors; a context cancelled by its own cancel function detaches from its parent, so
// long-lived parents do not accumulate dead children. Children and blocked calls are listeners in
// one Set per context: O(1) to add and remove.
//
// Where it differs from Go: no AbortController underneath (creating and aborting one costs ~60x a
// cancelCtx); `signal` creates one only when first read. `done()` also creates its channel lazily.
// Keep-alive: a context with a deadline keeps the process alive only while something is blocked on it
// (a call given the context, or a receive from done()); "interest" counts those, up the tree.

import { Chan } from "../chan/chan.js";
import type { Context, ContextKey } from "../chan/context-type.js";
import {
  CANCEL_SOURCE,
  type CancelListener,
  type CancelSource,
  cancelSourceOf,
  type HasCancelSource,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { processWide } from "../internal/process-wide.js";
import type { QueueWatcher } from "../internal/waitq.js";
import { CAUSE, type HasCause } from "./background.js";
import { Canceled } from "./errors.js";

/**
 * Go's CancelFunc: cancels the context; later calls do nothing. Call it when the work is done,
 * also on success, to release the context's resources (a deadline's timer, its parent's link).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(parent);
 * try { await work(ctx); } finally { cancel(); }
 * ```
 */
export type CancelFunc = () => void;
/**
 * Go's CancelCauseFunc: cancels with a cause that cause(ctx) reports; later calls do nothing.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancelCause(parent);
 * cancel(new Error("user logged out"));
 * cause(ctx); // Error: user logged out (ctx.err() is still Canceled)
 * ```
 */
export type CancelCauseFunc = (cause?: unknown) => void;

export function checkParent(parent: unknown): Context {
  const p = parent as Partial<Context> | null;
  if (
    p === null ||
    typeof p !== "object" ||
    typeof p.done !== "function" ||
    typeof p.err !== "function" ||
    typeof p.value !== "function"
  ) {
    throw new TypeError("parent must be a Context (cannot create context from nil parent)");
  }
  return parent as Context;
}

/** @internal Go's &cancelCtxKey: a gosync cancel context returns itself for it, so wrappers can be seen through. */
export const CANCEL_CTX_KEY = processWide("cancelCtxKey/1", () =>
  Object.freeze({ name: "gosync.cancelCtx" }),
) as ContextKey<CancelCtx>;

/** Go's Cause for any context: gosync's own know their cause; others report err(). */
export function causeOf(ctx: Context): unknown {
  const own = (ctx as Partial<HasCause>)[CAUSE];
  if (typeof own === "function") return own.call(ctx);
  const cc = ctx.value(CANCEL_CTX_KEY); // a user context wrapping a gosync one (Go's Cause does this)
  if (cc instanceof CancelCtx) return cc[CAUSE]() ?? ctx.err() ?? undefined;
  return ctx.err() ?? undefined;
}

/** @internal */
export class CancelCtx
  implements Context, CancelSource, CancelListener, HasCancelSource, HasCause, QueueWatcher
{
  readonly parent: Context;
  #err: Error | null = null;
  #cause: unknown = undefined;
  #done: Chan<never> | null = null;
  #controller: AbortController | null = null;
  #listeners: Set<CancelListener> | null = null;
  /** The parent-side source this context is registered with, until it detaches. */
  #parentSrc: CancelSource | null = null;
  /** Waiters blocked on this context or a descendant (see header: keep-alive). */
  #interest = 0;

  constructor(parent: Context) {
    this.parent = parent;
    const src = cancelSourceOf(parent);
    if (src === null) return;
    const reason = src[REASON]();
    if (reason !== undefined) {
      this.cancel(false, reason as Error, causeOf(parent));
    } else {
      this.#parentSrc = src;
      src[SUBSCRIBE](this);
    }
  }

  done(): Chan<never> {
    if (this.#done === null) {
      const ch = new Chan<never>(0, "ctx.done");
      this.#done = ch;
      if (this.#err !== null) ch.close();
      else ch.recvq.watcher = this;
    }
    return this.#done;
  }

  err(): Error | null {
    return this.#err;
  }

  deadline(): Date | undefined {
    return this.parent.deadline();
  }

  value<T>(key: ContextKey<T>): T | undefined {
    if ((key as unknown) === CANCEL_CTX_KEY) return this as unknown as T;
    return this.parent.value(key);
  }

  get signal(): AbortSignal {
    if (this.#controller === null) {
      this.#controller = new AbortController();
      if (this.#err !== null) this.#controller.abort(this.#err);
    }
    return this.#controller.signal;
  }

  /**
   * Cancels this context and its descendants with `err`, unless already cancelled.
   * @param detach remove this context from its parent's listeners (a cancel by its own function)
   */
  cancel(detach: boolean, err: Error, cause: unknown): void {
    if (this.#err !== null) return;
    this.#err = err;
    this.#cause = cause ?? err;
    const hadInterest = this.#interest > 0;
    this.#interest = 0; // children and waiters leaving now no longer count (see #addInterest)
    this.#done?.close();
    const listeners = this.#listeners;
    if (listeners !== null) {
      // A listener may unsubscribe others while being told (a semaphore granting the waiter behind
      // a cancelled one): delete each before telling it, so an unsubscribed one is never called.
      for (const l of listeners) {
        listeners.delete(l);
        l.onCancel(err);
      }
    }
    this.#listeners = null;
    if (hadInterest) {
      this.interested(false);
      if (this.#parentSrc instanceof CancelCtx) this.#parentSrc.#addInterest(-1);
    }
    if (detach && this.#parentSrc !== null) this.#parentSrc[UNSUBSCRIBE](this);
    this.#parentSrc = null;
    this.#controller?.abort(err);
    this.stopped();
  }

  /** The parent was cancelled. */
  onCancel(reason: unknown): void {
    this.cancel(false, reason as Error, causeOf(this.parent));
  }

  /** The done channel gained its first / lost its last blocked receiver. */
  onWaiting(waiting: boolean): void {
    this.#addInterest(waiting ? 1 : -1);
  }

  /** Hook: interest turned on or off (a deadline uses it for keep-alive). */
  interested(_on: boolean): void {}

  /** Hook: the context was cancelled (a deadline clears its timer). */
  stopped(): void {}

  #addInterest(delta: number): void {
    if (this.#err !== null) return;
    const before = this.#interest;
    this.#interest += delta;
    if (before === 0 || this.#interest === 0) {
      this.interested(this.#interest > 0);
      if (this.#parentSrc instanceof CancelCtx) this.#parentSrc.#addInterest(delta);
    }
  }

  [CANCEL_SOURCE](): CancelSource {
    return this;
  }

  [REASON](): unknown {
    return this.#err ?? undefined;
  }

  [SUBSCRIBE](listener: CancelListener): void {
    if (this.#listeners === null) this.#listeners = new Set();
    this.#listeners.add(listener);
    if (!(listener instanceof CancelCtx)) this.#addInterest(1);
  }

  [UNSUBSCRIBE](listener: CancelListener): void {
    if (this.#listeners?.delete(listener) === true && !(listener instanceof CancelCtx)) this.#addInterest(-1);
  }

  [CAUSE](): unknown {
    return this.#err === null ? undefined : this.#cause;
  }

  toString(): string {
    return `${String(this.parent)}.WithCancel`;
  }
}

/**
 * Go's context.WithCancel: a child context and the function that cancels it (and its descendants).
 * Call cancel when the work is done, to release the child from its parent.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * go(worker, ctx);
 * // ...
 * cancel(); // worker's ctx.err() === Canceled
 * ```
 */
export function withCancel(parent: Context): [Context, CancelFunc] {
  const ctx = new CancelCtx(checkParent(parent));
  return [ctx, () => ctx.cancel(true, Canceled, undefined)];
}

/**
 * Go's context.WithCancelCause: like withCancel, but cancel records a cause that cause(ctx) reports
 * (err() is still Canceled).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancelCause(background());
 * cancel(new Error("upstream closed"));
 * cause(ctx); // Error: upstream closed
 * ```
 */
export function withCancelCause(parent: Context): [Context, CancelCauseFunc] {
  const ctx = new CancelCtx(checkParent(parent));
  return [ctx, (why?: unknown) => ctx.cancel(true, Canceled, why)];
}

/**
 * Go's context.Cause: why the context was cancelled — the cause given to a CancelCauseFunc (or a
 * *Cause deadline), else ctx.err(); undefined while it is not cancelled.
 *
 * @example
 * ```ts
 * if (ctx.err() !== null) console.error("stopped:", cause(ctx));
 * ```
 */
export function cause(ctx: Context): unknown {
  return causeOf(checkParent(ctx));
}
