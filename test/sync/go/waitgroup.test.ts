// Ports of Go's sync/waitgroup_test.go: TestWaitGroup, TestWaitGroupMisuse, TestWaitGroupRace and
// TestWaitGroupAlign.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, go, WaitGroup } from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";
import { settle } from "../helpers.js";

leakCheck();

async function testWaitGroup(wg1: WaitGroup, wg2: WaitGroup): Promise<void> {
  const n = 16;
  wg1.add(n);
  wg2.add(n);
  const exited = new Chan<boolean>(n);
  for (let i = 0; i !== n; i++) {
    go(async () => {
      wg1.done();
      await wg2.wait();
      await exited.send(true);
    });
  }
  await wg1.wait();
  for (let i = 0; i !== n; i++) {
    await settle(1); // let a wrongly released task get as far as the send
    assert.equal(exited.tryRecv(), undefined, "WaitGroup released group too soon");
    wg2.done();
  }
  for (let i = 0; i !== n; i++) await exited.recv(); // blocks if the barrier fails to release someone
}

describe("Go's waitgroup_test.go", () => {
  test("TestWaitGroup", async () => {
    const wg1 = new WaitGroup();
    const wg2 = new WaitGroup();
    // Run the same test a few times to ensure the barrier is in a proper state.
    for (let i = 0; i !== 8; i++) await testWaitGroup(wg1, wg2);
  });

  test("TestWaitGroupMisuse", () => {
    const wg = new WaitGroup();
    wg.add(1);
    wg.done();
    assert.throws(() => wg.done(), { message: "sync: negative WaitGroup counter" }, "Should panic");
  });

  test("TestWaitGroupRace: no spurious wake-up from Wait", async () => {
    for (let i = 0; i < 1000; i++) {
      const wg = new WaitGroup();
      let n = 0;
      wg.add(1);
      go(() => {
        n++;
        wg.done();
      });
      wg.add(1);
      go(() => {
        n++;
        wg.done();
      });
      await wg.wait();
      assert.equal(n, 2, "Spurious wakeup from Wait");
    }
  });

  test("TestWaitGroupAlign: a WaitGroup embedded in another object works", async () => {
    const x = { x: 1, wg: new WaitGroup() };
    x.wg.add(1);
    go((y: typeof x) => y.wg.done(), x);
    await x.wg.wait();
    assert.equal(x.wg.count, 0);
  });
});
