// ErrGroup's slots with task tracking off (the default, and the path the benchmarks time): go()
// below the limit runs fn inside the call, a task that ends hands its slot to the next one waiting,
// tasks that return a thenable hold their slot until it settles, and a task started from inside a
// synchronously started one is deferred so that the stack never nests. The random-schedule property
// test checks the x/sync rules (at most `limit` running, each task run exactly once, blocked go()
// calls served first come first served and resolved only once their fn started, wait's error is the
// first one thrown) over go / awaited go / tryGo mixes. errgroup.test.ts covers the same group with
// tracking on (leakCheck), so this file must not turn it on.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ErrGroup } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { gate, liveTasks, probe, settle } from "./helpers.js";

/** n microtask turns (no macrotask: the slots' hand-offs are all microtasks). */
async function turns(n: number): Promise<void> {
  for (let i = 0; i < n; i++) await null;
}

describe("ErrGroup slots, untracked", () => {
  test("tracking is off in this file (the fast path is the one under test)", () => {
    assert.equal(registry.tracking, false);
  });

  test("below the limit, go() runs fn's synchronous part before it returns; at the limit, fn waits", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const order: string[] = [];
    const hold = gate();
    const first = g.go(async () => {
      order.push("a runs");
      await hold.promise;
    });
    order.push("go(a) returned");
    const second = probe(
      g.go(() => {
        order.push("b runs");
      }),
    );
    order.push("go(b) returned");
    await first;
    await settle();
    assert.deepEqual(order, ["a runs", "go(a) returned", "go(b) returned"]);
    assert.equal(second.pending, true, "b waits for a's slot");
    hold.open();
    await second.promise;
    assert.deepEqual(order, ["a runs", "go(a) returned", "go(b) returned", "b runs"]);
    await g.wait();
  });

  test("a task started from inside a synchronously started one runs after it, never nested in it", async () => {
    const g = new ErrGroup();
    const order: string[] = [];
    g.go(() => {
      g.go(() => {
        order.push("inner");
      });
      order.push("outer after go(inner)");
    });
    order.push("main after go(outer)");
    await g.wait();
    // inner waited for outer to return; outer's slot, free again, took it before go(outer) returned.
    assert.deepEqual(order, ["outer after go(inner)", "inner", "main after go(outer)"]);

    // 50,000 tasks, each starting the next one (no limit): nested synchronously, this would
    // overflow the stack long before the end.
    const chain = new ErrGroup();
    let ran = 0;
    const step = (): void => {
      ran++;
      if (ran < 50_000) void chain.go(step);
    };
    void chain.go(step);
    await chain.wait();
    assert.equal(ran, 50_000);
  });

  test("20,000 synchronous tasks queued at a limit of 1 run one at a time, in order", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const hold = gate();
    void g.go(() => hold.promise);
    const seen: number[] = [];
    let running = 0;
    let maxRunning = 0;
    for (let i = 0; i < 20_000; i++) {
      void g.go(() => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        seen.push(i);
        running--;
      });
    }
    hold.open();
    await g.wait();
    assert.equal(seen.length, 20_000);
    assert.ok(
      seen.every((v, i) => v === i),
      "in go() order",
    );
    assert.equal(maxRunning, 1);
  });

  test("a task returning a thenable holds its slot until it settles; a rejection or a throwing `then` is its error", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    let resolveThenable!: () => void;
    const thenable = {
      // biome-ignore lint/suspicious/noThenProperty: the point of the test is a non-Promise thenable
      then(onFulfilled: () => void) {
        resolveThenable = onFulfilled;
      },
    };
    void g.go(() => thenable);
    const next = probe(g.go(() => {}));
    await settle();
    assert.equal(next.pending, true, "the thenable has not settled: its slot is still taken");
    resolveThenable();
    await next.promise;
    await g.wait();

    const boom = new Error("thenable rejected");
    const rejecting = new ErrGroup();
    void rejecting.go(() => ({
      // biome-ignore lint/suspicious/noThenProperty: a non-Promise thenable that rejects
      then(_: unknown, onRejected: (e: unknown) => void) {
        onRejected(boom);
      },
    }));
    await assert.rejects(rejecting.wait(), (e) => e === boom);

    const getterError = new Error("then getter threw");
    const throwing = new ErrGroup();
    void throwing.go(() => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable whose `then` getter throws
      get then(): never {
        throw getterError;
      },
    }));
    await assert.rejects(throwing.wait(), (e) => e === getterError);
  });

  test("a running task counts as a live task (Go's NumGoroutine) until it ends; queued ones do not", async () => {
    const before = liveTasks();
    const g = new ErrGroup();
    g.setLimit(3);
    const hold = gate();
    for (let i = 0; i < 10; i++) void g.go(() => hold.promise);
    assert.equal(liveTasks(), before + 3);
    hold.open();
    await g.wait();
    assert.equal(liveTasks(), before);
  });
});

/** Children of task i are numbered CHILD + i. */
const CHILD = 1000;

