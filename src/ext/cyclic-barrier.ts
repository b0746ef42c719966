// CyclicBarrier: marusama/cyclicbarrier — `parties` tasks wait for each other at a
// barrier, then all go on together; the barrier is reusable. The optional action runs once per trip,
// after the last party arrives and before anyone is released. A party cancelled while waiting, or an
// action that fails, breaks the barrier: every waiting party rejects with BrokenBarrierError (the
// failing one with its own error), and so does every await() until reset().

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { brand, checkCount, checkFunction, GoSyncError } from "../internal/errors.js";
import { type Parked, parkOn, wake } from "../internal/parked.js";
import { WaitQueue } from "../internal/waitq.js";

/**
 * The barrier was broken (cyclicbarrier's ErrBrokenBarrier): a party's wait was cancelled, or the
 * action failed, so every waiting party is released with this error.
 *
 * @example
 * ```ts
 * try { await barrier.await(ctx); } catch (e) { if (e instanceof BrokenBarrierError) barrier.reset(); }
 * ```
 */
export class BrokenBarrierError extends GoSyncError {
  constructor() {
    super("broken barrier");
  }
}
brand(BrokenBarrierError, "BrokenBarrierError");

/** One use of the barrier: its waiters, and whether it broke. */
class Round {
  readonly q = new WaitQueue<Parked>();
  broken = false;
}

/**
 * A reusable barrier for a fixed number of parties.
 *
 * @example
 * ```ts
 * const barrier = new CyclicBarrier(3, () => console.log("all arrived"));
 * for (let i = 0; i < 3; i++) go(async () => { await work(i); await barrier.await(); });
 * ```
 */
export class CyclicBarrier {
  /** How many parties must call await() to trip the barrier. */
  readonly parties: number;
  readonly #action: (() => void | Promise<void>) | undefined;
  #round = new Round();
  /** Arrivals in this round, the one running the action included. */
  #arrived = 0;

  constructor(parties: number, action?: () => void | Promise<void>) {
    this.parties = checkCount("parties", parties, 1);
    if (action !== undefined) checkFunction("action", action);
    this.#action = action;
  }

  /** Parties waiting at the barrier now. */
  get waiting(): number {
    return this.#arrived;
  }

  /** Whether the barrier is broken (until reset()). */
  get broken(): boolean {
    return this.#round.broken;
  }

  /**
   * Waits until all parties have called await(). Rejects with BrokenBarrierError if the barrier is
   * or becomes broken, and with the ctx's error if this party is cancelled while waiting (which
   * breaks it) or its ctx is already done (which does not: the party never joined).
   */
  async await(ctx?: Canceller): Promise<void> {
    // An already-done ctx fails before joining and breaks nothing (cyclicbarrier checks it first).
    const src = enterCall(ctx, "CyclicBarrier.Await", this);
    if (src instanceof Promise) return src;
    const round = this.#round;
    if (round.broken) throw new BrokenBarrierError();
    this.#arrived++;
    if (this.#arrived < this.parties) return parkOn(round.q, 0, src, "CyclicBarrier.Await", this, this);
    // The last party: start the next round (later arrivals wait for it), run the action, release.
    this.#arrived = 0;
    this.#round = new Round();
    if (this.#action !== undefined) {
      try {
        await this.#action();
      } catch (e) {
        this.#break(round);
        this.#break(this.#round); // broken until reset(), also for parties of the next round
        throw e;
      }
    }
    if (round.broken) throw new BrokenBarrierError();
    for (let w = round.q.shift(); w !== null; w = round.q.shift()) wake(w);
  }

  /** Breaks the current round (its waiters reject with BrokenBarrierError) and starts afresh. */
  reset(): void {
    const round = this.#round;
    this.#break(round);
    this.#round = new Round();
    this.#arrived = 0;
  }

  /**
   * @internal A waiting party was cancelled: the barrier breaks for all. (As the waiters' WaitOwner;
   * no `implements WaitOwner`: published types must not name an @internal member.)
   */
  waiterCancelled(): void {
    this.#break(this.#round);
  }

  #break(round: Round): void {
    round.broken = true;
    if (round === this.#round) this.#arrived = 0;
    for (let w = round.q.shift(); w !== null; w = round.q.shift())
      wake(w, Promise.reject(new BrokenBarrierError()));
  }
}
