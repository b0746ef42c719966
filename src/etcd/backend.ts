// The Backend interface: the small slice of etcd's v3 API that every gosync/etcd primitive is built
// on (range with sort/limit/revision filters, put, delete, txn with compares, leases, watches from a
// revision). Two implementations: `embedded()` (in-process MVCC store) and `connect()` (a real etcd
// over gRPC). Field names follow etcd's protobuf messages in camelCase; 64-bit integers (revisions,
// versions, lease IDs) are bigint; keys and values are returned as Uint8Array.
//
// Mirrors: go.etcd.io/etcd/clientv3's KV, Lease and Watcher interfaces (etcd 3.4). Where it differs:
// one request object per call instead of Go's functional options; a watch is an async iterable whose
// creation resolves only once the server has registered it; no compaction, maintenance or auth API.

import type { Canceller } from "../chan/context-type.js";

/** A key or value as the caller gives it: text (encoded as UTF-8) or raw bytes. */
export type Value = string | Uint8Array;

/** The part of etcd's ResponseHeader the primitives rely on. */
export interface ResponseHeader {
  /** The store revision when the request was served. */
  readonly revision: bigint;
}

/** etcd's mvccpb.KeyValue. */
export interface KeyValue {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
  /** Revision of the last creation of this key. */
  readonly createRevision: bigint;
  /** Revision of the last modification of this key. */
  readonly modRevision: bigint;
  /** Number of modifications since the last creation (1 right after creation). */
  readonly version: bigint;
  /** The lease the key is attached to, 0n for none. */
  readonly lease: bigint;
}

export type SortOrder = "none" | "ascend" | "descend";
export type SortTarget = "key" | "version" | "create" | "mod" | "value";

/** etcd's RangeRequest. `end` omitted: the single key; `end` = "\0": every key ≥ `key`. */
export interface RangeRequest {
  readonly key: Value;
  readonly end?: Value | undefined;
  /** At most this many keys (0 or omitted: no limit). */
  readonly limit?: number | undefined;
  /** Read at this past revision (0n or omitted: current). */
  readonly revision?: bigint | undefined;
  readonly sortOrder?: SortOrder | undefined;
  readonly sortTarget?: SortTarget | undefined;
  /** Allow a possibly stale read from the member answering (etcd only; no effect embedded). */
  readonly serializable?: boolean | undefined;
  readonly keysOnly?: boolean | undefined;
  readonly countOnly?: boolean | undefined;
  readonly minModRevision?: bigint | undefined;
  readonly maxModRevision?: bigint | undefined;
  readonly minCreateRevision?: bigint | undefined;
  readonly maxCreateRevision?: bigint | undefined;
}

export interface RangeResponse {
  readonly header: ResponseHeader;
  readonly kvs: KeyValue[];
  /** Whether `limit` cut the result short. */
  readonly more: boolean;
  /** Number of keys in the range at the read revision, before filters and limit. */
  readonly count: number;
}

export interface PutRequest {
  readonly key: Value;
  readonly value: Value;
  /** Attach the key to this lease (0n or omitted: none). */
  readonly lease?: bigint | undefined;
  readonly prevKv?: boolean | undefined;
}

export interface PutResponse {
  readonly header: ResponseHeader;
  readonly prevKv?: KeyValue | undefined;
}

export interface DeleteRequest {
  readonly key: Value;
  readonly end?: Value | undefined;
  readonly prevKv?: boolean | undefined;
}

export interface DeleteResponse {
  readonly header: ResponseHeader;
  readonly deleted: number;
  readonly prevKvs: KeyValue[];
}

/** One operation of a transaction. */
export type Op =
  | ({ readonly type: "range" } & RangeRequest)
  | ({ readonly type: "put" } & PutRequest)
  | ({ readonly type: "delete" } & DeleteRequest);

/** The response to one transaction operation, in the same order as the operations. */
export type OpResponse =
  | ({ readonly type: "range" } & RangeResponse)
  | ({ readonly type: "put" } & PutResponse)
  | ({ readonly type: "delete" } & DeleteResponse);

export type CompareResult = "=" | "!=" | "<" | ">";

/**
 * etcd's Compare. A missing key compares its revisions, version and lease as 0n; a `value` compare on
 * a missing key is always false. With `end`, every key in [key, end) must satisfy it.
 */
export type Compare =
  | {
      readonly key: Value;
      readonly end?: Value | undefined;
      readonly target: "version" | "create" | "mod" | "lease";
      readonly result: CompareResult;
      readonly value: bigint;
    }
  | {
      readonly key: Value;
      readonly end?: Value | undefined;
      readonly target: "value";
      readonly result: CompareResult;
      readonly value: Value;
    };

