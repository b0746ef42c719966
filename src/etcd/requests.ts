// Request checks and normalisation shared by both backends (internal): every request is validated
// before anything is written, with a TypeError / RangeError naming the bad field, and etcd's own
// request errors (empty key, duplicate key in a txn, too many ops) are reported as EtcdError.

import type {
  Compare,
  DeleteRequest,
  KeyValue,
  Op,
  PutRequest,
  RangeRequest,
  SortOrder,
  SortTarget,
  TxnRequest,
  Value,
} from "./backend.js";
import { checkValue, compareBytes, toBytes } from "./bytes.js";
import { etcdError } from "./errors.js";

/** A RangeRequest with defaults filled in and keys as bytes. */
interface NormRange {
  readonly key: Uint8Array;
  readonly end: Uint8Array | undefined;
  readonly limit: number;
  readonly revision: bigint;
  readonly sortOrder: SortOrder;
  readonly sortTarget: SortTarget;
  readonly serializable: boolean;
  readonly keysOnly: boolean;
  readonly countOnly: boolean;
  readonly minModRevision: bigint;
  readonly maxModRevision: bigint;
  readonly minCreateRevision: bigint;
  readonly maxCreateRevision: bigint;
}

const ORDERS: readonly SortOrder[] = ["none", "ascend", "descend"];
const TARGETS: readonly SortTarget[] = ["key", "version", "create", "mod", "value"];

function rev(name: string, v: unknown): bigint {
  if (v === undefined) return 0n;
  if (typeof v !== "bigint") throw new TypeError(`${name} must be a bigint, got ${typeof v}`);
  if (v < 0n) throw new RangeError(`${name} must be >= 0n, got ${v}`);
  return v;
}

function key(name: string, v: unknown): Uint8Array {
  const b = toBytes(checkValue(name, v));
  if (b.length === 0) throw etcdError("empty-key");
  return b;
}

/** A range end as bytes; omitted or empty means "the single key" (never sent as an empty field). */
export function end(v: unknown): Uint8Array | undefined {
  if (v === undefined) return undefined;
  const b = toBytes(checkValue("end", v));
  return b.length === 0 ? undefined : b;
}

export function checkRangeRequest(r: RangeRequest): NormRange {
  if (typeof r !== "object" || r === null) throw new TypeError("request must be an object");
  const limit = r.limit ?? 0;
  if (!Number.isInteger(limit) || limit < 0)
    throw new RangeError(`limit must be an integer >= 0, got ${limit}`);
  const sortOrder = r.sortOrder ?? "none";
  if (!ORDERS.includes(sortOrder)) throw new TypeError(`sortOrder must be one of ${ORDERS.join(", ")}`);
  const sortTarget = r.sortTarget ?? "key";
  if (!TARGETS.includes(sortTarget)) throw new TypeError(`sortTarget must be one of ${TARGETS.join(", ")}`);
  return {
    key: key("key", r.key),
    end: end(r.end),
    limit,
    revision: rev("revision", r.revision),
    sortOrder,
    sortTarget,
    serializable: r.serializable === true,
    keysOnly: r.keysOnly === true,
    countOnly: r.countOnly === true,
    minModRevision: rev("minModRevision", r.minModRevision),
    maxModRevision: rev("maxModRevision", r.maxModRevision),
    minCreateRevision: rev("minCreateRevision", r.minCreateRevision),
    maxCreateRevision: rev("maxCreateRevision", r.maxCreateRevision),
  };
}

function checkCompare(c: Compare): void {
  if (typeof c !== "object" || c === null) throw new TypeError("compare must be an object");
  key("compare.key", c.key);
  end(c.end);
  if (!["=", "!=", "<", ">"].includes(c.result)) throw new TypeError(`compare.result must be =, !=, < or >`);
  if (c.target === "value") checkValue("compare.value", c.value);
  else if (["version", "create", "mod", "lease"].includes(c.target)) rev("compare.value", c.value);
  else throw new TypeError("compare.target must be version, create, mod, value or lease");
}

function checkOps(ops: readonly Op[]): void {
  const puts: Uint8Array[] = [];
  const dels: { key: Uint8Array; end: Uint8Array | undefined }[] = [];
  for (const op of ops) {
    if (typeof op !== "object" || op === null) throw new TypeError("op must be an object");
    switch (op.type) {
      case "range":
        checkRangeRequest(op);
        break;
      case "put": {
        const k = key("key", op.key);
        checkValue("value", op.value);
        rev("lease", op.lease);
        puts.push(k);
        break;
      }
      case "delete":
        dels.push({ key: key("key", op.key), end: end(op.end) });
        break;
      default:
        throw new TypeError("op.type must be range, put or delete");
    }
  }
  // etcd refuses a txn branch that writes one key twice (two puts, or a put inside a delete range).
  const sorted = [...puts].sort(compareBytes);
  for (let i = 1; i < sorted.length; i++) {
    // 1 <= i < sorted.length: both indexes are in range.
    if (compareBytes(sorted[i - 1] as Uint8Array, sorted[i] as Uint8Array) === 0)
      throw etcdError("duplicate-key");
  }
  for (const p of puts) {
    for (const d of dels) {
      const hit =
        d.end === undefined || d.end.length === 0
          ? compareBytes(p, d.key) === 0
          : compareBytes(p, d.key) >= 0 &&
            ((d.end.length === 1 && d.end[0] === 0) || compareBytes(p, d.end) < 0);
      if (hit) throw etcdError("duplicate-key");
    }
  }
}

