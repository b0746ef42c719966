// take: the `takeN` stream operator (smallnest's Go 并发编程实战课 lesson 14, "Stream"): the first `n` values of the
// input, then the output closes (and the input is no longer read; cancel `ctx` to release whatever
// produces it). Fewer if the input closes first, none once `ctx` is done.
//
// Bug avoided: the lesson's `case takeStream <- <-valueStream:` receives from the input before the
// select is entered, so it blocks without watching done, and once the input is closed it emits zero
// values (nil) until n is reached. Here the receive is its own select with done, and a closed input
// ends the output at once.

import { Chan } from "../chan/chan.js";
import { checkCount } from "../internal/errors.js";
import { checkChan, type Done, END, Scope } from "./scope.js";

/**
 * The first `n` values of `input`; the output closes after them, or earlier if `input` closes or
 * `ctx` is done.
 *
 * @example
 * ```ts
 * const firstThree = take(ctx, fromIterable(ctx, [1, 2, 3, 4, 5]), 3); // 1 2 3
 * ```
 */
export function take<T>(ctx: Done, input: Chan<T>, n: number): Chan<T> {
  checkChan("input", input);
  checkCount("n", n);
  const out = new Chan<T>(0, "take");
  const s = new Scope(ctx, out);
  s.go("take", async () => {
    for (let i = 0; i < n; i++) {
      const v = await s.recv(input);
      if (v === END || !(await s.send(out, v))) return;
    }
  });
  return out;
}
