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
interface PHeader {
  revision: string;
}
interface PKeyValue {
  key: Bytes;
  create_revision: string;
  mod_revision: string;
  version: string;
  value: Bytes;
  lease: string;
}
interface PRangeResponse {
  header: PHeader;
  kvs: PKeyValue[];
  more: boolean;
  count: string;
}
interface PPutResponse {
  header: PHeader;
  prev_kv: PKeyValue | null;
}
interface PDeleteResponse {
  header: PHeader;
  deleted: string;
  prev_kvs: PKeyValue[];
}
interface PResponseOp {
  response?: string;
  response_range?: PRangeResponse | null;
  response_put?: PPutResponse | null;
  response_delete_range?: PDeleteResponse | null;
}
interface PTxnResponse {
  header: PHeader;
  succeeded: boolean;
  responses: PResponseOp[];
}
interface PEvent {
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

/** A plain Uint8Array view of a Buffer from the wire (no copy; a Buffer's methods and equality differ). */
const view = (b: Bytes): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export function kv(p: PKeyValue): KeyValue {
  return {
    key: view(p.key),
    value: view(p.value),
    createRevision: BigInt(p.create_revision),
    modRevision: BigInt(p.mod_revision),
    version: BigInt(p.version),
    lease: BigInt(p.lease),
  };
}

/** etcd3's proto spells enum values in CamelCase ("Descend", "Create", "NotEqual", "Delete"). */
export const cap = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);
export const str = (v: bigint | undefined): string => (v ?? 0n).toString();

/** Only the fields that differ from the proto defaults: less for protobufjs to convert and encode. */
export function rangeReq(r: RangeRequest): PObj {
  const n = checkRangeRequest(r);
  const p: PObj = { key: n.key };
  if (n.end !== undefined) p.range_end = n.end;
  if (n.limit !== 0) p.limit = n.limit;
  if (n.revision !== 0n) p.revision = n.revision.toString();
  if (n.sortOrder !== "none") p.sort_order = cap(n.sortOrder);
  if (n.sortTarget !== "key") p.sort_target = cap(n.sortTarget);
  if (n.serializable) p.serializable = true;
  if (n.keysOnly) p.keys_only = true;
  if (n.countOnly) p.count_only = true;
  if (n.minModRevision !== 0n) p.min_mod_revision = n.minModRevision.toString();
  if (n.maxModRevision !== 0n) p.max_mod_revision = n.maxModRevision.toString();
  if (n.minCreateRevision !== 0n) p.min_create_revision = n.minCreateRevision.toString();
  if (n.maxCreateRevision !== 0n) p.max_create_revision = n.maxCreateRevision.toString();
  return p;
}

export function rangeRes(p: PRangeResponse): RangeResponse {
  return { header: header(p.header), kvs: p.kvs.map(kv), more: p.more, count: Number(p.count) };
}

export function putReq(r: PutRequest): PObj {
  const p: PObj = { key: toBytes(checkValue("key", r.key)), value: toBytes(checkValue("value", r.value)) };
  if (r.lease !== undefined && r.lease !== 0n) p.lease = r.lease.toString();
  if (r.prevKv === true) p.prev_kv = true;
  return p;
}

export function putRes(p: PPutResponse, wantPrev: boolean): PutResponse {
  return { header: header(p.header), prevKv: wantPrev && p.prev_kv ? kv(p.prev_kv) : undefined };
}

