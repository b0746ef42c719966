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
// The memory layout, the lock-free buffered ring, the unbuffered cells and the wake-up protocol are
// in chan-memory.ts; this file is the API and the waiting. Both directions wait the same way: an
// attempt (a send or a receive that reports "would block" as 0) retried by #blockSync/#blockAsync,
// which spin (sync, buffered), register as a sleeper, try once more and sleep.

import type { Canceller, Context } from "../chan/context-type.js";
import { SELECTABLE, type Selectable } from "../chan/selectable.js";
import { type CancelSource, cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { checkCount, closeOfClosed, sendOnClosed } from "../internal/errors.js";
import { type Interrupt, waitAsync, waitSync } from "../internal/futex.js";
import { DESCRIBE, threadWait } from "../internal/registry.js";
import {
  BLOCKED,
  ChanMemory,
  DEFAULT_MAX_VALUE_BYTES,
  DRAINED,
  FAILED,
  GOT,
  NONE,
  OFFERED,
  OFFERED_SLEEPING,
  RSEQ,
  RSLEEP,
  SENT,
  SHUT,
  SSEQ,
  SSLEEP,
  type Stored,
  sleepOn,
  spinWhile,
  WAITING,
  WAITING_SLEEPING,
} from "./chan-memory.js";
import { CODECS, type Codec, codecId } from "./codec.js";
import { adoptOr, makeHandle, registerShared, type Shareable, type SharedHandle } from "./handle.js";
import { syncEntry } from "./waiting.js";

const KIND = "SharedChan";

/** An async receive's outcome when the channel is closed and drained. */
const END: unique symbol = Symbol("drained");

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
    const h = adoptOr(() => {
      checkCount("capacity", capacity);
      if (capacity > 2 ** 24) throw new RangeError(`capacity must be at most ${2 ** 24}, got ${capacity}`);
      const id = codecId(options?.codec ?? "json", "options.codec");
      const max = options?.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
      checkCount("options.maxValueBytes", max, 1);
      return makeHandle(KIND, ChanMemory.allocate(capacity, id, max));
    });
    this.handle = h;
    this.#m = new ChanMemory(h.sab);
    this.#i32 = this.#m.i32;
    this.cap = this.#m.cap;
    this.codec = CODECS[this.#m.id] as Codec;
    this.maxValueBytes = this.#m.maxValueBytes;
  }

  /** Go's `len(ch)`: values buffered now (0 for an unbuffered channel). */
  get length(): number {
    return this.#m.length();
  }

  /** Whether close() has been called, on any thread (values may still be buffered). */
  get closed(): boolean {
    return this.#m.closed();
  }

  // ---- storing values ------------------------------------------------------------------------

  #decode(v: Stored): T {
    return this.#m.decode(v) as T;
  }

  // ---- waiting (both directions) -------------------------------------------------------------

  /**
   * Retries `attempt` (a send or receive attempt: 0 means it would block) until it does not block,
   * blocking this thread: a buffered channel first spins a few microseconds on its ring, then the
   * thread sleeps on the direction's sequence word, counted in `sleepers` (see chan-memory.ts for
   * why no wake-up is lost). Throws the interrupt's reason, with nothing registered to undo.
   */
  #blockSync(
    seq: number,
    sleepers: number,
    attempt: () => number,
    intr: Interrupt | null,
    batch = false,
  ): number {
    const i32 = this.#i32;
    const m = this.#m;
    for (;;) {
      if (this.cap > 0) {
        if (seq === SSEQ) m.spinSend();
        else m.spinRecv(batch);
        const r = attempt();
        if (r !== 0) return r;
      }
      const s = sleepOn(i32, seq, sleepers);
      const r = attempt();
      const why = r === 0 ? waitSync(i32, seq, s, intr) : undefined;
      Atomics.sub(i32, sleepers, 1);
      if (r !== 0) return r;
      if (why !== undefined) throw why;
    }
  }

  /** The async twin of #blockSync: no spinning (it would hold up the event loop). */
  async #blockAsync(
    seq: number,
    sleepers: number,
    attempt: () => number,
    src: CancelSource | null,
  ): Promise<number> {
    const i32 = this.#i32;
    for (;;) {
      const s = sleepOn(i32, seq, sleepers);
      const r = attempt();
      if (r !== 0) {
        Atomics.sub(i32, sleepers, 1);
        return r;
      }
      const why = await waitAsync(i32, seq, s, src);
      Atomics.sub(i32, sleepers, 1);
      if (why !== undefined) throw why;
    }
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
    let r = this.#m.send(v, true);
    if (r === SENT) return;
    if (r === BLOCKED) r = this.#blockSync(SSEQ, SSLEEP, () => this.#m.send(v, true), intr);
    if (r === SHUT) throw sendOnClosed();
    if (r > SHUT) this.#awaitTakeSync(r, intr);
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

  /** GOT (the value in #m.got) or DRAINED. */
  #recvSync(method: string, ctx: Context | undefined): number {
    const intr = syncEntry(method, ctx);
    let r = this.#m.recv(true);
    if (r === NONE) r = this.#blockSync(RSEQ, RSLEEP, () => this.#m.recv(true), intr);
    return r > DRAINED ? this.#awaitHandSync(r, intr) : r;
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
    let r: number;
    try {
      v = this.#m.prepare(value);
      src = ctx === undefined ? null : cancelSourceOf(ctx);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      r = this.#m.send(v, true);
      if (r === SENT) return RESOLVED;
      if (r === SHUT) throw sendOnClosed();
    } catch (e) {
      return Promise.reject(e);
    }
    // An encoded value may sit in a scratch buffer that the next encode reuses: keep a copy.
    if (r === BLOCKED && v instanceof Uint8Array) v = v.slice();
    // On record for task dumps and the deadlock report while tracking is on (one test when off).
    return threadWait("SharedChan.send", this, this.#sendAsync(v, r, src));
  }

  async #sendAsync(v: Stored, r: number, src: CancelSource | null): Promise<void> {
    if (r === BLOCKED) r = await this.#blockAsync(SSEQ, SSLEEP, () => this.#m.send(v, true), src);
    if (r === SHUT) throw sendOnClosed();
    if (r > SHUT) return this.#awaitTakeAsync(r, src);
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
   * available now up to `max` (buffered: with one atomic step). Resolves with `[]` only once closed
   * and drained.
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
    if (this.cap > 0) {
      const intr = syncEntry("SharedChan.recvBatchSync", ctx);
      const m = this.#m;
      if (m.recvRun(max, out) === NONE) this.#blockSync(RSEQ, RSLEEP, () => m.recvRun(max, out), intr, true);
      return out;
    }
    if (this.#recvSync("SharedChan.recvBatchSync", ctx) !== GOT) return out;
    out.push(this.#decode(this.#m.got));
    if (max > 1) this.#takeMore(max, out);
    return out;
  }

  /** Unbuffered, after one value was taken: takes more offers, up to `max` in all, without waiting. */
  #takeMore(max: number, out: T[]): void {
    while (out.length < max && this.#m.recv(false) === GOT) out.push(this.#decode(this.#m.got));
  }

  /** One receive attempt for #recvAsync: a run into `out` (buffered batch) or one value. */
  #attemptRecv(max: number, out: T[] | undefined): number {
    return out !== undefined && this.cap > 0 ? this.#m.recvRun(max, out) : this.#m.recv(true);
  }

  /**
   * Resolves with the stored value taken (with `out`: up to max values decoded there) or END. The
   * value is captured at once: #m.got is overwritten by the next receive on this thread.
   */
  #recvAsync(ctx: Canceller | undefined, max: number, out?: T[]): Promise<Stored | typeof END> {
    let src: CancelSource | null;
    let r: number;
    try {
      src = ctx === undefined ? null : cancelSourceOf(ctx);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      r = this.#attemptRecv(max, out);
      if (r === GOT || r === DRAINED) return Promise.resolve(this.#gotten(r, this.#m.got, max, out));
    } catch (e) {
      return Promise.reject(e);
    }
    return threadWait("SharedChan.recv", this, this.#recvSlow(r, src, max, out));
  }

  async #recvSlow(
    r: number,
    src: CancelSource | null,
    max: number,
    out: T[] | undefined,
  ): Promise<Stored | typeof END> {
    let v: Stored = 0;
    if (r === NONE) {
      r = await this.#blockAsync(
        RSEQ,
        RSLEEP,
        () => {
          const a = this.#attemptRecv(max, out);
          v = this.#m.got; // captured in the same step as the receive (see #recvAsync)
          return a;
        },
        src,
      );
    }
    if (r > DRAINED) return this.#awaitHandAsync(r, src, max, out);
    return this.#gotten(r, v, max, out);
  }

  /** How task dumps show it (beside the operation, "SharedChan.recv" or "SharedChan.send"). */
  [DESCRIBE](): string {
    return `SharedChan (${this.cap === 0 ? "unbuffered" : `cap ${this.cap}, len ${this.length}`})`;
  }

  /** A receive's outcome `r` (with `v`, the value it got) as #recvAsync resolves. */
  #gotten(r: number, v: Stored, max: number, out: T[] | undefined): Stored | typeof END {
    if (r !== GOT) return END;
    if (out !== undefined && this.cap === 0) {
      // A buffered run is already in `out`; an unbuffered batch goes on with the offers there now.
      out.push(this.#decode(v));
      if (max > 1) this.#takeMore(max, out);
    }
    return v;
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
    const r = this.#m.send(this.#m.prepare(value), false);
    if (r === SHUT) throw sendOnClosed();
    return r === SENT;
  }

  /** `[value, true]`, `[undefined, false]` if closed and drained, `undefined` if it would block. */
  tryRecv(): [T, true] | [undefined, false] | undefined {
    const r = this.#m.recv(false);
    return r === GOT ? [this.#decode(this.#m.got), true] : r === DRAINED ? [undefined, false] : undefined;
  }

  /** Closes the channel; throws ChanClosedError `close of closed channel` the second time. */
  close(): void {
    if (!this.#m.close()) throw closeOfClosed();
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
    // Registered as a sleeper is (chan-memory.ts); select polls after this, as a sleeper re-checks.
    const s = sleepOn(i32, seq, sleepers);
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

registerShared(KIND, () => new SharedChan());
