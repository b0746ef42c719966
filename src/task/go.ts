// go(): Go's `go` statement. A task is an async function started on a later microtask (the caller
// goes on first, as after `go f()`), counted in the task registry until it settles.
//
// An error escaping a task is fatal, like a Go panic: it is printed in Go's shape (`panic: ...`,
// then `goroutine N [running]:` and the function's name) and the process exits with status 2 (Go's
// exit code for a panic). A task that returns a promise or any other thenable runs until it settles. A handler installed
// with setPanicHandler receives it instead. Where it differs from Go: there is no recover() inside
// other tasks; the handler is process-wide.

import { checkFunction } from "../internal/errors.js";
import { registry, type TaskRecord, taskBegin, taskEnd } from "../internal/registry.js";
import { asPromise } from "../internal/thenable.js";

/** The task a panic escaped from, as a panic handler is told: Go's goroutine number and name. */
export interface PanicTask {
  /** The task's number, as in Go's `goroutine 7 [running]`; 1 stands for code outside any task. */
  readonly id: number;
  /** The function's name, or "anonymous". */
  readonly name: string;
}

/**
 * Receives an error that escaped a task started by go().
 *
 * @example
 * ```ts
 * const handler: PanicHandler = (error, task) => console.error(`goroutine ${task.id} (${task.name}) failed:`, error);
 * setPanicHandler(handler);
 * ```
 */
export type PanicHandler = (error: unknown, task: PanicTask) => void;

let panicHandler: PanicHandler | null = null;

/**
 * Installs a handler for errors escaping tasks (instead of crashing); `null` restores the default.
 * Returns the previous handler.
 *
 * @example
 * ```ts
 * setPanicHandler((err, task) => log.error(`goroutine ${task.id} (${task.name}) failed`, err));
 * ```
 */
export function setPanicHandler(handler: PanicHandler | null): PanicHandler | null {
  if (handler !== null) checkFunction("handler", handler);
  const prev = panicHandler;
  panicHandler = handler;
  return prev;
}

interface ProcessLike {
  exit(code: number): never;
  exitCode?: number | string | undefined;
}

/** Who started each tracked task (Go's `created by ... in goroutine N`), kept only while tracking. */
const parents = new WeakMap<TaskRecord, number>();

/**
 * Go's `created by` lines, from the stack captured at the go() call (only with stack capture on):
 * the first frame below go() is the function that called it.
 */
