// broadcast / fanOut: the fan-out pattern of smallnest's Go 并发编程实战课 lesson 14 (`func fanOut(ch, out []chan, async)`):
// every value of the input goes to every output (the observer pattern), in input order on each output.
//   - "sync" (the default): the next input value is read only after every output took the current
//     one — backpressure from the slowest output, as the lesson's synchronous mode. The current value
//     is offered to all outputs at once (one select), so a fast output is not held behind a slow one.
//   - "buffered": each output has its own FIFO (unbounded by default, or `buffer` values) and its own
//     task; a slow output delays only itself until its FIFO is full.
// The outputs belong to the pattern: each is closed after its last send, when the input is closed and
// drained (or at once when `ctx` is done). An output closed by someone else is dropped, never sent on.
//
// Bug avoided: the lesson's async mode starts a goroutine per send and closes every output when
// the input ends, while those goroutines may still be blocked sending: `send on closed channel`.
// Here an output is closed only by the one task that sends on it, after its last send.

import { Chan } from "../chan/chan.js";
import { recv, type SelectCase, select, send } from "../chan/select.js";
import { ChanClosedError, checkCount } from "../internal/errors.js";
import { Ring } from "../internal/ring.js";
import { checkChan, closeIfOpen, type Done, END, type End, Scope } from "./scope.js";

/**
 * Options of {@link broadcast}.
 *
 * @example
 * ```ts
 * broadcast(ctx, events, [ui, audit], { mode: "buffered", buffer: 100 });
 * ```
 */
export interface BroadcastOptions {
  /** "sync" (default): backpressure from the slowest output. "buffered": a FIFO per output. */
  mode?: "sync" | "buffered";
  /** In "buffered" mode, how many values each output's FIFO holds; unbounded by default. */
  buffer?: number;
}

/**
 * Fan-out: sends every value of `input` to every one of `outputs` (in order on each), and closes the
 * outputs after their last value. Returns `outputs`.
 *
 * @example
 * ```ts
 * const [log, store] = broadcast(ctx, events, [new Chan<Event>(), new Chan<Event>()]);
 * go(async () => { for await (const e of log) console.log(e); });
 * for await (const e of store) await save(e);
 * ```
 */
export function broadcast<T, O extends readonly Chan<T>[] | []>(
  ctx: Done,
  input: Chan<T>,
  outputs: O,
  options: BroadcastOptions = {},
): O {
  checkChan("input", input);
  if (!Array.isArray(outputs)) throw new TypeError("outputs must be an array of Chan");
  const outs: readonly Chan<T>[] = outputs;
  for (const [i, ch] of outs.entries()) checkChan(`outputs[${i}]`, ch);
  if (new Set(outs).size !== outs.length) throw new TypeError("outputs must be distinct channels");
  const mode = options.mode ?? "sync";
  if (mode !== "sync" && mode !== "buffered") throw new TypeError(`mode must be "sync" or "buffered"`);
  const buffer = options.buffer ?? Number.POSITIVE_INFINITY;
  if (buffer !== Number.POSITIVE_INFINITY) checkCount("buffer", buffer);
  if (mode === "sync") {
    const s = new Scope(ctx);
    s.go("broadcast", async () => {
      try {
        await distribute(s, input, [...outs]);
      } finally {
        closeAll(outs);
      }
    });
    return outputs;
  }
  const s = new Scope(ctx);
  const queues: Fifo<T>[] = outs.map(() =>
    buffer === Number.POSITIVE_INFINITY ? new Unbounded<T>() : new Bounded<T>(buffer),
  );
  s.go("broadcast", async () => {
    try {
      await distribute(s, input, queues);
    } finally {
      for (const q of queues) q.end();
    }
  });
  outs.forEach((out, i) => {
    const q = queues[i] as Fifo<T>;
    s.go("broadcast.relay", async () => {
      try {
        for (;;) {
          const v = await q.take(s);
          if (v === END || !(await s.send(out, v))) return;
        }
      } finally {
        q.abandon();
        closeIfOpen(out);
      }
    });
  });
  return outputs;
}

/**
 * Fan-out, under the name Go's fan-out pattern uses: the same function as {@link broadcast}.
 *
 * @example
 * ```ts
 * fanOut(ctx, jobs, [a, b, c], { mode: "buffered" });
 * ```
 */
export const fanOut: typeof broadcast = broadcast;

function closeAll(outputs: readonly Chan<unknown>[]): void {
  for (const out of outputs) closeIfOpen(out);
}

