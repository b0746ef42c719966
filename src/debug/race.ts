// The race detector: Go's `-race` for state shared between gosync tasks. Wrap a shared object with
// instrument(obj) and every property read and write through the wrapper is recorded per task with a
// vector clock (FastTrack's epochs: one (task, clock) pair per location for the last write, and for
// reads too until two tasks read concurrently). gosync's synchronisation orders tasks, exactly as the
// Go memory model says (through the registry's SyncObserver hooks):
//
// - go(fn) happens before fn starts;
// - Mutex/RWMutex: an unlock happens before the next lock (a write unlock before the next read locks;
//   read unlocks before the next write lock, not before other readers);
// - channels: a send happens before the matching receive completes; for a channel of capacity C the
//   k-th receive happens before the (k+C)-th send completes (so an unbuffered receive happens before
//   its send completes); close happens before a receive that returns because the channel is closed;
//   select commits like the channel operation it chose;
// - WaitGroup.done happens before the wait it releases; Once's function returns before every do()
//   returns; Cond.signal/broadcast happen before the woken wait returns; Pool.put of an item before
//   the get that returns it.
//
// Two accesses to the same property from different tasks, at least one a write, not ordered by these
// edges are a data race, reported as Go does (`WARNING: DATA RACE`, both accesses with their stacks,
// where each task was started), once per location and per pair of source locations (as Go does).
//
// Where it differs from Go. JavaScript runs one task at a time, so what it finds is not torn memory
// but the order-dependent bugs Go's detector catches too: a value read in one step and written back in
// a later one (the lost update of Go in Action ch. 6, listing 6.9), state handed between tasks with
// no synchronisation that guarantees the order. Like Go's it is strict: a read-modify-write with no await in between
// (`state.n++` in two tasks) is reported — it cannot lose an update in JavaScript, but nothing orders
// the two tasks either, and one `await` slipped in between makes it that lost update. Mark such
// updates as atomic (atomicAdd & co., the sync/atomic of this detector: Go's atomics are
// synchronising operations, and two atomic accesses never race) or guard them with a Mutex.
// Any other gosync wait (a ctx cancellation, ext's Semaphore or CyclicBarrier...) orders the task
// that ends it before the woken task; but a primitive's fast path, which never waits, is seen only
// for the primitives above. Synchronisation outside gosync (a plain promise resolved by one task and
// awaited by another) is invisible to it; say so with raceRelease/raceAcquire (Go's
// race.Release/Acquire), or expect reports. Callbacks run as the task that registered them (a timer
// armed by a task fires as that task). Code outside any go() task is goroutine 1 (main), one
// flow. Only instrumented objects are checked, and only through the wrapper (not nested objects: instrument
// them too). Proxies cannot reach private (#) fields, so instrument plain objects, arrays and classes
// without them.
//
// This file is the detector; race-instrument.ts wraps the objects it checks and race-atomic.ts holds
// the atomics.

import { writeSync } from "node:fs";
import { Chan } from "../chan/chan.js";
import { type ChanEvent, registry, type SyncObserver, type TaskRecord } from "../internal/registry.js";
import { stackFrames } from "./dump.js";
import { addObserver, creatorOfTask, taskOfWaiter } from "./track.js";

/**
 * Options of enableRaceDetector.
 *
 * @example
 * ```ts
 * const races: RaceReport[] = [];
 * enableRaceDetector({ onReport: (r) => races.push(r) });
 * ```
 */
export interface RaceDetectorOptions {
  /**
   * Receives every race found. By default it is printed to stderr and, as Go's `-race` does, the
   * process ends with `Found N data race(s)` and exit status 66.
   */
  readonly onReport?: (report: RaceReport) => void;
  /**
   * Capture a stack at instrumented accesses and at go() (default true), for the reports. Without them a
   * report still names the location and the tasks.
   */
  readonly stacks?: boolean;
}

/**
 * One of the two accesses of a race.
 *
 * @example
 * ```ts
 * const line = (a: RaceAccess) => `${a.kind} by goroutine ${a.goroutine} (${a.taskName})`;
 * ```
 */
export interface RaceAccess {
  /** Whether the access read or wrote the location. */
  readonly kind: "read" | "write";
  /** Made by atomicLoad/atomicStore/atomicAdd/...? */
  readonly atomic: boolean;
  /** The task's id (Go's goroutine id; 1 is main). */
  readonly goroutine: number;
  /** The task's name, as the dump shows it ("main" for goroutine 1). */
  readonly taskName: string;
  /** Where it was made (V8 stack, gosync frames removed), when stacks are captured. */
  readonly stack: string | undefined;
}

