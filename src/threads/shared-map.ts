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
// shard in place under its lock; every thread sees the new length, so attached copies never go
// stale and no table of segments has to be handed around. The address space for `maxByteLength` is
// reserved up front but not committed. Views are fixed-length and re-made when a thread, having
// taken a shard's lock, finds the shard longer than its views: on Node 20, length-tracking views of
// a growable buffer cost ~100 ns per element access (measured), fixed-length ones ~1 ns.
//
// Shard layout: 8 header words, then an open-addressing table of `nbuckets` (a power of two) pairs
// [hash, entry byte offset] (offset 0 empty, -1 deleted), linear probing, then a heap of 8-byte
// aligned entries [key tag, key bytes, value capacity, value bytes, key…, value…] appended at `top`.
// A string key is stored as its UTF-16 code units and a number key as a float64, so lookups hash and
// compare the key in place without encoding it. A value that no
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
  adoptOr,
  type HandleData,
  makeHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";

const KIND = "SharedMap";

// Shard header words.
const LOCK = 0;
const COUNT = 1;
const USED = 2; // buckets in use or deleted
const NBUCKETS = 3;
const TOP = 4; // heap top, bytes
const GARBAGE = 5; // heap bytes no live entry uses
const HEADER_BYTES = 32;
const BASE = HEADER_BYTES >> 2; // first bucket word
const EMPTY = 0;
const DELETED = -1;

// Global header words.
const SIZE = 0;
const CODEC = 1;
const NSHARDS = 2;
const MAXB = 3;

const ENTRY_HEADER = 16; // [tag, keyBytes, valCap, valLen]
const KEY_STRING = 1;
const KEY_NUMBER = 2;
const INITIAL_BUCKETS = 16;
const MAX_SHARD_BYTES = 2 ** 26; // reserved address space per shard (64 MiB)
const MAX_VALUE_BYTES = 2 ** 24; // the default and the largest maxValueBytes

interface GrowableSAB extends SharedArrayBuffer {
  grow(n: number): void;
  readonly maxByteLength: number;
}

/** The ES2024 constructor form (Node >= 20), typed here because the compiler's lib is ES2023. */
type GrowableSABConstructor = new (n: number, options: { maxByteLength: number }) => SharedArrayBuffer;

/** One shard's views, fixed-length (see the header), re-made by refresh() after growth. */
class Shard {
  i32!: Int32Array;
  u8!: Uint8Array;
  u16!: Uint16Array;
  f64!: Float64Array;
  b64!: BigInt64Array;
  constructor(readonly sab: GrowableSAB) {
    this.refresh();
  }
  /** Re-makes the views if the shard grew (call with the lock held). */
  refresh(): void {
    const n = this.sab.byteLength;
    if (this.u8 !== undefined && this.u8.length === n) return;
    this.i32 = new Int32Array(this.sab, 0, n >> 2);
    this.u8 = new Uint8Array(this.sab, 0, n);
    this.u16 = new Uint16Array(this.sab, 0, n >> 1);
    this.f64 = new Float64Array(this.sab, 0, n >> 3);
    this.b64 = new BigInt64Array(this.sab, 0, n >> 3);
  }
}

