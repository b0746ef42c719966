// The task dump: Go's goroutine dump (what a Go program prints on SIGQUIT, on a deadlock, or from
// runtime.Stack(buf, true)) for gosync tasks. dumpTasks() returns it as data; formatTaskDump()
// prints it the way Go does:
//
//     goroutine 7 [chan receive, 3 minutes]:
//     worker: waiting on chan "jobs" (unbuffered)
//     worker(...)
//         /app/worker.ts:12:9
//     created by go() in goroutine 1
//         /app/main.ts:40:3
//
// Where it differs from Go: only gosync knows what a task waits on, so a task awaiting anything else
// (I/O, a foreign promise) shows as [await]; a blocked operation names its target (a channel, a
// lock... by the name the user gave it); stacks are V8's, trimmed of gosync's own frames, and only
// there when stack capture is on (GOSYNC_DEBUG=stacks) because capturing them costs. Code outside any
// go() task is goroutine 1, "main".

import { Chan } from "../chan/chan.js";
import { type BlockedOp, DESCRIBE, registry, type TaskRecord } from "../internal/registry.js";
import { creatorOfTask, runningTask } from "./track.js";

/**
 * One operation blocked right now, as the dump shows it.
 *
 * @example
 * ```ts
 * for (const op of task.blocked) console.log(op.reason, op.targetName, `${op.waitedMs} ms`);
 * ```
 */
export interface BlockedInfo {
  /** Go's wait reason: "chan receive", "chan send", "select", "sleep", "sync.Mutex.Lock", ... */
  readonly reason: string;
  /** What it waits on (a Chan, a Mutex, ...), or null (select, sleep). */
  readonly target: object | null;
  /** The target as the dump prints it, e.g. `chan "jobs" (cap 10, len 10)`; undefined if none. */
  readonly targetName: string | undefined;
  /** When it blocked, on the gosync clock (ms; virtual inside a synctest bubble). */
  readonly since: number;
  /** How long it has been blocked (ms). */
  readonly waitedMs: number;
  /** Where it blocked (V8 stack, gosync frames removed), when stack capture is on. */
  readonly stack: string | undefined;
  /**
   * For an operation that waits on another thread (gosync/threads: "threads.Mutex.lock",
   * "SharedChan.recv", "ThreadPool.run", ...), the id of the thread it blocks; otherwise undefined.
   */
  readonly thread: number | undefined;
}

/**
 * A task in the dump: one started by go(), or main (goroutine 1: code outside any task).
 *
 * @example
 * ```ts
 * const blocked = dumpTasks().tasks.filter((t) => t.status === "blocked").map((t) => t.name);
 * ```
 */
export interface TaskInfo {
  /** Go's goroutine id; 1 is main. */
  readonly id: number;
  /** The task function's name ("anonymous" if it has none); "main" for goroutine 1. */
  readonly name: string;
  /** Whether this is main (goroutine 1: code outside any task). */
  readonly main: boolean;
  /**
   * "blocked": waiting on gosync operations (listed in `blocked`); "running": the task that took the
   * dump; "await": alive but awaiting something outside gosync (I/O, a foreign promise) or runnable;
   * "exited": the task has returned, but an operation it started and never awaited is still blocked.
   */
  readonly status: "blocked" | "running" | "await" | "exited";
  /** Its blocked operations, oldest first (usually one). */
  readonly blocked: readonly BlockedInfo[];
  /** When it started, on the gosync clock; undefined for main. */
  readonly startedAt: number | undefined;
  /** What started it: go(), or synctest() (a bubble's root function); undefined for main. */
  readonly startedBy: "go" | "synctest" | undefined;
  /** The id of the task that started it (1: main); undefined for main. */
  readonly createdBy: number | undefined;
  /** Where go() was called, when stack capture is on. */
  readonly createdAt: string | undefined;
}