/**
 * A data race: `current` just happened, `previous` happened earlier in another task, and neither is
 * ordered before the other by gosync's synchronisation.
 *
 * @example
 * ```ts
 * enableRaceDetector({ onReport: (r) => assert.fail(r.message) });
 * ```
 */
export interface RaceReport {
  /** The location, as `name.key` (`name[3]` for an index); `name` is instrument()'s, or the class name. */
  readonly location: string;
  /** The instrumented object (the wrapper instrument() returned). */
  readonly object: object;
  /** The property accessed. */
  readonly key: PropertyKey;
  /** The access that just happened. */
  readonly current: RaceAccess;
  /** The earlier, unordered access it conflicts with. */
  readonly previous: RaceAccess;
  /** The whole report, as Go prints it (between the `==================` lines). */
  readonly message: string;
}

type VC = Map<number, number>;

interface TaskState {
  readonly id: number;
  readonly vc: VC;
  readonly record: TaskRecord | undefined;
}

interface Access {
  readonly task: TaskState;
  readonly clock: number;
  readonly write: boolean;
  readonly atomic: boolean;
  /** Where: an Error whose stack V8 formats only if a report needs it. */
  readonly err: Error | undefined;
}

/** A location's shadow: FastTrack's last write, and the last read (or the concurrent reads). */
interface Shadow {
  w: Access | null;
  r: Access | null;
  rs: Map<number, Access> | null;
  /** A race on it was reported (then later ones are not: ThreadSanitizer's suppress_equal_addresses). */
  reported: boolean;
}

interface ChanState {
  sendx: number;
  recvx: number;
  /** Per buffer slot, the clocks its sends and receives left (Go's race build does the same). */
  readonly slots: Map<number, VC>;
}

/** The pseudo-key for a instrumented object's set of keys (enumeration reads it, adding a key writes it). */
export const KEYS: unique symbol = Symbol("keys");

const MAIN_ID = 1;

function join(into: VC, from: VC): void {
  for (const [id, c] of from) if ((into.get(id) ?? 0) < c) into.set(id, c);
}

function tick(t: TaskState): void {
  t.vc.set(t.id, (t.vc.get(t.id) ?? 0) + 1);
}

/** Whether access `a` happens before task `t`'s current step. */
function before(a: Access, t: TaskState): boolean {
  return a.clock <= (t.vc.get(a.task.id) ?? 0);
}

export class RaceDetector implements SyncObserver {
  readonly #onReport: ((r: RaceReport) => void) | undefined;
  readonly stacks: boolean;
  /** Reporting Go's way (stderr, then `Found N data race(s)` and status 66 at exit)? */
  readonly goStyle: boolean;
  readonly #main: TaskState = { id: MAIN_ID, vc: new Map([[MAIN_ID, 1]]), record: undefined };
  readonly #tasks = new WeakMap<TaskRecord, TaskState>();
  /** Sync variables: what releases left for later acquires (a Mutex's, a WaitGroup's, a go()'s...). */
  readonly #vars = new WeakMap<object, VC>();
  /** An RWMutex's read unlocks (acquired by the next write lock only). */
  readonly #readerVars = new WeakMap<object, VC>();
  readonly #closes = new WeakMap<object, VC>();
  readonly #chans = new WeakMap<object, ChanState>();
  /** Where each task was started (go()'s stack, formatted only for a report). */
  readonly #createdAt = new WeakMap<TaskRecord, Error>();
  readonly #shadows = new WeakMap<object, Map<PropertyKey, Shadow>>();
  /** Reported pairs of source locations (Go reports a race once per pair of PCs). */
  readonly #seen = new Set<string>();
  count = 0;

  constructor(options: RaceDetectorOptions) {
    this.#onReport = options.onReport;
    this.stacks = options.stacks ?? true;
    this.goStyle = options.onReport === undefined;
  }

  // ---- tasks and clocks ----

