// The registry of live tasks and blocked operations that diagnostics read (task dump, deadlock
// report, leak check). Off by default, and then it costs one boolean test per blocking call and a
// counter per task: the records below exist only while `tracking` is on.
//
// Hook points for gosync/debug and gosync/testing (Node-only layers that install themselves here,
// so this file stays runtime-agnostic): `currentTask`/`runTask` (task attribution through
// AsyncLocalStorage), `now` (the gosync clock, virtual inside a synctest bubble), `progress` (how
// the bubble tells a busy event-loop turn from an idle one) and `observer` (synchronisation events
// for the lock-order checker and race detector; see SyncObserver).

import { processWide } from "./process-wide.js";

/** A task started by go(), as diagnostics see it. */
export interface TaskRecord {
  /** The task's number, as in Go's `goroutine 7 [running]`. */
  readonly id: number;
  /** The function's name, or "anonymous". */
  readonly name: string;
  /** When it started, on the gosync clock (ms). */
  readonly startedAt: number;
  /** Where go() was called, when stack capture is on. */
  readonly stack: string | undefined;
}

/** One operation blocked right now: what it waits on and since when. */
export interface BlockedOp {
  /** Go's wait reason: "chan receive", "chan send", "select", "select (no cases)", "sleep", ... */
  readonly reason: string;
  /** What it waits on (a Chan, a Mutex, ...), or null. */
  readonly target: object | null;
  readonly since: number;
  /** Where the call blocked, when stack capture is on. */
  readonly stack: string | undefined;
  /** The task that blocked, when the diagnostics layer can tell (Node's AsyncLocalStorage). */
  readonly task: TaskRecord | undefined;
  /**
   * For an operation on shared memory that another thread completes (gosync/threads): the id of
   * the thread it blocks (registry.threadId when it blocked). Undefined for in-process operations.
   */
  readonly thread?: number | undefined;
}

/**
 * A blocked operation's target may describe itself for dumps (a shared primitive knows which
 * thread holds it, a pool task which thread runs it): `target[DESCRIBE]()` replaces the default
 * `Kind "name"`.
 */
export const DESCRIBE: unique symbol = Symbol.for("gosync.describe");

/**
 * Synchronisation events, for the lock-order checker and the race detector (gosync/debug). The
 * primitives report them only while an observer is installed: each hook is one null test of
 * `registry.observer` when off. `obj` is the primitive (a Mutex, a WaitGroup...), `kind` says what
 * happened. A release is a happens-before source, an acquire synchronises with the releases before it:
 *
 * - Mutex / RWMutex: acquire "lock" / "rlock", release "unlock" / "runlock" (and `request` before a
 *   lock call that may wait, with the same kinds, for the lock-order check);
 * - WaitGroup: release "done" (a negative add), acquire "wait" (wait returns);
 * - Once (and onceFunc, RetryOnce): release "once" (fn finished), acquire "once" (do returns);
 * - Cond: release "signal" (signal/broadcast that wakes someone), acquire "wait" (the woken waiter);
 * - Pool: release "put" / acquire "get", on the item;
 * - go(): release "go" on the new task's TaskRecord (the child's start acquires it: see gosync/debug's
 *   addObserver onTaskStart).
 *
 * The task is registry.currentTask(), except when `waiter` is given: then the event is on behalf of
 * the task parked on that waiter (its registry.blocked record), which is being woken by the current
 * one (unlock handing the lock to the next waiter, say) and will resume later. Channels report
 * through `chan` (see ChanEvent), since their happens-before rules pair a sender with a receiver.
 */
export interface SyncObserver {
  acquire(obj: object, kind: string, waiter?: object): void;
  release(obj: object, kind: string): void;
  /** A lock call (kind "lock" or "rlock") is about to acquire `obj` or wait for it. */
  request?(obj: object, kind: string): void;
  /**
   * A channel operation completed: see ChanEvent. `peer` is the parked waiter (the key of its
   * registry.blocked record: a channel waiter or a select) on the other side, if any.
   */
  chan?(ch: object, event: ChanEvent, peer: object | null): void;
  /**
   * The operation parked on `waiter` (the key of its registry.blocked record) stops waiting, now, by
   * the current task's doing: completed (an unlock, a send, a timer the sleeper armed) or cancelled
   * (a ctx). The waker's past happens before the woken operation returns — how a cancellation, and
   * primitives without hooks of their own, order tasks.
   */
  wake?(waiter: object): void;
}

