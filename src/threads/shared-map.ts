// SharedMap<K, V>: a concurrent hash map in shared memory, for string and number keys.
//
// Mirrors Go's sync.Map (Load, Store, LoadOrStore, Delete, Range) in the shape of the sharded
// concurrent map Go programs build from a slice of mutex-guarded maps: keys are spread over
// `shards` shards by hash, each with its own futex-style lock (internal/futex.ts), so threads touching
// keys of different shards do not contend. `update(key, fn)` is an atomic read-modify-write of one
// key: `fn` runs under that key's shard lock. Values are stored by a codec (codec.ts).
//
// Growth. Each shard is one growable SharedArrayBuffer (`new SharedArrayBuffer(n, { maxByteLength
// })`, available since Node 20 and in every current browser): a thread that needs room grows the
// shard in place under its lock, and every thread's length-tracking views see the new length at
// once, so attaching copies never go stale and no table of segments has to be handed around. The
// address space for `maxByteLength` is reserved up front but not committed.
//
// Shard layout: 8 header words, then an open-addressing table of `nbuckets` (a power of two) pairs
// [hash, entry byte offset] (offset 0 empty, -1 deleted), linear probing, then a heap of entries
// [key tag, key bytes, value capacity, value bytes, key…, value…] appended at `top`. A value that no
// longer fits its entry gets a new one; deleted entries and old copies are garbage that the next
// rebuild (when the table is 3/4 full or the heap has no room) leaves out.
//
// Where it differs from Go: keys are strings or numbers (compared as Map does, SameValueZero);
// Range is `entries()`/`keys()`, which visit shard by shard, each shard as of one instant (Go's
// Range likewise promises no consistent snapshot of the whole map); `fn` of `update` must be short
// and must not use the same map (it would wait for its own lock: that throws instead).

import { checkCount, GoSyncError } from "../internal/errors.js";
import { lockWord as lock, unlockWord as unlock } from "../internal/futex.js";
import {
  BIGINT64,
  CODECS,
  type Codec,
  checkFixed,
  codecId,
  decodeVar,
  encodeVar,
  FLOAT64,
  fixedBytes,
  INT32,
} from "./codec.js";
import {
  checkHandle,
  type HandleData,
  makeHandle,
  registerKind,
  type Shareable,
  type SharedHandle,
} from "./handle.js";

// Shard header words.
const LOCK = 0;
const COUNT = 1;
const USED = 2; // buckets in use or deleted
const NBUCKETS = 3;
const TOP = 4; // heap top, bytes
const GARBAGE = 5; // heap bytes no live entry uses
const HEADER_BYTES = 32;
const EMPTY = 0;
const DELETED = -1;

// Global header words.
const SIZE = 0;
const CODEC = 1;
const NSHARDS = 2;
const MAXB = 3;

const ENTRY_HEADER = 16; // [tag, keyLen, valCap, valLen]
const KEY_STRING = 1;
const KEY_NUMBER = 2;
const INITIAL_BUCKETS = 16;
const MAX_SHARD_BYTES = 2 ** 26; // reserved address space per shard (64 MiB)
const MAX_VALUE_BYTES = 2 ** 24; // the default and the largest maxValueBytes

const KIND = "SharedMap";

interface GrowableSAB extends SharedArrayBuffer {
  grow(n: number): void;
  readonly maxByteLength: number;
}

/** The ES2024 constructor form (Node >= 20), typed here because the compiler's lib is ES2023. */
type GrowableSABConstructor = new (n: number, options: { maxByteLength: number }) => SharedArrayBuffer;

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const f64 = new Float64Array(1);
const f64b = new Uint8Array(f64.buffer);
let keyScratch = new Uint8Array(64);

class Shard {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  constructor(readonly sab: GrowableSAB) {
    this.i32 = new Int32Array(sab); // length-tracking: follows growth by any thread
    this.u8 = new Uint8Array(sab);
  }
}

let attaching: HandleData | null = null;

/**
 * A concurrent map in shared memory (Go's sync.Map, sharded).
 *
 * @example
 * ```ts
 * const hits = new SharedMap<string, number>({ codec: "int32" });
 * // on any thread that attached it:
 * hits.update("/home", (n) => (n ?? 0) + 1);
 * hits.get("/home"); // total over all threads
 * ```
 */
