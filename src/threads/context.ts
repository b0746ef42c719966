// Shared contexts: a gosync Context that crosses threads. Go's context.Context is how a goroutine
// learns that its work is no longer wanted; here the goroutine may run on another thread.
//
// `share(ctx)` gives the context a small block of shared memory and links it to the context (a child
// that, when the context is cancelled or its deadline passes, writes the outcome into the block and
// notifies its state word). `attach(handle)` on any thread gives a read-only view, AttachedCtx: a full
// gosync Context (a parent for withCancel and friends, a ctx for every blocking call) whose err()
// is one atomic load of the state word while nothing has happened. Go's rules carry over:
// - err() is `Canceled` or `DeadlineExceeded` (the very sentinels of gosync/context, on every thread),
//   cause() reports the origin's cause (an Error with the same name and message, or the same text).
// - The deadline travels: every attached copy knows it, and whichever thread sees it pass first
//   publishes DeadlineExceeded for all (a claim word makes the first writer the only writer).
// - An attached copy is a read-only view: as in Go, only the cancel function cancels a context.
//   Contexts derived from it on the receiving thread are ordinary local contexts.
// - A context derived from an attached one and shared again keeps a link to its ancestor's block,
//   so its copies see the ancestor's cancellation even while the middle thread is busy (one more
//   atomic load per level).
// How each wait form learns of a cancellation: an async wait subscribes to the attached context,
// which then watches the state word with Atomics.waitAsync (only while someone is interested, and
// in slices, so an abandoned watch does not outlive its use); a sync wait polls the state word
// between sleep slices (internal/futex.ts explains why it cannot be notified directly).

import type { Context } from "../chan/context-type.js";
import { background } from "../context/background.js";
import { Canceled, DeadlineExceeded } from "../context/errors.js";
import { CANCEL_CTX_KEY, CancelCtx, causeOf } from "../context/with-cancel.js";
import { cancelSourceOf, REASON } from "../internal/cancel-protocol.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { atomicsWaitAsync, holdAlive, type Interrupt, releaseAlive } from "../internal/futex.js";
import { allocWords, type HandleData, isHandle, makeHandle, registerKind } from "./handle.js";

// Block layout (Int32 words).
const STATE = 0; // 0 live, 1 canceled, 2 deadline exceeded: the only word readers poll
const CLAIM = 1; // 0, then 1 once a thread has claimed the right to publish the outcome
const CAUSE_KIND = 2; // 0: cause is err itself; 1: an Error (name + message); 2: other value (its text)
const NAME_LEN = 3;
const MSG_LEN = 4;
const BYTES = 8; // first word of the cause text
const CAUSE_BYTES = 480;
const NAME_MAX = 64;
const WORDS = BYTES + CAUSE_BYTES / 4;

/** Longest sleep slice of a sync wait under a shared context (its cancellation latency), ms. */
export const POLL_MS = 2;
/** A done()/signal watcher re-arms in slices of this many ms while anyone is interested. */
const WATCH_MS = 1000;

const KIND = "context";

