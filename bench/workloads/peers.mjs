// The peer libraries, imported once so every workload uses the same instances, plus small adapters
// that turn each library's notion of "a task that has finished" into a promise the harness can await.

import { AsyncMutex as EsfxMutex } from "@esfx/async-mutex";
import * as thing from "@thi.ng/csp";
import { Channel as AsyncChannel } from "async-channel";
import { Mutex as AmMutex, Semaphore as AmSemaphore } from "async-mutex";
import { Sema } from "async-sema";
import { Mutex as AwMutex, Semaphore as AwSemaphore } from "await-semaphore";
import { SimpleChannel } from "channel-ts";
import { Effect, Semaphore as EffectSemaphore, Fiber, Queue } from "effect";
import csp from "js-csp";
import pLimit from "p-limit";
import pMap from "p-map";
import PQueue from "p-queue";
import RWLock from "rwmutex";

export {
  AmMutex,
  AmSemaphore,
  AsyncChannel,
  AwMutex,
  AwSemaphore,
  csp,
  Effect,
  EffectSemaphore,
  EsfxMutex,
  Fiber,
  PQueue,
  pLimit,
  pMap,
  Queue,
  RWLock,
  Sema,
  SimpleChannel,
  thing,
};

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
