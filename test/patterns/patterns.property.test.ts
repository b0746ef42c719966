// Property tests: across random inputs and random cancellation points, merge, broadcast/tee and
// pipelines of stream operators lose, duplicate and reorder nothing — each output is exactly the
// reference model's output, or (when the consumer cancels after m values) a prefix of it with
// nothing received after the cancel — and every task the patterns started has ended afterwards.
import assert from "node:assert/strict";
import { test } from "node:test";
import { setImmediate as nextMacrotask } from "node:timers/promises";
import fc from "fast-check";
import { background, Chan, withCancel } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import {
  broadcast,
  type DropPolicy,
  fromIterable,
  merge,
  pipeline,
  type Stage,
  stage,
  Topic,
  tee,
} from "../../src/patterns/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

const RUNS = Number(process.env.PATTERNS_RUNS ?? 1000);

/** Receives until closed; cancels once `cancelAt` values were received (if given). */
async function consume<T>(out: Chan<T>, cancelAt: number | null, cancel: () => void): Promise<T[]> {
  const got: T[] = [];
  if (cancelAt === 0) cancel();
  for (;;) {
    const [v, ok] = await out.recvOk();
    if (!ok) return got;
    got.push(v);
    if (got.length === cancelAt) cancel();
  }
}

async function noTasksLeft(base: number): Promise<void> {
  await nextMacrotask();
  assert.equal(registry.liveTasks, base, "a pattern left a task running");
}

const cancelPoint = fc.option(fc.nat({ max: 40 }), { nil: null });

test("merge: each input's values in order, none lost or duplicated; a prefix per input when cancelled", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.integer(), { maxLength: 12 }), { maxLength: 5 }),
      cancelPoint,
      async (inputs, cancelAt) => {
        const base = registry.liveTasks;
        const [ctx, cancel] = withCancel(background());
        const chans = inputs.map((vals, j) =>
          fromIterable(
            ctx,
            vals.map((v, i) => ({ j, i, v })),
          ),
        );
        const got = await consume(merge(ctx, ...chans), cancelAt, cancel);
        const total = inputs.reduce((n, a) => n + a.length, 0);
        if (cancelAt === null || cancelAt >= total) assert.equal(got.length, total);
        else assert.equal(got.length, cancelAt, "a value arrived after cancel");
        inputs.forEach((vals, j) => {
          const mine = got.filter((g) => g.j === j);
          assert.deepEqual(
            mine.map((g) => g.i),
            mine.map((_, k) => k),
            "input order broken, or a value lost/duplicated",
          );
          assert.deepEqual(
            mine.map((g) => g.v),
            vals.slice(0, mine.length),
          );
        });
        cancel();
        await noTasksLeft(base);
      },
    ),
    { numRuns: RUNS },
  );
});

test("broadcast (sync and buffered) and tee: every output gets the input in order; a prefix when cancelled", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer(), { maxLength: 15 }),
      fc.oneof(
        fc.constant({ kind: "tee" as const }),
        fc.record({
          kind: fc.constantFrom("sync" as const, "buffered" as const),
          outputs: fc.integer({ min: 0, max: 4 }),
          buffer: fc.option(fc.nat({ max: 3 }), { nil: undefined }),
          capacity: fc.nat({ max: 2 }),
        }),
      ),
      cancelPoint,
      async (values, shape, cancelAt) => {
        const base = registry.liveTasks;
        const [ctx, cancel] = withCancel(background());
        const input = fromIterable(ctx, values);
        let outs: Chan<number>[];
        if (shape.kind === "tee") outs = tee(ctx, input);
        else {
          outs = Array.from({ length: shape.outputs }, () => new Chan<number>(shape.capacity));
          broadcast(
            ctx,
            input,
            outs,
            shape.buffer === undefined ? { mode: shape.kind } : { mode: shape.kind, buffer: shape.buffer },
          );
        }
        let received = 0;
        const counted = (): void => {
          received++;
          if (received === cancelAt) cancel();
        };
        if (cancelAt === 0) cancel();
        const got = await Promise.all(
          outs.map(async (o) => {
            const mine: number[] = [];
            for await (const v of o) {
              mine.push(v);
              counted();
            }
            return mine;
          }),
        );
        const cancelled = cancelAt !== null && cancelAt < values.length * outs.length;
        for (const g of got) {
          if (!cancelled) assert.deepEqual(g, values);
          else assert.deepEqual(g, values.slice(0, g.length), "not a prefix of the input");
        }
        if (cancelled) {
          // Nothing is sent after the cancel, but the other consumers may not have counted what was
          // handed to them before it: each can lag by its buffer plus the two values in flight
          // (the one it is resuming with, and the next, handed over once the slowest took the last).
          const slack = outs.length * (2 + (shape.kind === "tee" ? 0 : shape.capacity));
          assert.ok(received <= (cancelAt as number) + slack, "values were sent after cancel");
        }
        cancel();
        await noTasksLeft(base);
      },
    ),
    { numRuns: RUNS },
  );
});

