// fromIterable / generate: `asStream(done, values...)` (smallnest's Go 并发编程实战课 lesson 14, "Stream"), the
// generator that starts every pipeline: sends the values of an iterable (sync, or async such as an
// async generator or another channel) on a new channel, then closes it. When `ctx` is done it stops —
// also while waiting on an async iterator's next() — and calls the iterator's return(), so a
// generator's `finally` blocks run.
//
// Bug avoided: none in asStream itself (it watches done); the lesson's map-reduce program calls it
// with a nil done channel, so its goroutine can never be stopped — here ctx may be null too, but then
// the output must be drained. An error thrown by the iterable escapes the task and is fatal, like a
// panic (see setPanicHandler); the output is closed first.

import { Chan } from "../chan/chan.js";
import { type Done, END, type End, noop, Scope } from "./scope.js";

/**
 * Sends the values of `source` on a new channel, in order, then closes it.
 *
 * @example
 * ```ts
 * const nums = fromIterable(ctx, [1, 2, 3]);
 * async function* lines() { yield* await readLines(); }
 * const ls = fromIterable(ctx, lines());
 * ```
 */
export function fromIterable<T>(ctx: Done, source: Iterable<T> | AsyncIterable<T>): Chan<T> {
  const asyncIt = (source as Partial<AsyncIterable<T>> | null)?.[Symbol.asyncIterator];
  const syncIt = (source as Partial<Iterable<T>> | null)?.[Symbol.iterator];
  if (typeof asyncIt !== "function" && typeof syncIt !== "function") {
    throw new TypeError("source must be an Iterable or an AsyncIterable");
  }
  const out = new Chan<T>(0, "fromIterable");
  const s = new Scope(ctx, out);
  s.go("fromIterable", async () => {
    if (typeof asyncIt !== "function") {
      for (const v of source as Iterable<T>) if (!(await s.send(out, v))) return; // break calls return()
      return;
    }
    const it = asyncIt.call(source) as AsyncIterator<T>;
    let finished = false;
    try {
      for (;;) {
        const r: IteratorResult<T> | End = await s.race(it.next());
        if (r === END) return;
        if (r.done === true) {
          finished = true;
          return;
        }
        if (!(await s.send(out, r.value))) return;
      }
    } catch (e) {
      finished = true; // a throwing iterator is done; return() is not called (as for-await)
      throw e;
    } finally {
      if (!finished && typeof it.return === "function") {
        // Not awaited: return() queues behind a next() still pending (async generators), and the
        // task must end now. A rejection is the iterator's own business.
        Promise.resolve(it.return()).catch(noop);
      }
    }
  });
  return out;
}

/**
 * The generator stage, under the name Go's pipeline articles use: the same function as
 * {@link fromIterable}.
 *
 * @example
 * ```ts
 * const squares = map(ctx, generate(ctx, [1, 2, 3]), (n) => n * n);
 * ```
 */
export const generate: typeof fromIterable = fromIterable;
