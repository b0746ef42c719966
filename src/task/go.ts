// go(): Go's `go` statement. A task is an async function started on a later microtask (the caller
// goes on first, as after `go f()`), counted in the task registry until it settles.
//
// An error escaping a task is fatal, like a Go panic: it is printed with its stack as
// `panic: ...` and the process exits with status 2 (Go's exit code for a panic). A handler installed
// with setPanicHandler receives it instead. Where it differs from Go: there is no recover() inside
// other tasks; the handler is process-wide.

import { checkFunction } from "../internal/errors.js";
import { registry, type TaskRecord, taskBegin, taskEnd } from "../internal/registry.js";

/**
 * Receives an error that escaped a task started by go().
 *
 * @example
 * ```ts
 * const handler: PanicHandler = (error, task) => console.error(`task ${task.name} failed:`, error);
 * setPanicHandler(handler);
 * ```
 */
export type PanicHandler = (error: unknown, task: { readonly name: string }) => void;

let panicHandler: PanicHandler | null = null;

/**
 * Installs a handler for errors escaping tasks (instead of crashing); `null` restores the default.
 * Returns the previous handler.
 *
 * @example
 * ```ts
 * setPanicHandler((err, task) => log.error(`task ${task.name} failed`, err));
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

function crash(error: unknown, name: string): void {
  const text = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  console.error(`panic: ${text}\n\ngoroutine [${name}]`);
  const proc = (globalThis as { process?: ProcessLike }).process;
  if (proc !== undefined && typeof proc.exit === "function") proc.exit(2);
  // No process to exit (a browser): surface it as an uncaught error, never swallow it.
  setTimeout(() => {
    throw error;
  });
}

function panic(error: unknown, name: string): void {
  if (panicHandler === null) {
    crash(error, name);
    return;
  }
  try {
    panicHandler(error, { name });
  } catch (e) {
    crash(e, name);
  }
}

// A blocked task should cost about what a blocked async call does (see bench/RESULTS.md, memory):
// while tracking is off, a task's completion is observed with two shared handlers, so what stays
// alive per pending task is the promise reaction and nothing of gosync's own.
function endUntracked(): void {
  registry.liveTasks--;
}

function panicUntracked(e: unknown): void {
  registry.liveTasks--;
  panic(e, "anonymous");
}

const STARTED: Promise<void> = Promise.resolve();

function start(fn: (...args: unknown[]) => unknown, args: unknown[], record: TaskRecord | undefined): void {
  let result: unknown;
  try {
    result = record === undefined ? fn(...args) : registry.runTask(record, () => fn(...args));
  } catch (e) {
    taskEnd(record);
    panic(e, record?.name ?? (fn.name || "anonymous"));
    return;
  }
  if (!(result instanceof Promise)) {
    taskEnd(record);
  } else if (record === undefined) {
    result.then(endUntracked, panicUntracked);
  } else {
    result.then(
      () => taskEnd(record),
      (e: unknown) => {
        taskEnd(record);
        panic(e, record.name);
      },
    );
  }
}

/**
 * Starts a task: Go's `go fn(args...)`. The arguments are evaluated now; fn starts on a later
 * microtask. An error escaping fn is fatal (see setPanicHandler).
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
  const record = taskBegin(fn.name || "anonymous");
  // Diagnostics: the go statement happens before the task starts (one null test when off).
  if (registry.observer !== null && record !== undefined) registry.observer.release(record, "go");
  // A promise reaction rather than queueMicrotask: Node wraps every queueMicrotask callback in an
  // AsyncResource, which made go() about a third slower.
  STARTED.then(() => start(fn as (...args: unknown[]) => unknown, args, record));
}

// setImmediate where the runtime has it (Node, Bun, Deno): it runs after pending I/O callbacks,
// without setTimeout's clamping. The core names no Node API, so it is looked up on globalThis.
const immediate = (globalThis as { setImmediate?: (cb: () => void) => unknown }).setImmediate;
const macrotask: (cb: () => void) => void =
  typeof immediate === "function" ? (cb) => immediate(cb) : (cb) => setTimeout(cb, 0);

/**
 * Go's runtime.Gosched: lets every other runnable task (and pending I/O callbacks) run, resuming
 * after one macrotask turn.
 *
 * @example
 * ```ts
 * const v = counter; await yieldNow(); counter = v + 1; // the seed's lost-update race
 * ```
 */
export function yieldNow(): Promise<void> {
  return new Promise((resolve) => macrotask(resolve));
}
