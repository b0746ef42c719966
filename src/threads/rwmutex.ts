// RWMutex: Go's sync.RWMutex in shared memory, writer-preferring as Go's.
//
// One state word: the number of readers inside (low bits), WRITER (a writer holds it) and QUEUED
// (someone waits). While nobody waits, rLock/rUnlock are one compare-and-swap on the reader count and
// lock/unlock one compare-and-swap 0 ↔ WRITER: no queue, no notify. Once anyone waits, QUEUED makes
// every fast path fail, and all changes go through the FIFO queue's lock (internal/shared-queue.ts).
//
// Admission follows Go's rwmutex.go: a waiting writer holds back new readers (writer preference); a
// writer waits for the readers inside; when a writer unlocks, the readers that queued meanwhile all
// go in before the next writer (Go releases readerSem before unlocking w), and the next writer takes
// its turn once they leave; writers take turns in arrival order. So neither side starves.
// A cancelled waiter leaves the queue at once and never acquires (unless a grant reached it first;
// then it holds the lock and the call succeeds); if it was a writer holding readers back, they go in.
// Misuse throws Go's texts: `sync: Unlock of unlocked RWMutex`, `sync: RUnlock of unlocked RWMutex`.

import type { Canceller, Context } from "../chan/context-type.js";
import { GoSyncError } from "../internal/errors.js";
import { threadWait } from "../internal/registry.js";
import { GRANTED, queueWords, SharedQueue } from "../internal/shared-queue.js";
import {
  adoptOr,
  int32View,
  newHandle,
  registerShared,
  type Shareable,
  type SharedHandle,
} from "./handle.js";
import { asyncEntry, queuedWait, RESOLVED, runAsync, runSync, syncEntry, type WaitSteps } from "./waiting.js";

const KIND = "RWMutex";
const STATE = 0;
const Q = 4;
const WRITER = 1 << 30;
const QUEUED = 1 << 29;
const READERS = QUEUED - 1;
const READ = 0; // queue slot argument: what the waiter wants
const WRITE = 1;

/**
 * Go's sync.RWMutex across threads: many readers or one writer; a waiting writer holds back new readers.
 *
 * @example
 * ```ts
 * const rw = new RWMutex();
 * // readers (any thread):
 * rw.rLockSync(); try { read(table); } finally { rw.rUnlock(); }
 * // writer:
 * await rw.lock(); try { update(table); } finally { rw.unlock(); }
 * ```
 */
export class RWMutex implements Shareable {
  /** What crosses threads (`attach` it on the other side). */
  readonly handle: SharedHandle;
  readonly #i32: Int32Array;
  readonly #q: SharedQueue;

  constructor() {
    this.handle = adoptOr(() => newHandle(KIND, Q + queueWords()));
    this.#i32 = int32View(this.handle, Q + queueWords());
    this.#q = new SharedQueue(this.#i32, Q);
  }

