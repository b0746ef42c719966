// stm(): software transactional memory on etcd — run a function that reads and writes keys, commit
// its writes atomically if what it read is unchanged, retry it otherwise.
//
// Mirrors: go.etcd.io/etcd/clientv3/concurrency.NewSTM with its four isolation levels and their exact
// commit rules (clientv3/concurrency/stm.go): reads are cached in a read set (first read linearizable;
// later reads pinned to its revision for the two serializable levels), writes are buffered; commit =
// Txn{if <compares> then <writes> else <re-read of the read set>}:
//   serializable-snapshot (default): MOD(k) == seen for every read key, plus MOD(k) < first + 1 for
//                                    every written key (first = smallest read header revision);
//   serializable:                    MOD(k) == seen for every read key;
//   repeatable-reads:                MOD(k) == seen for every read key, unpinned reads, no prefetch;
//   read-committed:                  no compares — always commits (lost updates are possible).
// On conflict the two serializable levels reuse the failure branch's reads as the next attempt's
// cache (no extra round trip), as Go does. Where it differs: reads are async (`await tx.get(k)`);
// retries back off with jitter and can be bounded (`retries`, then an `stm-conflict` EtcdError; Go
// retries forever); ctx cancels between attempts; apply may return a value.

import type { Canceller } from "../chan/context-type.js";
import { sleep } from "../time/sleep.js";
import { throwIfDone } from "./abort.js";
import type { Backend, Compare, Op, RangeResponse, TxnResponse, Value } from "./backend.js";
import { binaryString, checkValue, text, toBytes } from "./bytes.js";
import { EtcdError, neverApplied, isTransient as transient } from "./errors.js";
import { checkBackend } from "./queue.js";

/**
 * The isolation level of a transaction (Go's concurrency.Isolation).
 *
 * @example
 * ```ts
 * await stm(backend, (tx) => tx.put("/seen", "1"), { isolation: "read-committed" });
 * ```
 */
export type Isolation = "serializable-snapshot" | "serializable" | "repeatable-reads" | "read-committed";

const LEVELS: readonly Isolation[] = [
  "serializable-snapshot",
  "serializable",
  "repeatable-reads",
  "read-committed",
];

/** Options of {@link stm}. */
export interface StmOptions {
  /** Default "serializable-snapshot" (as Go). */
  readonly isolation?: Isolation;
  /** Cancels the transaction between attempts and before it starts. */
  readonly ctx?: Canceller;
  /** Retries after a conflict before giving up with `stm-conflict` (default: unbounded, as Go). */
  readonly retries?: number;
  /** Keys read at the start of every attempt in one round trip (Go's WithPrefetch). */
  readonly prefetch?: readonly Value[];
}

/**
 * What `apply` can do inside a transaction (Go's concurrency.STM).
 *
 * @example
 * ```ts
 * await stm(backend, async (tx) => {
 *   const from = Number(await tx.get("/accounts/a"));
 *   const to = Number(await tx.get("/accounts/b"));
 *   tx.put("/accounts/a", String(from - 10));
 *   tx.put("/accounts/b", String(to + 10));
 * });
 * ```
 */
export interface StmTx {
  /** The key's value as text ("" if absent); sees this attempt's own writes. */
  get(key: Value): Promise<string>;
  /** The key's value as bytes, or undefined if absent; sees this attempt's own writes. */
  getBytes(key: Value): Promise<Uint8Array | undefined>;
  /** Buffers a put, applied at commit. */
  put(key: Value, value: Value, options?: { lease?: bigint }): void;
  /** Buffers a delete, applied at commit. */
  del(key: Value): void;
  /** The key's mod revision as read by this transaction (0n if absent). */
  rev(key: Value): Promise<bigint>;
}

/** The outcome of a committed transaction. */
export interface StmResult<T> {
  /** What apply returned on the attempt that committed. */
  readonly result: T;
  /** The commit's response (its header revision is the commit revision). */
  readonly response: TxnResponse;
  /** How many attempts it took (1 = no conflict). */
  readonly attempts: number;
}