/** A value checked and ready to store: a number, a bigint (fixed codecs) or encoded bytes. */
type Stored = number | bigint | Uint8Array;

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
  readonly #fixed: number;
  /** This thread is inside an operation (only update's fn can re-enter: that throws). */
  #busy = false;
  /** The key being looked up: its tag and stored size, set by #hash. */
  #tag = 0;
  #klen = 0;

  /**
   * @param options.codec how values are stored (default "json"); see {@link Codec}.
   * @param options.shards how many independently locked shards (a power of two, default 16).
   * @param options.maxValueBytes the largest encoded value (default and most: 16 MiB).
   */
  constructor(options?: { codec?: Codec; shards?: number; maxValueBytes?: number }) {
    const h = adoptOr(() => {
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
        const v = new Int32Array(sab, 0, HEADER_BYTES >> 2);
        v[NBUCKETS] = INITIAL_BUCKETS;
        v[TOP] = HEADER_BYTES + INITIAL_BUCKETS * 8;
        shards.push(sab);
      }
      return makeHandle(KIND, header, 0, { shards });
    });
    this.handle = h;
    this.#hdr = new Int32Array(h.sab);
    this.#id = this.#hdr[CODEC] as number;
    this.#fixed = fixedBytes(this.#id);
    this.codec = CODECS[this.#id] as Codec;
    this.#shards = (h.extra as { shards: GrowableSAB[] }).shards.map((s) => new Shard(s));
  }

  /** How many keys the map holds, over all threads. */
  get size(): number {
    return Atomics.load(this.#hdr, SIZE);
  }

  // ---- keys and values --------------------------------------------------------------------------

  /** Checks the key, sets #tag and #klen, returns its hash (FNV-1a over its code units or bits). */
  #hash(key: K): number {
    let h = 0x811c9dc5;
    if (typeof key === "string") {
      this.#tag = KEY_STRING;
      this.#klen = key.length * 2;
      for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
      return h | 0;
    }
    if (typeof key !== "number") throw new TypeError(`key must be a string or a number, got ${typeof key}`);
    this.#tag = KEY_NUMBER;
    this.#klen = 8;
    numScratch[0] = key === 0 ? 0 : key; // SameValueZero: -0 is 0 (and every NaN is one, see #find)
    if (Number.isNaN(key)) return 0x7ff8;
    h = Math.imul(h ^ (numWords[0] as number), 0x01000193);
    return Math.imul(h ^ (numWords[1] as number), 0x01000193) | 0;
  }

  /** Checks and encodes a value; throws (TypeError/RangeError) before anything is written. */
  #value(value: unknown): Stored {
    const id = this.#id;
    if (id <= BIGINT64) return checkFixed(id, value);
    return encodeVar(id, value, this.#hdr[MAXB] as number).slice();
  }

  #valueBytes(v: Stored): number {
    return this.#fixed > 0 ? this.#fixed : (v as Uint8Array).length;
  }

  /** The value of the entry at byte offset `off`, decoded (a copy; shared memory is not kept). */
  #read(s: Shard, off: number): V {
    const e = off >> 2;
    const at = off + ENTRY_HEADER + (((s.i32[e + 1] as number) + 7) & ~7);
    switch (this.#id) {
      case INT32:
        return s.i32[at >> 2] as V;
      case FLOAT64:
        return s.f64[at >> 3] as V;
      case BIGINT64:
        return s.b64[at >> 3] as V;
      default:
        return decodeVar(this.#id, s.u8.slice(at, at + (s.i32[e + 3] as number))) as V;
    }
  }

  #writeValue(s: Shard, off: number, v: Stored): void {
    const e = off >> 2;
    const at = off + ENTRY_HEADER + (((s.i32[e + 1] as number) + 7) & ~7);
    s.i32[e + 3] = this.#valueBytes(v);
    switch (this.#id) {
      case INT32:
        s.i32[at >> 2] = v as number;
        break;
      case FLOAT64:
        s.f64[at >> 3] = v as number;
        break;
      case BIGINT64:
        s.b64[at >> 3] = v as bigint;
        break;
      default:
        s.u8.set(v as Uint8Array, at);
    }
  }

  // ---- under a shard's lock -------------------------------------------------------------------

  #enter(hash: number): Shard {
    const s = this.#shards[(Math.imul(hash, 0x9e3779b1) >>> 0) & (this.#shards.length - 1)] as Shard;
    this.#checkIdle();
    lock(s.i32, LOCK);
    this.#busy = true;
    s.refresh();
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

  /** The bucket holding `key` (hashed by #hash), or -1 - (the first free bucket to use). */
  #find(s: Shard, key: K, hash: number): number {
    const i32 = s.i32;
    const mask = (i32[NBUCKETS] as number) - 1;
    const tag = this.#tag;
    const klen = this.#klen;
    let free = -1;
    for (let b = hash & mask; ; b = (b + 1) & mask) {
      const off = i32[BASE + 2 * b + 1] as number;
      if (off === EMPTY) return -1 - (free >= 0 ? free : b);
      if (off === DELETED) {
        if (free < 0) free = b;
        continue;
      }
      if (i32[BASE + 2 * b] !== hash) continue;
      const e = off >> 2;
      if (i32[e] !== tag || i32[e + 1] !== klen) continue;
      if (tag === KEY_NUMBER) {
        const k = s.f64[(off + ENTRY_HEADER) >> 3] as number;
        if (k === key || (Number.isNaN(k) && Number.isNaN(key))) return b;
        continue;
      }
      const str = key as string;
      const at = (off + ENTRY_HEADER) >> 1;
      let i = 0;
      while (i < str.length && s.u16[at + i] === str.charCodeAt(i)) i++;
      if (i === str.length) return b;
    }
  }

  /** Appends a new entry for `key` with room for `v`; returns its byte offset. */
  #append(s: Shard, key: K, v: Stored): number {
    const i32 = s.i32;
    const off = i32[TOP] as number;
    const e = off >> 2;
    const klen = this.#klen;
    i32[e] = this.#tag;
    i32[e + 1] = klen;
    i32[e + 2] = (this.#valueBytes(v) + 7) & ~7;
    const at = off + ENTRY_HEADER;
    if (this.#tag === KEY_NUMBER) s.f64[at >> 3] = key === 0 ? 0 : (key as number);
    else
      for (let i = 0; i < (key as string).length; i++) s.u16[(at >> 1) + i] = (key as string).charCodeAt(i);
    this.#writeValue(s, off, v);
    i32[TOP] = off + entryBytes(klen, i32[e + 2] as number);
    return off;
  }

  /** Stores `v` for `key` at bucket result `r` of #find. */
  #store(s: Shard, r: number, key: K, hash: number, v: Stored): void {
    const i32 = s.i32;
    const need = entryBytes(this.#klen, this.#valueBytes(v));
    if (r >= 0) {
      const off = i32[BASE + 2 * r + 1] as number;
      const e = off >> 2;
      if (this.#valueBytes(v) <= (i32[e + 2] as number)) {
        this.#writeValue(s, off, v);
        return;
      }
      if ((i32[TOP] as number) + need > s.u8.length) {
        this.#rebuild(s, need);
        r = this.#find(s, key, hash); // the key is still there, at its new place
      }
      const old = (s.i32[BASE + 2 * r + 1] as number) >> 2;
      s.i32[GARBAGE] =
        (s.i32[GARBAGE] as number) + entryBytes(s.i32[old + 1] as number, s.i32[old + 2] as number);
      s.i32[BASE + 2 * r + 1] = this.#append(s, key, v);
      return;
    }
    const nb = i32[NBUCKETS] as number;
    const reuse = i32[BASE + 2 * (-1 - r) + 1] === DELETED;
    if ((!reuse && ((i32[USED] as number) + 1) * 4 > nb * 3) || (i32[TOP] as number) + need > s.u8.length) {
      this.#rebuild(s, need);
      this.#store(s, this.#find(s, key, hash), key, hash, v);
      return;
    }
    const b = -1 - r;
    i32[BASE + 2 * b] = hash;
    i32[BASE + 2 * b + 1] = this.#append(s, key, v);
    if (!reuse) i32[USED] = (i32[USED] as number) + 1;
    i32[COUNT] = (i32[COUNT] as number) + 1;
    Atomics.add(this.#hdr, SIZE, 1);
  }

  #remove(s: Shard, b: number): void {
    const i32 = s.i32;
    const e = (i32[BASE + 2 * b + 1] as number) >> 2;
    i32[GARBAGE] = (i32[GARBAGE] as number) + entryBytes(i32[e + 1] as number, i32[e + 2] as number);
    i32[BASE + 2 * b + 1] = DELETED;
    i32[COUNT] = (i32[COUNT] as number) - 1;
    Atomics.sub(this.#hdr, SIZE, 1);
  }

  /**
   * Rewrites the shard with room for one more key and `need` more heap bytes: the live entries are
   * copied out, the buffer grown if needed, then table and heap written afresh (no garbage).
   */
  #rebuild(s: Shard, need: number): void {
    const nb = s.i32[NBUCKETS] as number;
    const live: { hash: number; entry: Uint8Array }[] = [];
    let heap = 0;
    for (let b = 0; b < nb; b++) {
      const off = s.i32[BASE + 2 * b + 1] as number;
      if (off === EMPTY || off === DELETED) continue;
      const e = off >> 2;
      const len = entryBytes(s.i32[e + 1] as number, s.i32[e + 2] as number);
      live.push({ hash: s.i32[BASE + 2 * b] as number, entry: s.u8.slice(off, off + len) });
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
      s.refresh();
    }
    const i32 = s.i32;
    s.u8.fill(0, HEADER_BYTES, heapStart);
    const mask = nbNew - 1;
    let top = heapStart;
    for (const { hash, entry } of live) {
      let b = hash & mask;
      while (i32[BASE + 2 * b + 1] !== EMPTY) b = (b + 1) & mask;
      i32[BASE + 2 * b] = hash;
      i32[BASE + 2 * b + 1] = top;
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
    const hash = this.#hash(key);
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, key, hash);
      return b >= 0 ? this.#read(s, s.i32[BASE + 2 * b + 1] as number) : undefined;
    } finally {
      this.#leave(s);
    }
  }

  /** Whether the map holds `key`. */
  has(key: K): boolean {
    const hash = this.#hash(key);
    const s = this.#enter(hash);
    try {
      return this.#find(s, key, hash) >= 0;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Store. A value the codec rejects throws (TypeError/RangeError) and changes nothing. */
  set(key: K, value: V): void {
    const v = this.#value(value);
    const hash = this.#hash(key);
    const s = this.#enter(hash);
    try {
      this.#store(s, this.#find(s, key, hash), key, hash, v);
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Delete (LoadAndDelete's `loaded`): whether the key was there. */
  delete(key: K): boolean {
    const hash = this.#hash(key);
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, key, hash);
      if (b < 0) return false;
      this.#remove(s, b);
      return true;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's LoadOrStore: `[existing, true]`, or stores `value` and returns `[value, false]`. */
  loadOrStore(key: K, value: V): [V, boolean] {
    const v = this.#value(value);
    const hash = this.#hash(key);
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, key, hash);
      if (b >= 0) return [this.#read(s, s.i32[BASE + 2 * b + 1] as number), true];
      this.#store(s, b, key, hash, v);
      return [value, false];
    } finally {
      this.#leave(s);
    }
  }

  /**
   * Atomic read-modify-write of one key: `fn(old)` runs under the key's shard lock, and its result
   * is stored (`undefined` deletes the key). Returns the new value. If `fn` throws, or returns a
   * value the codec rejects or a promise, nothing changes. Keep `fn` short and synchronous; it must
   * not use this map.
   *
   * @example
   * ```ts
   * counts.update("x", (n) => (n ?? 0) + 1); // exact under any number of threads
   * ```
   */
  update(key: K, fn: (old: V | undefined) => V | undefined): V | undefined {
    if (typeof fn !== "function") throw new TypeError(`fn must be a function, got ${typeof fn}`);
    const hash = this.#hash(key);
    const tag = this.#tag;
    const klen = this.#klen;
    const s = this.#enter(hash);
    try {
      const b = this.#find(s, key, hash);
      const next = fn(b >= 0 ? this.#read(s, s.i32[BASE + 2 * b + 1] as number) : undefined);
      if (typeof (next as { then?: unknown } | undefined)?.then === "function") {
        throw new TypeError("fn must return the new value itself, not a promise (it runs under a lock)");
      }
      if (next === undefined) {
        if (b >= 0) this.#remove(s, b);
        return undefined;
      }
      const v = this.#value(next);
      this.#tag = tag; // fn may have used this map's fields through a nested failed call
      this.#klen = klen;
      this.#store(s, b, key, hash, v);
      return next;
    } finally {
      this.#leave(s);
    }
  }

  /** Go's Range: every key and value, shard by shard, each shard as of one instant. */
  *entries(): IterableIterator<[K, V]> {
    for (const s of this.#shards) {
      const got: [K, V][] = [];
      this.#checkIdle();
      lock(s.i32, LOCK);
      try {
        s.refresh();
        const nb = s.i32[NBUCKETS] as number;
        for (let b = 0; b < nb; b++) {
          const off = s.i32[BASE + 2 * b + 1] as number;
          if (off !== EMPTY && off !== DELETED) got.push([this.#keyAt(s, off), this.#read(s, off)]);
        }
      } finally {
        unlock(s.i32, LOCK);
      }
      yield* got;
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
    const at = off + ENTRY_HEADER;
    if (s.i32[off >> 2] === KEY_NUMBER) return s.f64[at >> 3] as K;
    const n = (s.i32[(off >> 2) + 1] as number) >> 1;
    let key = "";
    for (let i = 0; i < n; i += 4096) {
      key += String.fromCharCode(...s.u16.subarray((at >> 1) + i, (at >> 1) + Math.min(n, i + 4096)));
    }
    return key as K;
  }
}

const numScratch = new Float64Array(1);
const numWords = new Int32Array(numScratch.buffer);

function entryBytes(klen: number, vcap: number): number {
  return ENTRY_HEADER + ((klen + 7) & ~7) + ((vcap + 7) & ~7);
}

registerShared(
  KIND,
  () => new SharedMap(),
  (h: HandleData) => {
    const shards = (h.extra as { shards?: unknown } | null)?.shards;
    if (!Array.isArray(shards) || !shards.every((x) => x instanceof SharedArrayBuffer)) {
      throw new TypeError("attach: malformed SharedMap handle");
    }
  },
);
