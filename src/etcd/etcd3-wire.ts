// The etcd3 wire layer of connect() (internal): the slice of the `etcd3` package's raw RPC clients
// that gosync/etcd uses, typed locally (proto-loader objects: int64 as decimal strings, bytes as
// Buffer, enums by their CamelCase proto names), and the conversions between those objects and the
// Backend's requests and responses, plus the mapping of gRPC / etcd errors to EtcdError codes.

import type {
  Compare,
  DeleteRequest,
  DeleteResponse,
  KeyValue,
  Op,
  OpResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  ResponseHeader,
} from "./backend.js";
import { checkValue, toBytes } from "./bytes.js";
import { EtcdError, type EtcdErrorCode, etcdError } from "./errors.js";
import { checkRangeRequest, end } from "./requests.js";

// ---- the slice of etcd3's raw RPC layer used here (proto-loader objects: int64 as string) ----------

export type Bytes = Uint8Array;
export interface PHeader {
  revision: string;
}
export interface PKeyValue {
  key: Bytes;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Bytes;
  lease: string;
}
export interface PRangeResponse {
  header: PHeader;
  kvs: PKeyValue[];
  more: boolean;
  count: string;
}
export interface PPutResponse {
  header: PHeader;
  prev_kv: PKeyValue | null;
}
export interface PDeleteResponse {
  header: PHeader;
  deleted: string;
  prev_kvs: PKeyValue[];
}
export interface PResponseOp {
  response?: string;
  response_range?: PRangeResponse | null;
  response_put?: PPutResponse | null;
  response_delete_range?: PDeleteResponse | null;
}
export interface PTxnResponse {
  header: PHeader;
  succeeded: boolean;
  responses: PResponseOp[];
}
export interface PEvent {
  type: string;
  kv: PKeyValue;
  prev_kv: PKeyValue | null;
}
export interface PWatchResponse {
  header: PHeader;
  watch_id: string;
  created: boolean;
  canceled: boolean;
  compact_revision: string;
  cancel_reason: string;
  events: PEvent[];
}
export type PObj = Record<string, unknown>;
export interface CallOptions {
  deadline?: number;
}
export interface Duplex<Req, Res> {
  write(item: Req): void;
  end(): void;
  cancel(): void;
  on(event: "data", fn: (item: Res) => void): this;
  on(event: "end", fn: () => void): this;
  on(event: "error", fn: (err: Error) => void): this;
}
export interface Etcd3Client {
  kv: {
    range(r: PObj, o?: CallOptions): Promise<PRangeResponse>;
    put(r: PObj, o?: CallOptions): Promise<PPutResponse>;
    deleteRange(r: PObj, o?: CallOptions): Promise<PDeleteResponse>;
    txn(r: PObj, o?: CallOptions): Promise<PTxnResponse>;
  };
  leaseClient: {
    leaseGrant(
      r: PObj,
      o?: CallOptions,
    ): Promise<{ header: PHeader; ID: string; TTL: string; error: string }>;
    leaseRevoke(r: PObj, o?: CallOptions): Promise<{ header: PHeader }>;
    leaseKeepAlive(o?: CallOptions): Promise<Duplex<PObj, { ID: string; TTL: string }>>;
    leaseTimeToLive(
      r: PObj,
      o?: CallOptions,
    ): Promise<{ header: PHeader; TTL: string; grantedTTL: string; keys: Bytes[] }>;
  };
  watchClient: { watch(o?: CallOptions): Promise<Duplex<PObj, PWatchResponse>> };
  maintenance: { status(o?: CallOptions): Promise<{ header: PHeader }> };
  close(): void;
}
export interface Etcd3Module {
  Etcd3: new (options: PObj) => Etcd3Client;
}

// ---- conversions ---------------------------------------------------------------------------------
// A single-key request must leave `range_end` out: etcd decodes a present-but-empty bytes field as a
// non-nil empty slice, which its index reads as "to the end of the keyspace".

export const header = (h: PHeader | null | undefined): ResponseHeader => ({
  revision: BigInt(h?.revision ?? "0"),
});

export function kv(p: PKeyValue): KeyValue {
  return {
    key: new Uint8Array(p.key),
    value: new Uint8Array(p.value),
    createRevision: BigInt(p.create_revision),
    modRevision: BigInt(p.mod_revision),
    version: BigInt(p.version),
    lease: BigInt(p.lease),
  };
}

