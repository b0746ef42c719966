// Model-based property test for channels and select. fast-check generates random programs — a few
// channels of random capacities and a sequence of steps (send, recv, select with and without default
// and with a ctx.done() case, trySend, tryRecv, close, cancel) — each step started as its own task.
// After every step the event loop is drained and the implementation is compared with a simple
// reference model of Go's channel semantics: every operation's outcome (pending, value and ok,
// closed-channel error, cancellation), every channel's buffer length and the number of queued
// senders and receivers. So nothing may be lost, duplicated or reordered, nothing may stay blocked
// when the model says it can proceed, and a cancelled or losing operation may leave no residue.

import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { SELECT, type Waiter } from "../../src/chan/waiter.js";
import {
  background,
  Canceled,
  Chan,
  ChanClosedError,
  type Context,
  otherwise,
  recv,
  type SelectCase,
  select,
  send,
  withCancel,
} from "../../src/index.js";
import { waitingReceivers, waitingSenders } from "../../src/internal/introspect.js";
import { leakCheck, type TaskInfo } from "../../src/testing/index.js";
import { drain } from "../helpers/settle.js";

// Random programs include selects whose cases are all on null channels: like Go's `select {}` they
// block forever and nothing can wake them, so they are the only thing left behind (ignored here).
const selectForever = (t: TaskInfo): boolean =>
  t.blocked.length > 0 && t.blocked.every((op) => op.reason === "select (no cases)");
leakCheck({ ignore: selectForever });

// ---- programs ---------------------------------------------------------------------------------

type CaseSpec = { kind: "recv" | "send"; ch: number | null };
type Step =
  | { t: "send"; ch: number; ctx: boolean }
  | { t: "recv"; ch: number; ctx: boolean }
  | { t: "select"; cases: CaseSpec[]; dflt: boolean; done: boolean }
  | { t: "trySend"; ch: number }
  | { t: "tryRecv"; ch: number }
  | { t: "close"; ch: number }
  | { t: "cancel"; op: number };

const program = fc.integer({ min: 1, max: 3 }).chain((n) => {
  const ch = fc.integer({ min: 0, max: n - 1 });
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ t: fc.constant("send" as const), ch, ctx: fc.boolean() }) },
    { weight: 4, arbitrary: fc.record({ t: fc.constant("recv" as const), ch, ctx: fc.boolean() }) },
    {
      weight: 4,
      arbitrary: fc.record({
        t: fc.constant("select" as const),
        cases: fc.array(
          fc.record({
            kind: fc.constantFrom("recv" as const, "send" as const),
            ch: fc.option(ch, { freq: 6 }),
          }),
          { minLength: 0, maxLength: 3 },
        ),
        dflt: fc.boolean(),
        done: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("trySend" as const), ch }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("tryRecv" as const), ch }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("close" as const), ch }) },
    { weight: 2, arbitrary: fc.record({ t: fc.constant("cancel" as const), op: fc.nat(40) }) },
  );
  return fc.record({
    caps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: n, maxLength: n }),
    steps: fc.array(step, { minLength: 1, maxLength: 24 }),
  });
});

// ---- outcomes, as both sides report them ------------------------------------------------------

type Outcome =
  | { k: "pending" }
  | { k: "sent" }
  | { k: "recv"; v: number | undefined; ok: boolean }
  | { k: "case"; i: number; v?: number | undefined; ok?: boolean }
  | { k: "default" }
  | { k: "closedPanic" }
  | { k: "cancelled" }
  | { k: "would-block" };

// ---- the reference model ----------------------------------------------------------------------

interface MWaiter {
  op: number;
  kind: "recv" | "send";
  value: number;
  /** A select's case index, or -1 for a plain operation. */
  caseIndex: number;
}

class MChan {
  buf: number[] = [];
  closed = false;
  recvq: MWaiter[] = [];
  sendq: MWaiter[] = [];
  constructor(readonly cap: number) {}
  canRecv(): boolean {
    return this.buf.length > 0 || this.sendq.length > 0 || this.closed;
  }
  canSend(): boolean {
    return this.closed || this.recvq.length > 0 || this.buf.length < this.cap;
  }
}

