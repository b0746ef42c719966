// Port of Go's test/chan/goroutines.go: torture test for tasks. Thread a long chain of tasks
// together with unbuffered channels (each does `left <- <-right`), feed one value in at the right
// end and receive it at the left end, so that every task runs and finishes.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

const n = 10_000; // Go's default

async function f(left: Chan<number>, right: Chan<number>): Promise<void> {
  const v = await right.recv();
  await left.send(v as number);
}

test("goroutines: a chain of 10000 tasks passes one value along", async () => {
  const leftmost = new Chan<number>();
  let right = leftmost;
  let left = leftmost;
  for (let i = 0; i < n; i++) {
    right = new Chan<number>();
    go(f, left, right);
    left = right;
  }
  go(async (c: Chan<number>) => c.send(1), right);
  assert.equal(await leftmost.recv(), 1);
});
