// Task tracking: what makes the registry's records useful. Go's runtime knows which goroutine runs
// and who started it; a JavaScript engine does not, so gosync/debug installs Node's
// AsyncLocalStorage into the registry's hooks: every go() task body runs "inside" its TaskRecord, so
// an operation that blocks anywhere down its await chain is attributed to it, and a task started from
// another one knows its creator (for `created by ... in goroutine N`) and inherits its group (how
// gosync/testing tells which tasks belong to a synctest bubble).
//
// Where it differs from Go: tracking is off until enabled (GOSYNC_DEBUG, enableTracking(), or
// gosync/testing), and only tasks started after that are named; earlier ones are only counted. Once
// on, it stays on for the life of the process (AsyncLocalStorage cannot be uninstalled cleanly, and
// records must stay consistent). Code outside any go() task is "goroutine 1", Go's main.

import { AsyncLocalStorage } from "node:async_hooks";
import { threadId } from "node:worker_threads";
import { clock } from "../internal/clock.js";
import { processWide } from "../internal/process-wide.js";
import { registry, type SyncObserver, type TaskRecord } from "../internal/registry.js";

// One tracking state per process (as the registry is), whichever copy of gosync/debug (ESM,
// CommonJS) enables it: every copy attributes tasks through the same store.
const shared = processWide("debug.track/1", () => ({
  storage: new AsyncLocalStorage<TaskRecord>(),
  /** Who started each task: its creator's record, or undefined for main (goroutine 1). */
  creatorOf: new WeakMap<TaskRecord, TaskRecord | undefined>(),
  /** Each task's group (a synctest bubble), inherited from its creator. */
  groupOf: new WeakMap<TaskRecord, object>(),
  startListeners: [] as TaskStartListener[],
  observers: [] as SyncObserver[],
}));
const { storage, creatorOf, groupOf, startListeners, observers } = shared;

/**
 * Called when a task starts, with its creator (undefined for main): the race detector's fork edge.
 *
 * @example
 * ```ts
 * const onStart: TaskStartListener = (task, creator) => log(`${creator?.id ?? 1} -> ${task.id}`);
 * ```
 */
type TaskStartListener = (task: TaskRecord, creator: TaskRecord | undefined) => void;

/**
 * Turns task tracking on: from now on every go() task is named in dumps and every blocking operation
 * is attributed to the task that made it. Idempotent; stays on for the life of the process.
 *
 * @example
 * ```ts
 * import { enableTracking, formatTaskDump } from "gosync/debug";
 * enableTracking();
 * // ... later, from a signal handler or a debug endpoint:
 * console.error(formatTaskDump());
 * ```
 */
export function enableTracking(): void {
  if (registry.tracking && registry.currentTask === currentTask) return;
  registry.tracking = true;
  registry.threadId = threadId; // dumps name the thread that operations on shared memory block
  registry.currentTask = currentTask;
  registry.runTask = runTask;
  registry.now = () => clock.now();
}

/** Whether task tracking is on. @example `if (!isTracking()) enableTracking();` */
export function isTracking(): boolean {
  return registry.tracking;
}

function currentTask(): TaskRecord | undefined {
  return storage.getStore();
}

function runTask(task: TaskRecord | undefined, body: () => unknown): unknown {
  if (task === undefined) return body(); // started before tracking was on
  // go() starts the body from a microtask queued by the creator, so the store here is the creator's.
  const creator = storage.getStore();
  creatorOf.set(task, creator);
  if (creator !== undefined) {
    const group = groupOf.get(creator);
    if (group !== undefined) groupOf.set(task, group);
  }
  for (const l of startListeners) l(task, creator);
  return storage.run(task, body);
}

/** @internal The task whose code is running now (undefined: main, or tracking off). */
export function runningTask(): TaskRecord | undefined {
  return storage.getStore();
}

/**
 * @internal The task parked on `waiter` (the key of a registry.blocked record: a parked lock call, a
 * channel waiter, a select): its record, undefined for main, or null if unknown (it blocked before
 * tracking was on).
 */
export function taskOfWaiter(waiter: object): TaskRecord | undefined | null {
  const op = registry.blocked.get(waiter);
  return op === undefined ? null : op.task;
}

/** @internal The record of the task that started `task`, or undefined for main. */
export function creatorOfTask(task: TaskRecord): TaskRecord | undefined {
  return creatorOf.get(task);
}

/** @internal Runs `body` as task `task` (gosync/testing runs a bubble's root function this way). */
export function runAs<R>(task: TaskRecord, group: object | undefined, body: () => R): R {
  creatorOf.set(task, storage.getStore());
  if (group !== undefined) groupOf.set(task, group);
  return storage.run(task, body);
}

/** @internal The group (synctest bubble) `task` belongs to. */
export function groupOfTask(task: TaskRecord | undefined): object | undefined {
  return task === undefined ? undefined : groupOf.get(task);
}

/** @internal The group of the code running now. */
export function currentGroup(): object | undefined {
  const t = storage.getStore();
  return t === undefined ? undefined : groupOf.get(t);
}

/**
 * @internal Hook point for the lock-order checker and the race detector: adds an observer of
 * synchronisation events (registry.observer fans out to all of them) and, optionally, of task starts
 * (happens-before from go() to the task's first step). Returns a function that removes both.
 */
export function addObserver(observer: SyncObserver | null, onTaskStart?: TaskStartListener): () => void {
  enableTracking();
  if (observer !== null) observers.push(observer);
  if (onTaskStart !== undefined) startListeners.push(onTaskStart);
  installFanOut();
  return () => {
    if (observer !== null) removeItem(observers, observer);
    if (onTaskStart !== undefined) removeItem(startListeners, onTaskStart);
    installFanOut();
  };
}

const fanOut: SyncObserver = {
  acquire(obj, kind, waiter) {
    for (const o of observers) o.acquire(obj, kind, waiter);
  },
  release(obj, kind) {
    for (const o of observers) o.release(obj, kind);
  },
  request(obj, kind) {
    for (const o of observers) o.request?.(obj, kind);
  },
  chan(ch, event, peer) {
    for (const o of observers) o.chan?.(ch, event, peer);
  },
  wake(waiter) {
    for (const o of observers) o.wake?.(waiter);
  },
};

function installFanOut(): void {
  registry.observer =
    observers.length === 0 ? null : observers.length === 1 ? (observers[0] as SyncObserver) : fanOut;
}

function removeItem<T>(list: T[], item: T): void {
  const i = list.indexOf(item);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Turns stack capture on (or off): every go() records where it was called and every blocking
 * operation where it blocked, for the dump. Costly (an Error per call), so off by default;
 * `GOSYNC_DEBUG=stacks` turns it on at startup. Also turns tracking on.
 *
 * @example
 * ```ts
 * import { enableStackCapture, formatTaskDump } from "gosync/debug";
 * enableStackCapture();
 * // ... formatTaskDump() now shows `worker(...)\n\t/app/worker.ts:12:9` under each task
 * ```
 */
export function enableStackCapture(on = true): void {
  if (on) enableTracking();
  registry.captureStacks = on;
}
