// The lock-order check: Linux's lockdep and Go's github.com/sasha-s/go-deadlock, for gosync's Mutex
// and RWMutex. While it is on, every task's held locks are recorded (with where each was locked),
// and every lock call made while holding others adds edges "held → requested" to a process-wide
// order graph. The first time an edge closes a cycle — two locks taken in opposite orders, possibly
// by different tasks at different times — it reports a potential deadlock with the stacks of both
// orderings, even though this run did not deadlock:
//
//     POTENTIAL DEADLOCK: Inconsistent locking. saw this ordering in one goroutine:
//     happened before
//     Mutex "A" locked by goroutine 2 at:
//     transfer(...)
//     	/app/bank.ts:12:14
//     ...
//
// It also reports a lock call on a lock the same task already holds (a certain deadlock for a Mutex,
// and for an RWMutex read lock one that only needs a writer to arrive in between: see Go's
// sync/rwmutex.go doc comment), and, with maxHoldMs, a lock held longer than that (checked at
// unlock and by a periodic sweep).
//
// Where it differs from go-deadlock: cycles of any length are found (go-deadlock only sees two
// locks taken in opposite orders); a lock is "held by" the task that locked it, or, when a waiting
// lock call is granted by an unlock, by the waiting task from that moment on. Costs: a stack per
// lock call (when `stacks`, the default) and a few map operations; nothing while it is off.

import { writeSync } from "node:fs";
import { registry, type SyncObserver, type TaskRecord } from "../internal/registry.js";
import { describeTarget, trimStack } from "./dump.js";
import { addObserver, taskOfWaiter } from "./track.js";

/**
 * Go's header, as go-deadlock prints it.
 *
 * @example
 * ```ts
 * enableLockOrderCheck({ onReport: (r) => { if (r.message.startsWith(POTENTIAL_DEADLOCK)) console.error(r.message); } });
 * ```
 */
export const POTENTIAL_DEADLOCK = "POTENTIAL DEADLOCK:";

/**
 * Options of enableLockOrderCheck.
 *
 * @example
 * ```ts
 * enableLockOrderCheck({ maxHoldMs: 5_000, onReport: (r) => log.warn(r.message) });
 * ```
 */
export interface LockOrderOptions {
  /** Receives every report; by default the message is written to stderr and the program goes on. */
  readonly onReport?: (report: LockOrderReport) => void;
  /** Report a lock held longer than this (ms, on the gosync clock); off when undefined. */
  readonly maxHoldMs?: number;
  /** Capture a stack at every lock call (default true): reports show where each lock was taken. */
  readonly stacks?: boolean;
}

/**
 * One lock taken by one task, as a report shows it.
 *
 * @example
 * ```ts
 * const where = (s: LockSite) => `${s.name} in goroutine ${s.goroutine}`;
 * ```
 */
export interface LockSite {
  /** The Mutex or RWMutex itself. */
  readonly lock: object;
  /** The lock as the dump names it: `Mutex "accounts"`. */
  readonly name: string;
  /** "lock" (Mutex, RWMutex write lock) or "rlock" (RWMutex read lock). */
  readonly mode: string;
  /** The task's id (Go's goroutine id; 1 is main). */
  readonly goroutine: number;
  /** Where the lock call was made (gosync frames removed), when stacks are captured. */
  readonly stack: string | undefined;
}

/**
 * What the lock-order check found.
 *
 * @example
 * ```ts
 * enableLockOrderCheck({ onReport: (r) => { if (r.kind === "inconsistent-order") found.push(r); } });
 * ```
 */