export class SharedMap<K extends string | number, V> implements Shareable {
  /** What crosses threads: `attach` makes it a SharedMap again (see `share`). */
  readonly handle: SharedHandle;
  /** The codec's name. */
  readonly codec: Codec;
  readonly #hdr: Int32Array;
  readonly #shards: Shard[];
  readonly #id: number;
  /** This thread is inside an operation (only update's fn can re-enter: that throws). */
  #busy = false;

  /**
   * @param options.codec how values are stored (default "json"); see {@link Codec}.
   * @param options.shards how many independently locked shards (a power of two, default 16).
   * @param options.maxValueBytes the largest encoded value (default and most: 16 MiB).
   */
  constructor(options?: { codec?: Codec; shards?: number; maxValueBytes?: number }) {
    let h = attaching;
    attaching = null;
    if (h === null) {
      const id = codecId(options?.codec ?? "json", "options.codec");
      const n = options?.shards ?? 16;
      checkCount("options.shards", n, 1);
      if ((n & (n - 1)) !== 0 || n > 1024) {
        throw new RangeError(`options.shards must be a power of two <= 1024, got ${n}`);
      }
      const max = options?.maxValueBytes ?? MAX_VALUE_BYTES;
      checkCount("options.maxValueBytes", max, 1);
      if (max > MAX_VALUE_BYTES)
        throw new RangeError(`options.maxValueBytes must be at most ${MAX_VALUE_BYTES}`);
      const header = new SharedArrayBuffer(16);
      const hv = new Int32Array(header);
      hv[CODEC] = id;
      hv[NSHARDS] = n;
      hv[MAXB] = max;
      const shards: SharedArrayBuffer[] = [];
      for (let i = 0; i < n; i++) {
        const bytes = HEADER_BYTES + INITIAL_BUCKETS * 8 + 1024;
        const sab = new (SharedArrayBuffer as GrowableSABConstructor)(bytes, {
          maxByteLength: MAX_SHARD_BYTES,
        });
        const v = new Int32Array(sab);
        v[NBUCKETS] = INITIAL_BUCKETS;
        v[TOP] = HEADER_BYTES + INITIAL_BUCKETS * 8;
        shards.push(sab);
      }
      h = makeHandle(KIND, header, 0, { shards });
    }
    this.handle = h;
    this.#hdr = new Int32Array(h.sab);
    this.#id = this.#hdr[CODEC] as number;
    this.codec = CODECS[this.#id] as Codec;
    this.#shards = (h.extra as { shards: GrowableSAB[] }).shards.map((s) => new Shard(s));
  }

  /** @internal What `attach` does with a SharedMap's handle. */
  static fromHandle<K extends string | number, V>(handle: HandleData): SharedMap<K, V> {
    const h = checkHandle("attach", KIND, handle);
    const shards = (h.extra as { shards?: unknown } | null)?.shards;
    if (!Array.isArray(shards) || !shards.every((x) => x instanceof SharedArrayBuffer)) {
      throw new TypeError("attach: malformed SharedMap handle");
    }
    attaching = h;
    return new SharedMap<K, V>();
  }

  /** How many keys the map holds, over all threads. */
  get size(): number {
    return Atomics.load(this.#hdr, SIZE);
  }

  // ---- keys and values as bytes -------------------------------------------------------------

  /** Encodes the key into keyScratch; returns [tag, length, hash]. */
  #key(key: K): [number, number, number] {
    if (typeof key === "number") {
      f64[0] = key === 0 ? 0 : Number.isNaN(key) ? Number.NaN : key; // SameValueZero: -0 is 0, one NaN
      keyScratch.set(f64b);
      return [KEY_NUMBER, 8, hashBytes(keyScratch, 8, KEY_NUMBER)];
    }
    if (typeof key !== "string") throw new TypeError(`key must be a string or a number, got ${typeof key}`);
    if (keyScratch.length < key.length * 3) keyScratch = new Uint8Array(key.length * 3 + 64);
    const { written } = encoder.encodeInto(key, keyScratch);
    return [KEY_STRING, written, hashBytes(keyScratch, written, KEY_STRING)];
  }

  /** Checks and encodes a value (a private copy); throws before anything is written. */
  #value(value: unknown): Uint8Array {
    const id = this.#id;
    if (id > BIGINT64) return encodeVar(id, value, this.#hdr[MAXB] as number).slice();
    const v = checkFixed(id, value);
    const out = new Uint8Array(fixedBytes(id));
    const dv = new DataView(out.buffer);
    if (id === INT32) dv.setInt32(0, v as number, true);
    else if (id === FLOAT64) dv.setFloat64(0, v as number, true);
    else dv.setBigInt64(0, v as bigint, true);
    return out;
  }

  #decode(bytes: Uint8Array): V {
    const id = this.#id;
    if (id > BIGINT64) return decodeVar(id, bytes) as V;
    const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return (
      id === INT32 ? dv.getInt32(0, true) : id === FLOAT64 ? dv.getFloat64(0, true) : dv.getBigInt64(0, true)
    ) as V;
  }

