// A FIFO queue of waiters in shared memory, for the gosync/threads primitives: who waits for a
// lock, for semaphore weight, for a signal, in arrival order across every thread.
//
// Layout: a region of a primitive's Int32Array (from word `base`): a lock word, head and tail
// counters, a space counter, and `cap` slots of SLOT_WORDS words. A waiter owns one slot from
// push() until it has seen the outcome: it sleeps on its slot's state word (Atomics.wait or
// Atomics.waitAsync), so a wake-up goes to exactly that waiter and an abandoned async wait (see
// internal/futex.ts) is only ever woken by notifications meant for a slot it no longer owns.
//
// Invariants (all bookkeeping under the queue's lock word, futex.ts lockWord):
// - Positions head ≤ p < tail hold the queue in arrival order; live waiters are WAITING or WOKEN.
//   A granted or cancelled waiter leaves the queue at once (the primitive's accounting sees it
//   gone) but its slot is reused only once it is FREE again: a granted waiter frees its own slot
//   after reading the grant, a cancelled one is freed when the head passes it. So a grant is never
//   overwritten before its waiter has seen it.
// - push() takes the slot at the tail only if it is FREE and fewer than `cap` positions are in use;
//   otherwise the queue is full and the waiter waits on the space counter and tries again.
// - Never await while holding the lock word: another task on the same thread would block on it. FIFO is
//   exact for up to `cap` concurrent waiters per primitive; beyond that, those waiting for a slot
//   enter in the order they get one.
// - The slot's TIME word records when it was queued (ms, modulo 2^31), so a primitive can tell how
//   long its head has waited (the Mutex's starvation rule).

import type { CancelSource } from "./cancel-protocol.js";
import { type Interrupt, lockWord, unlockWord, waitAsync, waitSync } from "./futex.js";

const LOCK = 0;
const HEAD = 1;
const TAIL = 2;
const SPACE = 3; // bumped whenever a slot may have become usable
const SPACE_WAITERS = 4;
const LIVE = 5; // live waiters (WAITING or WOKEN)
const SLOTS = 8;

/** Words per slot: state, argument (e.g. a weight), queued-at time. */
export const SLOT_WORDS = 4;
const ARG = 1;
const TIME = 2;

/** Slot states. */
export const FREE = 0;
export const WAITING = 1;
export const GRANTED = 2;
export const CANCELLED = 3;
/** Woken to try again (not granted); still in the queue, at its place. */
export const WOKEN = 4;

/** The default number of slots (exact FIFO for up to this many concurrent waiters). */
const QUEUE_CAP = 64;

/** Words a queue of `cap` slots needs. */
export function queueWords(cap: number = QUEUE_CAP): number {
  return SLOTS + cap * SLOT_WORDS;
}

/** Milliseconds now, modulo 2^31 (differences are exact for ages under 24 days). */
function nowMs(): number {
  return (Date.now() % 0x80000000) | 0;
}

export class SharedQueue {
  readonly #mask: number;
  constructor(
    readonly i32: Int32Array,
    readonly base: number,
    readonly cap: number = QUEUE_CAP,
  ) {
    this.#mask = cap - 1;
  }

  lock(): void {
    lockWord(this.i32, this.base + LOCK);
  }

  unlock(): void {
    unlockWord(this.i32, this.base + LOCK);
  }

  #slot(p: number): number {
    return this.base + SLOTS + (p & this.#mask) * SLOT_WORDS;
  }

  /** Live waiters. */
  get live(): number {
    return Atomics.load(this.i32, this.base + LIVE);
  }

  /** (Under the lock.) Queues a waiter with `arg`; returns its slot, or -1 when the queue is full. */
  push(arg: number): number {
    const i32 = this.i32;
    const head = i32[this.base + HEAD]!;
    const tail = i32[this.base + TAIL]!;
    if (((tail - head) | 0) >= this.cap) return -1;
    const s = this.#slot(tail);
    if (Atomics.load(i32, s) !== FREE) return -1; // a granted waiter has not read its grant yet
    i32[s + ARG] = arg;
    i32[s + TIME] = nowMs();
    Atomics.store(i32, s, WAITING);
    i32[this.base + TAIL] = (tail + 1) | 0;
    i32[this.base + LIVE]!++;
    return s;
  }

  /** (Under the lock.) The live slots in arrival order. */
  *slots(): Generator<number> {
    const i32 = this.i32;
    const tail = i32[this.base + TAIL]!;
    for (let p = i32[this.base + HEAD]!; p !== tail; p = (p + 1) | 0) {
      const s = this.#slot(p);
      const st = Atomics.load(i32, s);
      if (st === WAITING || st === WOKEN) yield s;
    }
  }

  /** (Under the lock.) The first live slot, or -1. (A plain loop: this is on every contended unlock.) */
  head(): number {
    const i32 = this.i32;
    const tail = i32[this.base + TAIL]!;
    for (let p = i32[this.base + HEAD]!; p !== tail; p = (p + 1) | 0) {
      const s = this.#slot(p);
      const st = Atomics.load(i32, s);
      if (st === WAITING || st === WOKEN) return s;
    }
    return -1;
  }

