// orDone: the or-done-channel idiom (Cox-Buday, *Concurrency in Go*; the "Or-Done 模式" family of
// smallnest's Go 并发编程实战课 lesson 14): reading a channel that may never close, with a way out. The output forwards
// `input`'s values in order and closes when `input` closes or `ctx` is done; its task always ends.
//
// Bug avoided: the lesson's stream stages wrote `case out <- <-in:`, whose receive happens before
// the select and so ignores done (and forwards zero values once `in` is closed). Here the receive and
// the send are each a select with done.

import { Chan } from "../chan/chan.js";
import { checkChan, type Done, END, Scope } from "./scope.js";

/**
 * Go's or-done channel: `input`'s values, until it closes or `ctx` is done. Always use it to range
 * over a channel you do not own: cancelling `ctx` ends the loop even if `input` never closes.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * setTimeout(cancel, 1000);
 * for await (const event of orDone(ctx, events)) handle(event); // ends after 1 s at the latest
 * ```
 */
export function orDone<T>(ctx: Done, input: Chan<T>): Chan<T> {
  checkChan("input", input);
  const out = new Chan<T>(0, "orDone");
  const s = new Scope(ctx, out);
  s.go("orDone", async () => {
    for (;;) {
      const v = await s.recv(input);
      if (v === END || !(await s.send(out, v))) return;
    }
  });
  return out;
}
