// A task parked in a sync-style wait queue (Mutex, RWMutex, WaitGroup, Cond, Semaphore, ...): the
// counterpart of the channel layer's Waiter, for primitives that hand out permission rather than
// values. O(1) to queue, wake and cancel; a cancelled waiter leaves its queue at once, never
// acquires afterwards, and tells its owner (so a semaphore can wake those behind it, say).

import { type CancelListener, type CancelSource, REASON, SUBSCRIBE, UNSUBSCRIBE } from "./cancel-protocol.js";
import { blockBegin, blockEnd, blockFail } from "./registry.js";
import { QueueNode, type WaitQueue } from "./waitq.js";

/** Told when one of its waiters was cancelled (after it left the queue). */
export interface WaitOwner {
  waiterCancelled(w: Parked): void;
}

export class Parked extends QueueNode implements CancelListener {
  resolve: (value: unknown) => void = noop;
  src: CancelSource | null = null;
  owner: WaitOwner | null = null;

  constructor(
    /** What the waiter asks for: a weight, or a kind (reader/writer). */
    readonly n: number,
  ) {
    super();
  }

  onCancel(reason: unknown): void {
    if (this.queue !== null) this.queue.remove(this);
    this.src = null;
    blockFail(this, reason);
    // Rejecting through resolve keeps one function alive per waiter instead of two.
    this.resolve(Promise.reject(reason));
    this.owner?.waiterCancelled(this);
  }
}

function noop(): void {}

let parking: Parked;
function executor(resolve: (v: never) => void): void {
  parking.resolve = resolve as (v: unknown) => void;
}

/**
 * Queues a new waiter on `q` and returns the promise that wake() resolves. `reason` and `target`
 * are what diagnostics show (Go's wait reasons: "sync.Mutex.Lock", ...).
 */
export function parkOn<T = void>(
  q: WaitQueue<Parked>,
  n: number,
  src: CancelSource | null,
  reason: string,
  target: object,
  owner: WaitOwner | null = null,
): Promise<T> {
  const w = new Parked(n);
  parking = w;
  const p = new Promise<T>(executor);
  q.push(w);
  w.owner = owner;
  if (src !== null) {
    w.src = src;
    src[SUBSCRIBE](w);
  }
  blockBegin(reason, target, w);
  return p;
}

/** Completes a waiter that has already been taken off its queue. */
export function wake(w: Parked, value?: unknown): void {
  if (w.src !== null) {
    w.src[UNSUBSCRIBE](w);
    w.src = null;
  }
  blockEnd(w);
  w.resolve(value);
}

/**
 * A queued waiter whose ctx is being cancelled right now (a ctx notifies its listeners one at a
 * time, so others on the same ctx may still be queued) must not be granted: it leaves with its
 * ctx's error instead (and its owner is told). Returns whether it did. Primitives call it on the
 * waiter they are about to grant (RWMutex, Semaphore).
 */
export function dropIfCancelled(w: Parked): boolean {
  const src = w.src;
  if (src === null) return false;
  const reason = src[REASON]();
  if (reason === undefined) return false;
  src[UNSUBSCRIBE](w);
  w.onCancel(reason);
  return true;
}

export const RESOLVED: Promise<void> = Promise.resolve();
