// Once: Go's sync.Once, for synchronous and asynchronous functions.
//
// As in Go: fn runs at most once; every concurrent caller waits until that one call has finished
// (for an async fn: settled), and a fn that throws still counts as done — the caller that ran it gets
// the error, everyone else returns normally. Go deadlocks when fn calls Do on the same Once; here a
// call from inside fn's synchronous part throws instead (a call from after an `await` inside an async
// fn cannot be told apart from another task's, so it waits, as Go's would: the deadlock report
// names it). Beyond Go: `done` (proposed in Go issue #41690).

import { functionError, GoSyncError } from "../internal/errors.js";
import { RESOLVED } from "../internal/parked.js";
import { registry } from "../internal/registry.js";

/**
 * Go's sync.Once: performs exactly one action.
 *
 * @example
 * ```ts
 * const once = new Once();
 * const init = () => once.do(async () => { config = await load(); });
 * await Promise.all([init(), init()]); // load() ran once; both waited for it
 * ```
 */
export class Once {
  /** undefined: not started; a promise: running (settles when fn settles); null: done. */
  #state: Promise<void> | null | undefined = undefined;
  #inside = false;

  /** Whether fn has been called and has finished. */
  get done(): boolean {
    return this.#state === null;
  }

  /**
   * Calls fn if and only if do is being called for the first time on this Once. Resolves once that
   * call has finished; rejects for the first caller if fn threw.
   */
  do(fn: () => void | Promise<void>): Promise<void> {
    if (this.#inside)
      return Promise.reject(new GoSyncError("sync: Once.do called from inside its own function"));
    const state = this.#state;
    // Diagnostics: fn's completion happens before every do() returns (one null test when off).
    if (state === null) {
      const o = registry.observer;
      if (o !== null) o.acquire(this, "once");
      return RESOLVED;
    }
    if (state !== undefined) return registry.observer === null ? state : state.then(() => this.#acquired());
    const bad = functionError("fn", fn);
    if (bad !== null) return Promise.reject(bad);
    let result: void | Promise<void>;
    this.#inside = true;
    try {
      result = fn();
    } catch (e) {
      this.#state = null;
      const o = registry.observer;
      if (o !== null) o.release(this, "once");
      return Promise.reject(e);
    } finally {
      this.#inside = false;
    }
    if (typeof (result as PromiseLike<void> | undefined)?.then !== "function") {
      this.#state = null;
      const o = registry.observer;
      if (o !== null) o.release(this, "once");
      return RESOLVED;
    }
    // Others wait for the settlement but never see fn's error; the first caller does.
    const pending = Promise.resolve(result as PromiseLike<void>);
    const settled = pending.then(
      () => this.#finished(),
      () => this.#finished(),
    );
    this.#state = settled;
    return pending.then(() => settled);
  }

  #finished(): void {
    this.#state = null;
    const o = registry.observer;
    if (o !== null) o.release(this, "once");
  }

  #acquired(): void {
    const o = registry.observer;
    if (o !== null) o.acquire(this, "once");
  }
}