export function delReq(r: DeleteRequest): PObj {
  const p: PObj = { key: toBytes(checkValue("key", r.key)) };
  const e = end(r.end);
  if (e !== undefined) p.range_end = e;
  if (r.prevKv === true) p.prev_kv = true;
  return p;
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

/**
 * etcd's error texts (etcdserver/api/v3rpc/rpctypes/error.go, etcd 3.4) → code, and for some a plainer
 * description than etcd's own. Matched before the gRPC status code, which is too coarse: "too many
 * requests" and "database space exceeded" are both RESOURCE_EXHAUSTED, one transient, one not.
 */
const MESSAGES: readonly (readonly [string, EtcdErrorCode, string?])[] = [
  ["requested lease not found", "lease-not-found"],
  ["lease already exists", "lease-exists"],
  ["too large lease TTL", "lease-ttl-too-large"],
  ["required revision has been compacted", "compacted"],
  ["required revision is a future revision", "future-revision"],
  ["duplicate key given in txn request", "duplicate-key"],
  ["too many operations in txn request", "too-many-ops"],
  ["key is not provided", "empty-key"],
  [
    "request is too large",
    "request-too-large",
    "etcd refused the request: it is larger than the server's --max-request-bytes (default 1.5 MiB)",
  ],
  [
    "database space exceeded",
    "no-space",
    "etcd's database is full (--quota-backend-bytes): compact, defragment and disarm the NOSPACE alarm",
  ],
  ["permission denied", "permission-denied"],
  ["authentication failed", "auth-failed"],
  [
    "user name is empty",
    "auth-failed",
    "etcd has authentication enabled and this client is not authenticated: " +
      "give connect() { auth: { username, password } } (or a client certificate whose CN names a user)",
  ],
  [
    "invalid auth token",
    "auth-failed",
    "etcd refused the auth token (expired or revoked) and it could not be renewed",
  ],
  ["authentication is not enabled", "auth-failed", "authentication is not enabled on this etcd"],
  ["revision of auth store is old", "unavailable", "etcd's auth store changed during the request; retry it"],
  ["too many requests", "unavailable", "etcd is overloaded (too many requests)"],
  ["etcdserver: no leader", "unavailable", "etcd has no raft leader (an election is under way)"],
  ["etcdserver: leader changed", "unavailable", "etcd's raft leader changed during the request"],
  ["etcdserver: not capable", "unavailable", "etcd is not capable of this request yet (cluster upgrading)"],
  ["etcdserver: server stopped", "unavailable", "the etcd member is stopping"],
  ["etcdserver: request timed out", "unavailable", "etcd did not commit the request in time"],
  ["etcdserver: unhealthy cluster", "unavailable", "the etcd cluster is unhealthy"],
  ["rpc not supported for learner", "unavailable", "the etcd member is a learner"],
  ["etcdserver: corrupt cluster", "internal", "etcd reports a corrupt cluster"],
];

/**
 * gRPC status codes (grpc/doc/statuscodes.md) → code, for errors no etcd text matched. UNKNOWN is
 * special-cased in fromGrpc: it carries a server-side context error when etcd gave up waiting for
 * raft (a leader election), which is transient.
 */
const STATUS: Readonly<Record<number, EtcdErrorCode>> = {
  1: "unavailable", // CANCELLED: the stream or call was cut
  3: "invalid-argument",
  4: "unavailable", // DEADLINE_EXCEEDED
  5: "not-found",
  6: "failed-precondition", // ALREADY_EXISTS
  7: "permission-denied",
  8: "resource-exhausted", // e.g. a message larger than the gRPC limit (--max-request-bytes + 512 KiB)
  9: "failed-precondition",
  10: "unavailable", // ABORTED
  11: "invalid-argument", // OUT_OF_RANGE
  12: "unimplemented",
  13: "internal",
  14: "unavailable",
  15: "internal", // DATA_LOSS
  16: "auth-failed", // UNAUTHENTICATED
};

/** The gRPC status code of an error from grpc-js or etcd3: its `code`, or the "14 UNAVAILABLE:" prefix. */
function grpcStatus(e: Error): number | null {
  const c = (e as Error & { code?: unknown }).code;
  if (typeof c === "number" && Number.isInteger(c) && c >= 0 && c <= 16) return c;
  const m = /^(\d{1,2}) [A-Z_]+: /.exec(e.message);
  return m === null ? null : Number(m[1]);
}

/** A server-side context error inside an UNKNOWN status: etcd stopped waiting (for a leader, a commit). */
const CONTEXT_ENDED = /context deadline exceeded|context canceled/;

/** A TLS alert from the server during the handshake: it refused the client's certificate. */
const TLS_REJECTED =
  /alert (bad certificate|certificate required|unknown ca|certificate unknown|unsupported certificate|access denied|handshake failure)|SSL alert number (40|42|43|46|48|49|116)\b/i;
/** The client could not verify the server's certificate. */
const TLS_UNTRUSTED =
  /unable to verify|self[- ]signed|unable to get (local )?issuer|certificate has expired|not yet valid|does not match certificate|Hostname\/IP does not match|ERR_TLS_CERT|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED/i;
/** Any other TLS-level failure (e.g. https:// to a plain-text port). */
const TLS_OTHER = /wrong version number|SSL routines|packet length too long|ERR_SSL_/i;

function tlsError(msg: string, cause: Error): EtcdError | null {
  let why: string;
  if (TLS_REJECTED.test(msg)) {
    why =
      "the server rejected the client certificate (none was given, or it is not signed by a CA the server trusts)";
  } else if (TLS_UNTRUSTED.test(msg)) {
    why =
      "the server's certificate is not trusted (give the CA that signed it as tls.ca; its SAN must name the endpoint's host or IP)";
  } else if (TLS_OTHER.test(msg)) {
    why = "TLS error (is the endpoint serving TLS? https:// needs a TLS listener)";
  } else {
    return null;
  }
  return new EtcdError("tls-failed", `${etcdError("tls-failed").message}: ${why} (${msg.trim()})`, { cause });
}

/** @internal Turns a gRPC / etcd3 error into an EtcdError with a code (the original is its cause). */
export function fromGrpc(err: unknown): EtcdError {
  if (err instanceof EtcdError) return err;
  const e = err instanceof Error ? err : new Error(String(err));
  const msg = e.message;
  for (const [text, code, plain] of MESSAGES) {
    if (msg.includes(text)) {
      return new EtcdError(code, `${plain ?? etcdError(code).message} (${msg})`, { cause: e });
    }
  }
  const name = e.constructor.name;
  if (/ClientClosed/.test(name)) return new EtcdError("closed", undefined, { cause: e });
  const status = grpcStatus(e);
  if (
    status === 14 ||
    status === 4 ||
    /Unavailable|DeadlineExceeded|Cancelled/.test(name) ||
    /UNAVAILABLE|DEADLINE_EXCEEDED|No connection/.test(msg)
  ) {
    return tlsError(msg, e) ?? new EtcdError("unavailable", `etcd unavailable: ${msg.trim()}`, { cause: e });
  }
  if ((status === 2 || status === null) && CONTEXT_ENDED.test(msg)) {
    return new EtcdError("unavailable", `etcd gave up waiting for raft (leader election?): ${msg.trim()}`, {
      cause: e,
    });
  }
  const tls = tlsError(msg, e);
  if (tls !== null) return tls;
  const code = status === null ? undefined : STATUS[status];
  return new EtcdError(code ?? "unknown", msg, { cause: e });
}