export interface LockOrderReport {
  /**
   * "inconsistent-order": a cycle in the lock order (a potential deadlock);
   * "recursive-lock": a lock call on a lock the task already holds;
   * "held-too-long": a lock held longer than maxHoldMs.
   */
  readonly kind: "inconsistent-order" | "recursive-lock" | "held-too-long";
  /**
   * inconsistent-order: the edges of the cycle, each a pair locked in this order by one task (the
   * last one is the call that closed the cycle); recursive-lock: the earlier lock, then the new
   * call; held-too-long: the lock as it was taken (`before` only, `after` the same).
   */
  readonly edges: readonly {
    /** Locked first. */
    readonly before: LockSite;
    /** Locked while `before` was held. */
    readonly after: LockSite;
  }[];
  /** held-too-long: how long it had been held (ms). */
  readonly heldMs?: number;
  /** The whole report, Go-style, as it is printed by default. */
  readonly message: string;
}

interface Held {
  readonly lock: object;
  readonly mode: string;
  readonly task: TaskRecord | undefined;
  /** Where it was locked: an Error whose stack V8 formats only if a report needs it. */
  readonly err: Error | undefined;
  readonly since: number;
  /** Reported as held too long / as locked again by its own task (each reported once). */
  reportedHold: boolean;
  reportedRecursive: boolean;
}

interface Edge {
  readonly before: LockSite;
  readonly after: LockSite;
}

const MAIN_ID = 1;
/** Stands for main (code outside any task) as a WeakMap key. */
const MAIN = {};

function idOf(task: TaskRecord | undefined): number {
  return task === undefined ? MAIN_ID : task.id;
}

function nameOf(lock: object): string {
  return describeTarget(lock) ?? "lock";
}

function makeSite(
  lock: object,
  mode: string,
  task: TaskRecord | undefined,
  err: Error | undefined,
): LockSite {
  return {
    lock,
    name: nameOf(lock),
    mode,
    goroutine: idOf(task),
    get stack() {
      return err?.stack;
    },
  };
}

function site(h: Held): LockSite {
  return makeSite(h.lock, h.mode, h.task, h.err);
}

function printSite(s: LockSite): string {
  const verb = s.mode === "rlock" ? "read-locked" : "locked";
  const stack = trimStack(s.stack) ?? "\t(no stack: stack capture is off)";
  return `${s.name} ${verb} by goroutine ${s.goroutine} at:\n${stack}`;
}