  #state(task: TaskRecord | undefined): TaskState {
    if (task === undefined) return this.#main;
    const s = this.#tasks.get(task);
    if (s !== undefined) return s;
    // Started before the detector was on, or not by go() (a synctest bubble's root): it forks from
    // its creator as it is now.
    return this.#fork(task, this.#vars.get(task) ?? this.#state(creatorOfTask(task)).vc);
  }

  #fork(task: TaskRecord, from: VC): TaskState {
    const s: TaskState = { id: task.id, vc: new Map(from), record: task };
    s.vc.set(task.id, (s.vc.get(task.id) ?? 0) + 1);
    this.#tasks.set(task, s);
    this.#vars.delete(task);
    return s;
  }

  #current(): TaskState {
    return this.#state(registry.currentTask());
  }

  /** The state of the task parked on `waiter`, or null if unknown. */
  #parked(waiter: object): TaskState | null {
    const t = taskOfWaiter(waiter);
    return t === null ? null : this.#state(t);
  }

  onTaskStart(task: TaskRecord, creator: TaskRecord | undefined): void {
    this.#fork(task, this.#vars.get(task) ?? this.#state(creator).vc);
  }

  #acquireVar(t: TaskState, v: VC | undefined): void {
    if (v !== undefined) join(t.vc, v);
  }

  #releaseVar(map: WeakMap<object, VC>, obj: object, t: TaskState): void {
    const v = map.get(obj);
    if (v === undefined) map.set(obj, new Map(t.vc));
    else join(v, t.vc);
    tick(t);
  }

  // ---- SyncObserver ----

  acquire(obj: object, kind: string, waiter?: object): void {
    const t = waiter === undefined ? this.#current() : this.#parked(waiter);
    if (t === null) return;
    this.#acquireVar(t, this.#vars.get(obj));
    if (kind === "lock") this.#acquireVar(t, this.#readerVars.get(obj));
  }

  release(obj: object, kind: string): void {
    const t = this.#current();
    if (kind === "go" && this.stacks) this.#createdAt.set(obj as TaskRecord, new Error("go"));
    this.#releaseVar(kind === "runlock" ? this.#readerVars : this.#vars, obj, t);
  }

  chan(ch: object, event: ChanEvent, peer: object | null): void {
    const t = this.#current();
    const p = peer === null ? null : this.#parked(peer);
    switch (event) {
      case "close":
        this.#releaseVar(this.#closes, ch, t);
        return;
      case "closed":
        if (peer === null) this.#acquireVar(t, this.#closes.get(ch));
        else if (p !== null) this.#acquireVar(p, this.#closes.get(ch));
        return;
    }
    const cap = ch instanceof Chan ? ch.cap : 0;
    if (cap === 0) {
      // A rendezvous: each side's past happens before the other's future.
      if (p !== null) {
        join(t.vc, p.vc);
        join(p.vc, t.vc); // both now hold the union
        tick(t);
        tick(p);
      }
      return;
    }
    const c = this.#chan(ch as Chan<unknown>, event, peer !== null);
    if (event === "send") {
      this.#slot(c, cap, c.sendx++, t);
      if (peer !== null) this.#slot(c, cap, c.recvx++, p); // handed to a parked receiver
    } else {
      this.#slot(c, cap, c.recvx++, t);
      if (peer !== null) this.#slot(c, cap, c.sendx++, p); // a parked sender's value moved in
    }
  }

  wake(waiter: object): void {
    // Whoever ends a wait (completes or cancels it) happens before the woken operation returns. For
    // the primitives above this adds nothing to their own edges; it orders cancellations (a ctx
    // cancelled by another task) and primitives without hooks (ext's Semaphore, CyclicBarrier...).
    const p = this.#parked(waiter);
    const t = this.#current();
    if (p === null || p === t) return;
    join(p.vc, t.vc);
    tick(t);
  }

  #chan(ch: Chan<unknown>, event: ChanEvent, withPeer: boolean): ChanState {
    let c = this.#chans.get(ch);
    if (c === undefined) {
      // First seen now: number the values already buffered before this operation as sends 0..n-1.
      const before = event === "send" ? (withPeer ? 0 : ch.length - 1) : ch.length + 1;
      c = { sendx: before, recvx: 0, slots: new Map() };
      this.#chans.set(ch, c);
    }
    return c;
  }

  /** One operation on buffer slot k mod cap: acquire what the slot holds, then release into it. */
  #slot(c: ChanState, cap: number, k: number, t: TaskState | null): void {
    if (t === null) return;
    const i = k % cap;
    const v = c.slots.get(i);
    if (v === undefined) c.slots.set(i, new Map(t.vc));
    else {
      join(t.vc, v);
      join(v, t.vc);
    }
    tick(t);
  }

  // ---- accesses ----

  #shadow(target: object, key: PropertyKey): Shadow {
    let m = this.#shadows.get(target);
    if (m === undefined) {
      m = new Map();
      this.#shadows.set(target, m);
    }
    let s = m.get(key);
    if (s === undefined) {
      s = { w: null, r: null, rs: null, reported: false };
      m.set(key, s);
    }
    return s;
  }

  read(proxy: object, target: object, key: PropertyKey, label: string, atomic = false): void {
    const t = this.#current();
    const sh = this.#shadow(target, key);
    if (atomic) this.#acquireVar(t, this.#vars.get(sh)); // a load acquires (own epoch unchanged)
    const e = t.vc.get(t.id) as number;
    if (sh.r !== null && sh.r.task === t && sh.r.clock === e) return; // same epoch
    if (sh.rs?.get(t.id)?.clock === e) return;
    const a: Access = { task: t, clock: e, write: false, atomic, err: this.#stack() };
    const w = sh.w;
    if (w !== null && w.task !== t && !before(w, t) && !(atomic && w.atomic)) {
      this.#race(sh, proxy, key, label, a, w);
    }
    if (sh.rs !== null) sh.rs.set(t.id, a);
    else if (sh.r === null || sh.r.task === t || before(sh.r, t)) sh.r = a;
    else {
      sh.rs = new Map([
        [sh.r.task.id, sh.r],
        [t.id, a],
      ]);
      sh.r = null;
    }
  }

  write(proxy: object, target: object, key: PropertyKey, label: string, atomic = false, load = false): void {
    const t = this.#current();
    const sh = this.#shadow(target, key);
    if (atomic && load) this.#acquireVar(t, this.#vars.get(sh)); // read-modify-write: acquire too
    const e = t.vc.get(t.id) as number;
    const w = sh.w;
    if (
      w !== null &&
      w.task === t &&
      w.clock === e &&
      w.atomic === atomic &&
      (sh.r === null || sh.r.task === t) &&
      sh.rs === null
    ) {
      // Same epoch: this task wrote it last, and only this task read it since (FastTrack).
      if (atomic) this.#releaseVar(this.#vars, sh, t);
      return;
    }
    const a: Access = { task: t, clock: e, write: true, atomic, err: this.#stack() };
    const racy = (b: Access | null): b is Access =>
      b !== null && b.task !== t && !before(b, t) && !(atomic && b.atomic);
    if (racy(w)) this.#race(sh, proxy, key, label, a, w);
    else if (racy(sh.r)) this.#race(sh, proxy, key, label, a, sh.r);
    else if (sh.rs !== null) {
      for (const r of sh.rs.values()) {
        if (racy(r)) {
          this.#race(sh, proxy, key, label, a, r);
          break;
        }
      }
    }
    sh.w = a;
    sh.r = null;
    sh.rs = null;
    if (atomic) this.#releaseVar(this.#vars, sh, t);
  }

  #stack(): Error | undefined {
    return this.stacks ? new Error("access") : undefined;
  }

  // ---- reports ----

  #race(sh: Shadow, proxy: object, key: PropertyKey, label: string, cur: Access, prev: Access): void {
    // As Go's detector (ThreadSanitizer): one report per location, and per pair of source locations.
    if (sh.reported) return;
    const top = (a: Access): string => stackFrames(a.err?.stack)[0]?.loc ?? `goroutine ${a.task.id}`;
    const location = locationOf(label, key);
    const id = `${top(cur)}\u0000${top(prev)}`;
    if (this.#seen.has(id)) return;
    sh.reported = true;
    this.#seen.add(id);
    this.count++;
    const report: RaceReport = {
      location,
      object: proxy,
      key,
      current: this.#access(cur),
      previous: this.#access(prev),
      message: this.#format(location, cur, prev),
    };
    if (this.#onReport !== undefined) this.#onReport(report);
    else writeSync(2, `==================\n${report.message}\n==================\n`);
  }

  #access(a: Access): RaceAccess {
    return {
      kind: a.write ? "write" : "read",
      atomic: a.atomic,
      goroutine: a.task.id,
      taskName: a.task.record?.name ?? "main",
      stack: a.err?.stack,
    };
  }

  #format(location: string, cur: Access, prev: Access): string {
    const what = (a: Access, previous: boolean): string => {
      const verb = `${a.atomic ? "atomic " : ""}${a.write ? "write" : "read"}`;
      const text = previous ? `Previous ${verb}` : `${verb.charAt(0).toUpperCase()}${verb.slice(1)}`;
      return `${text} at ${location} by ${a.task.id === MAIN_ID ? "main goroutine" : `goroutine ${a.task.id}`}:\n${goStack(a.err?.stack)}`;
    };
    const parts = [what(cur, false), what(prev, true)];
    for (const t of cur.task === prev.task ? [cur.task] : [cur.task, prev.task]) {
      const rec = t.record;
      if (rec === undefined) continue; // main was not created by anyone
      const state = registry.tasks.has(rec) ? "running" : "finished";
      const at = this.#createdAt.get(rec)?.stack ?? rec.stack;
      parts.push(`Goroutine ${t.id} (${state}) created at:\n${goStack(at)}`);
    }
    return `WARNING: DATA RACE\n${parts.join("\n\n")}`;
  }
}

