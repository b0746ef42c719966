// Go's sync/atomic types (sync/atomic/type.go: Int32, Uint32, Int64, Bool) in shared memory: each
// is one word (two for the 64-bit one) of a SharedArrayBuffer, every method one Atomics operation,
// sequentially consistent as Go's are. Add wraps around on overflow as in Go (two's complement).
// Where they differ: Go's Int64 is AtomicBigInt64 (a bigint: JavaScript numbers hold 53 bits), and
// a value outside the type's range is a RangeError instead of a compile error.

import {
  checkHandle,
  type HandleData,
  newHandle,
  registerKind,
  type Shareable,
  type SharedHandle,
} from "./handle.js";

let adopting: HandleData | null = null;

function adopt<T>(kind: string, h: HandleData, make: () => T): T {
  adopting = checkHandle("attach", kind, h);
  try {
    return make();
  } finally {
    adopting = null;
  }
}

function blockOf(kind: string, words: number): HandleData {
  const h = adopting;
  adopting = null;
  return h ?? newHandle(kind, words);
}

function checkInt(name: string, v: unknown, min: number, max: number, type: string): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    throw new RangeError(`${name} must be an ${type} (an integer in [${min}, ${max}]), got ${String(v)}`);
  }
  return v;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const U32_MAX = 2 ** 32 - 1;

/**
 * Go's atomic.Int32 across threads.
 *
 * @example
 * ```ts
 * const hits = new AtomicInt32();
 * worker.postMessage(share({ hits })); // workers: hits.add(1)
 * ```
 */