type Write = { readonly key: Uint8Array; readonly value: Uint8Array | null; readonly lease: bigint };

class Tx implements StmTx {
  readonly rset = new Map<string, { key: Uint8Array; resp: RangeResponse }>();
  readonly wset = new Map<string, Write>();
  /** Reads carried over from the last failed commit (serializable levels). */
  prefetched = new Map<string, { key: Uint8Array; resp: RangeResponse }>();
  /** Revision later reads are pinned to (serializable levels), 0n = none yet. */
  pin = 0n;

  constructor(
    readonly b: Backend,
    readonly level: Isolation,
  ) {}

  reset(): void {
    this.rset.clear();
    this.wset.clear();
  }

  get serializable(): boolean {
    return this.level === "serializable-snapshot" || this.level === "serializable";
  }

  async fetch(keys: Uint8Array[]): Promise<void> {
    const missing = keys.filter((k) => !this.rset.has(binaryString(k)));
    if (missing.length === 0) return;
    const firstRead = this.rset.size === 0;
    for (const k of missing) {
      const p = this.prefetched.get(binaryString(k));
      if (p !== undefined) {
        this.prefetched.delete(binaryString(k));
        this.rset.set(binaryString(k), p);
      }
    }
    const still = missing.filter((k) => !this.rset.has(binaryString(k)));
    if (still.length > 0) {
      const pinned = this.serializable && this.pin > 0n;
      const r = await this.b.txn({
        success: still.map(
          (key): Op => ({
            type: "range",
            key,
            revision: pinned ? this.pin : undefined,
            serializable: pinned || this.level === "repeatable-reads" || this.level === "read-committed",
          }),
        ),
      });
      still.forEach((key, i) => {
        const resp = r.responses[i];
        if (resp?.type === "range") this.rset.set(binaryString(key), { key, resp });
      });
    }
    if (firstRead && this.serializable && this.pin === 0n) {
      this.pin = this.rset.get(binaryString(keys[0]!))!.resp.header.revision;
    }
  }

  async getBytes(key: Value): Promise<Uint8Array | undefined> {
    const k = toBytes(checkValue("key", key));
    const w = this.wset.get(binaryString(k));
    if (w !== undefined) return w.value ?? undefined;
    await this.fetch([k]);
    return this.rset.get(binaryString(k))!.resp.kvs[0]?.value;
  }

  async get(key: Value): Promise<string> {
    const v = await this.getBytes(key);
    return v === undefined ? "" : text(v);
  }

  async rev(key: Value): Promise<bigint> {
    const k = toBytes(checkValue("key", key));
    await this.fetch([k]);
    return this.rset.get(binaryString(k))!.resp.kvs[0]?.modRevision ?? 0n;
  }

  put(key: Value, value: Value, options?: { lease?: bigint }): void {
    const k = toBytes(checkValue("key", key));
    const v = toBytes(checkValue("value", value));
    const lease = options?.lease ?? 0n;
    if (typeof lease !== "bigint" || lease < 0n) throw new TypeError("lease must be a bigint >= 0n");
    this.wset.set(binaryString(k), { key: k, value: v, lease });
  }

  del(key: Value): void {
    const k = toBytes(checkValue("key", key));
    this.wset.set(binaryString(k), { key: k, value: null, lease: 0n });
  }