/** Something the distributor can put a value into: an output channel, or an output's FIFO. */
interface Sink<T> {
  /** Puts `v` now if possible; false if it would block. Only called while the sink is open. */
  offer(v: T): boolean;
  /** The channel to wait on with a send case when offer failed. */
  readonly waitChan: Chan<T>;
  readonly closed: boolean;
}

/** Offers each value to every sink (all at once, one select), reading the next only after all took it. */
async function distribute<T>(s: Scope, input: Chan<T>, sinks: (Chan<T> | Sink<T>)[]): Promise<void> {
  const live = sinks.map(asSink);
  const pending: Sink<T>[] = [];
  for (;;) {
    const v = await s.recv(input);
    if (v === END) return;
    for (let i = live.length - 1; i >= 0; i--) {
      const k = live[i] as Sink<T>;
      if (k.closed) live.splice(i, 1);
      else if (!k.offer(v)) pending.push(k);
    }
    while (pending.length > 0) {
      if (s.cancelled) return;
      const cases: SelectCase<number | End>[] = pending.map((k, i) => send(k.waitChan, v, () => i));
      cases.push(recv(s.done, () => END));
      let i: number | End;
      try {
        i = await select(...cases);
      } catch (e) {
        if (!(e instanceof ChanClosedError)) throw e;
        // An output was closed by someone else while we waited on it: drop it.
        for (let j = pending.length - 1; j >= 0; j--)
          if ((pending[j] as Sink<T>).closed) pending.splice(j, 1);
        for (let j = live.length - 1; j >= 0; j--) if ((live[j] as Sink<T>).closed) live.splice(j, 1);
        continue;
      }
      if (i === END) return;
      pending[i] = pending[pending.length - 1] as Sink<T>;
      pending.pop();
    }
  }
}

function asSink<T>(x: Chan<T> | Sink<T>): Sink<T> {
  if (!(x instanceof Chan)) return x;
  return {
    offer: (v) => !x.closed && x.trySend(v),
    waitChan: x,
    get closed() {
      return x.closed;
    },
  };
}

/** An output's FIFO in buffered mode: filled by the distributor, drained by the output's relay. */
interface Fifo<T> extends Sink<T> {
  /** The next value, or END once ended and drained, or when done fires. */
  take(s: Scope): Promise<T | End>;
  /** No more values will come. */
  end(): void;
  /** The relay is gone: drop what is queued and accept (and drop) whatever still comes. */
  abandon(): void;
}

/** A bounded FIFO: a buffered channel. */
class Bounded<T> implements Fifo<T> {
  readonly waitChan: Chan<T>;
  #abandoned = false;
  constructor(size: number) {
    this.waitChan = new Chan<T>(size, "broadcast.buffer");
  }
  get closed(): boolean {
    return false;
  }
  offer(v: T): boolean {
    if (this.#abandoned) return true;
    return this.waitChan.trySend(v);
  }
  take(s: Scope): Promise<T | End> {
    return s.recv(this.waitChan);
  }
  end(): void {
    if (!this.waitChan.closed) this.waitChan.close();
  }
  abandon(): void {
    this.#abandoned = true;
    // Frees a distributor waiting to send to it.
    let r = this.waitChan.tryRecv();
    while (r?.[1] === true) r = this.waitChan.tryRecv();
  }
}

/** An unbounded FIFO: a ring buffer and a wake-up channel for the relay. */
class Unbounded<T> implements Fifo<T> {
  readonly #ring = new Ring<T>();
  readonly #wake = new Chan<void>(1, "broadcast.wake");
  #ended = false;
  #abandoned = false;
  get closed(): boolean {
    return false;
  }
  get waitChan(): Chan<T> {
    throw new Error("unreachable: an unbounded FIFO never blocks");
  }
  offer(v: T): boolean {
    if (this.#abandoned) return true;
    this.#ring.push(v);
    if (this.#wake.length === 0) this.#wake.trySend();
    return true;
  }
  async take(s: Scope): Promise<T | End> {
    for (;;) {
      if (s.cancelled) return END;
      if (this.#ring.size > 0) return this.#ring.shift();
      if (this.#ended) return END;
      if ((await s.recv(this.#wake)) === END) return END;
    }
  }
  end(): void {
    this.#ended = true;
    if (this.#wake.length === 0) this.#wake.trySend();
  }
  abandon(): void {
    this.#abandoned = true;
    this.#ring.clear();
  }
}
