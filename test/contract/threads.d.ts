// The public API of `gosync/threads` (see docs/threads.md), written out as TypeScript declarations,
// kept apart from the sources so that threads.contract.test.ts can hold the library to it. Names and shapes are the contract that tests and users code against; a
// better shape is welcome if it is applied everywhere and explained. Internals are yours.
//
// Every primitive here lives in a SharedArrayBuffer, is created on any thread, and works from every
// thread it reaches: the creating thread, workers it was handed to, and workers those handed it on to.
// Each blocking operation comes in two forms:
//   - async  (`lock()`, `recv()`, ...): Atomics.waitAsync; never blocks the thread; any thread.
//   - sync   (`lockSync()`, `recvSync()`, ...): Atomics.wait; blocks the calling thread. Throws a
//            TypeError naming the method where the runtime forbids blocking (a browser's main thread).
// Both forms take the same optional ctx; a blocked sync wait can be interrupted only by what can
// reach a blocked thread: a deadline, or the cancellation of a context shared from another thread.

import type { TransferListItem } from "node:worker_threads";
import type { Canceller, Context } from "./gosync.js";

// ---------------------------------------------------------------------------------------------
// crossing threads
// ---------------------------------------------------------------------------------------------

/** What crosses a thread boundary for a primitive: plain data, structured-cloneable. Opaque. */
export interface SharedHandle {
  readonly kind: string;
}

/** Every shared primitive (and a shared context) has a handle. */
export interface Shareable {
  readonly handle: SharedHandle;
}

/**
 * For `postMessage` / `workerData`: a deep copy of `value` (plain objects, arrays, Maps) in which
 * every shared primitive and every gosync Context is replaced by its handle. A Context becomes a
 * shared one: cancelling it (or its deadline passing) cancels its attached copies on every thread,
 * with the same `err()` and `cause()` text. Context values do not cross.
 */
export function share(value: unknown): unknown;

/** The reverse, on the receiving thread: handles become live primitives and contexts again. */
export function attach<T>(value: unknown): T;

// ---------------------------------------------------------------------------------------------
// locks and groups: same semantics, errors and panic texts as the in-process `gosync` ones
// ---------------------------------------------------------------------------------------------

export class Mutex implements Shareable {
  constructor();
  readonly handle: SharedHandle;
  lock(ctx?: Canceller): Promise<void>;
  lockSync(ctx?: Context): void;
  tryLock(): boolean;
  /** Throws GoSyncError("sync: unlock of unlocked mutex"). Any thread may unlock (as in Go). */
  unlock(): void;
  withLock<R>(fn: () => R | Promise<R>, ctx?: Canceller): Promise<R>;
  readonly locked: boolean;
}

/** Writer-preferring, as Go's: a waiting writer holds back new readers. */
export class RWMutex implements Shareable {
  constructor();
  readonly handle: SharedHandle;
  rLock(ctx?: Canceller): Promise<void>;
  rLockSync(ctx?: Context): void;
  tryRLock(): boolean;
  rUnlock(): void;
  lock(ctx?: Canceller): Promise<void>;
  lockSync(ctx?: Context): void;
  tryLock(): boolean;
  unlock(): void;
}

export class WaitGroup implements Shareable {
  constructor();
  readonly handle: SharedHandle;
  add(delta: number): void;
  done(): void;
  wait(ctx?: Canceller): Promise<void>;
  waitSync(ctx?: Context): void;
  readonly count: number;
  /** Wait calls pending on all threads. */
  readonly waiters: number;
}

/** Weighted, as x/sync's semaphore.Weighted; grants in arrival order across all threads. */
export class Semaphore implements Shareable {
  constructor(size: number);
  readonly handle: SharedHandle;
  acquire(n?: number, ctx?: Canceller): Promise<void>;
  acquireSync(n?: number, ctx?: Context): void;
  tryAcquire(n?: number): boolean;
  release(n?: number): void;
}

export class Cond implements Shareable {
  constructor(mutex: Mutex);
  readonly handle: SharedHandle;
  wait(ctx?: Canceller): Promise<void>;
  waitSync(ctx?: Context): void;
  signal(): void;
  broadcast(): void;
}

/** Across threads: exactly one call of `do`, on whichever thread comes first, runs its fn; every
 *  other call, on any thread, returns once that fn has finished. */
export class Once implements Shareable {
  constructor();
  readonly handle: SharedHandle;
  do(fn: () => unknown): Promise<void>;
  readonly done: boolean;
}

export class CyclicBarrier implements Shareable {
  constructor(parties: number);
  readonly handle: SharedHandle;
  await(ctx?: Canceller): Promise<void>;
  awaitSync(ctx?: Context): void;
  reset(): void;
  readonly broken: boolean;
  readonly parties: number;
}

// ---------------------------------------------------------------------------------------------
// atomics (Go's sync/atomic types)
// ---------------------------------------------------------------------------------------------

