// The one clock every gosync timer, sleep and deadline goes through, so that a virtual-time test
// bubble (gosync/testing) can replace it. The real clock is setTimeout, with two fixes over using it
// directly: durations beyond setTimeout's 2^31-1 ms limit are chained instead of firing at once, and
// keep-alive (Node's ref/unref) is explicit, because gosync decides per timer whether a waiter needs it.

/** An opaque handle returned by Clock.setTimer. */
export type TimerHandle = object | number;

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn once after ms (≤ 0 means as soon as possible). Starts with keep-alive on. */
  setTimer(fn: () => void, ms: number): TimerHandle;
  clearTimer(handle: TimerHandle): void;
  /** Whether this pending timer alone keeps the process alive (Node); a no-op elsewhere. */
  keepAlive(handle: TimerHandle, on: boolean): void;
}

const MAX_DELAY = 2 ** 31 - 1;

interface Refable {
  ref(): unknown;
  unref(): unknown;
}

function setRef(t: unknown, on: boolean): void {
  const r = t as Partial<Refable> | null;
  if (r !== null && typeof r === "object" && typeof r.ref === "function" && typeof r.unref === "function") {
    if (on) r.ref();
    else r.unref();
  }
}

/** A timer longer than setTimeout can express, re-armed in MAX_DELAY steps. */
class LongTimer {
  inner: ReturnType<typeof setTimeout> | undefined;
  keep = true;
  constructor(
    readonly fn: () => void,
    readonly deadline: number,
  ) {
    this.arm();
  }
  arm(): void {
    const left = this.deadline - Date.now();
    if (left <= MAX_DELAY) {
      this.inner = setTimeout(this.fn, Math.max(0, left));
    } else {
      this.inner = setTimeout(() => this.arm(), MAX_DELAY);
    }
    setRef(this.inner, this.keep);
  }
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    if (ms > MAX_DELAY) return new LongTimer(fn, Date.now() + ms);
    return setTimeout(fn, Math.max(ms, 0)) as unknown as TimerHandle;
  },
  clearTimer(handle) {
    if (handle instanceof LongTimer) clearTimeout(handle.inner);
    else clearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  },
  keepAlive(handle, on) {
    if (handle instanceof LongTimer) {
      handle.keep = on;
      setRef(handle.inner, on);
    } else {
      setRef(handle, on);
    }
  },
};

/** The clock in force (a live binding: importers always see the current one). */
export let clock: Clock = realClock;

/** Replaces the clock (the virtual-time bubble does this); returns the previous one. */
export function setClock(next: Clock): Clock {
  const prev = clock;
  clock = next;
  return prev;
}
