// select: Go's select statement. Cases are built with recv / send / otherwise (Go's default).
//
// As in Go's selectgo: if several cases are ready, one is chosen uniformly at random; with
// `otherwise` and none ready it does not block; a null channel is never ready; `select()` with no
// cases blocks forever. When it blocks, it queues one waiter per case on the channels; the first
// channel operation to complete one of them commits the select and, in the same synchronous step,
// unlinks the others, so exactly one case commits. The chosen case's body runs in the selecting task
// (on a later microtask), never inside the operation that woke it.
//
// Where it differs from Go: the body is a callback and select returns a promise of its result.
// Readiness is decided by a first pass that has no side effects, which is what makes the random
// choice exact among the ready cases without allocating a permutation. A select that blocks queues
// its cases in a random order, as selectgo does, so that of several cases on one channel none is
// always served first. A case may also name a channel from outside the core (gosync/threads'
// SharedChan) through the protocol of selectable.ts; a select with such a case takes that file's
// path, plain selects never reach it.

import { sendOnClosed } from "../internal/errors.js";
import { blockBegin } from "../internal/registry.js";
import { type Chan, lastTakeOk } from "./chan.js";
import { type MixedCase, type SelectableChan, selectableOf, selectMixed } from "./selectable.js";
import { park, SELECT, SelectOp, Waiter } from "./waiter.js";

declare const selectResult: unique symbol;

/**
 * One case of a select; `R` is what its body returns. Made by {@link recv}, {@link send} and
 * {@link otherwise}.
 */
export interface SelectCase<R> {
  /** Type-level only (never set): carries the body's result type `R`. */
  readonly [selectResult]?: R;
}

/**
 * The result type of a select over cases `C`.
 *
 * @example
 * ```ts
 * type R = SelectResult<SelectCase<number> | SelectCase<string>>; // number | string
 * ```
 */
export type SelectResult<C> = C extends SelectCase<infer R> ? R : never;

const RECV_CASE = 0;
const SEND_CASE = 1;
const DEFAULT_CASE = 2;

type Body = (value?: unknown, ok?: boolean) => unknown;

class Case {
  constructor(
    readonly kind: number,
    readonly ch: Chan<unknown> | null,
    readonly value: unknown,
    readonly body: Body,
    /** A foreign channel's protocol (then `ch` is null); see selectable.ts. */
    readonly ext: ReturnType<typeof selectableOf> = null,
  ) {}
}

function checkBody(body: unknown): Body {
  if (typeof body !== "function") throw new TypeError("select case body must be a function");
  return body as Body;
}

function checkChan(ch: unknown): Chan<unknown> | null {
  if (ch !== null && (typeof ch !== "object" || typeof (ch as Chan<unknown>).canRecv !== "function")) {
    if (selectableOf(ch) !== null) return null; // foreign: see newCase
    throw new TypeError("select case channel must be a Chan, a SharedChan or null");
  }
  return ch as Chan<unknown> | null;
}

function newCase(kind: number, ch: unknown, value: unknown, body: unknown): Case {
  const local = checkChan(ch);
  const b = checkBody(body);
  return new Case(kind, local, value, b, local === null && ch !== null ? selectableOf(ch) : null);
}

/**
 * What a receive case's body gets: `(value, true)`, or `(undefined, false)` once the channel is
 * closed and drained — a discriminated pair, so checking `ok` narrows `value` to T.
 *
 * @example
 * ```ts
 * const onJob = (...[job, ok]: RecvArgs<Job>) => (ok ? job.run() : "no more jobs"); // job: Job
 * await select(recv(jobs, onJob), recv(done, () => "stopped"));
 * ```
 */
export type RecvArgs<T> = [value: T, ok: true] | [value: undefined, ok: false];

/**
 * A receive case: `case v, ok := <-ch:`. The body gets the value and Go's `ok` (false once the
 * channel is closed and drained); `if (ok)` narrows `v` to T. A null channel is never ready.
 *
 * @example
 * ```ts
 * await select(recv(ch, (v, ok) => (ok ? `got ${v}` : "closed")), recv(ctx.done(), () => "cancelled"));
 * ```
 */
export function recv<T, R>(
  ch: Chan<T> | SelectableChan<T> | null,
  body: (...args: RecvArgs<T>) => R,
): SelectCase<R>;
/** A receive case whose body was written for `(value: T | undefined, ok: boolean)` (a named handler). */
export function recv<T, R>(
  ch: Chan<T> | SelectableChan<T> | null,
  body: (value: T | undefined, ok: boolean) => R,
): SelectCase<R>;
export function recv<T, R>(
  ch: Chan<T> | SelectableChan<T> | null,
  body: (...args: RecvArgs<T>) => R,
): SelectCase<R> {
  return newCase(RECV_CASE, ch, undefined, body) as unknown as SelectCase<R>;
}

