// Topic: publish/subscribe over channels — the broadcaster of gopl's chat server (The Go Programming Language §8.10)
// made robust as its exercise 8.15 asks: "a client that does not read in time makes every client
// block; skip the message instead, or give each client a buffered channel and send without
// blocking". Each subscriber has its own channel with its own buffer and a drop policy for when that
// buffer is full:
//   - "drop-newest": the new value is dropped for that subscriber (gopl's non-blocking send);
//   - "drop-oldest": the oldest buffered value is dropped to make room (needs a buffer ≥ 1);
//   - "block": publish waits until that subscriber has room (backpressure, as gopl's original).
// Every subscriber sees the values it gets in publish order: publishes are delivered one at a time,
// in call order (a FIFO lock). No task is started: publish delivers in the caller's task.
//
// Bug avoided: the chat broadcaster sends to each client with a blocking `cli <- msg`, so one
// stalled client stalls the broadcaster and every other client. Unsubscribing or closing while a
// publish is blocked on that subscriber releases the publish; nothing is ever sent on a closed
// subscription channel.

import { Chan } from "../chan/chan.js";
import type { Canceller } from "../chan/context-type.js";
import { recv, type SelectCase, select, send } from "../chan/select.js";
import { Canceled } from "../context/errors.js";
import {
  type CancelSource,
  cancelSourceOf,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { ChanClosedError, checkCount } from "../internal/errors.js";
import { Mutex } from "../sync/mutex.js";
import { doneOf } from "./scope.js";

/**
 * What a subscriber's full buffer does with a new value.
 *
 * @example
 * ```ts
 * const policy: DropPolicy = "drop-oldest"; // a live view wants the latest values
 * ```
 */
export type DropPolicy = "drop-newest" | "drop-oldest" | "block";

/**
 * A subscriber's buffer and policy (defaults: 16 values, "drop-newest").
 *
 * @example
 * ```ts
 * const topic = new Topic<string>({ buffer: 64, policy: "drop-newest" } satisfies SubscriberOptions);
 * ```
 */
export interface SubscriberOptions {
  /** How many values the subscriber's channel buffers. */
  buffer?: number;
  /** What publish does when this subscriber's buffer is full (default "block"). */
  policy?: DropPolicy;
}

/**
 * Options of {@link Topic.subscribe}.
 *
 * @example
 * ```ts
 * const sub = topic.subscribe({ buffer: 1, policy: "drop-oldest", ctx: requestCtx }); // ends with the request
 * ```
 */
export interface SubscribeOptions extends SubscriberOptions {
  /** Unsubscribes when this is cancelled. */
  ctx?: Canceller;
}

const POLICIES: readonly DropPolicy[] = ["drop-newest", "drop-oldest", "block"];

function checkOptions(o: SubscriberOptions, base: Required<SubscriberOptions>): Required<SubscriberOptions> {
  const buffer = checkCount("buffer", o.buffer ?? base.buffer);
  const policy = o.policy ?? base.policy;
  if (!POLICIES.includes(policy)) throw new TypeError(`policy must be one of ${POLICIES.join(", ")}`);
  if (policy === "drop-oldest" && buffer === 0) {
    throw new RangeError(`buffer must be >= 1 for policy "drop-oldest", got 0`);
  }
  return { buffer, policy };
}

/**
 * One subscriber of a {@link Topic}: receive from `c` (or iterate the subscription); `dropped`
 * counts the values its policy dropped. Unsubscribing closes `c` (values already buffered can still
 * be received).
 *
 * @example
 * ```ts
 * using sub = topic.subscribe({ buffer: 64, policy: "drop-oldest" });
 * for await (const msg of sub) render(msg);
 * ```
 */
export class Subscription<T> implements AsyncIterable<T>, Disposable {
  /** The subscriber's channel; closed on unsubscribe or when the topic closes. */
  readonly c: Chan<T>;
  /** What publish does when this subscriber's buffer is full. */
  readonly policy: DropPolicy;
  /** How many values were dropped for this subscriber because its buffer was full. */
  dropped = 0;
  /** @internal Closed first on unsubscribe, to release a publish blocked on this subscriber. */
  readonly gone = new Chan<never>(0, "subscription.gone");
  #onLeave: ((s: Subscription<T>) => void) | null;
  #src: CancelSource | null = null;

  /** @internal Made by Topic.subscribe. */
  constructor(buffer: number, policy: DropPolicy, onLeave: (s: Subscription<T>) => void) {
    this.c = new Chan<T>(buffer, "subscription");
    this.policy = policy;
    this.#onLeave = onLeave;
  }

  /** Whether the subscription has ended (unsubscribed, topic closed, or its ctx cancelled). */
  get closed(): boolean {
    return this.#onLeave === null;
  }

  /** Receives the next value; undefined once unsubscribed and drained. */
  recv(ctx?: Canceller): Promise<T | undefined> {
    return this.c.recv(ctx);
  }

  /** Leaves the topic and closes `c`; later calls do nothing. */
  unsubscribe(): void {
    const leave = this.#onLeave;
    if (leave === null) return;
    this.#onLeave = null;
    if (this.#src !== null) {
      this.#src[UNSUBSCRIBE](this);
      this.#src = null;
    }
    leave(this);
    this.gone.close(); // a publish blocked sending to us wakes through `gone` and unlinks its send
    if (!this.c.closed) this.c.close();
  }

  /** `using`: unsubscribes. */
  [Symbol.dispose](): void {
    this.unsubscribe();
  }

  /** `for await`: receives until unsubscribed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.c[Symbol.asyncIterator]();
  }

  /** @internal Unsubscribes when `ctx` is cancelled (registered once, removed on unsubscribe). */
  watch(ctx: Canceller): void {
    const src = cancelSourceOf(ctx);
    if (src === null) return;
    if (src[REASON]() !== undefined) {
      this.unsubscribe();
      return;
    }
    this.#src = src;
    src[SUBSCRIBE](this);
  }

  /**
   * @internal The ctx given to subscribe was cancelled. (As its CancelListener; no `implements
   * CancelListener`: published types must not name an @internal member.)
   */
  onCancel(): void {
    this.#src = null;
    this.unsubscribe();
  }

  /** @internal Delivers without waiting; false if a "block" subscriber has no room. */
  offer(v: T): boolean {
    const c = this.c;
    if (c.closed) return true; // closed by its owner: nothing to deliver
    if (c.trySend(v)) return true;
    switch (this.policy) {
      case "block":
        return false;
      case "drop-newest":
        this.dropped++;
        return true;
      default: // drop-oldest: room is made by dropping the oldest buffered value
        c.tryRecv();
        this.dropped++;
        c.trySend(v);
        return true;
    }
  }
}

/**
 * A publish/subscribe topic: every value published goes to every current subscriber, each with its
 * own buffer and drop policy (gopl exercise 8.15), in publish order.
 *
 * @example
 * ```ts
 * const prices = new Topic<number>({ buffer: 8, policy: "drop-oldest" });
 * const sub = prices.subscribe();
 * await prices.publish(42);
 * await sub.recv(); // 42
 * prices.close();
 * ```
 */
export class Topic<T> {
  readonly #defaults: Required<SubscriberOptions>;
  readonly #subs = new Set<Subscription<T>>();
  readonly #mu = new Mutex("topic.publish");
  #closed = false;
  /** Called when the last subscriber leaves (PubSub drops the topic then). */
  #onEmpty: (() => void) | null;

  /** @param defaults what subscribe() uses when not told (16 values, "drop-newest"). */
  constructor(defaults: SubscriberOptions = {}, onEmpty?: () => void) {
    this.#defaults = checkOptions(defaults, { buffer: 16, policy: "drop-newest" });
    this.#onEmpty = onEmpty ?? null;
  }

  /** How many subscribers there are now. */
  get size(): number {
    return this.#subs.size;
  }

  /** Whether close() was called: every subscription is closed and publish throws. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Adds a subscriber. It receives the values published from now on. On a closed topic the
   * subscription is already closed.
   */
  subscribe(options: SubscribeOptions = {}): Subscription<T> {
    const { buffer, policy } = checkOptions(options, this.#defaults);
    const sub = new Subscription<T>(buffer, policy, (s) => this.#leave(s));
    if (this.#closed) {
      sub.unsubscribe();
      return sub;
    }
    this.#subs.add(sub);
    if (options.ctx !== undefined) {
      try {
        sub.watch(options.ctx);
      } catch (e) {
        sub.unsubscribe();
        throw e;
      }
    }
    return sub;
  }

  /**
   * Delivers `value` to every subscriber: at once to "drop-*" subscribers (dropping per their
   * policy), waiting for room at "block" subscribers. Publishes are delivered one at a time, in call
   * order. Rejects with `publish on closed topic` (a ChanClosedError) after close(), and with the
   * ctx's error if cancelled before every "block" subscriber got it (those that got it keep it).
   */
  async publish(value: T, ctx?: Canceller): Promise<void> {
    if (ctx !== undefined) {
      const reason = cancelSourceOf(ctx)?.[REASON]();
      if (reason !== undefined) throw reason; // as every blocking call: at once, even with room
    }
    if (this.#closed) throw new ChanClosedError("publish on closed topic");
    if (!this.#mu.tryLock()) await this.#mu.lock(ctx);
    try {
      if (this.#closed) throw new ChanClosedError("publish on closed topic");
      const pending: Subscription<T>[] = [];
      for (const sub of this.#subs) if (!sub.offer(value)) pending.push(sub);
      if (pending.length > 0) await this.#deliver(value, pending, ctx);
    } finally {
      this.#mu.unlock();
    }
  }

  /** Waits until every pending "block" subscriber took `value` or left. */
  async #deliver(value: T, pending: Subscription<T>[], ctx: Canceller | undefined): Promise<void> {
    const d = doneOf(ctx);
    try {
      while (pending.length > 0) {
        if (d.ch?.closed === true) throw d.err() ?? Canceled;
        const cases: SelectCase<number>[] = [];
        pending.forEach((sub, i) => {
          cases.push(
            send(sub.c, value, () => i),
            recv(sub.gone, () => i),
          );
        });
        cases.push(recv(d.ch, () => -1));
        let i: number;
        try {
          i = await select(...cases);
        } catch (e) {
          if (!(e instanceof ChanClosedError)) throw e;
          // A subscription channel closed by its owner: nothing to deliver there.
          for (let j = pending.length - 1; j >= 0; j--) {
            if ((pending[j] as Subscription<T>).c.closed) pending.splice(j, 1);
          }
          continue;
        }
        if (i === -1) continue; // cancelled: the check above throws the ctx's error
        pending[i] = pending[pending.length - 1] as Subscription<T>;
        pending.pop();
      }
    } finally {
      d.release();
    }
  }

  /** Closes the topic: every subscription is closed; later publishes reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const sub of [...this.#subs]) sub.unsubscribe();
  }

  #leave(sub: Subscription<T>): void {
    if (this.#subs.delete(sub) && this.#subs.size === 0) this.#onEmpty?.();
  }
}
