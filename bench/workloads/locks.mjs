// Workload 6a–6c: mutual exclusion. (a) one task locking and unlocking a free mutex; (b) 100 tasks
// contending for one mutex; (c) 100 tasks on a reader/writer mutex, 90 % reads. One operation is one
// lock + unlock (or rLock + rUnlock); the critical section increments a counter and nothing else,
// so the figure is what the lock itself costs. Every run returns the counter, checked against n.
import { contend, ring, share } from "./contend.mjs";
import {
  AmMutex,
  AwMutex,
  Effect,
  EffectSemaphore,
  EsfxMutex,
  pLimit,
  RESOLVED,
  RWLock,
  Sema,
} from "./peers.mjs";

export const titleUncontended = "6a. Mutex lock + unlock, uncontended (per lock + unlock)";
export const titleContended = "6b. Mutex, 100 contending tasks (per lock + unlock)";
export const titleRW = "6c. RWMutex, 90 % reads / 10 % writes, 100 tasks (per lock + unlock)";
export const aboutUncontended =
  "One task: lock, increment a counter, unlock, n times; the mutex is always free. Baseline: one " +
  "`await` of an already-resolved promise, the floor for any lock whose lock() returns a promise.";
export const aboutContended =
  "100 tasks each loop over lock, increment, unlock (n operations dealt out among them); every task " +
  "awaits its turn, so each operation is a hand-off from the unlocking task to the next waiter. " +
  "Baseline: 100 bare async functions passing one token round a ring, each parking on a fresh " +
  "promise and resolving the next one's (one resolve → await hand-off per operation, in the FIFO order " +
  "a fair mutex hands over).";
export const aboutRW =
  "100 tasks, each of whose operations is a read lock + unlock, except every tenth (staggered across " +
  "tasks: task i writes on its operations j with (i + j) mod 10 = 0), which is a write lock + unlock. " +
  "Baseline: the same 100 tasks doing every operation with gosync's `Mutex` (workload 6b's row, " +
  "measured again in these rounds), because the bar is relative to that figure. Peers without a " +
  "reader/writer lock are left out: of the issue's list only `rwmutex` has one.";

const TASKS = 100;
/** Fibers do not yield while a permit is free, so Effect rows rarely contend. */
const effectNote =
  "a fiber runs on without yielding while permits are free, so its lock + unlock completes without " +
  "a hand-off and most of the n operations never contend: the figure is a lower bound for contention";

/** Rows for gosync, or one n/a row per variant when the build lacks the export. */
function needs(g, why, name, rows) {
  if (g && name in g) return rows;
  const reason = g ? `dist/esm does not export ${name}` : why;
  return rows.map(({ make, ...row }) => ({ ...row, na: reason }));
}

