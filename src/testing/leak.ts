// Leak check: uber-go/goleak for gosync. After a test, every task it started should have finished
// and no gosync operation it began should still be blocked; expectNoLeakedTasks() lets the event
// loop settle for a few turns (and, if needed, a short bounded grace), then throws a LeakError that
// names what is left, with the task dump. leakCheck() installs it as test hooks (node:test by
// default, or any runner's beforeEach/afterEach).
//
// Where it differs from goleak: goleak compares goroutine stacks; gosync knows its tasks and
// blocked operations exactly (through the registry), so a snapshot taken before the test is the
// baseline (goleak's IgnoreCurrent), and only what appeared since counts. Work outside gosync
// (a pending fetch, a raw setTimeout) is not seen. Task tracking is turned on by the check (or
// GOSYNC_DEBUG=track): tasks started before that are counted, not named.

import { after, afterEach, before, beforeEach } from "node:test";
import { collectDump, formatTaskDump, type TaskDump, type TaskInfo, untrackedTasks } from "../debug/dump.js";
import { enableTracking } from "../debug/track.js";
import { brand, GoSyncError } from "../internal/errors.js";
import { registry, type TaskRecord } from "../internal/registry.js";

/**
 * The tasks and blocked operations alive at one moment: a leak check's baseline.
 *
 * @example
 * ```ts
 * const before = snapshotTasks();
 * await runSomething();
 * await expectNoLeakedTasks({ baseline: before });
 * ```
 */
export class TaskSnapshot {
  /** @internal */
  readonly tasks: ReadonlySet<TaskRecord>;
  /** @internal */
  readonly ops: ReadonlySet<object>;
  /** @internal */
  readonly untracked: number;
  /** @internal */
  constructor() {
    this.tasks = new Set(registry.tasks);
    this.ops = new Set(registry.blocked.keys());
    this.untracked = untrackedTasks();
  }
}

/**
 * Takes a snapshot of the live tasks and blocked operations (turning task tracking on).
 *
 * @example
 * ```ts
 * const baseline = snapshotTasks();
 * ```
 */
export function snapshotTasks(): TaskSnapshot {
  enableTracking();
  return new TaskSnapshot();
}

/**
 * Options of expectNoLeakedTasks and leakCheck.
 *
 * @example
 * ```ts
 * await expectNoLeakedTasks({ turns: 50, graceMs: 500, ignore: (t) => t.name === "metrics" });
 * ```
 */
export interface LeakCheckOptions {
  /** What existed before (default: nothing — every live task and blocked operation counts). */
  readonly baseline?: TaskSnapshot;
  /** Event-loop turns to let tasks finish before judging (default 20). */
  readonly turns?: number;
  /** Then, real time (ms) to keep polling before failing (default 100; 0 for none). */
  readonly graceMs?: number;
  /** Tasks to leave out (a long-lived worker the suite owns, say). */
  readonly ignore?: (task: TaskInfo) => boolean;
}

/**
 * Tasks or blocked operations left behind, with the dump of exactly those.
 *
 * @example
 * ```ts
 * try { await expectNoLeakedTasks(); } catch (e) { if (e instanceof LeakError) console.log(e.dump.tasks.length); }
 * ```
 */
export class LeakError extends GoSyncError {
  /** The task dump at the time of the check: the tasks and operations left behind. */
  readonly dump: TaskDump;
  constructor(dump: TaskDump) {
    const ops = dump.tasks.reduce((n, t) => n + t.blocked.length, 0);
    const tasks = dump.tasks.filter((t) => !t.main).length + dump.untracked;
    super(
      `found unexpected goroutines: ${tasks} task(s) still running, ${ops} operation(s) still blocked\n\n${formatTaskDump(dump)}`,
    );
    this.dump = dump;
  }
}
brand(LeakError, "LeakError");

/**
 * What is alive now that was not in `baseline` (without waiting).
 *
 * @example
 * ```ts
 * if (findLeakedTasks(baseline).tasks.length > 0) console.error(formatTaskDump(findLeakedTasks(baseline)));
 * ```
 */
