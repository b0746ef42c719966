// onceFunc, onceValue, onceValues: Go 1.21's sync.OnceFunc/OnceValue/OnceValues, including the
// rule that an f that panicked re-panics with the same value on every call. The ports of Go's
// sync/oncefunc_test.go are in go/oncefunc.test.ts.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { onceFunc, onceValue, onceValues } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, settle } from "./helpers.js";

leakCheck();

describe("onceFunc / onceValue / onceValues", () => {
  test("onceFunc calls f on the first call only, with that call's arguments", () => {
    const seen: [string, number][] = [];
    const f = onceFunc((name: string, n: number) => {
      seen.push([name, n]);
    });
    assert.equal(f("first", 1), undefined);
    f("second", 2);
    f("third", 3);
    assert.deepEqual(seen, [["first", 1]]);
  });

  test("onceValue returns the first result on every call, the very same object", () => {
    let calls = 0;
    const config = onceValue(() => {
      calls++;
      return { port: 8080 };
    });
    const a = config();
    const b = config();
    assert.equal(a, b);
    assert.equal(a.port, 8080);
    assert.equal(calls, 1);
  });

  test("onceValues returns the first pair on every call", () => {
    let calls = 0;
    const load = onceValues((): [string, Error | null] => {
      calls++;
      return ["data", null];
    });
    for (let i = 0; i < 3; i++) {
      const [data, err] = load();
      assert.equal(data, "data");
      assert.equal(err, null);
    }
    assert.equal(calls, 1);
  });

  test("an f that throws throws the same error on every call, and is never run again", () => {
    const boom = new Error("boom");
    let calls = 0;
    for (const make of [onceFunc, onceValue, onceValues] as const) {
      calls = 0;
      const f = (make as (f: () => never) => () => unknown)(() => {
        calls++;
        throw boom;
      });
      for (let i = 0; i < 3; i++) {
        assert.throws(
          () => f(),
          (e) => e === boom,
          `call ${i} of ${make.name}`,
        );
      }
      assert.equal(calls, 1, make.name);
    }
  });

  test("an f that throws undefined or null rethrows exactly that (Go's PanicNil)", () => {
    for (const value of [undefined, null]) {
      let calls = 0;
      const f = onceFunc(() => {
        calls++;
        throw value;
      });
      for (let i = 0; i < 2; i++) {
        let thrown = false;
        let got: unknown = "nothing";
        try {
          f();
        } catch (e) {
          thrown = true;
          got = e;
        }
        assert.equal(thrown, true, `threw ${String(value)} on call ${i}`);
        assert.equal(got, value);
      }
      assert.equal(calls, 1);
    }
  });

  test("an async f: every caller gets the same promise, f runs once", async () => {
    let calls = 0;
    const fetchConfig = onceValue(async () => {
      calls++;
      await settle(1);
      return "config";
    });
    const a = fetchConfig();
    const b = fetchConfig();
    assert.equal(a, b, "the same promise");
    assert.equal(await a, "config");
    assert.equal(await fetchConfig(), "config");
    assert.equal(calls, 1);
  });

  test("an async f that rejects: every call returns the same rejected promise", async () => {
    const err = new Error("unreachable");
    let calls = 0;
    const connect = onceValue(async (): Promise<string> => {
      calls++;
      throw err;
    });
    const p1 = probe(connect());
    const p2 = probe(connect());
    await settle(1);
    assert.equal(p1.promise, p2.promise);
    assert.equal(p1.error, err);
    await assert.rejects(connect(), (e) => e === err);
    assert.equal(calls, 1);
  });

  test("a recursive call from inside f fails instead of re-running f", () => {
    let calls = 0;
    let inner: unknown = null;
    const f: () => number = onceValue(() => {
      calls++;
      try {
        f();
      } catch (e) {
        inner = e;
      }
      return 1;
    });
    assert.equal(f(), 1);
    assert.equal(calls, 1, "f ran once");
    assert.ok(inner instanceof Error, "the recursive call threw");
    assert.equal(f(), 1);
  });

  test("not a function: a TypeError naming f, at once", () => {
    for (const make of [onceFunc, onceValue, onceValues] as const) {
      assert.throws(() => (make as (f: unknown) => unknown)(42), { name: "TypeError", message: /\bf\b/ });
    }
  });
});