/**
 * What a channel reports to the observer, all in the current task:
 * - "send": it sent a value, into the buffer (peer null) or to the parked receiver `peer`;
 * - "recv": it received a value, from the buffer (peer: a parked sender whose value moved into the
 *   freed slot, if any) or, unbuffered, from the parked sender `peer`;
 * - "close": it closed the channel;
 * - "closed": a receive returned because the channel is closed and drained: the current task's
 *   (peer null) or a parked receiver's that close() wakes (peer).
 */
export type ChanEvent = "send" | "recv" | "close" | "closed";

const fresh = {
  /** Record tasks and blocked operations (set by gosync/debug and gosync/testing). */
  tracking: false,
  /** Capture a stack at go() and at every blocking call (costly; GOSYNC_DEBUG=stacks). */
  captureStacks: false,
  /** Tasks started by go() that have not finished; always counted. */
  liveTasks: 0,
  /** Task ids start at 2: 1 stands for code outside any go() task, as Go's main goroutine. */
  nextTaskId: 2,
  /**
   * Bumped (while tracking) whenever an operation blocks or a task starts or ends; with
   * `blocked.size` it tells whether anything happened between two looks (synctest's idle test).
   */
  progress: 0,
  tasks: new Set<TaskRecord>(),
  /** Blocked operations, keyed by the waiter object that stands for each. */
  blocked: new Map<object, BlockedOp>(),
  /** Which task is running now; the diagnostics layer installs an AsyncLocalStorage-based one. */
  currentTask: (): TaskRecord | undefined => undefined,
  /** Runs a task's body; the diagnostics layer wraps it to make `currentTask` work. */
  runTask: (_task: TaskRecord | undefined, body: () => unknown): unknown => body(),
  /** The clock's now, installed by time-aware layers; epoch ms by default. */
  now: (): number => Date.now(),
  /** The lock-order checker / race detector, when on (installed by gosync/debug's addObserver). */
  observer: null as SyncObserver | null,
  /** This thread's id (worker_threads' threadId; 0 on the main thread), set by gosync/debug. */
  threadId: 0,
  /**
   * Whether async waits on shared memory pending on this thread (gosync/threads) keep it alive
   * (futex.ts holdAlive). The deadlock report turns it off on the main thread: there, once nothing
   * else is left, no thread is left that could end them, and the event loop must empty for
   * 'beforeExit' (and the report) to happen.
   */
  keepThreadWaitsAlive: true,
};

/**
 * One registry per process, shared by every copy of gosync that is loaded (ESM and CommonJS side by
 * side, or two installs), so gosync/debug loaded by one copy sees the tasks of all.
 */
export const registry: typeof fresh = processWide("registry/1", () => fresh);

function stackHere(): string | undefined {
  return registry.captureStacks ? new Error("blocked here").stack : undefined;
}

/**
 * Records that the operation standing for `key` (its waiter) blocked. Costs one test while tracking
 * is off; records are keyed by the waiter so waiters need no field for them.
 */
export function blockBegin(reason: string, target: object | null, key: object): void {
  if (!registry.tracking) return;
  registry.progress++;
  registry.blocked.set(key, {
    reason,
    target,
    since: registry.now(),
    stack: stackHere(),
    task: registry.currentTask(),
  });
}

/**
 * blockBegin for an operation that waits on another thread (gosync/threads: a shared Mutex's
 * lock(), a SharedChan's recv(), a ThreadPool's run()): dumps name it with this thread's id. Its
 * reason says which operation, e.g. "threads.Mutex.lock"; end it with blockEnd. One test when off.
 */
export function threadBlockBegin(reason: string, target: object | null, key: object): void {
  if (!registry.tracking) return;
  registry.progress++;
  registry.blocked.set(key, {
    reason,
    target,
    since: registry.now(),
    stack: stackHere(),
    task: registry.currentTask(),
    thread: registry.threadId,
  });
}

