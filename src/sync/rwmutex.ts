// RWMutex: Go's sync.RWMutex — writer-preferring exactly as Go's: once a writer is waiting, new
// readers wait behind it (so a recursive read lock under a waiting writer deadlocks, as in Go), but
// a writer never pre-empts readers already inside. When a writer unlocks, the readers that arrived
// meanwhile all go in before the next writer (Go's rwmutexMaxReaders hand-back), so neither side
// starves. Writers among themselves are FIFO.
//
// Where it differs from Go: every wait is cancellable. A cancelled pending writer (one already
// waiting for the readers to leave) gives up its turn: the next writer takes it over, or, with none,
// the readers it was holding back go in.

import type { Canceller } from "../chan/context-type.js";
import { enterCall } from "../internal/cancel-protocol.js";
import { GoSyncError } from "../internal/errors.js";
import { dropIfCancelled, type Parked, parkOn, RESOLVED, wake } from "../internal/parked.js";
import { registry } from "../internal/registry.js";
import { WaitQueue } from "../internal/waitq.js";
import type { Locker } from "./locker.js";
import { runLocked } from "./with-lock.js";

/**
 * Go's sync.RWMutex: many readers or one writer; a waiting writer blocks new readers.
 *
 * @example
 * ```ts
 * const rw = new RWMutex();
 * await rw.rLock();
 * try { return cache.get(key); } finally { rw.rUnlock(); }
 * ```
 */
export class RWMutex implements Locker {
  /** A name for diagnostics (task dumps, deadlock reports). */
  name: string | undefined;
  /** Readers inside. */
  #readers = 0;
  /** A writer is inside. */
  #writing = false;
  /** The writer whose turn it is, waiting for the readers inside to leave (Go's pending writer). */
  #pending: Parked | null = null;
  readonly #readerQ = new WaitQueue<Parked>();
  readonly #writerQ = new WaitQueue<Parked>();
  #pendingQ = new WaitQueue<Parked>();

  constructor(name?: string) {
    this.name = name;
  }

  /** Readers holding the lock now. */
  get readers(): number {
    return this.#readers;
  }

  /** Whether a writer holds the lock. */
  get writing(): boolean {
    return this.#writing;
  }

  /** Readers and writers waiting. */
  get waiters(): number {
    return this.#readerQ.size + this.#writerQ.size + this.#pendingQ.size;
  }