class LockOrder implements SyncObserver {
  readonly #report: (r: LockOrderReport) => void;
  readonly #maxHoldMs: number | undefined;
  readonly #stacks: boolean;
  /** Locks held now, per task (undefined: main). */
  readonly #held = new Map<TaskRecord | undefined, Held[]>();
  /** Stacks of lock calls not granted yet, per task and lock (a cancelled call's stays until the next). */
  readonly #requests = new WeakMap<TaskRecord | typeof MAIN, Map<object, Error | undefined>>();
  /** The order graph: before → after → the first time it was seen. */
  readonly #order = new WeakMap<object, Map<object, Edge>>();
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(options: LockOrderOptions) {
    this.#report = options.onReport ?? defaultReport;
    this.#maxHoldMs = options.maxHoldMs;
    this.#stacks = options.stacks ?? true;
    const max = options.maxHoldMs;
    if (max !== undefined) {
      if (!(max >= 0)) throw new RangeError(`maxHoldMs must be >= 0, got ${String(max)}`);
      this.#timer = setInterval(() => this.#sweep(), Math.min(1000, Math.max(5, max / 2)));
      this.#timer.unref();
    }
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  request(obj: object, kind: string): void {
    const task = registry.currentTask();
    const err = this.#stacks ? new Error("lock") : undefined; // formatted only for a report
    let pending = this.#requests.get(task ?? MAIN);
    if (pending === undefined) {
      pending = new Map();
      this.#requests.set(task ?? MAIN, pending);
    }
    pending.set(obj, err);
    const mine = this.#held.get(task);
    if (mine === undefined) return;
    const now = makeSite(obj, kind, task, err);
    for (const h of mine) {
      if (h.lock === obj) {
        this.#recursive(h, now);
        continue;
      }
      let after = this.#order.get(h.lock);
      if (after === undefined) {
        after = new Map();
        this.#order.set(h.lock, after);
      }
      if (after.has(obj)) continue; // seen before: checked then
      const edge: Edge = { before: site(h), after: now };
      after.set(obj, edge);
      const path = this.#path(obj, h.lock);
      if (path !== null) this.#inconsistent([...path, edge]);
    }
  }

  acquire(obj: object, kind: string, waiter?: object): void {
    if (kind !== "lock" && kind !== "rlock") return;
    let task: TaskRecord | undefined;
    if (waiter === undefined) task = registry.currentTask();
    else {
      const t = taskOfWaiter(waiter);
      if (t === null) return; // parked before tracking: unknown task
      task = t;
    }
    const pending = this.#requests.get(task ?? MAIN);
    let err = pending?.get(obj);
    if (pending !== undefined) {
      pending.delete(obj);
      if (pending.size === 0) this.#requests.delete(task ?? MAIN);
    }
    if (err === undefined && waiter === undefined && this.#stacks) err = new Error("lock"); // tryLock
    const held: Held = {
      lock: obj,
      mode: kind,
      task,
      err,
      since: registry.now(),
      reportedHold: false,
      reportedRecursive: false,
    };
    const list = this.#held.get(task);
    if (list === undefined) this.#held.set(task, [held]);
    else list.push(held);
  }

  release(obj: object, kind: string): void {
    if (kind !== "unlock" && kind !== "runlock") return;
    const mode = kind === "unlock" ? "lock" : "rlock";
    // Go lets any task unlock: look in the current task's locks first, then in everyone's.
    const task = registry.currentTask();
    if (this.#take(task, obj, mode)) return;
    for (const t of this.#held.keys()) if (t !== task && this.#take(t, obj, mode)) return;
  }

  #take(task: TaskRecord | undefined, obj: object, mode: string): boolean {
    const list = this.#held.get(task);
    if (list === undefined) return false;
    for (let i = list.length - 1; i >= 0; i--) {
      const h = list[i] as Held;
      if (h.lock !== obj || h.mode !== mode) continue;
      list.splice(i, 1);
      if (list.length === 0) this.#held.delete(task);
      this.#checkHold(h, registry.now());
      return true;
    }
    return false;
  }

  #checkHold(h: Held, now: number): void {
    const max = this.#maxHoldMs;
    if (max === undefined || h.reportedHold || now - h.since <= max) return;
    h.reportedHold = true;
    const heldMs = now - h.since;
    const s = site(h);
    const stillHeld = this.#held.get(h.task)?.includes(h) === true;
    const others = this.#others(h.lock);
    const message =
      `${POTENTIAL_DEADLOCK} lock held for ${Math.round(heldMs)} ms${stillHeld ? " so far" : ""} (more than maxHoldMs ${max} ms):\n` +
      printSite(s) +
      (others === "" ? "" : `\n\n${others}`);
    this.#report({ kind: "held-too-long", edges: [{ before: s, after: s }], heldMs, message });
  }

  #sweep(): void {
    const now = registry.now();
    for (const list of this.#held.values()) for (const h of list) this.#checkHold(h, now);
  }

  /** Edges from `from` to `to` in the order graph (breadth-first: a shortest cycle), or null. */
  #path(from: object, to: object): Edge[] | null {
    const via = new Map<object, Edge | null>([[from, null]]);
    let frontier = [from];
    while (frontier.length > 0) {
      const next: object[] = [];
      for (const node of frontier) {
        const out = this.#order.get(node);
        if (out === undefined) continue;
        for (const [after, edge] of out) {
          if (via.has(after)) continue;
          via.set(after, edge);
          if (after === to) {
            const path: Edge[] = [];
            for (let e: Edge | null = edge; e !== null; e = via.get(e.before.lock) ?? null) path.unshift(e);
            return path;
          }
          next.push(after);
        }
      }
      frontier = next;
    }
    return null;
  }

  #inconsistent(cycle: Edge[]): void {
    const parts = [`${POTENTIAL_DEADLOCK} Inconsistent locking. saw this ordering in one goroutine:`];
    cycle.forEach((e, i) => {
      if (i > 0) {
        const last = i === cycle.length - 1;
        parts.push(
          last ? "in another goroutine: happened before" : "and in another goroutine: happened before",
        );
      } else parts.push("happened before");
      parts.push(`${printSite(e.before)}\n\nhappened after\n${printSite(e.after)}\n`);
    });
    const others = this.#others((cycle[cycle.length - 1] as Edge).after.lock);
    if (others !== "") parts.push(others);
    this.#report({ kind: "inconsistent-order", edges: cycle, message: parts.join("\n").trimEnd() });
  }

