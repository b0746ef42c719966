// Once: Go's sync.Once across threads: exactly one call of do(), on whichever thread comes first,
// runs its fn; every other call, on any thread, returns once that fn has finished.
//
// One word: 0 (not started), 1 (running), 2 (done). The first caller wins a compare-and-swap 0→1,
// runs fn (for an async fn: until it settles), then stores 2 and wakes everyone sleeping on the word.
// As in Go, a fn that throws still counts as done: the caller that ran it gets the error, everyone
// else returns normally. Go deadlocks when fn calls Do on the same Once; here a call from inside
// fn's synchronous part, on the same thread, throws instead. fn runs on the thread that won: it
// cannot be carried to another thread, so the other callers pass their own fn, as in Go.

import { GoSyncError } from "../internal/errors.js";
import { checkBlocking, waitAsync, waitSync } from "../internal/futex.js";
import { threadWait } from "../internal/registry.js";
import {
  adoptOr,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { RESOLVED } from "./waiting.js";

const KIND = "Once";
const STATE = 0;
const RUNNING = 1;
const DONE = 2;

/**
 * Go's sync.Once across threads.
 *
 * @example
 * ```ts
 * const init = new Once(); // shared with every worker
 * // in each worker:
 * await init.do(() => buildTable(sharedBuffer)); // one thread builds; all continue once it is built
 * ```
 */
export class Once implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #i32: Int32Array;
  /** fn's synchronous part is running on this thread, through this object. */
  #inside = false;

  constructor() {
    this.handle = adoptOr(() => newHandle(KIND, 1));
    this.#i32 = int32View(this.handle, 1);
  }

  /** Whether fn has run to completion (on any thread). */
  get done(): boolean {
    return Atomics.load(this.#i32, STATE) === DONE;
  }

  /** Runs fn if no call on any thread has; otherwise resolves once that call's fn has finished. */
  do(fn: () => unknown): Promise<void> {
    if (typeof fn !== "function")
      return Promise.reject(new TypeError(`fn must be a function, got ${typeof fn}`));
    const i32 = this.#i32;
    if (Atomics.load(i32, STATE) === DONE) return RESOLVED;
    if (Atomics.compareExchange(i32, STATE, 0, RUNNING) === 0) return this.#run(fn);
    if (this.#inside) {
      return Promise.reject(new GoSyncError("sync: Once.do called from inside its own function"));
    }
    return threadWait("threads.Once.do", this, this.#wait());
  }

  /**
   * As do(), blocking the thread while another thread runs fn (for workers). fn must be
   * synchronous here: a promise it returns is not awaited.
   */
  doSync(fn: () => unknown): void {
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${typeof fn}`);
    const i32 = this.#i32;
    if (Atomics.load(i32, STATE) === DONE) return;
    if (Atomics.compareExchange(i32, STATE, 0, RUNNING) === 0) {
      this.#inside = true;
      try {
        fn();
      } finally {
        this.#inside = false;
        this.#finish();
      }
      return;
    }
    if (this.#inside) throw new GoSyncError("sync: Once.do called from inside its own function");
    checkBlocking("Once.doSync");
    while (Atomics.load(i32, STATE) !== DONE) waitSync(i32, STATE, RUNNING, null);
  }

  #finish(): void {
    Atomics.store(this.#i32, STATE, DONE);
    Atomics.notify(this.#i32, STATE);
  }

  #run(fn: () => unknown): Promise<void> {
    let r: unknown;
    this.#inside = true;
    try {
      r = fn();
    } catch (e) {
      this.#finish();
      return Promise.reject(e);
    } finally {
      this.#inside = false;
    }
    if (!(r instanceof Promise)) {
      this.#finish();
      return RESOLVED;
    }
    return r.then(
      () => this.#finish(),
      (e: unknown) => {
        this.#finish();
        throw e;
      },
    );
  }

  async #wait(): Promise<void> {
    const i32 = this.#i32;
    while (Atomics.load(i32, STATE) !== DONE) await waitAsync(i32, STATE, RUNNING, null);
  }
}

registerShared(KIND, () => new Once());
