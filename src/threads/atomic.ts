// Go's sync/atomic types (sync/atomic/type.go: Int32, Uint32, Int64, Bool; with Go 1.23's And and
// Or) in shared memory: each is one word (two for the 64-bit one) of a SharedArrayBuffer, every
// method one Atomics operation, sequentially consistent as Go's are. Add wraps around on overflow as
// in Go (two's complement); And and Or return the old value, as Go's do.
//
// AtomicUint32 is AtomicInt32 over the same word read as unsigned: one class, whose instances know
// their integer type (its range, its typed-array view, how a result wraps), so the two share every
// line and an AtomicUint32 is an AtomicInt32 (`instanceof` holds), as the API promises.
// Where they differ from Go: Go's Int64 is AtomicBigInt64 (a bigint: JavaScript numbers hold 53
// bits); a value outside the type's range is a RangeError instead of a compile error; Uint32's add
// also takes a negative delta (Go spells that AddUint32(&x, ^uint32(c-1))).

import {
  adoptOr,
  type HandleData,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";

/** One of the 32-bit integer types: its range, its view, how an Add result wraps into it. */
interface IntType {
  readonly kind: "AtomicInt32" | "AtomicUint32";
  readonly name: "int32" | "uint32";
  readonly min: number;
  readonly max: number;
  /** The smallest delta add() takes (a Uint32 takes negative ones too). */
  readonly minDelta: number;
  /** The one-word view of the value at `offset` (bytes) of `sab`. */
  view(sab: SharedArrayBuffer, offset: number): Int32Array | Uint32Array;
  wrap(x: number): number;
}

const I32_MIN = -(2 ** 31);
const I32_MAX = 2 ** 31 - 1;
const U32_MAX = 2 ** 32 - 1;

const INT32: IntType = {
  kind: "AtomicInt32",
  name: "int32",
  min: I32_MIN,
  max: I32_MAX,
  minDelta: I32_MIN,
  view: (sab, offset) => new Int32Array(sab, offset, 1),
  wrap: (x) => x | 0,
};

const UINT32: IntType = {
  kind: "AtomicUint32",
  name: "uint32",
  min: 0,
  max: U32_MAX,
  minDelta: I32_MIN,
  view: (sab, offset) => new Uint32Array(sab, offset, 1),
  wrap: (x) => x >>> 0,
};

/** Which IntType each class stands for (a user's subclass inherits its parent's). */
const intTypes = new Map<object, IntType>();

function intTypeOf(cls: object): IntType {
  for (let c: object | null = cls; c !== null; c = Object.getPrototypeOf(c) as object | null) {
    const t = intTypes.get(c);
    if (t !== undefined) return t;
  }
  return INT32;
}

function checkInt(name: string, v: unknown, t: IntType, min = t.min): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > t.max) {
    throw new RangeError(`${name} must be an ${t.name} (an integer in [${min}, ${t.max}]), got ${String(v)}`);
  }
  return v;
}

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
  readonly #t: IntType;
  readonly #a: Int32Array | Uint32Array;

  constructor(initial = 0) {
    const t = intTypeOf(new.target);
    this.#t = t;
    this.handle = adoptOr(() => {
      checkInt("initial", initial, t);
      const h = newHandle(t.kind, 1);
      t.view(h.sab, 0)[0] = initial; // fresh memory: no other thread sees it yet
      return h;
    });
    this.#a = t.view((this.handle as HandleData).sab, (this.handle as HandleData).offset);
  }
  /** Go's Load: the current value (one atomic read). */
  load(): number {
    return Atomics.load(this.#a, 0);
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: number): void {
    Atomics.store(this.#a, 0, checkInt("v", v, this.#t));
  }
  /** Go's Add: adds delta and returns the new value, wrapping around on overflow. */
  add(delta: number): number {
    const t = this.#t;
    checkInt("delta", delta, t, t.minDelta);
    // Atomics.add converts delta to the view's type (modulo 2^32), which is the wrap-around wanted.
    return t.wrap(Atomics.add(this.#a, 0, delta) + delta);
  }
  /** Go's Swap: sets the value and returns the old one. */
  swap(v: number): number {
    return Atomics.exchange(this.#a, 0, checkInt("v", v, this.#t));
  }
  /** Go's CompareAndSwap: sets `v` only if the value is `old`; true if it did. */
  compareAndSwap(old: number, v: number): boolean {
    checkInt("old", old, this.#t);
    return Atomics.compareExchange(this.#a, 0, old, checkInt("v", v, this.#t)) === old;
  }
  /** Go's And (Go 1.23): value &= mask; returns the old value. */
  and(mask: number): number {
    return Atomics.and(this.#a, 0, checkInt("mask", mask, this.#t));
  }
  /** Go's Or (Go 1.23): value |= mask; returns the old value. */
  or(mask: number): number {
    return Atomics.or(this.#a, 0, checkInt("mask", mask, this.#t));
  }
}

/**
 * Go's atomic.Uint32 across threads: an AtomicInt32 whose word is read as unsigned. `add` takes a
 * negative delta too (Go's AddUint32(x, ^uint32(0)) idiom to subtract), wrapping around.
 *
 * @example
 * ```ts
 * const flags = new AtomicUint32(0xffff_ffff);
 * flags.add(-1); // 0xffff_fffe
 * flags.and(0xff); // returns 0xffff_fffe; now 0xfe
 * ```
 */
export class AtomicUint32 extends AtomicInt32 {}

intTypes.set(AtomicInt32, INT32);
intTypes.set(AtomicUint32, UINT32);

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
    this.handle = adoptOr(() => {
      checkBig("initial", initial);
      const h = newHandle("AtomicBigInt64", 2);
      new BigInt64Array(h.sab)[0] = initial;
      return h;
    });
    this.#a = new BigInt64Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
  }
  /** Go's Load: the current value (one atomic read). */
  load(): bigint {
    return Atomics.load(this.#a, 0);
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: bigint): void {
    Atomics.store(this.#a, 0, checkBig("v", v));
  }
  /** Go's Add: adds delta and returns the new value, wrapping around on overflow. */
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
  /** Go's And (Go 1.23): value &= mask; returns the old value. */
  and(mask: bigint): bigint {
    return Atomics.and(this.#a, 0, checkBig("mask", mask));
  }
  /** Go's Or (Go 1.23): value |= mask; returns the old value. */
  or(mask: bigint): bigint {
    return Atomics.or(this.#a, 0, checkBig("mask", mask));
  }
}

function checkBool(name: string, v: unknown): 0 | 1 {
  if (typeof v !== "boolean") throw new TypeError(`${name} must be a boolean, got ${typeof v}`);
  return v ? 1 : 0;
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
    this.handle = adoptOr(() => {
      const v = checkBool("initial", initial);
      const h = newHandle("AtomicBool", 1);
      new Int32Array(h.sab)[0] = v;
      return h;
    });
    this.#a = new Int32Array((this.handle as HandleData).sab, (this.handle as HandleData).offset, 1);
  }
  /** Go's Load: the current value (one atomic read). */
  load(): boolean {
    return Atomics.load(this.#a, 0) !== 0;
  }
  /** Go's Store: sets the value (one atomic write). */
  store(v: boolean): void {
    Atomics.store(this.#a, 0, checkBool("v", v));
  }
  /** Go's Swap: sets the value and returns the old one. */
  swap(v: boolean): boolean {
    return Atomics.exchange(this.#a, 0, checkBool("v", v)) !== 0;
  }
  /** Go's CompareAndSwap: sets `v` only if the value is `old`; true if it did. */
  compareAndSwap(old: boolean, v: boolean): boolean {
    const o = checkBool("old", old);
    return Atomics.compareExchange(this.#a, 0, o, checkBool("v", v)) === o;
  }
}

registerShared("AtomicInt32", () => new AtomicInt32());
registerShared("AtomicUint32", () => new AtomicUint32());
registerShared("AtomicBigInt64", () => new AtomicBigInt64());
registerShared("AtomicBool", () => new AtomicBool());