/** etcd3's proto spells enum values in CamelCase ("Descend", "Create", "NotEqual", "Delete"). */
export const cap = (s: string): string => s[0]!.toUpperCase() + s.slice(1);
export const str = (v: bigint | undefined): string => (v ?? 0n).toString();

export function rangeReq(r: RangeRequest): PObj {
  const n = checkRangeRequest(r);
  return {
    key: n.key,
    range_end: n.end,
    limit: String(n.limit),
    revision: str(n.revision),
    sort_order: cap(n.sortOrder),
    sort_target: cap(n.sortTarget),
    serializable: n.serializable,
    keys_only: n.keysOnly,
    count_only: n.countOnly,
    min_mod_revision: str(n.minModRevision),
    max_mod_revision: str(n.maxModRevision),
    min_create_revision: str(n.minCreateRevision),
    max_create_revision: str(n.maxCreateRevision),
  };
}

export function rangeRes(p: PRangeResponse): RangeResponse {
  return { header: header(p.header), kvs: p.kvs.map(kv), more: p.more, count: Number(p.count) };
}

export function putReq(r: PutRequest): PObj {
  return {
    key: toBytes(checkValue("key", r.key)),
    value: toBytes(checkValue("value", r.value)),
    lease: str(r.lease),
    prev_kv: r.prevKv === true,
  };
}

export function putRes(p: PPutResponse, wantPrev: boolean): PutResponse {
  return { header: header(p.header), prevKv: wantPrev && p.prev_kv ? kv(p.prev_kv) : undefined };
}

export function delReq(r: DeleteRequest): PObj {
  return {
    key: toBytes(checkValue("key", r.key)),
    range_end: end(r.end),
    prev_kv: r.prevKv === true,
  };
}

export function delRes(p: PDeleteResponse): DeleteResponse {
  return { header: header(p.header), deleted: Number(p.deleted), prevKvs: p.prev_kvs.map(kv) };
}

export const RESULTS = { "=": "Equal", "!=": "NotEqual", "<": "Less", ">": "Greater" } as const;
export const TARGETS = {
  version: ["Version", "version"],
  create: ["Create", "create_revision"],
  mod: ["Mod", "mod_revision"],
  value: ["Value", "value"],
  lease: ["Lease", "lease"],
} as const;

export function compareReq(c: Compare): PObj {
  const [target, field] = TARGETS[c.target];
  return {
    result: RESULTS[c.result],
    target,
    key: toBytes(c.key),
    range_end: end(c.end),
    [field]: c.target === "value" ? toBytes(c.value) : c.value.toString(),
  };
}

export function opReq(op: Op): PObj {
  switch (op.type) {
    case "range":
      return { request_range: rangeReq(op) };
    case "put":
      return { request_put: putReq(op) };
    case "delete":
      return { request_delete_range: delReq(op) };
  }
}

export function opRes(op: Op, p: PResponseOp): OpResponse {
  switch (op.type) {
    case "range":
      return { type: "range", ...rangeRes(p.response_range!) };
    case "put":
      return { type: "put", ...putRes(p.response_put!, op.prevKv === true) };
    case "delete":
      return { type: "delete", ...delRes(p.response_delete_range!) };
  }
}

export const MESSAGES: readonly [string, EtcdErrorCode][] = [
  ["requested lease not found", "lease-not-found"],
  ["lease already exists", "lease-exists"],
  ["required revision has been compacted", "compacted"],
  ["required revision is a future revision", "future-revision"],
  ["duplicate key given in txn request", "duplicate-key"],
  ["too many operations in txn request", "too-many-ops"],
  ["key is not provided", "empty-key"],
  ["permission denied", "permission-denied"],
  ["authentication failed", "auth-failed"],
  ["user name is empty", "auth-failed"],
];

/** @internal Turns a gRPC / etcd3 error into an EtcdError with a code (the original is its cause). */
export function fromGrpc(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message;
  for (const [text, code] of MESSAGES) {
    if (msg.includes(text)) return new EtcdError(code, `${etcdError(code).message} (${msg})`, { cause: e });
  }
  const name = e.constructor.name;
  if (
    /Unavailable|DeadlineExceeded|Cancelled/.test(name) ||
    /UNAVAILABLE|DEADLINE_EXCEEDED|No connection/.test(msg)
  ) {
    return new EtcdError("unavailable", `etcd unavailable: ${msg}`, { cause: e });
  }
  if (/ClientClosed/.test(name)) return new EtcdError("closed", undefined, { cause: e });
  return new EtcdError("unknown", msg, { cause: e });
}
