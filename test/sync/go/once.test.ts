// Ports of Go's sync/once_test.go: TestOnce and TestOncePanic.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, go, Once, yieldNow } from "../../../src/index.js";
import { leakCheck } from "../../../src/testing/index.js";

leakCheck();

class One {
  n = 0;
  increment(): void {
    this.n++;
  }
}

async function run(once: Once, o: One, c: Chan<boolean>, errors: string[]): Promise<void> {
  await once.do(() => o.increment());
  if (o.n !== 1) errors.push(`once failed inside run: ${o.n} is not 1`);
  await c.send(true);
}

describe("Go's once_test.go", () => {
  test("TestOnce", async () => {
    const o = new One();
    const once = new Once();
    const c = new Chan<boolean>();
    const errors: string[] = [];
    const N = 10;
    for (let i = 0; i < N; i++) go(run, once, o, c, errors);
    for (let i = 0; i < N; i++) await c.recv();
    assert.deepEqual(errors, []);
    assert.equal(o.n, 1, `once failed outside run: ${o.n} is not 1`);
  });

  test("TestOnce with an asynchronous increment: every caller sees 1", async () => {
    const o = new One();
    const once = new Once();
    const c = new Chan<boolean>();
    const errors: string[] = [];
    const N = 10;
    for (let i = 0; i < N; i++) {
      go(async () => {
        await once.do(async () => {
          await yieldNow();
          o.increment();
        });
        if (o.n !== 1) errors.push(`once failed inside run: ${o.n} is not 1`);
        await c.send(true);
      });
    }
    for (let i = 0; i < N; i++) await c.recv();
    assert.deepEqual(errors, []);
    assert.equal(o.n, 1);
  });

  test("TestOncePanic", async () => {
    const once = new Once();
    await assert.rejects(
      once.do(() => {
        throw new Error("failed");
      }),
      { message: "failed" },
      "Once.Do did not panic",
    );
    await once.do(() => {
      assert.fail("Once.Do called twice");
    });
  });
});
