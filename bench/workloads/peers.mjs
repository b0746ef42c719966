// The peer libraries, imported once so every workload uses the same instances, plus small adapters
// that turn each library's notion of "a task that has finished" into a promise the harness can await.
import { Channel as AsyncChannel } from "async-channel";
import { SimpleChannel } from "channel-ts";
import * as thing from "@thi.ng/csp";
import { Effect, Fiber, Queue } from "effect";
import csp from "js-csp";

export { AsyncChannel, SimpleChannel, thing, Effect, Fiber, Queue, csp };

/**
 * Runs js-csp processes (generator functions) and resolves once all have returned. js-csp signals a
 * process's end by putting its return value on a channel, and a channel cannot carry undefined, hence
 * the `true` each wrapped generator returns.
 */
export function cspAll(...gens) {
  return Promise.all(
    gens.map(
      (gen) =>
        new Promise((resolve) =>
          csp.takeAsync(
            csp.go(function* () {
              yield* gen();
              return true;
            }),
            resolve,
          ),
        ),
    ),
  );
}

/** A resolved promise shared by every baseline that models "the fast path returns a settled promise". */
export const RESOLVED = Promise.resolve();
