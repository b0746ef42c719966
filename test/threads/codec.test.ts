// Codecs: every codec round-trips its values through a SharedChan (to a worker thread and back) and
// a SharedMap; a value of the wrong type is a TypeError and one too large a RangeError, at the call,
// with nothing half-written (the channel's length and the map's entry are unchanged, and the next
// good value goes through intact).
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type Codec, SharedChan, SharedMap } from "../../src/threads/index.js";
import { type Agent, agents } from "./helpers.js";

const fixture = new URL("./fixtures/chan.ts", import.meta.url);
const T = { timeout: 30_000 };

const cyclic: { self?: unknown; n: number } = { n: 1 };
cyclic.self = cyclic;

const samples: Record<Codec, readonly unknown[]> = {
  int32: [0, 1, -1, 2 ** 31 - 1, -(2 ** 31)],
  float64: [0, -0, 1.5, -1e300, Number.MAX_VALUE, Number.MIN_VALUE, Number.POSITIVE_INFINITY, Number.NaN],
  bigint64: [0n, -1n, 2n ** 63n - 1n, -(2n ** 63n)],
  string: ["", "a", "héllo wörld", "🦫 gopher", "x".repeat(64)],
  bytes: [new Uint8Array(0), new Uint8Array([0, 255, 7]), new Uint8Array(64).fill(9)],
  json: [null, 1, "s", [1, [2, [3]]], { a: { b: [true, false, null] } }],
  structured: [
    new Date(0),
    new Map([[1, { x: 1n }]]),
    new Set(["a"]),
    new Float64Array([1.5, 2.5]),
    /re+/gi,
    cyclic,
    undefined,
  ],
};

const bad: Record<Codec, readonly [unknown, ErrorConstructor | RangeErrorConstructor][]> = {
  int32: [
    ["1", TypeError],
    [1.5, RangeError],
    [2 ** 31, RangeError],
    [1n, TypeError],
  ],
  float64: [
    ["1", TypeError],
    [null, TypeError],
  ],
  bigint64: [
    [1, TypeError],
    [2n ** 63n, RangeError],
  ],
  string: [
    [1, TypeError],
    ["x".repeat(65), RangeError],
    ["é".repeat(33), RangeError],
  ],
  bytes: [
    ["x", TypeError],
    [new Uint8Array(65), RangeError],
  ],
  json: [
    [cyclic, TypeError],
    [() => 1, TypeError],
    [{ big: "x".repeat(100) }, RangeError],
  ],
  structured: [
    [() => 1, TypeError],
    [new Uint8Array(200), RangeError],
  ],
};

describe("codecs", () => {
  let w: Agent[] = [];
  before(async () => {
    w = await agents(1, fixture);
  });
  after(() => Promise.all(w.map((a) => a.terminate())));

  for (const codec of Object.keys(samples) as Codec[]) {
    test(`${codec}: round trip through a worker thread and a SharedMap`, T, async () => {
      const values = samples[codec];
      const out = new SharedChan<unknown>(values.length, { codec, maxValueBytes: 64 });
      const back = new SharedChan<unknown>(0, { codec, maxValueBytes: 64 });
      // The worker receives each value on `out` and sends it back on `back` (sync forms).
      const relayed = (w[0] as Agent).call<number>("relay", [out, back]);
      for (const v of values) out.trySend(v);
      out.close();
      const got: unknown[] = [];
      for await (const v of back) got.push(v);
      assert.equal(await relayed, values.length);
      assert.equal(got.length, values.length);
      for (let i = 0; i < values.length; i++) assertSame(codec, got[i], values[i]);

      const m = new SharedMap<number, unknown>({ codec, shards: 2 });
      for (let i = 0; i < values.length; i++) m.set(i, values[i]);
      for (let i = 0; i < values.length; i++) assertSame(codec, m.get(i), values[i]);
    });

    test(`${codec}: wrong type or too large is a clear error with nothing half-written`, T, async () => {
      const ch = new SharedChan<unknown>(4, { codec, maxValueBytes: 64 });
      const ok = samples[codec][1];
      ch.trySend(ok);
      const m = new SharedMap<string, unknown>({ codec, maxValueBytes: 64 });
      m.set("k", ok);
      for (const [v, E] of bad[codec]) {
        assert.throws(() => ch.trySend(v), E);
        assert.throws(() => ch.sendSync(v), E);
        await assert.rejects(ch.send(v), E);
        assert.throws(() => m.set("k", v), E);
        assert.throws(() => m.update("k", () => v), E);
        assert.throws(() => m.loadOrStore("new", v), E);
      }
      assert.equal(ch.length, 1);
      assertSame(codec, ch.tryRecv()?.[0], ok);
      assertSame(codec, m.get("k"), ok);
      assert.equal(m.has("new"), false);
      assert.equal(m.size, 1);
    });
  }

  test("string at exactly maxValueBytes fits; one byte more does not", T, () => {
    const ch = new SharedChan<string>(2, { codec: "string", maxValueBytes: 4 });
    assert.equal(ch.trySend("abcd"), true);
    assert.equal(ch.trySend("€a"), true, "3 + 1 bytes");
    assert.deepEqual(ch.tryRecv(), ["abcd", true]);
    assert.throws(() => ch.trySend("€ab"), /value takes 5 bytes, more than maxValueBytes \(4\)/);
    assert.deepEqual(ch.tryRecv(), ["€a", true]);
  });
});

function assertSame(codec: Codec, actual: unknown, expected: unknown): void {
  if (codec === "float64" && typeof expected === "number") {
    assert.ok(Object.is(actual, expected), `${String(actual)} vs ${String(expected)}`);
  } else if (codec === "structured" && expected === cyclic) {
    const a = actual as typeof cyclic;
    assert.equal(a.self, a, "the cycle survives");
    assert.equal(a.n, 1);
  } else {
    assert.deepEqual(actual, expected);
  }
}
