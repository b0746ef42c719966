// Port of Go's test/chan/select.go: simple select with send cases and a default.
// Send(a, b) loops `select { case a <- GetValue(): a = nil; case b <- GetValue(): b = nil;
// default: break }`. Checks: each ready send case runs exactly once and a nil (null) channel's
// case never runs; every send value is evaluated on entry to every select, even for a nil channel
// (so GetValue is called twice per select: 10 calls in all); the values sent are 1 and 2.
//
// Also ported here (the brief's "random fairness" test): Go's runtime/chan_test.go
// TestSelectFairness — a select over two always-ready channels (and two never-ready ones) picks
// each ready one about half the time, within Go's own six-nines bound.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, otherwise, recv, select, send } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

test("select: send cases, nil channels and default (select.go)", async () => {
  let counter = 0;
  let shift = 0;
  const getValue = (): number => {
    counter++;
    return 1 << shift;
  };

  async function sendAll(a: Chan<number> | null, b: Chan<number> | null): Promise<number> {
    let i = 0;
    for (;;) {
      const broke = await select(
        send(a, getValue(), () => {
          i++;
          a = null;
          return false;
        }),
        send(b, getValue(), () => {
          i++;
          b = null;
          return false;
        }),
        otherwise(() => true),
      );
      if (broke) break;
      shift++;
    }
    return i;
  }

  const a = new Chan<number>(1);
  const b = new Chan<number>(1);
  assert.equal(await sendAll(a, b), 2, "Send returned != 2");
  const av = (await a.recv()) as number;
  const bv = (await b.recv()) as number;
  assert.equal(av | bv, 3, `bad values ${av} ${bv}`);
  assert.equal(await sendAll(a, null), 1, "Send returned != 1");
  assert.equal(counter, 10, "counter");
});

test("select: fairness between two ready cases (runtime TestSelectFairness)", async () => {
  const trials = 10_000;
  const c1 = new Chan<number>(trials + 1);
  const c2 = new Chan<number>(trials + 1);
  for (let i = 0; i < trials + 1; i++) {
    await c1.send(1);
    await c2.send(2);
  }
  const c3 = new Chan<number>();
  const c4 = new Chan<number>();
  const out = new Chan<number>();
  const done = new Chan<number>();
  const finished = new Chan<void>();
  go(async () => {
    for (;;) {
      const b = await select(
        recv(c3, (v) => v as number),
        recv(c4, (v) => v as number),
        recv(c1, (v) => v as number),
        recv(c2, (v) => v as number),
      );
      const stop = await select(
        send(out, b, () => false),
        recv(done, () => true),
      );
      if (stop) break;
    }
    finished.close();
  });
  let cnt1 = 0;
  let cnt2 = 0;
  for (let i = 0; i < trials; i++) {
    const b = await out.recv();
    if (b === 1) cnt1++;
    else if (b === 2) cnt2++;
    else assert.fail(`unexpected value ${b} on channel`);
  }
  // With 10,000 trials the margin of error at a confidence level of six nines is
  // 4.891676 / (2 * sqrt(10000)) (Go's bound).
  const r = cnt1 / trials;
  const e = Math.abs(r - 0.5);
  assert.ok(
    e <= 4.891676 / (2 * Math.sqrt(trials)),
    `unfair select: in ${trials} trials, results were ${cnt1}, ${cnt2}`,
  );
  done.close();
  await finished.recv();
});