/** A stack as Go's race reports print it: `  fn()` then `      file:line:col`. */
function goStack(stack: string | undefined): string {
  const frames = stackFrames(stack);
  if (frames.length === 0) return "  (no stack: enableRaceDetector({ stacks: true }) records them)";
  return frames.map((f) => `  ${f.fn}()\n      ${f.loc}`).join("\n");
}

function locationOf(label: string, key: PropertyKey): string {
  if (key === KEYS) return `${label} (keys)`;
  if (typeof key === "symbol") return `${label}[${key.toString()}]`;
  return /^\d+$/.test(key as string) ? `${label}[${key as string}]` : `${label}.${key as string}`;
}

// ---- state: the active detector ----

let detector: RaceDetector | null = null;
let removeObserver: (() => void) | null = null;
let exitHook = false;
let unreported = 0;

/** The detector while it is on, else null (read by race-instrument.ts and race-atomic.ts). */
export function activeDetector(): RaceDetector | null {
  return detector;
}

/**
 * Turns the race detector on (and task tracking, which it needs). Objects wrapped by instrument() from
 * now on are checked. Calling it again restarts it (forgetting what it recorded). Returns
 * disableRaceDetector. `GOSYNC_DEBUG=race` does the same at startup, with Go's default reporting:
 * each race printed to stderr, then `Found N data race(s)` and exit status 66 when the process ends.
 *
 * @example
 * ```ts
 * import { enableRaceDetector, instrument } from "gosync/debug";
 * enableRaceDetector();
 * const counter = instrument({ value: 0 }, "counter");
 * ```
 */
