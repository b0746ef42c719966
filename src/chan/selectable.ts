// The selectable protocol: how a channel implemented outside the core (gosync/threads' SharedChan,
// whose other end is on another thread) takes part in `select` beside in-process Chans, without the
// core importing it. Such a channel has a method keyed `Symbol.for("gosync.selectable")` returning a
// Selectable: atomic try-operations and a one-shot readiness wake-up.
//
// How a select that has such a case keeps Go's rules (runtime/select.go's selectgo):
// - Poll in a uniformly random order (Go's pollorder), in-process cases by their side-effect-free
//   readiness test, foreign ones by their atomic try-operation; the first that succeeds commits.
//   The first ready case of a uniform random permutation is uniform among the ready cases.
// - If none is ready (and there is no `otherwise`): arm every foreign case's wake-up, poll the
//   foreign cases once more (a change before arming would otherwise go unseen), then park one
//   waiter per in-process case as plain select does.
// - Every commit happens on the selecting thread, synchronously: an in-process case commits inside
//   the channel operation that completes its waiter (which settles the SelectOp), a foreign case
//   commits inside a wake-up handler that first checks the SelectOp is still unsettled and then
//   settles it. One thread, no interleaving: exactly one case commits, and a losing foreign case
//   consumed and delivered nothing because its try-operation was never run or failed whole.
//
// Where it differs from Go: a foreign case never offers itself to the other side while the select
// is blocked (offering would let another thread commit it concurrently with an in-process case); it
// commits with whatever the other side left ready: a value, a blocked sender's offer, a blocked
// receiver's registration. So two selects blocked on the two ends of the same unbuffered foreign
// channel do not meet, where Go's would.

import { blockBegin } from "../internal/registry.js";
import type { Chan } from "./chan.js";
import { park, SELECT, SelectOp, Waiter } from "./waiter.js";

/** The key of a foreign channel's method returning its {@link Selectable}. */
export const SELECTABLE: unique symbol = Symbol.for("gosync.selectable") as never;

/**
 * What a channel implemented outside the core offers `select` (see the file header). Each try is
 * atomic: it completes whole or leaves the channel untouched.
 */
export interface Selectable<T> {
  /** Receives now if it would not block: `[value, true]`, `[undefined, false]` once closed and drained; else undefined. */
  selectRecv(): [T, true] | [undefined, false] | undefined;
  /** Sends now if it would not block: true once done, false if it would block; throws ChanClosedError if closed. */
  selectSend(value: T): boolean;
  /**
   * Arms a one-shot wake-up: `wake` is called (later, never inside this call) after any change since
   * this call that may make a `dir` operation ready. Returns the disarm function (idempotent).
   */
  selectWatch(dir: "recv" | "send", wake: () => void): () => void;
}

/** A channel that `select` accepts besides Chan: it has a `[Symbol.for("gosync.selectable")]()` method. */
export interface SelectableChan<T> {
  /** The channel's select protocol. */
  [SELECTABLE](): Selectable<T>;
}

/** The fields of a select case this algorithm reads (select.ts's Case). */
export interface MixedCase {
  readonly kind: number; // 0 recv, 1 send, 2 default
  readonly ch: Chan<unknown> | null;
  readonly ext: Selectable<unknown> | null;
  readonly value: unknown;
  readonly body: (value?: unknown, ok?: boolean) => unknown;
}

const RECV_CASE = 0;

/** The selectable behind `x`, or null if it has none. */
export function selectableOf(x: unknown): Selectable<unknown> | null {
  if (typeof x !== "object" || x === null) return null;
  const f = (x as Partial<SelectableChan<unknown>>)[SELECTABLE];
  return typeof f === "function" ? f.call(x) : null;
}

function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    const t = order[i] as number;
    order[i] = order[j] as number;
    order[j] = t;
  }
  return order;
}

function run(body: MixedCase["body"], value?: unknown, ok?: boolean): Promise<unknown> {
  try {
    return Promise.resolve(body(value, ok));
  } catch (e) {
    return Promise.reject(e);
  }
}

/** Sentinel: the foreign case would block. */
const BLOCKED: unique symbol = Symbol("blocked");
type Tried = typeof BLOCKED | { value: unknown; ok: boolean };

/** One foreign try-operation; throws (send on a closed channel) as the channel does. */
function tryForeign(c: MixedCase): Tried {
  const ext = c.ext as Selectable<unknown>;
  if (c.kind === RECV_CASE) {
    const r = ext.selectRecv();
    return r === undefined ? BLOCKED : { value: r[0], ok: r[1] };
  }
  return ext.selectSend(c.value) ? { value: undefined, ok: true } : BLOCKED;
}

/**
 * select() when some case is on a foreign channel. `commitLocal` commits a ready in-process case;
 * `dflt` is the `otherwise` case, if any.
 */
export function selectMixed(
  cs: readonly MixedCase[],
  dflt: MixedCase | null,
  commitLocal: (c: MixedCase) => Promise<unknown>,
): Promise<unknown> {
  try {
    for (const i of shuffled(cs.length)) {
      const c = cs[i] as MixedCase;
      if (c.ext !== null) {
        const r = tryForeign(c);
        if (r !== BLOCKED) return run(c.body, r.value, r.ok);
      } else if (c.ch !== null && (c.kind === RECV_CASE ? c.ch.canRecv() : c.kind === 1 && c.ch.canSend())) {
        return commitLocal(c);
      }
    }
  } catch (e) {
    return Promise.reject(e);
  }
  if (dflt !== null) return run(dflt.body);
  return blockMixed(cs);
}

async function blockMixed(cs: readonly MixedCase[]): Promise<unknown> {
  const op = new SelectOp();
  const foreign: number[] = [];
  for (let i = 0; i < cs.length; i++) if ((cs[i] as MixedCase).ext !== null) foreign.push(i);
  const disarm: (() => void)[] = [];
  // fire() and failWith() set op.index (failWith to -2): -1 means no case has committed yet.
  const settled = (): boolean => op.index !== -1;

  /** Polls the foreign cases in random order; commits the first that is ready. */
  const poll = (): boolean => {
    for (const j of shuffled(foreign.length)) {
      const i = foreign[j] as number;
      const r = tryForeign(cs[i] as MixedCase);
      if (r !== BLOCKED) {
        op.fire(i, r.value, r.ok);
        return true;
      }
    }
    return false;
  };
  const arm = (i: number): void => {
    const c = cs[i] as MixedCase;
    disarm[i] = (c.ext as Selectable<unknown>).selectWatch(c.kind === RECV_CASE ? "recv" : "send", () => {
      if (settled()) return;
      arm(i); // before polling, so a change during the poll is seen
      try {
        poll();
      } catch (e) {
        op.failWith(e);
      }
    });
  };

  const p = park<SelectOp>(op);
  for (const i of foreign) arm(i);
  let committed: boolean;
  try {
    committed = poll();
  } catch (e) {
    for (const i of foreign) disarm[i]?.();
    throw e;
  }
  if (!committed) {
    for (let i = 0; i < cs.length; i++) {
      const c = cs[i] as MixedCase;
      if (c.ch === null || c.kind > 1) continue;
      const w = new Waiter(SELECT + i, c.value);
      w.aux = op;
      op.nodes.push(w);
      (c.kind === RECV_CASE ? c.ch.recvq : c.ch.sendq).push(w);
    }
    blockBegin("select", null, op);
  }
  try {
    await p;
  } finally {
    for (const i of foreign) disarm[i]?.();
  }
  const c = cs[op.index] as MixedCase;
  return c.kind === RECV_CASE ? c.body(op.value, op.ok) : c.body();
}
