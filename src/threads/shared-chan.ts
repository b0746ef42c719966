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
// Memory: a 64-byte header of Int32 words, then the slots. All state is guarded by one futex-style
// lock word (internal/futex.ts) held only for a few loads and stores and a value copy, as Go's hchan.lock.
// Two sequence words carry wake-ups: RSEQ is bumped whenever a receive may have become possible
// (a value buffered, offered or handed; close), SSEQ whenever a send may have (room, a receiver
// registered, a cell freed; close). Sleepers are counted, so nobody asleep means no notify; a waiter
// spins briefly before it sleeps.
//
// Unbuffered rendezvous (Go's sudog queues in shared memory): K cells, each a state word, an order
// number and one value, each owned by one blocked sender or receiver:
// - A sender that finds a waiting receiver writes its value into that receiver's cell (the oldest
//   waiting one, as Go's recvq is FIFO) and completes; a sender that finds none offers: its value
//   goes into a cell of its own, OFFERED, and it waits on that cell's state word.
// - A receiver that finds an offer takes the oldest one (TAKEN completes its sender); one that
//   finds none waits in a cell of its own (WAITING) until a sender hands it a value (HANDED).
// - Cancellation under the lock: a cell still OFFERED or WAITING is withdrawn, so a cancelled send
//   delivered nothing and a cancelled receive consumed nothing; a cell already TAKEN or HANDED means
//   the other side committed first, and the operation completes as it would have in Go.
// - Close turns offers into FAILED (`send on closed channel`) and waiting receivers into CLOSED_R.
// - The owner of a cell frees it. A sleeping owner is marked in its state word (…_SLEEPING), so the
//   other side notifies only sleepers. Offers and waiting receivers never coexist: a receiver waits
//   only if it finds no offer, a sender offers only if it finds no waiting receiver.