export interface TxnRequest {
  readonly compare?: readonly Compare[] | undefined;
  readonly success?: readonly Op[] | undefined;
  readonly failure?: readonly Op[] | undefined;
}

export interface TxnResponse {
  /** The revision of the transaction's writes, or the current revision if it wrote nothing. */
  readonly header: ResponseHeader;
  readonly succeeded: boolean;
  readonly responses: OpResponse[];
}

export interface LeaseGrantResponse {
  readonly header: ResponseHeader;
  readonly id: bigint;
  /** The TTL granted, in seconds (the server may raise a small one to its minimum). */
  readonly ttl: number;
}

export interface LeaseTimeToLiveResponse {
  readonly header: ResponseHeader;
  /** Seconds left, or -1 when the lease does not exist (expired or revoked). */
  readonly ttl: number;
  readonly grantedTtl: number;
  /** The keys attached to the lease (when asked for), in no particular order (etcd: Go map order). */
  readonly keys: Uint8Array[];
}

export interface WatchRequest {
  readonly key: Value;
  readonly end?: Value | undefined;
  /** First revision to report (inclusive); 0n or omitted: only what happens after the watch starts. */
  readonly startRevision?: bigint | undefined;
  readonly prevKv?: boolean | undefined;
  readonly noPut?: boolean | undefined;
  readonly noDelete?: boolean | undefined;
}

export interface WatchEvent {
  readonly type: "put" | "delete";
  /** For a delete: the key and the deleting revision as `modRevision`, other fields zero. */
  readonly kv: KeyValue;
  readonly prevKv?: KeyValue | undefined;
}

export interface WatchResponse {
  readonly header: ResponseHeader;
  /** Events in revision order; one response never splits the events of one revision. */
  readonly events: WatchEvent[];
}

/**
 * A registered watch. Iterate it (or call `next`) to receive responses; `cancel()` ends it. A watch
 * that the server cancels (its start revision was compacted) or whose stream fails makes `next`
 * reject with an EtcdError (`compacted`, `unavailable`, `closed`; `watch-canceled` after cancel()).
 *
 * @example
 * ```ts
 * const w = await backend.watch({ key: "/jobs/", end: prefixEnd("/jobs/"), startRevision: rev + 1n });
 * for await (const resp of w) for (const e of resp.events) console.log(e.type, text(e.kv.key));
 * ```
 */
export interface Watch extends AsyncIterable<WatchResponse> {
  /** The header of the creation response: its revision is the store revision when the watch began. */
  readonly header: ResponseHeader;
  next(ctx?: Canceller): Promise<WatchResponse>;
  cancel(): void;
}

/**
 * The store every gosync/etcd primitive runs on.
 *
 * @example
 * ```ts
 * const backend = embedded(); // or: await connect({ endpoints: ["127.0.0.1:2379"] })
 * const put = await backend.put({ key: "k", value: "v" });
 * const got = await backend.range({ key: "k" });
 * got.kvs[0].createRevision === put.header.revision; // true
 * await backend.close();
 * ```
 */
export interface Backend {
  /** "embedded" or "etcd". */
  readonly kind: "embedded" | "etcd";
  range(req: RangeRequest): Promise<RangeResponse>;
  put(req: PutRequest): Promise<PutResponse>;
  delete(req: DeleteRequest): Promise<DeleteResponse>;
  txn(req: TxnRequest): Promise<TxnResponse>;
  /** Resolves once the watch is registered: every later write in its range is reported. */
  watch(req: WatchRequest, ctx?: Canceller): Promise<Watch>;
  /** Grants a lease of `ttl` seconds (ID chosen by the server unless `id` is given). */
  leaseGrant(ttl: number, id?: bigint): Promise<LeaseGrantResponse>;
  /** Revokes a lease, deleting every key attached to it. Rejects with lease-not-found if it is gone. */
  leaseRevoke(id: bigint): Promise<void>;
  /** Renews a lease once; resolves to its TTL in seconds, or 0 when the lease no longer exists. */
  leaseKeepAlive(id: bigint): Promise<number>;
  leaseTimeToLive(id: bigint, keys?: boolean): Promise<LeaseTimeToLiveResponse>;
  /**
   * Aborts (reason: EtcdError `closed`) when close() is called. Sessions listen to it: closing a
   * backend ends every session built on it at once, as Go's session Done() fires when its client
   * closes.
   */
  readonly signal: AbortSignal;
  /** Ends every watch and every session on this backend and releases the connection; later calls reject. */
  close(): Promise<void>;
}
