// SharedChan<T>: Go's channel between threads, in one SharedArrayBuffer. Unbuffered (capacity 0) is
// a rendezvous across threads: a send completes only once a receiver, on some thread, is committed
// to the value. Buffered is a FIFO ring of `cap` slots. Closing wakes every blocked receiver (ok =
// false once drained) and fails every blocked sender with `send on closed channel`.
//
// Mirrors Go's `chan T` (runtime/chan.go): the same rules, panic texts and the same invariant that a
// channel never has both waiting senders and waiting receivers. Where it differs: the element type
// is chosen by a codec (see codec.ts); every blocking call comes in an async form (Atomics.waitAsync,
// any thread) and a `…Sync` form (Atomics.wait, for workers), both taking a ctx; a cancelled send
// never delivers and a cancelled receive never consumes.
//
//
// The memory layout and the state machine under the lock are in chan-memory.ts; this file is the
// API and the waiting.

import type { Canceller, Context } from "../chan/context-type.js";
import { SELECTABLE, type Selectable } from "../chan/selectable.js";
import { type CancelSource, cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { checkCount, closeOfClosed, sendOnClosed } from "../internal/errors.js";
import {
  type Interrupt,
  lockWord as lock,
  unlockWord as unlock,
  waitAsync,
  waitSync,
} from "../internal/futex.js";
import { DESCRIBE, threadWait } from "../internal/registry.js";
import {
  bump,
  CELLS,
  ChanMemory,
  CLOSED,
  CLOSED_R,
  COUNT,
  DEFAULT_MAX_VALUE_BYTES,
  DRAINED,
  FAILED,
  GOT,
  LOCK,
  NONE,
  OFFERED,
  OFFERED_SLEEPING,
  RSEQ,
  RSLEEP,
  SSEQ,
  SSLEEP,
  type Stored,
  spinWhile,
  WAITERS,
  WAITING,
  WAITING_SLEEPING,
} from "./chan-memory.js";
import { CODECS, type Codec, codecId } from "./codec.js";
import {
  checkHandle,
  type HandleData,
  makeHandle,
  registerKind,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { syncEntry } from "./waiting.js";

const KIND = "SharedChan";

/** An async receive's outcome when the channel is closed and drained. */
const END: unique symbol = Symbol("drained");

let attaching: SharedArrayBuffer | null = null;

/**
 * Go's channel between threads. Create it on any thread, pass `share(ch)` (or `ch.handle`) to a
 * worker, `attach` it there; both ends then see one channel.
 *
 * @example
 * ```ts
 * const ch = new SharedChan<number>(1024, { codec: "int32" });
 * worker.postMessage(share({ ch }));               // worker: for (const v of ch) total += v;
 * for (let i = 0; i < 1e6; i++) await ch.send(i);
 * ch.close();
 * ```
 */
export class SharedChan<T> implements Shareable, AsyncIterable<T>, Iterable<T> {
  /** Go's `cap(ch)`. */
  readonly cap: number;
  /** What crosses threads: `attach` makes it a SharedChan again (see `share`). */
  readonly handle: SharedHandle;
  /** The codec's name. */
  readonly codec: Codec;
  /** The largest encoded value a variable-size codec accepts. */
  readonly maxValueBytes: number;
  readonly #m: ChanMemory;
  readonly #i32: Int32Array;

  /**
   * @param capacity 0 (the default) for a rendezvous channel, else the buffer size.
   * @param options.codec how values are stored (default "json"); see {@link Codec}.
   * @param options.maxValueBytes the largest encoded value for a variable-size codec (default 1024);
   *   each slot reserves this much shared memory.
   */
  constructor(capacity = 0, options?: { codec?: Codec; maxValueBytes?: number }) {
    let sab = attaching;
    attaching = null;
    if (sab === null) {
      checkCount("capacity", capacity);
      if (capacity > 2 ** 24) throw new RangeError(`capacity must be at most ${2 ** 24}, got ${capacity}`);
      const id = codecId(options?.codec ?? "json", "options.codec");
      const max = options?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
      checkCount("options.maxValueBytes", max, 1);
      sab = ChanMemory.allocate(capacity, id, max);
    }
    this.#m = new ChanMemory(sab as SharedArrayBuffer);
    this.#i32 = this.#m.i32;
    this.cap = this.#m.cap;
    this.codec = CODECS[this.#m.id] as Codec;
    this.maxValueBytes = this.#m.maxValueBytes;
    this.handle = makeHandle(KIND, sab);
  }

  /** @internal What `attach` does with a SharedChan's handle. */
  static fromHandle<T>(handle: HandleData): SharedChan<T> {
    attaching = checkHandle("attach", KIND, handle).sab;
    return new SharedChan<T>();
  }

  /** Go's `len(ch)`: values buffered now (0 for an unbuffered channel). */
  get length(): number {
    return this.cap > 0 ? Atomics.load(this.#i32, COUNT) : 0;
  }

  /** Whether close() has been called, on any thread (values may still be buffered). */
  get closed(): boolean {
    return Atomics.load(this.#i32, CLOSED) !== 0;
  }

  // ---- storing values ------------------------------------------------------------------------

  #decode(v: Stored): T {
    return this.#m.decode(v) as T;
  }

  // ---- sync forms (Atomics.wait) -------------------------------------------------------------

  /**
   * Sends, blocking this thread while the channel is full (or, unbuffered, until a receiver is
   * committed to the value). Throws ChanClosedError `send on closed channel`, or the ctx's error
   * (then the value was not sent).
   */
  sendSync(value: T, ctx?: Context): void {
    const intr = syncEntry("SharedChan.sendSync", ctx);
    const v = this.#m.prepare(value);
    const i32 = this.#i32;
    let spun = false;
    for (;;) {
      lock(i32, LOCK);
      if (i32[CLOSED] !== 0) {
        unlock(i32, LOCK);
        throw sendOnClosed();
      }
      if (this.#m.put(v)) {
        unlock(i32, LOCK);
        return;
      }
      if (this.cap === 0) {
        const at = this.#m.offer(v);
        if (at >= 0) {
          unlock(i32, LOCK);
          this.#awaitTakeSync(at, intr);
          return;
        }
      }
      if (!spun) {
        unlock(i32, LOCK);
        spun = true;
        if (this.cap > 0) spinWhile(i32, COUNT, this.cap); // while full
        continue;
      }
      const s = Atomics.load(i32, SSEQ);
      Atomics.add(i32, SSLEEP, 1);
      unlock(i32, LOCK);
      const r = waitSync(i32, SSEQ, s, intr);
      Atomics.sub(i32, SSLEEP, 1);
      if (r !== undefined) throw r; // nothing registered: nothing to undo
      spun = false;
    }
  }

  #awaitTakeSync(at: number, intr: Interrupt | null): void {
    const i32 = this.#i32;
    spinWhile(i32, at, OFFERED);
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === OFFERED) {
        Atomics.compareExchange(i32, at, OFFERED, OFFERED_SLEEPING);
        continue;
      }
      if (s !== OFFERED_SLEEPING) break;
      const r = waitSync(i32, at, OFFERED_SLEEPING, intr);
      if (r !== undefined) {
        const st = this.#m.settleOffer(at, true);
        if (st === OFFERED || st === OFFERED_SLEEPING) throw r; // retracted: nothing delivered
        if (st === FAILED) throw sendOnClosed();
        return; // taken before the ctx fired: the send happened
      }
    }
    if (this.#m.settleOffer(at, false) === FAILED) throw sendOnClosed();
  }

  /** Receives, blocking this thread; `undefined` once the channel is closed and drained. */
  recvSync(ctx?: Context): T | undefined {
    return this.#recvSync("SharedChan.recvSync", ctx) === GOT ? this.#decode(this.#m.got) : undefined;
  }

  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvOkSync(ctx?: Context): [T, true] | [undefined, false] {
    return this.#recvSync("SharedChan.recvOkSync", ctx) === GOT
      ? [this.#decode(this.#m.got), true]
      : [undefined, false];
  }

  #recvSync(method: string, ctx: Context | undefined): number {
    const intr = syncEntry(method, ctx);
    const i32 = this.#i32;
    let spun = false;
    for (;;) {
      lock(i32, LOCK);
      const r = this.#m.take();
      if (r !== NONE) {
        unlock(i32, LOCK);
        return r;
      }
      if (this.cap === 0) {
        const at = this.#m.wait();
        if (at >= 0) {
          unlock(i32, LOCK);
          return this.#awaitHandSync(at, intr);
        }
      }
      // Buffered and empty, or every cell busy: wait for a change.
      if (!spun) {
        unlock(i32, LOCK);
        spun = true;
        if (this.cap > 0) spinWhile(i32, COUNT, 0); // while empty
        continue;
      }
      const s = Atomics.load(i32, RSEQ);
      Atomics.add(i32, RSLEEP, 1);
      unlock(i32, LOCK);
      const why = waitSync(i32, RSEQ, s, intr);
      Atomics.sub(i32, RSLEEP, 1);
      spun = false;
      if (why !== undefined) throw why; // nothing registered: nothing consumed
    }
  }

  #awaitHandSync(at: number, intr: Interrupt | null): number {
    const i32 = this.#i32;
    spinWhile(i32, at, WAITING);
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === WAITING) {
        Atomics.compareExchange(i32, at, WAITING, WAITING_SLEEPING);
        continue;
      }
      if (s !== WAITING_SLEEPING) break;
      const why = waitSync(i32, at, WAITING_SLEEPING, intr);
      if (why !== undefined) {
        const r = this.#m.settleWait(at);
        if (r === NONE) throw why; // withdrawn: consumed nothing
        return r; // a sender (or close) came first
      }
    }
    return this.#m.settleWait(at);
  }

  /** Go's `for v := range ch`, blocking this thread between values: for workers. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      if (this.#recvSync("SharedChan iterator", undefined) !== GOT) return;
      yield this.#decode(this.#m.got);
    }
  }

  // ---- async forms (Atomics.waitAsync) ------------------------------------------------------

  /**
   * Sends `value`, waiting (without blocking the thread) while the channel is full, or, unbuffered,
   * until a receiver is committed to it. Rejects with ChanClosedError `send on closed channel`, or
   * with the ctx's error if cancelled first (the value is then not sent).
   */
  send(value: T, ctx?: Canceller): Promise<void> {
    let v: Stored;
    let src: CancelSource | null;
    try {
      v = this.#m.prepare(value);
      src = ctx === undefined ? null : cancelSourceOf(ctx);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      if (this.#trySendStored(v)) return RESOLVED;
    } catch (e) {
      return Promise.reject(e);
    }
    // On record for task dumps and the deadlock report while tracking is on (one test when off).
    return threadWait("SharedChan.send", this, this.#sendAsync(v instanceof Uint8Array ? v.slice() : v, src));
  }

  async #sendAsync(v: Stored, src: CancelSource | null): Promise<void> {
    const i32 = this.#i32;
    for (;;) {
      lock(i32, LOCK);
      if (i32[CLOSED] !== 0) {
        unlock(i32, LOCK);
        throw sendOnClosed();
      }
      if (this.#m.put(v)) {
        unlock(i32, LOCK);
        return;
      }
      if (this.cap === 0) {
        const at = this.#m.offer(v);
        if (at >= 0) {
          unlock(i32, LOCK);
          return this.#awaitTakeAsync(at, src);
        }
      }
      const s = Atomics.load(i32, SSEQ);
      Atomics.add(i32, SSLEEP, 1);
      unlock(i32, LOCK);
      const r = await waitAsync(i32, SSEQ, s, src);
      Atomics.sub(i32, SSLEEP, 1);
      if (r !== undefined) throw r;
    }
  }

  async #awaitTakeAsync(at: number, src: CancelSource | null): Promise<void> {
    const i32 = this.#i32;
    // The offer is settled inside the cancellation (see #awaitHandAsync): the state it had then.
    let st = FAILED;
    const withdraw = (): void => {
      st = this.#m.settleOffer(at, true);
    };
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === OFFERED) {
        Atomics.compareExchange(i32, at, OFFERED, OFFERED_SLEEPING);
        continue;
      }
      if (s !== OFFERED_SLEEPING) break;
      const r = await waitAsync(i32, at, OFFERED_SLEEPING, src, withdraw);
      if (r !== undefined) {
        if (st === OFFERED || st === OFFERED_SLEEPING) throw r;
        if (st === FAILED) throw sendOnClosed();
        return;
      }
    }
    if (this.#m.settleOffer(at, false) === FAILED) throw sendOnClosed();
  }

  /** Receives a value, waiting for one; `undefined` once the channel is closed and drained. */
  recv(ctx?: Canceller): Promise<T | undefined> {
    return this.#recvAsync(ctx, 1).then((v) => (v === END ? undefined : this.#decode(v)));
  }

  /** Go's `v, ok := <-ch`: `[value, true]`, or `[undefined, false]` once closed and drained. */
  recvOk(ctx?: Canceller): Promise<[T, true] | [undefined, false]> {
    return this.#recvAsync(ctx, 1).then((v) => (v === END ? [undefined, false] : [this.#decode(v), true]));
  }

  /**
   * Receives up to `max` values in one call: waits until at least one is available, then takes all
   * available now up to `max`, under one lock. Resolves with `[]` only once closed and drained.
   */
  recvBatch(max: number, ctx?: Canceller): Promise<T[]> {
    try {
      checkCount("max", max, 1);
    } catch (e) {
      return Promise.reject(e);
    }
    const out: T[] = [];
    return this.#recvAsync(ctx, max, out).then(() => out);
  }

  /** Blocking-thread twin of {@link SharedChan.recvBatch}: for workers. */
  recvBatchSync(max: number, ctx?: Context): T[] {
    checkCount("max", max, 1);
    const out: T[] = [];
    if (this.#recvSync("SharedChan.recvBatchSync", ctx) !== GOT) return out;
    out.push(this.#decode(this.#m.got));
    if (max > 1) this.#takeMore(max, out);
    return out;
  }

  /** After one value was taken: takes up to `max` in all without waiting (one lock). */
  #takeMore(max: number, out: T[]): void {
    const i32 = this.#i32;
    const raw: Stored[] = [];
    lock(i32, LOCK);
    while (out.length + raw.length < max && this.#m.take() === GOT) raw.push(this.#m.got);
    unlock(i32, LOCK);
    for (const v of raw) out.push(this.#decode(v));
  }

  /**
   * Resolves with the stored value taken (with `out`: up to max values decoded there) or END. The
   * value is captured at once: #got is overwritten by the next take on this thread.
   */
  #recvAsync(ctx: Canceller | undefined, max: number, out?: T[]): Promise<Stored | typeof END> {
    let src: CancelSource | null;
    try {
      src = ctx === undefined ? null : cancelSourceOf(ctx);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      const i32 = this.#i32;
      lock(i32, LOCK);
      const r = this.#m.take();
      unlock(i32, LOCK);
      if (r !== NONE) return Promise.resolve(this.#gotten(r, this.#m.got, max, out));
    } catch (e) {
      return Promise.reject(e);
    }
    return threadWait("SharedChan.recv", this, this.#recvSlow(src, max, out));
  }

  /** How task dumps show it (beside the operation, "SharedChan.recv" or "SharedChan.send"). */
  [DESCRIBE](): string {
    return `SharedChan (${this.cap === 0 ? "unbuffered" : `cap ${this.cap}, len ${this.length}`})`;
  }

  /** A take's outcome `r` (with `v`, the value it got) as #recvAsync resolves. */
  #gotten(r: number, v: Stored, max: number, out: T[] | undefined): Stored | typeof END {
    if (r !== GOT) return END;
    if (out !== undefined) {
      out.push(this.#decode(v));
      if (max > 1) this.#takeMore(max, out);
    }
    return v;
  }

  async #recvSlow(src: CancelSource | null, max: number, out: T[] | undefined): Promise<Stored | typeof END> {
    const i32 = this.#i32;
    for (;;) {
      lock(i32, LOCK);
      const r = this.#m.take();
      if (r !== NONE) {
        unlock(i32, LOCK);
        return this.#gotten(r, this.#m.got, max, out);
      }
      if (this.cap === 0) {
        const at = this.#m.wait();
        if (at >= 0) {
          unlock(i32, LOCK);
          return this.#awaitHandAsync(at, src, max, out);
        }
      }
      const s = Atomics.load(i32, RSEQ);
      Atomics.add(i32, RSLEEP, 1);
      unlock(i32, LOCK);
      const why = await waitAsync(i32, RSEQ, s, src);
      Atomics.sub(i32, RSLEEP, 1);
      if (why !== undefined) throw why;
    }
  }

  /**
   * Waits in cell `at` until a sender hands it a value. The value is captured in the same
   * synchronous step as the cell is settled: #m.got is overwritten by this thread's next take,
   * which may run before an awaiting caller resumes.
   *
   * Invariant: once the ctx is cancelled, no sender can hand this cell a value. The cell is
   * withdrawn under the lock inside the cancellation itself (waitAsync's `withdraw`), not when this
   * function resumes: until then this thread may be busy or descheduled, and a sender on another
   * thread would find the cell still WAITING, hand its value to a receiver whose caller had already
   * given up, and leave a live receiver without one. Go behaves the same way: a select woken by its
   * ctx is marked done before any sender can dequeue it (runtime/chan.go, dequeue and selectDone).
   * Only a value handed before the cancellation is received (the sender committed first).
   */
  async #awaitHandAsync(
    at: number,
    src: CancelSource | null,
    max: number,
    out: T[] | undefined,
  ): Promise<Stored | typeof END> {
    const i32 = this.#i32;
    let r = NONE;
    let v: Stored = 0;
    const withdraw = (): void => {
      r = this.#m.settleWait(at);
      v = this.#m.got;
    };
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === WAITING) {
        Atomics.compareExchange(i32, at, WAITING, WAITING_SLEEPING);
        continue;
      }
      if (s !== WAITING_SLEEPING) break;
      const why = await waitAsync(i32, at, WAITING_SLEEPING, src, withdraw);
      if (why !== undefined) {
        if (r === NONE) throw why;
        return this.#gotten(r, v, max, out);
      }
    }
    const done = this.#m.settleWait(at);
    return this.#gotten(done, this.#m.got, max, out);
  }

  /** Go's `for v := range ch`; leaving the loop early does not close the channel. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      const [v, ok] = await this.recvOk();
      if (!ok) return;
      yield v;
    }
  }

  // ---- non-blocking ------------------------------------------------------------------------------

  /** `select { case ch <- v: return true; default: return false }`; throws if closed, as Go panics. */
  trySend(value: T): boolean {
    return this.#trySendStored(this.#m.prepare(value));
  }

  #trySendStored(v: Stored): boolean {
    const i32 = this.#i32;
    lock(i32, LOCK);
    if (i32[CLOSED] !== 0) {
      unlock(i32, LOCK);
      throw sendOnClosed();
    }
    const ok = this.#m.put(v);
    unlock(i32, LOCK);
    return ok;
  }

  /** `[value, true]`, `[undefined, false]` if closed and drained, `undefined` if it would block. */
  tryRecv(): [T, true] | [undefined, false] | undefined {
    const i32 = this.#i32;
    lock(i32, LOCK);
    const r = this.#m.take();
    unlock(i32, LOCK);
    return r === GOT ? [this.#decode(this.#m.got), true] : r === DRAINED ? [undefined, false] : undefined;
  }

  /** Closes the channel; throws ChanClosedError `close of closed channel` the second time. */
  close(): void {
    const i32 = this.#i32;
    lock(i32, LOCK);
    if (i32[CLOSED] !== 0) {
      unlock(i32, LOCK);
      throw closeOfClosed();
    }
    Atomics.store(i32, CLOSED, 1);
    if (this.cap === 0) {
      for (let k = 0; k < CELLS; k++) {
        const at = this.#m.cell(k) >> 2;
        const s = i32[at];
        if (s === OFFERED || s === OFFERED_SLEEPING) Atomics.store(i32, at, FAILED);
        else if (s === WAITING || s === WAITING_SLEEPING) Atomics.store(i32, at, CLOSED_R);
        if (s === OFFERED_SLEEPING || s === WAITING_SLEEPING) Atomics.notify(i32, at);
      }
      i32[WAITERS] = 0;
    }
    bump(i32, RSEQ, RSLEEP);
    bump(i32, SSEQ, SSLEEP);
    unlock(i32, LOCK);
  }

  // ---- select (see gosync's chan/selectable.ts) -------------------------------------------------

  /** @internal The protocol by which gosync's `select` takes SharedChan cases. */
  [SELECTABLE](): Selectable<T> {
    return this.#selectable;
  }

  readonly #selectable: Selectable<T> = {
    selectRecv: () => this.tryRecv(),
    selectSend: (value: T) => this.trySend(value),
    selectWatch: (dir, wake) => this.#watch(dir === "recv" ? RSEQ : SSEQ, wake),
  };

  #watch(seq: number, wake: () => void): () => void {
    const i32 = this.#i32;
    const sleepers = seq === RSEQ ? RSLEEP : SSLEEP;
    let armed = true;
    lock(i32, LOCK);
    const s = Atomics.load(i32, seq);
    Atomics.add(i32, sleepers, 1);
    unlock(i32, LOCK);
    const disarm = (): void => {
      if (!armed) return;
      armed = false;
      Atomics.sub(i32, sleepers, 1);
    };
    const ctl = new AbortController();
    waitAsync(i32, seq, s, cancelSourceOf(ctl.signal)).then((why) => {
      if (why !== undefined || !armed) return;
      disarm();
      wake();
    });
    return () => {
      disarm();
      ctl.abort(); // ends the wait's keep-alive
    };
  }
}

const RESOLVED: Promise<void> = Promise.resolve();

registerKind(KIND, (h) => SharedChan.fromHandle(h));
