// KeyGuard (internal): removes a session's Mutex or Election key that an acquire (campaign)
// transaction created too late.
//
// lock() and campaign() send Txn{if CREATE(K)==0 then Put(K) ...} and, when the answer is lost (a
// member paused, killed or cut off), send it again. The first copy may still be applied later —
// after the lock was taken with the retry and even after unlock() or resign() deleted K — and then it
// queues K again: a key nobody of this session waits on, kept alive by the session's lease, which
// holds every other contender back (or stays the leader) until the session ends. Go's client has the
// same window (clientv3/concurrency/mutex.go, election.go).
//
// Once an attempt's fate is unknown, the guard watches K for creations. A creation while no
// acquisition or hold of this session on K is active is such a late copy (lock(), tryLock(),
// unlock() and resign() leave no key behind): the guard deletes it, by its create revision, so the
// delete cannot remove a later incarnation. An acquisition enters the guard before its first attempt
// and waits for a removal in progress, so none adopts a key that is being removed; a creation seen
// while one is active is checked again when the last one leaves.
//
// Not for a lease adopted by a Session of this process (Go's WithLease): another Session or process
// may hold the same key. (A lease granted here and adopted by another process is beyond
// what the guard can know: there, as in Go, exclusion is per lease anyway.)

import type { Watch } from "./backend.js";
import { binaryString } from "./bytes.js";
import { EtcdError } from "./errors.js";
import { deleteOwnKey } from "./own-key.js";
import { pause, retrying, transient } from "./retry.js";
import { adoptedLeases, type Session } from "./session.js";

const guards = new WeakMap<Session, Map<string, KeyGuard>>();

/** The guard of `key` (the Mutex or Election key of `session`), shared by the session's objects on it. */
export function guardFor(session: Session, key: Uint8Array): KeyGuard {
  let m = guards.get(session);
  if (m === undefined) {
    m = new Map();
    guards.set(session, m);
  }
  const id = binaryString(key);
  let g = m.get(id);
  if (g === undefined) {
    g = new KeyGuard(session, key);
    m.set(id, g);
  }
  return g;
}

export class KeyGuard {
  /** lock()/tryLock() calls in progress and holds not yet released. */
  #active = 0;
  /** A creation seen while active: checked again when the last one leaves. */
  #suspect: bigint | null = null;
  /** The removal in progress (or a settled promise). */
  #busy: Promise<void> = Promise.resolve();
  #watching = false;

  constructor(
    readonly session: Session,
    readonly key: Uint8Array,
  ) {}

  /** An acquisition begins: no removal starts until it leaves; resolves when one in progress ended. */
  enter(): Promise<void> {
    this.#active++;
    return this.#busy;
  }

  /** An acquisition failed (its key withdrawn), or its hold was released. */
  leave(): void {
    if (--this.#active === 0 && this.#suspect !== null) this.#remove(this.#suspect);
  }

  /** An acquire attempt's answer was lost: from now on, watch for the late creation of the key. */
  doubt(): void {
    if (this.#watching || this.session.signal.aborted || adoptedLeases.has(this.session.lease)) return;
    this.#watching = true;
    void this.#watch();
  }

  #created(rev: bigint): void {
    if (this.#active > 0) this.#suspect = rev;
    else this.#remove(rev);
  }

  #remove(rev: bigint): void {
    this.#suspect = null;
    this.#busy = this.#busy.then(async () => {
      if (this.#active > 0) {
        this.#suspect = rev; // an acquisition came first: it adopts the key, or leaves it to us
        return;
      }
      if (adoptedLeases.has(this.session.lease)) return; // the key may be another Session's
      // Retried until answered: once an answer says the key is gone, no acquisition can adopt it,
      // and a late copy of this delete only compares a revision that no longer exists.
      await retrying(() => deleteOwnKey(this.session.backend, this.key, rev), this.session.signal).catch(
        () => {}, // the session ended: its lease removes the key
      );
    });
  }

  async #watch(): Promise<void> {
    try {
      await this.#watchLoop();
    } finally {
      this.#watching = false; // a later doubt() watches again
    }
  }

  async #watchLoop(): Promise<void> {
    const b = this.session.backend;
    const signal = this.session.signal;
    let from = 0n; // the first revision not yet seen; 0: start now and read the key once
    let backoff = 50;
    while (!signal.aborted) {
      let w: Watch;
      try {
        w = await b.watch({ key: this.key, noDelete: true, startRevision: from || undefined }, signal);
        if (from === 0n) {
          from = w.header.revision + 1n;
          // A creation between the lost attempt and this watch is not reported: look for it.
          const kv = (await b.range({ key: this.key, keysOnly: true })).kvs[0];
          if (kv !== undefined) this.#created(kv.createRevision);
        }
      } catch (e) {
        if (signal.aborted || !transient(e)) return;
        await pause(backoff, signal).catch(() => {});
        backoff = Math.min(backoff * 2, 1000);
        continue;
      }
      try {
        for (;;) {
          const r = await w.next(signal);
          backoff = 50;
          for (const e of r.events) {
            if (e.kv.version === 1n) this.#created(e.kv.createRevision);
            from = e.kv.modRevision + 1n;
          }
        }
      } catch (e) {
        w.cancel();
        if (signal.aborted) return;
        if (e instanceof EtcdError && e.code === "compacted") from = 0n;
        else if (!transient(e)) return;
        await pause(backoff, signal).catch(() => {});
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  }
}
