// skip: the `skipN` stream operator (smallnest's Go 并发编程实战课 lesson 14, "Stream"): drops the first `n` values
// of the input and forwards the rest, in order; the output closes when the input closes or `ctx` is
// done.
//
// Bug avoided: the lesson's stream operators share `takeN`'s `case out <- <-in:`, which ignores
// done while receiving and emits zero values after the input closed; here each receive and send is a
// select with done.

import { Chan } from "../chan/chan.js";
import { checkCount } from "../internal/errors.js";
import { checkChan, type Done, END, Scope } from "./scope.js";

/**
 * `input` without its first `n` values.
 *
 * @example
 * ```ts
 * const rest = skip(ctx, fromIterable(ctx, [1, 2, 3, 4]), 2); // 3 4
 * ```
 */
export function skip<T>(ctx: Done, input: Chan<T>, n: number): Chan<T> {
  checkChan("input", input);
  checkCount("n", n);
  const out = new Chan<T>(0, "skip");
  const s = new Scope(ctx, out);
  s.go("skip", async () => {
    for (let i = 0; ; i++) {
      const v = await s.recv(input);
      if (v === END) return;
      if (i >= n && !(await s.send(out, v))) return;
    }
  });
  return out;
}