  arg(s: number): number {
    return this.i32[s + ARG]!;
  }

  /** (Under the lock.) Sets slot `s`'s argument (e.g. an outcome the waiter reads once granted). */
  setArg(s: number, v: number): void {
    this.i32[s + ARG] = v;
  }

  /** How long the waiter in slot `s` has been queued, ms. */
  age(s: number): number {
    return (nowMs() - this.i32[s + TIME]!) & 0x7fffffff;
  }

  /** (Under the lock.) Grants slot `s`: it leaves the queue and its waiter is woken. */
  grant(s: number): void {
    Atomics.store(this.i32, s, GRANTED);
    this.i32[this.base + LIVE]!--;
    Atomics.notify(this.i32, s);
    this.#advance();
  }

  /** (Under the lock.) Wakes slot `s` to try again; it keeps its place. */
  wake(s: number): void {
    Atomics.store(this.i32, s, WOKEN);
    Atomics.notify(this.i32, s);
  }

  /** (Under the lock.) A woken waiter that lost goes back to sleep at its place. */
  rewait(s: number): void {
    Atomics.store(this.i32, s, WAITING);
  }

  /**
   * (Under the lock.) Removes a waiter that gives up (cancelled, or done after a WOKEN retry).
   * Returns its state before: GRANTED means the grant came first and the waiter keeps it.
   */
  leave(s: number): number {
    const st = Atomics.load(this.i32, s);
    if (st === GRANTED) return st;
    Atomics.store(this.i32, s, CANCELLED);
    this.i32[this.base + LIVE]!--;
    this.#advance();
    return st;
  }

  /** A granted waiter has read its grant: its slot may be reused. (No lock needed.) */
  consumed(s: number): void {
    Atomics.store(this.i32, s, FREE);
    this.#spaceMade();
  }

  /** Moves the head past waiters that left; frees cancelled slots. */
  #advance(): void {
    const i32 = this.i32;
    const tail = i32[this.base + TAIL]!;
    let p = i32[this.base + HEAD]!;
    let moved = false;
    while (p !== tail) {
      const s = this.#slot(p);
      const st = Atomics.load(i32, s);
      if (st === WAITING || st === WOKEN) break;
      if (st === CANCELLED) Atomics.store(i32, s, FREE);
      p = (p + 1) | 0;
      moved = true;
    }
    if (moved) {
      i32[this.base + HEAD] = p;
      this.#spaceMade();
    }
  }

  #spaceMade(): void {
    if (Atomics.load(this.i32, this.base + SPACE_WAITERS) > 0) {
      Atomics.add(this.i32, this.base + SPACE, 1);
      Atomics.notify(this.i32, this.base + SPACE);
    }
  }

  /**
   * (Under the lock, which it releases.) The queue was full: waits synchronously until a slot may
   * have been freed. Returns undefined (try again from the start) or the interrupt reason.
   */
  spaceSync(intr: Interrupt | null): unknown {
    const seen = this.#waitSpace();
    this.unlock();
    const why = waitSync(this.i32, this.base + SPACE, seen, intr);
    Atomics.sub(this.i32, this.base + SPACE_WAITERS, 1);
    return why;
  }

  /** As spaceSync, without blocking. The lock is released before the first await. */
  async spaceAsync(src: CancelSource | null): Promise<unknown> {
    const seen = this.#waitSpace();
    this.unlock();
    const why = await waitAsync(this.i32, this.base + SPACE, seen, src);
    Atomics.sub(this.i32, this.base + SPACE_WAITERS, 1);
    return why;
  }

  #waitSpace(): number {
    Atomics.add(this.i32, this.base + SPACE_WAITERS, 1);
    return Atomics.load(this.i32, this.base + SPACE);
  }

  /** Sleeps (sync) while slot `s` is WAITING; returns its state, or the interrupt reason. */
  sleepSync(s: number, intr: Interrupt | null): number | { readonly why: unknown } {
    for (;;) {
      const st = Atomics.load(this.i32, s);
      if (st !== WAITING) return st;
      const why = waitSync(this.i32, s, WAITING, intr);
      if (why !== undefined) return { why };
    }
  }

  /**
   * Sleeps (async) while slot `s` is WAITING; resolves with its state, or the cancellation reason.
   *
   * Unlike a SharedChan cell (its waitAsync `withdraw`), the slot stays in the queue after the
   * cancellation until the caller resumes and calls leave(): a grant may still reach it in between.
   * That is safe because leave() reports GRANTED and every caller then either keeps the grant and
   * succeeds (Mutex, RWMutex, Cond, CyclicBarrier) or gives it back under the queue lock and passes
   * it on before rejecting (Semaphore, as x/sync/semaphore does): a grant is never lost, only
   * delayed until this thread runs again, as in Go, where a cancelled waiter also stays queued until
   * its goroutine runs (test/threads/cancel-grant.test.ts).
   */
  async sleepAsync(s: number, src: CancelSource | null): Promise<number | { readonly why: unknown }> {
    for (;;) {
      const st = Atomics.load(this.i32, s);
      if (st !== WAITING) return st;
      const why = await waitAsync(this.i32, s, WAITING, src);
      if (why !== undefined) return { why };
    }
  }
}
