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
// in slices, so an abandoned watch does not outlive its use). A sync wait cannot watch anything:
// its thread sleeps in Atomics.wait on a word of the primitive's memory, which only a thread
// holding that memory can notify. So before it sleeps, it sends the word (its SharedArrayBuffer and
// byte offset) to the thread that owns the context's cancellation, through a BroadcastChannel that
// thread listens on (one per thread, unref'd; the channel's name travels in the handle); that
// thread keeps the word with the context's link and notifies it right after publishing the
// outcome (a word that arrives later is notified on arrival). The sleeper then re-checks the state
// word and sleeps. A deadline needs no notification, as every sleeper's own timeout ends at it.
// Each word is sent once per attached copy (the first sleep on it; later sleeps on the same word
// cost nothing), and the origin keeps the words until the context ends (cancelled, or dropped: the
// inbox holds links weakly), which is why a shared context, as in Go, should always be cancelled.
// A long-lived context attached anew for each of many tasks would send the same words again and
// again (the origin cannot tell two buffers for the same memory apart), so a link keeps at most
// MAX_WORDS: beyond that it bumps a generation word in the block, forgets its words and notifies
// them; every sleeper so woken finds the new generation and sends its word again before sleeping.
// The wake-up reaches a sleeper as soon as the cancelling thread's event loop has delivered the
// word (at once if it was delivered before the cancel).
// One window stays open: Atomics.wait checks the primitive's word, not the context's state, so a
// notify that lands after the sleeper's last check but before it is inside Atomics.wait finds no
// one (the canceller may not change the primitive's word to make the sleep fail, as a futex waker
// would). The window is the few instructions between the check and the sleep; to close it in
// practice the canceller notifies each word a second time a millisecond later (RENOTIFY_MS), and a
// sleeper that was descheduled inside the window even longer re-checks at the latest after
// BACKSTOP_MS: a bound on the worst case, not a polling interval (one look per second).
// Where BroadcastChannel does not exist, sync waits fall back to sleeping in slices of POLL_MS and
// re-reading the state word between them.
// A context derived from an attached one and shared again: its sleepers send their words both to
// its own origin and, up the chain, to each ancestor's, so the ancestor's cancellation wakes them
// even while the middle thread is busy.

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
const WORDS_GEN = 5; // bumped when the origin forgets its sleepers' words: they send them again
const BYTES = 8; // first word of the cause text
const CAUSE_BYTES = 480;
const NAME_MAX = 64;
const WORDS = BYTES + CAUSE_BYTES / 4;

/**
 * Longest sleep slice of a sync wait under a shared context, ms, where cancellation cannot notify
 * the sleeper (no BroadcastChannel in the runtime): the cancellation latency there.
 */
export const POLL_MS = 2;
/** A done()/signal watcher re-arms in slices of this many ms while anyone is interested. */
const WATCH_MS = 1000;
/** The most sleepers' words a link keeps before it forgets them all (see the header). */
const MAX_WORDS = 1024;
/** How long after the first notify the canceller notifies a word again (see the header), ms. */
const RENOTIFY_MS = 1;
/** The longest sleep of a sync wait whose word the canceller will notify (see the header), ms. */
export const BACKSTOP_MS = 1000;

/** Notifies `words` now and once more RENOTIFY_MS later (the window in the header). */
function notifyWords(words: readonly Int32Array[]): void {
  if (words.length === 0) return;
  for (const w of words) Atomics.notify(w, 0);
  const again = setTimeout(() => {
    for (const w of words) Atomics.notify(w, 0);
  }, RENOTIFY_MS) as unknown as Unrefable;
  again.unref?.(); // never keeps the thread alive
}

const KIND = "context";

interface ContextExtra {
  readonly deadline: number | null;
  readonly parent: HandleData | null;
  readonly never: boolean;
  /** Where sync sleepers send their words (see the header), or null where that is impossible. */
  readonly wake?: WakeAddress | null;
}

