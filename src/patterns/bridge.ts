// bridge: the bridge-channel idiom (Cox-Buday, *Concurrency in Go*), the sequential counterpart of
// the fan-in of smallnest's Go 并发编程实战课 lesson 14: a channel of channels flattened into one channel — every value of the
// first inner channel until it closes, then the second's, and so on. The output closes once the
// outer channel is closed and the last inner one drained, or when `ctx` is done.
//
// Bug avoided: like the lesson's `takeN` (`case out <- <-in:`), a naive bridge ranges over the
// inner channel without done and hangs on an inner channel that never closes; here every receive and
// send is a select with done.

import { Chan } from "../chan/chan.js";
import { checkChan, type Done, END, Scope } from "./scope.js";

/**
 * Flattens a channel of channels: the values of each inner channel in turn, in order.
 *
 * @example
 * ```ts
 * const pages = new Chan<Chan<Item>>();
 * go(async () => { for (const url of urls) await pages.send(fetchPage(ctx, url)); pages.close(); });
 * for await (const item of bridge(ctx, pages)) console.log(item);
 * ```
 */
export function bridge<T>(ctx: Done, chans: Chan<Chan<T>>): Chan<T> {
  checkChan("chans", chans);
  const out = new Chan<T>(0, "bridge");
  const s = new Scope(ctx, out);
  s.go("bridge", async () => {
    for (;;) {
      const inner = await s.recv(chans);
      if (inner === END) return;
      checkChan("an inner channel", inner);
      for (;;) {
        const v = await s.recv(inner);
        if (v === END) break;
        if (!(await s.send(out, v))) return;
      }
      if (s.cancelled) return;
    }
  });
  return out;
}
