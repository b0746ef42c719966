// The memory of a SharedChan: its layout in one SharedArrayBuffer and the state machine that runs
// under its lock (shared-chan.ts has the API and the waiting). Internal to gosync/threads.
//
// Memory: a 64-byte header of Int32 words, then the slots. All state is guarded by one futex-style
// lock word (internal/futex.ts) held only for a few loads and stores and a value copy, as Go's hchan.lock.
// Two sequence words carry wake-ups: RSEQ is bumped whenever a receive may have become possible
// (a value buffered or offered, a cell freed; close), SSEQ whenever a send may have (room, a receiver
// registered, a cell freed; close), but only while someone sleeps on it: sleepers are counted, so
// with nobody asleep there is neither bump nor notify. A sync waiter first spins a few microseconds
// on the state it waits for (COUNT, or its cell's state word).
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

import { lockWord as lock, SPINS, unlockWord as unlock } from "../internal/futex.js";
import { BIGINT64, checkFixed, decodeVar, encodeVar, FLOAT64, fixedBytes, INT32 } from "./codec.js";

// Header words (Int32 indices).
export const LOCK = 0;
export const RSEQ = 1;
export const SSEQ = 2;
export const RSLEEP = 3;
export const SSLEEP = 4;
export const CLOSED = 5;
export const HEAD = 6;
export const COUNT = 7;
export const WAITERS = 8; // unbuffered: cells WAITING (receivers not yet handed a value)
export const NEXT = 10;
export const CAP = 11;
export const CODEC = 12;
export const MAXB = 13;
export const NCELLS = 14;
export const HEADER_BYTES = 64;

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
export const CELLS = 16;
export const DEFAULT_MAX_VALUE_BYTES = 1024;

// Outcomes of a take under the lock.
export const NONE = 0;
export const GOT = 1;
export const DRAINED = 2;

