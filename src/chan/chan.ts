// Chan<T>: Go's channel. Unbuffered (capacity 0) is a rendezvous: a send completes only when a
// receiver has taken the value. Buffered is a FIFO of `cap` values. Closing wakes every blocked
// receiver (ok = false once the buffer is drained) and fails every blocked sender with
// `send on closed channel`.
//
// Where it differs from Go: operations return promises (a blocking operation is one promise, a ready
// one settles on the next microtask); there is no nil Chan value (`null` stands for it in select);
// every blocking call takes an optional ctx; `recvBatch`/`tryRecvBatch` drain many values per call.
//
// Invariants (as in Go's hchan): a channel never has both waiting receivers and waiting senders; a
// buffered channel has waiting receivers only when its buffer is empty and waiting senders only when
// it is full; waiters are served FIFO.
//
// Diagnostics (gosync/debug's race detector): every completed send, receive and close is reported to
// registry.observer (SyncObserver.chan) with the parked waiter on the other side, if any; the clocks
// that travel with the values live in the detector's side tables, so while no observer is installed
// this costs one null test per completed operation and nothing in the waiters or the buffer.

import {
  type CancelListener,
  type CancelSource,
  enterCall,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { checkCount, closeOfClosed, countError, GoSyncError, sendOnClosed } from "../internal/errors.js";
import { blockBegin, registry } from "../internal/registry.js";
import { Ring } from "../internal/ring.js";
import { WaitQueue } from "../internal/waitq.js";
import type { Canceller } from "./context-type.js";
import {
  deliver,
  deliverLater,
  fail,
  RECV,
  RECV_BATCH,
  RECV_ITER,
  RECV_OK,
  SEND,
  sent,
  Waiter,
  waiterKey,
} from "./waiter.js";

const RESOLVED: Promise<void> = Promise.resolve();
/** Why a wait on a closed done channel ended, for contexts implemented outside gosync. */
const DONE_CLOSED = new GoSyncError("context canceled");

/** Set by takeNow: whether the value taken was a real one (Go's ok). */
let takenOk = false;

/** @internal Go's `ok` for the last takeNow (select reads it right after taking). */
export function lastTakeOk(): boolean {
  return takenOk;
}

/**
 * Go's channel.
 *
 * @example
 * ```ts
 * const ch = new Chan<number>(); // unbuffered
 * go(async () => { await ch.send(42); ch.close(); });
 * for await (const v of ch) console.log(v); // 42
 * ```
 */
export class Chan<T> implements AsyncIterable<T> {
  /** Go's `cap(ch)`. */
  readonly cap: number;
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  #closed = false;
  #buf: Ring<T> | null;
  #closeListeners: Set<CancelListener> | null = null;
  /** @internal */
  readonly recvq = new WaitQueue<Waiter>();
  /** @internal */
  readonly sendq = new WaitQueue<Waiter>();

  /** @param capacity 0 (the default) for a rendezvous channel, else the buffer size. */
  constructor(capacity = 0, name?: string) {
    this.cap = checkCount("capacity", capacity);
    this.#buf = capacity > 0 ? new Ring<T>(Math.min(capacity, 16)) : null;
    this.name = name;
  }

  /** Go's `len(ch)`: values buffered now. */
  get length(): number {
    return this.#buf === null ? 0 : this.#buf.size;
  }

  /** Whether close() has been called (values may still be buffered). */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Sends `value`, waiting while the channel is full (or, unbuffered, until a receiver takes it).
   * Rejects with ChanClosedError `send on closed channel` if the channel is or becomes closed, and
   * with the ctx's error if cancelled first (the value is then not sent).
   */
  send(value: T, ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "chan send", this);
    if (src instanceof Promise) return src;
    if (this.#closed) return Promise.reject(sendOnClosed());
    if (this.canSend()) {
      this.putNow(value);
      return RESOLVED;
    }
    return this.#park(this.sendq, SEND, value, src, "chan send");
  }

  /** Receives a value, waiting for one; `undefined` once the channel is closed and drained. */
  recv(ctx?: Canceller): Promise<T | undefined> {
    return this.#recv(RECV, ctx) as Promise<T | undefined>;
  }

  /** Go's `v, ok := <-ch`: `[value, true]`, or `[undefined, false]` once closed and drained. */
  recvOk(ctx?: Canceller): Promise<[T, true] | [undefined, false]> {
    return this.#recv(RECV_OK, ctx) as Promise<[T, true] | [undefined, false]>;
  }

  /**
   * Receives up to `max` values in one call: waits until at least one is available, then takes every
   * value available now (buffered, or offered by waiting senders) up to `max`. Resolves with `[]`
   * only once the channel is closed and drained. One promise per batch instead of one per value.
   * A `max` that is not an integer ≥ 1 makes it reject with a RangeError.
   */
  recvBatch(max: number, ctx?: Canceller): Promise<T[]> {
    const bad = countError("max", max, 1);
    if (bad !== null) return Promise.reject(bad);
    return this.#recv(RECV_BATCH, ctx, max) as Promise<T[]>;
  }

  /** `select { case ch <- v: return true; default: return false }`; throws if closed, as Go panics. */
  trySend(value: T): boolean {
    if (this.#closed) throw sendOnClosed();
    if (!this.canSend()) return false;
    this.putNow(value);
    return true;
  }

  /** `[value, true]`, `[undefined, false]` if closed and drained, `undefined` if it would block. */
  tryRecv(): [T, true] | [undefined, false] | undefined {
    if (!this.canRecv()) return undefined;
    const v = this.takeNow();
    return takenOk ? [v as T, true] : [undefined, false];
  }

  /**
   * Takes up to `max` values available now without waiting; `[]` if none. (The channel is finished
   * when `closed` is true and `length` is 0.)
   */
  tryRecvBatch(max: number): T[] {
    checkCount("max", max, 1);
    return this.#takeMany(max);
  }

  /** Closes the channel; throws ChanClosedError `close of closed channel` the second time. */
  close(): void {
    if (this.#closed) throw closeOfClosed();
    this.#closed = true;
    const o = registry.observer;
    if (o !== null) o.chan?.(this, "close", null);
    // Waiting receivers exist only when the buffer is empty: they all get (undefined, false).
    for (let r = this.recvq.shift(); r !== null; r = this.recvq.shift()) {
      if (o !== null) o.chan?.(this, "closed", waiterKey(r));
      deliver(r, undefined, false);
    }
    for (let s = this.sendq.shift(); s !== null; s = this.sendq.shift()) fail(s, sendOnClosed());
    const listeners = this.#closeListeners;
    if (listeners !== null) {
      this.#closeListeners = null;
      for (const l of listeners) l.onCancel(DONE_CLOSED);
    }
  }

  /** Go's `for v := range ch`; leaving the loop early does not close the channel. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return new ChanIterator(this);
  }

  /** @internal The range iterator's receive. */
  recvIter(): Promise<IteratorResult<T>> {
    return this.#recv(RECV_ITER, undefined) as Promise<IteratorResult<T>>;
  }

  /** @internal Whether a receive would complete now (a value, a waiting sender, or closed). */
  canRecv(): boolean {
    return (this.#buf !== null && this.#buf.size > 0) || this.sendq.size > 0 || this.#closed;
  }

  /** @internal Whether a send would complete (or panic) now. */
  canSend(): boolean {
    return this.#closed || this.recvq.size > 0 || (this.#buf !== null && this.#buf.size < this.cap);
  }

  /** @internal Receives now; the caller checked canRecv. Sets takenOk. */
  takeNow(): T | undefined {
    const buf = this.#buf;
    if (buf !== null && buf.size > 0) {
      const v = buf.shift();
      // A full buffer may have senders waiting: the oldest one's value moves into the freed slot.
      const s = this.sendq.shift();
      const o = registry.observer;
      if (o !== null) o.chan?.(this, "recv", s === null ? null : waiterKey(s));
      if (s !== null) {
        buf.push(s.value as T);
        sent(s);
      }
      takenOk = true;
      return v;
    }
    const s = this.sendq.shift();
    if (s !== null) {
      takenOk = true;
      const v = s.value as T;
      const o = registry.observer;
      if (o !== null) o.chan?.(this, "recv", waiterKey(s));
      sent(s);
      return v;
    }
    takenOk = false; // closed and drained
    const o = registry.observer;
    if (o !== null) o.chan?.(this, "closed", null);
    return undefined;
  }

  /** @internal Sends now; the caller checked canSend and that the channel is open. */
  putNow(value: T): void {
    const r = this.recvq.shift();
    const o = registry.observer;
    if (r !== null) {
      if (o !== null) o.chan?.(this, "send", waiterKey(r));
      if (this.cap === 0) deliver(r, value, true);
      else deliverLater(r, value, true); // lets the sender refill the buffer first (see waiter.ts)
    } else {
      (this.#buf as Ring<T>).push(value);
      if (o !== null) o.chan?.(this, "send", null);
    }
  }

  #takeMany(max: number): T[] {
    const out: T[] = [];
    while (out.length < max && ((this.#buf !== null && this.#buf.size > 0) || this.sendq.size > 0)) {
      out.push(this.takeNow() as T);
    }
    return out;
  }

  #recv(mode: number, ctx: Canceller | undefined, max = 1): Promise<unknown> {
    const src = enterCall(ctx, "chan receive", this);
    if (src instanceof Promise) return src;
    if (this.canRecv()) {
      if (mode === RECV_BATCH) return Promise.resolve(this.#takeMany(max));
      const v = this.takeNow();
      if (mode === RECV) return Promise.resolve(v);
      if (mode === RECV_OK) return Promise.resolve(takenOk ? [v, true] : [undefined, false]);
      return Promise.resolve(takenOk ? { value: v, done: false } : { value: undefined, done: true });
    }
    return this.#park(this.recvq, mode, undefined, src, "chan receive");
  }

  #park(q: WaitQueue<Waiter>, mode: number, value: unknown, src: CancelSource | null, reason: string) {
    const w = new Waiter(mode, value);
    // An arrow executor, not a shared one: optimised code inlines it, and then V8 never allocates
    // the reject function nobody keeps (about 56 bytes and a fifth of a park's allocation).
    const p = new Promise<never>((resolve) => {
      w.resolve = resolve as (value: unknown) => void;
    });
    q.push(w);
    if (src !== null) {
      w.aux = src;
      src[SUBSCRIBE](w);
    }
    blockBegin(reason, this, w);
    return p;
  }

  // The channel as a cancellation source: a foreign Context's done() channel notifies on close.

  /** @internal */
  [REASON](): unknown {
    return this.#closed ? DONE_CLOSED : undefined;
  }

  /** @internal */
  [SUBSCRIBE](listener: CancelListener): void {
    if (this.#closeListeners === null) this.#closeListeners = new Set();
    this.#closeListeners.add(listener);
    // A call waiting for this channel to close (through a foreign Context's done()) is a waiter too,
    // for the watcher's keep-alive (a context's done channel).
    if (this.#closeListeners.size === 1) this.recvq.watcher?.onWaiting(true);
  }

  /** @internal */
  [UNSUBSCRIBE](listener: CancelListener): void {
    if (this.#closeListeners?.delete(listener) === true && this.#closeListeners.size === 0) {
      this.recvq.watcher?.onWaiting(false);
    }
  }
}

/** The range iterator: one promise per value, resolved directly with the IteratorResult. */
class ChanIterator<T> implements AsyncIterator<T> {
  readonly #ch: Chan<T>;
  constructor(ch: Chan<T>) {
    this.#ch = ch;
  }
  next(): Promise<IteratorResult<T>> {
    return this.#ch.recvIter();
  }
  return(): Promise<IteratorResult<T>> {
    return Promise.resolve({ value: undefined, done: true });
  }
}
