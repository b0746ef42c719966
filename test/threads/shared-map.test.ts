// SharedMap: a model-based test against JavaScript's Map (SameValueZero keys) on one thread with
// few shards (so growth and probing collide often), then real worker threads: update atomicity
// (a counter incremented from 4 threads is exact), growth under 4 concurrent writers seen by every
// attached copy, and loadOrStore deciding each key for exactly one thread.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { GoSyncError } from "../../src/index.js";
import { attach, SharedMap, share } from "../../src/threads/index.js";
import type { MapOp } from "./fixtures/chan.js";
import { type Agent, agents } from "./helpers.js";

const fixture = new URL("./fixtures/chan.ts", import.meta.url);
const T = { timeout: 60_000 };

type Key = string | number;
type Op =
  | { t: "set"; k: Key; v: unknown }
  | { t: "get" | "has" | "delete"; k: Key }
  | { t: "loadOrStore"; k: Key; v: unknown }
  | { t: "update"; k: Key; v: unknown; del: boolean };

const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.integer({ min: -50, max: 50 }),
  fc.constantFrom(0, -0, Number.NaN, 0.5, "0", "", "é"),
);
const value = fc.oneof(fc.integer(), fc.string({ maxLength: 40 }), fc.array(fc.integer(), { maxLength: 20 }));
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant("set" as const), k: key, v: value }),
  fc.record({ t: fc.constantFrom("get" as const, "has" as const, "delete" as const), k: key }),
  fc.record({ t: fc.constant("loadOrStore" as const), k: key, v: value }),
  fc.record({ t: fc.constant("update" as const), k: key, v: value, del: fc.boolean() }),
);

describe("SharedMap on one thread", () => {
  test("matches Map under random operations (growth, deletes, rewrites of other sizes)", T, () => {
    fc.assert(
      fc.property(fc.constantFrom(1, 2, 8), fc.array(op, { maxLength: 300 }), (shards, ops) => {
        const m = new SharedMap<Key, unknown>({ shards });
        const ref = new Map<Key, unknown>();
        for (const o of ops) {
          switch (o.t) {
            case "set":
              m.set(o.k, o.v);
              ref.set(o.k, o.v);
              break;
            case "get":
              assert.deepEqual(m.get(o.k), ref.get(o.k));
              break;
            case "has":
              assert.equal(m.has(o.k), ref.has(o.k));
              break;
            case "delete":
              assert.equal(m.delete(o.k), ref.delete(o.k));
              break;
            case "loadOrStore": {
              const had = ref.has(o.k);
              if (!had) ref.set(o.k, o.v);
              assert.deepEqual(m.loadOrStore(o.k, o.v), [ref.get(o.k), had]);
              break;
            }
            case "update": {
              const old = ref.get(o.k);
              let seen: unknown = "not called";
              const r = m.update(o.k, (x) => {
                seen = x;
                return o.del ? undefined : o.v;
              });
              assert.deepEqual(seen, old);
              if (o.del) ref.delete(o.k);
              else ref.set(o.k, o.v);
              assert.deepEqual(r, o.del ? undefined : o.v);
            }
          }
          assert.equal(m.size, ref.size);
        }
        const entries = [...m.entries()];
        assert.equal(entries.length, ref.size);
        for (const [k, v] of entries) {
          assert.ok(ref.has(k));
          assert.deepEqual(v, ref.get(k));
        }
        assert.deepEqual(new Set(m.keys()), new Set(ref.keys()));
      }),
      { numRuns: 150 },
    );
  });

  test("update: a throwing fn changes nothing; using the map inside fn throws GoSyncError", T, () => {
    const m = new SharedMap<string, number>({ codec: "int32" });
    m.set("a", 1);
    assert.throws(
      () =>
        m.update("a", () => {
          throw new Error("boom");
        }),
      /boom/,
    );
    assert.equal(m.get("a"), 1);
    assert.throws(() => m.update("a", () => m.get("b") ?? 0), GoSyncError);
    assert.throws(() => m.update("a", (async () => 5) as never), /not a promise/);
    assert.equal(m.get("a"), 1);
    m.set("b", 2);
    assert.equal(m.get("b"), 2, "the map works after a failed update");
  });

  test("bad input: keys, options and fn", T, () => {
    const m = new SharedMap<string, number>({ codec: "int32" });
    assert.throws(() => m.set({} as never, 1), /key must be a string or a number/);
    assert.throws(() => m.update("a", 1 as never), /fn must be a function/);
    assert.throws(() => new SharedMap({ shards: 3 }), /power of two/);
    assert.throws(() => new SharedMap({ codec: "yaml" as never }), TypeError);
    assert.equal(m.size, 0);
  });

  test("keys are exact: lone surrogates, long strings, -0 and NaN, '1' vs 1", T, () => {
    const m = new SharedMap<string | number, string>({ codec: "string", shards: 1 });
    const long = "ab\u{1F9AB}".repeat(5000);
    const keys: (string | number)[] = ["\ud800", "\udc00x", long, "", "1", 1, -0, Number.NaN, 2 ** 53];
    keys.forEach((k, i) => {
      m.set(k, `v${i}`);
    });
    assert.equal(m.size, keys.length);
    keys.forEach((k, i) => {
      assert.equal(m.get(k), `v${i}`);
    });
    assert.equal(m.get(0), "v6", "-0 and 0 are one key (SameValueZero)");
    assert.equal(m.get("\ud800x"), undefined);
    const back = new Map(m.entries());
    assert.equal(back.get(long), "v2", "entries() gives the key back exactly");
    assert.equal(back.get("\ud800"), "v0");
    assert.ok([...back.keys()].some((k) => Number.isNaN(k)));
  });

  test("share/attach on the same thread gives a view of the same memory", T, () => {
    const m = new SharedMap<string, string>({ codec: "string", shards: 1 });
    const copy = attach<SharedMap<string, string>>(share(m));
    for (let i = 0; i < 500; i++) m.set(`k${i}`, "v".repeat(i % 50));
    assert.equal(copy.size, 500);
    assert.equal(copy.get("k499"), "v".repeat(49), "the copy sees growth");
  });
});

