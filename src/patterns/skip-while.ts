// skipWhile: the `skipWhile` stream operator (smallnest's Go 并发编程实战课 lesson 14, "Stream"): drops the leading
// values for which `pred` holds; from the first value that fails it, that value and every later one
// are forwarded (`pred` is not called again). The output closes when the input closes or `ctx` is
// done.
//
// Bug avoided: the lesson's stream operators share `takeN`'s `case out <- <-in:`, which ignores
// done while receiving and emits zero values after the input closed; here each receive and send is a
// select with done.

import { Chan } from "../chan/chan.js";
import { checkFunction } from "../internal/errors.js";
import { checkChan, type Done, END, isPromiseLike, Scope } from "./scope.js";

/**
 * `input` without its leading values for which `pred` (sync or async) returns true.
 *
 * @example
 * ```ts
 * const fromFirstError = skipWhile(ctx, logLines, (line) => !line.startsWith("ERROR"));
 * ```
 */
export function skipWhile<T>(
  ctx: Done,
  input: Chan<T>,
  pred: (value: T, index: number) => boolean | PromiseLike<boolean>,
): Chan<T> {
  checkChan("input", input);
  checkFunction("pred", pred);
  const out = new Chan<T>(0, "skipWhile");
  const s = new Scope(ctx, out);
  s.go("skipWhile", async () => {
    let skipping = true;
    for (let i = 0; ; i++) {
      const v = await s.recv(input);
      if (v === END) return;
      if (skipping) {
        const r = pred(v, i);
        if (isPromiseLike(r) ? await r : r) continue;
        skipping = false;
      }
      if (!(await s.send(out, v))) return;
    }
  });
  return out;
}
