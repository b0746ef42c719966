// RWMutex: a distributed readers-writer lock, writer-preferring: a reader queues behind any older
// writer.
//
// Mirrors: go.etcd.io/etcd/contrib/recipes.RWMutex (NewRWMutex, RLock, RUnlock, Lock, Unlock). Keys:
// ephemeral `prefix + "/read/" + UnixNano` / `prefix + "/write/" + UnixNano` on the session lease;
// a reader waits while a writer key older (by mod revision) than its own exists; a writer waits
// while any older key exists; unlock = delete own key. Where it differs: waits re-check the own key
// (session loss → session-expired) and use a synced watch (no 100 ms delay); a cancelled wait
// removes its key; locking again while this object holds a key rejects instead of leaking the
// first key (Go overwrites it).

import type { Canceller } from "../chan/context-type.js";
import { linkSignals, throwIfDone } from "./abort.js";
import { checkKey, concat } from "./bytes.js";
import { EtcdError, neverApplied } from "./errors.js";
import { newUniqueKV } from "./recipe-keys.js";
import { checkPrefixSize } from "./requests.js";
import { retrying } from "./retry.js";
import type { Session } from "./session.js";
import { waitDeletes } from "./wait-deletes.js";

/**
 * A distributed readers-writer lock held by a session.
 *
 * @example
 * ```ts
 * const rw = new RWMutex(session, "/config/lock");
 * await rw.rLock();  try { read(); }  finally { await rw.rUnlock(); }
 * await rw.lock();   try { write(); } finally { await rw.unlock(); }
 * ```
 */
export class RWMutex {
  /** The session whose lease holds the lock keys. */
  readonly session: Session;
  readonly #pfx: Uint8Array;
  #key: Uint8Array | null = null;
  #write = false;

  constructor(session: Session, prefix: string | Uint8Array) {
    const s = session as Partial<Session> | null;
    if (typeof s !== "object" || s === null || typeof s.lease !== "bigint")
      throw new TypeError("session must be a Session");
    checkKey("prefix", prefix);
    checkPrefixSize("prefix", prefix, 4);
    this.session = session;
    this.#pfx = concat(prefix, "/");
  }

  async #acquire(write: boolean, ctx: Canceller | undefined): Promise<void> {
    throwIfDone(ctx);
    if (this.#key !== null) throw new Error("rwmutex: this RWMutex object already holds or awaits a lock");
    const err = this.session.err;
    if (err !== null) throw err;
    const b = this.session.backend;
    const link = linkSignals(ctx, this.session.signal);
    let key: Uint8Array;
    let rev: bigint;
    try {
      // A new unique key each time: retried only when etcd proves the put was never applied (a
      // duplicate would queue this session twice and block others until the session ends).
      ({ key, rev } = await retrying(
        () => newUniqueKV(b, concat(this.#pfx, write ? "write" : "read"), "", this.session.lease),
        link.signal,
        neverApplied,
      ));
    } catch (e) {
      link.dispose();
      throw e;
    }
    this.#key = key;
    this.#write = write;
    try {
      // Readers wait for older writers; writers wait for every older key.
      const scope = write ? this.#pfx : concat(this.#pfx, "write");
      await waitDeletes(b, scope, rev - 1n, { key, rev }, link.signal, "mod");
    } catch (e) {
      await b.delete({ key }).catch(() => {});
      this.#key = null;
      throw e;
    } finally {
      link.dispose();
    }
  }

  async #release(write: boolean): Promise<void> {
    const key = this.#key;
    if (key === null || this.#write !== write) {
      throw new EtcdError(
        "unknown",
        write ? "sync: Unlock of unlocked RWMutex" : "sync: RUnlock of unlocked RWMutex",
      );
    }
    this.#key = null;
    await this.session.backend.delete({ key });
  }

  /**
   * Takes a read lock, waiting for older writers.
   *
   * @example
   * ```ts
   * await rw.rLock(ctx);
   * ```
   */
  rLock(ctx?: Canceller): Promise<void> {
    return this.#acquire(false, ctx);
  }

  /**
   * Releases the read lock.
   *
   * @example
   * ```ts
   * await rw.rUnlock();
   * ```
   */
  rUnlock(): Promise<void> {
    return this.#release(false);
  }

  /**
   * Takes the write lock, waiting for every older reader and writer.
   *
   * @example
   * ```ts
   * await rw.lock(ctx);
   * ```
   */
  lock(ctx?: Canceller): Promise<void> {
    return this.#acquire(true, ctx);
  }

  /**
   * Releases the write lock.
   *
   * @example
   * ```ts
   * await rw.unlock();
   * ```
   */
  unlock(): Promise<void> {
    return this.#release(true);
  }
}