import type { Canceller, Context } from "../chan/context-type.js";
import { SELECTABLE, type Selectable } from "../chan/selectable.js";
import { type CancelSource, cancelSourceOf, REASON } from "../internal/cancel.js";
import { checkCount, closeOfClosed, sendOnClosed } from "../internal/errors.js";
import {
  type Interrupt,
  lockWord as lock,
  SPINS,
  unlockWord as unlock,
  waitAsync,
  waitSync,
} from "../internal/futex.js";
import {
  BIGINT64,
  CODECS,
  type Codec,
  checkFixed,
  codecId,
  decodeVar,
  encodeVar,
  FLOAT64,
  fixedBytes,
  INT32,
} from "./codec.js";
import {
  checkHandle,
  type HandleData,
  makeHandle,
  registerKind,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { syncEntry } from "./waiting.js";

// Header words (Int32 indices).
const LOCK = 0;
const RSEQ = 1;
const SSEQ = 2;
const RSLEEP = 3;
const SSLEEP = 4;
const CLOSED = 5;
const HEAD = 6;
const COUNT = 7;
const WAITERS = 8; // unbuffered: cells WAITING (receivers not yet handed a value)
const NEXT = 10;
const CAP = 11;
const CODEC = 12;
const MAXB = 13;
const NCELLS = 14;
const HEADER_BYTES = 64;

// Unbuffered cell states (the cell's first word; its second is the offer's sequence number).
const FREE = 0;
const OFFERED = 1;
const OFFERED_SLEEPING = 2; // offered, and its sender sleeps on the state word: notify on change
const TAKEN = 3;
const FAILED = 4;
const WAITING = 5;
const WAITING_SLEEPING = 6;
const HANDED = 7;
const CLOSED_R = 8;

/** Cells of an unbuffered channel: blocked senders' offers or blocked receivers' places. */
const CELLS = 16;
const DEFAULT_MAX_VALUE_BYTES = 1024;

// Outcomes of a take under the lock.
const NONE = 0;
const GOT = 1;
const DRAINED = 2;

const KIND = "SharedChan";

/** Bumps the sequence word `i32[seq]` and wakes its sleepers (counted at `i32[sleepers]`), if any. */
function bump(i32: Int32Array, seq: number, sleepers: number): void {
  Atomics.add(i32, seq, 1);
  if (Atomics.load(i32, sleepers) !== 0) Atomics.notify(i32, seq);
}

/**
 * Loads of a word a sync waiter makes before it sleeps (a few microseconds). Longer than the lock's
 * spin: the other side of a channel usually answers within a few hundred nanoseconds when it runs
 * on another core, while falling asleep and being woken costs a futex round trip of several
 * microseconds on each side. Async waits do not spin: they would hold up their event loop.
 */
const WAIT_SPINS = 20 * SPINS;

/** Spins briefly while `i32[at]` holds `v` (a sync waiter's last look before it sleeps). */
function spinWhile(i32: Int32Array, at: number, v: number): void {
  for (let i = 0; i < WAIT_SPINS && Atomics.load(i32, at) === v; i++);
}

type Stored = number | bigint | Uint8Array;
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
  readonly #i32: Int32Array;
  readonly #f64: Float64Array;
  readonly #b64: BigInt64Array;
  readonly #u8: Uint8Array;
  readonly #id: number;
  readonly #slot: number;
  /** Set by #take: the stored form of the value taken. */
  #got: Stored = 0;

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
      const fixed = fixedBytes(id);
      const slot = fixed > 0 ? 8 : (4 + max + 7) & ~7;
      const n = capacity > 0 ? capacity : CELLS;
      const bytes = HEADER_BYTES + n * (capacity > 0 ? slot : slot + 8);
      if (bytes > 2 ** 31 - 1)
        throw new RangeError("capacity × maxValueBytes is too large for one SharedArrayBuffer");
      sab = new SharedArrayBuffer(bytes);
      const h = new Int32Array(sab, 0, HEADER_BYTES >> 2);
      h[CAP] = capacity;
      h[CODEC] = id;
      h[MAXB] = fixed > 0 ? fixed : max;
      h[NCELLS] = capacity > 0 ? 0 : CELLS;
    }
    this.#i32 = new Int32Array(sab);
    this.#f64 = new Float64Array(sab);
    this.#b64 = new BigInt64Array(sab);
    this.#u8 = new Uint8Array(sab);
    this.cap = this.#i32[CAP] as number;
    this.#id = this.#i32[CODEC] as number;
    this.codec = CODECS[this.#id] as Codec;
    this.maxValueBytes = this.#i32[MAXB] as number;
    this.#slot = fixedBytes(this.#id) > 0 ? 8 : (4 + this.maxValueBytes + 7) & ~7;
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

  /** Checks and encodes a value; throws TypeError/RangeError before anything is written. */
  #prepare(value: unknown): Stored {
    const id = this.#id;
    return id <= BIGINT64 ? checkFixed(id, value) : encodeVar(id, value, this.maxValueBytes);
  }

  #write(off: number, v: Stored): void {
    switch (this.#id) {
      case INT32:
        this.#i32[off >> 2] = v as number;
        break;
      case FLOAT64:
        this.#f64[off >> 3] = v as number;
        break;
      case BIGINT64:
        this.#b64[off >> 3] = v as bigint;
        break;
      default: {
        const b = v as Uint8Array;
        this.#i32[off >> 2] = b.length;
        this.#u8.set(b, off + 4);
      }
    }
  }

  #read(off: number): Stored {
    switch (this.#id) {
      case INT32:
        return this.#i32[off >> 2] as number;
      case FLOAT64:
        return this.#f64[off >> 3] as number;
      case BIGINT64:
        return this.#b64[off >> 3] as bigint;
      default:
        // A private copy: decoding happens after the lock is released.
        return this.#u8.slice(off + 4, off + 4 + (this.#i32[off >> 2] as number));
    }
  }

  #decode(v: Stored): T {
    return (this.#id <= BIGINT64 ? v : decodeVar(this.#id, v as Uint8Array)) as T;
  }

  // ---- the state machine, always under the lock ------------------------------------------------

  /** Byte offset of cell k's state word (unbuffered); its value starts 8 bytes later. */
  #cell(k: number): number {
    return HEADER_BYTES + k * (this.#slot + 8);
  }

  /** The oldest cell in one of two states, or -1. */
  #oldest(s1: number, s2: number): number {
    const i32 = this.#i32;
    let best = -1;
    let bestSeq = 0;
    for (let k = 0; k < CELLS; k++) {
      const at = this.#cell(k) >> 2;
      const s = i32[at];
      if (s !== s1 && s !== s2) continue;
      const seq = i32[at + 1] as number;
      if (best < 0 || seq - bestSeq < 0) {
        best = at;
        bestSeq = seq;
      }
    }
    return best;
  }

  #freeCell(): number {
    for (let k = 0; k < CELLS; k++) {
      const at = this.#cell(k) >> 2;
      if (this.#i32[at] === FREE) return at;
    }
    return -1;
  }

  /** Sends without waiting if possible; the caller checked that the channel is open. */
  #put(v: Stored): boolean {
    const i32 = this.#i32;
    const cap = this.cap;
    if (cap > 0) {
      const n = i32[COUNT] as number;
      if (n >= cap) return false;
      let k = (i32[HEAD] as number) + n;
      if (k >= cap) k -= cap;
      this.#write(HEADER_BYTES + k * this.#slot, v);
      Atomics.store(i32, COUNT, n + 1);
      bump(i32, RSEQ, RSLEEP);
      return true;
    }
    if (i32[WAITERS] === 0) return false;
    const at = this.#oldest(WAITING, WAITING_SLEEPING);
    this.#write((at << 2) + 8, v);
    i32[WAITERS] = (i32[WAITERS] as number) - 1;
    if (Atomics.exchange(i32, at, HANDED) === WAITING_SLEEPING) Atomics.notify(i32, at);
    return true;
  }

  /** Unbuffered: takes a free cell in `state`; its word index, or -1 if every cell is busy. */
  #claim(state: number): number {
    const i32 = this.#i32;
    const at = this.#freeCell();
    if (at < 0) return -1;
    i32[at + 1] = i32[NEXT] as number;
    i32[NEXT] = ((i32[NEXT] as number) + 1) | 0;
    Atomics.store(i32, at, state);
    return at;
  }

  /** Unbuffered: offers v in a cell of its own (a blocked sender); the cell, or -1. */
  #offer(v: Stored): number {
    const at = this.#claim(OFFERED);
    if (at < 0) return -1;
    this.#write((at << 2) + 8, v);
    bump(this.#i32, RSEQ, RSLEEP);
    return at;
  }

  /** Unbuffered: a blocked receiver's cell, WAITING for a sender; the cell, or -1. */
  #wait(): number {
    const at = this.#claim(WAITING);
    if (at < 0) return -1;
    const i32 = this.#i32;
    i32[WAITERS] = (i32[WAITERS] as number) + 1;
    bump(i32, SSEQ, SSLEEP);
    return at;
  }

  /** Frees a cell (its owner's last step) and tells whoever waits for a free cell. */
  #free(at: number): void {
    const i32 = this.#i32;
    Atomics.store(i32, at, FREE);
    bump(i32, SSEQ, SSLEEP);
    bump(i32, RSEQ, RSLEEP);
  }

  /** Receives without waiting if possible (into #got): a buffered value or an offer. */
  #take(): number {
    const i32 = this.#i32;
    const cap = this.cap;
    if (cap > 0) {
      const n = i32[COUNT] as number;
      if (n > 0) {
        const h = i32[HEAD] as number;
        this.#got = this.#read(HEADER_BYTES + h * this.#slot);
        i32[HEAD] = h + 1 === cap ? 0 : h + 1;
        Atomics.store(i32, COUNT, n - 1);
        bump(i32, SSEQ, SSLEEP);
        return GOT;
      }
      return i32[CLOSED] !== 0 ? DRAINED : NONE;
    }
    const at = this.#oldest(OFFERED, OFFERED_SLEEPING);
    if (at >= 0) {
      this.#got = this.#read((at << 2) + 8);
      if (Atomics.exchange(i32, at, TAKEN) === OFFERED_SLEEPING) Atomics.notify(i32, at);
      return GOT;
    }
    return i32[CLOSED] !== 0 ? DRAINED : NONE;
  }

  /**
   * A waiting receiver's outcome, under the lock, freeing its cell: GOT (handed a value, into #got),
   * DRAINED (closed), or NONE (still waiting: withdrawn, for a cancelled receive).
   */
  #settleWait(at: number): number {
    const i32 = this.#i32;
    lock(i32, LOCK);
    const s = i32[at] as number;
    let r = NONE;
    if (s === HANDED) {
      this.#got = this.#read((at << 2) + 8);
      r = GOT;
    } else if (s === CLOSED_R) {
      r = DRAINED;
    } else {
      i32[WAITERS] = (i32[WAITERS] as number) - 1;
    }
    this.#free(at);
    unlock(i32, LOCK);
    return r;
  }

  /** An offering sender learns its outcome and frees its cell: false if it was taken, else the state. */
  #settleOffer(at: number, retract: boolean): number {
    const i32 = this.#i32;
    lock(i32, LOCK);
    const s = i32[at] as number;
    if (s === TAKEN || s === FAILED || retract) this.#free(at);
    unlock(i32, LOCK);
    return s;
  }

  // ---- sync forms (Atomics.wait) -------------------------------------------------------------

  /**
   * Sends, blocking this thread while the channel is full (or, unbuffered, until a receiver is
   * committed to the value). Throws ChanClosedError `send on closed channel`, or the ctx's error
   * (then the value was not sent).
   */
  sendSync(value: T, ctx?: Context): void {
    const intr = syncEntry("SharedChan.sendSync", ctx);
    const v = this.#prepare(value);
    const i32 = this.#i32;
    let spun = false;
    for (;;) {
      lock(i32, LOCK);
      if (i32[CLOSED] !== 0) {
        unlock(i32, LOCK);
        throw sendOnClosed();
      }
      if (this.#put(v)) {
        unlock(i32, LOCK);
        return;
      }
      if (this.cap === 0) {
        const at = this.#offer(v);
        if (at >= 0) {
          unlock(i32, LOCK);
          this.#awaitTakeSync(at, intr);
          return;
        }
      }
      const s = Atomics.load(i32, SSEQ);
      if (!spun) {
        unlock(i32, LOCK);
        spun = true;
        spinWhile(i32, SSEQ, s);
        continue;
      }
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
        const st = this.#settleOffer(at, true);
        if (st === OFFERED || st === OFFERED_SLEEPING) throw r; // retracted: nothing delivered
        if (st === FAILED) throw sendOnClosed();
        return; // taken before the ctx fired: the send happened
      }
    }
    if (this.#settleOffer(at, false) === FAILED) throw sendOnClosed();
  }

  /** Receives, blocking this thread; `undefined` once the channel is closed and drained. */
  recvSync(ctx?: Context): T | undefined {
    return this.#recvSync("SharedChan.recvSync", ctx) === GOT ? this.#decode(this.#got) : undefined;
  }

  /** Go's `v, ok := <-ch`, blocking this thread. */
  recvOkSync(ctx?: Context): [T, true] | [undefined, false] {
    return this.#recvSync("SharedChan.recvOkSync", ctx) === GOT
      ? [this.#decode(this.#got), true]
      : [undefined, false];
  }

  #recvSync(method: string, ctx: Context | undefined): number {
    const intr = syncEntry(method, ctx);
    const i32 = this.#i32;
    let spun = false;
    for (;;) {
      lock(i32, LOCK);
      const r = this.#take();
      if (r !== NONE) {
        unlock(i32, LOCK);
        return r;
      }
      if (this.cap === 0) {
        const at = this.#wait();
        if (at >= 0) {
          unlock(i32, LOCK);
          return this.#awaitHandSync(at, intr);
        }
      }
      // Buffered and empty, or every cell busy: wait for a change.
      const s = Atomics.load(i32, RSEQ);
      if (!spun) {
        unlock(i32, LOCK);
        spun = true;
        spinWhile(i32, RSEQ, s);
        continue;
      }
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
        const r = this.#settleWait(at);
        if (r === NONE) throw why; // withdrawn: consumed nothing
        return r; // a sender (or close) came first
      }
    }
    return this.#settleWait(at);
  }

  /** Go's `for v := range ch`, blocking this thread between values: for workers. */
  *[Symbol.iterator](): Iterator<T> {
    for (;;) {
      if (this.#recvSync("SharedChan iterator", undefined) !== GOT) return;
      yield this.#decode(this.#got);
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
      v = this.#prepare(value);
      src = ctx === undefined ? null : cancelSourceOf(ctx);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      if (this.#trySendStored(v)) return RESOLVED;
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#sendAsync(v instanceof Uint8Array ? v.slice() : v, src);
  }

  async #sendAsync(v: Stored, src: CancelSource | null): Promise<void> {
    const i32 = this.#i32;
    for (;;) {
      lock(i32, LOCK);
      if (i32[CLOSED] !== 0) {
        unlock(i32, LOCK);
        throw sendOnClosed();
      }
      if (this.#put(v)) {
        unlock(i32, LOCK);
        return;
      }
      if (this.cap === 0) {
        const at = this.#offer(v);
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
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === OFFERED) {
        Atomics.compareExchange(i32, at, OFFERED, OFFERED_SLEEPING);
        continue;
      }
      if (s !== OFFERED_SLEEPING) break;
      const r = await waitAsync(i32, at, OFFERED_SLEEPING, src);
      if (r !== undefined) {
        const st = this.#settleOffer(at, true);
        if (st === OFFERED || st === OFFERED_SLEEPING) throw r;
        if (st === FAILED) throw sendOnClosed();
        return;
      }
    }
    if (this.#settleOffer(at, false) === FAILED) throw sendOnClosed();
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
    out.push(this.#decode(this.#got));
    if (max > 1) this.#takeMore(max, out);
    return out;
  }

  /** After one value was taken: takes up to `max` in all without waiting (one lock). */
  #takeMore(max: number, out: T[]): void {
    const i32 = this.#i32;
    const raw: Stored[] = [];
    lock(i32, LOCK);
    while (out.length + raw.length < max && this.#take() === GOT) raw.push(this.#got);
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
      const r = this.#take();
      unlock(i32, LOCK);
      if (r !== NONE) return Promise.resolve(this.#gotten(r, max, out));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.#recvSlow(src, max, out);
  }

  #gotten(r: number, max: number, out: T[] | undefined): Stored | typeof END {
    if (r !== GOT) return END;
    const v = this.#got;
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
      const r = this.#take();
      if (r !== NONE) {
        unlock(i32, LOCK);
        return this.#gotten(r, max, out);
      }
      if (this.cap === 0) {
        const at = this.#wait();
        if (at >= 0) {
          unlock(i32, LOCK);
          return this.#gotten(await this.#awaitHandAsync(at, src), max, out);
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

  async #awaitHandAsync(at: number, src: CancelSource | null): Promise<number> {
    const i32 = this.#i32;
    for (;;) {
      const s = Atomics.load(i32, at);
      if (s === WAITING) {
        Atomics.compareExchange(i32, at, WAITING, WAITING_SLEEPING);
        continue;
      }
      if (s !== WAITING_SLEEPING) break;
      const why = await waitAsync(i32, at, WAITING_SLEEPING, src);
      if (why !== undefined) {
        const r = this.#settleWait(at);
        if (r === NONE) throw why;
        return r;
      }
    }
    return this.#settleWait(at);
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
    return this.#trySendStored(this.#prepare(value));
  }

  #trySendStored(v: Stored): boolean {
    const i32 = this.#i32;
    lock(i32, LOCK);
    if (i32[CLOSED] !== 0) {
      unlock(i32, LOCK);
      throw sendOnClosed();
    }
    const ok = this.#put(v);
    unlock(i32, LOCK);
    return ok;
  }

  /** `[value, true]`, `[undefined, false]` if closed and drained, `undefined` if it would block. */
  tryRecv(): [T, true] | [undefined, false] | undefined {
    const i32 = this.#i32;
    lock(i32, LOCK);
    const r = this.#take();
    unlock(i32, LOCK);
    return r === GOT ? [this.#decode(this.#got), true] : r === DRAINED ? [undefined, false] : undefined;
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
        const at = this.#cell(k) >> 2;
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
