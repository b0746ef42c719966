// The core's exports satisfy the API contract (test/contract/gosync.d.ts, the public API written
// out as declarations, kept apart from the sources on purpose): the assignments below are checked by `npm run typecheck`, and the
// test checks at run time that every contracted name is exported and of the right kind.

import assert from "node:assert/strict";
import { test } from "node:test";
import * as gosync from "../../src/index.js";
import type * as Contract from "./gosync.js";

type Expect<T extends true> = T;
type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;

type CoreNames =
  | "GoSyncError"
  | "ChanClosedError"
  | "go"
  | "Chan"
  | "sleep"
  | "after"
  | "tick"
  | "Timer"
  | "Ticker"
  | "background"
  | "todo"
  | "withCancel"
  | "withCancelCause"
  | "withDeadline"
  | "withTimeout"
  | "withValue"
  | "withoutCancel"
  | "afterFunc"
  | "cause"
  | "fromSignal"
  | "createKey";

// Compile-time, by value: every contracted function's and class's results are contract types. (Where
// the contract takes a Context or Chan as a parameter, gosync needs its own Chan — `done()` must be
// one at run time — so parameters are compared on gosync's side: a contract-typed argument built
// from gosync values type-checks below.)
type Returns<F> = F extends (...args: never[]) => infer R ? R : never;
type FnNames = Exclude<CoreNames, "GoSyncError" | "ChanClosedError" | "Chan" | "Timer" | "Ticker">;
type ResultsMatch = {
  [K in FnNames]: Returns<(typeof gosync)[K]> extends Returns<(typeof Contract)[K]> ? true : K;
};
export type AllResultsMatch = Expect<Equal<ResultsMatch[FnNames], true>>;
export type ClassesMatch = Expect<
  Equal<
    [
      gosync.Chan<number> extends Contract.Chan<number> ? true : false,
      gosync.Timer extends Contract.Timer ? true : false,
      gosync.Ticker extends Contract.Ticker ? true : false,
      gosync.ChanClosedError extends Contract.GoSyncError ? true : false,
    ],
    [true, true, true, true]
  >
>;
const core: Record<CoreNames, unknown> = gosync;
const names: CoreNames[] = [
  "GoSyncError",
  "ChanClosedError",
  "go",
  "Chan",
  "sleep",
  "after",
  "tick",
  "Timer",
  "Ticker",
  "background",
  "todo",
  "withCancel",
  "withCancelCause",
  "withDeadline",
  "withTimeout",
  "withValue",
  "withoutCancel",
  "afterFunc",
  "cause",
  "fromSignal",
  "createKey",
];
const ctx: Contract.Context = gosync.withValue(gosync.background(), gosync.createKey<number>("n"), 1);
const [child, cancel] = gosync.withTimeout(gosync.background(), 1000);
const contractCtx: Contract.Context = child;
cancel();

// select's result type is the union of its cases' body results, as the contract's SelectResult.
const ch = new gosync.Chan<number>(1);
const selected = gosync.select(
  gosync.recv(ch, (v, ok) => (ok ? (v as number) : -1)),
  gosync.send(ch, 1, () => "sent" as const),
  gosync.otherwise(() => false),
);
export type SelectInfers = Expect<Equal<typeof selected, Promise<number | "sent" | boolean>>>;

const classes: CoreNames[] = ["GoSyncError", "ChanClosedError", "Chan", "Timer", "Ticker"];

test("every contracted core name is exported, classes as constructors and the rest as functions", () => {
  for (const name of names) {
    const value = core[name] as { prototype?: unknown };
    assert.equal(typeof value, "function", name);
    if (classes.includes(name)) assert.ok(value.prototype !== undefined, `${name} is a class`);
  }
  assert.equal(ctx.err(), null);
  assert.equal(contractCtx.err(), gosync.Canceled);
});

test("select, recv, send and otherwise are exported functions", async () => {
  for (const f of [gosync.select, gosync.recv, gosync.send, gosync.otherwise])
    assert.equal(typeof f, "function");
  assert.equal(await selected, "sent", "the only ready case: the send into the empty buffer");
});
