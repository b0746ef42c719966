// Ports of Go's sync/oncefunc_test.go (Go 1.21): TestOnceFunc, TestOnceValue, TestOnceValues,
// TestOnce{Func,Value,Values}Panic and TestOnceXGC. (Allocation counts and Goexit have no
// counterpart here.)
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { onceFunc, onceValue, onceValues } from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";

leakCheck();

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

async function collectGarbage(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await nextMacrotask(); // WeakRef targets stay alive until the current job ends
    gc();
  }
}

describe("Go's oncefunc_test.go", () => {
  test("TestOnceFunc", () => {
    let calls = 0;
    const f = onceFunc(() => {
      calls++;
    });
    for (let i = 0; i < 10; i++) f();
    assert.equal(calls, 1, `want calls==1, got ${calls}`);
  });

  test("TestOnceValue", () => {
    let calls = 0;
    const f = onceValue(() => {
      calls++;
      return calls;
    });
    for (let i = 0; i < 10; i++) {
      const got = f();
      assert.equal(got, 1, `want value==1, got ${got}`);
    }
    assert.equal(calls, 1);
  });

  test("TestOnceValues", () => {
    let calls = 0;
    const f = onceValues((): [number, number] => {
      calls++;
      return [calls, calls + 1];
    });
    for (let i = 0; i < 10; i++) {
      const [a, b] = f();
      assert.deepEqual([a, b], [1, 2]);
    }
    assert.equal(calls, 1);
  });

  // testOncePanicX: each call panics with the same value, and f runs once.
  for (const [name, make] of [
    ["TestOnceFuncPanic", (f: () => never) => onceFunc(f)],
    ["TestOnceValuePanic", (f: () => never) => onceValue(f)],
    ["TestOnceValuesPanic", (f: () => never) => onceValues(f)],
  ] as const) {
    test(name, () => {
      let calls = 0;
      const f = make(() => {
        calls++;
        throw "x";
      });
      for (let i = 0; i < 2; i++) {
        assert.throws(
          () => f(),
          (e) => e === "x",
          "should panic with x",
        );
      }
      assert.equal(calls, 1, `want calls==1, got ${calls}`);
    });
  }

  test("TestOnceXGC: f (and what it holds) is kept until the first call, released after it", async () => {
    const cases: [string, (f: () => void) => () => unknown][] = [
      ["OnceFunc", (f) => onceFunc(f)],
      [
        "OnceValue",
        (f) =>
          onceValue(() => {
            f();
            return 1;
          }),
      ],
      [
        "OnceValues",
        (f) =>
          onceValues((): [number, number] => {
            f();
            return [1, 2];
          }),
      ],
    ];
    for (const [name, make] of cases) {
      let buf: number[] | null = new Array(1024).fill(0);
      const ref = new WeakRef(buf);
      const fn = make(
        ((b: number[]) => () => {
          b[0] = 1;
        })(buf),
      );
      buf = null;
      await collectGarbage();
      assert.notEqual(ref.deref(), undefined, `${name}: wrapped function garbage collected too early`);
      fn();
      assert.equal(ref.deref()?.[0], 1);
      await collectGarbage();
      assert.equal(
        ref.deref(),
        undefined,
        `${name}: wrapped function should be garbage collected, but still live`,
      );
      fn(); // the wrapper itself stays usable
    }
  });
});