export class AtomicInt32 implements Shareable {
  constructor(initial?: number);
  readonly handle: SharedHandle;
  load(): number;
  store(v: number): void;
  add(delta: number): number; // returns the new value, as Go's Add
  swap(v: number): number; // returns the old value
  compareAndSwap(old: number, v: number): boolean;
  and(mask: number): number; // Go 1.23: returns the old value
  or(mask: number): number; // Go 1.23: returns the old value
}
/** The same word read as unsigned: an AtomicInt32 (`instanceof` holds), as one implementation. */
export class AtomicUint32 extends AtomicInt32 {}
export class AtomicBigInt64 implements Shareable {
  constructor(initial?: bigint);
  readonly handle: SharedHandle;
  load(): bigint;
  store(v: bigint): void;
  add(delta: bigint): bigint;
  swap(v: bigint): bigint;
  compareAndSwap(old: bigint, v: bigint): boolean;
  and(mask: bigint): bigint;
  or(mask: bigint): bigint;
}
export class AtomicBool implements Shareable {
  constructor(initial?: boolean);
  readonly handle: SharedHandle;
  load(): boolean;
  store(v: boolean): void;
  swap(v: boolean): boolean;
  compareAndSwap(old: boolean, v: boolean): boolean;
}

// ---------------------------------------------------------------------------------------------
// channels across threads
// ---------------------------------------------------------------------------------------------

/** How a SharedChan or SharedMap stores values: fixed-size numeric slots, or encoded bytes. */
export type Codec = "int32" | "float64" | "bigint64" | "string" | "bytes" | "json" | "structured";

/**
 * Go's channel between threads. Unbuffered (capacity 0) is a rendezvous across threads; a closed
 * channel behaves as Chan's (ChanClosedError with Go's texts). `select` from `gosync` accepts a
 * SharedChan in `recv(...)`/`send(...)` cases, mixed with in-process Chans, with Go's select rules.
 */
export class SharedChan<T> implements Shareable, AsyncIterable<T>, Iterable<T> {
  constructor(capacity?: number, options?: { codec?: Codec; maxValueBytes?: number });
  readonly handle: SharedHandle;
  readonly cap: number;
  readonly length: number;
  send(value: T, ctx?: Canceller): Promise<void>;
  sendSync(value: T, ctx?: Context): void;
  trySend(value: T): boolean;
  recv(ctx?: Canceller): Promise<T | undefined>;
  recvSync(ctx?: Context): T | undefined;
  recvOk(ctx?: Canceller): Promise<[T, true] | [undefined, false]>;
  recvOkSync(ctx?: Context): [T, true] | [undefined, false];
  tryRecv(): [T, true] | [undefined, false] | undefined;
  /** Up to `max` values in one call (at least one, unless closed and drained: then []). */
  recvBatch(max: number, ctx?: Canceller): Promise<T[]>;
  close(): void;
  [Symbol.asyncIterator](): AsyncIterator<T>;
  /** Blocking range (sync waits): for workers. */
  [Symbol.iterator](): Iterator<T>;
}

// ---------------------------------------------------------------------------------------------
// a concurrent map across threads (Go's sync.Map / a sharded concurrent map)
// ---------------------------------------------------------------------------------------------

export class SharedMap<K extends string | number, V> implements Shareable {
  constructor(options?: { codec?: Codec; shards?: number });
  readonly handle: SharedHandle;
  get(key: K): V | undefined;
  set(key: K, value: V): void;
  has(key: K): boolean;
  delete(key: K): boolean;
  /** Go's LoadOrStore: the existing value and true, or stores `value` and returns it with false. */
  loadOrStore(key: K, value: V): [V, boolean];
  /** Atomic read-modify-write of one key: `fn` runs under that key's shard lock (keep it short). */
  update(key: K, fn: (old: V | undefined) => V | undefined): V | undefined;
  readonly size: number;
  entries(): IterableIterator<[K, V]>;
  keys(): IterableIterator<K>;
}

// ---------------------------------------------------------------------------------------------
// running functions on other threads
// ---------------------------------------------------------------------------------------------

/**
 * A pool of worker threads running the exported functions of one module. Arguments and results
 * cross as by `share`/`attach` (shared primitives and contexts stay live); an error thrown in the
 * worker rejects `run` with an error of the same class name, message and stack.
 */
export class ThreadPool implements AsyncDisposable {
  constructor(module: string | URL, options?: { size?: number; maxQueue?: number });
  /** Calls `export function name(...args)` of the module on a pool thread. `ctx` cancels a queued
   *  task (it never starts) and a running one (its attached ctx is cancelled; a task that does not
   *  return within `options.graceMs` has its thread replaced). */
  run<R>(
    name: string,
    args?: unknown[],
    options?: { ctx?: Canceller; graceMs?: number; transfer?: readonly TransferListItem[] },
  ): Promise<R>;
  readonly size: number;
  readonly queued: number;
  /** Waits for running tasks, ends the threads; the process can then exit. */
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
