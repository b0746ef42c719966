// The peer libraries, imported once so every workload uses the same instances, plus small adapters
// that turn each library's notion of "a task that has finished" into a promise the harness can await.

import * as thing from "@thi.ng/csp";
import { Channel as AsyncChannel } from "async-channel";
import { SimpleChannel } from "channel-ts";
import { Effect, Fiber, Queue } from "effect";
import csp from "js-csp";

export { AsyncChannel, csp, Effect, Fiber, Queue, SimpleChannel, thing };

/**
 * Runs js-csp processes (generator functions) and resolves with their return values once all have
 * returned. js-csp signals a process's end by putting its return value on a channel, and a channel
 * cannot carry undefined, hence the `true` in place of a missing return value.
 */
export function cspAll(...gens) {
  return Promise.all(
    gens.map(
      (gen) =>
        new Promise((resolve) =>
          csp.takeAsync(
            csp.go(function* () {
              return (yield* gen()) ?? true;
            }),
            resolve,
          ),
        ),
    ),
  );
}

/** 0 + 1 + ... + (n - 1): the checksum of a run that moves the values 0..n-1 through a channel. */
export const triangle = (n) => (n * (n - 1)) / 2;

/** A resolved promise shared by every baseline that models "the fast path returns a settled promise". */
export const RESOLVED = Promise.resolve();
