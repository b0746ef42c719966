// Model-based test of ThreadPool with real threads: fast-check generates random programs — tasks of
// both kinds (small arguments written inline into shared memory; shared-memory arguments sent by
// message, with inline or message results), some held on a gate so others queue behind them, ctxs
// cancelled at random points (before submission, while queued, while running) — and the pool must
// agree with the simplest model of "run each function once, unless cancelled first":
//
// - a task whose ctx is never cancelled resolves with its own result, and ran exactly once;
// - a task whose ctx was cancelled before run() never runs and rejects with ctx's error at once;
// - any other cancelled task either resolves with its result (it finished first) or rejects with
//   exactly ctx's error; it ran at most once, and a resolved one ran;
// - no task runs twice, none is lost, and afterwards nothing is left queued.

import assert from "node:assert/strict";
import { after, test } from "node:test";
import fc from "fast-check";
import { background, type Context, withCancel } from "../../src/index.js";
import { ThreadPool } from "../../src/threads/index.js";

const TASKS = new URL("./fixtures/pool-tasks.ts", import.meta.url);
const pools = [1, 2, 3].map((size) => new ThreadPool(TASKS, { size }));
after(() => Promise.all(pools.map((p) => p.close())));

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface TaskSpec {
  /** "add": inline arguments and result; "effect": arguments by message, counted when it runs. */
  readonly kind: "add" | "effect";
  /** An effect task's result: a number (inline) or an object (by message). */
  readonly objectResult: boolean;
  readonly gated: boolean;
  /** The step at which its ctx is cancelled (relative to its own submission step), if any. */
  readonly cancelAt: number | null;
}

const taskSpec = fc.record({
  kind: fc.constantFrom("add" as const, "effect" as const),
  objectResult: fc.boolean(),
  gated: fc.boolean(),
  cancelAt: fc.option(fc.integer({ min: -1, max: 6 }), { nil: null }),
});

test("ThreadPool agrees with the run-once-unless-cancelled model", { timeout: 300_000 }, async () => {
  await Promise.all(pools.map((p) => p.run("add", [0, 0]))); // threads up
  await fc.assert(
    fc.asyncProperty(
      fc.array(taskSpec, { minLength: 1, maxLength: 10 }),
      fc.integer({ min: 0, max: 14 }),
      fc.integer({ min: 0, max: 2 }),
      async (specs: TaskSpec[], openAt, which) => {
        const pool = pools[which]!;
        const cells = new Int32Array(new SharedArrayBuffer(4 * specs.length));
        const gate = new Int32Array(new SharedArrayBuffer(8));
        const ctxs: { ctx: Context; cancel: () => void; at: number; cancelled: boolean; before: boolean }[] =
          [];
        const runs: Promise<unknown>[] = [];
        const settled: ({ ok: true; v: unknown } | { ok: false; e: unknown })[] = [];
        const steps = specs.length + 8;
        for (let step = 0; step < steps; step++) {
          const i = step;
          if (i < specs.length) {
            const s = specs[i]!;
            const [ctx, cancel] = withCancel(background());
            const c = {
              ctx,
              cancel,
              at: s.cancelAt === null ? -99 : i + s.cancelAt,
              cancelled: false,
              before: false,
            };
            ctxs.push(c);
            if (s.cancelAt !== null && s.cancelAt < 0) {
              c.cancelled = true;
              c.before = true;
              cancel();
            }
            const value = s.objectResult ? { i } : i * 10;
            const p =
              s.kind === "add"
                ? pool.run("add", [i, 1], { ctx, graceMs: 30 })
                : pool.run("effect", [cells, i, value, s.gated, gate], { ctx, graceMs: 30 });
            runs.push(p);
            p.then(
              (v) => {
                settled[i] = { ok: true, v };
              },
              (e: unknown) => {
                settled[i] = { ok: false, e };
              },
            );
          }
          for (const c of ctxs) {
            if (!c.cancelled && c.at === step) {
              c.cancelled = true;
              c.cancel();
            }
          }
          if (step === openAt) Atomics.store(gate, 1, 1);
          await turn();
        }
        Atomics.store(gate, 1, 1);
        await Promise.allSettled(runs);
        for (const [i, s] of specs.entries()) {
          const r = settled[i]!;
          const c = ctxs[i]!;
          const ran = s.kind === "effect" ? Atomics.load(cells, i) : undefined;
          const expected = s.kind === "add" ? i + 1 : s.objectResult ? { i } : i * 10;
          if (ran !== undefined) assert.ok(ran <= 1, `task ${i} ran ${ran} times`);
          if (c.before) {
            assert.ok(
              !r.ok && r.e === c.ctx.err(),
              `task ${i}: cancelled before run() must reject with ctx's error`,
            );
            if (ran !== undefined) assert.equal(ran, 0, `task ${i}: cancelled before run() must never start`);
          } else if (!c.cancelled) {
            assert.ok(r.ok, `task ${i} (never cancelled) rejected: ${r.ok ? "" : String(r.e)}`);
            assert.deepEqual(r.v, expected);
            if (ran !== undefined) assert.equal(ran, 1);
          } else if (r.ok) {
            assert.deepEqual(r.v, expected);
            if (ran !== undefined) assert.equal(ran, 1, `task ${i} resolved, so it ran`);
          } else {
            assert.equal(r.e, c.ctx.err(), `task ${i}: a cancelled task rejects with exactly ctx's error`);
          }
          c.cancel();
        }
        assert.equal(pool.queued, 0, "nothing is left queued");
      },
    ),
    { numRuns: 100 },
  );
});
