// A task parked on a channel (Go's sudog): one per blocked send/receive, or one per case of a
// blocked select. Completing a waiter is synchronous and happens inside the operation that completes
// it, so a value is handed over exactly once: to a waiter that is still queued, never to one that was
// cancelled or lost its select (those are unlinked in the same synchronous step).
//
// A blocked task's memory is this object plus its promise, so it is kept to seven fields: the select
// case index is folded into `mode`, and the cancellation source or the select shares `aux`.

import { type CancelListener, type CancelSource, UNSUBSCRIBE } from "../internal/cancel-protocol.js";
import { blockEnd, blockFail } from "../internal/registry.js";
import type { QueueNode, WaitQueue } from "../internal/waitq.js";

/** How a completed waiter settles its promise. */
export const RECV = 0; // resolves with the value (undefined once closed)
export const RECV_OK = 1; // resolves with [value, ok]
export const RECV_ITER = 2; // resolves with an IteratorResult
export const RECV_BATCH = 3; // resolves with [value] or [] once closed
export const SEND = 4; // resolves with undefined
/** mode = SELECT + case index: hands over to the SelectOp in `aux`. */
export const SELECT = 8;

// A QueueNode by shape rather than by inheritance: a class without a base class is built by one
// inlinable constructor that sets every field, so each waiter gets the same hidden class at once.
export class Waiter implements QueueNode, CancelListener {
  declare prev: QueueNode | null;
  declare next: QueueNode | null;
  declare queue: WaitQueue<QueueNode> | null;
  /** Settles the promise; a rejection is passed as a rejected promise (see reject). */
  declare resolve: (value: unknown) => void;
  /** The SelectOp (mode ≥ SELECT), or the cancellation source this waiter is subscribed to. */
  declare aux: CancelSource | SelectOp | null;
  declare readonly mode: number;
  /** The value a sender offers. */
  declare value: unknown;

  constructor(mode: number, value: unknown) {
    this.prev = null;
    this.next = null;
    this.queue = null;
    this.resolve = noop;
    this.aux = null;
    this.mode = mode;
    this.value = value;
  }

  /** Cancellation: leave the queue and reject; nothing was handed over, nothing will be. */
  onCancel(reason: unknown): void {
    if (this.queue !== null) this.queue.remove(this);
    this.aux = null;
    blockFail(this, reason);
    reject(this, reason);
  }
}

function noop(): void {}

/**
 * Rejects through the resolve function (resolving with a rejected promise rejects), so a waiter
 * need not keep a second function alive for the rare failure path.
 */
function reject(w: Waiter, reason: unknown): void {
  w.resolve(Promise.reject(reason));
}

/** Ends a waiter's registrations before it settles. */
function release(w: Waiter): void {
  const src = w.aux as CancelSource | null;
  if (src !== null) {
    src[UNSUBSCRIBE](w);
    w.aux = null;
  }
  blockEnd(w);
}

/** Completes a dequeued receiver with (value, ok). */
export function deliver(w: Waiter, value: unknown, ok: boolean): void {
  if (w.mode >= SELECT) {
    (w.aux as SelectOp).fire(w.mode - SELECT, value, ok);
    return;
  }
  release(w);
  w.resolve(settlement(w.mode, value, ok));
}

/** What a receiver's promise resolves with, by its mode. */
function settlement(mode: number, value: unknown, ok: boolean): unknown {
  switch (mode) {
    case RECV:
      return value;
    case RECV_OK:
      return ok ? [value, true] : [undefined, false];
    case RECV_ITER:
      return ok ? { value, done: false } : { value: undefined, done: true };
    default:
      return ok ? [value] : [];
  }
}

// Receivers that a send on a buffered channel completed: the value is theirs at once (handed over
// inside the send, as Go's direct send to a waiting receiver), but they resume one microtask later,
// after the sender's own await. A producer awaiting each send() then runs first and refills the
// buffer, as a Go producer keeps running after readying its receiver. Resolved at once, the two
// tasks fall into a lockstep in which the receiver always finds the buffer empty and parks again
// for every value. The list is linked through `next` (free once a waiter is dequeued) and flushed
// by one shared reaction per microtask turn.
let wakeHead: Waiter | null = null;
let wakeTail: Waiter | null = null;

function flushWakeups(): void {
  let w = wakeHead;
  wakeHead = null;
  wakeTail = null;
  while (w !== null) {
    const next = w.next as Waiter | null;
    w.next = null;
    const v = w.value;
    w.value = undefined;
    w.resolve(v);
    w = next;
  }
}

/** deliver() for a buffered channel: the receiver resumes a microtask later (see wakeHead). */
export function deliverLater(w: Waiter, value: unknown, ok: boolean): void {
  if (w.mode >= SELECT) {
    (w.aux as SelectOp).fire(w.mode - SELECT, value, ok);
    return;
  }
  release(w);
  w.value = settlement(w.mode, value, ok);
  if (wakeTail === null) {
    wakeHead = w;
    RESOLVED.then(flushWakeups);
  } else wakeTail.next = w;
  wakeTail = w;
}

const RESOLVED: Promise<void> = Promise.resolve();

/** Completes a dequeued sender whose value was taken. */
export function sent(w: Waiter): void {
  if (w.mode >= SELECT) {
    (w.aux as SelectOp).fire(w.mode - SELECT, undefined, true);
    return;
  }
  release(w);
  w.resolve(undefined);
}

/** Fails a dequeued waiter (a sender on a channel being closed). */
export function fail(w: Waiter, error: unknown): void {
  if (w.mode >= SELECT) {
    (w.aux as SelectOp).failWith(error);
    return;
  }
  release(w);
  reject(w, error);
}

/**
 * A blocked select: one Waiter per non-nil case, all pointing here. The first waiter completed
 * commits the select; in the same step every other case's waiter leaves its queue, so a losing case
 * never consumes or delivers a value.
 */
export class SelectOp {
  resolve: (op: unknown) => void = noop;
  readonly nodes: Waiter[] = [];
  /** The committed case and what it received. */
  index = -1;
  value: unknown = undefined;
  ok = false;

  fire(index: number, value: unknown, ok: boolean): void {
    this.index = index;
    this.value = value;
    this.ok = ok;
    this.#detach();
    this.resolve(this);
  }

  failWith(error: unknown): void {
    this.index = -2; // settled without a case (selectable.ts tests index !== -1)
    this.#detach();
    this.resolve(Promise.reject(error));
  }

  #detach(): void {
    for (const n of this.nodes) if (n.queue !== null) n.queue.remove(n);
    blockEnd(this);
  }
}

// One shared executor instead of a closure per promise: `parking` is set right before `new Promise`,
// whose executor runs synchronously. Only `resolve` is kept (see reject above).
let parking: Waiter | SelectOp;
function executor(resolve: (v: never) => void): void {
  parking.resolve = resolve as (v: unknown) => void;
}

/**
 * The key of the registry.blocked record of the task parked on `w`: the waiter itself, or for a
 * select's case, the select (for the diagnostics' SyncObserver.chan peer).
 */
export function waiterKey(w: Waiter): object {
  return w.mode >= SELECT ? (w.aux as SelectOp) : w;
}

/** The promise a waiter (or select) settles; created with no per-call closure. */
export function park<T>(w: Waiter | SelectOp): Promise<T> {
  parking = w;
  return new Promise<T>(executor);
}
