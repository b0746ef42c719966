// Goroutine lifetimes: an analytics event Tracker that must not lose events when the service shuts
// down. Mirrors "Concurrency Trap #2: Incomplete Work" (Jacob Walker, Ardan Labs blog, 2019), the
// lesson Go courses teach with Dave Cheney's rule "never start a goroutine without knowing when it
// will stop" (dave.cheney.net, "Practical Go", 2019). Two versions, as the course gives them:
//
// 1. one task per event: `event(ctx, data)` sends in a background task counted by a WaitGroup, so
//    the caller never waits for the network; `shutdown(ctx)` hands `wg.Wait()` to a helper task and
//    waits for it or for ctx (a deadline), whichever comes first. In time: nothing lost. Too late:
//    the error says how many events were still in flight;
// 2. one worker: events go through a buffered channel (capacity 10) to a single `run()` task, so a
//    burst cannot start unbounded tasks; `event(ctx, data)` blocks while the buffer is full (until
//    ctx is done), and `shutdown(ctx)` closes the channel and waits for the worker to drain it, or
//    for ctx. (The course's code never makes its `stop` channel, so its Shutdown always ran into the
//    deadline; here it is made.)
//
// Go's main returns after a failed shutdown and the process kills what is left; the tour cancels
// the leftover sends instead, so that nothing keeps running after the example.

import {
  background,
  Chan,
  type Context,
  go,
  recv,
  select,
  sleep,
  WaitGroup,
  withCancel,
  withTimeout,
} from "../src/index.js";
import type { BaseOptions, Example, Out } from "./registry.js";

/** Sends one event somewhere slow (the network); rejects with ctx.err() if ctx is cancelled first. */
export type Sender = (ctx: Context, data: string) => Promise<void>;

/** Version 1: one background task per event, counted by a WaitGroup. */
export class Tracker {
  readonly #wg = new WaitGroup("tracker");
  readonly #send: Sender;
  #inFlight = 0;
  #sent = 0;

  constructor(send: Sender) {
    this.#send = send;
  }

  /** How many events have been sent. */
  get sent(): number {
    return this.#sent;
  }

  /** Tracks an event in the background: returns at once; shutdown() waits for it. */
  event(ctx: Context, data: string): void {
    this.#inFlight++; // counted now, as wg.Add(1) is, so that a shutdown right after sees it
    this.#wg.go(async () => {
      try {
        await this.#send(ctx, data);
        this.#sent++;
      } catch (err) {
        if (err !== ctx.err()) throw err; // abandoned after a failed shutdown: not an error here
      } finally {
        this.#inFlight--;
      }
    });
  }

  /**
   * Waits for every tracked event to be sent, or for ctx. Rejects, naming how many events were
   * still in flight, when ctx ends first.
   */
  async shutdown(ctx: Context): Promise<void> {
    const ch = new Chan<void>();
    // The helper waits for the group, then closes ch. Go's helper outlives a failed shutdown until
    // the last event ends; this one also stops when ctx is done.
    go(async () => {
      await this.#wg.wait(ctx).catch(() => {});
      ch.close();
    });
    await select(
      recv(ch, () => {}),
      recv(ctx.done(), () => {}),
    );
    if (this.#inFlight > 0)
      throw new Error(`tracker: shutdown: ${ctx.err()?.message}: ${this.#inFlight} event(s) still in flight`);
  }
}

/** Version 2: the course's bounded tracker: a buffered channel and one worker. */
export class BoundedTracker {
  readonly #ch = new Chan<string>(10, "tracker events");
  readonly #stop = new Chan<void>(0, "tracker stop");
  readonly #send: Sender;
  #busy = false;

  constructor(send: Sender) {
    this.#send = send;
  }

  /** Queues an event; waits while the buffer is full, until ctx is done (then rejects with ctx.err()). */
  event(ctx: Context, data: string): Promise<void> {
    return this.#ch.send(data, ctx);
  }

  /** The worker: sends the queued events one by one until the channel is closed and drained. */
  async run(ctx: Context): Promise<void> {
    try {
      for await (const data of this.#ch) {
        this.#busy = true;
        await this.#send(ctx, data);
        this.#busy = false;
      }
    } catch (err) {
      if (err !== ctx.err()) throw err; // abandoned after a failed shutdown
    } finally {
      this.#stop.close();
    }
  }