/**
 * Everything dumpTasks() saw.
 *
 * @example
 * ```ts
 * const dump: TaskDump = dumpTasks();
 * console.log(`${dump.tasks.length} tasks at ${new Date(dump.at).toISOString()}`);
 * ```
 */
export interface TaskDump {
  /** When the dump was taken, on the gosync clock (ms since the epoch; virtual inside synctest). */
  readonly at: number;
  /** Whether task tracking was on (if not, nothing is named: see enableTracking). */
  readonly tracking: boolean;
  /** Whether stacks were being captured. */
  readonly stacks: boolean;
  /** Main first (when it has blocked operations), then tasks by id. */
  readonly tasks: readonly TaskInfo[];
  /** Live go() tasks started before tracking was on: counted, not named. */
  readonly untracked: number;
}

/**
 * Every live task and every blocked operation, now.
 *
 * @example
 * ```ts
 * import { dumpTasks } from "gosync/debug";
 * const stuck = dumpTasks().tasks.filter((t) => t.blocked.some((b) => b.waitedMs > 60_000));
 * ```
 */
export function dumpTasks(): TaskDump {
  return collectDump(() => true);
}

const MAIN_ID = 1;

/**
 * @internal A dump of the tasks for which `include` is true, and of the blocked operations for
 * which `includeOp` is (by default: those of the included tasks; `undefined` stands for main), with
 * waiting times measured to `now` (a synctest bubble passes its virtual now).
 */
export function collectDump(
  include: (task: TaskRecord | undefined) => boolean,
  includeOp: (key: object, op: BlockedOp) => boolean = (_key, op) => include(op.task),
  now: number = registry.now(),
): TaskDump {
  const ops = new Map<TaskRecord | undefined, BlockedOp[]>();
  for (const [key, op] of registry.blocked) {
    if (!includeOp(key, op)) continue;
    const list = ops.get(op.task);
    if (list === undefined) ops.set(op.task, [op]);
    else list.push(op);
  }
  const running = runningTask();
  const tasks: TaskInfo[] = [];
  const mainOps = ops.get(undefined);
  if (mainOps !== undefined) {
    tasks.push({
      id: MAIN_ID,
      name: "main",
      main: true,
      // Main is not one flow in JavaScript (any callback outside a task is "main"), so it is shown
      // blocked while it has blocked operations, even when the dump is taken from main.
      status: "blocked",
      blocked: blockedInfos(mainOps, now),
      startedAt: undefined,
      startedBy: undefined,
      createdBy: undefined,
      createdAt: undefined,
    });
  }
  const records = new Set<TaskRecord>();
  for (const t of registry.tasks) if (include(t)) records.add(t);
  for (const t of ops.keys()) if (t !== undefined) records.add(t);
  const sorted = [...records].sort((a, b) => a.id - b.id);
  for (const t of sorted) {
    const mine = ops.get(t) ?? [];
    const status = !registry.tasks.has(t)
      ? "exited"
      : t === running
        ? "running"
        : mine.length > 0
          ? "blocked"
          : "await";
    tasks.push({
      id: t.id,
      name: t.name,
      main: false,
      status,
      blocked: blockedInfos(mine, now),
      startedAt: t.startedAt,
      startedBy: ROOTS.has(t) ? "synctest" : "go",
      createdBy: creatorOfTask(t)?.id ?? MAIN_ID,
      createdAt: trimStack(t.stack),
    });
  }
  return {
    at: now,
    tracking: registry.tracking,
    stacks: registry.captureStacks,
    tasks,
    untracked: untrackedTasks(),
  };
}

/** @internal Live go() tasks started before tracking was on (counted by the registry, not recorded). */
export function untrackedTasks(): number {
  // registry.tasks may also hold a synctest bubble's root, which is not a go() task.
  let tracked = 0;
  for (const t of registry.tasks) if (!ROOTS.has(t)) tracked++;
  return Math.max(0, registry.liveTasks - tracked);
}