  // ---- under a shard's lock -------------------------------------------------------------------

  #enter(hash: number): Shard {
    const s = this.#shards[(Math.imul(hash, 0x9e3779b1) >>> 0) & (this.#shards.length - 1)] as Shard;
    this.#checkIdle();
    lock(s.i32, LOCK);
    this.#busy = true;
    return s;
  }

  /** Using the map inside update's fn could wait for a lock this thread holds: a GoSyncError. */
  #checkIdle(): void {
    if (this.#busy) throw new GoSyncError("SharedMap: update's fn used the same map (it would deadlock)");
  }

  #leave(s: Shard): void {
    this.#busy = false;
    unlock(s.i32, LOCK);
  }

  /** The bucket index holding the key (in keyScratch), or -1 - (the first free bucket to use). */
  #find(s: Shard, tag: number, klen: number, hash: number): number {
    const i32 = s.i32;
    const mask = (i32[NBUCKETS] as number) - 1;
    const base = HEADER_BYTES >> 2;
    let free = -1;
    for (let b = hash & mask; ; b = (b + 1) & mask) {
      const off = i32[base + 2 * b + 1] as number;
      if (off === EMPTY) return -1 - (free >= 0 ? free : b);
      if (off === DELETED) {
        if (free < 0) free = b;
        continue;
      }
      if (i32[base + 2 * b] !== hash) continue;
      const e = off >> 2;
      if (i32[e] !== tag || i32[e + 1] !== klen) continue;
      if (bytesEqual(s.u8, off + ENTRY_HEADER, keyScratch, klen)) return b;
    }
  }

  #entryValue(s: Shard, off: number): Uint8Array {
    const e = off >> 2;
    const klen = s.i32[e + 1] as number;
    const at = off + ENTRY_HEADER + ((klen + 7) & ~7);
    return s.u8.slice(at, at + (s.i32[e + 3] as number));
  }

  /** Stores `val` for the key in keyScratch at bucket result `r` of #find. */
  #store(s: Shard, r: number, tag: number, klen: number, hash: number, val: Uint8Array): void {
    const i32 = s.i32;
    const base = HEADER_BYTES >> 2;
    if (r >= 0) {
      const off = i32[base + 2 * r + 1] as number;
      const e = off >> 2;
      if (val.length <= (i32[e + 2] as number)) {
        i32[e + 3] = val.length;
        s.u8.set(val, off + ENTRY_HEADER + (((i32[e + 1] as number) + 7) & ~7));
        return;
      }
      const need = entryBytes(klen, val.length);
      if ((i32[TOP] as number) + need > s.u8.length) {
        this.#rebuild(s, need);
        r = this.#find(s, tag, klen, hash); // the key is still there, at its new place
      }
      const old = (i32[base + 2 * r + 1] as number) >> 2;
      i32[GARBAGE] = (i32[GARBAGE] as number) + entryBytes(i32[old + 1] as number, i32[old + 2] as number);
      i32[base + 2 * r + 1] = this.#append(s, tag, klen, val);
      return;
    }
    const need = entryBytes(klen, val.length);
    const nb = i32[NBUCKETS] as number;
    const reuse = i32[base + 2 * (-1 - r) + 1] === DELETED;
    if ((!reuse && ((i32[USED] as number) + 1) * 4 > nb * 3) || (i32[TOP] as number) + need > s.u8.length) {
      this.#rebuild(s, need);
      this.#store(s, this.#find(s, tag, klen, hash), tag, klen, hash, val);
      return;
    }
    const b = -1 - r;
    i32[base + 2 * b] = hash;
    i32[base + 2 * b + 1] = this.#append(s, tag, klen, val);
    if (!reuse) i32[USED] = (i32[USED] as number) + 1;
    i32[COUNT] = (i32[COUNT] as number) + 1;
    Atomics.add(this.#hdr, SIZE, 1);
  }

  #append(s: Shard, tag: number, klen: number, val: Uint8Array): number {
    const i32 = s.i32;
    const off = i32[TOP] as number;
    const e = off >> 2;
    const cap = (val.length + 7) & ~7;
    i32[e] = tag;
    i32[e + 1] = klen;
    i32[e + 2] = cap;
    i32[e + 3] = val.length;
    s.u8.set(keyScratch.subarray(0, klen), off + ENTRY_HEADER);
    s.u8.set(val, off + ENTRY_HEADER + ((klen + 7) & ~7));
    i32[TOP] = off + entryBytes(klen, cap);
    return off;
  }

  #remove(s: Shard, b: number): void {
    const i32 = s.i32;
    const base = HEADER_BYTES >> 2;
    const off = i32[base + 2 * b + 1] as number;
    i32[GARBAGE] =
      (i32[GARBAGE] as number) + entryBytes(i32[(off >> 2) + 1] as number, i32[(off >> 2) + 2] as number);
    i32[base + 2 * b + 1] = DELETED;
    i32[COUNT] = (i32[COUNT] as number) - 1;
    Atomics.sub(this.#hdr, SIZE, 1);
  }

  /**
   * Rewrites the shard with room for `COUNT + 1` keys and `need` more heap bytes: the live entries
   * are copied out, the buffer grown if needed, then table and heap written afresh (no garbage).
   */
  #rebuild(s: Shard, need: number): void {
    const i32 = s.i32;
    const base = HEADER_BYTES >> 2;
    const nb = i32[NBUCKETS] as number;
    const live: { hash: number; entry: Uint8Array }[] = [];
    let heap = 0;
    for (let b = 0; b < nb; b++) {
      const off = i32[base + 2 * b + 1] as number;
      if (off === EMPTY || off === DELETED) continue;
      const e = off >> 2;
      const len = entryBytes(i32[e + 1] as number, i32[e + 2] as number);
      live.push({ hash: i32[base + 2 * b] as number, entry: s.u8.slice(off, off + len) });
      heap += len;
    }
    let nbNew = nb;
    while ((live.length + 1) * 2 > nbNew) nbNew *= 2; // at most half full after a rebuild
    const heapStart = HEADER_BYTES + nbNew * 8;
    const want = heapStart + Math.max(2 * (heap + need), 1024);
    if (want > s.sab.byteLength) {
      if (heapStart + heap + need > s.sab.maxByteLength) {
        throw new RangeError(`SharedMap: a shard is full (${s.sab.maxByteLength} bytes); use more shards`);
      }
      s.sab.grow(Math.min(s.sab.maxByteLength, (want + 4095) & ~4095));
    }
    s.u8.fill(0, HEADER_BYTES, heapStart);
    const mask = nbNew - 1;
    let top = heapStart;
    for (const { hash, entry } of live) {
      let b = hash & mask;
      while (i32[base + 2 * b + 1] !== EMPTY) b = (b + 1) & mask;
      i32[base + 2 * b] = hash;
      i32[base + 2 * b + 1] = top;
      s.u8.set(entry, top);
      top += entry.length;
    }
    i32[NBUCKETS] = nbNew;
    i32[USED] = live.length;
    i32[TOP] = top;
    i32[GARBAGE] = 0;
  }

  // ---- the API ----------------------------------------------------------------------------------

  /** Go's Load: the value for `key`, or undefined. */
  get(key: K): V | undefined {
    const [tag, klen, hash] = this.#key(key);
    const s = this.#enter(hash);
    let raw: Uint8Array | undefined;
    try {
      const b = this.#find(s, tag, klen, hash);
      if (b >= 0) raw = this.#entryValue(s, s.i32[(HEADER_BYTES >> 2) + 2 * b + 1] as number);
    } finally {
      this.#leave(s);
    }
    return raw === undefined ? undefined : this.#decode(raw);
  }

  /** Whether the map holds `key`. */
  has(key: K): boolean {
    const [tag, klen, hash] = this.#key(key);
    const s = this.#enter(hash);
    try {
      return this.#find(s, tag, klen, hash) >= 0;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Store. A value the codec rejects throws (TypeError/RangeError) and changes nothing. */
  set(key: K, value: V): void {
    const val = this.#value(value);
    const [tag, klen, hash] = this.#key(key);
    const s = this.#enter(hash);
    try {
      this.#store(s, this.#find(s, tag, klen, hash), tag, klen, hash, val);
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Delete (LoadAndDelete's `loaded`): whether the key was there. */
  delete(key: K): boolean {
    const [tag, klen, hash] = this.#key(key);
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, tag, klen, hash);
      if (b < 0) return false;
      this.#remove(s, b);
      return true;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's LoadOrStore: `[existing, true]`, or stores `value` and returns `[value, false]`. */
  loadOrStore(key: K, value: V): [V, boolean] {
    const val = this.#value(value);
    const [tag, klen, hash] = this.#key(key);
    const s = this.#enter(hash);
    let raw: Uint8Array | undefined;
    try {
      const b = this.#find(s, tag, klen, hash);
      if (b >= 0) raw = this.#entryValue(s, s.i32[(HEADER_BYTES >> 2) + 2 * b + 1] as number);
      else this.#store(s, b, tag, klen, hash, val);
    } finally {
      this.#leave(s);
    }
    return raw === undefined ? [value, false] : [this.#decode(raw), true];
  }

  /**
   * Atomic read-modify-write of one key: `fn(old)` runs under the key's shard lock, and its result
   * is stored (`undefined` deletes the key). Returns the new value. If `fn` throws, or returns a
   * value the codec rejects, nothing changes. Keep `fn` short; it must not use this map.
   *
   * @example
   * ```ts
   * counts.update("x", (n) => (n ?? 0) + 1); // exact under any number of threads
   * ```
   */
  update(key: K, fn: (old: V | undefined) => V | undefined): V | undefined {
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${typeof fn}`);
    const [tag, klen, hash] = this.#key(key);
    const keyCopy = keyScratch.slice(0, klen); // fn may use another SharedMap, which reuses keyScratch
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, tag, klen, hash);
      const old =
        b >= 0
          ? this.#decode(this.#entryValue(s, s.i32[(HEADER_BYTES >> 2) + 2 * b + 1] as number))
          : undefined;
      const next = fn(old);
      if (next === undefined) {
        if (b >= 0) this.#remove(s, b);
        return undefined;
      }
      const val = this.#value(next);
      keyScratch.set(keyCopy);
      this.#store(s, b, tag, klen, hash, val);
      return next;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Range: every key and value, shard by shard, each shard as of one instant. */
  *entries(): IterableIterator<[K, V]> {
    for (const s of this.#shards) {
      const got: [K, Uint8Array][] = [];
      this.#checkIdle();
      lock(s.i32, LOCK);
      try {
        const i32 = s.i32;
        const base = HEADER_BYTES >> 2;
        const nb = i32[NBUCKETS] as number;
        for (let b = 0; b < nb; b++) {
          const off = i32[base + 2 * b + 1] as number;
          if (off === EMPTY || off === DELETED) continue;
          got.push([this.#keyAt(s, off), this.#entryValue(s, off)]);
        }
      } finally {
        unlock(s.i32, LOCK);
      }
      for (const [k, raw] of got) yield [k, this.#decode(raw)];
    }
  }

  /** Every key, as {@link SharedMap.entries} visits them. */
  *keys(): IterableIterator<K> {
    for (const [k] of this.entries()) yield k;
  }

  /** The same as {@link SharedMap.entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries();
  }

  #keyAt(s: Shard, off: number): K {
    const e = off >> 2;
    const klen = s.i32[e + 1] as number;
    const bytes = s.u8.slice(off + ENTRY_HEADER, off + ENTRY_HEADER + klen);
    if (s.i32[e] === KEY_NUMBER) return new Float64Array(bytes.buffer)[0] as K;
    return decoder.decode(bytes) as K;
  }
}

function entryBytes(klen: number, vcap: number): number {
  return ENTRY_HEADER + ((klen + 7) & ~7) + ((vcap + 7) & ~7);
}

/** FNV-1a over the key bytes and its tag; never 0 (no meaning, just spread). */
function hashBytes(b: Uint8Array, n: number, tag: number): number {
  let h = 0x811c9dc5 ^ tag;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ (b[i] as number), 0x01000193);
  return h | 0;
}

function bytesEqual(a: Uint8Array, at: number, b: Uint8Array, n: number): boolean {
  for (let i = 0; i < n; i++) if (a[at + i] !== b[i]) return false;
  return true;
}

registerKind(KIND, (h) => SharedMap.fromHandle(h));
