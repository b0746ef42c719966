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

  test("AtomicInt32 follows a 32-bit two's-complement model (Go's int32 arithmetic)", T, () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant("add" as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({ k: fc.constant("swap" as const), v: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) }),
      fc.record({
        k: fc.constant("cas" as const),
        v: fc.integer({ min: -3, max: 3 }),
        old: fc.integer({ min: -3, max: 3 }),
      }),
    );
    fc.assert(
      fc.property(fc.integer({ min: -3, max: 3 }), fc.array(op, { maxLength: 40 }), (init, ops) => {
        const a = new AtomicInt32(init);
        const view = attach<AtomicInt32>(share(a)); // the same memory through another object
        let m = init;
        for (const o of ops) {
          if (o.k === "add") {
            m = (m + o.v) | 0;
            assert.equal(a.add(o.v), m);
          } else if (o.k === "swap") {
            assert.equal(view.swap(o.v), m);
            m = o.v;
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
