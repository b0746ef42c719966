// The key helpers of Go's contrib/recipes (internal), with their exact key formats so Go and
// TypeScript processes share queues, barriers and locks: putNewKV (create-if-version-0), unique keys
// (`prefix + "/" + UnixNano`), sequential keys (`prefix + "/" + %016d` guarded by the "__" + prefix
// bookkeeping key), deleteRevKey (delete-if-unchanged) and claimFirstKey.

import { clock } from "../internal/clock.js";
import type { Backend, KeyValue, Value } from "./backend.js";
import { concat, padDecimal, prefixEnd, text } from "./bytes.js";
import { EtcdError } from "./errors.js";

/** Txn{if VERSION(k)==0 then Put(k, v, lease)}; rejects with key-exists; resolves to the revision. */
export async function putNewKV(b: Backend, key: Uint8Array, value: Value, lease: bigint): Promise<bigint> {
  const r = await b.txn({
    compare: [{ key, target: "version", result: "=", value: 0n }],
    success: [{ type: "put", key, value, lease }],
  });
  if (!r.succeeded) throw new EtcdError("key-exists");
  return r.header.revision;
}

let lastNanos = 0n;

/** Go's time.Now().UnixNano() in decimal, on the gosync clock, strictly increasing in this process. */
function unixNano(): bigint {
  const ms = clock.now();
  let n = BigInt(Math.floor(ms)) * 1_000_000n + BigInt(Math.floor((performance.now() % 1) * 1_000_000));
  if (n <= lastNanos) n = lastNanos + 1n;
  lastNanos = n;
  return n;
}

/** `prefix + "/" + UnixNano`, created with putNewKV (retried on a clash). */
export async function newUniqueKV(
  b: Backend,
  prefix: Uint8Array,
  value: Value,
  lease: bigint,
): Promise<{ key: Uint8Array; rev: bigint }> {
  for (;;) {
    const key = concat(prefix, "/", unixNano().toString());
    try {
      return { key, rev: await putNewKV(b, key, value, lease) };
    } catch (e) {
      if (!(e instanceof EtcdError && e.code === "key-exists")) throw e;
    }
  }
}

/** `prefix + "/" + %016d(last + 1)`, guarded by MOD("__" + prefix) < read revision + 1 (Go's newSequentialKV). */
export async function newSequentialKV(b: Backend, prefix: Uint8Array, value: Value): Promise<Uint8Array> {
  const dir = concat(prefix, "/");
  const book = concat("__", prefix);
  for (;;) {
    const r = await b.range({
      key: dir,
      end: prefixEnd(dir),
      sortTarget: "key",
      sortOrder: "descend",
      limit: 1,
    });
    let seq = 0n;
    const last = r.kvs[0];
    if (last !== undefined) {
      const k = text(last.key);
      const tail = k.slice(k.lastIndexOf("/") + 1);
      if (!/^\d+$/.test(tail)) throw new EtcdError("unknown", `recipe: bad sequential key ${k}`);
      seq = BigInt(tail) + 1n;
    }
    const key = concat(dir, padDecimal(seq, 16));
    const t = await b.txn({
      compare: [{ key: book, target: "mod", result: "<", value: r.header.revision + 1n }],
      success: [
        { type: "put", key: book, value: "" },
        { type: "put", key, value },
      ],
    });
    if (t.succeeded) return key;
  }
}

/** Txn{if MOD(k)==rev then Del(k)}: whether this caller removed that exact version. */
async function deleteRevKey(b: Backend, key: Uint8Array, rev: bigint): Promise<boolean> {
  const r = await b.txn({
    compare: [{ key, target: "mod", result: "=", value: rev }],
    success: [{ type: "delete", key }],
  });
  return r.succeeded;
}

/** deleteRevKey on each in order; the first one claimed, or undefined. */
export async function claimFirstKey(b: Backend, kvs: readonly KeyValue[]): Promise<KeyValue | undefined> {
  for (const kv of kvs) {
    if (await deleteRevKey(b, kv.key, kv.modRevision)) return kv;
  }
  return undefined;
}
