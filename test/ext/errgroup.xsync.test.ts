// Ports of golang.org/x/sync/errgroup/errgroup_test.go (our own code, same scenarios): TestZeroGroup,
// TestWithContext, TestCancelCause, TestTryGo, TestGoLimit, ExampleGroup_parallel.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  background,
  Canceled,
  Chan,
  type Context,
  cause,
  ErrGroup,
  GoSyncError,
  go,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, settle } from "./helpers.js";

leakCheck();

describe("x/sync errgroup_test.go", () => {
  const err1 = new Error("errgroup_test: 1");
  const err2 = new Error("errgroup_test: 2");

  test("TestZeroGroup", async () => {
    const cases: (Error | null)[][] = [[], [null], [err1], [err1, null], [err1, null, err2]];
    for (const errs of cases) {
      const g = new ErrGroup();
      let firstErr: Error | null = null;
      for (const err of errs) {
        g.go(() => {
          if (err !== null) throw err;
        });
        if (firstErr === null && err !== null) firstErr = err;
        let gErr: unknown = null;
        try {
          await g.wait();
        } catch (e) {
          gErr = e;
        }
        assert.equal(gErr, firstErr, `errs ${errs.map(String).join(", ")}`);
      }
    }
  });

  const errDoom = new Error("group_test: doomed");
  const contextCases: { errs: (Error | null)[]; want: Error | null }[] = [
    { errs: [], want: null },
    { errs: [null], want: null },
    { errs: [errDoom], want: errDoom },
    { errs: [errDoom, null], want: errDoom },
  ];

  test("TestWithContext", async () => {
    for (const tc of contextCases) {
      const [g, ctx] = ErrGroup.withContext(background());
      for (const err of tc.errs) {
        g.go(() => {
          if (err !== null) throw err;
        });
      }
      let got: unknown = null;
      try {
        await g.wait();
      } catch (e) {
        got = e;
      }
      assert.equal(got, tc.want);
      assert.equal(ctx.done()?.tryRecv()?.[1], false, "ctx.done() was not closed");
    }
  });

  test("TestCancelCause", async () => {
    for (const tc of contextCases) {
      const [g, ctx] = ErrGroup.withContext(background());
      for (const err of tc.errs) {
        g.tryGo(() => {
          if (err !== null) throw err;
        });
      }
      let got: unknown = null;
      try {
        await g.wait();
      } catch (e) {
        got = e;
      }
      assert.equal(got, tc.want);
      assert.equal(cause(ctx), tc.want ?? Canceled);
    }
  });

  test("TestTryGo", async () => {
    const g = new ErrGroup();
    const n = 42;
    g.setLimit(42);
    const ch = new Chan<void>();
    const fn = (): Promise<void> => ch.send(undefined);
    for (let i = 0; i < n; i++)
      assert.equal(g.tryGo(fn), true, `TryGo should succeed but got fail at ${i}-th call.`);
    assert.equal(g.tryGo(fn), false, "TryGo is expected to fail but succeeded.");
    go(async () => {
      for (let i = 0; i < n; i++) await ch.recv();
    });
    await g.wait();

    assert.equal(g.tryGo(fn), true, "TryGo should succeed after all goroutines.");
    go(async () => {
      await ch.recv();
    });
    await g.wait();

    // Switch limit.
    g.setLimit(1);
    assert.equal(g.tryGo(fn), true);
    assert.equal(g.tryGo(fn), false);
    go(async () => {
      await ch.recv();
    });
    await g.wait();

    // Block all calls.
    g.setLimit(0);
    for (let i = 0; i < 1 << 10; i++) assert.equal(g.tryGo(fn), false);
    await g.wait();
  });

  test("TestGoLimit", async () => {
    const limit = 10;
    const g = new ErrGroup();
    g.setLimit(limit);
    let active = 0;
    for (let i = 0; i <= 1 << 10; i++) {
      await g.go(async () => {
        const n = ++active;
        if (n > limit) throw new Error(`saw ${n} active goroutines; want ≤ ${limit}`);
        await Promise.resolve(); // give other tasks a chance to increment active
        await settle(1);
        active--;
      });
    }
    await g.wait();
  });

  test("ExampleGroup_parallel: Google Search 2.0", async () => {
    const fakeSearch =
      (kind: string) =>
      async (_ctx: Context, query: string): Promise<string> =>
        `${kind} result for "${query}"`;
    const google = async (ctx: Context, query: string): Promise<string[]> => {
      const [g, gctx] = ErrGroup.withContext(ctx);
      const searches = [fakeSearch("web"), fakeSearch("image"), fakeSearch("video")];
      const results: string[] = new Array(searches.length);
      for (const [i, search] of searches.entries()) {
        g.go(async () => {
          results[i] = await search(gctx, query);
        });
      }
      await g.wait();
      return results;
    };
    assert.deepEqual(await google(background(), "golang"), [
      'web result for "golang"',
      'image result for "golang"',
      'video result for "golang"',
    ]);
  });

  test("errgroup's panic text is a GoSyncError", async () => {
    const g = new ErrGroup();
    const release = gate();
    g.go(() => release.promise); // the group stays active until released
    try {
      g.setLimit(1);
      assert.fail("setLimit should have thrown");
    } catch (e) {
      assert.ok(e instanceof GoSyncError);
    }
    release.open();
    await g.wait();
  });
});
