// afterFunc: Go's context.AfterFunc. f runs in its own task once ctx is done; stop() unregisters it
// and reports whether that prevented the run. Registration is one listener on the context, so an
// unstopped afterFunc on a context that is never cancelled costs one Set entry, no task.

import type { Context } from "../chan/context-type.js";
import {
  type CancelListener,
  type CancelSource,
  cancelSourceOf,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { checkFunction } from "../internal/errors.js";
import { go } from "../task/go.js";
import { checkParent } from "./with-cancel.js";

class AfterFunc implements CancelListener {
  state: "waiting" | "started" | "stopped" = "waiting";
  constructor(
    readonly f: () => void,
    readonly src: CancelSource,
  ) {}
  onCancel(): void {
    if (this.state !== "waiting") return;
    this.state = "started";
    go(this.f);
  }
  stop(): boolean {
    if (this.state !== "waiting") return false;
    this.state = "stopped";
    this.src[UNSUBSCRIBE](this);
    return true;
  }
}

/**
 * Go's context.AfterFunc: runs `f` in a new task once `ctx` is done (at once if it already is).
 * Returns stop, which unregisters f and returns true if that stopped f from being run.
 *
 * @example
 * ```ts
 * const stop = afterFunc(ctx, () => conn.close());
 * // ... work finished first:
 * stop();
 * ```
 */
export function afterFunc(ctx: Context, f: () => void): () => boolean {
  checkParent(ctx);
  checkFunction("f", f);
  const src = cancelSourceOf(ctx);
  if (src === null) {
    // Never cancelled: f will never run, but the first stop() still stops it (Go returns true).
    let stopped = false;
    return () => {
      if (stopped) return false;
      stopped = true;
      return true;
    };
  }
  const a = new AfterFunc(f, src);
  if (src[REASON]() !== undefined) a.onCancel();
  else src[SUBSCRIBE](a);
  return () => a.stop();
}