export class AtomicInt32 implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #a: Int32Array;

  constructor(initial = 0) {
    const fresh = adopting === null;
    this.handle = blockOf("AtomicInt32", 1);
    this.#a = new Int32Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
    if (fresh) this.#a[0] = checkInt("initial", initial, I32_MIN, I32_MAX, "int32");
  }
  /** Go's Load: the current value (one atomic read). */
  load(): number {
    return Atomics.load(this.#a, 0);
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: number): void {
    Atomics.store(this.#a, 0, checkInt("v", v, I32_MIN, I32_MAX, "int32"));
  }
  /** Adds delta and returns the new value (Go's Add), wrapping around on overflow. */
  add(delta: number): number {
    return (Atomics.add(this.#a, 0, checkInt("delta", delta, I32_MIN, I32_MAX, "int32")) + delta) | 0;
  }
  /** Stores v and returns the old value. */
  swap(v: number): number {
    return Atomics.exchange(this.#a, 0, checkInt("v", v, I32_MIN, I32_MAX, "int32"));
  }
  /** Stores v if the value is `old`; reports whether it did. */
  compareAndSwap(old: number, v: number): boolean {
    checkInt("old", old, I32_MIN, I32_MAX, "int32");
    return Atomics.compareExchange(this.#a, 0, old, checkInt("v", v, I32_MIN, I32_MAX, "int32")) === old;
  }
}

/**
 * Go's atomic.Uint32 across threads. `add` takes a negative delta too (Go's AddUint32(x, ^uint32(0))
 * idiom to subtract), wrapping around.
 *
 * @example
 * ```ts
 * const flags = new AtomicUint32(0xffff_ffff);
 * flags.add(-1); // 0xffff_fffe
 * ```
 */
export class AtomicUint32 implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #a: Uint32Array;

  constructor(initial = 0) {
    const fresh = adopting === null;
    this.handle = blockOf("AtomicUint32", 1);
    this.#a = new Uint32Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
    if (fresh) this.#a[0] = checkInt("initial", initial, 0, U32_MAX, "uint32");
  }
  /** Go's Load: the current value (one atomic read). */
  load(): number {
    return Atomics.load(this.#a, 0);
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: number): void {
    Atomics.store(this.#a, 0, checkInt("v", v, 0, U32_MAX, "uint32"));
  }
  /** Adds delta (may be negative) and returns the new value, wrapping around. */
  add(delta: number): number {
    checkInt("delta", delta, I32_MIN, U32_MAX, "int32 or uint32");
    return (Atomics.add(this.#a, 0, delta >>> 0) + delta) >>> 0;
  }
  /** Go's Swap: sets the value and returns the old one. */
  swap(v: number): number {
    return Atomics.exchange(this.#a, 0, checkInt("v", v, 0, U32_MAX, "uint32"));
  }
  /** Go's CompareAndSwap: sets `v` only if the value is `old`; true if it did. */
  compareAndSwap(old: number, v: number): boolean {
    checkInt("old", old, 0, U32_MAX, "uint32");
    return Atomics.compareExchange(this.#a, 0, old, checkInt("v", v, 0, U32_MAX, "uint32")) === old;
  }
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function checkBig(name: string, v: unknown): bigint {
  if (typeof v !== "bigint" || v < I64_MIN || v > I64_MAX) {
    throw new RangeError(`${name} must be an int64 bigint (in [-2n**63n, 2n**63n-1n]), got ${String(v)}`);
  }
  return v;
}

/**
 * Go's atomic.Int64 across threads, as a bigint.
 *
 * @example
 * ```ts
 * const bytes = new AtomicBigInt64();
 * bytes.add(BigInt(chunk.length));
 * ```
 */
export class AtomicBigInt64 implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #a: BigInt64Array;

  constructor(initial = 0n) {
    const fresh = adopting === null;
    this.handle = blockOf("AtomicBigInt64", 2);
    this.#a = new BigInt64Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
    if (fresh) this.#a[0] = checkBig("initial", initial);
  }
  /** Go's Load: the current value (one atomic read). */
  load(): bigint {
    return Atomics.load(this.#a, 0);
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: bigint): void {
    Atomics.store(this.#a, 0, checkBig("v", v));
  }
  /** Adds delta and returns the new value, wrapping around on overflow. */
  add(delta: bigint): bigint {
    return BigInt.asIntN(64, Atomics.add(this.#a, 0, checkBig("delta", delta)) + delta);
  }
  /** Go's Swap: sets the value and returns the old one. */
  swap(v: bigint): bigint {
    return Atomics.exchange(this.#a, 0, checkBig("v", v));
  }
  /** Go's CompareAndSwap: sets `v` only if the value is `old`; true if it did. */
  compareAndSwap(old: bigint, v: bigint): boolean {
    checkBig("old", old);
    return Atomics.compareExchange(this.#a, 0, old, checkBig("v", v)) === old;
  }
}

function checkBool(name: string, v: unknown): boolean {
  if (typeof v !== "boolean") throw new TypeError(`${name} must be a boolean, got ${typeof v}`);
  return v;
}

/**
 * Go's atomic.Bool across threads.
 *
 * @example
 * ```ts
 * const stop = new AtomicBool();
 * // worker: while (!stop.load()) step();
 * stop.store(true);
 * ```
 */
export class AtomicBool implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #a: Int32Array;

  constructor(initial = false) {
    const fresh = adopting === null;
    this.handle = blockOf("AtomicBool", 1);
    this.#a = new Int32Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
    if (fresh) this.#a[0] = checkBool("initial", initial) ? 1 : 0;
  }
  /** Go's Load: the current value (one atomic read). */
  load(): boolean {
    return Atomics.load(this.#a, 0) !== 0;
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: boolean): void {
    Atomics.store(this.#a, 0, checkBool("v", v) ? 1 : 0);
  }
  /** Go's Swap: sets the value and returns the old one. */
  swap(v: boolean): boolean {
    return Atomics.exchange(this.#a, 0, checkBool("v", v) ? 1 : 0) !== 0;
  }
  /** Go's CompareAndSwap: sets `v` only if the value is `old`; true if it did. */
  compareAndSwap(old: boolean, v: boolean): boolean {
    const o = checkBool("old", old) ? 1 : 0;
    return Atomics.compareExchange(this.#a, 0, o, checkBool("v", v) ? 1 : 0) === o;
  }
}

registerKind("AtomicInt32", (h) => adopt("AtomicInt32", h, () => new AtomicInt32()));
registerKind("AtomicUint32", (h) => adopt("AtomicUint32", h, () => new AtomicUint32()));
registerKind("AtomicBigInt64", (h) => adopt("AtomicBigInt64", h, () => new AtomicBigInt64()));
registerKind("AtomicBool", (h) => adopt("AtomicBool", h, () => new AtomicBool()));
