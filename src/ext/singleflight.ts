// SingleFlight: x/sync/singleflight.Group — duplicate suppression. While a call for a key is in
// flight, later callers for that key wait for it and share its value or error (`shared` tells them);
// the key is forgotten as soon as the call settles (also when it throws), or earlier by forget().
// As in Go, do() calls fn in the caller, while doChan() starts it in a new task (Go's `go
// g.doCall`): doChan returns first, with the flight already registered so later callers join it.
// Where it differs: results are promises; a synchronous throw from fn is the flight's error, too.

import { Chan } from "../chan/chan.js";
import { checkFunction } from "../internal/errors.js";
import { go } from "../task/go.js";

/** What do() resolves with. */
export interface SingleFlightValue<V> {
  /** What the function returned (resolved to). */
  readonly value: V;
  /** Whether the value was given to more than one caller. */
  readonly shared: boolean;
}

/** What doChan() delivers (Go's singleflight.Result). */
export type SingleFlightResult<V> =
  | {
      /** What the function returned (resolved to). */
      readonly value: V;
      /** Absent: the function succeeded. */
      readonly error?: undefined;
      /** Whether the result was given to more than one caller. */
      readonly shared: boolean;
    }
  | {
      /** Absent: the function failed. */
      readonly value?: undefined;
      /** What the function threw (rejected with). */
      readonly error: unknown;
      /** Whether the result was given to more than one caller. */
      readonly shared: boolean;
    };

class Flight<V> {
  dups = 0;
  #result: Promise<SingleFlightValue<V>> | null = null;
  constructor(readonly promise: Promise<V>) {}
  /** What do() resolves with, one promise shared by every caller (shared is read at settlement). */
  get result(): Promise<SingleFlightValue<V>> {
    if (this.#result === null)
      this.#result = this.promise.then((value) => ({ value, shared: this.dups > 0 }));
    return this.#result;
  }
}

/**
 * x/sync's singleflight.Group: one call in flight per key.
 *
 * @example
 * ```ts
 * const sf = new SingleFlight<string, User>();
 * const { value, shared } = await sf.do(id, () => db.loadUser(id)); // 100 callers, 1 query
 * ```
 */
export class SingleFlight<K, V> {
  readonly #flights = new Map<K, Flight<V>>();

  /** Keys with a call in flight. */
  get inFlight(): number {
    return this.#flights.size;
  }

  /** Runs fn for key unless a call for key is in flight; either way resolves with its value. */
  do(key: K, fn: () => V | Promise<V>): Promise<SingleFlightValue<V>> {
    try {
      return this.#join(key, fn).result;
    } catch (e) {
      return Promise.reject(e); // a bad fn: a rejection, never a throw
    }
  }

  /**
   * Like do(), delivering the result (value or error) on a channel of capacity 1; fn runs in a new
   * task, so doChan returns before it starts.
   */
  doChan(key: K, fn: () => V | Promise<V>): Chan<SingleFlightResult<V>> {
    const f = this.#join(key, fn, true);
    const ch = new Chan<SingleFlightResult<V>>(1);
    f.promise.then(
      (value) => ch.trySend({ value, shared: f.dups > 0 }),
      (error: unknown) => ch.trySend({ error, shared: f.dups > 0 }),
    );
    return ch;
  }

  /** Forgets key: the next call for it starts a new flight (the one in flight goes on). */
  forget(key: K): void {
    this.#flights.delete(key);
  }

  #join(key: K, fn: () => V | Promise<V>, inNewTask = false): Flight<V> {
    const existing = this.#flights.get(key);
    if (existing !== undefined) {
      existing.dups++;
      return existing;
    }
    checkFunction("fn", fn);
    let settle!: Promise<V>;
    if (inNewTask) {
      settle = new Promise<V>((resolve, reject) => {
        go(async () => {
          try {
            resolve(await fn());
          } catch (e) {
            reject(e);
          }
        });
      });
    } else {
      try {
        settle = Promise.resolve(fn());
      } catch (e) {
        settle = Promise.reject(e);
      }
    }
    const f = new Flight<V>(
      settle.finally(() => {
        if (this.#flights.get(key) === f) this.#flights.delete(key);
      }),
    );
    this.#flights.set(key, f);
    return f;
  }
}