  async commit(): Promise<TxnResponse> {
    const reads = [...this.rset.values()];
    const compare: Compare[] = [];
    if (this.level !== "read-committed") {
      for (const { key, resp } of reads) {
        compare.push({ key, target: "mod", result: "=", value: resp.kvs[0]?.modRevision ?? 0n });
      }
    }
    if (this.level === "serializable-snapshot") {
      let first = 2n ** 63n - 2n;
      for (const { resp } of reads) if (resp.header.revision < first) first = resp.header.revision;
      for (const w of this.wset.values())
        compare.push({ key: w.key, target: "mod", result: "<", value: first + 1n });
    }
    const success: Op[] = [...this.wset.values()].map((w) =>
      w.value === null
        ? { type: "delete", key: w.key }
        : { type: "put", key: w.key, value: w.value, lease: w.lease === 0n ? undefined : w.lease },
    );
    const failure: Op[] = this.serializable ? reads.map(({ key }) => ({ type: "range", key })) : [];
    const r = await this.b.txn({ compare, success, failure });
    if (!r.succeeded && this.serializable) {
      // The failure branch re-read the read set: the next attempt starts from it, pinned to its revision.
      this.prefetched = new Map();
      reads.forEach(({ key }, i) => {
        const resp = r.responses[i];
        if (resp?.type === "range") this.prefetched.set(binaryString(key), { key, resp });
      });
      this.pin = r.responses[0]?.type === "range" ? r.responses[0].header.revision : 0n;
    } else if (!r.succeeded) {
      this.pin = 0n;
    }
    return r;
  }
}

/**
 * Runs `apply` as a transaction: its reads are validated and its writes applied atomically at
 * commit; on a conflict it runs again. An error thrown by apply aborts without writing anything.
 *
 * @example
 * ```ts
 * // Move 10 from alice to bob; the total is conserved under any serializable level.
 * await stm(backend, async (tx) => {
 *   const a = Number(await tx.get("/bank/alice"));
 *   const b = Number(await tx.get("/bank/bob"));
 *   if (a < 10) throw new Error("insufficient funds");
 *   tx.put("/bank/alice", String(a - 10));
 *   tx.put("/bank/bob", String(b + 10));
 * }, { isolation: "serializable-snapshot" });
 * ```
 */
export async function stm<T>(
  backend: Backend,
  apply: (tx: StmTx) => T | Promise<T>,
  options: StmOptions = {},
): Promise<StmResult<T>> {
  checkBackend(backend);
  if (typeof apply !== "function") throw new TypeError(`apply must be a function, got ${typeof apply}`);
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  const level = options.isolation ?? "serializable-snapshot";
  if (!LEVELS.includes(level)) throw new TypeError(`isolation must be one of ${LEVELS.join(", ")}`);
  const retries = options.retries ?? Number.POSITIVE_INFINITY;
  if (
    typeof retries !== "number" ||
    Number.isNaN(retries) ||
    retries < 0 ||
    (Number.isFinite(retries) && !Number.isInteger(retries))
  ) {
    throw new RangeError(`retries must be an integer >= 0 or Infinity, got ${String(retries)}`);
  }
  const prefetch = (options.prefetch ?? []).map((k) => toBytes(checkValue("prefetch key", k)));
  const ctx = options.ctx;
  throwIfDone(ctx);
  const tx = new Tx(backend, level);
  let backoff = 50;
  for (let attempt = 1; ; attempt++) {
    tx.reset();
    let committing = false;
    let result: T;
    let response: TxnResponse;
    try {
      if (prefetch.length > 0) await tx.fetch(prefetch);
      result = await apply(tx);
      committing = true;
      response = await tx.commit();
    } catch (e) {
      // etcd unreachable or electing a leader: run the attempt again once it answers (within ctx) —
      // after a failed read, or a commit etcd proves it never applied. A commit whose fate is unknown
      // is reported: running it again could apply it twice.
      if (!(committing ? neverApplied(e) : transient(e))) throw e;
      throwIfDone(ctx);
      tx.pin = 0n;
      tx.prefetched.clear();
      await sleep(backoff, ctx);
      backoff = Math.min(backoff * 2, 1000);
      attempt--; // not a conflict
      continue;
    }
    backoff = 50;
    if (response.succeeded) return { result, response, attempts: attempt };
    if (attempt > retries) {
      throw new EtcdError(
        "stm-conflict",
        `stm: gave up after ${attempt} conflicting attempts (retries: ${retries})`,
      );
    }
    throwIfDone(ctx);
    // Jittered exponential backoff from the third attempt on; the first retry is immediate.
    if (attempt >= 2) await sleep(Math.random() * Math.min(2 ** (attempt - 2), 50), ctx);
  }
}
