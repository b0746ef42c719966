// The memory of a SharedChan: its layout in one SharedArrayBuffer and the operations on it
// (shared-chan.ts has the API and the waiting). Internal to gosync/threads.
//
// Memory: a 192-byte header of Int32 words on three cache lines (the read-mostly words; the
// senders' TAIL; the receivers' HEAD), then the channel's body.
//
// Buffered (cap > 0): a lock-free bounded MPMC ring (Dmitry Vyukov's "bounded MPMC queue", the
// per-slot sequence variant): R slots, R = cap rounded up to a power of two, each with a sequence
// word, and two 31-bit position counters. TAIL holds the next send position shifted left by one,
// with the closed flag in bit 0, so that claiming a position and seeing a close are one
// compare-and-swap: a send either claims its slot before the close or finds the channel closed,
// never half of each. A slot's sequence word says whose turn it is: `p` (free for the send at
// position p), `p + 1` (holds the value sent at p), `p + R` (free again, for the send at p + R).
// - send: claim position p = TAIL by CAS once its slot reads `p` and (cap < R only) fewer than cap
//   values are in flight (p - HEAD < cap); write the value; store `p + 1` into the sequence word.
// - receive: claim position h = HEAD by CAS once its slot reads `h + 1`; copy the value; store
//   `h + R`. A batch claims the whole published run h…h+k-1 with one CAS and releases each slot.
// - An in-flight send (claimed, not yet published) makes receivers wait, not fail: the value is
//   committed and arrives in a moment. A receiver reports "drained" only when TAIL is closed and
//   every claimed position has been received (HEAD equals TAIL's position).
// - A cancelled send or receive never reached its CAS, so it changed nothing.
// Per operation the two threads of a stream share only the slot lines they hand over; HEAD and
// TAIL each stay in their own side's cache, and nothing is locked.
//
// Wake-ups: two sequence words, RSEQ (a receive may have become possible: a value published, an
// offer made, a cell freed, close) and SSEQ (a send may have: a slot released, a receiver waiting,
// a cell freed, close), each with a count of sleepers (RSLEEP, SSLEEP) and the newest value a
// sleeper waits on (RLAST, SLAST; a running maximum). A sleeper counts itself, reads the sequence
// word, publishes the value read, re-checks the state and sleeps only while the word still holds
// that value. A waker changes the state, and only if sleepers are counted and the newest waits on
// the word's current value, bumps it (CAS) and notifies. All Atomics operations are sequentially
// consistent, so either the waker sees the sleeper's registration or the sleeper's re-check sees the
// change: no wake-up is lost. And a waker notifies once per sleep, not once per change: a receiver
// draining a full ring does not pay a notify per value while the sender it woke is still on its way
// back (the convoy). With nobody asleep a waker makes one load and nothing else. A sync waiter
// first spins a few microseconds on the state it waits for. Every state change that may let a
// sleeper proceed wakes it at once (no hysteresis in the sleeping: a receiver that takes one value
// and then stops receiving must still release a sender blocked on the full ring, as Go's would be;
// only a spinning sender waits for more room, see spinSend).
//
// Unbuffered (cap 0): Go's sudog queues in shared memory, under the lock word LOCK
// (internal/futex.ts), held only for a few loads and stores and a value copy, as Go's hchan.lock.
// 16 cells, each a state word, an order number and one value (the state words together on one
// cache line, see CELL_STATES), each owned by one blocked sender or
// receiver:
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

import { lockWord as lock, SPINS, unlockWord as unlock } from "../internal/futex.js";
import { BIGINT64, checkFixed, decodeVar, encodeVar, FLOAT64, fixedBytes, INT32 } from "./codec.js";

