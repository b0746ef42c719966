// background(), todo() and createKey(): Go's context.Background, context.TODO and the typed-key
// idiom (Go uses unexported key types; TypeScript gets a typed key object per createKey call).

import type { Context, ContextKey } from "../chan/context-type.js";
import { CANCEL_SOURCE, type CancelSource, type HasCancelSource } from "../internal/cancel-protocol.js";

/**
 * Context-internal protocol: the cause of the nearest cancelled gosync context (Go's Cause). A
 * registered symbol, as the cancellation protocol's (internal/cancel-protocol.ts).
 */
export const CAUSE: unique symbol = Symbol.for("gosync.cause/1");

export interface HasCause {
  [CAUSE](): unknown;
}

let neverAborted: AbortSignal | null = null;

/** An AbortSignal that never aborts, for contexts that can never be cancelled. */
export function neverSignal(): AbortSignal {
  if (neverAborted === null) neverAborted = new AbortController().signal;
  return neverAborted;
}

class EmptyContext implements Context, HasCancelSource, HasCause {
  constructor(readonly label: string) {}
  done(): null {
    return null;
  }
  err(): null {
    return null;
  }
  deadline(): undefined {
    return undefined;
  }
  value<T>(_key: ContextKey<T>): T | undefined {
    return undefined;
  }
  get signal(): AbortSignal {
    return neverSignal();
  }
  [CANCEL_SOURCE](): CancelSource | null {
    return null;
  }
  [CAUSE](): unknown {
    return undefined;
  }
  toString(): string {
    return this.label;
  }
}

const bg = new EmptyContext("context.Background");
const td = new EmptyContext("context.TODO");

/**
 * Go's context.Background: never cancelled, no values, no deadline — the root of every context tree.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * ```
 */
export function background(): Context {
  return bg;
}

/**
 * Go's context.TODO: like background(), for code that should be given a context but is not yet.
 *
 * @example
 * ```ts
 * await fetchAll(todo());
 * ```
 */
export function todo(): Context {
  return td;
}

/**
 * Makes a typed key for withValue / ctx.value. Every call makes a distinct key, even for the same
 * name (Go gets the same from unexported key types).
 *
 * @example
 * ```ts
 * const traceId = createKey<string>("traceId");
 * const ctx = withValue(background(), traceId, "abc");
 * const id: string | undefined = ctx.value(traceId);
 * ```
 */
export function createKey<T>(name: string): ContextKey<T> {
  if (typeof name !== "string") throw new TypeError("name must be a string");
  return Object.freeze({ name, toString: () => `ContextKey(${name})` }) as ContextKey<T>;
}