/** @internal Task records that stand for a synctest bubble's root function, not a go() task. */
export const ROOTS = new WeakSet<TaskRecord>();

function blockedInfos(ops: BlockedOp[], now: number): BlockedInfo[] {
  return ops
    .sort((a, b) => a.since - b.since)
    .map((op) => ({
      reason: op.reason,
      target: op.target,
      targetName: describeTarget(op.target),
      since: op.since,
      waitedMs: Math.max(0, now - op.since),
      stack: trimStack(op.stack),
      thread: op.thread,
    }));
}

/**
 * How the dump names what an operation waits on: `chan "jobs" (cap 10, len 10)`, `Mutex "accounts"`.
 *
 * @example
 * ```ts
 * describeTarget(new Chan<number>(0, "jobs")); // 'chan "jobs" (unbuffered)'
 * ```
 */
export function describeTarget(target: object | null): string | undefined {
  if (target === null) return undefined;
  const own = (target as { [DESCRIBE]?: unknown })[DESCRIBE];
  if (typeof own === "function") return String(own.call(target));
  if (target instanceof Chan || isForeignChan(target)) {
    const name = typeof target.name === "string" ? ` "${target.name}"` : "";
    const shape = target.cap === 0 ? "unbuffered" : `cap ${target.cap}, len ${target.length}`;
    return `chan${name} (${shape})`;
  }
  const ctor = (target as { constructor?: { name?: unknown } }).constructor;
  const kind = typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "object";
  const name = (target as { name?: unknown }).name;
  return typeof name === "string" ? `${kind} "${name}"` : kind;
}

/** A Chan of another copy of gosync (the CommonJS build beside the ESM one): its shape. */
function isForeignChan(target: object): target is Chan<unknown> {
  const t = target as Partial<Chan<unknown>>;
  return t.constructor?.name === "Chan" && typeof t.cap === "number" && typeof t.length === "number";
}

// ---- stacks ----

/** Where gosync's own sources live (src/ or dist/<format>/), found from this file's own frames. */
let ownRoot: string | null | undefined;

function gosyncRoot(): string | null {
  if (ownRoot !== undefined) return ownRoot;
  ownRoot = null;
  const here = frameLocation(new Error().stack?.split("\n")[1] ?? "");
  const m = /^(.*[\\/])debug[\\/]dump\.[cm]?[jt]s:\d+:\d+$/.exec(here ?? "");
  if (m !== null) ownRoot = m[1] as string;
  return ownRoot;
}

const FRAME = /^\s*at (?:(async )?(.*?) \((.*)\)|(async )?(.*))$/;

function frameLocation(line: string): string | undefined {
  const m = FRAME.exec(line);
  if (m === null) return undefined;
  return m[3] ?? m[5];
}

/** One frame of a V8 stack: the function (with `async ` when V8 says so) and its location. */
interface StackFrame {
  readonly fn: string;
  readonly loc: string;
}

/**
 * @internal The frames of a V8 stack, without gosync's own frames, Node internals, or the error
 * line.
 */
