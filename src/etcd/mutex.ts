// Mutex: a distributed lock, FIFO by create revision, on Go's exact key layout and transactions, so a
// TypeScript and a Go process contending on the same prefix exclude each other.
//
// Mirrors: go.etcd.io/etcd/clientv3/concurrency.Mutex (3.4: Lock, Unlock, IsOwner, Key, Header; and
// the later TryLock). Key `pfx + "/" + hex(lease)`, value "", attached to the session lease; acquire =
// Txn{if CREATE(K)==0 then Put(K), Range(first by create) else Range(K), Range(first by create)};
// the holder is the oldest key; a waiter waits for its predecessor's delete; unlock deletes K.
// Exclusion is per session: two Mutex objects of one session on one prefix share K (as in Go).
// Where it differs: after waiting it re-checks that its key still exists (3.4 does not, and can
// report a lock it lost); unlock (and the withdrawal of a cancelled waiter's key) is
// Txn{if CREATE(K)==rev then Del(K)}, as Go's Election.Resign, where Go's Mutex.Unlock deletes K
// unconditionally (a retried delete applied late would remove the next lock's key: own-key.ts), and
// an acquire txn applied after unlock (its answer was lost, it was retried) is removed (key-guard.ts);
// waiting avoids etcd's 100 ms unsynced-watch delay (see wait-deletes.ts); each acquisition has a
// fencing token (`rev`) and an AbortSignal that aborts when the session is lost or the lock
// released; tryLock() resolves to a boolean instead of returning ErrLocked.

import type { Canceller } from "../chan/context-type.js";
import { type Linked, linkSignals, throwIfDone } from "./abort.js";
import type { Compare, ResponseHeader } from "./backend.js";
import { checkKey, concat, leaseHex, prefixEnd, text } from "./bytes.js";
import { EtcdError } from "./errors.js";
import { guardFor, type KeyGuard } from "./key-guard.js";
import { deleteOwnKey } from "./own-key.js";
import { checkPrefixSize } from "./requests.js";
import { pause, retrying, transient } from "./retry.js";
import { checkSession, type Session } from "./session.js";
import { type FirstRead, OLDER_LIMIT, waitDeletes } from "./wait-deletes.js";

interface Attempt {
  readonly myRev: bigint;
  readonly held: boolean;
  readonly header: ResponseHeader;
  readonly firstRead: FirstRead | undefined;
}

/** The reason a holder's signal aborts with on unlock (one shared instance: unlock is a hot path). */
const UNLOCKED = new EtcdError("closed", "mutex: unlocked");

/**
 * A distributed mutual-exclusion lock held by a session.
 *
 * @example
 * ```ts
 * const m = new Mutex(session, "/locks/report");
 * await m.lock(ctx);
 * try {
 *   // fence writes with the lock: they only apply while it is still held
 *   await backend.txn({ compare: [m.isOwner()], success: [{ type: "put", key: "/report", value: "v" }] });
 * } finally {
 *   await m.unlock();
 * }
 * ```
 */
export class Mutex {
  /** The session whose lease holds the lock key: losing it releases the lock. */
  readonly session: Session;
  readonly #pfx: Uint8Array;
  readonly #key: Uint8Array;
  #rev = -1n;
  #header: ResponseHeader | null = null;
  #holder: AbortController | null = null;
  #unlisten: (() => void) | null = null;
  /** Removes the key if an acquire txn whose answer was lost creates it late (key-guard.ts). */
  readonly #guard: KeyGuard;
  /** This object's hold is registered with the guard. */
  #guarded = false;

  constructor(session: Session, pfx: string | Uint8Array) {
    this.session = checkSession(session);
    checkKey("pfx", pfx);
    checkPrefixSize("pfx", pfx, 9);
    this.#pfx = concat(pfx, "/");
    this.#key = concat(this.#pfx, leaseHex(session.lease));
    this.#guard = guardFor(session, this.#key);
  }

