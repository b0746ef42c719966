// map: `mapChan` (smallnest's Go 并发编程实战课 lesson 14, "Map-Reduce"): applies `fn` (sync or async) to each
// value of the input. With `concurrency` n > 1 it is also Go's fan-out of workers: n tasks read the
// same input and write the same output (order between values is then not kept). The output closes
// once the input is closed and every worker is done, or when `ctx` is done.
//
// Bugs avoided: the lesson's `mapChan` ranges over the input with no done channel, so a consumer
// that stops reading leaves it blocked forever; here every receive and send is a select with done.
// With several workers, the output is closed only after the last worker ended, never under another
// worker's pending send.
//
// An error thrown by `fn` escapes its task and is fatal, like a panic in Go's mapChan (see
// setPanicHandler); the output is still closed once the remaining workers end. A call of `fn` in
// progress when `ctx` is cancelled is awaited and its result dropped.

import { Chan } from "../chan/chan.js";
import { checkCount, checkFunction } from "../internal/errors.js";
import { checkChan, type Done, END, isPromiseLike, Scope } from "./scope.js";

/**
 * Options of {@link map}.
 *
 * @example
 * ```ts
 * const thumbs = map(ctx, images, resize, { concurrency: 4 }); // 4 workers, unordered
 * ```
 */
export interface MapOptions {
  /** How many values are mapped at once (worker tasks); default 1, which keeps the order. */
  concurrency?: number;
}

/**
 * `fn(value, index)` for each value of `input`; `fn` may be async. In order unless `concurrency` > 1.
 *
 * @example
 * ```ts
 * const lengths = map(ctx, words, (w) => w.length);
 * const pages = map(ctx, urls, async (u) => (await fetch(u)).text(), { concurrency: 8 });
 * ```
 */
export function map<T, U>(
  ctx: Done,
  input: Chan<T>,
  fn: (value: T, index: number) => U | PromiseLike<U>,
  options: MapOptions = {},
): Chan<U> {
  checkChan("input", input);
  checkFunction("fn", fn);
  const workers = checkCount("concurrency", options.concurrency ?? 1, 1);
  const out = new Chan<U>(0, "map");
  const s = new Scope(ctx, out);
  let index = 0;
  for (let w = 0; w < workers; w++) {
    s.go("map", async () => {
      for (;;) {
        const v = await s.recv(input);
        if (v === END) return;
        const r = fn(v, index++);
        if (!(await s.send(out, isPromiseLike(r) ? await r : r))) return;
      }
    });
  }
  return out;
}
