// The registry of live tasks and blocked operations that diagnostics read (task dump, deadlock
// report, leak check). Off by default, and then it costs one boolean test per blocking call and a
// counter per task: the records below exist only while `tracking` is on.

/** A task started by go(), as diagnostics see it. */
export interface TaskRecord {
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
}

export const registry = {
  /** Record tasks and blocked operations (set by gosync/debug and gosync/testing). */
  tracking: false,
  /** Capture a stack at go() and at every blocking call (costly; GOSYNC_DEBUG=stacks). */
  captureStacks: false,
  /** Tasks started by go() that have not finished; always counted. */
  liveTasks: 0,
  nextTaskId: 1,
  tasks: new Set<TaskRecord>(),
  /** Blocked operations, keyed by the waiter object that stands for each. */
  blocked: new Map<object, BlockedOp>(),
  /** Which task is running now; the diagnostics layer installs an AsyncLocalStorage-based one. */
  currentTask: (): TaskRecord | undefined => undefined,
  /** Runs a task's body; the diagnostics layer wraps it to make `currentTask` work. */
  runTask: (_task: TaskRecord | undefined, body: () => unknown): unknown => body(),
  /** The clock's now, installed by time-aware layers; epoch ms by default. */
  now: (): number => Date.now(),
};

function stackHere(): string | undefined {
  return registry.captureStacks ? new Error("blocked here").stack : undefined;
}

/**
 * Records that the operation standing for `key` (its waiter) blocked. Costs one test while tracking
 * is off; records are keyed by the waiter so waiters need no field for them.
 */
export function blockBegin(reason: string, target: object | null, key: object): void {
  if (!registry.tracking) return;
  registry.blocked.set(key, {
    reason,
    target,
    since: registry.now(),
    stack: stackHere(),
    task: registry.currentTask(),
  });
}

/** The operation standing for `key` is no longer blocked. */
export function blockEnd(key: object): void {
  if (registry.blocked.size > 0) registry.blocked.delete(key);
}

export function taskBegin(name: string): TaskRecord | undefined {
  registry.liveTasks++;
  if (!registry.tracking) return undefined;
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
  if (task !== undefined) registry.tasks.delete(task);
}
