// onceFunc, onceValue, onceValues: Go 1.21's sync.OnceFunc, OnceValue and OnceValues. The function
// runs on the first call only; later calls return its result — or, if it threw, throw the same error
// again (Go re-panics with the same value on every call). For an async function the result is its
// promise, shared by every caller.

import { checkFunction, GoSyncError } from "../internal/errors.js";
import { registry } from "../internal/registry.js";

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function memo<A extends unknown[], T>(f: (...args: A) => T): (...args: A) => T {
  checkFunction("f", f);
  let outcome: Outcome<T> | null = null;
  let fn: ((...args: A) => T) | null = f;
  return (...args: A): T => {
    if (outcome === null) {
      // Go deadlocks when f calls the function it is wrapped in; say so instead.
      if (fn === null) throw new GoSyncError("sync: once function called from inside itself");
      const run = fn;
      fn = null; // drop f (and what it closes over) once it has run, as Go does
      try {
        outcome = { ok: true, value: run(...args) };
      } catch (error) {
        outcome = { ok: false, error };
      }
      // Diagnostics: f's return happens before every later call returns (one null test when off).
      const o = registry.observer;
      if (o !== null) o.release(outcome, "once");
    } else {
      const o = registry.observer;
      if (o !== null) o.acquire(outcome, "once");
    }
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  };
}

/**
 * Go's sync.OnceFunc: a function that calls f only the first time it is called.
 *
 * @example
 * ```ts
 * const closeOnce = onceFunc(() => conn.close());
 * closeOnce(); closeOnce(); // closed once
 * ```
 */
export function onceFunc<A extends unknown[]>(f: (...args: A) => void): (...args: A) => void {
  return memo(f);
}

/**
 * Go's sync.OnceValue: calls f once and returns its value on every call.
 *
 * @example
 * ```ts
 * const config = onceValue(() => JSON.parse(readFileSync("config.json", "utf8")));
 * config().port;
 * ```
 */
export function onceValue<T>(f: () => T): () => T {
  return memo(f);
}

/**
 * Go's sync.OnceValues: calls f once and returns its pair of values on every call.
 *
 * @example
 * ```ts
 * const load = onceValues((): [string, Error | null] => tryRead("data.txt"));
 * const [data, err] = load();
 * ```
 */
export function onceValues<T1, T2>(f: () => [T1, T2]): () => [T1, T2] {
  return memo(f);
}