describe("SharedMap across threads", () => {
  let w: Agent[] = [];
  before(async () => {
    w = await agents(4, fixture);
  });
  after(() => Promise.all(w.map((a) => a.terminate())));

  test("update from 4 threads: every increment counted (no lost update)", T, async () => {
    const m = new SharedMap<string, number>({ codec: "int32", shards: 4 });
    const n = 3000;
    await Promise.all(w.map((a, i) => a.call("increment", [m, i % 2 === 0 ? "even" : "odd", n])));
    await Promise.all(w.map((a) => a.call("increment", [m, "all", n])));
    assert.equal(m.get("even"), 2 * n);
    assert.equal(m.get("odd"), 2 * n);
    assert.equal(m.get("all"), 4 * n);
  });

  test("growth under 4 concurrent writers is seen by every thread", T, async () => {
    const m = new SharedMap<string, number>({ codec: "int32", shards: 2 });
    const n = 4000;
    const ok = await Promise.all(w.map((a, i) => a.call<number>("writeMany", [m, `t${i}-`, n])));
    assert.deepEqual(ok, [n, n, n, n], "each writer reads back all its keys");
    assert.equal(m.size, 4 * n);
    const probe = ["t0-0", "t1-3999", "t2-1234", "t3-2000", "absent"];
    assert.deepEqual(await (w[0] as Agent).call("readKeys", [m, probe]), [0, 3999, 1234, 2000, null]);
    assert.equal([...m.keys()].length, 4 * n);
  });

  test("loadOrStore: each key is won by exactly one thread, and the map says which", T, async () => {
    const m = new SharedMap<number, number>({ codec: "int32", shards: 8 });
    const n = 2000;
    const won = await Promise.all(w.map((a, id) => a.call<number[]>("claim", [m, id, n])));
    const all = won.flat().sort((a, b) => a - b);
    assert.deepEqual(
      all,
      Array.from({ length: n }, (_, k) => k),
    );
    won.forEach((keys, id) => {
      for (const k of keys) assert.equal(m.get(k), id);
    });
  });

  test("model: random programs on 3 threads (own keys and a shared counter) match Map", {
    timeout: 180_000,
  }, async () => {
    const mapOp: fc.Arbitrary<MapOp> = fc.oneof(
      fc.record({ t: fc.constant("set" as const), k: fc.nat(60), v: fc.string({ maxLength: 30 }) }),
      fc.record({ t: fc.constantFrom("delete" as const, "get" as const), k: fc.nat(60) }),
      fc.record({ t: fc.constant("loadOrStore" as const), k: fc.nat(60), v: fc.string({ maxLength: 8 }) }),
      fc.record({ t: fc.constant("append" as const), k: fc.nat(60), v: fc.string({ maxLength: 5 }) }),
      fc.record({ t: fc.constant("count" as const) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(1, 2, 4),
        fc.array(fc.array(mapOp, { maxLength: 400 }), { minLength: 3, maxLength: 3 }),
        async (shards, programs) => {
          const m = new SharedMap<string, string | number>({ shards });
          const results = await Promise.all(
            programs.map((ops, i) =>
              (w[i] as Agent).call<{ entries: [string, string][]; counted: number }>("mapProgram", [
                m,
                `t${i}:`,
                ops,
              ]),
            ),
          );
          const want = new Map<string, string | number>(results.flatMap((r) => r.entries));
          const counted = results.reduce((n, r) => n + r.counted, 0);
          if (counted > 0) want.set("counter", counted);
          assert.deepEqual(new Map(m.entries()), want);
          assert.equal(m.size, want.size);
        },
      ),
      { numRuns: 20 },
    );
  });
});
