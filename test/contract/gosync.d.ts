// The public API of `gosync` (core), written out as TypeScript declarations: the contract the
// type check below holds the library to. Where the contract leaves a type open, the line says "ASSUMED": that is the
// expected reading, and a better one is welcome if it is applied everywhere and explained.
// The library's own exported types should be assignable to these (e.g. a type-level test that
// `typeof import("gosync")` satisfies this module's shape).

declare const contextKeyType: unique symbol;
declare const selectResult: unique symbol;

/** Anything a blocking call accepts as its optional last argument (a Context or an AbortSignal). */
export type Canceller = Context | AbortSignal;

// ---------------------------------------------------------------------------------------------
// errors (Go's panics are thrown errors with Go's text, subclasses of GoSyncError)
// ---------------------------------------------------------------------------------------------

/** Base class of every error that stands for a Go panic or a context error. */
export class GoSyncError extends Error {}
/** `send on closed channel`, `close of closed channel`. */
export class ChanClosedError extends GoSyncError {}

// ---------------------------------------------------------------------------------------------
// tasks
// ---------------------------------------------------------------------------------------------

/** Start a task (Go's `go` statement). An error escaping it is fatal, like a Go panic. */
export function go<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void;

// ---------------------------------------------------------------------------------------------
// channels
// ---------------------------------------------------------------------------------------------

export class Chan<T> implements AsyncIterable<T> {
  /** Unbuffered (a rendezvous) when capacity is 0, the default. */
  constructor(capacity?: number);
  /** Go's `cap(ch)`. */
  readonly cap: number;
  /** Go's `len(ch)`: values buffered now. */
  readonly length: number;
  /** Rejects with ChanClosedError("send on closed channel") once closed. */
  send(value: T, ctx?: Canceller): Promise<void>;
  /** `undefined` once closed and drained. */
  recv(ctx?: Canceller): Promise<T | undefined>;
  /** Go's `v, ok := <-ch`. */
  recvOk(ctx?: Canceller): Promise<[T, true] | [undefined, false]>;
  /** `select { case ch <- v: return true; default: return false }`. */
  trySend(value: T): boolean;
  /** `undefined` means the receive would block. */
  tryRecv(): [T, true] | [undefined, false] | undefined;
  /** Throws on a second close. */
  close(): void;
  /** Go's `for v := range ch`: ends when closed and drained. */
  [Symbol.asyncIterator](): AsyncIterator<T>;
}

/** One case of a select; R is what its body returns. Opaque. */
export interface SelectCase<R> {
  readonly [selectResult]?: R;
}
export type SelectResult<C> = C extends SelectCase<infer R> ? R : never;

/**
 * Go's select: uniform random among ready cases; `otherwise` is Go's `default`; a null channel is
 * never ready (Go's nil channel); `select()` with no cases blocks forever (`select {}`).
 */
export function select<C extends SelectCase<unknown>[]>(...cases: C): Promise<SelectResult<C[number]>>;
/** ASSUMED: the body gets Go's `v, ok` pair; `ok` is false when the channel is closed and drained. */
export function recv<T, R>(
  ch: Chan<T> | null,
  body: (...args: [value: T, ok: true] | [value: undefined, ok: false]) => R,
): SelectCase<R>;
export function recv<T, R>(ch: Chan<T> | null, body: (value: T | undefined, ok: boolean) => R): SelectCase<R>;
export function send<T, R>(ch: Chan<T> | null, value: T, body: () => R): SelectCase<R>;
export function otherwise<R>(body: () => R): SelectCase<R>;

// ---------------------------------------------------------------------------------------------
// time (milliseconds)
// ---------------------------------------------------------------------------------------------

export function sleep(ms: number, ctx?: Canceller): Promise<void>;
export function after(ms: number): Chan<Date>;
export function tick(ms: number): Chan<Date> | null;
export class Timer {
  constructor(ms: number);
  readonly c: Chan<Date>;
  /** ASSUMED: Go's result, true if the call stopped the timer. */
  stop(): boolean;
  reset(ms: number): boolean;
}
export class Ticker {
  constructor(ms: number);
  readonly c: Chan<Date>;
  stop(): void;
  reset(ms: number): void;
}

// ---------------------------------------------------------------------------------------------
// context
// ---------------------------------------------------------------------------------------------

/** A typed key made by createKey; each call makes a distinct key. */
export interface ContextKey<T> {
  readonly name: string;
  readonly [contextKeyType]?: T;
}

/** ASSUMED to be an interface (as in Go), so that user-made contexts can be parents. */
export interface Context {
  /** null for a context that can never be cancelled (Go's nil Done channel). */
  done(): Chan<never> | null;
  /** ASSUMED: null (or undefined) until done; then `context canceled` / `context deadline exceeded`. */
  err(): Error | null;
  /** ASSUMED: undefined when there is no deadline (Go's ok == false). */
  deadline(): Date | undefined;
  value<T>(key: ContextKey<T>): T | undefined;
  readonly signal: AbortSignal;
}

export type CancelFunc = () => void;
export type CancelCauseFunc = (cause?: unknown) => void;

