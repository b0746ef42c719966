// Election: leader election on etcd — the oldest candidate key under a prefix is the leader — on Go's
// exact key layout and transactions, so TypeScript and Go candidates share one election.
//
// Mirrors: go.etcd.io/etcd/clientv3/concurrency.Election (Campaign, Proclaim, Resign, Leader,
// Observe, Key, Rev, Header). Candidate key `pfx + "/" + hex(lease)` holding the campaign value,
// attached to the session lease; campaign = Txn{if CREATE(K)==0 then Put(K, v) else Range(K)}, then
// wait for every older candidate to go; proclaim / resign are guarded by CREATE(K) == rev.
// Where it differs: waiting re-checks that the own key still exists and has no 100 ms
// unsynced-watch delay (wait-deletes.ts); a campaign txn applied after resign (its answer was lost,
// it was retried) is removed (key-guard.ts); observe() is an async iterable of KeyValue that
// reports the current leader first, then every proclaimed value and every new leader; `signal`
// aborts when the leadership ends (resigned or session lost), so a leader whose session is lost
// learns it.

import type { Canceller } from "../chan/context-type.js";
import { linkSignals, throwIfDone } from "./abort.js";
import type { KeyValue, ResponseHeader, TxnResponse, Value } from "./backend.js";
import { bytesEqual, checkKey, checkValue, concat, leaseHex, prefixEnd, text, toBytes } from "./bytes.js";
import { EtcdError } from "./errors.js";
import { guardFor, type KeyGuard } from "./key-guard.js";
import { deleteOwnKey } from "./own-key.js";
import { checkPrefixSize } from "./requests.js";
import { pause, retrying, transient } from "./retry.js";
import { checkSession, type Session } from "./session.js";
import { waitDeletes } from "./wait-deletes.js";

/**
 * A leader election among sessions on one prefix.
 *
 * @example
 * ```ts
 * const e = new Election(session, "/election/scheduler");
 * await e.campaign("node-1", ctx);       // resolves once elected
 * e.signal.addEventListener("abort", stopLeading);
 * for await (const leader of e.observe(ctx)) console.log("leader:", text(leader.value));
 * ```
 */
export class Election {
  /** The session whose lease holds the candidacy key: losing it ends the leadership. */
  readonly session: Session;
  readonly #pfx: Uint8Array;
  readonly #key: Uint8Array;
  #rev = -1n;
  #header: ResponseHeader | null = null;
  #leader: AbortController | null = null;
  #unlisten: (() => void) | null = null;
  /** Removes the key if a campaign txn whose answer was lost creates it late (key-guard.ts). */
  readonly #guard: KeyGuard;
  /** This object's leadership is registered with the guard. */
  #guarded = false;

  constructor(session: Session, pfx: string | Uint8Array) {
    this.session = checkSession(session);
    checkKey("pfx", pfx);
    checkPrefixSize("pfx", pfx, 4);
    this.#pfx = concat(pfx, "/");
    this.#key = concat(this.#pfx, leaseHex(session.lease));
    this.#guard = guardFor(session, this.#key);
  }

  /** This session's candidate key (Go's Key). */
  get key(): string {
    return text(this.#key);
  }

  /** The create revision of the leader key while leader, else -1n (Go's Rev). */
  get rev(): bigint {
    return this.#rev;
  }

  /** The header of the campaign that won (Go's Header), or null. */
  get header(): ResponseHeader | null {
    return this.#header;
  }

  /**
   * Whether this object is the leader as far as it knows: elected, not resigned, and its session's
   * lease not past its deadline (checked against the clock on every read).
   */
  get isLeader(): boolean {
    this.session.err; // a lost session ends the leadership (synchronously, through its signal)
    return this.#rev >= 0n;
  }

  /**
   * Aborts when this leadership ends: resigned, or the session lost (its lease deadline is checked
   * on every read). Advisory, like Mutex.signal: fence writes with a compare on `rev`.
   */
  get signal(): AbortSignal {
    this.session.err;
    if (this.#leader === null) {
      const ac = new AbortController();
      ac.abort(new EtcdError("not-leader"));
      return ac.signal;
    }
    return this.#leader.signal;
  }

  #elected(rev: bigint, header: ResponseHeader): void {
    if (!this.#guarded) {
      this.#guarded = true;
      void this.#guard.enter();
    }
    this.#rev = rev;
    this.#header = header;
    this.#unlisten?.();
    const ac = new AbortController();
    this.#leader = ac;
    const s = this.session.signal;
    const on = (): void => {
      this.#forget(s.reason);
    };
    if (s.aborted) on();
    else {
      s.addEventListener("abort", on, { once: true });
      this.#unlisten = () => s.removeEventListener("abort", on);
    }
  }

