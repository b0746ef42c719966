// Request checks and normalisation shared by both backends (internal): every request is validated
// before anything is written, with a TypeError / RangeError naming the bad field, and etcd's own
// request errors (empty key, duplicate key in a txn, too many ops) are reported as EtcdError.

import type { Compare, KeyValue, Op, RangeRequest, SortOrder, SortTarget, TxnRequest } from "./backend.js";
import { checkValue, compareBytes, toBytes } from "./bytes.js";
import { etcdError } from "./errors.js";

/** A RangeRequest with defaults filled in and keys as bytes. */
export interface NormRange {
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
    if (compareBytes(sorted[i - 1]!, sorted[i]!) === 0) throw etcdError("duplicate-key");
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