  /** This session's key under the prefix: `pfx + "/" + hex(lease)` (Go's Key). */
  get key(): string {
    return text(this.#key);
  }

  /** The create revision of the held key: a fencing token that grows with every acquisition; -1n when not held. */
  get rev(): bigint {
    return this.#rev;
  }

  /** The header of the response that acquired the lock (Go's Header), or null. */
  get header(): ResponseHeader | null {
    return this.#header;
  }

  /**
   * Aborts when this acquisition ends: the session is lost or the lock is released. Reading it checks
   * the session's lease deadline first, so right after a long pause it is already aborted. Advisory:
   * between reading it and a write reaching the storage the lock can still be lost — the fencing
   * token (`rev`, or isOwner() in a txn) is what protects the write.
   */
  get signal(): AbortSignal {
    this.session.err; // checks the lease deadline; a lost session aborts the holder's signal now
    if (this.#rev < 0n) {
      const ac = new AbortController();
      ac.abort(new EtcdError("session-expired", "mutex: not locked"));
      return ac.signal;
    }
    if (this.#holder === null) {
      const ac = new AbortController();
      this.#holder = ac;
      const s = this.session.signal;
      const on = (): void => ac.abort(s.reason);
      if (s.aborted) on();
      else {
        s.addEventListener("abort", on, { once: true });
        this.#unlisten = () => s.removeEventListener("abort", on);
      }
    }
    return this.#holder.signal;
  }

  /**
   * Whether this object holds the lock as far as it knows: acquired, not unlocked, and its session's
   * lease not past its deadline (use isOwner() in a txn to be sure).
   */
  get locked(): boolean {
    return this.#rev >= 0n && this.session.err === null;
  }

  /**
   * The compare `CREATE(key) == rev`: put it in your own txn so a write applies only while this lock
   * is still held (Go's IsOwner).
   *
   * @example
   * ```ts
   * const r = await backend.txn({ compare: [m.isOwner()], success: [{ type: "put", key: "k", value: "v" }] });
   * if (!r.succeeded) throw new Error("lost the lock");
   * ```
   */
  isOwner(): Compare {
    return { key: this.#key, target: "create", result: "=", value: this.#rev };
  }

  /**
   * One acquire txn (Go's, plus a keys-only read of the keys older than ours, so a waiter needs no
   * read of its own before it starts waiting).
   */
  async #attempt(withOlder = true): Promise<Attempt> {
    const b = this.session.backend;
    const pfxEnd = prefixEnd(this.#pfx);
    const first = {
      type: "range",
      key: this.#pfx,
      end: pfxEnd,
      sortTarget: "create",
      sortOrder: "ascend",
      limit: 1,
    } as const;
    const older = {
      type: "range",
      key: this.#pfx,
      end: pfxEnd,
      keysOnly: true,
      sortTarget: "create",
      sortOrder: "descend",
      limit: OLDER_LIMIT + 1, // our own key may be among them
    } as const;
    const r = await b.txn({
      compare: [{ key: this.#key, target: "create", result: "=", value: 0n }],
      success: [
        { type: "put", key: this.#key, value: "", lease: this.session.lease },
        first,
        ...(withOlder ? [older] : []),
      ],
      failure: [{ type: "range", key: this.#key }, first, ...(withOlder ? [older] : [])],
    });
    const [mine, owner, all] = r.responses;
    let myRev = r.header.revision;
    if (!r.succeeded) {
      const kv = mine?.type === "range" ? mine.kvs[0] : undefined;
      if (kv === undefined) throw new EtcdError("unknown", "mutex: own key vanished inside a txn");
      myRev = kv.createRevision;
    }
    const o = owner?.type === "range" ? owner.kvs[0] : undefined;
    const firstRead =
      all?.type === "range" ? { rev: r.header.revision, kvs: all.kvs, more: all.more } : undefined;
    return { myRev, held: o === undefined || o.createRevision === myRev, header: r.header, firstRead };
  }

  #acquired(rev: bigint, header: ResponseHeader): void {
    if (rev !== this.#rev) {
      // A new acquisition (not a re-entrant lock of the same key): a signal of an earlier one is over.
      this.#unlisten?.();
      this.#unlisten = null;
      this.#holder?.abort(UNLOCKED);
      this.#holder = null; // made on first use of `signal` (most holders never ask for it)
    }
    this.#rev = rev;
    this.#header = header;
  }

  #sessionAlive(): void {
    const err = this.session.err;
    if (err !== null) throw err;
  }

  /**
   * Waits until this session holds the lock. If ctx is cancelled (or the session is lost) while
   * waiting, the queued key is removed and the call rejects with the reason.
   *
   * @example
   * ```ts
   * const [ctx, cancel] = withTimeout(background(), 5000);
   * try { await m.lock(ctx); } finally { cancel(); }
   * ```
   */
  async lock(ctx?: Canceller): Promise<void> {
    throwIfDone(ctx);
    this.#sessionAlive();
    let link: Linked | null = null;
    let myRev: bigint | null = null; // the key's create revision, once an attempt was answered
    const entered = this.#guard.enter();
    try {
      await entered;
      let att: Attempt;
      try {
        att = await this.#attempt();
      } catch (e) {
        if (!transient(e)) throw e;
        // etcd unreachable (restarting, member gone): the txn is idempotent for this session — retry.
        // The lost copy may still be applied later, even after unlock: the guard removes it then.
        this.#guard.doubt();
        link = linkSignals(ctx, this.session.signal);
        att = await retrying(() => this.#attempt(), link.signal);
      }
      myRev = att.myRev;
      if (att.held) {
        this.#acquired(att.myRev, att.header);
        this.#hold();
        return;
      }
      link ??= linkSignals(ctx, this.session.signal);
      const h = await waitDeletes(
        this.session.backend,
        this.#pfx,
        att.myRev - 1n,
        { key: this.#key, rev: att.myRev },
        link.signal,
        "create",
        att.firstRead,
      );
      this.#acquired(att.myRev, h);
      this.#hold();
    } catch (e) {
      // Leave no residue: a cancelled waiter's key would block everyone behind it.
      await this.#withdraw(myRev);
      this.#rev = -1n;
      this.#unhold();
      throw e;
    } finally {
      link?.dispose();
      this.#guard.leave();
    }
  }

  /** Registers this object's hold with the guard (once, however often lock() re-takes it). */
  #hold(): void {
    if (this.#guarded) return;
    this.#guarded = true;
    void this.#guard.enter();
  }

  #unhold(): void {
    if (!this.#guarded) return;
    this.#guarded = false;
    this.#guard.leave();
  }

  /** Deletes this session's key if it is still the one created at `rev` (see own-key.ts). */
  #deleteOwn(rev: bigint | null): Promise<void> {
    return deleteOwnKey(this.session.backend, this.#key, rev);
  }

  /** Deletes this session's key, retrying while etcd is unreachable (not past the session's end). */
  async #withdraw(rev: bigint | null): Promise<void> {
    let backoff = 50;
    for (let tries = 0; ; tries++) {
      try {
        await this.#deleteOwn(rev);
        return;
      } catch (e) {
        if (!transient(e) || this.session.err !== null || tries >= 20) return; // the lease cleans up
        try {
          await pause(backoff, this.session.signal);
        } catch {
          return;
        }
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /**
   * Takes the lock if it is free right now; never waits. Resolves to whether it was taken.
   *
   * @example
   * ```ts
   * if (await m.tryLock()) { try { work(); } finally { await m.unlock(); } }
   * ```
   */
  async tryLock(): Promise<boolean> {
    this.#sessionAlive();
    const entered = this.#guard.enter();
    try {
      await entered;
      let att: Attempt;
      try {
        att = await this.#attempt(false);
      } catch (e) {
        if (transient(e)) this.#guard.doubt();
        throw e;
      }
      if (att.held) {
        this.#acquired(att.myRev, att.header);
        this.#hold();
        return true;
      }
      // Not first in line: withdraw the key (Go's TryLock does the same).
      await this.#deleteOwn(att.myRev);
      return false;
    } finally {
      this.#guard.leave();
    }
  }

  /**
   * Releases the lock by deleting this session's key — only the key this lock created (its create
   * revision compared), so a delete applied late cannot remove a later lock's key; Go's Unlock
   * deletes it unconditionally.
   *
   * @example
   * ```ts
   * await m.unlock();
   * ```
   */
  async unlock(): Promise<void> {
    await this.#release();
    this.#unhold();
    this.#rev = -1n;
    this.#header = null;
    this.#unlisten?.();
    this.#unlisten = null;
    this.#holder?.abort(UNLOCKED);
    this.#holder = null;
  }

  /**
   * Unlock's delete: retried while etcd is unreachable; once the session is gone its lease removes the
   * key. Not held: deletes the key whatever its revision (as Go's Unlock).
   */
  async #release(): Promise<void> {
    const b = this.session.backend;
    const rev = this.#rev;
    let backoff = 50;
    for (;;) {
      try {
        if (rev >= 0n) await this.#deleteOwn(rev);
        else await b.delete({ key: this.#key });
        return;
      } catch (e) {
        if (!transient(e) || this.session.err !== null) throw e;
        try {
          await pause(backoff, this.session.signal);
        } catch {
          throw e; // the session ended while etcd was unreachable
        }
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }

  /**
   * Runs fn while holding the lock; fn receives the holder's signal (aborted if the lock is lost).
   *
   * @example
   * ```ts
   * await m.withLock(async (signal) => { await job(signal); });
   * ```
   */
  async withLock<T>(fn: (signal: AbortSignal) => T | Promise<T>, ctx?: Canceller): Promise<T> {
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${typeof fn}`);
    await this.lock(ctx);
    try {
      return await fn(this.signal);
    } finally {
      await this.unlock();
    }
  }
}