export function checkTxnRequest(t: TxnRequest, maxOps: number): void {
  if (typeof t !== "object" || t === null) throw new TypeError("txn request must be an object");
  const compare = t.compare ?? [];
  const success = t.success ?? [];
  const failure = t.failure ?? [];
  for (const [name, list] of [
    ["compare", compare],
    ["success", success],
    ["failure", failure],
  ] as const) {
    if (!Array.isArray(list)) throw new TypeError(`${name} must be an array`);
    if (list.length > maxOps) throw etcdError("too-many-ops");
  }
  for (const c of compare) checkCompare(c);
  checkOps(success);
  checkOps(failure);
}

export function ttlCheck(ttl: unknown): number {
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl <= 0) {
    throw new RangeError(`ttl must be an integer number of seconds > 0, got ${String(ttl)}`);
  }
  return ttl;
}

export function leaseIdCheck(id: unknown): bigint {
  if (typeof id !== "bigint") throw new TypeError(`lease id must be a bigint, got ${typeof id}`);
  if (id <= 0n) throw new RangeError(`lease id must be > 0n, got ${id}`);
  return id;
}

function field(kv: KeyValue, t: SortTarget): bigint | Uint8Array {
  switch (t) {
    case "key":
      return kv.key;
    case "version":
      return kv.version;
    case "create":
      return kv.createRevision;
    case "mod":
      return kv.modRevision;
    case "value":
      return kv.value;
  }
}

/** etcd's sort: a non-key target with order "none" sorts ascending; key order "none" keeps key order. */
export function sortKvs(kvs: KeyValue[], order: SortOrder, target: SortTarget): KeyValue[] {
  let o = order;
  if (o === "none" && target !== "key") o = "ascend";
  if (o === "none") return kvs;
  const sign = o === "ascend" ? 1 : -1;
  return kvs.sort((a, b) => {
    const x = field(a, target);
    const y = field(b, target);
    const c =
      typeof x === "bigint"
        ? x < (y as bigint)
          ? -1
          : x > (y as bigint)
            ? 1
            : 0
        : compareBytes(x, y as Uint8Array);
    return sign * c;
  });
}

/** etcd's default --max-request-bytes (embed.DefaultMaxRequestBytes): 1.5 MiB. */
export const MAX_REQUEST_BYTES = 1.5 * 1024 * 1024;
/** What an etcd server's gRPC layer accepts at most: the request limit plus 512 KiB (v3rpc grpc.go). */
export const MAX_GRPC_BYTES = MAX_REQUEST_BYTES + 512 * 1024;

/**
 * Refuses a key prefix so long that a primitive's requests, which carry it `copies` times (keys,
 * range ends, compares), would exceed etcd's default request limit: better a RangeError at
 * construction than "request is too large" from the first lock.
 */
export function checkPrefixSize(name: string, pfx: string | Uint8Array, copies: number): void {
  const n = toBytes(pfx).length;
  const size = (n + 32) * copies; // each copy: the bytes, its field framing and the key suffix
  if (size > MAX_REQUEST_BYTES) {
    throw new RangeError(
      `${name} is ${n} bytes: the requests built on it carry it ${copies} times (about ${size} bytes), ` +
        `over etcd's request limit of ${MAX_REQUEST_BYTES} bytes (1.5 MiB, the default --max-request-bytes)`,
    );
  }
}

const varint = (n: number): number => (n < 128 ? 1 : n < 16384 ? 2 : n < 2097152 ? 3 : n < 268435456 ? 4 : 5);
const pbBytes = (v: Value | undefined): number => {
  if (v === undefined) return 0;
  const n = typeof v === "string" ? new TextEncoder().encode(v).length : v.length;
  return n === 0 ? 0 : 1 + varint(n) + n;
};

/**
 * The size of a request's protobuf encoding, to within a few bytes (key, value and range-end
 * fields exactly; integer fields at their maximum): what etcd compares with --max-request-bytes.
 */
export function requestSize(
  req:
    | { readonly type: "put"; readonly r: PutRequest }
    | { readonly type: "delete"; readonly r: DeleteRequest }
    | { readonly type: "range"; readonly r: RangeRequest }
    | { readonly type: "txn"; readonly r: TxnRequest },
): number {
  switch (req.type) {
    case "put":
      return pbBytes(req.r.key) + pbBytes(req.r.value) + 11 + 2;
    case "delete":
      return pbBytes(req.r.key) + pbBytes(req.r.end) + 2;
    case "range":
      return pbBytes(req.r.key) + pbBytes(req.r.end) + 6 * 11 + 8;
    case "txn": {
      const op = (o: Op): number => {
        const n =
          o.type === "put"
            ? requestSize({ type: "put", r: o })
            : o.type === "delete"
              ? requestSize({ type: "delete", r: o })
              : requestSize({ type: "range", r: o });
        return 2 + varint(n) + n;
      };
      let size = 0;
      for (const c of req.r.compare ?? []) {
        const n = pbBytes(c.key) + pbBytes(c.end) + 4 + (c.target === "value" ? pbBytes(c.value) : 11);
        size += 1 + varint(n) + n;
      }
      for (const o of req.r.success ?? []) size += 1 + op(o);
      for (const o of req.r.failure ?? []) size += 1 + op(o);
      return size;
    }
  }
}
