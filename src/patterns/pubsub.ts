// PubSub: a broker of named topics — gopl's chat broadcaster (The Go Programming Language §8.10) generalised to many
// rooms, with exercise 8.15's per-subscriber buffers and drop policy (see topic.ts). Topics are typed
// by a map from topic name to value type; a topic exists while it has subscribers (publishing to a
// topic nobody subscribes to delivers nothing and keeps nothing).
//
// Bug avoided: as Topic — a slow subscriber never stalls the publisher or the other subscribers
// unless it asked for "block".

import type { Canceller } from "../chan/context-type.js";
import { ChanClosedError } from "../internal/errors.js";
import { type SubscribeOptions, type SubscriberOptions, type Subscription, Topic } from "./topic.js";

/**
 * Named topics, typed by `M` (topic name → value type), each a {@link Topic}.
 *
 * @example
 * ```ts
 * const bus = new PubSub<{ joined: string; message: { from: string; text: string } }>();
 * const sub = bus.subscribe("message", { buffer: 32, policy: "drop-oldest" });
 * await bus.publish("message", { from: "ann", text: "hi" });
 * (await sub.recv())?.text; // "hi"
 * ```
 */
export class PubSub<M extends Record<string, unknown>> {
  readonly #defaults: SubscriberOptions;
  /** Each value is the Topic<M[K]> of its key K. */
  readonly #topics = new Map<keyof M, object>();
  #closed = false;

  /** @param defaults the buffer and policy a subscriber gets when not told (16, "drop-newest"). */
  constructor(defaults: SubscriberOptions = {}) {
    this.#defaults = defaults;
    new Topic<unknown>(defaults); // validates the defaults now
  }

  /** The names of the topics that have subscribers now. */
  get topics(): (keyof M)[] {
    return [...this.#topics.keys()];
  }

  /** Whether close() was called: every topic is closed and publish throws. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Subscribes to `topic`; on a closed PubSub the subscription is already closed. */
  subscribe<K extends keyof M>(topic: K, options: SubscribeOptions = {}): Subscription<M[K]> {
    let t = this.#get(topic);
    if (t === undefined) {
      const created = new Topic<M[K]>(this.#defaults, () => {
        if (this.#topics.get(topic) === created) this.#topics.delete(topic);
      });
      if (this.#closed) created.close();
      else this.#topics.set(topic, created);
      t = created;
    }
    return t.subscribe(options);
  }

  /** Publishes `value` to `topic`'s subscribers (see {@link Topic.publish}). */
  async publish<K extends keyof M>(topic: K, value: M[K], ctx?: Canceller): Promise<void> {
    if (this.#closed) throw new ChanClosedError("publish on closed topic");
    const t = this.#get(topic);
    if (t !== undefined) await t.publish(value, ctx);
  }

  /** How many subscribers `topic` has. */
  subscribers(topic: keyof M): number {
    return this.#get(topic)?.size ?? 0;
  }

  /** Closes every topic (and so every subscription); later publishes reject. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const all = [...this.#topics.values()];
    this.#topics.clear();
    for (const t of all) (t as Topic<unknown>).close();
  }

  #get<K extends keyof M>(topic: K): Topic<M[K]> | undefined {
    return this.#topics.get(topic) as Topic<M[K]> | undefined;
  }
}
