// The machinery every channel pattern shares (not a pattern itself). A pattern accepts its
// cancellation as `Done`: a Context, an AbortSignal, a done channel (Go's `done <-chan struct{}`,
// closed to cancel) or null. Scope turns that into one done channel, starts the pattern's tasks with
// go() and counts them, and runs the pattern's cleanup (closing its outputs) only after the last task
// ended — so an output is never closed while a task of the pattern may still send on it (the async
// fan-out bug of smallnest's Go 并发编程实战课 lesson 14). Its recv/send steps are Go's
//   select { case v, ok := <-in: ... case <-done: return }
//   select { case out <- v: ... case <-done: return }
// with one difference: a done channel that is already closed wins at once, so after cancel() returns a
// pattern performs no further channel operation (Go would pick at random among ready cases).

import { Chan } from "../chan/chan.js";
import type { Context } from "../chan/context-type.js";
import { recv, select, send } from "../chan/select.js";
import { Canceled } from "../context/errors.js";
import { ChanClosedError } from "../internal/errors.js";
import { go } from "../task/go.js";

/**
 * What a channel pattern accepts as its cancellation: a Context, an AbortSignal, a done channel
 * (closed to cancel, as Go's `done <-chan struct{}`), or null/undefined for never.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * const evens = filter(ctx, numbers, (n) => n % 2 === 0); // or: filter(doneChan, ...), filter(signal, ...)
 * cancel(); // every task of the pattern ends, its output is closed
 * ```
 */
export type Done = Context | AbortSignal | Chan<unknown> | null | undefined;

/** @internal Received by {@link Scope.recv} instead of a value: the input is closed and drained, or done fired. */
export const END: unique symbol = Symbol("gosync.patterns.end");
/** @internal The type of {@link END}. */
export type End = typeof END;

/** @internal A Done resolved to a channel (null: never done), its error, and how to let go of it. */
export interface DoneChan {
  readonly ch: Chan<unknown> | null;
  /** Why it is done: the ctx's error, the signal's reason, or Canceled for a closed done channel. */
  err(): unknown;
  /** Removes what was registered to build `ch` (an AbortSignal listener). */
  release(): void;
}

function noop(): void {}

const NEVER: DoneChan = { ch: null, err: () => undefined, release: noop };

/** @internal Resolves a Done to a channel; throws a TypeError naming `ctx` for anything else. */
export function doneOf(ctx: Done): DoneChan {
  if (ctx === undefined || ctx === null) return NEVER;
  if (ctx instanceof Chan) return { ch: ctx, err: () => Canceled, release: noop };
  if (typeof AbortSignal !== "undefined" && ctx instanceof AbortSignal) {
    const ch = new Chan<never>(0, "signal.done");
    const err = (): unknown => ctx.reason;
    if (ctx.aborted) {
      ch.close();
      return { ch, err, release: noop };
    }
    const onAbort = (): void => ch.close();
    ctx.addEventListener("abort", onAbort, { once: true });
    return { ch, err, release: () => ctx.removeEventListener("abort", onAbort) };
  }
  const c = ctx as Partial<Context>;
  if (typeof c.done === "function" && typeof c.err === "function") {
    const ch = c.done.call(ctx) as Chan<unknown> | null;
    return ch === null ? NEVER : { ch, err: () => c.err?.call(ctx), release: noop };
  }
  throw new TypeError("ctx must be a Context, an AbortSignal, a Chan or null");
}

/** @internal Throws a TypeError naming the argument unless `ch` is a Chan. */
export function checkChan(name: string, ch: unknown): void {
  if (!(ch instanceof Chan)) throw new TypeError(`${name} must be a Chan`);
}

/** @internal Closes `ch` unless it is closed already (an output its consumer closed must not panic the pattern). */
export function closeIfOpen(ch: Chan<unknown>): void {
  if (!ch.closed) ch.close();
}