/**
 * A send case: `case ch <- value:`. `value` is evaluated once, when the case is made. A null channel
 * is never ready; a closed one makes the select reject with `send on closed channel` if chosen.
 *
 * @example
 * ```ts
 * await select(send(out, v, () => true), recv(done, () => false));
 * ```
 */
export function send<T, R>(ch: Chan<T> | SelectableChan<T> | null, value: T, body: () => R): SelectCase<R> {
  return newCase(SEND_CASE, ch, value, body) as unknown as SelectCase<R>;
}

/**
 * Go's `default:` case: taken at once when no other case is ready.
 *
 * @example
 * ```ts
 * const got = await select(recv(ch, (v) => v), otherwise(() => undefined)); // never blocks
 * ```
 */
export function otherwise<R>(body: () => R): SelectCase<R> {
  return new Case(DEFAULT_CASE, null, undefined, checkBody(body)) as unknown as SelectCase<R>;
}

function run(body: Body, value?: unknown, ok?: boolean): Promise<unknown> {
  try {
    return Promise.resolve(body(value, ok));
  } catch (e) {
    return Promise.reject(e);
  }
}

function commit(c: MixedCase): Promise<unknown> {
  const ch = c.ch as Chan<unknown>;
  if (c.kind === RECV_CASE) {
    const v = ch.takeNow();
    return run(c.body, v, lastTakeOk());
  }
  if (ch.closed) return Promise.reject(sendOnClosed());
  ch.putNow(c.value);
  return run(c.body);
}

/**
 * Go's select statement. A case not made by recv/send/otherwise, or a second otherwise, makes it
 * reject with a TypeError at once (nothing is taken).
 *
 * @example
 * ```ts
 * const msg = await select(
 *   recv(jobs, (job, ok) => (ok ? handle(job) : "done")),
 *   recv(after(1000), () => "timeout"),
 * );
 * ```
 */
export function select<C extends SelectCase<unknown>[]>(...cases: C): Promise<SelectResult<C[number]>> {
  const cs = cases as unknown as Case[];
  let nReady = 0;
  let dflt: Case | null = null;
  let live = 0;
  let foreign = false;
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i];
    // Bad cases reject (select returns a promise, so it never throws), before anything is taken.
    if (!(c instanceof Case)) {
      return Promise.reject(new TypeError(`select case ${i} must be made by recv, send or otherwise`));
    }
    if (c.kind === DEFAULT_CASE) {
      if (dflt !== null) return Promise.reject(new TypeError("select: multiple otherwise cases"));
      dflt = c;
    } else if (c.ch !== null) {
      live++;
      if (c.kind === RECV_CASE ? c.ch.canRecv() : c.ch.canSend()) readyAt[nReady++] = i;
    } else if (c.ext !== null) {
      foreign = true;
    }
  }
  if (foreign) return selectMixed(cs, dflt, commit) as Promise<never>;
  if (nReady > 0) {
    // Uniform among the ready cases. The readiness pass had no side effects, and nothing runs
    // between it and the commit, so the chosen case is still ready.
    const i = readyAt[nReady === 1 ? 0 : Math.floor(Math.random() * nReady)] as number;
    return commit(cs[i] as Case) as Promise<never>;
  }
  if (dflt !== null) return run(dflt.body) as Promise<never>;
  if (live === 0) {
    const forever = new Promise<never>(() => {});
    blockBegin("select (no cases)", null, forever); // as `select {}`: blocked for good, on record
    return forever;
  }
  return blockOn(cs) as Promise<never>;
}

/** Scratch space for the ready cases' indices; select's fast path is synchronous, so one suffices. */
const readyAt: number[] = [];

/** Scratch space for the order a blocked select queues its cases in (filled and used synchronously). */
const queueOrder: number[] = [];

/**
 * Fills queueOrder with a uniformly random permutation of 0..n-1 (Fisher–Yates). selectgo queues a
 * blocked select's cases in its randomised order, so of several cases on one channel, any may be
 * the first a counterpart finds (runtime/chan_test.go TestPseudoRandomSend).
 */
function shuffleCases(n: number): void {
  queueOrder.length = n;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(Math.random() * (i + 1));
    queueOrder[i] = queueOrder[j] as number;
    queueOrder[j] = i;
  }
}

async function blockOn(cs: Case[]): Promise<unknown> {
  const op = new SelectOp();
  const p = park<SelectOp>(op);
  shuffleCases(cs.length);
  for (let k = 0; k < cs.length; k++) {
    const i = queueOrder[k] as number;
    const c = cs[i] as Case;
    if (c.ch === null || c.kind === DEFAULT_CASE) continue;
    const w = new Waiter(SELECT + i, c.value);
    w.aux = op;
    op.nodes.push(w);
    (c.kind === RECV_CASE ? c.ch.recvq : c.ch.sendq).push(w);
  }
  blockBegin("select", null, op);
  await p;
  const c = cs[op.index] as Case;
  return c.kind === RECV_CASE ? c.body(op.value, op.ok) : c.body();
}
