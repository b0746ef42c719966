// A goroutine parked on a channel (Go's sudog): one per blocked send/receive, or one per case of a
// blocked select. Completing a waiter is synchronous and happens inside the operation that completes
// it, so a value is handed over exactly once: to a waiter that is still queued, never to one that was
// cancelled or lost its select (those are unlinked in the same synchronous step).

import { type CancelListener, type CancelSource, UNSUBSCRIBE } from "../internal/cancel.js";
import { type BlockedOp, blockEnd } from "../internal/registry.js";
import { QueueNode } from "../internal/waitq.js";

/** How a completed waiter settles its promise. */
export const RECV = 0; // resolves with the value (undefined once closed)
export const RECV_OK = 1; // resolves with [value, ok]
export const RECV_ITER = 2; // resolves with an IteratorResult
export const RECV_BATCH = 3; // resolves with [value] or [] once closed
export const SEND = 4; // resolves with undefined
export const SELECT = 5; // hands over to its SelectOp

export class Waiter extends QueueNode implements CancelListener {
  resolve: (value: unknown) => void = noop;
  reject: (reason: unknown) => void = noop;
  src: CancelSource | null = null;
  blocked: BlockedOp | null = null;
  sel: SelectOp | null = null;
  /** The case index, for a select's waiter. */
  index = 0;

  constructor(
    readonly mode: number,
    /** The value a sender offers. */
    public value: unknown,
  ) {
    super();
  }

  /** Cancellation: leave the queue and reject; nothing was handed over, nothing will be. */
  onCancel(reason: unknown): void {
    if (this.queue !== null) this.queue.remove(this);
    this.src = null;
    blockEnd(this.blocked);
    this.reject(reason);
  }
}

function noop(): void {}

/** Ends a waiter's registrations before it settles. */
function release(w: Waiter): void {
  if (w.src !== null) {
    w.src[UNSUBSCRIBE](w);
    w.src = null;
  }
  blockEnd(w.blocked);
}

/** Completes a dequeued receiver with (value, ok). */
export function deliver(w: Waiter, value: unknown, ok: boolean): void {
  if (w.sel !== null) {
    w.sel.fire(w, value, ok);
    return;
  }
  release(w);
  switch (w.mode) {
    case RECV:
      w.resolve(value);
      break;
    case RECV_OK:
      w.resolve(ok ? [value, true] : [undefined, false]);
      break;
    case RECV_ITER:
      w.resolve(ok ? { value, done: false } : { value: undefined, done: true });
      break;
    default:
      w.resolve(ok ? [value] : []);
  }
}

/** Completes a dequeued sender whose value was taken. */
export function sent(w: Waiter): void {
  if (w.sel !== null) {
    w.sel.fire(w, undefined, true);
    return;
  }
  release(w);
  w.resolve(undefined);
}

/** Fails a dequeued waiter (a sender on a channel being closed). */
export function fail(w: Waiter, error: unknown): void {
  if (w.sel !== null) {
    w.sel.failWith(w, error);
    return;
  }
  release(w);
  w.reject(error);
}

/**
 * A blocked select: one Waiter per non-nil case, all pointing here. The first waiter completed
 * commits the select; in the same step every other case's waiter leaves its queue, so a losing case
 * never consumes or delivers a value.
 */
export class SelectOp {
  resolve: (op: SelectOp) => void = noop;
  reject: (reason: unknown) => void = noop;
  readonly nodes: Waiter[] = [];
  blocked: BlockedOp | null = null;
  /** The committed case and what it received. */
  index = -1;
  value: unknown = undefined;
  ok = false;

  fire(w: Waiter, value: unknown, ok: boolean): void {
    this.index = w.index;
    this.value = value;
    this.ok = ok;
    this.#detach();
    this.resolve(this);
  }

  failWith(w: Waiter, error: unknown): void {
    this.index = w.index;
    this.#detach();
    this.reject(error);
  }

  #detach(): void {
    for (const n of this.nodes) if (n.queue !== null) n.queue.remove(n);
    blockEnd(this.blocked);
  }
}

// One shared executor instead of a closure per promise: `parking` is set right before `new Promise`,
// whose executor runs synchronously.
let parking: Waiter | SelectOp;
function executor(resolve: (v: never) => void, reject: (e: unknown) => void): void {
  parking.resolve = resolve as (v: unknown) => void;
  parking.reject = reject;
}

/** The promise a waiter (or select) settles; created with no per-call closure. */
export function park<T>(w: Waiter | SelectOp): Promise<T> {
  parking = w;
  return new Promise<T>(executor);
}
