// The cancellation adapter: how a blocking call in any layer learns that its `ctx` was cancelled,
// without that layer importing `context` (ARCHITECTURE.md, Layers). A blocking call turns its optional
// `Context | AbortSignal` into a CancelSource once, subscribes its waiter (O(1)), and unsubscribes
// when it completes by any other route, so nothing is left registered.

import { recordCtxFailure } from "./registry.js";

/**
 * Symbol-keyed protocol, so it stays off the public surface of contexts and channels. Registered
 * symbols (Symbol.for): a context from one copy of gosync (ESM, CommonJS, another install) works in
 * the blocking calls of another. The "/1" is the protocol's version.
 */
export const CANCEL_SOURCE: unique symbol = Symbol.for("gosync.cancelSource/1");
export const SUBSCRIBE: unique symbol = Symbol.for("gosync.subscribe/1");
export const UNSUBSCRIBE: unique symbol = Symbol.for("gosync.unsubscribe/1");
export const REASON: unique symbol = Symbol.for("gosync.reason/1");

export interface CancelListener {
  /** Called synchronously, once, when the source is cancelled while subscribed. */
  onCancel(reason: unknown): void;
}

export interface CancelSource {
  /** `undefined` while not cancelled; the error a blocked call rejects with once it is. */
  [REASON](): unknown;
  [SUBSCRIBE](listener: CancelListener): void;
  [UNSUBSCRIBE](listener: CancelListener): void;
}

/** Implemented by gosync's own contexts: null when the context can never be cancelled. */
export interface HasCancelSource {
  [CANCEL_SOURCE](): CancelSource | null;
}

/** What every blocking call accepts as `ctx`: structurally, Context | AbortSignal. */
type CancelArg = object | undefined | null;

/** Adapts an AbortSignal; one adapter per blocking call, because it holds that call's listener. */
class SignalSource implements CancelSource {
  #listener: CancelListener | null = null;
  readonly #signal: AbortSignal;
  readonly #onAbort = (): void => {
    const l = this.#listener;
    this.#listener = null;
    l?.onCancel(this.#signal.reason);
  };
  constructor(signal: AbortSignal) {
    this.#signal = signal;
  }
  [REASON](): unknown {
    return this.#signal.aborted ? this.#signal.reason : undefined;
  }
  [SUBSCRIBE](listener: CancelListener): void {
    this.#listener = listener;
    this.#signal.addEventListener("abort", this.#onAbort, { once: true });
  }
  [UNSUBSCRIBE](): void {
    this.#listener = null;
    this.#signal.removeEventListener("abort", this.#onAbort);
  }
}

interface ForeignContext {
  done(): unknown;
  err(): unknown;
}

/**
 * Adapts a Context implemented outside gosync (Context is an interface, as in Go): its `done()`
 * channel is a gosync Chan, which notifies close listeners; the reason is the context's `err()`.
 */
class ForeignSource implements CancelSource, CancelListener {
  #listener: CancelListener | null = null;
  constructor(
    readonly ctx: ForeignContext,
    readonly done: CancelSource,
  ) {}
  [REASON](): unknown {
    return this.done[REASON]() === undefined ? undefined : (this.ctx.err() ?? this.done[REASON]());
  }
  [SUBSCRIBE](listener: CancelListener): void {
    this.#listener = listener;
    this.done[SUBSCRIBE](this);
  }
  [UNSUBSCRIBE](): void {
    this.#listener = null;
    this.done[UNSUBSCRIBE](this);
  }
  onCancel(): void {
    const l = this.#listener;
    this.#listener = null;
    l?.onCancel(this.ctx.err());
  }
}

function isCancelSource(x: unknown): x is CancelSource {
  return typeof x === "object" && x !== null && typeof (x as Partial<CancelSource>)[SUBSCRIBE] === "function";
}

/**
 * The CancelSource behind a blocking call's `ctx` argument, or null when it can never fire.
 * Throws a TypeError naming the argument for anything that is neither a Context nor an AbortSignal.
 */
export function cancelSourceOf(ctx: CancelArg): CancelSource | null {
  if (ctx === undefined || ctx === null) return null;
  const own = (ctx as Partial<HasCancelSource>)[CANCEL_SOURCE];
  if (typeof own === "function") return own.call(ctx);
  if (typeof AbortSignal !== "undefined" && ctx instanceof AbortSignal) return new SignalSource(ctx);
  const foreign = ctx as Partial<ForeignContext>;
  if (typeof foreign.done === "function" && typeof foreign.err === "function") {
    const done = foreign.done();
    if (done === null || done === undefined) return null;
    if (isCancelSource(done)) return new ForeignSource(foreign as ForeignContext, done);
  }
  throw new TypeError("ctx must be a Context or an AbortSignal");
}

/**
 * The start of every blocking call (Go's checks before a call parks): the CancelSource behind `ctx`
 * (null when it can never fire), or the rejected promise the call returns at once instead of
 * starting — `ctx` is already cancelled (its error: an already-done ctx fails even when the call
 * could complete without waiting, one rule for every call), or it is neither a Context nor an
 * AbortSignal (a TypeError; promise-returning calls never throw). `op` and `target` name the call
 * for diagnostics (see recordCtxFailure).
 */
export function enterCall(
  ctx: CancelArg,
  op: string,
  target: object | null,
): CancelSource | null | Promise<never> {
  if (ctx === undefined || ctx === null) return null;
  let src: CancelSource | null;
  try {
    src = cancelSourceOf(ctx);
  } catch (e) {
    return Promise.reject(e);
  }
  if (src === null) return null;
  const reason = src[REASON]();
  if (reason === undefined) return src;
  recordCtxFailure(op, target, reason);
  return Promise.reject(reason);
}
