// embedded(): an in-process Backend with etcd's semantics — one global revision counter, per-key
// create/mod revision and version, multi-version history (reads at a past revision), leases whose
// TTL runs on the gosync clock (so a virtual-time test controls expiry), watches from a past
// revision on a key or a range, and transactions with compares. For demos, single-process programs
// and tests that need no server.
//
// Mirrors: etcd 3.4's mvcc store and lessor as seen through the v3 API (apply.go's Range filters and
// sort, Txn compare rules, one revision per write transaction, a delete that deletes nothing does
// not bump the revision, lease revoke deletes all its keys in one revision, a range with a limit and
// no sort order reads limit+1 keys in key order before sorting by a non-key target, a delete that
// deleted nothing carries the revision its txn began at), etcd's size limits (1.5 MiB per write
// request, 2 MiB per gRPC message) and largest lease TTL. Where it differs: no Raft, no auth; history
// older than `historyRevisions` revisions is compacted automatically; lease expiry is exact (etcd
// checks every 500 ms); a small TTL is raised to `minLeaseTtl` (default 1 s); a lease's keys are
// listed in key order (etcd: Go map order, i.e. none). Reads at the current revision scan only live
// keys, so deleted keys cost nothing; a hot loop of requests yields to the event loop every ~10 ms.

