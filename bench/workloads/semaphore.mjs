// Workload 7a: a semaphore of 10 permits, 100 tasks contending; one operation is one acquire +
// release. The critical section increments a counter; every run returns it, checked against n.
import { contend, ring, share } from "./contend.mjs";
import { AmSemaphore, AwSemaphore, Effect, EffectSemaphore, pLimit, Sema } from "./peers.mjs";

export const title = "7a. Semaphore(10), 100 contending tasks (per acquire + release)";
export const about =
  "100 tasks each loop over acquire, increment, release on a semaphore of 10 permits (n operations " +
  "dealt out among them); with 10 inside at a time and 90 queued, every release hands a permit to a " +
  "waiter. Baseline: 100 bare async functions passing 10 tokens round a ring (task i hands to task " +
  "i + 10, the order a FIFO semaphore grants in), one resolve → await hand-off per operation.";

const TASKS = 100;
const PERMITS = 10;

// As in workload 6, each row writes its loop out with the library's calls inline.

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  const gosync = { lib: "gosync", name: "await acquire(); release()", bar: { ratio: 1.5 } };
  const reason = g ? (g.Semaphore ? undefined : "dist/esm does not export Semaphore") : why;
  return [
    {
      lib: "baseline",
      name: "100 tasks, 10 tokens in a ring of bare promises",
      baseline: true,
      make: (n) => () => ring(TASKS, PERMITS, n),
    },
    reason
      ? { ...gosync, na: reason }
      : {
          ...gosync,
          make: (n) => {
            const sem = new g.Semaphore(PERMITS);
            return async () => {
              let count = 0;
              await contend(TASKS, n, async (k) => {
                for (let j = 0; j < k; j++) {
                  await sem.acquire();
                  count++;
                  sem.release();
                }
              });
              return count;
            };
          },
        },
    {
      lib: "async-sema",
      name: "Sema(10): await acquire(); release()",
      make: (n) => {
        const s = new Sema(PERMITS);
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              await s.acquire();
              count++;
              s.release();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "async-mutex",
      name: "Semaphore(10): [, release] = await acquire()",
      make: (n) => {
        const s = new AmSemaphore(PERMITS);
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const [, release] = await s.acquire();
              count++;
              release();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "await-semaphore",
      name: "Semaphore(10): release = await acquire()",
      make: (n) => {
        const s = new AwSemaphore(PERMITS);
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const release = await s.acquire();
              count++;
              release();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "p-limit",
      name: "pLimit(10): await limit(fn)",
      make: (n) => {
        const limit = pLimit(PERMITS);
        return async () => {
          let count = 0;
          const fn = () => {
            count++;
          };
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) await limit(fn);
          });
          return count;
        };
      },
    },
    {
      lib: "effect",
      name: "100 fibers, Semaphore(10).withPermits(1)(Effect.sync)",
      note:
        "a fiber runs on without yielding while permits are free, so its acquire + release completes " +
        "without a hand-off and most of the n operations never contend: the figure is a lower bound",
      make: (n) => {
        let count = 0;
        const sem = EffectSemaphore.makeUnsafe(PERMITS);
        const step = sem.withPermits(1)(
          Effect.sync(() => {
            count++;
          }),
        );
        const program = Effect.forEach(
          Array.from({ length: TASKS }, (_, i) => share(n, TASKS, i)),
          (k) =>
            Effect.gen(function* () {
              for (let j = 0; j < k; j++) yield* step;
            }),
          { concurrency: "unbounded", discard: true },
        );
        return () => Effect.runPromise(program).then(() => count);
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}