class Model {
  readonly outcomes = new Map<number, Outcome>();
  readonly chans: MChan[];
  /** Stand-ins for ctx.done() channels of selects. */
  readonly doneChans: MChan[] = [];
  constructor(caps: number[]) {
    this.chans = caps.map((c) => new MChan(c));
  }

  complete(op: number, o: Outcome): void {
    this.outcomes.set(op, o);
    for (const c of [...this.chans, ...this.doneChans]) {
      c.recvq = c.recvq.filter((w) => w.op !== op);
      c.sendq = c.sendq.filter((w) => w.op !== op);
    }
  }

  deliver(w: MWaiter, v: number | undefined, ok: boolean): void {
    this.complete(w.op, w.caseIndex < 0 ? { k: "recv", v, ok } : { k: "case", i: w.caseIndex, v, ok });
  }

  took(w: MWaiter): void {
    this.complete(w.op, w.caseIndex < 0 ? { k: "sent" } : { k: "case", i: w.caseIndex });
  }

  /** Go's chanrecv on a channel that can receive now. */
  recvNow(c: MChan): { v: number | undefined; ok: boolean } {
    if (c.buf.length > 0) {
      const v = c.buf.shift() as number;
      const s = c.sendq[0];
      if (s !== undefined) {
        c.buf.push(s.value);
        this.took(s);
      }
      return { v, ok: true };
    }
    const s = c.sendq[0];
    if (s !== undefined) {
      this.took(s);
      return { v: s.value, ok: true };
    }
    return { v: undefined, ok: false };
  }

  /** Go's chansend on an open channel that can send now. */
  sendNow(c: MChan, v: number): void {
    const r = c.recvq[0];
    if (r !== undefined) this.deliver(r, v, true);
    else c.buf.push(v);
  }

  close(c: MChan): boolean {
    if (c.closed) return false;
    c.closed = true;
    while (c.recvq.length > 0) this.deliver(c.recvq[0] as MWaiter, undefined, false);
    while (c.sendq.length > 0) this.complete((c.sendq[0] as MWaiter).op, { k: "closedPanic" });
    return true;
  }
}

// ---- running a program on both ------------------------------------------------------------------

/** The case indices of the select waiters queued on one side of `ch`, in queue order (-1: plain op). */
function queuedCaseOrder(ch: Chan<number>, side: "recv" | "send"): number[] {
  const out: number[] = [];
  const q = side === "recv" ? ch.recvq : ch.sendq;
  for (let w = q.head; w !== null; w = w.next as Waiter | null) {
    out.push(w.mode >= SELECT ? w.mode - SELECT : -1);
  }
  return out;
}

function classify(e: unknown): Outcome {
  if (e === Canceled) return { k: "cancelled" };
  if (e instanceof ChanClosedError && e.message === "send on closed channel") return { k: "closedPanic" };
  throw e;
}

interface Op {
  ctx: Context | null;
  cancel: (() => void) | null;
  /** The model's channel standing for ctx.done() (a select's extra case). */
  done: MChan | null;
}

