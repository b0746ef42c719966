// Port of Go's test/chan/doubleselect.go: two cases of one select must never both run.
// A sender selects over four unbuffered channels to send each counter value; four muxes forward
// what they get onto one channel; the receiver checks that no value arrives twice (Go's check).
// Beyond Go's program, it also checks that no value is lost (every counter value arrives once).
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, select, send } from "../../src/index.js";

const iterations = 20_000; // Go: 100000

async function sender(n: number, c1: Chan<number>, c2: Chan<number>, c3: Chan<number>, c4: Chan<number>) {
  try {
    for (let i = 0; i < n; i++) {
      await select(
        send(c1, i, () => {}),
        send(c2, i, () => {}),
        send(c3, i, () => {}),
        send(c4, i, () => {}),
      );
    }
  } finally {
    // Go's deferred closes run in reverse order.
    c4.close();
    c3.close();
    c2.close();
    c1.close();
  }
}

async function mux(out: Chan<number>, inp: Chan<number>, done: Chan<boolean>) {
  for await (const v of inp) await out.send(v);
  await done.send(true);
}

test("doubleselect: no select case runs twice", async () => {
  const c1 = new Chan<number>();
  const c2 = new Chan<number>();
  const c3 = new Chan<number>();
  const c4 = new Chan<number>();
  const done = new Chan<boolean>();
  const cmux = new Chan<number>();
  go(sender, iterations, c1, c2, c3, c4);
  go(mux, cmux, c1, done);
  go(mux, cmux, c2, done);
  go(mux, cmux, c3, done);
  go(mux, cmux, c4, done);
  go(async () => {
    await done.recv();
    await done.recv();
    await done.recv();
    await done.recv();
    cmux.close();
  });

  // recver
  const seen = new Set<number>();
  const duplicates: number[] = [];
  for await (const v of cmux) {
    if (seen.has(v)) duplicates.push(v);
    seen.add(v);
  }
  assert.deepEqual(duplicates, [], "got duplicate values");
  assert.equal(seen.size, iterations, "every value arrives exactly once");
});