import type { Canceller } from "../chan/context-type.js";
import { cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import type {
  Backend,
  Compare,
  DeleteRequest,
  DeleteResponse,
  KeyValue,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  Op,
  OpResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  Watch,
  WatchEvent,
  WatchRequest,
} from "./backend.js";
import { binaryString, compareBytes, toBytes } from "./bytes.js";
import { EtcdError, etcdError } from "./errors.js";
import {
  checkRangeRequest,
  checkTxnRequest,
  leaseIdCheck,
  MAX_GRPC_BYTES,
  MAX_REQUEST_BYTES,
  requestSize,
  sortKvs,
  ttlCheck,
} from "./requests.js";
import { WatchStream } from "./watch-stream.js";

/**
 * Options of {@link embedded}.
 *
 * @example
 * ```ts
 * const backend = embedded({ historyRevisions: 1000, minLeaseTtl: 1 });
 * ```
 */
export interface EmbeddedOptions {
  /** Revisions of history kept for past reads and watches (default 10 000). */
  readonly historyRevisions?: number;
  /** The smallest lease TTL in seconds; smaller grants are raised to it (default 1). */
  readonly minLeaseTtl?: number;
}

const MAX_TXN_OPS = 128;
/** etcd's largest lease TTL in seconds (lease/lessor.go MaxLeaseTTL). */
const MAX_LEASE_TTL = 9_000_000_000;
const NO_BYTES = new Uint8Array(0);

/** A key as a string whose char codes are its bytes: string order is byte order. */
type K = string;

function bytesOf(k: K): Uint8Array {
  const b = new Uint8Array(k.length);
  for (let i = 0; i < k.length; i++) b[i] = k.charCodeAt(i);
  return b;
}

interface Version {
  readonly mod: bigint;
  readonly create: bigint;
  readonly version: bigint;
  readonly value: Uint8Array;
  readonly lease: bigint;
  readonly tomb: boolean;
}

interface LeaseRec {
  readonly id: bigint;
  readonly ttl: number;
  expiresAt: number;
  timer: TimerHandle | null;
  readonly keys: Set<K>;
}

/** A key range: [from, to) on K; `to` null = to the end of the keyspace; `single` = exactly `from`. */
interface Span {
  readonly from: K;
  readonly to: K | null;
  readonly single: boolean;
}

function spanOf(key: Uint8Array, end: Uint8Array | undefined): Span {
  const from = binaryString(key);
  if (end === undefined || end.length === 0) return { from, to: null, single: true };
  if (end.length === 1 && end[0] === 0) return { from, to: null, single: false };
  return { from, to: binaryString(end), single: false };
}

function inSpan(s: Span, k: K): boolean {
  if (s.single) return k === s.from;
  return k >= s.from && (s.to === null || k < s.to);
}

interface EWatcher {
  readonly span: Span;
  readonly prevKv: boolean;
  readonly noPut: boolean;
  readonly noDelete: boolean;
  readonly stream: WatchStream;
}

class EmbeddedBackend implements Backend {
  readonly kind = "embedded" as const;
  #rev = 1n;
  #compactRev = 0n;
  /** Every key with history (live or deleted but not yet compacted), sorted: for reads in the past. */
  readonly #keys: K[] = [];
  /**
   * The keys live at the current revision, sorted: what reads at the current revision scan, so keys
   * deleted long ago cost nothing (etcd's index skips them too) even before compaction drops them.
   */
  readonly #live: K[] = [];
  readonly #hist = new Map<K, Version[]>();
  /** Events per revision, ascending, for watches that start in the past. */
  #log: { rev: bigint; events: { k: K; ev: WatchEvent }[] }[] = [];
  readonly #leases = new Map<bigint, LeaseRec>();
  readonly #watchers = new Set<EWatcher>();
  #closed = false;
  /** Requests served since the store began, and when the event loop last got a turn (see #gate). */
  #ops = 0;
  #lastPause = 0;
  #pause: Promise<void> | null = null;
  readonly #ac = new AbortController();
  readonly signal = this.#ac.signal;
  readonly #retain: bigint;
  readonly #minTtl: number;

  constructor(opts: EmbeddedOptions) {
    const retain = opts.historyRevisions ?? 10_000;
    if (!Number.isInteger(retain) || retain < 1) {
      throw new RangeError(`historyRevisions must be an integer >= 1, got ${String(retain)}`);
    }
    const minTtl = opts.minLeaseTtl ?? 1;
    if (!Number.isInteger(minTtl) || minTtl < 1) {
      throw new RangeError(`minLeaseTtl must be an integer >= 1, got ${String(minTtl)}`);
    }
    this.#retain = BigInt(retain);
    this.#minTtl = minTtl;
  }

  #open(): void {
    if (this.#closed) throw etcdError("closed");
  }

  // ---- reading -------------------------------------------------------------------------------

  /** The version of `k` visible at `rev` (undefined if absent or deleted). */
  #at(k: K, rev: bigint): Version | undefined {
    const h = this.#hist.get(k);
    if (h === undefined) return undefined;
    for (let i = h.length - 1; i >= 0; i--) {
      const v = h[i] as Version; // 0 <= i < h.length
      if (v.mod <= rev) return v.tomb ? undefined : v;
    }
    return undefined;
  }

  /** Keys live at `rev`, in key order (the uncompacted writes of this txn included). */
  #scan(s: Span, rev: bigint): { k: K; v: Version }[] {
    const out: { k: K; v: Version }[] = [];
    if (s.single) {
      const v = this.#at(s.from, rev);
      if (v !== undefined) out.push({ k: s.from, v });
      return out;
    }
    // #live is the key set as of the latest write, which is `rev` for every read but a past one.
    const keys = rev >= this.#rev ? this.#live : this.#keys;
    for (let i = lowerBound(keys, s.from); i < keys.length; i++) {
      const k = keys[i] as K; // i < keys.length
      if (s.to !== null && k >= s.to) break;
      const v = this.#at(k, rev);
      if (v !== undefined) out.push({ k, v });
    }
    return out;
  }

  #kv(k: K, v: Version, keysOnly = false): KeyValue {
    return {
      key: bytesOf(k),
      value: keysOnly ? NO_BYTES : v.value.slice(),
      createRevision: v.create,
      modRevision: v.mod,
      version: v.version,
      lease: v.lease,
    };
  }

  /** Range as etcd's applier does it: read the span, filter, sort, then truncate to the limit. */
  #range(req: RangeRequest, cur: bigint): RangeResponse {
    const r = checkRangeRequest(req);
    let rev = cur;
    if (r.revision > 0n) {
      if (r.revision > cur) throw etcdError("future-revision");
      if (r.revision < this.#compactRev) throw etcdError("compacted");
      rev = r.revision;
    }
    let rows = this.#scan(spanOf(r.key, r.end), rev);
    const count = rows.length;
    if (r.countOnly) return { header: { revision: cur }, kvs: [], more: false, count };
    const filtered =
      r.maxModRevision !== 0n ||
      r.minModRevision !== 0n ||
      r.maxCreateRevision !== 0n ||
      r.minCreateRevision !== 0n;
    // etcd reads only limit+1 keys (in key order) unless a sort order or a filter is given — even
    // when the sort target is not the key (then it sorts those few ascending): apply.go's Range.
    if (r.limit > 0 && r.sortOrder === "none" && !filtered) rows = rows.slice(0, r.limit + 1);
    rows = rows.filter(
      ({ v }) =>
        (r.maxModRevision === 0n || v.mod <= r.maxModRevision) &&
        (r.minModRevision === 0n || v.mod >= r.minModRevision) &&
        (r.maxCreateRevision === 0n || v.create <= r.maxCreateRevision) &&
        (r.minCreateRevision === 0n || v.create >= r.minCreateRevision),
    );
    let kvs = rows.map(({ k, v }) => this.#kv(k, v, r.keysOnly));
    kvs = sortKvs(kvs, r.sortOrder, r.sortTarget);
    let more = false;
    if (r.limit > 0 && kvs.length > r.limit) {
      kvs = kvs.slice(0, r.limit);
      more = true;
    }
    return { header: { revision: cur }, kvs, more, count };
  }

  // ---- writing -------------------------------------------------------------------------------

  #insertKey(k: K): Version[] {
    let h = this.#hist.get(k);
    if (h === undefined) {
      h = [];
      this.#hist.set(k, h);
      this.#keys.splice(lowerBound(this.#keys, k), 0, k);
    }
    return h;
  }

  #setLive(k: K, live: boolean): void {
    const i = lowerBound(this.#live, k);
    const there = this.#live[i] === k;
    if (live && !there) this.#live.splice(i, 0, k);
    else if (!live && there) this.#live.splice(i, 1);
  }

  /** One write transaction: collects events at revision rev+1 and commits them together. */
  #begin(): WriteTx {
    return new WriteTx(this.#rev + 1n);
  }

  #putIn(tx: WriteTx, req: PutRequest): PutResponse {
    const key = toBytes(req.key);
    const k = binaryString(key);
    const lease = req.lease ?? 0n;
    const h = this.#insertKey(k);
    const prev = this.#at(k, tx.rev);
    const v: Version = {
      mod: tx.rev,
      create: prev === undefined ? tx.rev : prev.create,
      version: prev === undefined ? 1n : prev.version + 1n,
      value: toBytes(req.value).slice(),
      lease,
      tomb: false,
    };
    h.push(v);
    if (prev === undefined) this.#setLive(k, true);
    if (prev !== undefined && prev.lease !== 0n && prev.lease !== lease)
      this.#leases.get(prev.lease)?.keys.delete(k);
    if (lease !== 0n) this.#leases.get(lease)!.keys.add(k);
    const prevKv = prev === undefined ? undefined : this.#kv(k, prev);
    tx.events.push({ k, ev: { type: "put", kv: this.#kv(k, v), prevKv } });
    return { header: { revision: tx.rev }, prevKv: req.prevKv === true ? prevKv : undefined };
  }

  #deleteIn(tx: WriteTx, req: DeleteRequest): DeleteResponse {
    const rows = this.#scan(
      spanOf(toBytes(req.key), req.end === undefined ? undefined : toBytes(req.end)),
      tx.rev,
    );
    const prevKvs: KeyValue[] = [];
    for (const { k, v } of rows) {
      this.#deleteKey(tx, k, v);
      if (req.prevKv === true) prevKvs.push(this.#kv(k, v));
    }
    // A delete that deleted nothing, before any other write of the txn, reports the revision the txn
    // began at (mvcc/kvstore_txn.go, storeTxnWrite.DeleteRange).
    const revision = tx.events.length > 0 ? tx.rev : this.#rev;
    return { header: { revision }, deleted: rows.length, prevKvs };
  }

  #deleteKey(tx: WriteTx, k: K, prev: Version): void {
    this.#hist.get(k)!.push({ mod: tx.rev, create: 0n, version: 0n, value: NO_BYTES, lease: 0n, tomb: true });
    this.#setLive(k, false);
    if (prev.lease !== 0n) this.#leases.get(prev.lease)?.keys.delete(k);
    const kv: KeyValue = {
      key: bytesOf(k),
      value: NO_BYTES,
      createRevision: 0n,
      modRevision: tx.rev,
      version: 0n,
      lease: 0n,
    };
    tx.events.push({ k, ev: { type: "delete", kv, prevKv: this.#kv(k, prev) } });
  }

  /** Ends a write transaction: bumps the revision if it wrote anything and notifies watchers. */
  #commit(tx: WriteTx): void {
    if (tx.events.length === 0) return;
    this.#rev = tx.rev;
    this.#log.push({ rev: tx.rev, events: tx.events });
    for (const w of this.#watchers) this.#deliver(w, tx.events);
    if (this.#rev - this.#compactRev > 2n * this.#retain) this.#compact(this.#rev - this.#retain);
  }

  #deliver(w: EWatcher, events: readonly { k: K; ev: WatchEvent }[]): void {
    const out: WatchEvent[] = [];
    for (const { k, ev } of events) {
      if (!inSpan(w.span, k)) continue;
      if (ev.type === "put" ? w.noPut : w.noDelete) continue;
      out.push(w.prevKv ? ev : { type: ev.type, kv: ev.kv });
    }
    // The header carries the store's current revision, as etcd's watch responses do.
    if (out.length > 0) w.stream.push({ header: { revision: this.#rev }, events: out });
  }

  /** Drops history below `rev`: every key keeps its version visible at `rev`. */
  #compact(rev: bigint): void {
    this.#compactRev = rev;
    const dead: K[] = [];
    for (const [k, h] of this.#hist) {
      let keep = 0;
      for (let i = h.length - 1; i >= 0; i--) {
        const v = h[i] as Version; // 0 <= i < h.length
        if (v.mod <= rev) {
          keep = v.tomb ? i + 1 : i;
          break;
        }
      }
      if (keep > 0) h.splice(0, keep);
      if (h.length === 0) dead.push(k);
    }
    if (dead.length > 0) {
      const gone = new Set(dead);
      for (const k of dead) this.#hist.delete(k);
      const kept = this.#keys.filter((k) => !gone.has(k));
      this.#keys.length = 0;
      this.#keys.push(...kept);
    }
    let i = 0;
    for (const e of this.#log) {
      if (e.rev > rev) break;
      i++;
    }
    this.#log = this.#log.slice(i);
  }

  #checkLeases(ops: readonly Op[]): void {
    for (const op of ops) {
      if (op.type === "put" && (op.lease ?? 0n) !== 0n && !this.#leases.has(op.lease!)) {
        throw etcdError("lease-not-found");
      }
    }
  }

  #compare(c: Compare, rev: bigint): boolean {
    const key = toBytes(c.key);
    const rows = this.#scan(spanOf(key, c.end === undefined ? undefined : toBytes(c.end)), rev);
    if (rows.length === 0) {
      if (c.target === "value") return false;
      return cmp(0n, c.value, c.result);
    }
    for (const { v } of rows) {
      let ok: boolean;
      switch (c.target) {
        case "value":
          ok = cmpOrder(compareBytes(v.value, toBytes(c.value)), c.result);
          break;
        case "version":
          ok = cmp(v.version, c.value, c.result);
          break;
        case "create":
          ok = cmp(v.create, c.value, c.result);
          break;
        case "mod":
          ok = cmp(v.mod, c.value, c.result);
          break;
        case "lease":
          ok = cmp(v.lease, c.value, c.result);
          break;
      }
      if (!ok) return false;
    }
    return true;
  }

  // ---- Backend -------------------------------------------------------------------------------

  /**
   * A hot loop of requests never leaves the microtask queue (every request settles at once), which
   * would starve the process's timers and I/O: every 256 requests, if 10 ms have passed since the
   * last pause, the next request first lets the event loop turn once. Requests made meanwhile queue
   * behind it, so the store still applies them in the order they were made.
   */
  #gate(): Promise<void> | null {
    if (this.#pause !== null) return this.#pause;
    if (++this.#ops % 256 !== 0) return null;
    const now = Date.now();
    if (now - this.#lastPause < 10) return null;
    this.#lastPause = now;
    const p = new Promise<void>((resolve) => {
      const go = (): void => {
        this.#pause = null;
        resolve();
      };
      const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
      if (typeof immediate === "function") immediate(go);
      else setTimeout(go, 0);
    });
    this.#pause = p;
    return p;
  }

  /** etcd's size limits: gRPC refuses what exceeds its limit, raft what exceeds --max-request-bytes. */
  #checkSize(size: number, write: boolean): void {
    if (size > MAX_GRPC_BYTES) {
      throw new EtcdError(
        "resource-exhausted",
        `grpc: received message larger than max (${size} vs. ${MAX_GRPC_BYTES})`,
      );
    }
    if (write && size > MAX_REQUEST_BYTES) throw etcdError("request-too-large");
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    const g = this.#gate();
    if (g !== null) await g;
    this.#open();
    checkRangeRequest(req);
    this.#checkSize(requestSize({ type: "range", r: req }), false);
    return this.#range(req, this.#rev);
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const g = this.#gate();
    if (g !== null) await g;
    this.#open();
    const t: TxnRequest = { success: [{ type: "put", ...req }] };
    checkTxnRequest(t, MAX_TXN_OPS);
    this.#checkSize(requestSize({ type: "put", r: req }), true);
    const r = this.#txn(t);
    const p = r.responses[0] as PutResponse;
    return { header: r.header, prevKv: p.prevKv };
  }

  async delete(req: DeleteRequest): Promise<DeleteResponse> {
    const g = this.#gate();
    if (g !== null) await g;
    this.#open();
    const t: TxnRequest = { success: [{ type: "delete", ...req }] };
    checkTxnRequest(t, MAX_TXN_OPS);
    this.#checkSize(requestSize({ type: "delete", r: req }), true);
    const r = this.#txn(t);
    const d = r.responses[0] as DeleteResponse;
    return { header: r.header, deleted: d.deleted, prevKvs: d.prevKvs };
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    const g = this.#gate();
    if (g !== null) await g;
    this.#open();
    checkTxnRequest(req, MAX_TXN_OPS);
    const write = [...(req.success ?? []), ...(req.failure ?? [])].some((op) => op.type !== "range");
    this.#checkSize(requestSize({ type: "txn", r: req }), write);
    return this.#txn(req);
  }

  /** A checked transaction, applied at once. */
  #txn(req: TxnRequest): TxnResponse {
    const succeeded = (req.compare ?? []).every((c) => this.#compare(c, this.#rev));
    const ops = (succeeded ? req.success : req.failure) ?? [];
    this.#checkLeases(ops);
    const tx = this.#begin();
    const responses: OpResponse[] = [];
    for (const op of ops) {
      const readRev = tx.events.length > 0 ? tx.rev : this.#rev;
      switch (op.type) {
        case "range":
          responses.push({ type: "range", ...this.#range(op, readRev) });
          break;
        case "put":
          responses.push({ type: "put", ...this.#putIn(tx, op) });
          break;
        case "delete":
          responses.push({ type: "delete", ...this.#deleteIn(tx, op) });
          break;
      }
    }
    this.#commit(tx);
    const revision = this.#rev;
    // Inner write responses carry the transaction's revision only if it wrote (as etcd does).
    return { header: { revision }, succeeded, responses };
  }

  async watch(req: WatchRequest, ctx?: Canceller): Promise<Watch> {
    const g = this.#gate(); // in order with the requests made before it
    if (g !== null) await g;
    this.#open();
    const src = cancelSourceOf(ctx);
    const reason = src?.[REASON]();
    if (reason !== undefined) throw reason;
    const r = checkRangeRequest({ key: req.key, end: req.end });
    const start = req.startRevision ?? 0n;
    if (typeof start !== "bigint" || start < 0n) throw new RangeError("startRevision must be a bigint >= 0n");
    const w: EWatcher = {
      span: spanOf(r.key, r.end),
      prevKv: req.prevKv === true,
      noPut: req.noPut === true,
      noDelete: req.noDelete === true,
      stream: new WatchStream(() => this.#watchers.delete(w)),
    };
    w.stream.header = { revision: this.#rev };
    if (start > 0n && start < this.#compactRev) {
      w.stream.fail(etcdError("compacted", `watch from ${start}, compacted at ${this.#compactRev}`));
      return w.stream;
    }
    if (start > 0n) {
      for (const entry of this.#log) {
        if (entry.rev >= start) this.#deliver(w, entry.events);
      }
    }
    this.#watchers.add(w);
    return w.stream;
  }

  async leaseGrant(ttl: number, id?: bigint): Promise<LeaseGrantResponse> {
    const g = this.#gate(); // in order with the requests made before it
    if (g !== null) await g;
    this.#open();
    ttlCheck(ttl);
    if (ttl > MAX_LEASE_TTL) throw etcdError("lease-ttl-too-large");
    if (id !== undefined && id !== 0n) {
      leaseIdCheck(id);
      if (this.#leases.has(id)) throw etcdError("lease-exists");
    } else {
      id = this.#newLeaseId();
    }
    const granted = Math.max(ttl, this.#minTtl);
    const rec: LeaseRec = { id, ttl: granted, expiresAt: 0, timer: null, keys: new Set() };
    this.#leases.set(id, rec);
    this.#arm(rec);
    return { header: { revision: this.#rev }, id, ttl: granted };
  }

  #newLeaseId(): bigint {
    const words = new Uint32Array(2);
    for (;;) {
      globalThis.crypto.getRandomValues(words);
      const [hi = 0, lo = 0] = words;
      const id = (BigInt(hi & 0x7fffffff) << 32n) | BigInt(lo);
      if (id !== 0n && !this.#leases.has(id)) return id;
    }
  }

  #arm(rec: LeaseRec): void {
    if (rec.timer !== null) clock.clearTimer(rec.timer);
    rec.expiresAt = clock.now() + rec.ttl * 1000;
    rec.timer = clock.setTimer(() => {
      rec.timer = null;
      this.#revoke(rec);
    }, rec.ttl * 1000);
    // An unexpired lease alone does not keep the process alive (a session's keep-alive does).
    clock.keepAlive(rec.timer, false);
  }

  #revoke(rec: LeaseRec): void {
    if (rec.timer !== null) clock.clearTimer(rec.timer);
    rec.timer = null;
    this.#leases.delete(rec.id);
    const tx = this.#begin();
    for (const k of [...rec.keys].sort()) {
      const v = this.#at(k, tx.rev);
      if (v !== undefined) this.#deleteKey(tx, k, v);
    }
    this.#commit(tx);
  }

  async leaseRevoke(id: bigint): Promise<void> {
    const g = this.#gate(); // in order with the requests made before it
    if (g !== null) await g;
    this.#open();
    leaseIdCheck(id);
    const rec = this.#leases.get(id);
    if (rec === undefined) throw etcdError("lease-not-found");
    this.#revoke(rec);
  }

  async leaseKeepAlive(id: bigint): Promise<number> {
    const g = this.#gate(); // in order with the requests made before it
    if (g !== null) await g;
    this.#open();
    leaseIdCheck(id);
    const rec = this.#leases.get(id);
    if (rec === undefined) return 0;
    this.#arm(rec);
    return rec.ttl;
  }

  async leaseTimeToLive(id: bigint, keys = false): Promise<LeaseTimeToLiveResponse> {
    const g = this.#gate(); // in order with the requests made before it
    if (g !== null) await g;
    this.#open();
    leaseIdCheck(id);
    const rec = this.#leases.get(id);
    const header = { revision: this.#rev };
    if (rec === undefined) return { header, ttl: -1, grantedTtl: 0, keys: [] };
    const left = Math.max(0, Math.floor((rec.expiresAt - clock.now()) / 1000));
    return { header, ttl: left, grantedTtl: rec.ttl, keys: keys ? [...rec.keys].sort().map(bytesOf) : [] };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ac.abort(etcdError("closed"));
    for (const rec of this.#leases.values()) if (rec.timer !== null) clock.clearTimer(rec.timer);
    for (const w of [...this.#watchers]) w.stream.fail(etcdError("closed"));
    this.#watchers.clear();
  }
}

/** The index of the first key ≥ k in a sorted array. */
function lowerBound(keys: readonly K[], k: K): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((keys[mid] as K) < k)
      lo = mid + 1; // lo <= mid < hi <= keys.length
    else hi = mid;
  }
  return lo;
}

class WriteTx {
  readonly events: { k: K; ev: WatchEvent }[] = [];
  constructor(readonly rev: bigint) {}
}

function cmp(a: bigint, b: bigint, r: Compare["result"]): boolean {
  return cmpOrder(a < b ? -1 : a > b ? 1 : 0, r);
}

function cmpOrder(o: number, r: Compare["result"]): boolean {
  switch (r) {
    case "=":
      return o === 0;
    case "!=":
      return o !== 0;
    case "<":
      return o < 0;
    case ">":
      return o > 0;
  }
}

/**
 * An in-process Backend with etcd's MVCC, lease, watch and transaction semantics: the default for
 * demos and single-process tests. Leases expire on the gosync clock.
 *
 * @example
 * ```ts
 * const backend = embedded();
 * const session = await Session.create(backend, { ttl: 10 });
 * const m = new Mutex(session, "/locks/job");
 * await m.lock();
 * try { ... } finally { await m.unlock(); await session.close(); await backend.close(); }
 * ```
 */
export function embedded(options: EmbeddedOptions = {}): Backend {
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  return new EmbeddedBackend(options);
}
