// withValue and withoutCancel: Go's valueCtx and withoutCancelCtx. A value context delegates
// cancellation to its parent; withoutCancel keeps the parent's values but never cancels.

import type { Context, ContextKey } from "../chan/context-type.js";
import {
  CANCEL_SOURCE,
  type CancelSource,
  cancelSourceOf,
  type HasCancelSource,
} from "../internal/cancel-protocol.js";
import { CAUSE, type HasCause, neverSignal } from "./background.js";
import { CANCEL_CTX_KEY, causeOf, checkParent } from "./with-cancel.js";

class ValueCtx<V> implements Context, HasCancelSource, HasCause {
  constructor(
    readonly parent: Context,
    readonly key: ContextKey<V>,
    readonly val: V,
  ) {}
  done() {
    return this.parent.done();
  }
  err(): Error | null {
    return this.parent.err();
  }
  deadline(): Date | undefined {
    return this.parent.deadline();
  }
  value<T>(key: ContextKey<T>): T | undefined {
    // A chain walk, as in Go: contexts carry few values.
    return (key as unknown) === this.key ? (this.val as unknown as T) : this.parent.value(key);
  }
  get signal(): AbortSignal {
    return this.parent.signal;
  }
  [CANCEL_SOURCE](): CancelSource | null {
    return cancelSourceOf(this.parent);
  }
  [CAUSE](): unknown {
    return causeOf(this.parent);
  }
  toString(): string {
    return `${String(this.parent)}.WithValue(${this.key.name})`;
  }
}

/**
 * Go's context.WithValue: a child carrying `value` under `key` (keys from createKey are typed).
 *
 * @example
 * ```ts
 * const user = createKey<string>("user");
 * const ctx = withValue(parent, user, "gopher");
 * ctx.value(user); // "gopher"
 * ```
 */
export function withValue<T>(parent: Context, key: ContextKey<T>, value: T): Context {
  checkParent(parent);
  if (key === null || typeof key !== "object" || typeof key.name !== "string") {
    throw new TypeError("key must be a ContextKey made by createKey");
  }
  return new ValueCtx(parent, key, value);
}

class WithoutCancelCtx implements Context, HasCancelSource, HasCause {
  constructor(readonly parent: Context) {}
  done(): null {
    return null;
  }
  err(): null {
    return null;
  }
  deadline(): undefined {
    return undefined;
  }
  value<T>(key: ContextKey<T>): T | undefined {
    if ((key as unknown) === CANCEL_CTX_KEY) return undefined; // as Go: no cancellation to be seen
    return this.parent.value(key);
  }
  get signal(): AbortSignal {
    return neverSignal();
  }
  [CANCEL_SOURCE](): null {
    return null;
  }
  [CAUSE](): undefined {
    return undefined;
  }
  toString(): string {
    return `${String(this.parent)}.WithoutCancel`;
  }
}

/**
 * Go's context.WithoutCancel: the parent's values, but never cancelled and no deadline — for work
 * that must outlive the request that started it.
 *
 * @example
 * ```ts
 * go(flushAuditLog, withoutCancel(requestCtx));
 * ```
 */
export function withoutCancel(parent: Context): Context {
  return new WithoutCancelCtx(checkParent(parent));
}
