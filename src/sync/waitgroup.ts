// WaitGroup: Go's sync.WaitGroup, with Go 1.25's wg.Go, and a cancellable wait.
//
// Go's misuse checks are kept: a negative counter throws `sync: negative WaitGroup counter` (and
// leaves the counter as it was), and a waiter that finds the counter raised again before it got to
// return throws `sync: WaitGroup is reused before previous Wait has returned`.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { checkFunction, GoSyncError } from "../internal/errors.js";
import { type Parked, parkOn, RESOLVED, wake } from "../internal/parked.js";
import { registry } from "../internal/registry.js";
import { WaitQueue } from "../internal/waitq.js";
import { go } from "../task/go.js";

/**
 * Go's sync.WaitGroup: waits for a collection of tasks to finish.
 *
 * @example
 * ```ts
 * const wg = new WaitGroup();
 * for (const url of urls) wg.go(() => fetchOne(url));
 * await wg.wait();
 * ```
 */
export class WaitGroup {
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  #count = 0;
  readonly #q = new WaitQueue<Parked>();

  constructor(name?: string) {
    this.name = name;
  }

  /** The counter. */
  get count(): number {
    return this.#count;
  }

  /** Adds delta (may be negative) to the counter; at zero, every waiter is released. */
  add(delta: number): void {
    if (typeof delta !== "number" || !Number.isInteger(delta)) {
      throw new RangeError(`delta must be an integer, got ${String(delta)}`);
    }
    const next = this.#count + delta;
    if (next < 0) throw new GoSyncError("sync: negative WaitGroup counter");
    this.#count = next;
    // Diagnostics: done happens before the wait it releases (one null test when off).
    const o = registry.observer;
    if (o !== null && delta < 0) o.release(this, "done");
    if (next === 0) {
      for (let w = this.#q.shift(); w !== null; w = this.#q.shift()) {
        if (o !== null) o.acquire(this, "wait", w);
        wake(w);
      }
    }
  }

  /** add(-1). */
  done(): void {
    this.add(-1);
  }

  /** Waits until the counter is zero; rejects with the ctx's error if cancelled first. */
  wait(ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "sync.WaitGroup.Wait", this);
    if (src instanceof Promise) return src;
    if (this.#count === 0) {
      const o = registry.observer;
      if (o !== null) o.acquire(this, "wait");
      return RESOLVED;
    }
    return this.#waitReused(parkOn(this.#q, 0, src, "sync.WaitGroup.Wait", this));
  }

  async #waitReused(p: Promise<void>): Promise<void> {
    await p;
    // Released at zero; if the counter went up before this waiter resumed, the group was reused
    // while a Wait had not returned yet (Go panics the same way).
    if (this.#count !== 0)
      throw new GoSyncError("sync: WaitGroup is reused before previous Wait has returned");
  }

  /**
   * Go 1.25's wg.Go: runs fn in a new task, counted in the group. An error escaping fn is fatal,
   * as with go().
   */
  go(fn: () => unknown): void {
    checkFunction("fn", fn);
    this.add(1);
    go(async () => {
      try {
        await fn();
      } finally {
        this.done();
      }
    });
  }
}