interface ContextExtra {
  readonly deadline: number | null;
  readonly parent: HandleData | null;
  readonly never: boolean;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function writeText(u8: Uint8Array, text: string, max: number): number {
  const bytes = encoder.encode(text);
  const n = Math.min(bytes.length, max);
  u8.set(bytes.subarray(0, n));
  return n;
}

/** Publishes the outcome into the block, once, whoever comes first (origin cancel or a deadline). */
function publish(i32: Int32Array, err: Error, cause: unknown): void {
  if (Atomics.compareExchange(i32, CLAIM, 0, 1) !== 0) return;
  const u8 = new Uint8Array(i32.buffer, i32.byteOffset + BYTES * 4, CAUSE_BYTES);
  if (cause === undefined || cause === err) {
    i32[CAUSE_KIND] = 0;
  } else if (cause instanceof Error) {
    i32[CAUSE_KIND] = 1;
    const n = writeText(u8, cause.name, NAME_MAX);
    i32[NAME_LEN] = n;
    i32[MSG_LEN] = writeText(u8.subarray(n), cause.message, CAUSE_BYTES - n);
  } else {
    i32[CAUSE_KIND] = 2;
    i32[NAME_LEN] = 0;
    i32[MSG_LEN] = writeText(u8, String(cause), CAUSE_BYTES);
  }
  // The store below publishes the plain writes above (seq-cst atomics order them for every reader).
  Atomics.store(i32, STATE, err === DeadlineExceeded ? 2 : 1);
  Atomics.notify(i32, STATE);
}

function readCause(i32: Int32Array, err: Error): unknown {
  const kind = i32[CAUSE_KIND];
  if (kind === 0) return err;
  const u8 = new Uint8Array(i32.buffer, i32.byteOffset + BYTES * 4, CAUSE_BYTES);
  const nameLen = i32[NAME_LEN]!;
  const msg = decoder.decode(u8.slice(nameLen, nameLen + i32[MSG_LEN]!)); // slice: an unshared copy
  if (kind === 2) return msg;
  const e = new Error(msg);
  e.name = decoder.decode(u8.slice(0, nameLen));
  return e;
}

/** Links an origin context to its block: publishes when the origin is cancelled. */
class ShareLink extends CancelCtx {
  #i32: Int32Array | null = null;
  constructor(parent: Context, i32: Int32Array) {
    super(parent);
    this.#i32 = i32;
    const e = this.err(); // already cancelled: CancelCtx's constructor ran before #i32 existed
    if (e !== null) publish(i32, e, causeOf(this));
  }
  override stopped(): void {
    if (!(#i32 in this) || this.#i32 === null) return;
    const e = this.err();
    if (e !== null) publish(this.#i32, e, causeOf(this));
    this.#i32 = null;
  }
}

/**
 * A context attached on this thread from a shared handle: a read-only view of the origin's
 * cancellation (see the header). @internal
 */
export class AttachedCtx extends CancelCtx {
  readonly handle: HandleData;
  readonly i32: Int32Array;
  /** The deadline, epoch ms, or null. */
  readonly deadlineMs: number | null;
  /** The attached ancestor whose block this one's shares link to, or null. */
  readonly up: AttachedCtx | null;
  #timer: TimerHandle | null = null;
  #interested = false;
  #watching = false;

  constructor(h: HandleData, parent: Context, up: AttachedCtx | null, deadline: number | null) {
    super(parent);
    this.handle = h;
    this.i32 = new Int32Array(h.sab, h.offset, WORDS);
    this.deadlineMs = deadline;
    this.up = up;
    if (super.err() !== null) return;
    if (Atomics.load(this.i32, STATE) !== 0) this.#pull();
    else if (deadline !== null) this.#arm(deadline);
  }

  /** One atomic load while nothing happened; pulls the outcome in once something did. */
  override err(): Error | null {
    const e = super.err();
    if (e !== null) return e;
    if (Atomics.load(this.i32, STATE) !== 0) return this.#pull();
    if (this.up !== null && this.up.err() !== null) return super.err();
    return null;
  }

  /** err(), and the deadline checked against the clock (for sync waits, whose thread is blocked). */
  poll(): Error | null {
    const e = this.err();
    if (e !== null || this.deadlineMs === null || clock.now() < this.deadlineMs) return e;
    this.#expire();
    return super.err();
  }

  override deadline(): Date | undefined {
    return this.deadlineMs === null ? undefined : new Date(this.deadlineMs);
  }

  override done(): ReturnType<CancelCtx["done"]> {
    this.err();
    return super.done();
  }

  override get signal(): AbortSignal {
    this.err();
    return super.signal;
  }

  override [REASON](): unknown {
    return this.err() ?? undefined;
  }

  override interested(on: boolean): void {
    if (!(#watching in this) || on === this.#interested) return; // (called during super() too)
    this.#interested = on;
    if (on) holdAlive();
    else releaseAlive();
    if (this.#timer !== null) clock.keepAlive(this.#timer, on);
    if (on) this.#watch();
  }

  override stopped(): void {
    if (!(#timer in this)) return;
    if (this.#timer !== null) clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  override toString(): string {
    return `${String(this.parent)}.Attached`;
  }

  #pull(): Error | null {
    const err = Atomics.load(this.i32, STATE) === 2 ? DeadlineExceeded : Canceled;
    this.cancel(true, err, readCause(this.i32, err));
    return super.err();
  }

  #expire(): void {
    publish(this.i32, DeadlineExceeded, undefined);
    this.err();
  }

  #arm(deadline: number): void {
    const left = deadline - clock.now();
    if (left <= 0) {
      this.#expire();
      return;
    }
    this.#timer = clock.setTimer(() => {
      this.#timer = null;
      this.#expire();
    }, left);
    clock.keepAlive(this.#timer, this.#interested);
  }

  /** Watches the state word while anyone is interested (someone blocked, or done() awaited). */
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    const next = (): void => {
      this.#watching = false;
      if (this.err() === null && this.#interested) this.#watch();
    };
    const r = atomicsWaitAsync(this.i32, STATE, 0, WATCH_MS);
    if (r.async) void r.value.then(next);
    else next();
  }
}

/** Whether `x` looks like a Context (Go's interface: done, err, deadline, value). */
export function isContext(x: unknown): x is Context {
  if (typeof x !== "object" || x === null) return false;
  const c = x as Partial<Context>;
  return (
    typeof c.done === "function" &&
    typeof c.err === "function" &&
    typeof c.deadline === "function" &&
    typeof c.value === "function"
  );
}

/** The nearest attached context `ctx` inherits its cancellation from, or null. */
export function attachedAncestor(ctx: Context): AttachedCtx | null {
  let c: unknown = ctx.value(CANCEL_CTX_KEY);
  while (c instanceof CancelCtx) {
    if (c instanceof AttachedCtx) return c;
    c = c.parent.value(CANCEL_CTX_KEY);
  }
  return null;
}

const sharedCtx = new WeakMap<Context, HandleData>();
let neverSab: SharedArrayBuffer | null = null;

/** The handle of a context (see the header); sharing a context again returns the same handle. */
export function shareContext(ctx: Context): HandleData {
  if (ctx instanceof AttachedCtx) return ctx.handle;
  const known = sharedCtx.get(ctx);
  if (known !== undefined) return known;
  const deadline = ctx.deadline()?.getTime() ?? null;
  let h: HandleData;
  if (cancelSourceOf(ctx) === null && deadline === null) {
    if (neverSab === null) neverSab = allocWords(1);
    const extra: ContextExtra = { deadline: null, parent: null, never: true };
    h = makeHandle(KIND, neverSab, 0, extra);
  } else {
    const sab = allocWords(WORDS);
    const up = attachedAncestor(ctx);
    const extra: ContextExtra = { deadline, parent: up?.handle ?? null, never: false };
    h = makeHandle(KIND, sab, 0, extra);
    new ShareLink(ctx, new Int32Array(sab)); // lives in ctx's listener set until ctx is cancelled
  }
  sharedCtx.set(ctx, h);
  return h;
}

function attachContext(h: HandleData): Context {
  const x = h.extra as Partial<ContextExtra> | null;
  if (x === null || typeof x !== "object") throw new TypeError("attach: malformed context handle");
  if (x.never === true) return background();
  const up = isHandle(x.parent) ? (attachContext(x.parent) as AttachedCtx) : null;
  const deadline = typeof x.deadline === "number" ? x.deadline : null;
  return new AttachedCtx(h, up ?? background(), up, deadline);
}

registerKind(KIND, attachContext);

/**
 * What may interrupt a sync wait given `ctx` (internal/futex.ts): its deadline, and the
 * cancellation of the shared context it inherits from, polled every POLL_MS. Throws a TypeError
 * naming `method` unless ctx is a Context; null when there is no ctx.
 */
export function interruptOf(method: string, ctx: Context | undefined): Interrupt | null {
  if (ctx === undefined) return null;
  if (!isContext(ctx)) throw new TypeError(`${method}: ctx must be a Context`);
  const anc = attachedAncestor(ctx);
  const deadline = ctx.deadline()?.getTime() ?? Number.POSITIVE_INFINITY;
  return {
    deadline,
    poll: anc === null ? Number.POSITIVE_INFINITY : POLL_MS,
    check(): unknown {
      anc?.poll(); // pulls a remote cancellation in: it reaches ctx synchronously
      const e = ctx.err();
      if (e !== null) return e;
      return clock.now() >= deadline ? DeadlineExceeded : undefined;
    },
  };
}