export function enableRaceDetector(options: RaceDetectorOptions = {}): () => void {
  disableRaceDetector();
  const d = new RaceDetector(options);
  detector = d;
  removeObserver = addObserver(d, (task, creator) => d.onTaskStart(task, creator));
  if (options.onReport === undefined && !exitHook) {
    exitHook = true;
    process.on("exit", onExit);
  }
  return disableRaceDetector;
}

/**
 * Turns the race detector off: instrumented wrappers pass accesses straight through again.
 *
 * @example
 * ```ts
 * const stop = enableRaceDetector({ onReport });
 * try { await program(); } finally { stop(); }
 * ```
 */
export function disableRaceDetector(): void {
  if (detector === null) return;
  removeObserver?.();
  removeObserver = null;
  if (detector.goStyle) unreported += detector.count;
  detector = null;
}

/** Whether the race detector is on. @example `if (isRaceDetectorOn()) counter = instrument(counter);` */
export function isRaceDetectorOn(): boolean {
  return detector !== null;
}

function onExit(code: number): void {
  const n = unreported + (detector?.goStyle === true ? detector.count : 0);
  if (n === 0) return;
  writeSync(2, `Found ${n} data race(s)\n`);
  if (code === 0) process.exitCode = 66;
}

/**
 * Go's race.Release(addr): what the current task did so far happens before whatever a later
 * raceAcquire(obj) is followed by. For synchronisation the detector cannot see (a plain promise
 * resolved by one task and awaited by another). A no-op while the detector is off.
 *
 * @example
 * ```ts
 * raceRelease(ready); resolveReady(); // in the producer
 * await readyPromise; raceAcquire(ready); // in the consumer
 * ```
 */
export function raceRelease(obj: object): void {
  detector?.release(obj, "annotation");
}

/**
 * Go's race.Acquire(addr): the current task synchronises with every raceRelease(obj) before it.
 * A no-op while the detector is off.
 *
 * @example
 * ```ts
 * await readyPromise;
 * raceAcquire(ready);
 * ```
 */
export function raceAcquire(obj: object): void {
  detector?.acquire(obj, "annotation");
}
