// Barrier: blocks waiters until the barrier key is deleted.
//
// Mirrors: go.etcd.io/etcd/contrib/recipes.Barrier (NewBarrier, Hold, Release, Wait). Same key:
// `key` itself, empty value, no lease; hold = create-if-absent (key-exists if already held);
// release = delete. Where it differs: Go's Wait needs a PUT followed by a DELETE seen from the
// waiter's read revision and stays blocked after Release if anything else was written in between
// (contrib/recipes/barrier.go, WaitEvents from the read's revision); here wait() returns once the key it saw is gone — whatever else is
// written meanwhile — and takes a ctx.

import type { Canceller } from "../chan/context-type.js";
import { linkSignals, throwIfDone } from "./abort.js";
import type { Backend } from "./backend.js";
import { checkKey, concat } from "./bytes.js";
import { checkBackend } from "./queue.js";
import { putNewKV } from "./recipe-keys.js";
import { checkPrefixSize } from "./requests.js";
import { retrying } from "./retry.js";
import { waitDelete } from "./wait-deletes.js";

/**
 * A distributed barrier: `hold()` raises it, `release()` lowers it, `wait()` blocks while it is up.
 *
 * @example
 * ```ts
 * const gate = new Barrier(backend, "/deploy/gate");
 * await gate.hold();               // coordinator
 * await gate.wait(ctx);            // workers: return once released
 * await gate.release();            // coordinator
 * ```
 */
export class Barrier {
  /** The store the barrier key lives in. */
  readonly backend: Backend;
  readonly #key: Uint8Array;

  constructor(backend: Backend, key: string | Uint8Array) {
    this.backend = checkBackend(backend);
    checkKey("key", key);
    checkPrefixSize("key", key, 2);
    this.#key = concat(key);
  }

  /**
   * Raises the barrier; rejects with `key-exists` if it is already held.
   *
   * @example
   * ```ts
   * await gate.hold();
   * ```
   */
  async hold(): Promise<void> {
    await putNewKV(this.backend, this.#key, "", 0n);
  }

  /**
   * Lowers the barrier, releasing every waiter.
   *
   * @example
   * ```ts
   * await gate.release();
   * ```
   */
  async release(): Promise<void> {
    await this.backend.delete({ key: this.#key });
  }

  /**
   * Returns once the barrier is not held (at once if it is not held now).
   *
   * @example
   * ```ts
   * await gate.wait(AbortSignal.timeout(30_000));
   * ```
   */
  async wait(ctx?: Canceller): Promise<void> {
    throwIfDone(ctx);
    const link = linkSignals(ctx);
    try {
      // A read and a watch: retried from the read while etcd is unreachable or electing a leader.
      await retrying(async () => {
        const r = await this.backend.range({ key: this.#key });
        const kv = r.kvs[0];
        if (kv !== undefined) await waitDelete(this.backend, kv, r.header.revision, link.signal);
      }, link.signal);
    } finally {
      link.dispose();
    }
  }
}
