// tee: the tee-channel idiom (Cox-Buday, *Concurrency in Go*, like the Unix `tee`): one input, two
// outputs that each get every value, in order. It is broadcast (the fan-out of smallnest's Go 并发编程实战课 lesson 14,
// sync mode) with two outputs it makes itself: the next value is read once both outputs took the current
// one. Both close after their last value, or when `ctx` is done.
//
// Bug avoided: the lesson's async fan-out could send on an output it had already closed; tee
// closes an output only after its last send (see broadcast.ts).

import { Chan } from "../chan/chan.js";
import { broadcast } from "./broadcast.js";
import type { Done } from "./scope.js";

/**
 * Splits `input` into two channels that both receive every value, in order (backpressure: the
 * slower reader sets the pace).
 *
 * @example
 * ```ts
 * const [toLog, toWork] = tee(ctx, requests);
 * go(async () => { for await (const r of toLog) console.log(r); });
 * for await (const r of toWork) await handle(r);
 * ```
 */
export function tee<T>(ctx: Done, input: Chan<T>): [Chan<T>, Chan<T>] {
  return broadcast(ctx, input, [new Chan<T>(0, "tee.a"), new Chan<T>(0, "tee.b")]);
}