  /** Closes the queue and waits for the worker to drain it, or for ctx; rejects with what is left. */
  async shutdown(ctx: Context): Promise<void> {
    if (!this.#ch.closed) this.#ch.close(); // a shutdown given up may be tried again
    const drained = await select(
      recv(this.#stop, () => true),
      recv(ctx.done(), () => false),
    );
    if (!drained) {
      const left = this.#ch.length + (this.#busy ? 1 : 0);
      throw new Error(`tracker: shutdown: ${ctx.err()?.message}: ${left} event(s) still in flight`);
    }
  }

  /** Resolves once the worker has stopped. */
  stopped(): Promise<unknown> {
    return this.#stop.recv();
  }
}

export interface TrackerOptions extends BaseOptions {
  /** Events per run (default 10). */
  readonly events?: number;
  /** How long sending a fast event takes (default 20 ms). */
  readonly fastMs?: number;
  /** How long sending a slow event takes (default 60 s: it cannot finish before the deadline). */
  readonly slowMs?: number;
  /** Slow events in the second run of each version (default 3). */
  readonly slow?: number;
  /** The shutdown deadline (default 1000 ms; the course's is 5 s). */
  readonly deadlineMs?: number;
}

/** A sender taking `fastMs`, or `slowMs` for events whose name starts with "slow". */
function network(o: Required<Omit<TrackerOptions, keyof BaseOptions>>): Sender {
  return (ctx, data) => sleep(data.startsWith("slow") ? o.slowMs : o.fastMs, ctx);
}

/** The events of a run: `slow` slow ones among `events`, slow ones last. */
function names(events: number, slow: number): string[] {
  return Array.from({ length: events }, (_, i) => (i < events - slow ? `event ${i + 1}` : `slow ${i + 1}`));
}

async function shutdownWithin(out: Out, deadlineMs: number, shutdown: (ctx: Context) => Promise<void>) {
  const [ctx, cancel] = withTimeout(background(), deadlineMs);
  try {
    await shutdown(ctx);
    return true;
  } catch (err) {
    out(err instanceof Error ? err.message : String(err));
    return false;
  } finally {
    cancel();
  }
}

async function perEvent(
  out: Out,
  o: Required<Omit<TrackerOptions, keyof BaseOptions>>,
  slow: number,
  opts: TrackerOptions,
) {
  const [app, stopApp] = withCancel(background()); // the sends' lifetime: the whole process
  const progress = opts.progress?.(`events sent (${slow} slow)`, o.events - slow);
  const send = network(o);
  let done = 0;
  const tr = new Tracker(async (ctx, data) => {
    await send(ctx, data);
    progress?.(++done);
  });
  for (const data of names(o.events, slow)) tr.event(app, data); // what the handlers do
  out(`${o.events} events tracked (${slow} of them slow); shutting down with a ${o.deadlineMs} ms deadline`);
  if (await shutdownWithin(out, o.deadlineMs, (ctx) => tr.shutdown(ctx)))
    out(`shutdown complete: all ${tr.sent} events sent, none lost`);
  else out(`${tr.sent} sent; the rest are cancelled (Go's process would just exit)`);
  stopApp();
  await tr.shutdown(background()).catch(() => {}); // every send has ended (sent or cancelled)
}

async function bounded(out: Out, o: Required<Omit<TrackerOptions, keyof BaseOptions>>, slow: number) {
  const [app, stopApp] = withCancel(background());
  const tr = new BoundedTracker(network(o));
  go(() => tr.run(app));
  for (const data of names(o.events, slow)) await tr.event(app, data);
  out(`${o.events} events queued (${slow} of them slow); shutting down with a ${o.deadlineMs} ms deadline`);
  if (await shutdownWithin(out, o.deadlineMs, (ctx) => tr.shutdown(ctx)))
    out("shutdown complete: the worker drained the queue, none lost");
  else out("the worker is cancelled (Go's process would just exit)");
  stopApp();
  await tr.stopped();
}

export const tracker: Example<TrackerOptions> = {
  name: "tracker",
  title: "an event tracker that loses nothing on shutdown, or says what it lost (goroutine lifetimes)",
  async run(out, opts = {}) {
    const o = {
      events: opts.events ?? 10,
      fastMs: opts.fastMs ?? 20,
      slowMs: opts.slowMs ?? 60_000,
      slow: opts.slow ?? 3,
      deadlineMs: opts.deadlineMs ?? 1000,
    };
    if (o.slow > o.events) throw new RangeError(`slow (${o.slow}) must not exceed events (${o.events})`);
    out("-- one task per event, counted by a WaitGroup");
    await perEvent(out, o, 0, opts);
    await perEvent(out, o, o.slow, opts);
    out("-- one worker behind a buffered channel (capacity 10)");
    await bounded(out, o, 0);
    await bounded(out, o, o.slow);
  },
};
