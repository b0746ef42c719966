// Port of Go's test/chan/select4.go: a select proceeds when a value is ready.
// c (buffered) holds 42 and c1 (unbuffered) has no sender: the select must take c's case and get
// 42, and must never run c1's case. (In Go the receive's left-hand side `*f()` is evaluated only
// for the chosen case; here that is c1's body, which must not be called.)
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, recv, select } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

test("select4: the ready case is taken and the other case's body never runs", async () => {
  let fCalled = false;
  const x = { a: 0 };
  const c = new Chan<number>(1);
  const c1 = new Chan<number>();
  await c.send(42);
  await select(
    recv(c1, (v) => {
      fCalled = true; // Go: println("BUG: called f")
      x.a = v as number;
    }),
    recv(c, (v) => {
      x.a = v as number;
    }),
  );
  assert.equal(fCalled, false, "BUG: called f");
  assert.equal(x.a, 42);
});