  /** Readers inside now. */
  get readers(): number {
    return Atomics.load(this.#i32, STATE) & READERS;
  }

  /** Whether a writer holds it. */
  get writing(): boolean {
    return (Atomics.load(this.#i32, STATE) & WRITER) !== 0;
  }

  /** Lock calls (both kinds, all threads) queued now. */
  get waiters(): number {
    return this.#q.live;
  }

  /** Read-locks without blocking the thread; waits while a writer holds or waits. */
  rLock(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    if (this.tryRLock()) return RESOLVED;
    const s = this.#enter(READ);
    if (s === -1) return RESOLVED;
    return threadWait("threads.RWMutex.rLock", this, runAsync(this.#q, this.#wait(READ, s), e.src));
  }

  /** Read-locks, blocking the thread; a shared ctx's cancellation or a deadline ends the wait. */
  rLockSync(ctx?: Context): void {
    const intr = syncEntry("RWMutex.rLockSync", ctx);
    if (this.tryRLock()) return;
    const s = this.#enter(READ);
    if (s !== -1) runSync(this.#q, this.#wait(READ, s), intr);
  }

  /** Read-locks if no writer holds or waits; never waits. */
  tryRLock(): boolean {
    const i32 = this.#i32;
    let s = Atomics.load(i32, STATE);
    while ((s & (WRITER | QUEUED)) === 0) {
      const seen = Atomics.compareExchange(i32, STATE, s, s + 1);
      if (seen === s) return true;
      s = seen;
    }
    return false;
  }

  /** Undoes one rLock; the last reader out lets a waiting writer in. */
  rUnlock(): void {
    const i32 = this.#i32;
    let s = Atomics.load(i32, STATE);
    while ((s & QUEUED) === 0) {
      if ((s & READERS) === 0) throw new GoSyncError("sync: RUnlock of unlocked RWMutex");
      const seen = Atomics.compareExchange(i32, STATE, s, s - 1);
      if (seen === s) return;
      s = seen;
    }
    const q = this.#q;
    q.lock();
    s = Atomics.load(i32, STATE);
    if ((s & READERS) === 0) {
      q.unlock();
      throw new GoSyncError("sync: RUnlock of unlocked RWMutex");
    }
    Atomics.sub(i32, STATE, 1);
    if ((s & READERS) === 1) this.#dispatch(false);
    q.unlock();
  }

  /** Write-locks without blocking the thread; waits for the readers inside and earlier writers. */
  lock(ctx?: Canceller): Promise<void> {
    const e = asyncEntry(ctx);
    if ("fail" in e) return Promise.reject(e.fail);
    if (Atomics.compareExchange(this.#i32, STATE, 0, WRITER) === 0) return RESOLVED;
    const s = this.#enter(WRITE);
    if (s === -1) return RESOLVED;
    return threadWait("threads.RWMutex.lock", this, runAsync(this.#q, this.#wait(WRITE, s), e.src));
  }

  /** Write-locks, blocking the thread; a shared ctx's cancellation or a deadline ends the wait. */
  lockSync(ctx?: Context): void {
    const intr = syncEntry("RWMutex.lockSync", ctx);
    if (Atomics.compareExchange(this.#i32, STATE, 0, WRITER) === 0) return;
    const s = this.#enter(WRITE);
    if (s !== -1) runSync(this.#q, this.#wait(WRITE, s), intr);
  }

  /** Write-locks if nobody holds it; never waits. */
  tryLock(): boolean {
    return Atomics.compareExchange(this.#i32, STATE, 0, WRITER) === 0;
  }

  /** Undoes lock(); the readers that queued meanwhile go in first, then the next writer. */
  unlock(): void {
    const i32 = this.#i32;
    const c = Atomics.compareExchange(i32, STATE, WRITER, 0);
    if (c === WRITER) return;
    if ((c & WRITER) === 0) throw new GoSyncError("sync: Unlock of unlocked RWMutex");
    const q = this.#q;
    q.lock();
    Atomics.and(i32, STATE, ~WRITER);
    this.#dispatch(true);
    q.unlock();
  }

  /**
   * Go's RLocker: a Locker whose lock/unlock are rLock/rUnlock (for Cond-style code written against
   * a Locker). Not shareable itself: share the RWMutex and call rLocker() on the other side.
   */
  rLocker(): {
    /** rLock(ctx). */
    lock(ctx?: Canceller): Promise<void>;
    /** rUnlock(). */
    unlock(): void;
  } {
    return { lock: (ctx?: Canceller) => this.rLock(ctx), unlock: () => this.rUnlock() };
  }

  /** (Queue lock held.) Grants what may go in now; keeps QUEUED in step with the queue. */
  #dispatch(readersFirst: boolean): void {
    const i32 = this.#i32;
    const q = this.#q;
    const s = Atomics.load(i32, STATE);
    if ((s & WRITER) === 0) {
      let writer = -1;
      let readers = false;
      for (const slot of q.slots()) {
        if (q.arg(slot) === WRITE) {
          if (writer < 0) writer = slot;
        } else readers = true;
        if (writer >= 0 && readers) break;
      }
      if ((s & READERS) > 0 || (readers && (readersFirst || writer < 0))) {
        // Readers inside, or readers' turn: every queued reader goes in unless a writer waits
        // for the readers inside (then they wait behind it).
        if (writer < 0 || readersFirst) {
          for (const slot of [...q.slots()]) {
            if (q.arg(slot) !== READ) continue;
            Atomics.add(i32, STATE, 1);
            q.grant(slot);
          }
        }
      } else if (writer >= 0) {
        Atomics.or(i32, STATE, WRITER);
        q.grant(writer);
      }
    }
    if (q.live > 0) Atomics.or(i32, STATE, QUEUED);
    else Atomics.and(i32, STATE, ~QUEUED);
  }

  /** Takes the lock at once (-1) or queues: the slot (-2 when full, queue lock still held). */
  #enter(kind: number): number {
    const i32 = this.#i32;
    const q = this.#q;
    q.lock();
    const s = Atomics.load(i32, STATE);
    if (kind === READ) {
      let writerWaits = false;
      for (const slot of q.slots()) if (q.arg(slot) === WRITE) writerWaits = true;
      if ((s & WRITER) === 0 && !writerWaits) {
        Atomics.add(i32, STATE, 1);
        q.unlock();
        return -1;
      }
    } else if ((s & (WRITER | READERS)) === 0 && q.live === 0) {
      Atomics.or(i32, STATE, WRITER);
      q.unlock();
      return -1;
    }
    const slot = q.push(kind);
    if (slot < 0) return -2;
    Atomics.or(i32, STATE, QUEUED);
    // A fast-path rUnlock or unlock on another thread may have run between the load above and
    // setting QUEUED (it saw no waiters, so it woke nobody): look again now that fast paths fail.
    this.#dispatch(false);
    q.unlock();
    return slot;
  }

  /** A waiter gives up: true if a grant reached it first (it holds the lock). */
  #leave(slot: number): boolean {
    const q = this.#q;
    q.lock();
    const granted = q.leave(slot) === GRANTED;
    if (granted) q.consumed(slot);
    else this.#dispatch(false);
    q.unlock();
    return granted;
  }

  /** The wait after #enter, both forms (waiting.ts). */
  #wait(kind: number, slot: number): WaitSteps<void> {
    return queuedWait(
      this.#q,
      slot,
      () => this.#enter(kind),
      (s) => this.#leave(s),
    );
  }
}

registerShared(KIND, () => new RWMutex());