  /** The write turn is taken: a writer is inside or waiting for the readers to leave. */
  get #writerTurn(): boolean {
    return this.#writing || this.#pending !== null;
  }

  /** Read-locks, waiting while a writer holds the lock or waits for it. */
  rLock(ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "sync.RWMutex.RLock", this);
    if (src instanceof Promise) return src;
    // Diagnostics (gosync/debug's lock-order check, race detector): one null test when off.
    const o = registry.observer;
    if (o !== null) o.request?.(this, "rlock");
    if (!this.#writerTurn && this.#writerQ.size === 0) {
      this.#readers++;
      if (o !== null) o.acquire(this, "rlock");
      return RESOLVED;
    }
    return parkOn(this.#readerQ, 0, src, "sync.RWMutex.RLock", this, this);
  }

  /** Read-locks if no writer holds or waits for the lock. */
  tryRLock(): boolean {
    if (this.#writerTurn || this.#writerQ.size > 0) return false;
    this.#readers++;
    const o = registry.observer;
    if (o !== null) o.acquire(this, "rlock");
    return true;
  }

  /** Undoes one rLock; throws `sync: RUnlock of unlocked RWMutex` without a read lock held. */
  rUnlock(): void {
    if (this.#readers === 0) throw new GoSyncError("sync: RUnlock of unlocked RWMutex");
    const o = registry.observer;
    if (o !== null) o.release(this, "runlock");
    this.#readers--;
    if (this.#readers === 0 && this.#pending !== null) {
      const w = this.#pending;
      this.#pending = null;
      this.#pendingQ.remove(w);
      this.#writing = true;
      if (o !== null) o.acquire(this, "lock", w);
      wake(w);
    }
  }

  /** Write-locks: waits for its turn among writers, then for the readers inside to leave. */
  lock(ctx?: Canceller): Promise<void> {
    const src = enterCall(ctx, "sync.RWMutex.Lock", this);
    if (src instanceof Promise) return src;
    const o = registry.observer;
    if (o !== null) o.request?.(this, "lock");
    if (!this.#writerTurn && this.#writerQ.size === 0) {
      if (this.#readers === 0) {
        this.#writing = true;
        if (o !== null) o.acquire(this, "lock");
        return RESOLVED;
      }
      const p = parkOn(this.#pendingQ, 1, src, "sync.RWMutex.Lock", this, this);
      this.#pending = this.#pendingQ.tail;
      return p;
    }
    return parkOn(this.#writerQ, 1, src, "sync.RWMutex.Lock", this, this);
  }

  /** Write-locks if nobody holds the lock and no writer waits. */
  tryLock(): boolean {
    if (this.#writerTurn || this.#writerQ.size > 0 || this.#readers > 0) return false;
    this.#writing = true;
    const o = registry.observer;
    if (o !== null) o.acquire(this, "lock");
    return true;
  }

  /** Undoes lock; throws `sync: Unlock of unlocked RWMutex` if not write-locked. */
  unlock(): void {
    if (!this.#writing) throw new GoSyncError("sync: Unlock of unlocked RWMutex");
    const o = registry.observer;
    if (o !== null) o.release(this, "unlock");
    this.#writing = false;
    // The readers that arrived during this writer go first ...
    this.#admitReaders();
    // ... then the next writer takes the turn, waiting for them to leave.
    this.#nextWriter();
  }

  /**
   * Runs fn holding the write lock; unlocks when it settles (also when it throws or rejects).
   *
   * @example
   * ```ts
   * await rw.withLock(() => { cache.set(key, value); });
   * ```
   */
  withLock<R>(fn: () => R | PromiseLike<R>, ctx?: Canceller): Promise<R> {
    return runLocked(
      fn,
      ctx,
      (c) => this.lock(c),
      () => this.unlock(),
    );
  }

  /**
   * Runs fn holding a read lock; rUnlocks when it settles (also when it throws or rejects).
   *
   * @example
   * ```ts
   * const v = await rw.withRLock(() => cache.get(key));
   * ```
   */
  withRLock<R>(fn: () => R | PromiseLike<R>, ctx?: Canceller): Promise<R> {
    return runLocked(
      fn,
      ctx,
      (c) => this.rLock(c),
      () => this.rUnlock(),
    );
  }

  /** A Locker whose lock/unlock are this mutex's rLock/rUnlock (Go's RLocker). */
  rLocker(): Locker {
    return { lock: (ctx?: Canceller) => this.rLock(ctx), unlock: () => this.rUnlock() };
  }

  /**
   * @internal A queued waiter was cancelled. (As the waiters' WaitOwner; no `implements WaitOwner`:
   * published types must not name an @internal member.)
   */
  waiterCancelled(w: Parked): void {
    if (w === this.#pending) {
      // The writer whose turn it was gave up: pass the turn on, or let the held-back readers in.
      this.#pending = null;
      this.#nextWriter();
      if (!this.#writerTurn) this.#admitReaders();
    }
  }

  #admitReaders(): void {
    for (let r = this.#readerQ.head; r !== null; r = this.#readerQ.head) {
      if (dropIfCancelled(r)) continue;
      this.#readerQ.shift();
      this.#readers++;
      const o = registry.observer;
      if (o !== null) o.acquire(this, "rlock", r);
      wake(r);
    }
  }

  #nextWriter(): void {
    let w = this.#writerQ.head;
    while (w !== null && dropIfCancelled(w)) w = this.#writerQ.head;
    if (w === null) return;
    this.#writerQ.shift();
    if (this.#readers === 0) {
      this.#writing = true;
      const o = registry.observer;
      if (o !== null) o.acquire(this, "lock", w);
      wake(w);
    } else {
      this.#pendingQ.push(w);
      this.#pending = w;
    }
  }
}