  #forget(reason: unknown): void {
    if (this.#guarded) {
      this.#guarded = false;
      this.#guard.leave();
    }
    this.#rev = -1n;
    this.#unlisten?.();
    this.#unlisten = null;
    this.#leader?.abort(reason);
    this.#leader = null;
  }

  /**
   * Puts this session up as a candidate with `value` and resolves once it is the leader. Cancelled
   * (ctx), it withdraws the candidacy. On other failures the key stays queued until the session
   * ends, unless a campaign transaction's answer was lost earlier: then the session's key guard
   * removes it once nothing of the session uses it (docs/etcd.md, on writes applied late).
   *
   * @example
   * ```ts
   * await e.campaign("10.0.0.7:8080");
   * ```
   */
  async campaign(value: Value, ctx?: Canceller): Promise<void> {
    checkValue("value", value);
    throwIfDone(ctx);
    const err = this.session.err;
    if (err !== null) throw err;
    const entered = this.#guard.enter();
    try {
      await entered;
      await this.#campaign(value, ctx);
    } finally {
      this.#guard.leave();
    }
  }

  async #campaign(value: Value, ctx: Canceller | undefined): Promise<void> {
    const b = this.session.backend;
    const put = () =>
      b.txn({
        compare: [{ key: this.#key, target: "create", result: "=", value: 0n }],
        success: [{ type: "put", key: this.#key, value, lease: this.session.lease }],
        failure: [{ type: "range", key: this.#key }],
      });
    let r: TxnResponse;
    try {
      r = await put();
    } catch (e) {
      if (!transient(e)) throw e;
      // etcd unreachable or electing a leader: the txn is idempotent for this session (a put that did
      // apply is found by the else branch), so retry it within ctx. The lost copy may still be
      // applied later, even after resign: the guard removes it then.
      this.#guard.doubt();
      const retry = linkSignals(ctx, this.session.signal);
      try {
        r = await retrying(put, retry.signal);
      } catch (e2) {
        // The put may have applied: withdraw what is there (never blindly: see own-key.ts).
        if (retry.signal.aborted) await deleteOwnKey(b, this.#key, null).catch(() => {});
        throw e2;
      } finally {
        retry.dispose();
      }
    }
    let rev = r.header.revision;
    let header = r.header;
    if (!r.succeeded) {
      const kv = r.responses[0]?.type === "range" ? r.responses[0].kvs[0] : undefined;
      if (kv === undefined) throw new EtcdError("unknown", "election: own key vanished inside a txn");
      rev = kv.createRevision;
      if (!bytesEqual(kv.value, toBytes(value))) {
        this.#rev = rev;
        try {
          await this.proclaim(value);
        } catch (e) {
          await this.resign().catch(() => {});
          throw e;
        }
      }
    }
    const link = linkSignals(ctx, this.session.signal);
    try {
      header = (await waitDeletes(b, this.#pfx, rev - 1n, { key: this.#key, rev }, link.signal)) ?? header;
    } catch (e) {
      this.#rev = rev;
      if (link.signal.aborted && !this.session.signal.aborted) await this.resign().catch(() => {});
      this.#forget(e);
      throw e;
    } finally {
      link.dispose();
    }
    this.#elected(rev, header);
  }

  /**
   * Changes the leader's value without an election (Go's Proclaim). Rejects with `not-leader` if this
   * session is not (or no longer) the leader.
   *
   * @example
   * ```ts
   * await e.proclaim("10.0.0.7:9090");
   * ```
   */
  async proclaim(value: Value, ctx?: Canceller): Promise<void> {
    checkValue("value", value);
    throwIfDone(ctx);
    if (this.#rev < 0n) throw new EtcdError("not-leader");
    const r = await this.session.backend.txn({
      compare: [{ key: this.#key, target: "create", result: "=", value: this.#rev }],
      success: [{ type: "put", key: this.#key, value, lease: this.session.lease }],
    });
    if (!r.succeeded) {
      this.#forget(new EtcdError("not-leader"));
      throw new EtcdError("not-leader");
    }
  }

  /**
   * Gives up leadership (deletes the key if it is still ours), letting the next candidate in.
   * A no-op when not leader.
   *
   * @example
   * ```ts
   * await e.resign();
   * ```
   */
  async resign(ctx?: Canceller): Promise<void> {
    throwIfDone(ctx);
    if (this.#rev < 0n) return;
    const rev = this.#rev;
    this.#forget(new EtcdError("not-leader", "election: resigned"));
    this.#header = null;
    await this.session.backend.txn({
      compare: [{ key: this.#key, target: "create", result: "=", value: rev }],
      success: [{ type: "delete", key: this.#key }],
    });
  }

  /**
   * The current leader's key-value (oldest candidate), or rejects with `no-leader`.
   *
   * @example
   * ```ts
   * const kv = await e.leader();
   * console.log(text(kv.value));
   * ```
   */
  async leader(ctx?: Canceller): Promise<KeyValue> {
    throwIfDone(ctx);
    const r = await this.session.backend.range({
      key: this.#pfx,
      end: prefixEnd(this.#pfx),
      sortTarget: "create",
      sortOrder: "ascend",
      limit: 1,
    });
    const kv = r.kvs[0];
    if (kv === undefined) throw new EtcdError("no-leader");
    return kv;
  }

  /**
   * The leader now and every change after: a new leader, or a new value proclaimed by the current
   * one. Ends when ctx is cancelled (or the loop is left); may skip leaders that came and went
   * between two reads, as Go's Observe does.
   *
   * @example
   * ```ts
   * for await (const kv of e.observe(ctx)) console.log(text(kv.key), text(kv.value));
   * ```
   */
  observe(ctx?: Canceller): AsyncIterable<KeyValue> {
    throwIfDone(ctx);
    return observe(this.session, this.#pfx, ctx);
  }
}

async function* observe(
  session: Session,
  pfx: Uint8Array,
  ctx: Canceller | undefined,
): AsyncGenerator<KeyValue> {
  const b = session.backend;
  const end = prefixEnd(pfx);
  const link = linkSignals(ctx);
  const signal = link.signal;
  let last: KeyValue | null = null;
  const isNew = (kv: KeyValue): boolean =>
    last === null || !bytesEqual(last.key, kv.key) || last.modRevision !== kv.modRevision;
  let backoff = 50;
  try {
    for (;;) {
      if (signal.aborted) return;
      try {
        for await (const kv of follow()) {
          backoff = 50;
          yield kv;
        }
      } catch (e) {
        // etcd unreachable or electing a leader: read the leader again once it answers.
        if (signal.aborted || !transient(e)) throw e;
        await pause(backoff, signal);
        backoff = Math.min(backoff * 2, 1000);
      }
    }
  } catch (e) {
    if (signal.aborted) return;
    throw e;
  } finally {
    link.dispose();
  }

  /** Reports the leader and its changes until a transient failure (then observe reads again). */
  async function* follow(): AsyncGenerator<KeyValue> {
    for (;;) {
      if (signal.aborted) return;
      const r = await b.range({ key: pfx, end, sortTarget: "create", sortOrder: "ascend", limit: 1 });
      let kv = r.kvs[0];
      if (kv === undefined) {
        // No leader: the first candidate to appear after the read is the next one.
        const w = await b.watch(
          { key: pfx, end, startRevision: r.header.revision + 1n, noDelete: true },
          signal,
        );
        try {
          while (kv === undefined) kv = (await w.next(signal)).events[0]?.kv;
        } finally {
          w.cancel();
        }
      }
      if (isNew(kv)) {
        last = kv;
        yield kv;
      }
      // Follow this leader: proclaimed values, until its key is deleted.
      const w = await b.watch({ key: kv.key, startRevision: kv.modRevision + 1n }, signal);
      try {
        for (let gone = false; !gone; ) {
          const resp = await w.next(signal);
          for (const e of resp.events) {
            if (e.type === "delete") {
              gone = true;
              break;
            }
            if (isNew(e.kv)) {
              last = e.kv;
              yield e.kv;
            }
          }
        }
      } finally {
        w.cancel();
      }
    }
  }
}
