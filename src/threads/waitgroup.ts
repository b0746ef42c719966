// WaitGroup: Go's sync.WaitGroup in shared memory, for worker threads.
//
// As Go's (sync/waitgroup.go) the whole state is one 64-bit word, changed only by compare-and-swap
// (Atomics on a BigInt64Array): the counter in the high 32 bits, and in the low 32 bits the number
// of waiters (low 16) and a generation (high 16) that moves on each time the counter reaches zero
// with waiters. So every decision sees counter and waiters together:
// - add() computes the new state and commits it in one CAS: a negative counter throws
//   `sync: negative WaitGroup counter` with nothing changed; when the counter reaches zero with
//   waiters, the same CAS clears the waiters and moves the generation on, then notifies. An
//   uncontended done() is a load and a CAS, and no notify.
// - wait() counts itself in by CAS (only while the counter is above zero) and sleeps on the low
//   half of the word (an Int32Array view of it) until the generation moves on: a change of the
//   waiter count alone is no wake-up. A release between its load and its CAS makes the CAS fail,
//   so no wake-up is lost.
// - Once released, a waiter that finds the counter above zero again throws Go's
//   `sync: WaitGroup is reused before previous Wait has returned`: another thread started the next
//   round (add) before this Wait returned, which Go forbids. This holds across threads because
//   the check reads the same word every thread writes.
// - A cancelled waiter counts itself out by CAS, unless the generation has moved on: then the
//   release came first and the wait succeeds.
// Where it differs: Go's `WaitGroup misuse: Add called concurrently with Wait` cannot happen here
// (Go clears the waiters in a separate store; here the releasing CAS does), and at most 65,535
// waiters may wait at once (a RangeError beyond).