  #recursive(h: Held, now: LockSite): void {
    if (h.reportedRecursive) return;
    h.reportedRecursive = true;
    const before = site(h);
    const message = [
      `${POTENTIAL_DEADLOCK} Recursive locking:`,
      `current goroutine ${now.goroutine} lock ${now.name}`,
      trimStack(now.stack) ?? "\t(no stack: stack capture is off)",
      "Previous place where the lock was grabbed (same goroutine)",
      printSite(before),
      this.#others(h.lock),
    ]
      .filter((x) => x !== "")
      .join("\n");
    this.#report({ kind: "recursive-lock", edges: [{ before, after: now }], message });
  }

  /** go-deadlock's "Other goroutines holding locks:" list (the locks other than `except`). */
  #others(except: object): string {
    const lines: string[] = [];
    for (const list of this.#held.values()) {
      for (const h of list) {
        if (h.lock === except) continue;
        lines.push(`goroutine ${idOf(h.task)} lock ${nameOf(h.lock)}`);
        const stack = trimStack(h.err?.stack);
        if (stack !== undefined) lines.push(stack);
      }
    }
    return lines.length === 0 ? "" : `Other goroutines holding locks:\n${lines.join("\n")}`;
  }
}

function defaultReport(r: LockOrderReport): void {
  writeSync(2, `${r.message}\n\n`);
}

let active: { checker: LockOrder; remove: () => void } | null = null;

/**
 * Turns the lock-order check on (and task tracking, which it needs): from now on, two Mutexes /
 * RWMutexes taken in opposite orders — by any tasks, at any time — are reported as a potential
 * deadlock, Go-style (go-deadlock's `POTENTIAL DEADLOCK: Inconsistent locking...`), with the stacks
 * of both orderings. So is a lock call on a lock the task already holds and, with `maxHoldMs`, a lock
 * held longer than that. `GOSYNC_DEBUG=lockorder` (and `lockhold=MS`) does the same at startup.
 * Calling it again restarts it with the new options (and a fresh order graph). Returns
 * disableLockOrderCheck.
 *
 * @example
 * ```ts
 * import { enableLockOrderCheck } from "gosync/debug";
 * enableLockOrderCheck({ maxHoldMs: 1000 });
 * // task 1: a.lock(); b.lock(); ...   later, task 2: b.lock(); a.lock();
 * // stderr: POTENTIAL DEADLOCK: Inconsistent locking. saw this ordering in one goroutine: ...
 * ```
 */
export function enableLockOrderCheck(options: LockOrderOptions = {}): () => void {
  disableLockOrderCheck();
  const checker = new LockOrder(options);
  active = { checker, remove: addObserver(checker) };
  return disableLockOrderCheck;
}

/**
 * Turns the lock-order check off (task tracking stays on).
 *
 * @example
 * ```ts
 * const stop = enableLockOrderCheck();
 * // ...
 * disableLockOrderCheck(); // same as stop()
 * ```
 */
export function disableLockOrderCheck(): void {
  if (active === null) return;
  active.remove();
  active.checker.stop();
  active = null;
}

/** Whether the lock-order check is on. @example `if (!isLockOrderCheckOn()) enableLockOrderCheck();` */
export function isLockOrderCheckOn(): boolean {
  return active !== null;
}