type Op =
  | { op: "take" | "skip"; n: number }
  | { op: "filter"; mod: number }
  | { op: "map"; add: number; async: boolean }
  | { op: "takeWhile" | "skipWhile"; below: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constantFrom("take" as const, "skip" as const), n: fc.nat({ max: 12 }) }),
  fc.record({ op: fc.constant("filter" as const), mod: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ op: fc.constant("map" as const), add: fc.integer({ min: -5, max: 5 }), async: fc.boolean() }),
  fc.record({
    op: fc.constantFrom("takeWhile" as const, "skipWhile" as const),
    below: fc.integer({ min: -5, max: 30 }),
  }),
);

function model(values: number[], ops: Op[]): number[] {
  let xs = values;
  for (const o of ops) {
    switch (o.op) {
      case "take":
        xs = xs.slice(0, o.n);
        break;
      case "skip":
        xs = xs.slice(o.n);
        break;
      case "filter":
        xs = xs.filter((x) => x % o.mod === 0);
        break;
      case "map":
        xs = xs.map((x) => x + o.add);
        break;
      case "takeWhile": {
        const k = xs.findIndex((x) => !(x < o.below));
        xs = k === -1 ? xs : xs.slice(0, k);
        break;
      }
      case "skipWhile": {
        const k = xs.findIndex((x) => !(x < o.below));
        xs = k === -1 ? [] : xs.slice(k);
        break;
      }
    }
  }
  return xs;
}

function toStage(o: Op): Stage<number, number> {
  switch (o.op) {
    case "take":
      return stage.take(o.n);
    case "skip":
      return stage.skip(o.n);
    case "filter":
      return stage.filter((x: number) => x % o.mod === 0);
    case "map":
      return o.async ? stage.map(async (x: number) => x + o.add) : stage.map((x: number) => x + o.add);
    case "takeWhile":
      return stage.takeWhile((x: number) => x < o.below);
    case "skipWhile":
      return stage.skipWhile((x: number) => x < o.below);
  }
}

test("pipelines of stream operators equal the array model; a prefix of it when cancelled", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: -10, max: 30 }), { maxLength: 20 }),
      fc.array(opArb, { maxLength: 5 }),
      cancelPoint,
      async (values, ops, cancelAt) => {
        const base = registry.liveTasks;
        const [ctx, cancel] = withCancel(background());
        const out = pipeline(ctx, values, ...ops.map(toStage));
        const got = await consume(out, cancelAt, cancel);
        const want = model(values, ops);
        if (cancelAt === null || cancelAt >= want.length) assert.deepEqual(got, want);
        else assert.deepEqual(got, want.slice(0, cancelAt));
        cancel(); // take/takeWhile stop reading: cancel releases the stages upstream
        await noTasksLeft(base);
      },
    ),
    { numRuns: RUNS },
  );
});

test("Topic with drop policies matches a model of per-subscriber bounded buffers", async () => {
  type Step = { t: "publish"; v: number } | { t: "read"; sub: number } | { t: "unsubscribe"; sub: number };
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.record({
          buffer: fc.integer({ min: 1, max: 4 }),
          policy: fc.constantFrom<DropPolicy>("drop-newest", "drop-oldest"),
        }),
        { minLength: 1, maxLength: 4 },
      ),
      fc.array(
        fc.oneof(
          fc.record({ t: fc.constant("publish" as const), v: fc.integer() }),
          fc.record({ t: fc.constant("read" as const), sub: fc.nat({ max: 3 }) }),
          fc.record({ t: fc.constant("unsubscribe" as const), sub: fc.nat({ max: 3 }) }),
        ),
        { maxLength: 40 },
      ),
      async (subsSpec, steps: Step[]) => {
        const topic = new Topic<number>();
        const subs = subsSpec.map((o) => topic.subscribe(o));
        const model = subsSpec.map((o) => ({ ...o, buf: [] as number[], dropped: 0, gone: false }));
        for (const step of steps) {
          if (step.t === "publish") {
            await topic.publish(step.v);
            for (const m of model) {
              if (m.gone) continue;
              if (m.buf.length < m.buffer) m.buf.push(step.v);
              else if (m.policy === "drop-newest") m.dropped++;
              else {
                m.buf.shift();
                m.buf.push(step.v);
                m.dropped++;
              }
            }
          } else {
            const i = step.sub % subs.length;
            const sub = subs[i] as (typeof subs)[number];
            const m = model[i] as (typeof model)[number];
            if (step.t === "unsubscribe") {
              sub.unsubscribe();
              m.gone = true;
              continue;
            }
            const r = sub.c.tryRecv();
            if (m.buf.length > 0) assert.deepEqual(r, [m.buf.shift(), true]);
            else assert.deepEqual(r, m.gone ? [undefined, false] : undefined);
          }
        }
        subs.forEach((sub, i) => {
          const m = model[i] as (typeof model)[number];
          assert.equal(sub.dropped, m.dropped);
          assert.equal(sub.c.length, m.buf.length);
        });
        assert.equal(topic.size, model.filter((m) => !m.gone).length);
        topic.close();
      },
    ),
    { numRuns: RUNS },
  );
});
