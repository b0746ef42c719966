// Go's sync/atomic types across threads: exact totals from four threads, single-thread semantics
// against a model (fast-check), wrap-around, bad arguments.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  AtomicBigInt64,
  AtomicBool,
  AtomicInt32,
  AtomicUint32,
  attach,
  share,
} from "../../src/threads/index.js";
import { agents } from "./helpers.js";

const T = { timeout: 30_000 };
const pool = await agents(4, new URL("./fixtures/prims.ts", import.meta.url));

describe("threads atomics", () => {
  test("4 threads × 50,000 adds: exact totals on AtomicInt32 and AtomicBigInt64", T, async () => {
    const a = new AtomicInt32();
    const b = new AtomicBigInt64();
    await Promise.all(pool.map((w) => w.call("addAtomics", [a, b, 50_000])));
    assert.equal(a.load(), 200_000);
    assert.equal(b.load(), 200_000n);
  });

  const intModels = [
    {
      name: "AtomicInt32",
      make: (v: number) => new AtomicInt32(v),
      wrap: (x: number) => x | 0,
      min: -(2 ** 31),
    },
    { name: "AtomicUint32", make: (v: number) => new AtomicUint32(v), wrap: (x: number) => x >>> 0, min: 0 },
  ] as const;

  for (const t of intModels) {
    test(`${t.name} follows a 32-bit model of Go's arithmetic (add, swap, CAS, And, Or)`, T, () => {
      const word = fc.integer({ min: t.min, max: t.min + 2 ** 32 - 1 });
      const op = fc.oneof(
        fc.record({ k: fc.constant("add" as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
        fc.record({ k: fc.constant("swap" as const), v: word }),
        fc.record({ k: fc.constant("and" as const), v: word }),
        fc.record({ k: fc.constant("or" as const), v: word }),
        fc.record({
          k: fc.constant("cas" as const),
          v: fc.integer({ min: 0, max: 3 }),
          old: fc.integer({ min: 0, max: 3 }),
        }),
      );
      fc.assert(
        fc.property(fc.integer({ min: 0, max: 3 }), fc.array(op, { maxLength: 40 }), (init, ops) => {
          const a = t.make(init);
          const view = attach<AtomicInt32>(share(a)); // the same memory through another object
          assert.equal(view.constructor, a.constructor, "attach revives the same type");
          let m = init;
          for (const o of ops) {
            if (o.k === "add") {
              m = t.wrap(m + o.v);
              assert.equal(a.add(o.v), m);
            } else if (o.k === "swap") {
              assert.equal(view.swap(o.v), m);
              m = o.v;
            } else if (o.k === "and" || o.k === "or") {
              assert.equal(a[o.k](o.v), m, "And/Or return the old value, as Go 1.23's");
              m = t.wrap(o.k === "and" ? m & o.v : m | o.v);
            } else {
              const hit = m === o.old;
              assert.equal(a.compareAndSwap(o.old, o.v), hit);
              if (hit) m = o.v;
            }
            assert.equal(view.load(), m);
          }
        }),
        { numRuns: 200 },
      );
    });
  }

  test("AtomicUint32 is an AtomicInt32 (one implementation), read as unsigned", T, () => {
    const u = new AtomicUint32(0x8000_0000);
    assert.ok(u instanceof AtomicInt32);
    assert.equal(Object.getPrototypeOf(AtomicUint32.prototype), AtomicInt32.prototype);
    assert.ok(attach<AtomicUint32>(share(u)) instanceof AtomicUint32);
    assert.equal(u.load(), 0x8000_0000, "the same bits an AtomicInt32 reads as -2^31");
    assert.throws(() => u.store(-1), /RangeError: v must be an uint32/);
    assert.throws(() => new AtomicInt32().or(0xffff_ffff), /RangeError: mask must be an int32/);
  });

  test(
    "4 threads Or-ing in their 8 bits, then And-ing them out: every bit set and cleared once",
    T,
    async () => {
      const u = new AtomicUint32();
      const bits = (i: number) => Array.from({ length: 8 }, (_, b) => (1 << (i * 8 + b)) >>> 0);
      const ors = await Promise.all(pool.map((w, i) => w.call<number>("bitOps", [u, "or", bits(i)])));
      assert.deepEqual(ors, [0, 0, 0, 0], "no bit was set before its own Or");
      assert.equal(u.load(), 0xffff_ffff);
      const ands = await Promise.all(
        pool.map((w, i) => w.call<number>("bitOps", [u, "and", bits(i).map((m) => ~m >>> 0)])),
      );
      assert.deepEqual(ands, [0, 0, 0, 0], "every bit was still set before its own And");
      assert.equal(u.load(), 0);
    },
  );

  test("AtomicBigInt64 And/Or return the old value (Go 1.23)", T, () => {
    const b = new AtomicBigInt64(-1n);
    assert.equal(b.and(0xf0n), -1n);
    assert.equal(b.or(-(2n ** 63n)), 0xf0n);
    assert.equal(b.load(), -(2n ** 63n) | 0xf0n);
  });

  test("AtomicUint32 wraps around like Go's uint32, and takes a negative delta", T, () => {
    const u = new AtomicUint32(0xffff_ffff);
    assert.equal(u.add(1), 0);
    assert.equal(u.add(-1), 0xffff_ffff);
    assert.equal(u.swap(7), 0xffff_ffff);
    assert.equal(u.compareAndSwap(7, 0x8000_0000), true);
    assert.equal(u.load(), 0x8000_0000);
  });

  test("AtomicBigInt64 wraps at 2^63 like Go's int64", T, () => {
    const b = new AtomicBigInt64(2n ** 63n - 1n);
    assert.equal(b.add(1n), -(2n ** 63n));
    assert.equal(b.compareAndSwap(-(2n ** 63n), 5n), true);
    assert.equal(b.swap(6n), 5n);
  });

  test("AtomicBool", T, () => {
    const f = new AtomicBool();
    assert.equal(f.load(), false);
    assert.equal(f.swap(true), false);
    assert.equal(f.compareAndSwap(true, false), true);
    assert.equal(f.compareAndSwap(true, false), false);
  });

  test("bad arguments are RangeError/TypeError naming the argument, and change nothing", T, () => {
    const a = new AtomicInt32(1);
    assert.throws(() => a.store(2 ** 31), /RangeError: v must be an int32/);
    assert.throws(() => a.add(0.5), /RangeError: delta must be an int32/);
    assert.throws(() => new AtomicInt32(Number.NaN), /RangeError: initial must be an int32/);
    assert.throws(() => new AtomicUint32(-1), /RangeError: initial must be an uint32/);
    assert.throws(() => new AtomicBigInt64(2n ** 63n), /RangeError: initial must be an int64/);
    assert.throws(() => new AtomicBigInt64(1 as never), /RangeError: initial must be an int64/);
    assert.throws(() => new AtomicBool(1 as never), /TypeError: initial must be a boolean/);
    assert.equal(a.load(), 1);
  });
});
