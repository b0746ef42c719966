// Port of Go's test/chan/doubleselect.go: two cases of one select must never both run.
// A sender selects over four unbuffered channels to send each counter value; four muxes forward
// what they get onto one channel; the receiver checks that no value arrives twice (Go's check).
// Beyond Go's program, it also checks that no value is lost (every counter value arrives once).
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, select, send, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

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

function start(n: number): Chan<number> {
  const c1 = new Chan<number>();
  const c2 = new Chan<number>();
  const c3 = new Chan<number>();
  const c4 = new Chan<number>();
  const done = new Chan<boolean>();
  const cmux = new Chan<number>();
  go(sender, n, c1, c2, c3, c4);
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
  return cmux;
}

class Recver {
  readonly seen = new Set<number>();
  readonly duplicates: number[] = [];
  add(v: number): void {
    if (this.seen.has(v)) this.duplicates.push(v);
    this.seen.add(v);
  }
  check(): void {
    assert.deepEqual(this.duplicates, [], "got duplicate values");
    assert.equal(this.seen.size, iterations, "every value arrives exactly once");
  }
}

test("doubleselect: no select case runs twice", async () => {
  const cmux = start(iterations);
  const r = new Recver();
  for await (const v of cmux) r.add(v);
  r.check();
});

test("doubleselect: a parked select woken by several receivers at once commits one case", async () => {
  // Go's program relies on parallel threads to make two receivers reach a parked select at once.
  // Here the receiver drains cmux in bursts, once per macrotask turn, so all four muxes come back
  // to their channels in the same microtask run while the sender's select is parked on all four.
  const cmux = start(iterations);
  const r = new Recver();
  for (let open = true; open; ) {
    await yieldNow();
    for (;;) {
      const got = cmux.tryRecv();
      if (got === undefined) break;
      if (!got[1]) {
        open = false;
        break;
      }
      r.add(got[0]);
    }
  }
  r.check();
});