/** @internal Whether `x` is a promise or another thenable (so a sync callback's result is not awaited). */
export function isPromiseLike<T>(x: T | PromiseLike<T>): x is PromiseLike<T> {
  return typeof (x as Partial<PromiseLike<T>> | null)?.then === "function";
}

const onValue = (v: unknown, ok: boolean): unknown => (ok ? v : END);
const yes = (): boolean => true;

/** @internal A running pattern: its done channel, its live tasks, and the cleanup run after the last one. */
export class Scope {
  readonly done: Chan<unknown> | null;
  /** Set once a recv or send of this scope lost to done. */
  stopped = false;
  readonly #d: DoneChan;
  readonly #cleanup: () => void;
  #live = 0;
  readonly #onDone = (): End => {
    this.stopped = true;
    return END;
  };
  readonly #onDoneFalse = (): boolean => {
    this.stopped = true;
    return false;
  };

  /**
   * @param cleanup runs once, after the last task started with go() has ended; a channel (the
   * pattern's output) is closed then, unless someone closed it already.
   */
  constructor(ctx: Done, cleanup: (() => void) | Chan<unknown> = noop) {
    this.#d = doneOf(ctx);
    this.done = this.#d.ch;
    this.#cleanup = cleanup instanceof Chan ? () => closeIfOpen(cleanup) : cleanup;
  }

  /** Whether done has fired (a closed done channel); checked before every operation. */
  get cancelled(): boolean {
    if (this.done?.closed === true) this.stopped = true;
    return this.stopped;
  }

  /** Lets go of the Done when no task was started (go() does it after the last task). */
  release(): void {
    this.#d.release();
  }

  /** The ctx's error (Canceled for a done channel). */
  err(): unknown {
    return this.#d.err() ?? Canceled;
  }

  /** Starts a task of this pattern, named for task dumps; the cleanup runs after the last one. */
  go(name: string, body: () => Promise<void>): void {
    this.#live++;
    const task = async (): Promise<void> => {
      try {
        await body();
      } finally {
        if (--this.#live === 0) {
          this.#d.release();
          this.#cleanup();
        }
      }
    };
    Object.defineProperty(task, "name", { value: name });
    go(task);
  }

  /** `select { case v, ok := <-ch: ... case <-done: }`: the value, or END (closed, or done). */
  recv<T>(ch: Chan<T>): Promise<T | End> {
    if (this.cancelled) return Promise.resolve(END);
    return select(
      recv(ch, onValue as (v: T | undefined, ok: boolean) => T | End),
      recv(this.done, this.#onDone),
    );
  }

  /**
   * `select { case ch <- v: ... case <-done: }`: true once sent, false if done fired first, or if
   * `ch` is closed (by someone else: a pattern never sends on an output it closed).
   */
  async send<T>(ch: Chan<T>, v: T): Promise<boolean> {
    if (this.cancelled || ch.closed) return false;
    try {
      return await select(send(ch, v, yes), recv(this.done, this.#onDoneFalse));
    } catch (e) {
      if (e instanceof ChanClosedError) return false;
      throw e;
    }
  }

  /**
   * Awaits `p` unless done fires first (then END; `p` is left to settle unobserved). For awaiting
   * work a pattern cannot cancel, such as an async iterator's next().
   */
  async race<T>(p: PromiseLike<T>): Promise<T | End> {
    const done = this.done;
    if (done === null) return await p;
    const box = new Chan<Settled<T>>(1);
    p.then(
      (v) => box.trySend({ ok: true, v }),
      (e: unknown) => box.trySend({ ok: false, e }), // observed even if abandoned: never unhandled
    );
    if (this.cancelled) return END;
    const r = await select(
      recv(done, this.#onDone),
      recv(box, (s) => s as Settled<T>),
    );
    if (r === END) return END;
    if (r.ok) return r.v;
    throw r.e;
  }
}

type Settled<T> = { ok: true; v: T } | { ok: false; e: unknown };

export { noop };
