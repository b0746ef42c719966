// filter: the `takeFn` stream operator (smallnest's Go 并发编程实战课 lesson 14, "Stream": keep the values that
// satisfy a condition; its `skipFn` is filter with the condition negated). Order is kept; the output
// closes when the input closes or `ctx` is done.
//
// Bug avoided: the lesson's stream operators share `takeN`'s `case out <- <-in:`, which ignores
// done while receiving and emits zero values after the input closed; here each receive and send is a
// select with done.

import { Chan } from "../chan/chan.js";
import { checkFunction } from "../internal/errors.js";
import { checkChan, type Done, END, isPromiseLike, Scope } from "./scope.js";

/**
 * The values of `input` for which `pred` (sync or async) returns true, in order. A type-guard
 * predicate narrows the output's type.
 *
 * @example
 * ```ts
 * const evens = filter(ctx, numbers, (n) => n % 2 === 0);
 * const strings = filter(ctx, mixed, (x): x is string => typeof x === "string"); // Chan<string>
 * ```
 */
export function filter<T, S extends T>(
  ctx: Done,
  input: Chan<T>,
  pred: (value: T, index: number) => value is S,
): Chan<S>;
export function filter<T>(
  ctx: Done,
  input: Chan<T>,
  pred: (value: T, index: number) => boolean | PromiseLike<boolean>,
): Chan<T>;
export function filter<T>(
  ctx: Done,
  input: Chan<T>,
  pred: (value: T, index: number) => boolean | PromiseLike<boolean>,
): Chan<T> {
  checkChan("input", input);
  checkFunction("pred", pred);
  const out = new Chan<T>(0, "filter");
  const s = new Scope(ctx, out);
  s.go("filter", async () => {
    for (let i = 0; ; i++) {
      const v = await s.recv(input);
      if (v === END) return;
      const r = pred(v, i);
      if ((isPromiseLike(r) ? await r : r) && !(await s.send(out, v))) return;
    }
  });
  return out;
}
