// merge / fanIn: the fan-in pattern of smallnest's Go 并发编程实战课 lesson 14 (`fanInReflect`: one goroutine, one
// reflect.Select over the inputs, a closed input dropped from the cases). Values of one input keep
// their order; between inputs, a ready one is chosen uniformly at random (Go's select), so no input
// starves. The output closes once every input is closed and drained, or when `ctx` is done.
//
// Bugs avoided: the lesson's versions take no done channel, so a consumer that stops reading
// leaves the merging goroutine(s) blocked forever, and the recursive `fanInRec` starts N-1 goroutines.
// Here one task selects over all inputs and `ctx`, and ends when either runs out.

import { Chan } from "../chan/chan.js";
import { recv, type SelectCase, select } from "../chan/select.js";
import { checkChan, type Done, END, type End, Scope } from "./scope.js";

/** What one receive of the merging select got: the input's index and value, or its close. */
interface Got<T> {
  i: number;
  v: T | undefined;
  ok: boolean;
}

/**
 * Fan-in: one channel carrying every value of `inputs`, each input's values in order; closed once
 * all inputs are closed, or when `ctx` is done.
 *
 * @example
 * ```ts
 * const all = merge(ctx, fromIterable(ctx, [1, 2]), fromIterable(ctx, [3, 4]));
 * for await (const v of all) console.log(v); // 1 2 3 4 in some interleaving; 1 before 2, 3 before 4
 * ```
 */
export function merge<T>(ctx: Done, ...inputs: Chan<T>[]): Chan<T> {
  for (const [i, ch] of inputs.entries()) checkChan(`inputs[${i}]`, ch);
  const out = new Chan<T>(0, "merge");
  const s = new Scope(ctx, out);
  s.go("merge", async () => {
    // The cases are built once and reused (a case is immutable data); a closed input's case leaves.
    const cases: SelectCase<Got<T> | End>[] = inputs.map((ch, i) =>
      recv(ch, (v, ok): Got<T> => ({ i, v, ok })),
    );
    const live = inputs.map((_, i) => i); // input index of each case
    cases.push(recv(s.done, () => END));
    while (live.length > 0) {
      if (s.cancelled) return;
      const got = await select(...cases);
      if (got === END) return;
      if (!got.ok) {
        const k = live.indexOf(got.i);
        live.splice(k, 1);
        cases.splice(k, 1);
        continue;
      }
      if (!(await s.send(out, got.v as T))) return;
    }
  });
  return out;
}

/**
 * Fan-in, under the name Go's fan-in pattern uses: the same function as {@link merge}.
 *
 * @example
 * ```ts
 * const results = fanIn(ctx, worker1, worker2, worker3);
 * ```
 */
export const fanIn: typeof merge = merge;
