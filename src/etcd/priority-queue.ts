// PriorityQueue: a distributed priority queue; the lowest priority number is served first, FIFO
// within a priority.
//
// Mirrors: go.etcd.io/etcd/contrib/recipes.PriorityQueue (NewPriorityQueue, Enqueue(val, uint16),
// Dequeue). Item key `key + "/" + %05d(priority) + "/" + %016d(seq)` with the `"__"` bookkeeping key
// of Go's sequential keys, so Go and TypeScript producers can share a priority. Where it differs:
// waiting for an item uses a synced watch plus a re-read (no 100 ms delay); dequeue takes a ctx.

import type { Canceller } from "../chan/context-type.js";
import type { Backend, Value } from "./backend.js";
import { checkKey, checkValue, concat, padDecimal } from "./bytes.js";
import { checkBackend, takeFirst } from "./queue.js";
import { newSequentialKV } from "./recipe-keys.js";
import { checkPrefixSize } from "./requests.js";

/**
 * A distributed priority queue: priority 0 first, then 1, ... up to 65535.
 *
 * @example
 * ```ts
 * const pq = new PriorityQueue(backend, "/tasks");
 * await pq.enqueue("urgent", 0);
 * await pq.enqueue("later", 10);
 * text(await pq.dequeue()); // "urgent"
 * ```
 */
export class PriorityQueue {
  /** The store the queue keys live in. */
  readonly backend: Backend;
  readonly #dir: Uint8Array;

  constructor(backend: Backend, key: string | Uint8Array) {
    this.backend = checkBackend(backend);
    checkKey("key", key);
    checkPrefixSize("key", key, 3);
    this.#dir = concat(key, "/");
  }

  /**
   * Adds an item with a priority in 0–65535 (lower is served first).
   *
   * @example
   * ```ts
   * await pq.enqueue(payload, 5);
   * ```
   */
  async enqueue(value: Value, priority: number): Promise<void> {
    checkValue("value", value);
    if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 65535) {
      throw new RangeError(`priority must be an integer in 0..65535, got ${String(priority)}`);
    }
    await newSequentialKV(this.backend, concat(this.#dir, padDecimal(priority, 5)), value);
  }

  /**
   * Removes and returns the item with the lowest priority number, waiting while there is none.
   *
   * @example
   * ```ts
   * const next = await pq.dequeue(ctx);
   * ```
   */
  dequeue(ctx?: Canceller): Promise<Uint8Array> {
    return takeFirst(this.backend, this.#dir, "key", ctx);
  }
}
