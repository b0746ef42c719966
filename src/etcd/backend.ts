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
  /** The key's bytes. */
  readonly key: Uint8Array;
  /** The value's bytes (empty with `keysOnly`). */
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

/** The order of a range's keys: etcd's `RangeRequest.SortOrder` ("none": by key, ascending). */
export type SortOrder = "none" | "ascend" | "descend";
/** What a range sorts on: etcd's `RangeRequest.SortTarget`. */
export type SortTarget = "key" | "version" | "create" | "mod" | "value";

/** etcd's RangeRequest. `end` omitted: the single key; `end` = "\0": every key ≥ `key`. */
export interface RangeRequest {
  /** The key, or the first key of the range. */
  readonly key: Value;
  /** End of the range, exclusive (`prefixEnd(p)` for every key starting with `p`). */
  readonly end?: Value | undefined;
  /** At most this many keys (0 or omitted: no limit). */
  readonly limit?: number | undefined;
  /** Read at this past revision (0n or omitted: current). */
  readonly revision?: bigint | undefined;
  /** Sort the keys (default "none": by key, ascending). */
  readonly sortOrder?: SortOrder | undefined;
  /** What to sort on (default "key"). */
  readonly sortTarget?: SortTarget | undefined;
  /** Allow a possibly stale read from the member answering (etcd only; no effect embedded). */
  readonly serializable?: boolean | undefined;
  /** Return keys without their values. */
  readonly keysOnly?: boolean | undefined;
  /** Return only `count`, no keys. */
  readonly countOnly?: boolean | undefined;
  /** Only keys modified at or after this revision. */
  readonly minModRevision?: bigint | undefined;
  /** Only keys modified at or before this revision. */
  readonly maxModRevision?: bigint | undefined;
  /** Only keys created at or after this revision. */
  readonly minCreateRevision?: bigint | undefined;
  /** Only keys created at or before this revision. */
  readonly maxCreateRevision?: bigint | undefined;
}

/** etcd's RangeResponse. */
export interface RangeResponse {
  /** The response header: the store revision when the request was served. */
  readonly header: ResponseHeader;
  /** The keys found, in the requested order. */
  readonly kvs: KeyValue[];
  /** Whether `limit` cut the result short. */
  readonly more: boolean;
  /** Number of keys in the range at the read revision, before filters and limit. */
  readonly count: number;
}

/** etcd's PutRequest. */
export interface PutRequest {
  /** The key to write. */
  readonly key: Value;
  /** The value to write. */
  readonly value: Value;
  /** Attach the key to this lease (0n or omitted: none). */
  readonly lease?: bigint | undefined;
  /** Return the key-value pair as it was before the put, in `prevKv`. */
  readonly prevKv?: boolean | undefined;
}

/** etcd's PutResponse. */
export interface PutResponse {
  /** The response header: the store revision when the request was served. */
  readonly header: ResponseHeader;
  /** The previous key-value pair, when asked for with `prevKv` and the key existed. */
  readonly prevKv?: KeyValue | undefined;
}

/** etcd's DeleteRangeRequest. */
export interface DeleteRequest {
  /** The key, or the first key of the range. */
  readonly key: Value;
  /** End of the range, exclusive. */
  readonly end?: Value | undefined;
  /** Return the deleted key-value pairs in `prevKvs`. */
  readonly prevKv?: boolean | undefined;
}

/** etcd's DeleteRangeResponse. */
export interface DeleteResponse {
  /** The response header: the store revision when the request was served. */
  readonly header: ResponseHeader;
  /** How many keys were deleted. */
  readonly deleted: number;
  /** The deleted pairs, when asked for with `prevKv`. */
  readonly prevKvs: KeyValue[];
}

/** One operation of a transaction. */
export type Op =
  | ({
      /** A range. */
      readonly type: "range";
    } & RangeRequest)
  | ({
      /** A put. */
      readonly type: "put";
    } & PutRequest)
  | ({
      /** A delete. */
      readonly type: "delete";
    } & DeleteRequest);

/** The response to one transaction operation, in the same order as the operations. */
export type OpResponse =
  | ({
      /** A range's response. */
      readonly type: "range";
    } & RangeResponse)
  | ({
      /** A put's response. */
      readonly type: "put";
    } & PutResponse)
  | ({
      /** A delete's response. */
      readonly type: "delete";
    } & DeleteResponse);

/** How a Compare relates the key's field to its `value`. */
export type CompareResult = "=" | "!=" | "<" | ">";

/**
 * etcd's Compare. A missing key compares its revisions, version and lease as 0n; a `value` compare on
 * a missing key is always false. With `end`, every key in [key, end) must satisfy it.
 */
