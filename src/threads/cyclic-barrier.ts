// CyclicBarrier across threads (marusama/cyclicbarrier, as gosync's in-process one): `parties`
// callers on any threads wait for each other, then all go on together; the barrier is reusable.
//
// Each waiting party holds a slot of a queue in the barrier's memory (internal/shared-queue.ts);
// the last to arrive grants every slot with the outcome written into it (passed or broken), so a
// party that wakes late still learns how its own round ended, whatever happened since. A party that
// is cancelled breaks the barrier: every waiting party fails with BrokenBarrierError, and so does
// every await() until reset(). reset() breaks the parties waiting now and starts a fresh round.
// Unlike the in-process barrier there is no action (a function cannot cross threads): run it after
// await() on one chosen party.

import type { Canceller, Context } from "../chan/context-type.js";
import { BrokenBarrierError } from "../ext/cyclic-barrier.js";
import { checkCount } from "../internal/errors.js";
import { threadWait } from "../internal/registry.js";
import { GRANTED, queueWords, SharedQueue } from "../internal/shared-queue.js";
import {
  adoptOr,
  type HandleData,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import {
  asyncEntry,
  isWhy,
  runAsync,
  runSync,
  SPACE,
  syncEntry,
  type WaitEnd,
  type WaitSteps,
} from "./waiting.js";

export { BrokenBarrierError };

const KIND = "CyclicBarrier";
const ARRIVED = 0;
const BROKEN = 1;
const Q = 4;
const PASSED = 0;
const BROKE = 1;

function capFor(parties: number): number {
  let cap = 2;
  while (cap < parties) cap *= 2;
  return cap;
}

/**
 * A reusable barrier for `parties` callers on any threads.
 *
 * @example
 * ```ts
 * const barrier = new CyclicBarrier(4); // shared with 4 workers
 * // each worker, per step:
 * computeStripe(step);
 * barrier.awaitSync(); // nobody starts step+1 before all finished step
 * ```
 */
export class CyclicBarrier implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  /** How many parties each round waits for. */
  readonly parties: number;
  readonly #i32: Int32Array;
  readonly #q: SharedQueue;

  constructor(parties: number) {
    this.handle = adoptOr(() => {
      checkCount("parties", parties, 1);
      if (parties > 1 << 20) throw new RangeError(`parties must be at most 2^20, got ${parties}`);
      return newHandle(KIND, Q + queueWords(capFor(2 * parties)), { parties });
    });
    this.parties = ((this.handle as HandleData).extra as { parties: number }).parties;
    const cap = capFor(2 * this.parties);
    this.#i32 = int32View(this.handle, Q + queueWords(cap));
    this.#q = new SharedQueue(this.#i32, Q, cap);
  }

  /** Whether the barrier is broken (until reset()). */
  get broken(): boolean {
    return Atomics.load(this.#i32, BROKEN) !== 0;
  }

  /** Parties waiting at the barrier now. */
  get waiting(): number {
    return Atomics.load(this.#i32, ARRIVED);
  }

  /** Waits (without blocking the thread) until all parties have arrived. */
  await(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    return threadWait("threads.CyclicBarrier.await", this, runAsync(this.#q, this.#await(), e.src));
  }

  /** As await(), blocking the thread; a shared ctx's cancellation or a deadline ends (and breaks) it. */
  awaitSync(ctx?: Context): void {
    runSync(this.#q, this.#await(), syncEntry("CyclicBarrier.awaitSync", ctx));
  }

  /** Arrives and waits for the round's outcome (both forms, see waiting.ts). */
  *#await(): WaitSteps<void> {
    let s = this.#arrive();
    while (s === -2) {
      const r = yield SPACE;
      if (isWhy(r)) throw r.why;
      s = this.#arrive();
    }
    if (s === -1) return;
    this.#end(s, yield { slot: s });
  }

  /** Breaks the round in progress (its waiting parties fail) and starts a fresh one. */
  reset(): void {
    const q = this.#q;
    q.lock();
    this.#release(BROKE);
    Atomics.store(this.#i32, BROKEN, 0);
    q.unlock();
  }

  /**
   * Arrives: -1 if this party completed the round, else its slot; -2 if the queue is full (slots of
   * an earlier round not yet read by their late waiters), with the queue lock still held for the
   * space wait: nothing counted yet. Throws if broken.
   */
  #arrive(): number {
    const q = this.#q;
    const i32 = this.#i32;
    q.lock();
    if (Atomics.load(i32, BROKEN) !== 0) {
      q.unlock();
      throw new BrokenBarrierError();
    }
    if (Atomics.load(i32, ARRIVED) + 1 === this.parties) {
      this.#release(PASSED);
      q.unlock();
      return -1;
    }
    const s = q.push(0);
    if (s < 0) return -2;
    Atomics.add(i32, ARRIVED, 1);
    q.unlock();
    return s;
  }

  /** (Queue lock held.) Ends the round: every waiting party learns `outcome`. */
  #release(outcome: number): void {
    const q = this.#q;
    for (const s of [...q.slots()]) {
      q.setArg(s, outcome);
      q.grant(s);
    }
    Atomics.store(this.#i32, ARRIVED, 0);
  }

  #end(s: number, r: WaitEnd): void {
    const q = this.#q;
    if (isWhy(r)) {
      q.lock();
      if (q.leave(s) !== GRANTED) {
        // Cancelled while waiting: the barrier breaks for everyone.
        Atomics.store(this.#i32, BROKEN, 1);
        this.#release(BROKE);
        q.unlock();
        throw r.why;
      }
      q.unlock(); // the round ended just before: its outcome stands
    }
    const outcome = q.arg(s);
    q.consumed(s);
    if (outcome === BROKE) throw new BrokenBarrierError();
  }
}

registerShared(KIND, () => new CyclicBarrier(1));
