// Byte helpers shared by the backends and primitives (internal): text/bytes conversion, etcd's
// prefix-end rule, byte-order comparison, and the input checks every public call makes before it
// writes anything (bad input → TypeError / RangeError naming the argument).

import type { Value } from "./backend.js";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** UTF-8 bytes of a string; a Uint8Array is returned as is. */
export function toBytes(v: Value): Uint8Array {
  return typeof v === "string" ? encoder.encode(v) : v;
}

/**
 * Decodes UTF-8 bytes (a key or value read from a backend) to a string.
 *
 * @example
 * ```ts
 * const kv = await election.leader();
 * console.log(text(kv.key), text(kv.value));
 * ```
 */
export function text(v: Uint8Array): string {
  return decoder.decode(v);
}

/**
 * @internal A string whose char codes are the bytes of `b`: an exact Map key for any bytes, whose
 * string order is the bytes' order.
 */
export function binaryString(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return s;
}

/** Throws a TypeError naming the argument unless `v` is a string or a Uint8Array. */
export function checkValue(name: string, v: unknown): Value {
  if (typeof v !== "string" && !(v instanceof Uint8Array)) {
    throw new TypeError(`${name} must be a string or a Uint8Array, got ${v === null ? "null" : typeof v}`);
  }
  return v;
}

/** Like checkValue, and also rejects an empty key or prefix (etcd has no empty key). */
export function checkKey(name: string, v: unknown): Value {
  checkValue(name, v);
  if ((v as Value).length === 0) throw new RangeError(`${name} must not be empty`);
  return v as Value;
}

/**
 * etcd's prefix end: the smallest key greater than every key starting with `k` (drop trailing 0xff
 * bytes, increment the last byte); "\0" (the end of the keyspace) when nothing remains.
 *
 * @example
 * ```ts
 * // every key under "/jobs/"
 * const all = await backend.range({ key: "/jobs/", end: prefixEnd("/jobs/") });
 * ```
 */
export function prefixEnd(k: Value): Uint8Array {
  const b = toBytes(k);
  for (let i = b.length - 1; i >= 0; i--) {
    const byte = b[i] as number; // 0 <= i < b.length
    if (byte < 0xff) {
      const end = b.slice(0, i + 1);
      end[i] = byte + 1;
      return end;
    }
  }
  return new Uint8Array([0]);
}

/** Byte-order comparison (-1, 0, 1), as etcd orders keys. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return compareBytes(a, b) === 0;
}

/** Concatenates keys given as text or bytes. */
export function concat(...parts: Value[]): Uint8Array {
  const bs = parts.map(toBytes);
  const out = new Uint8Array(bs.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bs) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** Go's `%x` of a lease ID: lowercase hex, no padding (the key suffix of Mutex and Election). */
export function leaseHex(id: bigint): string {
  return id.toString(16);
}

/** Go's `fmt.Sprintf("%0<width>d", n)`. */
export function padDecimal(n: bigint | number, width: number): string {
  return String(n).padStart(width, "0");
}