export function background(): Context;
export function todo(): Context;
export function withCancel(parent: Context): [Context, CancelFunc];
export function withCancelCause(parent: Context): [Context, CancelCauseFunc];
/** ASSUMED: returns [ctx, cancel] like withCancel (Go's pair). */
export function withDeadline(parent: Context, deadline: Date): [Context, CancelFunc];
/** ASSUMED: returns [ctx, cancel] like withCancel (Go's pair). */
export function withTimeout(parent: Context, ms: number): [Context, CancelFunc];
export function withValue<T>(parent: Context, key: ContextKey<T>, value: T): Context;
export function withoutCancel(parent: Context): Context;
/** Returns stop; ASSUMED: stop() reports whether it stopped f from being run (Go's bool). */
export function afterFunc(ctx: Context, f: () => void): () => boolean;
export function cause(ctx: Context): unknown;
export function fromSignal(signal: AbortSignal): Context;
export function createKey<T>(name: string): ContextKey<T>;

// ---------------------------------------------------------------------------------------------
// sync
// ---------------------------------------------------------------------------------------------

/** Go's sync.Locker. */
export interface Locker {
  lock(ctx?: Canceller): Promise<void> | void;
  unlock(): void;
}

export class Mutex implements Locker {
  lock(ctx?: Canceller): Promise<void>;
  /** Throws `sync: unlock of unlocked mutex`. */
  unlock(): void;
  tryLock(): boolean;
  withLock<R>(fn: () => R | Promise<R>, ctx?: Canceller): Promise<R>;
  /** ASSUMED: resolves to the Disposable once locked (`using l = await mu.acquire()`). */
  acquire(ctx?: Canceller): Promise<Disposable>;
  readonly locked: boolean;
  readonly waiters: number;
}

/** Writer-preferring, as Go. */
export class RWMutex implements Locker {
  rLock(ctx?: Canceller): Promise<void>;
  rUnlock(): void;
  lock(ctx?: Canceller): Promise<void>;
  unlock(): void;
  tryLock(): boolean;
  tryRLock(): boolean;
  rLocker(): Locker;
}

export class WaitGroup {
  add(delta: number): void;
  /** Throws `sync: negative WaitGroup counter`. */
  done(): void;
  wait(ctx?: Canceller): Promise<void>;
  go(fn: () => unknown): void;
}

export class Cond {
  constructor(locker: Locker);
  /** Unlocks the locker, waits for signal/broadcast, locks it again. Cancellable through ctx. */
  wait(ctx?: Canceller): Promise<void>;
  signal(): void;
  broadcast(): void;
}

export class Once {
  /**
   * ASSUMED: returns a promise when fn is asynchronous (or always); no call returns (settles)
   * before the one call of fn has returned (settled), as Go.
   */
  do(fn: () => void | Promise<void>): void | Promise<void>;
}
export function onceFunc<A extends unknown[]>(f: (...args: A) => void): (...args: A) => void;
export function onceValue<T>(f: () => T): () => T;
export function onceValues<T1, T2>(f: () => [T1, T2]): () => [T1, T2];

export class Pool<T> {
  constructor(options: { new: () => T });
  get(): T;
  put(x: T): void;
}

// ---------------------------------------------------------------------------------------------
// extended (x/sync and friends)
// ---------------------------------------------------------------------------------------------

/** Weighted, FIFO (x/sync/semaphore.Weighted). */
export class Semaphore {
  /** ASSUMED: the size (Go's NewWeighted(n)). */
  constructor(size: number);
  acquire(n?: number, ctx?: Canceller): Promise<void>;
  tryAcquire(n?: number): boolean;
  release(n?: number): void;
}

export interface SingleFlightValue<V> {
  readonly value: V;
  readonly shared: boolean;
}
/** ASSUMED shape of what doChan delivers (Go's Result{Val, Err, Shared}). */
export type SingleFlightResult<V> =
  | { readonly value: V; readonly error?: undefined; readonly shared: boolean }
  | { readonly value?: undefined; readonly error: unknown; readonly shared: boolean };

export class SingleFlight<K, V> {
  /** Rejects with fn's error (shared by every caller of the flight). */
  do(key: K, fn: () => V | Promise<V>): Promise<SingleFlightValue<V>>;
  doChan(key: K, fn: () => V | Promise<V>): Chan<SingleFlightResult<V>>;
  forget(key: K): void;
}

export class CyclicBarrier {
  constructor(parties: number, action?: () => void | Promise<void>);
  await(ctx?: Canceller): Promise<void>;
  reset(): void;
  readonly broken: boolean;
  readonly waiting: number;
  readonly parties: number;
}

export class ErrGroup {
  /** Go's zero Group: no limit, no context. */
  constructor();
  static withContext(ctx: Context): [ErrGroup, Context];
  /**
   * A task fails by throwing (or rejecting). ASSUMED: may return a promise that settles once the
   * task has been started (Go's Go blocks while the limit is reached).
   */
  go(fn: () => void | Promise<void>): void | Promise<void>;
  tryGo(fn: () => void | Promise<void>): boolean;
  setLimit(n: number): void;
  /** ASSUMED: rejects with the first error (an implementation resolving with it also passes). */
  wait(): Promise<void>;
}