function createdBy(record: TaskRecord | undefined): string {
  if (record?.stack === undefined) return "";
  const lines = record.stack.split("\n");
  const at = lines.findIndex((l) => /^\s+at (\S+\.)?go \(/.test(l));
  const frame = at < 0 ? undefined : lines[at + 1]?.trim().replace(/^at /, "");
  if (frame === undefined) return "";
  const m = /^(.*) \((.*)\)$/.exec(frame);
  const [fn, where] = m === null ? ["(top level)", frame] : [m[1], m[2]];
  const parent = parents.get(record) ?? 1;
  return `\ncreated by ${fn} in goroutine ${parent}\n\t${where}`;
}

/**
 * Prints a panic in Go's shape and exits with status 2 (Go's exit code for a panic):
 *
 *     panic: Error: boom
 *         at worker (file:///app/main.js:8:9)
 *
 *     goroutine 7 [running]:
 *     worker(...)
 *     created by main in goroutine 1        (with stack capture on: GOSYNC_DEBUG=stacks)
 *         file:///app/main.js:12:3
 */
function crash(error: unknown, task: PanicTask, record: TaskRecord | undefined): void {
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  console.error(`panic: ${text}\n\ngoroutine ${task.id} [running]:\n${task.name}(...)${createdBy(record)}`);
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (proc !== undefined && typeof proc.exit === "function") proc.exit(2);
  // No process to exit (a browser): surface it as an uncaught error, never swallow it.
  setTimeout(() => {
    throw error;
  });
}

function panic(error: unknown, id: number, name: string, record: TaskRecord | undefined): void {
  const task: PanicTask = { id, name };
  if (panicHandler === null) {
    crash(error, task, record);
    return;
  }
  try {
    panicHandler(error, task);
  } catch (e) {
    crash(e, task, record);
  }
}

// A blocked task should cost about what a blocked async call does (see bench/RESULTS.md, memory):
// while tracking is off, a task's completion is observed with one reaction (48 bytes, plus the
// 48-byte promise every then() returns) whose fulfilment handler is shared. Its rejection handler
// must name the goroutine (number and function) for the panic report: it is the handler of the
// function's name, shared by every task of that name, bound to the task's number, a small integer
// kept in the bound function's `this` (48 bytes; binding the function and the number as well, as
// before, cost 24 bytes more for the bound argument list). Names are few in a program; past
// MAX_NAMED of them, a task binds the generic handler to its function and number instead.
function endUntracked(): void {
  registry.liveTasks--;
}

type PanicByNumber = (this: number, e: unknown) => void;
const panicByName = new Map<string, PanicByNumber>();
const MAX_NAMED = 1024;

function panicUntracked(this: (...args: never[]) => unknown, id: number, e: unknown): void {
  registry.liveTasks--;
  panic(e, id, this.name || "anonymous", undefined);
}

/** The rejection handler of an untracked task (see above). */
function onPanic(fn: (...args: never[]) => unknown, id: number): (e: unknown) => void {
  const name = String(fn.name || "anonymous");
  let handler = panicByName.get(name);
  if (handler === undefined) {
    if (panicByName.size >= MAX_NAMED) return panicUntracked.bind(fn, id);
    handler = function (this: number, e: unknown): void {
      registry.liveTasks--;
      panic(e, Number(this), name, undefined);
    };
    panicByName.set(name, handler);
  }
  return handler.bind(id);
}

const STARTED: Promise<void> = Promise.resolve();

function start(
  fn: (...args: unknown[]) => unknown,
  args: unknown[],
  id: number,
  record: TaskRecord | undefined,
): void {
  let done: Promise<unknown> | null;
  try {
    const result = record === undefined ? fn(...args) : registry.runTask(record, () => fn(...args));
    done = asPromise(result);
  } catch (e) {
    taskEnd(record);
    panic(e, id, fn.name || "anonymous", record);
    return;
  }
  if (done === null) {
    taskEnd(record);
  } else if (record === undefined) {
    done.then(endUntracked, onPanic(fn, id));
  } else {
    done.then(
      () => taskEnd(record),
      (e: unknown) => {
        taskEnd(record);
        panic(e, id, record.name, record);
      },
    );
  }
}

/**
 * The bookkeeping of a go statement, for code that runs a task's body itself (the group family,
 * whose slots start their tasks without a microtask hop): counts the task and, while tracking,
 * records it (named after fn) with its creator and reports the go statement to the observer (it
 * happens before the task starts). The caller runs the body through registry.runTask when a record
 * is returned, and ends the task with taskEnd.
 */
export function beginTask(fn: (...args: never[]) => unknown): TaskRecord | undefined {
  if (!registry.tracking) {
    registry.liveTasks++; // what taskBegin does when off, without reading fn.name (an accessor)
    return undefined;
  }
  const record = taskBegin(fn.name || "anonymous");
  if (record !== undefined) {
    const parent = registry.currentTask();
    if (parent !== undefined) parents.set(record, parent.id);
    const o = registry.observer;
    if (o !== null) o.release(record, "go");
  }
  return record;
}

/**
 * Starts a task: Go's `go fn(args...)`. The arguments are evaluated now; fn starts on a later
 * microtask. An error escaping fn (thrown, or a rejection of the promise or thenable it returns)
 * is fatal, printed as Go prints a panic (see setPanicHandler).
 *
 * @example
 * ```ts
 * const ch = new Chan<string>();
 * go(async (name: string) => ch.send(`hello, ${name}`), "gopher");
 * console.log(await ch.recv());
 * ```
 */
export function go<A extends unknown[]>(fn: (...args: A) => unknown, ...args: A): void {
  checkFunction("fn", fn);
  const record = beginTask(fn);
  // Every task gets a number (Go's goroutine id), tracked or not: one counter bump.
  const id = record === undefined ? registry.nextTaskId++ : record.id;
  // A promise reaction rather than queueMicrotask: Node wraps every queueMicrotask callback in an
  // AsyncResource, which made go() about a third slower.
  STARTED.then(() => start(fn as (...args: unknown[]) => unknown, args, id, record));
}

// setImmediate where the runtime has it (Node, Bun, Deno): it runs after pending I/O callbacks,
// without setTimeout's clamping. The core names no Node API, so it is looked up on globalThis.
const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
const macrotask: (cb: () => void) => void =
  typeof immediate === "function"
    ? (cb) => immediate(cb)
    : typeof MessageChannel === "function"
      ? messageTask()
      : (cb) => setTimeout(cb, 0);

/**
 * Browsers: a message on a MessageChannel is a macrotask without setTimeout's 4 ms clamp on nested
 * timers (Go's doubleselect port took 27 s in Chromium with it, 2 s without). One channel; callbacks run
 * one per message, in order.
 */
function messageTask(): (cb: () => void) => void {
  const queue: (() => void)[] = [];
  const channel = new MessageChannel();
  channel.port1.onmessage = () => queue.shift()?.();
  return (cb) => {
    queue.push(cb);
    channel.port2.postMessage(null);
  };
}

/**
 * Go's runtime.Gosched: lets every other runnable task (and pending I/O callbacks) run, resuming
 * after one macrotask turn.
 *
 * @example
 * ```ts
 * const v = counter; await yieldNow(); counter = v + 1; // Go in Action's lost-update race (listing 6.9)
 * ```
 */
export function yieldNow(): Promise<void> {
  return new Promise((resolve) => macrotask(resolve));
}