export function stackFrames(stack: string | undefined): StackFrame[] {
  if (stack === undefined) return [];
  const root = gosyncRoot();
  const out: StackFrame[] = [];
  for (const line of stack.split("\n")) {
    const m = FRAME.exec(line);
    if (m === null) continue;
    const async = m[1] ?? m[4] ?? "";
    const fn = m[2];
    const loc = (m[3] ?? m[5] ?? "").replace(/^file:\/\//, "");
    if (loc.startsWith("node:") || loc === "<anonymous>" || loc === "native") continue;
    if (root !== null && loc.startsWith(root.replace(/^file:\/\//, ""))) continue;
    out.push({ fn: `${async}${fn ?? "(anonymous)"}`, loc });
  }
  return out;
}

/**
 * @internal A V8 stack as Go prints frames (`fn(...)` then the tab-indented location), without
 * gosync's own frames, Node internals, or the error line.
 */
export function trimStack(stack: string | undefined): string | undefined {
  const frames = stackFrames(stack);
  if (frames.length === 0) return undefined;
  return frames.map((f) => `${f.fn}(...)\n\t${f.loc}`).join("\n");
}

// ---- printing ----

const MINUTE = 60_000;

/** Go's header: `goroutine 7 [chan receive, 3 minutes]:` (minutes only from one minute on). */
function header(t: TaskInfo): string {
  const first = t.blocked[0];
  let state: string;
  if (t.status === "running") state = "running";
  else if (t.status === "await") state = "await";
  else state = first?.reason ?? "await";
  const minutes = first !== undefined && t.status !== "running" ? Math.floor(first.waitedMs / MINUTE) : 0;
  return `goroutine ${t.id} [${state}${minutes >= 1 ? `, ${minutes} minutes` : ""}]:`;
}

function opLine(name: string, op: BlockedInfo, also: boolean, count: number): string {
  const what = op.targetName !== undefined ? `waiting on ${op.targetName}` : `blocked in ${op.reason}`;
  const times = count > 1 ? ` (x${count})` : "";
  const thread = op.thread === undefined ? "" : ` on thread ${op.thread}`;
  return `${name}: ${also ? `also ${what} [${op.reason}]` : what}${thread}${times}`;
}

/**
 * A task's operations, those with the same reason and target folded into one line with a count (a
 * test that left thousands of acquires pending prints one line, not thousands); a folded line shows
 * the first one's stack.
 */
function opLines(t: TaskInfo): string[] {
  const groups = new Map<string, { op: BlockedInfo; count: number }>();
  for (const op of t.blocked) {
    const key = `${op.reason}\u0000${op.targetName ?? ""}`;
    const g = groups.get(key);
    if (g === undefined) groups.set(key, { op, count: 1 });
    else g.count++;
  }
  const lines: string[] = [];
  let first = true;
  for (const { op, count } of groups.values()) {
    lines.push(opLine(t.name, op, !first, count));
    if (op.stack !== undefined) lines.push(op.stack);
    first = false;
  }
  return lines;
}

/**
 * Prints a dump the way Go prints goroutines: one block per task, blank-line separated.
 *
 * @example
 * ```ts
 * import { formatTaskDump } from "gosync/debug";
 * process.on("SIGQUIT", () => console.error(formatTaskDump()));
 * ```
 */
export function formatTaskDump(dump: TaskDump = dumpTasks()): string {
  const blocks: string[] = [];
  for (const t of dump.tasks) {
    const lines = [header(t)];
    if (t.status === "running") lines.push(`${t.name}: running (took this dump)`);
    else if (t.status === "await") lines.push(`${t.name}: awaiting something outside gosync, or runnable`);
    else if (t.status === "exited") lines.push(`${t.name}: returned, leaving an operation blocked`);
    lines.push(...opLines(t));
    if (!t.main) {
      // Go prints the one frame that made the goroutine: `created by main.main in goroutine 1`.
      const [fn, loc] = (t.createdAt ?? "").split("\n", 2);
      const by =
        fn !== undefined && loc !== undefined ? fn.replace(/\(\.\.\.\)$/, "") : `${t.startedBy ?? "go"}()`;
      lines.push(`created by ${by} in goroutine ${t.createdBy ?? MAIN_ID}`);
      if (loc !== undefined) lines.push(loc);
    }
    blocks.push(lines.join("\n"));
  }
  if (!dump.tracking)
    blocks.push("(task tracking is off: enableTracking() or GOSYNC_DEBUG=track names tasks)");
  if (dump.untracked > 0) {
    blocks.push(`(+ ${dump.untracked} task(s) started before tracking was enabled, not shown)`);
  }
  if (dump.tracking && !dump.stacks && dump.tasks.length > 0) {
    blocks.push("(no stacks: GOSYNC_DEBUG=stacks or enableStackCapture() records them)");
  }
  return blocks.join("\n\n");
}