import type { Canceller, Context } from "../chan/context-type.js";
import type { CancelSource } from "../internal/cancel-protocol.js";
import { GoSyncError } from "../internal/errors.js";
import { type Interrupt, waitAsync, waitSync } from "../internal/futex.js";
import { DESCRIBE, threadWait } from "../internal/registry.js";
import {
  adoptOr,
  type HandleData,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { asyncEntry, RESOLVED, syncEntry } from "./waiting.js";

const KIND = "WaitGroup";
/** Index, in an Int32Array over the state word, of its low half (waiters and generation). */
const LOW = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1 ? 0 : 1;
const MAX_WAITERS = 0xffff;
/** A counter of one, in units of the state word; and the largest state (counter 2^31-1). */
const ONE = 1n << 32n;
const MAX_STATE = (0x7fff_ffffn << 32n) | 0xffff_ffffn;

const counterOf = (s: bigint): number => Number(BigInt.asIntN(32, s >> 32n));
const lowOf = (s: bigint): number => Number(s & 0xffff_ffffn) | 0;
const waitersOf = (s: bigint): number => Number(s & 0xffffn);
const genOf = (s: bigint): number => Number((s >> 16n) & 0xffffn);

/**
 * Go's sync.WaitGroup across threads: wait for work spread over workers.
 *
 * @example
 * ```ts
 * const wg = new WaitGroup();
 * wg.add(workers.length);
 * for (const w of workers) w.postMessage(share({ wg, job })); // each worker: try { ... } finally { wg.done(); }
 * await wg.wait();
 * ```
 */
export class WaitGroup implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #state: BigInt64Array;
  readonly #i32: Int32Array;

  constructor() {
    this.handle = adoptOr(() => newHandle(KIND, 2));
    const h = this.handle as HandleData;
    this.#state = new BigInt64Array(h.sab, h.offset, 1);
    this.#i32 = new Int32Array(h.sab, h.offset, 2);
  }

  /** The counter now. */
  get count(): number {
    return counterOf(Atomics.load(this.#state, 0));
  }

  /** Wait calls (on all threads) waiting now. */
  get waiters(): number {
    return waitersOf(Atomics.load(this.#state, 0));
  }

  /** Adds delta (may be negative) to the counter; at zero, every waiter is released. */
  add(delta: number): void {
    if (typeof delta !== "number" || !Number.isInteger(delta)) {
      throw new RangeError(`delta must be an integer, got ${String(delta)}`);
    }
    // In units of the state word: delta in the counter's half. The stored counter is never
    // negative and the low half is below 2^32, so the sum is negative exactly when the counter
    // would be.
    const d = BigInt(delta) << 32n;
    const st = this.#state;
    let s = Atomics.load(st, 0);
    for (;;) {
      let next = s + d;
      if (next < 0n) throw new GoSyncError("sync: negative WaitGroup counter");
      if (next > MAX_STATE) throw new RangeError("delta would overflow the WaitGroup counter");
      // Counter zero with waiters: released (no waiters, the next generation).
      const release = next < ONE && (next & 0xffffn) !== 0n;
      if (release) next = (next + 0x1_0000n) & 0xffff_0000n;
      const seen = Atomics.compareExchange(st, 0, s, next);
      if (seen === s) {
        if (release) Atomics.notify(this.#i32, LOW);
        return;
      }
      s = seen;
    }
  }

  /** add(-1). */
  done(): void {
    this.add(-1);
  }

  /** Resolves once the counter is zero, without blocking the thread. */
  wait(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    let gen: number;
    try {
      gen = this.#enter();
    } catch (err) {
      return Promise.reject(err);
    }
    if (gen < 0) return RESOLVED;
    return threadWait("threads.WaitGroup.wait", this, this.#waitAsync(gen, e.src));
  }

  /** Blocks the thread until the counter is zero; a shared ctx's cancellation or a deadline ends it. */
  waitSync(ctx?: Context): void {
    const intr = syncEntry("WaitGroup.waitSync", ctx);
    const gen = this.#enter();
    if (gen >= 0) this.#waitSync(gen, intr);
  }

  /** How task dumps show it. */
  [DESCRIBE](): string {
    return `threads.WaitGroup (counter ${this.count}, ${this.waiters} waiting on all threads)`;
  }

  /** Counts a waiter in: its generation, or -1 if the counter is zero (nothing to wait for). */
  #enter(): number {
    const st = this.#state;
    let s = Atomics.load(st, 0);
    for (;;) {
      if (counterOf(s) === 0) return -1;
      if (waitersOf(s) === MAX_WAITERS) {
        throw new RangeError(`WaitGroup: more than ${MAX_WAITERS} waiters at once`);
      }
      const seen = Atomics.compareExchange(st, 0, s, s + 1n);
      if (seen === s) return genOf(s);
      s = seen;
    }
  }

  /** The wait's generation has passed unless it is still `gen`; the low half to sleep on if not. */
  #pending(gen: number): number | null {
    const s = Atomics.load(this.#state, 0);
    return genOf(s) === gen ? lowOf(s) : null;
  }

  /** Released: Go's reuse check (the counter went up again before this Wait returned). */
  #released(): void {
    if (counterOf(Atomics.load(this.#state, 0)) !== 0) {
      throw new GoSyncError("sync: WaitGroup is reused before previous Wait has returned");
    }
  }

  /** A cancelled wait counts itself out; false if the release came first (the wait succeeded). */
  #leave(gen: number): boolean {
    const st = this.#state;
    let s = Atomics.load(st, 0);
    for (;;) {
      if (genOf(s) !== gen) return false;
      const seen = Atomics.compareExchange(st, 0, s, s - 1n);
      if (seen === s) return true;
      s = seen;
    }
  }

  #waitSync(gen: number, intr: Interrupt | null): void {
    for (let low = this.#pending(gen); low !== null; low = this.#pending(gen)) {
      const why = waitSync(this.#i32, LOW, low, intr);
      if (why !== undefined && this.#leave(gen)) throw why;
    }
    this.#released();
  }

  async #waitAsync(gen: number, src: CancelSource | null): Promise<void> {
    for (let low = this.#pending(gen); low !== null; low = this.#pending(gen)) {
      const why = await waitAsync(this.#i32, LOW, low, src);
      if (why !== undefined && this.#leave(gen)) throw why;
    }
    this.#released();
  }
}

registerShared(KIND, () => new WaitGroup());
