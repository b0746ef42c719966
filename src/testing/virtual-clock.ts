// The virtual clock of a synctest bubble: Go's fake time inside testing/synctest. It stands in for
// the gosync clock while a bubble runs. For code inside the bubble (its root function, the tasks
// started from there, and timer callbacks armed there) now() is virtual and timers wait in a queue
// that only the bubble's driver advances; for everything else it passes straight through to the
// clock it replaced, so a timer armed outside the bubble keeps real time.
//
// Where it differs from Go: virtual time starts, as Go's, at 2000-01-01T00:00:00Z, but only gosync's
// clock is virtual — Date.now() and `new Date()` stay real (gosync/testing does not replace globals),
// so a bubble computes deadlines from bubble.now(). Timer callbacks run in the async context that
// armed them (AsyncResource.bind), so a task or an afterFunc they start belongs to the bubble.

import { AsyncResource } from "node:async_hooks";
import type { Clock, TimerHandle } from "../internal/clock.js";

/**
 * Go's synctest epoch: midnight UTC, January 1 2000.
 *
 * @example
 * ```ts
 * await synctest((bubble) => assert.equal(bubble.now().getTime(), VIRTUAL_EPOCH));
 * ```
 */
export const VIRTUAL_EPOCH = Date.UTC(2000, 0, 1);

/** A pending virtual timer. Deliberately no ref/unref: the real clock's keepAlive ignores it. */
class VirtualTimer {
  /** Index in the heap, or -1 once fired or cleared. */
  index = -1;
  constructor(
    readonly when: number,
    readonly seq: number,
    readonly fn: () => void,
  ) {}
}

function before(a: VirtualTimer, b: VirtualTimer): boolean {
  return a.when < b.when || (a.when === b.when && a.seq < b.seq);
}

/** @internal */
export class VirtualClock implements Clock {
  #now = VIRTUAL_EPOCH;
  #seq = 0;
  /** A binary min-heap on (when, seq): timers due at the same instant fire in the order armed. */
  readonly #heap: VirtualTimer[] = [];

  constructor(
    /** The clock this one replaced, for code outside the bubble. */
    readonly outer: Clock,
    /** Whether the code running now belongs to the bubble. */
    readonly inside: () => boolean,
  ) {}

  /** Virtual now, whoever asks (the driver's view). */
  get virtualNow(): number {
    return this.#now;
  }

  /** How many timers are pending. */
  get pending(): number {
    return this.#heap.length;
  }

  now(): number {
    return this.inside() ? this.#now : this.outer.now();
  }

  setTimer(fn: () => void, ms: number): TimerHandle {
    if (!this.inside()) return this.outer.setTimer(fn, ms);
    const t = new VirtualTimer(this.#now + Math.max(0, ms), this.#seq++, AsyncResource.bind(fn));
    this.#push(t);
    return t;
  }

  clearTimer(handle: TimerHandle): void {
    if (handle instanceof VirtualTimer) this.#remove(handle);
    else this.outer.clearTimer(handle);
  }

  keepAlive(handle: TimerHandle, on: boolean): void {
    // A virtual timer keeps nothing alive: the bubble's driver keeps the process running.
    if (!(handle instanceof VirtualTimer)) this.outer.keepAlive(handle, on);
  }

  /** Fires every timer due by now (in order); returns how many fired. */
  fireDue(): number {
    let n = 0;
    for (let t = this.#heap[0]; t !== undefined && t.when <= this.#now; t = this.#heap[0]) {
      this.#remove(t);
      n++;
      t.fn();
    }
    return n;
  }

  /** Moves time to the next pending timer and fires everything due then; false if none is pending. */
  advance(): boolean {
    const next = this.#heap[0];
    if (next === undefined) return false;
    if (next.when > this.#now) this.#now = next.when;
    this.fireDue();
    return true;
  }

  /** Forgets every pending timer (the bubble ended; they can never fire). */
  clear(): void {
    for (const t of this.#heap) t.index = -1;
    this.#heap.length = 0;
  }

  #push(t: VirtualTimer): void {
    const h = this.#heap;
    t.index = h.length;
    h.push(t);
    this.#up(t.index);
  }

  #remove(t: VirtualTimer): void {
    const h = this.#heap;
    const i = t.index;
    if (i < 0 || h[i] !== t) return;
    t.index = -1;
    const last = h.pop() as VirtualTimer;
    if (i === h.length) return;
    h[i] = last;
    last.index = i;
    this.#down(i);
    this.#up(last.index);
  }

  #up(i: number): void {
    const h = this.#heap;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const a = h[i] as VirtualTimer;
      const b = h[p] as VirtualTimer;
      if (!before(a, b)) break;
      this.#swap(i, p);
      i = p;
    }
  }

  #down(i: number): void {
    const h = this.#heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l] as VirtualTimer, h[m] as VirtualTimer)) m = l;
      if (r < h.length && before(h[r] as VirtualTimer, h[m] as VirtualTimer)) m = r;
      if (m === i) return;
      this.#swap(i, m);
      i = m;
    }
  }

  #swap(i: number, j: number): void {
    const h = this.#heap;
    const a = h[i] as VirtualTimer;
    const b = h[j] as VirtualTimer;
    h[i] = b;
    h[j] = a;
    a.index = j;
    b.index = i;
  }
}