// Header words (Int32 indices). Line 0: read-mostly, and the wake-up words.
export const LOCK = 0; // unbuffered only
export const RSEQ = 1;
export const SSEQ = 2;
export const RSLEEP = 3;
export const SSLEEP = 4;
export const CLOSED = 5; // unbuffered: the closed flag; buffered: a copy of TAIL's bit 0, for readers
export const RLAST = 6; // the newest RSEQ value a sleeper waits on
export const SLAST = 7; // the newest SSEQ value a sleeper waits on
/** RLAST - RSEQ = SLAST - SSEQ. */
const LAST = 5;
export const WAITERS = 8; // unbuffered: cells WAITING (receivers not yet handed a value)
export const NEXT = 10;
export const CAP = 11;
export const CODEC = 12;
export const MAXB = 13;
export const NCELLS = 14;
export const RING = 15; // buffered: R, the number of slots (a power of two ≥ cap, at least 2)
/** Buffered: the next send position << 1 | closed. Alone on line 1: only senders write it. */
export const TAIL = 16;
/** Buffered: the next receive position. Alone on line 2: only receivers write it. */
export const HEAD = 32;
/**
 * Unbuffered: the cells' state words fill line 1 and their order numbers line 2 (where a buffered
 * channel keeps TAIL and HEAD), so finding the oldest offer or waiting receiver reads one cache
 * line, not one per cell; the values follow the header.
 */
export const CELL_STATES = 16;
export const HEADER_BYTES = 192;

/** Positions live in 31 bits (TAIL keeps the closed flag in the 32nd). */
const M31 = 0x7fffffff;
/** a - b for 31-bit positions, as a signed number. */
const diff = (a: number, b: number): number => ((a - b) << 1) >> 1;

// Unbuffered cell states (the cell's first word; its second is the offer's sequence number).
export const FREE = 0;
export const OFFERED = 1;
export const OFFERED_SLEEPING = 2; // offered, and its sender sleeps on the state word: notify on change
export const TAKEN = 3;
export const FAILED = 4;
export const WAITING = 5;
export const WAITING_SLEEPING = 6;
export const HANDED = 7;
export const CLOSED_R = 8;

/** Cells of an unbuffered channel: blocked senders' offers or blocked receivers' places. */
export const CELLS = 16; // one cache line of state words
export const DEFAULT_MAX_VALUE_BYTES = 1024;

// Outcomes of a receive attempt. A larger number is a cell's word index (unbuffered: the receiver
// now waits in that cell); cells start after the header, so the two never clash.
export const NONE = 0;
export const GOT = 1;
export const DRAINED = 2;
// Outcomes of a send attempt; again, a larger number is the cell holding the sender's offer.
export const BLOCKED = 0;
export const SENT = 1;
export const SHUT = 2;

/**
 * Wakes the sleepers on the sequence word `i32[seq]` (counted at `i32[sleepers]`), if any wait on
 * its current value: once per sleep, not once per change (see the header).
 */
export function bump(i32: Int32Array, seq: number, sleepers: number): void {
  if (Atomics.load(i32, sleepers) === 0) return;
  const cur = Atomics.load(i32, seq);
  if (Atomics.load(i32, seq + LAST) !== cur) return; // every sleeper was woken already
  if (Atomics.compareExchange(i32, seq, cur, (cur + 1) | 0) === cur) Atomics.notify(i32, seq);
}

/**
 * A sleeper's registration on `i32[seq]`, before its last look at the state: counts it, and
 * returns the value to sleep on, also published (as a running maximum) for the wakers.
 */
export function sleepOn(i32: Int32Array, seq: number, sleepers: number): number {
  Atomics.add(i32, sleepers, 1);
  const s = Atomics.load(i32, seq);
  for (;;) {
    const o = Atomics.load(i32, seq + LAST);
    if (((s - o) | 0) <= 0 || Atomics.compareExchange(i32, seq + LAST, o, s) === o) return s;
  }
}

/**
 * Loads of a word a sync waiter makes before it sleeps (a few microseconds). Longer than the lock's
 * spin: the other side of a channel usually answers within a few hundred nanoseconds when it runs
 * on another core, while falling asleep and being woken costs a futex round trip of several
 * microseconds on each side. Async waits do not spin: they would hold up their event loop.
 */
export const WAIT_SPINS = 20 * SPINS;

/** Spins briefly while `i32[at]` holds `v` (a sync waiter's last look before it sleeps). */
export function spinWhile(i32: Int32Array, at: number, v: number): void {
  for (let i = 0; i < WAIT_SPINS && Atomics.load(i32, at) === v; i++);
}