type Op =
  | { readonly k: "go"; readonly await: boolean; readonly task: TaskSpec }
  | { readonly k: "tryGo"; readonly task: TaskSpec };

/**
 * What a task does: start `child` (if any) with go() from its synchronous part, run for `turns`
 * microtask turns, then maybe fail; with turns -1 it returns (or throws) synchronously.
 */
interface TaskSpec {
  readonly turns: number;
  readonly fail: boolean;
  readonly child: TaskSpec | null;
}

const leafArb = fc.record({
  turns: fc.integer({ min: -1, max: 6 }),
  fail: fc.constantFrom(false, false, false, true),
  child: fc.constant(null),
});
const taskArb: fc.Arbitrary<TaskSpec> = fc.record({
  turns: fc.integer({ min: -1, max: 6 }),
  fail: fc.constantFrom(false, false, false, true),
  child: fc.option(leafArb, { freq: 4 }),
});

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("go" as const), await: fc.boolean(), task: taskArb }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("tryGo" as const), task: taskArb }) },
);

describe("ErrGroup slots: random schedules", () => {
  test("at most `limit` run, each accepted task runs once and never inside another, blocked go() calls are served in order, wait reports the first error", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: -1, max: 4 }),
        fc.array(opArb, { minLength: 1, maxLength: 40 }),
        async (limit, ops) => {
          const before = liveTasks();
          const g = new ErrGroup();
          g.setLimit(limit);
          const bound = limit < 0 ? Number.POSITIVE_INFINITY : limit;
          let running = 0;
          let maxRunning = 0;
          const runs: number[] = []; // how many times each op's fn ran
          const started: number[] = []; // indices of go() tasks, in the order they started
          const thrown: unknown[] = []; // errors in the order tasks threw them
          const kinds = new Set<string>(); // "throw" (synchronous) or "reject" (after some turns)
          const accepted: boolean[] = [];
          const pendingGo: Promise<void>[] = [];

          let inBody = 0; // > 0 while some task's synchronous part runs
          const body = (i: number, spec: TaskSpec): (() => unknown) => {
            const finish = (): void => {
              running--;
              if (spec.fail) {
                kinds.add(spec.turns < 0 ? "throw" : "reject");
                const e = new Error(`task ${i}`);
                thrown.push(e);
                throw e;
              }
            };
            return (): unknown => {
              assert.equal(inBody, 0, `task ${i} started inside another task's synchronous part`);
              runs[i] = (runs[i] ?? 0) + 1;
              started.push(i);
              running++;
              maxRunning = Math.max(maxRunning, running);
              inBody++;
              try {
                if (spec.child !== null) {
                  const c = CHILD + i;
                  accepted[c] = true;
                  runs[c] = 0;
                  void g.go(body(c, spec.child));
                }
                if (spec.turns < 0) return finish();
                return turns(spec.turns).then(finish);
              } finally {
                inBody--;
              }
            };
          };

          for (let i = 0; i < ops.length; i++) {
            const op = ops[i] as Op;
            runs[i] = 0;
            if (op.k === "tryGo") {
              accepted[i] = g.tryGo(body(i, op.task));
              if (limit === 0) assert.equal(accepted[i], false, "limit 0: tryGo never starts fn");
              continue;
            }
            accepted[i] = true;
            const p = g.go(body(i, op.task));
            // The promise resolves only once fn has started.
            const resolved = p.then(() => assert.ok((runs[i] ?? 0) > 0, `go(${i}) resolved before fn ran`));
            if (op.await && limit !== 0)
              await resolved; // at limit 0 go() waits forever, as in Go
            else pendingGo.push(resolved);
          }

          if (limit === 0) {
            // Nothing can ever start: every go() waits forever (as in Go). Only check nothing ran.
            await settle(1);
            assert.equal(maxRunning, 0);
            return;
          }
          let waitErr: unknown = null;
          try {
            await g.wait();
          } catch (e) {
            waitErr = e;
          }
          await Promise.all(pendingGo);
          assert.ok(maxRunning <= bound, `${maxRunning} ran at once with limit ${limit}`);
          assert.equal(running, 0, "wait returned while a task was running");
          for (let i = 0; i < runs.length; i++) {
            if (runs[i] === undefined) continue; // no such op or child
            assert.equal(runs[i], accepted[i] ? 1 : 0, `task ${i} ran ${runs[i]} times`);
          }
          // The test's go() calls were served in call order (tryGo can only start within the limit,
          // never ahead of queued tasks, so every start is in op order); children may come between.
          const order = started.filter((i) => i < CHILD && accepted[i]);
          assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
          );
          // A rejection reaches the group one reaction after it happens, so a synchronous throw in
          // between is recorded first: the order is exact only among failures of one kind.
          if (thrown.length === 0) assert.equal(waitErr, null);
          else if (kinds.size === 1) assert.equal(waitErr, thrown[0]);
          else assert.ok(thrown.includes(waitErr), "wait reports an error a task threw");
          assert.equal(liveTasks(), before, "every slot ended");
        },
      ),
      { numRuns: 300 },
    );
  });
});
