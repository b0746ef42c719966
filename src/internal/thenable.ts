// What counts as "fn returned a promise" wherever gosync runs a user function and must wait for it
// (withLock, ...): any thenable, as `await` and Promise.resolve treat it, not only a native Promise
// — a PromiseLike from another library or realm is awaited too, so a lock is not released while
// fn's work still runs.

/** Whether `x` is a thenable (an object or function with a callable `then`). */
export function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (
    x !== null &&
    (typeof x === "object" || typeof x === "function") &&
    typeof (x as { then?: unknown }).then === "function"
  );
}