/** A value checked and ready to store: a number, a bigint (fixed codecs) or encoded bytes. */
export type Stored = number | bigint | Uint8Array;

/** One SharedChan's views of its buffer and the operations on it. */
export class ChanMemory {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly b64: BigInt64Array;
  readonly u8: Uint8Array;
  readonly cap: number;
  readonly id: number;
  readonly maxValueBytes: number;
  /** Bytes per value: 4 (int32), 8 (float64, bigint64), or a length word and maxValueBytes. */
  readonly slot: number;
  /** Buffered: R - 1, and where the sequence words and the values start. */
  readonly #mask: number;
  readonly #seqs: number;
  readonly #vals: number;
  /**
   * Buffered: this thread's last view of HEAD and TAIL. Only guesses: every use is checked by a CAS
   * or a slot's sequence word, so a stale one costs a retry, never a wrong answer; a right one (a
   * single sender, a single receiver) saves loading a word the other side may be writing. An old
   * HEAD is also a safe lower bound for the cap < R check: HEAD only grows.
   */
  #head = 0;
  #tail = 0;
  /** Set by a receive: the stored form of the value taken. */
  got: Stored = 0;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.b64 = new BigInt64Array(sab);
    this.u8 = new Uint8Array(sab);
    this.cap = this.i32[CAP] as number;
    this.id = this.i32[CODEC] as number;
    this.maxValueBytes = this.i32[MAXB] as number;
    this.slot = slotBytes(this.id, this.maxValueBytes);
    const r = this.i32[RING] as number;
    this.#mask = r - 1;
    this.#seqs = HEADER_BYTES >> 2;
    this.#vals = (HEADER_BYTES + r * 4 + 7) & ~7;
  }

  /** A new channel's buffer, its header filled in (arguments checked by the caller). */
  static allocate(capacity: number, id: number, max: number): SharedArrayBuffer {
    const fixed = fixedBytes(id);
    const slot = slotBytes(id, fixed > 0 ? fixed : max);
    // At least two slots: with one, "holds the value sent at p" would read as "free for p + 1".
    const r = capacity > 0 ? Math.max(2, 2 ** Math.ceil(Math.log2(capacity))) : 0;
    const bytes =
      capacity > 0 ? ((HEADER_BYTES + r * 4 + 7) & ~7) + r * slot : HEADER_BYTES + CELLS * ((slot + 7) & ~7);
    if (bytes > 2 ** 31 - 1)
      throw new RangeError("capacity × maxValueBytes is too large for one SharedArrayBuffer");
    const sab = new SharedArrayBuffer(bytes);
    const h = new Int32Array(sab);
    h[CAP] = capacity;
    h[CODEC] = id;
    h[MAXB] = fixed > 0 ? fixed : max;
    h[NCELLS] = capacity > 0 ? 0 : CELLS;
    h[RING] = r;
    for (let i = 0; i < r; i++) h[(HEADER_BYTES >> 2) + i] = i; // slot i is free for position i
    return sab;
  }

  /** Checks and encodes a value; throws TypeError/RangeError before anything is written. */
  prepare(value: unknown): Stored {
    const id = this.id;
    return id <= BIGINT64 ? checkFixed(id, value) : encodeVar(id, value, this.maxValueBytes);
  }

  write(off: number, v: Stored): void {
    switch (this.id) {
      case INT32:
        this.i32[off >> 2] = v as number;
        break;
      case FLOAT64:
        this.f64[off >> 3] = v as number;
        break;
      case BIGINT64:
        this.b64[off >> 3] = v as bigint;
        break;
      default: {
        const b = v as Uint8Array;
        this.i32[off >> 2] = b.length;
        this.u8.set(b, off + 4);
      }
    }
  }

  read(off: number): Stored {
    switch (this.id) {
      case INT32:
        return this.i32[off >> 2] as number;
      case FLOAT64:
        return this.f64[off >> 3] as number;
      case BIGINT64:
        return this.b64[off >> 3] as bigint;
      default:
        // A private copy: the slot is released (or the lock dropped) before it is decoded.
        return this.u8.slice(off + 4, off + 4 + (this.i32[off >> 2] as number));
    }
  }

  decode(v: Stored): unknown {
    return this.id <= BIGINT64 ? v : decodeVar(this.id, v as Uint8Array);
  }

  /** Whether the channel is closed (values may still be buffered). */
  closed(): boolean {
    return this.cap > 0 ? (Atomics.load(this.i32, TAIL) & 1) !== 0 : Atomics.load(this.i32, CLOSED) !== 0;
  }

  /** Go's len(ch): values buffered now, in-flight sends included (0 when unbuffered). */
  length(): number {
    if (this.cap === 0) return 0;
    const n = diff(Atomics.load(this.i32, TAIL) >>> 1, Atomics.load(this.i32, HEAD));
    return n < 0 ? 0 : Math.min(n, this.cap);
  }

  /** Closes; false if it already was. Wakes every sleeper on both sides. */
  close(): boolean {
    const i32 = this.i32;
    if (this.cap > 0) {
      if ((Atomics.or(i32, TAIL, 1) & 1) !== 0) return false;
      Atomics.store(i32, CLOSED, 1);
    } else {
      lock(i32, LOCK);
      if (i32[CLOSED] !== 0) {
        unlock(i32, LOCK);
        return false;
      }
      Atomics.store(i32, CLOSED, 1);
      for (let k = 0; k < CELLS; k++) {
        const at = this.cell(k) >> 2;
        const s = i32[at];
        if (s === OFFERED || s === OFFERED_SLEEPING) Atomics.store(i32, at, FAILED);
        else if (s === WAITING || s === WAITING_SLEEPING) Atomics.store(i32, at, CLOSED_R);
        if (s === OFFERED_SLEEPING || s === WAITING_SLEEPING) Atomics.notify(i32, at);
      }
      i32[WAITERS] = 0;
      unlock(i32, LOCK);
    }
    bump(i32, RSEQ, RSLEEP);
    bump(i32, SSEQ, SSLEEP);
    return true;
  }

  // ---- sends -----------------------------------------------------------------------------------

  /**
   * One send attempt: SENT, SHUT (closed), BLOCKED (full; unbuffered: no receiver waiting and, if
   * `offer`, no free cell either), or (unbuffered, `offer`) the cell now holding the offer.
   */
  send(v: Stored, offer: boolean): number {
    if (this.cap === 0) return this.#sendCell(v, offer);
    const i32 = this.i32;
    const mask = this.#mask;
    // t is this thread's guess of TAIL: the CAS checks it, and returns the real one when it is off.
    let t = this.#tail;
    for (;;) {
      const p = t >>> 1;
      const at = this.#seqs + (p & mask);
      const d = diff(Atomics.load(i32, at), p);
      if (d === 0 && (t & 1) === 0) {
        const ahead = diff(p, this.#head); // in [0, cap] unless the cached HEAD is too old to tell
        if (this.cap <= mask && (ahead >= this.cap || ahead < 0)) {
          this.#head = Atomics.load(i32, HEAD);
          if (diff(p, this.#head) >= this.cap) {
            const r = this.#full(t);
            if (r !== SENT) return r;
            t = this.#tail;
            continue;
          }
        }
        const seen = Atomics.compareExchange(i32, TAIL, t, (t + 2) | 0);
        if (seen === t) {
          this.#tail = (t + 2) | 0;
          this.write(this.#vals + (p & mask) * this.slot, v);
          Atomics.store(i32, at, (p + 1) & M31);
          bump(i32, RSEQ, RSLEEP);
          return SENT;
        }
        t = seen; // another sender claimed p first, or the channel was closed
      } else if (d < 0 || (t & 1) !== 0) {
        // The slot still holds the value sent R positions ago (a stale guess cannot see that:
        // every position before TAIL has its slot claimed), or closed: confirm with TAIL itself.
        const r = this.#full(t);
        if (r !== SENT) return r;
        t = this.#tail;
      } else {
        t = Atomics.load(i32, TAIL); // the guess was behind
      }
    }
  }

  /** A send found position t's slot busy: SHUT, BLOCKED, or SENT meaning "TAIL moved: retry". */
  #full(t: number): number {
    const now = Atomics.load(this.i32, TAIL);
    this.#tail = now;
    return (now & 1) !== 0 ? SHUT : now === t ? BLOCKED : SENT;
  }

  /**
   * Spins (a sync sender's last look before it sleeps) while the ring is full. With hysteresis: it
   * waits for room for a quarter of the ring, not one slot, so that a fast sender does not trail a
   * slow receiver slot by slot, the two threads pulling the same cache line to and fro on every
   * value. Spinning only: the sleep that follows wakes on the first slot released, so nothing waits
   * for room that a receiver will not make.
   */
  spinSend(): void {
    const i32 = this.i32;
    const p = this.#tail >>> 1;
    const q = (p + (this.cap >> 2)) & M31;
    const at = this.#seqs + (q & this.#mask);
    const cap = this.cap;
    const short = cap <= this.#mask; // then the count, not the slots, is what fills up
    for (let i = 0; i < WAIT_SPINS; i++) {
      if (diff(Atomics.load(i32, at), q) >= 0 && !(short && diff(p, Atomics.load(i32, HEAD)) >= cap)) break;
    }
  }

  #sendCell(v: Stored, offer: boolean): number {
    const i32 = this.i32;
    lock(i32, LOCK);
    let r = SHUT;
    if (i32[CLOSED] === 0) {
      r = this.#put(v) ? SENT : offer ? this.#offer(v) : BLOCKED;
      if (r < 0) r = BLOCKED; // every cell busy
    }
    unlock(i32, LOCK);
    return r;
  }

  // ---- receives --------------------------------------------------------------------------------

  /**
   * One receive attempt: GOT (the stored value in #got), DRAINED (closed and empty), NONE (would
   * block; unbuffered: no offer and, if `wait`, no free cell either), or (unbuffered, `wait`) the
   * cell this receiver now waits in.
   */
  recv(wait: boolean): number {
    if (this.cap === 0) return this.#recvCell(wait);
    const i32 = this.i32;
    const mask = this.#mask;
    let h = this.#head; // this thread's guess of HEAD, as in send
    for (;;) {
      const at = this.#seqs + (h & mask);
      const d = diff(Atomics.load(i32, at), (h + 1) & M31);
      if (d === 0) {
        const seen = Atomics.compareExchange(i32, HEAD, h, (h + 1) & M31);
        if (seen === h) {
          this.#head = (h + 1) & M31;
          this.got = this.read(this.#vals + (h & mask) * this.slot);
          Atomics.store(i32, at, (h + mask + 1) & M31);
          bump(i32, SSEQ, SSLEEP);
          return GOT;
        }
        h = seen;
      } else if (d < 0) {
        // Not yet published at h: if h is HEAD, empty. (Had another receiver taken h, its slot would
        // read ahead, unless the guess is 2^30 positions behind: so HEAD itself decides.)
        const now = Atomics.load(i32, HEAD);
        if (now !== h) {
          h = now;
          continue;
        }
        this.#head = h; // where spinRecv looks
        return this.#empty(h);
      } else {
        h = Atomics.load(i32, HEAD); // the guess was behind
      }
    }
  }

  /**
   * Buffered: receives the whole published run at HEAD, up to `max` values, with one CAS, pushing
   * the decoded values onto `out`; GOT, DRAINED or NONE as {@link recv}.
   */
  recvRun(max: number, out: unknown[]): number {
    const i32 = this.i32;
    const mask = this.#mask;
    const seqs = this.#seqs;
    const lim = Math.min(max, mask + 1);
    let h = this.#head;
    for (;;) {
      let k = 0;
      while (k < lim && Atomics.load(i32, seqs + ((h + k) & mask)) === ((h + k + 1) & M31)) k++;
      if (k === 0) {
        if (diff(Atomics.load(i32, seqs + (h & mask)), (h + 1) & M31) < 0) {
          const now = Atomics.load(i32, HEAD); // as in recv: HEAD itself decides "empty"
          if (now !== h) {
            h = now;
            continue;
          }
          this.#head = h; // where spinRecv looks
          return this.#empty(h);
        }
        h = Atomics.load(i32, HEAD); // the guess was behind
        continue;
      }
      const seen = Atomics.compareExchange(i32, HEAD, h, (h + k) & M31);
      if (seen !== h) {
        h = seen;
        continue;
      }
      this.#head = (h + k) & M31;
      const base = out.length;
      const vals = this.#vals;
      const slot = this.slot;
      const id = this.id;
      for (let j = 0; j < k; j++) {
        const q = (h + j) & mask;
        const off = vals + q * slot;
        // Fixed codecs read straight from the typed-array views: no per-value allocation.
        out.push(id === INT32 ? i32[off >> 2] : id === FLOAT64 ? this.f64[off >> 3] : this.read(off));
        Atomics.store(i32, seqs + q, (h + j + mask + 1) & M31);
      }
      bump(i32, SSEQ, SSLEEP);
      if (id > BIGINT64) for (let j = base; j < out.length; j++) out[j] = this.decode(out[j] as Stored);
      return GOT;
    }
  }

  /** Buffered, no value at HEAD `h`: DRAINED if closed and every claimed send received, else NONE. */
  #empty(h: number): number {
    const t = Atomics.load(this.i32, TAIL);
    return (t & 1) !== 0 && t >>> 1 === h ? DRAINED : NONE;
  }

  /**
   * Spins (a sync receiver's last look before it sleeps) while the slot at HEAD is unpublished. It
   * then goes on spinning a little (a batch receiver: as long again; one that takes a single value:
   * a quarter of that, under a microsecond here) until a quarter of the ring is published: a
   * receiver that takes each value as it lands keeps the slot lines moving between the two threads
   * on every value (the sender's mirror image is spinSend). Measured on a 1024-slot int32 stream
   * between two workers: about 160 → 140 ns per value one at a time, 350 → 145 ns with recvBatch.
   * Spinning only, and whatever is published when it ends is taken, so a sender that stops after
   * one value strands nothing; the price is that delay, paid only by a receiver that had caught up.
   */
  spinRecv(batch: boolean): void {
    const i32 = this.i32;
    const h = this.#head;
    const at = this.#seqs + (h & this.#mask);
    const v = Atomics.load(i32, at);
    // Only a change of this word can make the ring non-empty (a close is seen after the spin).
    if (diff(v, (h + 1) & M31) < 0) spinWhile(i32, at, v);
    // Not TAIL: loading it here would pull the sender's line away on each of its sends.
    const q = (h + (this.cap >> 2)) & M31;
    const at2 = this.#seqs + (q & this.#mask);
    const spins = batch ? WAIT_SPINS : WAIT_SPINS >> 2;
    for (let i = 0; i < spins && diff(Atomics.load(i32, at2), (q + 1) & M31) < 0; i++);
  }

  #recvCell(wait: boolean): number {
    const i32 = this.i32;
    lock(i32, LOCK);
    let r = this.#take();
    if (r === NONE && wait) {
      r = this.#wait();
      if (r < 0) r = NONE; // every cell busy
    }
    unlock(i32, LOCK);
    return r;
  }

  // ---- unbuffered: the cells, under the lock ---------------------------------------------------

  /** Byte offset of cell k's state word (unbuffered). */
  cell(k: number): number {
    return (CELL_STATES + k) << 2;
  }

  /** Byte offset of the value of the cell whose state word is `i32[at]`. */
  #value(at: number): number {
    return HEADER_BYTES + (at - CELL_STATES) * ((this.slot + 7) & ~7);
  }

  /** The oldest cell in one of two states, or -1. */
  #oldest(s1: number, s2: number): number {
    const i32 = this.i32;
    let best = -1;
    let bestSeq = 0;
    for (let k = 0; k < CELLS; k++) {
      const at = this.cell(k) >> 2;
      const s = i32[at];
      if (s !== s1 && s !== s2) continue;
      const seq = i32[at + CELLS] as number;
      if (best < 0 || seq - bestSeq < 0) {
        best = at;
        bestSeq = seq;
      }
    }
    return best;
  }

  /** Hands v to the oldest waiting receiver, if there is one. */
  #put(v: Stored): boolean {
    const i32 = this.i32;
    if (i32[WAITERS] === 0) return false;
    const at = this.#oldest(WAITING, WAITING_SLEEPING);
    this.write(this.#value(at), v);
    i32[WAITERS] = (i32[WAITERS] as number) - 1;
    if (Atomics.exchange(i32, at, HANDED) === WAITING_SLEEPING) Atomics.notify(i32, at);
    return true;
  }

  /** Takes a free cell in `state`; its word index, or -1 if every cell is busy. */
  #claim(state: number): number {
    const i32 = this.i32;
    for (let k = 0; k < CELLS; k++) {
      const at = this.cell(k) >> 2;
      if (i32[at] !== FREE) continue;
      i32[at + CELLS] = i32[NEXT] as number;
      i32[NEXT] = ((i32[NEXT] as number) + 1) | 0;
      Atomics.store(i32, at, state);
      return at;
    }
    return -1;
  }

  /** Offers v in a cell of its own (a blocked sender); the cell, or -1. */
  #offer(v: Stored): number {
    const at = this.#claim(OFFERED);
    if (at < 0) return -1;
    this.write(this.#value(at), v);
    bump(this.i32, RSEQ, RSLEEP);
    return at;
  }

  /** A blocked receiver's cell, WAITING for a sender; the cell, or -1. */
  #wait(): number {
    const at = this.#claim(WAITING);
    if (at < 0) return -1;
    const i32 = this.i32;
    i32[WAITERS] = (i32[WAITERS] as number) + 1;
    bump(i32, SSEQ, SSLEEP);
    return at;
  }

  /** Frees a cell (its owner's last step) and tells whoever waits for a free cell. */
  #free(at: number): void {
    const i32 = this.i32;
    Atomics.store(i32, at, FREE);
    bump(i32, SSEQ, SSLEEP);
    bump(i32, RSEQ, RSLEEP);
  }

  /** Takes the oldest offer (into #got), if there is one. */
  #take(): number {
    const i32 = this.i32;
    const at = this.#oldest(OFFERED, OFFERED_SLEEPING);
    if (at >= 0) {
      this.got = this.read(this.#value(at));
      if (Atomics.exchange(i32, at, TAKEN) === OFFERED_SLEEPING) Atomics.notify(i32, at);
      return GOT;
    }
    return i32[CLOSED] !== 0 ? DRAINED : NONE;
  }

  /**
   * A waiting receiver's outcome, under the lock, freeing its cell: GOT (handed a value, into #got),
   * DRAINED (closed), or NONE (still waiting: withdrawn, for a cancelled receive).
   */
  settleWait(at: number): number {
    const i32 = this.i32;
    // HANDED and CLOSED_R are final: nobody but this cell's owner touches the cell any more, so it
    // reads and frees it without the lock (a claimer that sees FREE finds the value already read).
    // Only a withdrawal races with senders and close, and takes the lock.
    let s = Atomics.load(i32, at);
    const final = s === HANDED || s === CLOSED_R;
    if (!final) {
      lock(i32, LOCK);
      s = i32[at] as number;
    }
    let r = NONE;
    if (s === HANDED) {
      this.got = this.read(this.#value(at));
      r = GOT;
    } else if (s === CLOSED_R) {
      r = DRAINED;
    } else {
      i32[WAITERS] = (i32[WAITERS] as number) - 1;
    }
    this.#free(at);
    if (!final) unlock(i32, LOCK);
    return r;
  }

  /** An offering sender learns its outcome and frees its cell: the state it found. */
  settleOffer(at: number, retract: boolean): number {
    const i32 = this.i32;
    let s = Atomics.load(i32, at);
    if (s === TAKEN || s === FAILED) {
      this.#free(at); // final states, owned by this sender alone: no lock (see settleWait)
      return s;
    }
    lock(i32, LOCK);
    s = i32[at] as number;
    if (s === TAKEN || s === FAILED || retract) this.#free(at);
    unlock(i32, LOCK);
    return s;
  }
}

/** Bytes one value takes in a slot or cell. */
function slotBytes(id: number, max: number): number {
  const fixed = fixedBytes(id);
  return fixed > 0 ? fixed : (4 + max + 7) & ~7;
}