async function runProgram(caps: number[], steps: Step[]): Promise<void> {
  const chans = caps.map((c) => new Chan<number>(c));
  const model = new Model(caps);
  const impl = new Map<number, Outcome>();
  const ops: Op[] = [];
  const doneChans = new Map<number, MChan>();

  const settle = (op: number, p: Promise<Outcome>): void => {
    impl.set(op, { k: "pending" });
    p.then(
      (o) => impl.set(op, o),
      (e: unknown) => impl.set(op, classify(e)),
    );
  };

  for (let s = 0; s < steps.length; s++) {
    const step = steps[s] as Step;
    const op = s;
    let ctx: Context | null = null;
    let cancel: (() => void) | null = null;
    if ((step.t === "send" || step.t === "recv") && step.ctx) [ctx, cancel] = withCancel(background());
    if (step.t === "select" && step.done) [ctx, cancel] = withCancel(background());
    ops.push({ ctx, cancel, done: null });
    let pendingSelect: { ready: number[]; cases: (CaseSpec | "done")[] } | null = null;

    switch (step.t) {
      case "send": {
        const ch = chans[step.ch] as Chan<number>;
        settle(
          op,
          ch.send(op, ctx ?? undefined).then((): Outcome => ({ k: "sent" })),
        );
        const mc = model.chans[step.ch] as MChan;
        if (mc.closed) model.complete(op, { k: "closedPanic" });
        else if (mc.canSend()) {
          model.sendNow(mc, op);
          model.complete(op, { k: "sent" });
        } else {
          model.outcomes.set(op, { k: "pending" });
          mc.sendq.push({ op, kind: "send", value: op, caseIndex: -1 });
        }
        break;
      }
      case "recv": {
        const ch = chans[step.ch] as Chan<number>;
        settle(
          op,
          ch.recvOk(ctx ?? undefined).then(([v, ok]): Outcome => ({ k: "recv", v, ok })),
        );
        const mc = model.chans[step.ch] as MChan;
        if (mc.canRecv()) model.complete(op, { k: "recv", ...model.recvNow(mc) });
        else {
          model.outcomes.set(op, { k: "pending" });
          mc.recvq.push({ op, kind: "recv", value: 0, caseIndex: -1 });
        }
        break;
      }
      case "select": {
        const cases: SelectCase<Outcome>[] = step.cases.map((c, i) => {
          const ch = c.ch === null ? null : (chans[c.ch] as Chan<number>);
          return c.kind === "recv"
            ? recv(ch, (v, ok): Outcome => ({ k: "case", i, v, ok }))
            : send(ch, op, (): Outcome => ({ k: "case", i }));
        });
        const specs: (CaseSpec | "done")[] = [...step.cases];
        if (ctx !== null) {
          const i = cases.length;
          cases.push(recv(ctx.done(), (_v, ok): Outcome => ({ k: "case", i, v: undefined, ok })));
          specs.push("done");
          const md = new MChan(0);
          doneChans.set(op, md);
          model.doneChans.push(md);
          (ops[op] as Op).done = md;
        }
        if (step.dflt) cases.push(otherwise((): Outcome => ({ k: "default" })));
        settle(op, select(...cases));
        const ready: number[] = [];
        specs.forEach((c, i) => {
          if (c === "done") return; // a fresh context is not cancelled
          if (c.ch === null) return;
          const mc = model.chans[c.ch] as MChan;
          if (c.kind === "recv" ? mc.canRecv() : mc.canSend()) ready.push(i);
        });
        pendingSelect = { ready, cases: specs };
        break;
      }
      case "trySend": {
        const mc = model.chans[step.ch] as MChan;
        let got: Outcome;
        try {
          got = (chans[step.ch] as Chan<number>).trySend(op) ? { k: "sent" } : { k: "would-block" };
        } catch (e) {
          got = classify(e);
        }
        impl.set(op, got);
        if (mc.closed) model.complete(op, { k: "closedPanic" });
        else if (mc.canSend()) {
          model.sendNow(mc, op);
          model.complete(op, { k: "sent" });
        } else model.complete(op, { k: "would-block" });
        break;
      }
      case "tryRecv": {
        const r = (chans[step.ch] as Chan<number>).tryRecv();
        impl.set(op, r === undefined ? { k: "would-block" } : { k: "recv", v: r[0], ok: r[1] });
        const mc = model.chans[step.ch] as MChan;
        model.complete(op, mc.canRecv() ? { k: "recv", ...model.recvNow(mc) } : { k: "would-block" });
        break;
      }
      case "close": {
        let threw = false;
        try {
          (chans[step.ch] as Chan<number>).close();
        } catch (e) {
          assert.ok(e instanceof ChanClosedError && e.message === "close of closed channel");
          threw = true;
        }
        const closedNow = model.close(model.chans[step.ch] as MChan);
        assert.equal(threw, !closedNow, `step ${s}: close threw=${threw}`);
        impl.set(op, { k: "sent" });
        model.complete(op, { k: "sent" });
        break;
      }
      case "cancel": {
        impl.set(op, { k: "sent" });
        model.complete(op, { k: "sent" });
        if (ops.length <= 1) break;
        const target = step.op % (ops.length - 1);
        const t = ops[target] as Op;
        if (t.cancel === null) break;
        t.cancel();
        if (t.done !== null) {
          // A select's done case: the model closes its stand-in channel, waking the select if queued.
          const md = t.done;
          if (!md.closed) {
            md.closed = true;
            const w = md.recvq[0];
            if (w !== undefined) model.deliver(w, undefined, false);
          }
        } else if (model.outcomes.get(target)?.k === "pending") {
          model.complete(target, { k: "cancelled" });
        }
        break;
      }
    }

    await drain();

    if (pendingSelect !== null) {
      // The implementation chose among the ready cases at random: check that its choice was ready
      // in the model, then let the model make the same choice.
      const got = impl.get(op) as Outcome;
      const { ready, cases } = pendingSelect;
      if (ready.length > 0) {
        assert.equal(
          got.k === "case" || got.k === "closedPanic",
          true,
          `step ${s}: select should commit now`,
        );
        let i: number;
        if (got.k === "case") i = got.i;
        else {
          // A send case on a closed channel was chosen: it must be one of the ready ones.
          const closedSends = ready.filter((j) => {
            const c = cases[j] as CaseSpec;
            return c.kind === "send" && (model.chans[c.ch as number] as MChan).closed;
          });
          assert.ok(closedSends.length > 0, `step ${s}: select panicked without a closed send case`);
          i = closedSends[0] as number;
        }
        assert.ok(ready.includes(i), `step ${s}: select chose case ${i}, not ready (ready ${ready})`);
        const c = cases[i] as CaseSpec;
        const mc = model.chans[c.ch as number] as MChan;
        if (c.kind === "recv") model.complete(op, { k: "case", i, ...model.recvNow(mc) });
        else if (mc.closed) model.complete(op, { k: "closedPanic" });
        else {
          model.sendNow(mc, op);
          model.complete(op, { k: "case", i });
        }
      } else if ((steps[s] as { dflt: boolean }).dflt) {
        model.complete(op, { k: "default" });
      } else {
        model.outcomes.set(op, { k: "pending" });
        // selectgo queues a blocked select's cases in random order: of several cases on one channel,
        // the model queues them in the order the implementation did (the tail of that queue).
        const perQueue = new Map<string, number>();
        cases.forEach((c, i) => {
          if (c === "done") {
            (doneChans.get(op) as MChan).recvq.push({ op, kind: "recv", value: 0, caseIndex: i });
            return;
          }
          if (c.ch === null) return;
          const key = `${c.kind}${c.ch}`;
          perQueue.set(key, (perQueue.get(key) ?? 0) + 1);
        });
        for (const [key, k] of perQueue) {
          const kind = key.startsWith("recv") ? "recv" : "send";
          const ch = Number(key.slice(4));
          const mc = model.chans[ch] as MChan;
          const order = queuedCaseOrder(chans[ch] as Chan<number>, kind).slice(-k);
          for (const i of order) {
            (kind === "recv" ? mc.recvq : mc.sendq).push({ op, kind, value: op, caseIndex: i });
          }
        }
      }
    }

    // Every operation's outcome, every buffer and every wait queue must match the model.
    for (let k = 0; k <= s; k++) {
      assert.deepEqual(impl.get(k), model.outcomes.get(k), `step ${s}: outcome of op ${k} (${steps[k]?.t})`);
    }
    chans.forEach((ch, i) => {
      const mc = model.chans[i] as MChan;
      assert.equal(ch.length, mc.buf.length, `step ${s}: len(ch${i})`);
      assert.equal(waitingReceivers(ch), mc.recvq.length, `step ${s}: receivers queued on ch${i}`);
      assert.equal(waitingSenders(ch), mc.sendq.length, `step ${s}: senders queued on ch${i}`);
    });
  }
  // Leave nothing blocked behind: cancel every context and close every channel (which wakes every
  // receiver and rejects every sender still queued, selects included). Only a select with no live
  // case (only null channels) stays blocked: nothing can ever wake it, as Go's `select {}`.
  for (const o of ops) o.cancel?.();
  for (const ch of chans) if (!ch.closed) ch.close();
  chans.forEach((ch, i) => {
    assert.equal(waitingReceivers(ch) + waitingSenders(ch), 0, `after cleanup: ops queued on ch${i}`);
  });
}

test("channels and select match the reference model over 10,000 random programs", async () => {
  await fc.assert(
    fc.asyncProperty(program, async ({ caps, steps }) => {
      await runProgram(caps, steps);
    }),
    { numRuns: 10_000 },
  );
});
