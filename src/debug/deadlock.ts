// The deadlock report: Go's `fatal error: all goroutines are asleep - deadlock!`. Node exits quietly
// when its event loop is empty, even if tasks are still blocked forever on channels or locks (with a
// pending top-level await it exits with code 13 and a one-line warning). With the report on, gosync
// prints Go's message and the task dump to stderr and exits with Go's status 2 instead.
//
// How it knows: Node emits 'beforeExit' when the event loop is empty. If gosync operations are then
// still blocked, nothing can ever complete them — the Go runtime's checkdead() condition. The check
// runs after the other 'beforeExit' listeners (on the next tick), and stands down if one of them
// unblocked something or scheduled new work; the loop then goes on and the check runs again the next
// time it is empty.
//
// Where it differs from Go: Go stays silent about goroutines left blocked once main has returned;
// Node has no "main returned" moment (the process ends when the loop is empty), so any gosync
// operation still blocked at that point is reported — a task that can never finish is a leak worth
// failing for (Dave Cheney: "never start a goroutine without knowing how it will stop").
// process.exit() skips 'beforeExit', and so skips the report: an explicit exit is Go's return
// from main.
//
// Waits on other threads (gosync/threads' async forms: `await mu.lock()` on a shared Mutex). Node
// does not count a pending Atomics.waitAsync as work, so gosync keeps a thread with such waits
// alive with a timer (internal/futex.ts) — which would also keep 'beforeExit' from ever coming.
// With the report on, the main thread drops that keep-alive: on the main thread, every other
// thread that could still end such a wait is a Worker whose handle keeps the loop busy, so a loop
// that empties while thread waits are pending means no thread is left to end them (the worker
// holding the lock has exited, say). They are then reported like any other blocked operation,
// named by their thread-level operation ("threads.Mutex.lock"). Worker threads keep their
// keep-alive: other threads may still end their waits whatever their own loop holds. A Worker the
// program unref'd does not count, as Node lets the process exit without it too.

import { writeSync } from "node:fs";
import { isMainThread } from "node:worker_threads";
import { brand, GoSyncError } from "../internal/errors.js";
import { pendingThreadWaits, syncKeepAlive } from "../internal/futex.js";
import { registry } from "../internal/registry.js";
import { dumpTasks, formatTaskDump, type TaskDump } from "./dump.js";
import { enableTracking } from "./track.js";

/**
 * Go's text, verbatim.
 *
 * @example
 * ```ts
 * if (stderr.includes(DEADLOCK_MESSAGE)) console.log("the child deadlocked");
 * ```
 */
export const DEADLOCK_MESSAGE = "all goroutines are asleep - deadlock!";

/**
 * A deadlock found by gosync (inside a synctest bubble, say), with the dump of the tasks involved;
 * the message starts with Go's text and includes the formatted dump.
 *
 * @example
 * ```ts
 * try { await synctest(body); } catch (e) { if (e instanceof DeadlockError) console.log(e.dump.tasks); }
 * ```
 */
export class DeadlockError extends GoSyncError {
  /** The tasks involved, as dumpTasks() returns them. */
  readonly dump: TaskDump;
  constructor(message: string, dump: TaskDump) {
    super(`${message}\n\n${formatTaskDump(dump)}`);
    this.dump = dump;
  }
}
brand(DeadlockError, "DeadlockError");

/**
 * Options of enableDeadlockReport.
 *
 * @example
 * ```ts
 * enableDeadlockReport({ exitCode: 3 });
 * ```
 */
export interface DeadlockReportOptions {
  /** The exit status after the report (Go's is 2, the default). */
  readonly exitCode?: number;
}

let settings: Required<DeadlockReportOptions> | null = null;
let listening = false;

/**
 * Turns the deadlock report on (also turns task tracking on): if the process is about to exit with
 * gosync operations still blocked, print `fatal error: all goroutines are asleep - deadlock!` and the
 * task dump to stderr, then exit with status 2. `GOSYNC_DEBUG=deadlock` does the same at startup
 * (with `node --import gosync/debug`). Enable it before the tasks start, so they are named.
 *
 * @example
 * ```ts
 * import { enableDeadlockReport } from "gosync/debug";
 * enableDeadlockReport();
 * const ch = new Chan<number>();
 * await ch.recv(); // nobody sends: exits 2 with "goroutine 1 [chan receive]: ..."
 * ```
 */
export function enableDeadlockReport(options: DeadlockReportOptions = {}): void {
  enableTracking();
  settings = { exitCode: options.exitCode ?? 2 };
  if (!listening) {
    listening = true;
    process.on("beforeExit", onBeforeExit);
  }
  if (isMainThread) {
    registry.keepThreadWaitsAlive = false; // see the header
    syncKeepAlive();
  }
}

/**
 * Turns the deadlock report off again.
 *
 * @example
 * ```ts
 * enableDeadlockReport();
 * // ...
 * disableDeadlockReport(); // exiting with blocked operations is quiet again
 * ```
 */
export function disableDeadlockReport(): void {
  settings = null;
  if (listening) {
    listening = false;
    process.off("beforeExit", onBeforeExit);
  }
  registry.keepThreadWaitsAlive = true;
  syncKeepAlive();
}

function onBeforeExit(): void {
  if (settings === null) return;
  if (registry.blocked.size === 0) {
    // Thread waits pending but none on record (started before tracking was on): nothing to name,
    // so keep the thread alive as without the report, rather than let it exit under them.
    if (pendingThreadWaits() > 0) {
      registry.keepThreadWaitsAlive = true;
      syncKeepAlive();
    }
    return;
  }
  const size = registry.blocked.size;
  const progress = registry.progress;
  // Handles that do not keep the loop alive (stdio pipes, unref'd timers) are listed too: only
  // resources that appear after this point count as new work.
  const resources = countByType(process.getActiveResourcesInfo());
  process.nextTick(() => {
    const s = settings;
    if (s === null) return;
    // Did another 'beforeExit' listener give the loop new work, or unblock something (its task
    // resumes on a microtask, which alone would not make Node emit 'beforeExit' again)? Then stand
    // down; one more (empty) turn of the loop makes sure this runs again once it is empty.
    if (registry.blocked.size !== size || registry.progress !== progress || grew(resources)) {
      setImmediate(noop);
      return;
    }
    report(s.exitCode);
  });
}

function countByType(list: readonly string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const r of list) m.set(r, (m.get(r) ?? 0) + 1);
  return m;
}

function grew(before: Map<string, number>): boolean {
  for (const [type, n] of countByType(process.getActiveResourcesInfo())) {
    if (n > (before.get(type) ?? 0)) return true;
  }
  return false;
}

function noop(): void {}

function report(exitCode: number): never {
  const text = `fatal error: ${DEADLOCK_MESSAGE}\n\n${formatTaskDump(dumpTasks())}\n`;
  writeSync(2, text); // synchronously: the process exits right after
  process.exit(exitCode);
}
