// WaitGroup: Go's sync.WaitGroup in shared memory, for worker threads.
//
// Words: the counter, the number of sleeping waiters, and a generation that bumps each time the
// counter reaches zero with waiters asleep. add() is a compare-and-swap on the counter (so a
// negative counter throws `sync: negative WaitGroup counter` with nothing changed) and touches the
// rest only when it reaches zero with sleepers: an uncontended done() is one CAS and no notify.
// A waiter registers, then re-reads the counter before sleeping on the generation word; with
// sequentially consistent atomics either it sees zero or the last done() sees it (Dekker), so no
// wake-up is lost. Wait returns once the counter reached zero after it started, as in Go.
// Where it differs: Go's `WaitGroup is reused before previous Wait has returned` check (a race
// detector of sorts on its state word) is not made across threads.

import type { Canceller, Context } from "../chan/context-type.js";
import type { CancelSource } from "../internal/cancel-protocol.js";
import { GoSyncError } from "../internal/errors.js";
import { type Interrupt, waitAsync, waitSync } from "../internal/futex.js";
import { threadWait } from "../internal/registry.js";
import {
  adoptOr,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { asyncEntry, RESOLVED, syncEntry } from "./waiting.js";

const KIND = "WaitGroup";
const COUNT = 0;
const WAITERS = 1;
const GEN = 2;

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
  readonly #i32: Int32Array;

  constructor() {
    this.handle = adoptOr(() => newHandle(KIND, 4));
    this.#i32 = int32View(this.handle, 4);
  }

  /** The counter now. */
  get count(): number {
    return Atomics.load(this.#i32, COUNT);
  }

  /** Adds delta (may be negative) to the counter; waking every waiter when it reaches zero. */
  add(delta: number): void {
    if (typeof delta !== "number" || !Number.isInteger(delta)) {
      throw new RangeError(`delta must be an integer, got ${String(delta)}`);
    }
    const i32 = this.#i32;
    let c = Atomics.load(i32, COUNT);
    for (;;) {
      const next = c + delta;
      if (next < 0) throw new GoSyncError("sync: negative WaitGroup counter");
      if (next > 0x7fffffff) throw new RangeError("delta would overflow the WaitGroup counter");
      const seen = Atomics.compareExchange(i32, COUNT, c, next);
      if (seen === c) {
        if (next === 0 && delta !== 0 && Atomics.load(i32, WAITERS) > 0) {
          Atomics.add(i32, GEN, 1);
          Atomics.notify(i32, GEN);
        }
        return;
      }
      c = seen;
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
    if (Atomics.load(this.#i32, COUNT) === 0) return RESOLVED;
    return threadWait("threads.WaitGroup.wait", this, this.#waitAsync(e.src));
  }

  /** Blocks the thread until the counter is zero; a shared ctx's cancellation or a deadline ends it. */
  waitSync(ctx?: Context): void {
    const intr = syncEntry("WaitGroup.waitSync", ctx);
    if (Atomics.load(this.#i32, COUNT) === 0) return;
    this.#waitSync(intr);
  }

  #waitSync(intr: Interrupt | null): void {
    const i32 = this.#i32;
    const gen = Atomics.load(i32, GEN);
    Atomics.add(i32, WAITERS, 1);
    try {
      while (Atomics.load(i32, COUNT) !== 0 && Atomics.load(i32, GEN) === gen) {
        const why = waitSync(i32, GEN, gen, intr);
        if (why !== undefined) throw why;
      }
    } finally {
      Atomics.sub(i32, WAITERS, 1);
    }
  }

  async #waitAsync(src: CancelSource | null): Promise<void> {
    const i32 = this.#i32;
    const gen = Atomics.load(i32, GEN);
    Atomics.add(i32, WAITERS, 1);
    try {
      while (Atomics.load(i32, COUNT) !== 0 && Atomics.load(i32, GEN) === gen) {
        const why = await waitAsync(i32, GEN, gen, src);
        if (why !== undefined) throw why;
      }
    } finally {
      Atomics.sub(i32, WAITERS, 1);
    }
  }
}

registerShared(KIND, () => new WaitGroup());
