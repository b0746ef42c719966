// Mirrors the pipeline from the Go blog's "Go Concurrency Patterns: Pipelines and cancellation"
// (gen -> sq -> sink), in its context form: each stage is a task that owns its output channel, closes
// it when it returns (`defer close(out)`), and sends with
//     select { case out <- v: case <-ctx.Done(): return }
// so that once the sink has had enough and calls cancel(), every stage stops instead of blocking on
// a send nobody will receive. The source is endless, so cancellation is the only way it stops.

import { background, Chan, type Context, go, recv, select, send, withCancel } from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface PipelineOptions extends BaseOptions {
  /** How many values the sink takes before it cancels (default 8, or the first command-line argument). */
  readonly take?: number;
}

/** Sends `v` on `out` unless ctx is cancelled first; false means "stop". */
function sendOrDone<T>(ctx: Context, out: Chan<T>, v: T): Promise<boolean> {
  return select(
    send(out, v, () => true),
    recv(ctx.done(), () => false),
  );
}

/** Stage 1: emits 1, 2, 3, ... forever (until cancelled). */
function gen(ctx: Context): Chan<number> {
  const out = new Chan<number>();
  go(async function gen() {
    try {
      for (let n = 1; await sendOrDone(ctx, out, n); n++) {}
    } finally {
      out.close();
    }
  });
  return out;
}

/** Stage 2: squares what it receives; ends when its input closes or ctx is cancelled. */
function sq(ctx: Context, input: Chan<number>): Chan<number> {
  const out = new Chan<number>();
  go(async function sq() {
    try {
      for await (const n of input) {
        if (!(await sendOrDone(ctx, out, n * n))) return;
      }
    } finally {
      out.close();
    }
  });
  return out;
}

/** Receives until `ch` is closed, discarding the values: returns once the stage that owns it has stopped. */
async function drain<T>(ch: Chan<T>): Promise<void> {
  for await (const _ of ch) {
  }
}

export const pipeline: Example<PipelineOptions> = {
  name: "pipeline",
  title: "cancellable pipeline: gen -> square -> sink, cancelled by the sink",
  async run(out, opts = {}) {
    const take = opts.take ?? intArg(opts.args, 0, 8);
    if (!Number.isInteger(take) || take < 1) throw new RangeError(`take must be >= 1, got ${take}`);
    const [ctx, cancel] = withCancel(background());
    const nums = gen(ctx);
    const squares = sq(ctx, nums);

    let taken = 0;
    for await (const v of squares) {
      out(`sink: ${v}`);
      if (++taken === take) break; // leaving the loop early does not close the channel
    }
    cancel();
    out(`sink: had ${taken} values, cancel() -> ${ctx.err()?.message}`);

    // Each stage closes its output when it returns, so seeing both closed proves both have stopped.
    await drain(squares);
    out("sq: stopped (its output is closed)");
    await drain(nums);
    out("gen: stopped (its output is closed)");
  },
};
