// What counts as "fn returned a promise" wherever gosync runs a user function and must wait for it
// (withLock, go(), the group family, ...): any thenable, as `await` and Promise.resolve treat it,
// not only a native Promise — a PromiseLike from another library or realm is awaited too, so a lock
// is not released, nor a task counted as ended, while fn's work still runs.

/** Whether `x` is a thenable (an object or function with a callable `then`). */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === "object" || typeof x === "function") &&
    typeof (x as { then?: unknown }).then === "function"
  );
}

/**
 * The promise to observe when fn returned one, or any other thenable (adopted as `await` would:
 * its `then` read once, and a `then` that throws rejects); null for a plain value.
 */
export function asPromise(result: unknown): Promise<unknown> | null {
  if (result instanceof Promise) return result;
  if (result === null || (typeof result !== "object" && typeof result !== "function")) return null;
  let then: unknown;
  try {
    then = (result as { then?: unknown }).then;
  } catch (e) {
    return Promise.reject(e);
  }
  if (typeof then !== "function") return null;
  return new Promise((resolve, reject) => {
    (then as (onFulfilled: (v: unknown) => void, onRejected: (e: unknown) => void) => unknown).call(
      result,
      resolve,
      reject,
    );
  });
}
