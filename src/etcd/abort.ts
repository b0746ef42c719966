// AbortSignal plumbing for etcd's waits (internal). linkSignals: one AbortSignal that aborts when
// the caller's ctx (Context | AbortSignal) or any of the given signals does, with that source's
// reason — so a wait can end on "ctx cancelled" or "session lost" alike and report which. dispose()
// removes every listener.

import type { Canceller } from "../chan/context-type.js";
import { cancelSourceOf } from "../internal/cancel-protocol.js";

export interface Linked {
  readonly signal: AbortSignal;
  dispose(): void;
}

function toSignal(ctx: Canceller | undefined): AbortSignal | null {
  if (ctx === undefined || ctx === null) return null;
  if (cancelSourceOf(ctx) === null) return null; // also throws a TypeError for a bad ctx
  return ctx instanceof AbortSignal ? ctx : ctx.signal;
}

/** Throws the ctx's error if it is already cancelled (checked before anything is written). */
export function throwIfDone(ctx: Canceller | undefined): void {
  const s = toSignal(ctx);
  if (s?.aborted) throw s.reason;
}

export function linkSignals(ctx: Canceller | undefined, ...signals: AbortSignal[]): Linked {
  const ac = new AbortController();
  const sources = [toSignal(ctx), ...signals].filter((s): s is AbortSignal => s !== null);
  const undo: (() => void)[] = [];
  for (const s of sources) {
    if (s.aborted) {
      ac.abort(s.reason);
      break;
    }
    const on = (): void => ac.abort(s.reason);
    s.addEventListener("abort", on, { once: true });
    undo.push(() => s.removeEventListener("abort", on));
  }
  return {
    signal: ac.signal,
    dispose: () => {
      for (const u of undo) u();
    },
  };
}

/** Resolves with `p`, or rejects with the signal's reason first if it aborts. */
export function orAbort<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const on = (): void => reject(signal.reason);
    signal.addEventListener("abort", on, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener("abort", on);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", on);
        reject(e);
      },
    );
  });
}
