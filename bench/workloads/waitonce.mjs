// Workloads 6d and 6e: WaitGroup (1,000 tasks call done, one task waits; one operation is one whole
// group) and Once (do() on a Once whose function has already run; one operation is one call).
import { RESOLVED } from "./peers.mjs";

export const titleWG = "6d. WaitGroup: 1,000 tasks done, one wait (per group)";
export const aboutWG =
  "Each group: 1,000 async tasks each await a resolved promise, count, and report done; the caller " +
  "waits for all of them. One operation is one whole group. Baseline: a bare counter the tasks " +
  "decrement, the last one resolving a single promise the caller awaits. The peer libraries have no " +
  "wait group; the platform idiom, `Promise.all` over the tasks' promises, stands in for them.";
export const titleOnce = "6e. Once.do after the first call (per call)";
export const aboutOnce =
  "`do(fn)` on a Once whose fn has already run (the first call is made before the clock starts), " +
  "awaited. Baseline: a plain function call returning an already-resolved promise, awaited. The peer " +
  "libraries have no Once; the platform idiom, a getter that memoises the init promise, stands in.";

const GROUP = 1000;

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsWG(g, why) {
  const reason = g ? (g.WaitGroup ? undefined : "dist/esm does not export WaitGroup") : why;
  const plain = { lib: "gosync", name: "add(1000), done() × 1,000, await wait()", bar: { ratio: 1.2 } };
  const viaGo = {
    lib: "gosync",
    name: "wg.go(fn) × 1,000, await wait()",
    note: "Go 1.25's wg.Go: each task is started with go() (a later microtask, counted in the task registry), so the row also pays for go()",
  };
  return [
    {
      lib: "baseline",
      name: "counter + one promise",
      baseline: true,
      make: (n) => async () => {
        let count = 0;
        for (let i = 0; i < n; i++) {
          let left = GROUP;
          let release;
          const all = new Promise((r) => {
            release = r;
          });
          for (let k = 0; k < GROUP; k++) {
            (async () => {
              await RESOLVED;
              count++;
              if (--left === 0) release();
            })();
          }
          await all;
        }
        return count;
      },
    },
    reason
      ? { ...plain, na: reason }
      : {
          ...plain,
          make: (n) => async () => {
            let count = 0;
            for (let i = 0; i < n; i++) {
              const wg = new g.WaitGroup();
              wg.add(GROUP);
              for (let k = 0; k < GROUP; k++) {
                (async () => {
                  await RESOLVED;
                  count++;
                  wg.done();
                })();
              }
              await wg.wait();
            }
            return count;
          },
        },
    reason
      ? { ...viaGo, na: reason }
      : {
          ...viaGo,
          make: (n) => async () => {
            let count = 0;
            const task = async () => {
              await RESOLVED;
              count++;
            };
            for (let i = 0; i < n; i++) {
              const wg = new g.WaitGroup();
              for (let k = 0; k < GROUP; k++) wg.go(task);
              await wg.wait();
            }
            return count;
          },
        },
    {
      lib: "platform",
      name: "Promise.all over the 1,000 task promises",
      make: (n) => async () => {
        let count = 0;
        const task = async () => {
          await RESOLVED;
          count++;
        };
        for (let i = 0; i < n; i++) {
          const tasks = new Array(GROUP);
          for (let k = 0; k < GROUP; k++) tasks[k] = task();
          await Promise.all(tasks);
        }
        return count;
      },
    },
  ].map((row) => ({ expect: (n) => n * GROUP, ...row }));
}

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsOnce(g, why) {
  const reason = g ? (g.Once ? undefined : "dist/esm does not export Once") : why;
  const plain = { lib: "gosync", name: "await once.do(fn)", bar: { ratio: 1.2 } };
  const value = {
    lib: "gosync",
    name: "await get() with get = onceValue(async fn)",
    note: "onceValue returns the first call's result, here the async fn's promise, to every later call",
  };
  /** Calls of the init function: exactly one per run, or the row is wrong. */
  const checkOnce = (calls, count) => {
    if (calls !== 1) throw new Error(`init ran ${calls} times`);
    return count;
  };
  return [
    {
      lib: "baseline",
      name: "await f() with f = () => resolvedPromise",
      baseline: true,
      make: (n) => {
        const f = () => RESOLVED;
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            await f();
            count++;
          }
          return count;
        };
      },
    },
    reason
      ? { ...plain, na: reason }
      : {
          ...plain,
          make: (n) => {
            let calls = 0;
            const init = () => {
              calls++;
            };
            const once = new g.Once();
            once.do(init);
            return async () => {
              let count = 0;
              for (let i = 0; i < n; i++) {
                await once.do(init);
                count++;
              }
              return checkOnce(calls, count);
            };
          },
        },
    reason
      ? { ...value, na: reason }
      : {
          ...value,
          make: (n) => {
            let calls = 0;
            const get = g.onceValue(async () => {
              calls++;
            });
            get();
            return async () => {
              let count = 0;
              for (let i = 0; i < n; i++) {
                await get();
                count++;
              }
              return checkOnce(calls, count);
            };
          },
        },
    {
      lib: "platform",
      name: "memoised promise: await get(), get returning p ??= init()",
      make: (n) => {
        let calls = 0;
        const init = async () => {
          calls++;
        };
        let p;
        const get = () => {
          if (p === undefined) p = init();
          return p;
        };
        get();
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            await get();
            count++;
          }
          return checkOnce(calls, count);
        };
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}
