// Retrying etcd calls through transient failures (etcd unreachable, restarting, a member gone):
// retrying() with exponential backoff from 50 ms to 1 s, and the abortable pause() between tries.

import { orAbort } from "./abort.js";
import { isTransient } from "./errors.js";

/** Errors a wait outlives: etcd unreachable, restarting, or a member gone (watch and reads are retried). */
export function transient(e: unknown): boolean {
  return isTransient(e);
}

/** Sleeps `ms`, or rejects with the signal's reason. */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason);
    };
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Runs `fn`, retrying it with backoff while it fails with a transient error, until `signal` aborts.
 * `retryIf` narrows that (neverApplied: for a write that must not be applied twice).
 */
export async function retrying<T>(
  fn: () => Promise<T>,
  signal: AbortSignal,
  retryIf: (e: unknown) => boolean = transient,
): Promise<T> {
  let backoff = 50;
  for (;;) {
    try {
      return await orAbort(fn(), signal);
    } catch (e) {
      if (signal.aborted) throw signal.reason;
      if (!retryIf(e)) throw e;
      await pause(backoff, signal);
      backoff = Math.min(backoff * 2, 1000);
    }
  }
}
