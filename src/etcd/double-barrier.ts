// DoubleBarrier: `count` processes enter together and leave together.
//
// Mirrors: go.etcd.io/etcd/contrib/recipes.DoubleBarrier (NewDoubleBarrier, Enter, Leave). Keys:
// ephemeral `key + "/waiters/" + UnixNano` per participant (session lease), `key + "/ready"` (no
// lease) put by the count-th to enter; leave deletes waiters, the lowest last, and the last one out
// deletes `/ready`. Where it differs: waits use a synced watch plus a re-read (no 100 ms delay);
// enter/leave take a ctx; a participant refused with too-many-clients removes its own waiter key.

import type { Canceller } from "../chan/context-type.js";
import { linkSignals, throwIfDone } from "./abort.js";
import type { KeyValue } from "./backend.js";
import { bytesEqual, checkKey, concat, prefixEnd } from "./bytes.js";
import { EtcdError, neverApplied } from "./errors.js";
import { newUniqueKV } from "./recipe-keys.js";
import { checkPrefixSize } from "./requests.js";
import { retrying } from "./retry.js";
import type { Session } from "./session.js";
import { waitDelete } from "./wait-deletes.js";

/**
 * A double barrier: `enter()` blocks until `count` participants have entered; `leave()` blocks until
 * all of them have left.
 *
 * @example
 * ```ts
 * const db = new DoubleBarrier(session, "/jobs/phase-1", 3);
 * await db.enter(ctx);   // all 3 start together
 * await compute();
 * await db.leave(ctx);   // all 3 finish together
 * ```
 */
export class DoubleBarrier {
  /** The session whose lease holds this party's key. */
  readonly session: Session;
  /** How many parties enter and leave together. */
  readonly count: number;
  readonly #waiters: Uint8Array;
  readonly #ready: Uint8Array;
  #mine: Uint8Array | null = null;

  constructor(session: Session, key: string | Uint8Array, count: number) {
    const s = session as Partial<Session> | null;
    if (typeof s !== "object" || s === null || typeof s.lease !== "bigint")
      throw new TypeError("session must be a Session");
    checkKey("key", key);
    checkPrefixSize("key", key, 3);
    if (typeof count !== "number" || !Number.isInteger(count) || count < 1) {
      throw new RangeError(`count must be an integer >= 1, got ${String(count)}`);
    }
    this.session = session;
    this.count = count;
    this.#waiters = concat(key, "/waiters/");
    this.#ready = concat(key, "/ready");
  }

  /**
   * Enters; resolves once `count` participants have entered. Rejects with too-many-clients when
   * more than `count` are inside.
   *
   * @example
   * ```ts
   * await db.enter();
   * ```
   */
  async enter(ctx?: Canceller): Promise<void> {
    throwIfDone(ctx);
    const b = this.session.backend;
    const link = linkSignals(ctx, this.session.signal);
    try {
      // etcd unreachable or electing a leader: reads and idempotent writes are retried within ctx; the
      // unique waiter key only when etcd proves it was never written (a duplicate would be counted).
      const { key } = await retrying(
        () => newUniqueKV(b, concat(this.#waiters.subarray(0, -1)), "", this.session.lease),
        link.signal,
        neverApplied,
      );
      this.#mine = key;
      const r = await retrying(
        () => b.range({ key: this.#waiters, end: prefixEnd(this.#waiters), countOnly: true }),
        link.signal,
      );
      if (r.count > this.count) {
        await b.delete({ key });
        this.#mine = null;
        throw new EtcdError("too-many-clients");
      }
      if (r.count === this.count) {
        await retrying(() => b.put({ key: this.#ready, value: "" }), link.signal);
        return;
      }
      await retrying(async () => {
        const w = await b.watch({ key: this.#ready, noDelete: true }, link.signal);
        try {
          if ((await b.range({ key: this.#ready })).kvs.length > 0) return;
          await w.next(link.signal);
        } finally {
          w.cancel();
        }
      }, link.signal);
    } catch (e) {
      if (this.#mine !== null && link.signal.aborted) {
        await b.delete({ key: this.#mine }).catch(() => {});
        this.#mine = null;
      }
      throw e;
    } finally {
      link.dispose();
    }
  }

  /**
   * Leaves; resolves once every participant has left.
   *
   * @example
   * ```ts
   * await db.leave();
   * ```
   */
  async leave(ctx?: Canceller): Promise<void> {
    throwIfDone(ctx);
    const link = linkSignals(ctx);
    try {
      // Every step is a read, a wait or a delete of a known key: on a transient failure, start over.
      await retrying(() => this.#leave(link.signal), link.signal);
    } finally {
      link.dispose();
    }
  }

  async #leave(signal: AbortSignal): Promise<void> {
    const b = this.session.backend;
    for (;;) {
      const r = await b.range({ key: this.#waiters, end: prefixEnd(this.#waiters) });
      const first = r.kvs[0];
      if (first === undefined) return;
      let lowest: KeyValue = first;
      let highest: KeyValue = first;
      for (const kv of r.kvs) {
        if (kv.modRevision < lowest.modRevision) lowest = kv;
        if (kv.modRevision > highest.modRevision) highest = kv;
      }
      const mine = this.#mine;
      const isMine = (kv: KeyValue): boolean => mine !== null && bytesEqual(kv.key, mine);
      if (r.kvs.length === 1 && isMine(first)) {
        await b.delete({ key: this.#ready });
        await b.delete({ key: mine! });
        this.#mine = null;
        return;
      }
      if (isMine(lowest)) {
        await waitDelete(b, highest, r.header.revision, signal);
        continue;
      }
      if (mine !== null) {
        await b.delete({ key: mine });
        this.#mine = null;
      }
      await waitDelete(b, lowest, r.header.revision, signal);
    }
  }
}
