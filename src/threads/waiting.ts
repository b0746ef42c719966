// The entry checks every blocking call of a gosync/threads primitive makes, in one place: the ctx
// argument turned into what can end the wait (a CancelSource for the async form, an Interrupt for
// the sync form), a ctx already done rejecting or throwing at once, before anything has changed.

import type { Canceller, Context } from "../chan/context-type.js";
import { type CancelSource, cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { checkBlocking, type Interrupt } from "../internal/futex.js";
import { interruptOf } from "./context.js";

/** What an async blocking call starts with: the source to watch, or the reason to reject with. */
export type AsyncEntry = { readonly src: CancelSource | null } | { readonly fail: unknown };

/** For an async form: its ctx as a CancelSource; `fail` when the ctx is bad or already done. */
export function asyncEntry(ctx: Canceller | undefined): AsyncEntry {
  let src: CancelSource | null;
  try {
    src = ctx === undefined ? null : cancelSourceOf(ctx);
  } catch (e) {
    return { fail: e };
  }
  if (src !== null) {
    const why = src[REASON]();
    if (why !== undefined) return { fail: why };
  }
  return { src };
}

/**
 * For a sync form: throws a TypeError naming `method` where the thread may not block or the ctx is
 * not a Context, and ctx's error if it is already done; else what may interrupt the wait.
 */
export function syncEntry(method: string, ctx: Context | undefined): Interrupt | null {
  checkBlocking(method);
  const intr = interruptOf(method, ctx);
  const why = intr?.check();
  if (why !== undefined) throw why;
  return intr;
}

/** A settled promise, shared by every call that completes at once. */
export const RESOLVED: Promise<void> = Promise.resolve();

/** Whether a queue sleep ended with a reason rather than a slot state. */
export function isWhy(r: number | { readonly why: unknown }): r is { readonly why: unknown } {
  return typeof r !== "number";
}