/** Bumps the sequence word `i32[seq]` and wakes its sleepers (counted at `i32[sleepers]`), if any. */
export function bump(i32: Int32Array, seq: number, sleepers: number): void {
  // Only sleepers (and select wake-ups, which count as sleepers) read the sequence word: with none,
  // nothing to bump. A waiter counts itself under the lock, so it either is seen here or sees the
  // change. Spinners watch the state itself (COUNT, a cell), not the sequence word.
  if (Atomics.load(i32, sleepers) !== 0) {
    Atomics.add(i32, seq, 1);
    Atomics.notify(i32, seq);
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
/** One SharedChan's views of its buffer and the operations on it; call them with LOCK held. */
export class ChanMemory {
  readonly i32: Int32Array;
  readonly f64: Float64Array;
  readonly b64: BigInt64Array;
  readonly u8: Uint8Array;
  readonly cap: number;
  readonly id: number;
  readonly maxValueBytes: number;
  readonly slot: number;
  /** Set by take and settleWait: the stored form of the value taken. */
  got: Stored = 0;

  constructor(readonly sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.f64 = new Float64Array(sab);
    this.b64 = new BigInt64Array(sab);
    this.u8 = new Uint8Array(sab);
    this.cap = this.i32[CAP] as number;
    this.id = this.i32[CODEC] as number;
    this.maxValueBytes = this.i32[MAXB] as number;
    this.slot = fixedBytes(this.id) > 0 ? 8 : (4 + this.maxValueBytes + 7) & ~7;
  }

  /** A new channel's buffer, its header filled in (arguments checked by the caller). */
  static allocate(capacity: number, id: number, max: number): SharedArrayBuffer {
    const fixed = fixedBytes(id);
    const slot = fixed > 0 ? 8 : (4 + max + 7) & ~7;
    const n = capacity > 0 ? capacity : CELLS;
    const bytes = HEADER_BYTES + n * (capacity > 0 ? slot : slot + 8);
    if (bytes > 2 ** 31 - 1)
      throw new RangeError("capacity × maxValueBytes is too large for one SharedArrayBuffer");
    const sab = new SharedArrayBuffer(bytes);
    const h = new Int32Array(sab, 0, HEADER_BYTES >> 2);
    h[CAP] = capacity;
    h[CODEC] = id;
    h[MAXB] = fixed > 0 ? fixed : max;
    h[NCELLS] = capacity > 0 ? 0 : CELLS;
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
        // A private copy: decoding happens after the lock is released.
        return this.u8.slice(off + 4, off + 4 + (this.i32[off >> 2] as number));
    }
  }

  decode(v: Stored): unknown {
    return this.id <= BIGINT64 ? v : decodeVar(this.id, v as Uint8Array);
  }

  // ---- the state machine, always under the lock ------------------------------------------------

  /** Byte offset of cell k's state word (unbuffered); its value starts 8 bytes later. */
  cell(k: number): number {
    return HEADER_BYTES + k * (this.slot + 8);
  }

  /** The oldest cell in one of two states, or -1. */
  oldest(s1: number, s2: number): number {
    const i32 = this.i32;
    let best = -1;
    let bestSeq = 0;
    for (let k = 0; k < CELLS; k++) {
      const at = this.cell(k) >> 2;
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

  freeCell(): number {
    for (let k = 0; k < CELLS; k++) {
      const at = this.cell(k) >> 2;
      if (this.i32[at] === FREE) return at;
    }
    return -1;
  }

  /** Sends without waiting if possible; the caller checked that the channel is open. */
  put(v: Stored): boolean {
    const i32 = this.i32;
    const cap = this.cap;
    if (cap > 0) {
      const n = i32[COUNT] as number;
      if (n >= cap) return false;
      let k = (i32[HEAD] as number) + n;
      if (k >= cap) k -= cap;
      this.write(HEADER_BYTES + k * this.slot, v);
      Atomics.store(i32, COUNT, n + 1);
      bump(i32, RSEQ, RSLEEP);
      return true;
    }
    if (i32[WAITERS] === 0) return false;
    const at = this.oldest(WAITING, WAITING_SLEEPING);
    this.write((at << 2) + 8, v);
    i32[WAITERS] = (i32[WAITERS] as number) - 1;
    if (Atomics.exchange(i32, at, HANDED) === WAITING_SLEEPING) Atomics.notify(i32, at);
    return true;
  }

  /** Unbuffered: takes a free cell in `state`; its word index, or -1 if every cell is busy. */
  claim(state: number): number {
    const i32 = this.i32;
    const at = this.freeCell();
    if (at < 0) return -1;
    i32[at + 1] = i32[NEXT] as number;
    i32[NEXT] = ((i32[NEXT] as number) + 1) | 0;
    Atomics.store(i32, at, state);
    return at;
  }

  /** Unbuffered: offers v in a cell of its own (a blocked sender); the cell, or -1. */
  offer(v: Stored): number {
    const at = this.claim(OFFERED);
    if (at < 0) return -1;
    this.write((at << 2) + 8, v);
    bump(this.i32, RSEQ, RSLEEP);
    return at;
  }

  /** Unbuffered: a blocked receiver's cell, WAITING for a sender; the cell, or -1. */
  wait(): number {
    const at = this.claim(WAITING);
    if (at < 0) return -1;
    const i32 = this.i32;
    i32[WAITERS] = (i32[WAITERS] as number) + 1;
    bump(i32, SSEQ, SSLEEP);
    return at;
  }

  /** Frees a cell (its owner's last step) and tells whoever waits for a free cell. */
  free(at: number): void {
    const i32 = this.i32;
    Atomics.store(i32, at, FREE);
    bump(i32, SSEQ, SSLEEP);
    bump(i32, RSEQ, RSLEEP);
  }

  /** Receives without waiting if possible (into #got): a buffered value or an offer. */
  take(): number {
    const i32 = this.i32;
    const cap = this.cap;
    if (cap > 0) {
      const n = i32[COUNT] as number;
      if (n > 0) {
        const h = i32[HEAD] as number;
        this.got = this.read(HEADER_BYTES + h * this.slot);
        i32[HEAD] = h + 1 === cap ? 0 : h + 1;
        Atomics.store(i32, COUNT, n - 1);
        bump(i32, SSEQ, SSLEEP);
        return GOT;
      }
      return i32[CLOSED] !== 0 ? DRAINED : NONE;
    }
    const at = this.oldest(OFFERED, OFFERED_SLEEPING);
    if (at >= 0) {
      this.got = this.read((at << 2) + 8);
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
    lock(i32, LOCK);
    const s = i32[at] as number;
    let r = NONE;
    if (s === HANDED) {
      this.got = this.read((at << 2) + 8);
      r = GOT;
    } else if (s === CLOSED_R) {
      r = DRAINED;
    } else {
      i32[WAITERS] = (i32[WAITERS] as number) - 1;
    }
    this.free(at);
    unlock(i32, LOCK);
    return r;
  }

  /** An offering sender learns its outcome and frees its cell: false if it was taken, else the state. */
  settleOffer(at: number, retract: boolean): number {
    const i32 = this.i32;
    lock(i32, LOCK);
    const s = i32[at] as number;
    if (s === TAKEN || s === FAILED || retract) this.free(at);
    unlock(i32, LOCK);
    return s;
  }
}