export type Compare =
  | {
      /** The key, or the first key of the range. */
      readonly key: Value;
      /** End of the range, exclusive: every key in [key, end) must satisfy the compare. */
      readonly end?: Value | undefined;
      /** The field compared: version, create or mod revision, or lease. */
      readonly target: "version" | "create" | "mod" | "lease";
      /** How the field must relate to `value`. */
      readonly result: CompareResult;
      /** What the field is compared with. */
      readonly value: bigint;
    }
  | {
      /** The key, or the first key of the range. */
      readonly key: Value;
      /** End of the range, exclusive: every key in [key, end) must satisfy the compare. */
      readonly end?: Value | undefined;
      /** The value is compared. */
      readonly target: "value";
      /** How the field must relate to `value`. */
      readonly result: CompareResult;
      /** What the value is compared with. */
      readonly value: Value;
    };

/** etcd's TxnRequest: if every `compare` holds, run `success`, else `failure`, atomically. */
export interface TxnRequest {
  /** The conditions, all of which must hold. */
  readonly compare?: readonly Compare[] | undefined;
  /** The operations run when every compare holds. */
  readonly success?: readonly Op[] | undefined;
  /** The operations run otherwise. */
  readonly failure?: readonly Op[] | undefined;
}

/** etcd's TxnResponse. */
export interface TxnResponse {
  /** The revision of the transaction's writes, or the current revision if it wrote nothing. */
  readonly header: ResponseHeader;
  /** Whether every compare held (so `success` ran). */
  readonly succeeded: boolean;
  /** One response per operation run, in order. */
  readonly responses: OpResponse[];
}

/** etcd's LeaseGrantResponse. */
export interface LeaseGrantResponse {
  /** The response header: the store revision when the request was served. */
  readonly header: ResponseHeader;
  /** The lease ID. */
  readonly id: bigint;
  /** The TTL granted, in seconds (the server may raise a small one to its minimum). */
  readonly ttl: number;
}

/** etcd's LeaseTimeToLiveResponse. */
export interface LeaseTimeToLiveResponse {
  /** The response header: the store revision when the request was served. */
  readonly header: ResponseHeader;
  /** Seconds left, or -1 when the lease does not exist (expired or revoked). */
  readonly ttl: number;
  /** The TTL the lease was granted with, in seconds. */
  readonly grantedTtl: number;
  /** The keys attached to the lease (when asked for), in no particular order (etcd: Go map order). */
  readonly keys: Uint8Array[];
}

/** etcd's WatchCreateRequest. */
export interface WatchRequest {
  /** The key, or the first key of the range. */
  readonly key: Value;
  /** End of the range, exclusive. */
  readonly end?: Value | undefined;
  /** First revision to report (inclusive); 0n or omitted: only what happens after the watch starts. */
  readonly startRevision?: bigint | undefined;
  /** Report the previous key-value pair with each event. */
  readonly prevKv?: boolean | undefined;
  /** Do not report puts. */
  readonly noPut?: boolean | undefined;
  /** Do not report deletes. */
  readonly noDelete?: boolean | undefined;
}

/** etcd's mvccpb.Event. */
export interface WatchEvent {
  /** What happened to the key. */
  readonly type: "put" | "delete";
  /** For a delete: the key and the deleting revision as `modRevision`, other fields zero. */
  readonly kv: KeyValue;
  /** The pair before the event, when the watch asked for `prevKv`. */
  readonly prevKv?: KeyValue | undefined;
}

/** etcd's WatchResponse (one batch of events). */
export interface WatchResponse {
  /** Its revision is the store revision when the batch was sent. */
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
  /** The next batch of events; rejects when the watch ends (see above) or ctx is cancelled. */
  next(ctx?: Canceller): Promise<WatchResponse>;
  /** Ends the watch: pending and later `next` calls reject with `watch-canceled`. */
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
  /** Reads a key or a range of keys. */
  range(req: RangeRequest): Promise<RangeResponse>;
  /** Writes a key. */
  put(req: PutRequest): Promise<PutResponse>;
  /** Deletes a key or a range of keys. */
  delete(req: DeleteRequest): Promise<DeleteResponse>;
  /** Runs a transaction: compares, then the success or the failure operations, atomically. */
  txn(req: TxnRequest): Promise<TxnResponse>;
  /** Resolves once the watch is registered: every later write in its range is reported. */
  watch(req: WatchRequest, ctx?: Canceller): Promise<Watch>;
  /** Grants a lease of `ttl` seconds (ID chosen by the server unless `id` is given). */
  leaseGrant(ttl: number, id?: bigint): Promise<LeaseGrantResponse>;
  /** Revokes a lease, deleting every key attached to it. Rejects with lease-not-found if it is gone. */
  leaseRevoke(id: bigint): Promise<void>;
  /** Renews a lease once; resolves to its TTL in seconds, or 0 when the lease no longer exists. */
  leaseKeepAlive(id: bigint): Promise<number>;
  /** A lease's remaining TTL (and, with `keys`, the keys attached to it). */
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
