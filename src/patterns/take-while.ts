// takeWhile: the `takeWhile` stream operator (smallnest's Go 并发编程实战课 lesson 14, "Stream"): the input's values
// while `pred` holds; the output closes at the first value that fails it (that value is dropped and
// the input is no longer read), when the input closes, or when `ctx` is done.
//
// Bug avoided: the lesson's stream operators share `takeN`'s `case out <- <-in:`, which ignores
// done while receiving and emits zero values after the input closed; here each receive and send is a
// select with done.

import { Chan } from "../chan/chan.js";
import { checkFunction } from "../internal/errors.js";
import { checkChan, type Done, END, isPromiseLike, Scope } from "./scope.js";

/**
 * The leading values of `input` for which `pred` (sync or async) returns true.
 *
 * @example
 * ```ts
 * const small = takeWhile(ctx, fromIterable(ctx, [1, 2, 5, 1]), (n) => n < 3); // 1 2
 * ```
 */
export function takeWhile<T>(
  ctx: Done,
  input: Chan<T>,
  pred: (value: T, index: number) => boolean | PromiseLike<boolean>,
): Chan<T> {
  checkChan("input", input);
  checkFunction("pred", pred);
  const out = new Chan<T>(0, "takeWhile");
  const s = new Scope(ctx, out);
  s.go("takeWhile", async () => {
    for (let i = 0; ; i++) {
      const v = await s.recv(input);
      if (v === END) return;
      const r = pred(v, i);
      if (!(isPromiseLike(r) ? await r : r)) return;
      if (!(await s.send(out, v))) return;
    }
  });
  return out;
}