// Every row writes its loop out in full, the lock calls inline: a shared helper taking the lock
// calls as callbacks or wrapping them in an async function would add a call or a promise per
// operation, which at 50-100 ns per operation is a large share of what is measured.

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsUncontended(g, why) {
  return [
    {
      lib: "baseline",
      name: "await of a resolved promise",
      baseline: true,
      make: (n) => async () => {
        let count = 0;
        for (let i = 0; i < n; i++) {
          await RESOLVED;
          count++;
        }
        return count;
      },
    },
    ...needs(g, why, "Mutex", [
      {
        lib: "gosync",
        name: "await lock(); unlock()",
        bar: { ratio: 1.3 },
        make: (n) => {
          const mu = new g.Mutex();
          return async () => {
            let count = 0;
            for (let i = 0; i < n; i++) {
              await mu.lock();
              count++;
              mu.unlock();
            }
            return count;
          };
        },
      },
      {
        lib: "gosync",
        name: "if (!tryLock()) await lock(); unlock()",
        note: "the tryLock-first idiom: a free mutex is taken without an await at all",
        make: (n) => {
          const mu = new g.Mutex();
          return async () => {
            let count = 0;
            for (let i = 0; i < n; i++) {
              if (!mu.tryLock()) await mu.lock();
              count++;
              mu.unlock();
            }
            return count;
          };
        },
      },
      {
        lib: "gosync",
        name: "await withLock(fn)",
        make: (n) => {
          const mu = new g.Mutex();
          return async () => {
            let count = 0;
            const fn = () => {
              count++;
            };
            for (let i = 0; i < n; i++) await mu.withLock(fn);
            return count;
          };
        },
      },
      {
        lib: "gosync",
        name: "(await acquire()).release()",
        note: "the handle that `using` / `await using` releases; released by hand here (the same calls)",
        make: (n) => {
          const mu = new g.Mutex();
          return async () => {
            let count = 0;
            for (let i = 0; i < n; i++) {
              const h = await mu.acquire();
              count++;
              h.release();
            }
            return count;
          };
        },
      },
    ]),
    {
      lib: "async-mutex",
      name: "Mutex: release = await acquire()",
      make: (n) => {
        const m = new AmMutex();
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            const release = await m.acquire();
            count++;
            release();
          }
          return count;
        };
      },
    },
    {
      lib: "async-sema",
      name: "Sema(1): await acquire(); release()",
      make: (n) => {
        const s = new Sema(1);
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            await s.acquire();
            count++;
            s.release();
          }
          return count;
        };
      },
    },
    {
      lib: "@esfx/async-mutex",
      name: "AsyncMutex: (await lock()).unlock()",
      make: (n) => {
        const m = new EsfxMutex();
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            const h = await m.lock();
            count++;
            h.unlock();
          }
          return count;
        };
      },
    },
    {
      lib: "await-semaphore",
      name: "Mutex: release = await acquire()",
      make: (n) => {
        const m = new AwMutex();
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            const release = await m.acquire();
            count++;
            release();
          }
          return count;
        };
      },
    },
    {
      lib: "rwmutex",
      name: "unlock = await lock()",
      make: (n) => {
        const m = new RWLock();
        return async () => {
          let count = 0;
          for (let i = 0; i < n; i++) {
            const unlock = await m.lock();
            count++;
            unlock();
          }
          return count;
        };
      },
    },
    {
      lib: "p-limit",
      name: "pLimit(1): await limit(fn)",
      make: (n) => {
        const limit = pLimit(1);
        return async () => {
          let count = 0;
          const fn = () => {
            count++;
          };
          for (let i = 0; i < n; i++) await limit(fn);
          return count;
        };
      },
    },
    {
      lib: "effect",
      name: "Semaphore(1).withPermits(1)(Effect.sync) in one fiber",
      note: "n steps of one Effect.gen run by runPromise; a free permit is taken without suspending",
      make: (n) => {
        let count = 0;
        const sem = EffectSemaphore.makeUnsafe(1);
        const step = sem.withPermits(1)(
          Effect.sync(() => {
            count++;
          }),
        );
        const program = Effect.gen(function* () {
          for (let i = 0; i < n; i++) yield* step;
        });
        return () => Effect.runPromise(program).then(() => count);
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsContended(g, why) {
  return [
    {
      lib: "baseline",
      name: "100 tasks, token ring of bare promises",
      baseline: true,
      make: (n) => () => ring(TASKS, 1, n),
    },
    ...needs(g, why, "Mutex", [
      {
        lib: "gosync",
        name: "await lock(); unlock()",
        bar: { ratio: 1.5 },
        make: (n) => gosyncMutexRun(g, n),
      },
      {
        lib: "gosync",
        name: "await withLock(fn)",
        make: (n) => {
          const mu = new g.Mutex();
          return async () => {
            let count = 0;
            const fn = () => {
              count++;
            };
            await contend(TASKS, n, async (k) => {
              for (let j = 0; j < k; j++) await mu.withLock(fn);
            });
            return count;
          };
        },
      },
    ]),
    {
      lib: "async-mutex",
      name: "Mutex: release = await acquire()",
      make: (n) => {
        const m = new AmMutex();
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const release = await m.acquire();
              count++;
              release();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "async-sema",
      name: "Sema(1): await acquire(); release()",
      make: (n) => {
        const s = new Sema(1);
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
      lib: "@esfx/async-mutex",
      name: "AsyncMutex: (await lock()).unlock()",
      make: (n) => {
        const m = new EsfxMutex();
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const h = await m.lock();
              count++;
              h.unlock();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "await-semaphore",
      name: "Mutex: release = await acquire()",
      make: (n) => {
        const m = new AwMutex();
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const release = await m.acquire();
              count++;
              release();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "rwmutex",
      name: "unlock = await lock()",
      make: (n) => {
        const m = new RWLock();
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k) => {
            for (let j = 0; j < k; j++) {
              const unlock = await m.lock();
              count++;
              unlock();
            }
          });
          return count;
        };
      },
    },
    {
      lib: "p-limit",
      name: "pLimit(1): await limit(fn)",
      make: (n) => {
        const limit = pLimit(1);
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
      name: "100 fibers, Semaphore(1).withPermits(1)(Effect.sync)",
      note: effectNote,
      make: (n) => {
        let count = 0;
        const sem = EffectSemaphore.makeUnsafe(1);
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

/** gosync's contended Mutex run (6b's bar row, and 6c's baseline). */
function gosyncMutexRun(g, n) {
  const mu = new g.Mutex();
  return async () => {
    let count = 0;
    await contend(TASKS, n, async (k) => {
      for (let j = 0; j < k; j++) {
        await mu.lock();
        count++;
        mu.unlock();
      }
    });
    return count;
  };
}

/** Task i's operation j is a write when (i + j) mod 10 = 0: 10 % writes, spread over all tasks. */
const writes = (i, j) => (i + j) % 10 === 0;

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rowsRW(g, why) {
  const base = { lib: "gosync", name: "Mutex (6b's row): every operation lock + unlock", baseline: true };
  const rw = { lib: "gosync", name: "RWMutex: rLock/rUnlock, lock/unlock", bar: { ratio: 2 } };
  return [
    ...needs(g, why, "Mutex", [{ ...base, make: (n) => gosyncMutexRun(g, n) }]),
    ...needs(g, why, "RWMutex", [
      {
        ...rw,
        make: (n) => {
          const mu = new g.RWMutex();
          return async () => {
            let count = 0;
            await contend(TASKS, n, async (k, i) => {
              for (let j = 0; j < k; j++) {
                if (writes(i, j)) {
                  await mu.lock();
                  count++;
                  mu.unlock();
                } else {
                  await mu.rLock();
                  count++;
                  mu.rUnlock();
                }
              }
            });
            return count;
          };
        },
      },
    ]),
    {
      lib: "rwmutex",
      name: "await rlock() / await lock(), each returning its unlock",
      make: (n) => {
        const mu = new RWLock();
        return async () => {
          let count = 0;
          await contend(TASKS, n, async (k, i) => {
            for (let j = 0; j < k; j++) {
              const unlock = writes(i, j) ? await mu.lock() : await mu.rlock();
              count++;
              unlock();
            }
          });
          return count;
        };
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}