export function findLeakedTasks(options: Pick<LeakCheckOptions, "baseline" | "ignore"> = {}): TaskDump {
  const base = options.baseline;
  const dump = collectDump(
    (t) => t !== undefined && (base === undefined || !base.tasks.has(t)),
    (key, op) =>
      base === undefined || (!base.ops.has(key) && (op.task === undefined || !base.tasks.has(op.task))),
  );
  const ignore = options.ignore;
  const tasks = ignore === undefined ? dump.tasks : dump.tasks.filter((t) => !ignore(t));
  const untracked = Math.max(0, dump.untracked - (base?.untracked ?? 0));
  return { ...dump, tasks, untracked };
}

function clean(d: TaskDump): boolean {
  return d.tasks.length === 0 && d.untracked === 0;
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Fails (rejects with a LeakError naming them, with the dump) if tasks are still running or gosync
 * operations still blocked — after letting the event loop run `turns` turns, then polling for up
 * to `graceMs` of real time, so tasks that are just finishing are not reported.
 *
 * @example
 * ```ts
 * test("the pool stops its workers", async () => {
 *   const pool = startPool(4);
 *   await pool.close();
 *   await expectNoLeakedTasks();
 * });
 * ```
 */
export async function expectNoLeakedTasks(options: LeakCheckOptions = {}): Promise<void> {
  enableTracking();
  const turns = options.turns ?? 20;
  const graceMs = options.graceMs ?? 100;
  for (let i = 0; i < turns; i++) {
    if (clean(findLeakedTasks(options))) return;
    await nextTurn();
  }
  const start = Date.now();
  for (;;) {
    const d = findLeakedTasks(options);
    if (clean(d)) return;
    const left = graceMs - (Date.now() - start);
    if (left <= 0) throw new LeakError(d);
    await pause(Math.min(10, left));
  }
}

/**
 * The hooks of a test runner (node:test's are the default; vitest's and jest's fit too).
 *
 * @example
 * ```ts
 * import { afterAll, afterEach, beforeAll, beforeEach } from "vitest";
 * leakCheck({ hooks: { beforeEach, afterEach, before: beforeAll, after: afterAll } });
 * ```
 */
export interface TestHooks {
  /** Runs fn before each test. */
  beforeEach(fn: () => unknown): unknown;
  /** Runs fn after each test. */
  afterEach(fn: () => unknown): unknown;
  /** Runs fn once, before the file's tests. */
  before(fn: () => unknown): unknown;
  /** Runs fn once, after the file's tests. */
  after(fn: () => unknown): unknown;
}

const nodeTestHooks: TestHooks = { beforeEach, afterEach, before, after };

/**
 * Options of leakCheck.
 *
 * @example
 * ```ts
 * leakCheck({ scope: "all", graceMs: 1000 });
 * ```
 */
export interface LeakCheckHookOptions extends Omit<LeakCheckOptions, "baseline"> {
  /** "each" (default): check after every test; "all": once, after all tests of the file/suite. */
  readonly scope?: "each" | "all";
  /** The runner's hook functions (default: node:test's). */
  readonly hooks?: TestHooks;
}

/**
 * Registers a leak check as test hooks: a snapshot before each test (or before all) and
 * expectNoLeakedTasks after it, so a test that leaves tasks running fails, naming them. Call it at
 * the top of a test file (or inside a describe).
 *
 * @example
 * ```ts
 * import { leakCheck } from "gosync/testing";
 * leakCheck(); // node:test
 * // vitest: leakCheck({ hooks: { beforeEach, afterEach, before: beforeAll, after: afterAll } })
 *
 * test("workers stop", async () => { ... });
 * ```
 */
export function leakCheck(options: LeakCheckHookOptions = {}): void {
  enableTracking();
  const hooks = options.hooks ?? nodeTestHooks;
  let baseline = new TaskSnapshot();
  const check = (): Promise<void> => expectNoLeakedTasks({ ...options, baseline });
  if (options.scope === "all") {
    hooks.before(() => {
      baseline = new TaskSnapshot();
    });
    hooks.after(check);
  } else {
    hooks.beforeEach(() => {
      baseline = new TaskSnapshot();
    });
    hooks.afterEach(check);
  }
}