/**
 * Keeps `wait` (a thread-level operation's slow path: it waits on another thread) on record, as
 * threadBlockBegin/blockEnd, while it is pending. Returns `wait` itself when tracking is off.
 */
export function threadWait<T>(reason: string, target: object, wait: Promise<T>): Promise<T> {
  if (!registry.tracking) return wait;
  const key = {};
  threadBlockBegin(reason, target, key);
  return wait.finally(() => blockEnd(key));
}

/** The operation standing for `key` is no longer blocked. */
export function blockEnd(key: object): void {
  if (registry.blocked.size > 0) {
    const o = registry.observer;
    if (o !== null && o.wake !== undefined) o.wake(key); // before the record goes: it names the task
    registry.blocked.delete(key);
  }
}

export function taskBegin(name: string): TaskRecord | undefined {
  registry.liveTasks++;
  if (!registry.tracking) return undefined;
  registry.progress++;
  const task: TaskRecord = {
    id: registry.nextTaskId++,
    name,
    startedAt: registry.now(),
    stack: registry.captureStacks ? new Error("go").stack : undefined,
  };
  registry.tasks.add(task);
  return task;
}

export function taskEnd(task: TaskRecord | undefined): void {
  registry.liveTasks--;
  if (task !== undefined) {
    registry.progress++;
    registry.tasks.delete(task);
  }
}

/**
 * A blocking call that failed on its ctx, as diagnostics recorded it. Its error is the shared
 * context error (`Canceled`, `DeadlineExceeded`, the signal's reason), so this record is how the
 * call is told apart: see `failedCall` (context/errors.ts).
 *
 * @example
 * ```ts
 * const f: FailedCall | undefined = failedCall(DeadlineExceeded);
 * if (f !== undefined) console.warn(`${f.op} timed out`, f.stack ?? "(GOSYNC_DEBUG=stacks for where)");
 * ```
 */
export interface FailedCall {
  /** The operation, as Go's wait reasons name it: "chan receive", "sync.Mutex.Lock", "sleep"... */
  readonly op: string;
  /** What it waited on (a Chan, a Mutex..., with its `name` if given), or null. */
  readonly target: object | null;
  /** What the call rejected with: the very object (`=== DeadlineExceeded` holds). */
  readonly error: unknown;
  /** Where the call was made, when stack capture is on (GOSYNC_DEBUG=stacks). */
  readonly stack: string | undefined;
  /** The task that made the call, when the diagnostics layer can tell. */
  readonly task: TaskRecord | undefined;
}

/** The latest failed call per task (tasks are keys while tracking), and the latest of all. */
const failedByTask = new WeakMap<TaskRecord, FailedCall>();
let lastFailed: FailedCall | undefined;

function keepFailure(f: FailedCall): void {
  lastFailed = f;
  if (f.task !== undefined) failedByTask.set(f.task, f);
}

/**
 * A blocking call failed at once because its ctx was already done. Recorded only while tracking
 * (one boolean test otherwise), with the stack when capture is on.
 */
export function recordCtxFailure(op: string, target: object | null, error: unknown): void {
  if (!registry.tracking) return;
  keepFailure({
    op,
    target,
    error,
    stack: registry.captureStacks ? new Error("failed here").stack : undefined,
    task: registry.currentTask(),
  });
}

/**
 * blockEnd for a parked call that its ctx cancelled: its blocked record (which exists while
 * tracking, with the stack of the call when capture is on) becomes the task's failed call.
 */
export function blockFail(key: object, error: unknown): void {
  if (registry.blocked.size > 0) {
    const rec = registry.blocked.get(key);
    if (rec !== undefined) {
      keepFailure({ op: rec.reason, target: rec.target, error, stack: rec.stack, task: rec.task });
    }
  }
  blockEnd(key);
}

/**
 * The latest call that failed on its ctx, of the current task if the diagnostics layer can tell
 * tasks apart, else of the program; with `error`, only a call that failed with that very object.
 */
export function latestFailedCall(error?: unknown): FailedCall | undefined {
  const task = registry.currentTask();
  const own = task === undefined ? undefined : failedByTask.get(task);
  for (const f of [own, lastFailed]) {
    if (f !== undefined && (error === undefined || f.error === error)) return f;
  }
  return undefined;
}
