// Workload 7b: bounded concurrency. A batch of 10,000 trivial async tasks run at most 10 at a time;
// one operation is one whole batch. Every task is the same async function incrementing a counter;
// every run returns the counter, checked against 10,000 × n.
import { Effect, PQueue, pLimit, pMap, Sema } from "./peers.mjs";

export const title = "7b. 10,000 trivial tasks, at most 10 at a time (per batch)";
export const about =
  "A batch of 10,000 tasks (one async function that increments a counter) run with a concurrency " +
  "limit of 10; one operation is one whole batch, from the first task handed over to the last one " +
  "finished. Baseline: ten bare async worker loops draining the array of tasks " +
  "(`while (i < tasks.length) await tasks[i++]()`). gosync's bars are on `ErrGroup` with " +
  "`setLimit(10)` (Go's idiom: the producer calls `go` for each task, waiting while 10 run) and on " +
  "`WorkerPool` with 10 workers.";

const BATCH = 10_000;
const LIMIT = 10;

/** A fresh batch: the same trivial task BATCH times, and its counter. */
function batch() {
  const c = { count: 0 };
  const task = async () => {
    c.count++;
  };
  return { c, tasks: new Array(BATCH).fill(task) };
}

/**
 * A row whose run does `once(tasks)` n times over one batch array (built untimed) and returns the
 * counter; `once` is the library's way of running the batch to completion.
 */
const batches = (once) => (n) => {
  const { c, tasks } = batch();
  return async () => {
    for (let i = 0; i < n; i++) await once(tasks);
    return c.count;
  };
};

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  const need = (name, row) =>
    g && name in g ? row : { ...row, make: undefined, na: g ? `dist/esm does not export ${name}` : why };
  return [
    {
      lib: "baseline",
      name: "ten bare worker loops draining the array",
      baseline: true,
      make: batches(async (tasks) => {
        let next = 0;
        const worker = async () => {
          while (next < tasks.length) await tasks[next++]();
        };
        const workers = new Array(LIMIT);
        for (let w = 0; w < LIMIT; w++) workers[w] = worker();
        await Promise.all(workers);
      }),
    },
    need("ErrGroup", {
      lib: "gosync",
      name: "ErrGroup, setLimit(10): await go(task) each, await wait()",
      bar: { ratio: 2.5 },
      make: batches(async (tasks) => {
        const eg = new g.ErrGroup();
        eg.setLimit(LIMIT);
        for (let i = 0; i < tasks.length; i++) await eg.go(tasks[i]);
        await eg.wait();
      }),
    }),
    need("ErrGroup", {
      lib: "gosync",
      name: "ErrGroup, setLimit(10): go(task) each, no await, await wait()",
      note:
        "go() returns a promise that, at the limit, resolves once the task has started; not awaiting it queues the task " +
        "inside the group instead of holding up the producer (all 10,000 are queued at once)",
      make: batches(async (tasks) => {
        const eg = new g.ErrGroup();
        eg.setLimit(LIMIT);
        for (let i = 0; i < tasks.length; i++) eg.go(tasks[i]);
        await eg.wait();
      }),
    }),
    need("WorkerPool", {
      lib: "gosync",
      name: "WorkerPool({ workers: 10 }): submit(task) each, await stopWait()",
      bar: { ratio: 1.5 },
      make: batches(async (tasks) => {
        const pool = new g.WorkerPool({ workers: LIMIT });
        for (let i = 0; i < tasks.length; i++) pool.submit(tasks[i]);
        await pool.stopWait();
      }),
    }),
    need("Semaphore", {
      lib: "gosync",
      name: "Semaphore(10): await acquire(); task().then(release); acquire(10)",
      note: "the x/sync/semaphore idiom for bounding a loop: the final acquire(10) waits for the last tasks",
      make: batches(async (tasks) => {
        const sem = new g.Semaphore(LIMIT);
        const release = () => sem.release();
        for (let i = 0; i < tasks.length; i++) {
          await sem.acquire();
          tasks[i]().then(release);
        }
        await sem.acquire(LIMIT);
      }),
    }),
    {
      lib: "p-limit",
      name: "Promise.all(tasks.map((t) => limit(t)))",
      make: batches(async (tasks) => {
        const limit = pLimit(LIMIT);
        await Promise.all(tasks.map((t) => limit(t)));
      }),
    },
    {
      lib: "p-queue",
      name: "new PQueue({ concurrency: 10 }): add(task) each, await onIdle()",
      make: batches(async (tasks) => {
        const queue = new PQueue({ concurrency: LIMIT });
        for (let i = 0; i < tasks.length; i++) queue.add(tasks[i]);
        await queue.onIdle();
      }),
    },
    {
      lib: "p-map",
      name: "pMap(tasks, (t) => t(), { concurrency: 10 })",
      make: batches(async (tasks) => {
        await pMap(tasks, (t) => t(), { concurrency: LIMIT });
      }),
    },
    {
      lib: "async-sema",
      name: "Sema(10): await acquire(); task().then(release); drain()",
      make: batches(async (tasks) => {
        const s = new Sema(LIMIT);
        const release = () => s.release();
        for (let i = 0; i < tasks.length; i++) {
          await s.acquire();
          tasks[i]().then(release);
        }
        await s.drain();
      }),
    },
    {
      lib: "effect",
      name: "Effect.forEach(tasks, Effect.promise, { concurrency: 10 })",
      note: "each fiber runs the same async task through Effect.promise; `discard: true` (no result array)",
      make: batches((tasks) =>
        Effect.runPromise(
          Effect.forEach(tasks, (t) => Effect.promise(t), { concurrency: LIMIT, discard: true }),
        ),
      ),
    },
  ].map((row) => ({ expect: (n) => n * BATCH, ...row }));
}
