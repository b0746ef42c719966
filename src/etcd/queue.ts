// Queue: a distributed FIFO queue on etcd; items outlive their producer (no lease).
//
// Mirrors: go.etcd.io/etcd/contrib/recipes.Queue (NewQueue, Enqueue, Dequeue). Item key
// `pfx + "/" + UnixNano`, value = the item; dequeue claims the oldest item by mod revision with a
// delete-if-unchanged txn, so each item goes to exactly one consumer. Where it differs: it reads
// only `pfx + "/"` (Go ranges over `pfx` itself and also takes items of sibling queues such as
// `pfx + "2/…"`); waiting for an item uses a synced watch plus a re-read (no 100 ms delay);
// dequeue takes a ctx.

import type { Canceller } from "../chan/context-type.js";
import { linkSignals, throwIfDone } from "./abort.js";
import type { Backend, Value } from "./backend.js";
import { checkKey, checkValue, concat, prefixEnd } from "./bytes.js";
import { claimFirstKey, newUniqueKV } from "./recipe-keys.js";
import { checkPrefixSize } from "./requests.js";
import { pause, transient } from "./retry.js";
import { waitPut } from "./wait-deletes.js";

export function checkBackend(b: unknown): Backend {
  const x = b as Partial<Backend> | null;
  if (typeof x !== "object" || x === null || typeof x.txn !== "function" || typeof x.watch !== "function") {
    throw new TypeError("backend must be a Backend");
  }
  return b as Backend;
}

/** Takes the first item of a key-ordered or mod-ordered range, waiting for one if there is none. */
export async function takeFirst(
  b: Backend,
  dir: Uint8Array,
  sortTarget: "mod" | "key",
  ctx: Canceller | undefined,
): Promise<Uint8Array> {
  throwIfDone(ctx);
  const link = linkSignals(ctx);
  let backoff = 50;
  try {
    for (;;) {
      if (link.signal.aborted) throw link.signal.reason;
      try {
        const r = await b.range({ key: dir, end: prefixEnd(dir), sortTarget, sortOrder: "ascend", limit: 1 });
        const kv = await claimFirstKey(b, r.kvs);
        if (kv !== undefined) return kv.value;
        if (r.kvs.length > 0 || r.more) continue; // someone else took it: read again
        await waitPut(b, dir, r.header.revision, link.signal);
        backoff = 50;
      } catch (e) {
        // etcd unreachable or electing a leader: read again once it answers. A claim whose answer
        // was lost may have taken the item: it is then gone (at-most-once, as Go's recipes).
        if (link.signal.aborted || !transient(e)) throw e;
        await pause(backoff, link.signal);
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  } finally {
    link.dispose();
  }
}

/**
 * A multi-producer, multi-consumer FIFO queue shared through etcd.
 *
 * @example
 * ```ts
 * const q = new Queue(backend, "/jobs");
 * await q.enqueue(JSON.stringify({ id: 1 }));
 * const job = text(await q.dequeue(ctx)); // waits while the queue is empty
 * ```
 */
export class Queue {
  /** The store the queue keys live in. */
  readonly backend: Backend;
  readonly #dir: Uint8Array;
  readonly #pfx: Uint8Array;

  constructor(backend: Backend, pfx: string | Uint8Array) {
    this.backend = checkBackend(backend);
    checkKey("pfx", pfx);
    checkPrefixSize("pfx", pfx, 3);
    this.#pfx = concat(pfx);
    this.#dir = concat(pfx, "/");
  }

  /**
   * Appends an item.
   *
   * @example
   * ```ts
   * await q.enqueue("hello");
   * ```
   */
  async enqueue(value: Value): Promise<void> {
    checkValue("value", value);
    await newUniqueKV(this.backend, this.#pfx, value, 0n);
  }

  /**
   * Removes and returns the oldest item, waiting while the queue is empty.
   *
   * @example
   * ```ts
   * const bytes = await q.dequeue(AbortSignal.timeout(1000));
   * ```
   */
  dequeue(ctx?: Canceller): Promise<Uint8Array> {
    return takeFirst(this.backend, this.#dir, "mod", ctx);
  }
}