/** The origin's inbox channel and the link's number there. */
interface WakeAddress {
  readonly channel: string;
  readonly id: number;
}

/** What a sleeper sends: the word to notify once the context with link `id` is cancelled. */
interface WakeMessage {
  readonly id: number;
  readonly sab: SharedArrayBuffer;
  /** Byte offset of the word. */
  readonly at: number;
}

interface Unrefable {
  unref?(): void;
}

let channelsWork: boolean | undefined;

/** Whether this thread can open BroadcastChannels (a runtime may lack them, or refuse). */
function hasChannels(): boolean {
  if (channelsWork === undefined) {
    try {
      new BroadcastChannel("gosync/threads/probe").close();
      channelsWork = true;
    } catch {
      channelsWork = false;
    }
  }
  return channelsWork;
}

/**
 * This thread's inbox: the links of the contexts it shared, by id. Weakly: a link lives as long as
 * its context (in whose listener set it is), and a context dropped without being cancelled can
 * never be cancelled, so its sleepers have nothing to be woken for.
 */
let inbox: {
  readonly channel: string;
  readonly links: Map<number, WeakRef<ShareLink>>;
  readonly gone: FinalizationRegistry<number>;
  next: number;
} | null = null;

function theInbox(): NonNullable<typeof inbox> {
  if (inbox !== null) return inbox;
  const channel = `gosync/threads/ctx-wake/${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const links = new Map<number, WeakRef<ShareLink>>();
  const bc = new BroadcastChannel(channel);
  (bc as Unrefable).unref?.(); // listening must not keep the thread alive
  bc.onmessage = (e: MessageEvent<WakeMessage>): void => {
    const m = e.data;
    const word = new Int32Array(m.sab, m.at, 1);
    const link = links.get(m.id)?.deref();
    // No link: it has published already (or its context was dropped and never will); the word
    // is notified at once.
    if (link === undefined) notifyWords([word]);
    else link.sleeping(word);
  };
  inbox = { channel, links, gone: new FinalizationRegistry((id) => links.delete(id)), next: 1 };
  return inbox;
}

/** Channels to other threads' inboxes, by name (a few per thread: one per origin thread). */
const outboxes = new Map<string, BroadcastChannel>();

function outbox(channel: string): BroadcastChannel {
  let bc = outboxes.get(channel);
  if (bc === undefined) {
    bc = new BroadcastChannel(channel);
    (bc as Unrefable).unref?.();
    outboxes.set(channel, bc);
  }
  return bc;
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

/** Links an origin context to its block: publishes when the origin is cancelled, then wakes sleepers. */
class ShareLink extends CancelCtx {
  #i32: Int32Array | null = null;
  /** The number of this link in the thread's inbox (0: not listed, no sleeper can reach it). */
  readonly #id: number = 0;
  /** Words sync sleepers on other threads sent: notified once the outcome is published. */
  #words: Int32Array[] = [];

  constructor(parent: Context, i32: Int32Array) {
    super(parent);
    this.#i32 = i32;
    const e = this.err(); // already cancelled: CancelCtx's constructor ran before #i32 existed
    if (e !== null) publish(i32, e, causeOf(this));
    else if (hasChannels()) {
      const box = theInbox();
      this.#id = box.next++;
      box.links.set(this.#id, new WeakRef(this));
      box.gone.register(this, this.#id, this);
    }
  }

  /** Where sleepers send their words, or null. */
  get wake(): WakeAddress | null {
    return this.#id === 0 ? null : { channel: theInbox().channel, id: this.#id };
  }

  /** A sleeper's word arrived: kept until the outcome is published. */
  sleeping(word: Int32Array): void {
    this.#words.push(word);
    // The same word arrives again from each new attached copy (a pool passes the context to
    // every task anew), so the list is bounded: past MAX_WORDS it is forgotten, and a new
    // generation makes every sleeper, woken here, send its word again (see the header).
    if (this.#words.length > MAX_WORDS && this.#i32 !== null) {
      Atomics.add(this.#i32, WORDS_GEN, 1);
      const old = this.#words;
      this.#words = [];
      notifyWords(old);
    }
  }

  override stopped(): void {
    if (!(#i32 in this) || this.#i32 === null) return;
    const e = this.err();
    if (e !== null) publish(this.#i32, e, causeOf(this));
    this.#i32 = null;
    if (this.#id !== 0) {
      inbox?.links.delete(this.#id); // words arriving from now on are notified at once
      inbox?.gone.unregister(this);
    }
    notifyWords(this.#words);
    this.#words = [];
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
  /** Words already sent to the origin (see the header), per buffer. */
  #sent: WeakMap<SharedArrayBuffer, Set<number>> | null = null;
  /** The origin's WORDS_GEN when #sent was started. */
  #sentGen = 0;

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

  /** Whether every block up the chain can notify sync sleepers on this thread (else they must poll). */
  get wakes(): boolean {
    const w = (this.handle.extra as ContextExtra).wake;
    return w !== undefined && w !== null && hasChannels() && (this.up === null || this.up.wakes);
  }

  /**
   * Before a sync sleep on `i32[index]`: sends the word to the origin of this block and of every
   * ancestor's (once per word), so their cancellation notifies it. See the header.
   */
  register(i32: Int32Array, index: number): void {
    const w = (this.handle.extra as ContextExtra).wake;
    if (w !== undefined && w !== null && super.err() === null) {
      const gen = Atomics.load(this.i32, WORDS_GEN);
      if (this.#sent === null || gen !== this.#sentGen) {
        this.#sent = new WeakMap(); // a new generation: the origin forgot the words sent so far
        this.#sentGen = gen;
      }
      const sab = i32.buffer as SharedArrayBuffer;
      let sent = this.#sent.get(sab);
      if (sent === undefined) {
        sent = new Set();
        this.#sent.set(sab, sent);
      }
      const at = i32.byteOffset + index * 4;
      if (!sent.has(at)) {
        sent.add(at);
        const m: WakeMessage = { id: w.id, sab, at };
        outbox(w.channel).postMessage(m);
      }
    }
    this.up?.register(i32, index);
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
    // The link lives in ctx's listener set (and this thread's inbox) until ctx is cancelled.
    const link = new ShareLink(ctx, new Int32Array(sab));
    const extra: ContextExtra = { deadline, parent: up?.handle ?? null, never: false, wake: link.wake };
    h = makeHandle(KIND, sab, 0, extra);
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
 * cancellation of the shared context it inherits from, which notifies the sleeper's word (see the
 * header: with a backstop look every BACKSTOP_MS; polled every POLL_MS where notifying is
 * impossible). Throws a TypeError naming `method` unless ctx is a Context; null when there is no
 * ctx.
 */
export function interruptOf(method: string, ctx: Context | undefined): Interrupt | null {
  if (ctx === undefined) return null;
  if (!isContext(ctx)) throw new TypeError(`${method}: ctx must be a Context`);
  const anc = attachedAncestor(ctx);
  const deadline = ctx.deadline()?.getTime() ?? Number.POSITIVE_INFINITY;
  const check = (): unknown => {
    anc?.poll(); // pulls a remote cancellation in: it reaches ctx synchronously
    const e = ctx.err();
    if (e !== null) return e;
    return clock.now() >= deadline ? DeadlineExceeded : undefined;
  };
  if (anc === null) return { deadline, poll: Number.POSITIVE_INFINITY, check };
  if (!anc.wakes) return { deadline, poll: POLL_MS, check };
  return {
    deadline,
    poll: BACKSTOP_MS,
    check,
    register: (i32: Int32Array, index: number): void => anc.register(i32, index),
  };
}
