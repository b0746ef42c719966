// Pool<T>: Go's sync.Pool made deterministic: get/put with a `new` factory, a bounded size,
// the lesson's rule against keeping oversized buffers (Go 并发编程实战课 lesson 10, golang/go#23199), reset on put, LIFO
// reuse, and Go's "Put of nil is ignored".
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Pool } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

describe("Pool", () => {
  test("get() makes a new item with `new` when the pool is empty", () => {
    let made = 0;
    const pool = new Pool({ new: () => ({ id: ++made }) });
    assert.equal(pool.size, 0);
    assert.deepEqual(pool.get(), { id: 1 });
    assert.deepEqual(pool.get(), { id: 2 });
    assert.equal(made, 2);
  });

  test("`new` is required: without it there would be nothing to give on an empty pool", () => {
    assert.throws(() => new Pool({} as { new: () => object }), {
      name: "TypeError",
      message: /options\.new/,
    });
    assert.throws(() => new Pool(undefined as unknown as { new: () => object }), TypeError);
  });

  test("put() then get() reuses the item instead of making one", () => {
    let made = 0;
    const pool = new Pool({ new: () => ({ id: ++made }) });
    const a = pool.get();
    pool.put(a);
    assert.equal(pool.size, 1);
    assert.equal(pool.get(), a, "the very same object");
    assert.equal(pool.size, 0);
    assert.equal(made, 1);
  });

  test("reuse is LIFO: the most recently put item comes back first", () => {
    const pool = new Pool<string>({ new: () => "fresh" });
    pool.put("a");
    pool.put("b");
    pool.put("c");
    assert.deepEqual([pool.get(), pool.get(), pool.get(), pool.get()], ["c", "b", "a", "fresh"]);
  });

  test("put(null) and put(undefined) are ignored, as Go ignores Put(nil)", () => {
    const pool = new Pool<object | null | undefined>({ new: () => ({ fresh: true }) });
    pool.put(null);
    pool.put(undefined);
    assert.equal(pool.size, 0);
    assert.deepEqual(pool.get(), { fresh: true });
  });

  test("falsy items that are not nil are kept (0, '', false)", () => {
    const pool = new Pool<number | string | boolean>({ new: () => "fresh" });
    pool.put(0);
    pool.put("");
    pool.put(false);
    assert.equal(pool.size, 3);
    assert.deepEqual([pool.get(), pool.get(), pool.get()], [false, "", 0]);
  });

  test("maxSize bounds what is kept; put() on a full pool drops the item", () => {
    const pool = new Pool<number>({ maxSize: 2, new: () => -1 });
    pool.put(1);
    pool.put(2);
    pool.put(3);
    assert.equal(pool.size, 2);
    assert.deepEqual([pool.get(), pool.get(), pool.get()], [2, 1, -1]);
  });

  test("the default maxSize is 1024", () => {
    const pool = new Pool<number>({ new: () => -1 });
    for (let i = 0; i < 2000; i++) pool.put(i);
    assert.equal(pool.size, 1024);
  });

  test("maxSize 0 keeps nothing", () => {
    let made = 0;
    const pool = new Pool({ maxSize: 0, new: () => ++made });
    pool.put(pool.get());
    assert.equal(pool.size, 0);
    pool.get();
    assert.equal(made, 2);
  });

  test("the lesson's buffer pool: accept() drops oversized buffers so one huge request pins no memory", () => {
    const pool = new Pool<Uint8Array>({
      new: () => new Uint8Array(4096),
      accept: (b) => b.length <= 64 * 1024,
    });
    const small = pool.get();
    const huge = new Uint8Array(1024 * 1024); // grown by one big request
    pool.put(huge);
    assert.equal(pool.size, 0, "the oversized buffer was dropped");
    pool.put(small);
    assert.equal(pool.size, 1);
    assert.equal(pool.get(), small);
  });

  test("reset() is called on every item that is kept, and never on dropped ones", () => {
    const resets: number[][] = [];
    const pool = new Pool<number[]>({
      new: () => [],
      maxSize: 1,
      accept: (b) => b.length < 100,
      reset: (b) => {
        resets.push([...b]);
        b.length = 0;
      },
    });
    const kept = [1, 2, 3];
    pool.put(kept);
    pool.put(new Array(200).fill(0)); // rejected by accept
    pool.put([9]); // pool full
    assert.deepEqual(resets, [[1, 2, 3]], "reset ran once, on the kept item");
    const back = pool.get();
    assert.equal(back, kept);
    assert.deepEqual(back, [], "the item comes back reset");
  });

  test("options are checked at construction, naming the option", () => {
    assert.throws(() => new Pool({ maxSize: -1, new: () => 0 }), { name: "RangeError", message: /maxSize/ });
    assert.throws(() => new Pool({ maxSize: 1.5, new: () => 0 }), { name: "RangeError", message: /maxSize/ });
    assert.throws(() => new Pool({ new: 1 as unknown as () => number }), {
      name: "TypeError",
      message: /new/,
    });
    assert.throws(() => new Pool({ new: () => 0, accept: "yes" as unknown as () => boolean }), {
      name: "TypeError",
      message: /accept/,
    });
    assert.throws(() => new Pool({ new: () => 0, reset: {} as unknown as () => void }), {
      name: "TypeError",
      message: /reset/,
    });
  });

  test("Go's example_pool_test: a pool of buffers reused across log calls", () => {
    let allocated = 0;
    const bufPool = new Pool<string[]>({
      new: () => {
        allocated++;
        return [];
      },
      reset: (b) => {
        b.length = 0;
      },
    });
    const out: string[] = [];
    const log = (key: string, val: string): void => {
      const b = bufPool.get();
      b.push(new Date(Date.UTC(2006, 0, 2, 15, 4, 5)).toISOString(), " ", key, "=", val);
      out.push(b.join(""));
      bufPool.put(b);
    };
    for (let i = 0; i < 5; i++) log("path", `/search?q=flowers&i=${i}`);
    assert.equal(out[0], "2006-01-02T15:04:05.000Z path=/search?q=flowers&i=0");
    assert.equal(out[4], "2006-01-02T15:04:05.000Z path=/search?q=flowers&i=4");
    assert.equal(allocated, 1, "one buffer served every call");
  });
});
