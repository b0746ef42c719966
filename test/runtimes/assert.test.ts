// The browser's stand-in for node:assert/strict (test/runtimes/assert.ts) must fail where Node's
// fails, or the suites it runs in Chromium could pass vacuously: each case here runs through both,
// and the two must agree on whether it throws.

import nodeAssert from "node:assert/strict";
import { describe, test } from "node:test";
import shim from "./assert.js";

class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
}
const sym = Symbol("k");

/** [label, actual, expected] for deepEqual. */
const DEEP: readonly [string, unknown, unknown][] = [
  ["equal numbers", 1, 1],
  ["different numbers", 1, 2],
  ["NaN and NaN", Number.NaN, Number.NaN],
  ["0 and -0", 0, -0],
  ["1 and '1'", 1, "1"],
  ["null and undefined", null, undefined],
  ["equal arrays", [1, [2, 3]], [1, [2, 3]]],
  ["arrays of different length", [1, 2], [1, 2, 3]],
  ["nested difference", { a: { b: [1, 2] } }, { a: { b: [1, 3] } }],
  ["a missing key", { a: 1 }, { a: 1, b: undefined }],
  ["different prototypes", new Point(1, 2), { x: 1, y: 2 }],
  ["equal class instances", new Point(1, 2), new Point(1, 2)],
  ["equal maps", new Map([[1, { a: 1 }]]), new Map([[1, { a: 1 }]])],
  ["maps with different values", new Map([[1, 1]]), new Map([[1, 2]])],
  ["equal sets", new Set([1, 2]), new Set([2, 1])],
  ["different sets", new Set([1, 2]), new Set([1, 3])],
  ["equal dates", new Date(5), new Date(5)],
  ["different dates", new Date(5), new Date(6)],
  ["symbol keys", { [sym]: 1 }, { [sym]: 2 }],
  ["errors with other messages", new Error("a"), new Error("b")],
  ["equal bytes", new Uint8Array([1, 2]), new Uint8Array([1, 2])],
  ["different bytes", new Uint8Array([1, 2]), new Uint8Array([1, 3])],
  ["array and object", [1], { 0: 1 }],
];

function throwsIn(f: () => unknown): boolean {
  try {
    f();
    return false;
  } catch {
    return true;
  }
}

async function rejectsIn(f: () => Promise<unknown>): Promise<boolean> {
  try {
    await f();
    return false;
  } catch {
    return true;
  }
}

describe("the browser's assert agrees with node:assert/strict", () => {
  for (const [label, a, b] of DEEP) {
    test(`deepEqual: ${label}`, { timeout: 5_000 }, () => {
      nodeAssert.equal(
        throwsIn(() => shim.deepEqual(a, b)),
        throwsIn(() => nodeAssert.deepEqual(a, b)),
      );
    });
  }

  test("equal, notEqual, ok, match", { timeout: 5_000 }, () => {
    const cases: [string, (a: typeof shim | typeof nodeAssert) => void][] = [
      ["equal same", (a) => a.equal(1, 1)],
      ["equal objects", (a) => a.equal({}, {})],
      ["equal NaN", (a) => a.equal(Number.NaN, Number.NaN)],
      ["notEqual", (a) => a.notEqual(1, 1)],
      ["ok(0)", (a) => a.ok(0)],
      ["ok(1)", (a) => a.ok(1)],
      ["match", (a) => a.match("abc", /b/)],
      ["no match", (a) => a.match("abc", /d/)],
    ];
    for (const [label, f] of cases) {
      nodeAssert.equal(
        throwsIn(() => f(shim)),
        throwsIn(() => f(nodeAssert)),
        label,
      );
    }
  });

  test("throws and rejects: no error, the wrong class, a regexp, a validator, an object", {
    timeout: 5_000,
  }, async () => {
    const boom = (): never => {
      throw new RangeError("out of range");
    };
    const expectations: [string, unknown][] = [
      ["nothing expected", undefined],
      ["the right class", RangeError],
      ["a base class", Error],
      ["the wrong class", TypeError],
      ["a matching regexp", /out of/],
      ["a regexp that does not match", /nope/],
      ["a validator that accepts", (e: unknown) => e instanceof RangeError],
      ["a validator that rejects", (e: unknown) => e instanceof TypeError],
      ["a matching object", { name: "RangeError", message: "out of range" }],
      ["an object that does not match", { message: "other" }],
    ];
    for (const [label, expected] of expectations) {
      const e = expected as RegExp;
      nodeAssert.equal(
        throwsIn(() => shim.throws(boom, e)),
        throwsIn(() => nodeAssert.throws(boom, e)),
        `throws: ${label}`,
      );
      nodeAssert.equal(
        await rejectsIn(() => shim.rejects(Promise.reject(new RangeError("out of range")), e)),
        await rejectsIn(() => nodeAssert.rejects(Promise.reject(new RangeError("out of range")), e)),
        `rejects: ${label}`,
      );
    }
    nodeAssert.equal(
      throwsIn(() => shim.throws(() => {})),
      true,
      "throws with no exception",
    );
    nodeAssert.equal(
      await rejectsIn(() => shim.rejects(Promise.resolve())),
      true,
      "rejects with no rejection",
    );
  });
});
