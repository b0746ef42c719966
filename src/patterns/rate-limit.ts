// rateLimit: Go's rate-limiting idiom (a `time.Tick` receive before handling each request; with a
// burst, the "bursty limiter" — a buffered channel of tokens refilled by a ticker), over a stream:
// forwards the input's values, in order, at most one per `perMs` ms on average, allowing bursts of up
// to `burst` values (default 1). Tokens start full (as x/time/rate), so the first `burst` values pass
// at once. Built on Ticker: one task feeds a token per tick into a channel of `burst` slots while it
// is not full (a full bucket waits for a token to be taken, then restarts the ticker, so an idle
// limiter keeps no timer awaited); the forwarding task takes a token before each send. Both end, and
// the ticker stops, when the input closes or `ctx` is done; the output closes then.
//
// Bug avoided: the stream stages of smallnest's Go 并发编程实战课 lesson 14 (`takeN`'s `case out <- <-in:`) ignore done while
// receiving; every wait here — for a value, a token, or the receiver — is a select with done.

import { Chan } from "../chan/chan.js";
import { recv, select } from "../chan/select.js";
import { checkCount } from "../internal/errors.js";
import { Ticker } from "../time/ticker.js";
import { checkChan, closeIfOpen, type Done, END, type End, Scope } from "./scope.js";

/**
 * Options of {@link rateLimit}.
 *
 * @example
 * ```ts
 * const paced = rateLimit(ctx, jobs, 1000, { burst: 5 }); // 5 at once, then one per second
 * ```
 */
export interface RateLimitOptions {
  /** How many values may pass back to back after a quiet period; default 1. */
  burst?: number;
}

/**
 * `input`'s values, in order, no faster than one per `perMs` milliseconds (after an initial burst).
 *
 * @example
 * ```ts
 * for await (const req of rateLimit(ctx, requests, 200, { burst: 3 })) await handle(req);
 * ```
 */
export function rateLimit<T>(
  ctx: Done,
  input: Chan<T>,
  perMs: number,
  options: RateLimitOptions = {},
): Chan<T> {
  checkChan("input", input);
  if (typeof perMs !== "number" || !(perMs > 0) || perMs === Number.POSITIVE_INFINITY) {
    throw new RangeError(`perMs must be a positive number of milliseconds, got ${String(perMs)}`);
  }
  const burst = checkCount("burst", options.burst ?? 1, 1);
  const out = new Chan<T>(0, "rateLimit");
  const tokens = new Chan<void>(burst, "rateLimit.tokens");
  for (let i = 0; i < burst; i++) tokens.trySend();
  const taken = new Chan<void>(1, "rateLimit.taken");
  const stop = new Chan<never>(0, "rateLimit.stop");
  const ticker = new Ticker(perMs);
  const s = new Scope(ctx, () => {
    ticker.stop();
    closeIfOpen(out);
  });
  s.go("rateLimit.tokens", async () => {
    const yes = (): boolean => true;
    const stopped = (): End => END;
    for (;;) {
      if (tokens.length >= burst) {
        // Full: wait (not on the ticker, so an idle limiter keeps nothing alive) until a token is
        // taken; the next one then comes perMs later.
        const r = await select(recv(taken, yes), recv(stop, stopped), recv(s.done, stopped));
        if (r === END) return;
        ticker.reset(perMs);
        continue;
      }
      const r = await select(recv(ticker.c, yes), recv(stop, stopped), recv(s.done, stopped));
      if (r === END) return;
      tokens.trySend();
    }
  });
  s.go("rateLimit", async () => {
    try {
      for (;;) {
        const v = await s.recv(input);
        if (v === END || (await s.recv(tokens)) === END) return;
        if (taken.length === 0) taken.trySend();
        if (!(await s.send(out, v))) return;
      }
    } finally {
      stop.close();
    }
  });
  return out;
}
