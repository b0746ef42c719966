// Workload 5, one case per process: heap bytes per task blocked on a receive.
//
//   node --expose-gc bench/memory.mjs <case>     prints {"case", "bytesPerTask"} or {"case", "error"}
//
// A fresh process per case keeps one library's leftovers (caches, scheduler queues, optimised code)
// out of another's figure. Each case first parks a small warm-up batch, so lazily built module state
// is already on the heap when the "before" reading is taken, then parks N tasks, lets them all reach
// their receive, and reads the heap again after full collections. Everything that keeps a blocked
// task alive (the channel and its waiter queue, or the baseline's resolver array) stays reachable
// until the end, as it would in a program, so the delta is what the tasks really cost.
import { MiniChan } from "./workloads/minichan.mjs";
import { AsyncChannel, csp, Effect, Queue, SimpleChannel, thing } from "./workloads/peers.mjs";

const N = 100_000;
const WARM = 1_000;

let started = 0;
const ended = () => {};

/**
 * The cases: each gets a count and returns, wrapped in an array, whatever must stay reachable. (The
 * wrapping matters: an async-channel Channel is a thenable, and returning it bare from an async
 * function would wait for a value from it.)
 */
const cases = {
  // An async function awaiting a promise that nothing will resolve... except that something must be
  // able to: with the resolver unreachable, the promise, the frame and the task are all garbage.
  // So each resolver is kept in an array, the least any channel's waiter queue can do.
  baseline: async (n) => {
    const waiters = [];
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await new Promise((r) => waiters.push(r));
      })();
    }
    return waiters;
  },
  "reference-one": async (n) => {
    const ch = new MiniChan(0);
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await ch.recv();
      })();
    }
    return [ch];
  },
  // The floor for any go(): the reference channel's task plus the least a task runner can keep to
  // notice the task end (to count it, and to report an error escaping it): one then() on the
  // task's promise, with handlers shared by every task.
  "reference-one-observed": async (n) => {
    const ch = new MiniChan(0);
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await ch.recv();
      })().then(ended, ended);
    }
    return [ch];
  },
  "gosync-one-go": async (n, g) => {
    const ch = new g.Chan(0);
    for (let i = 0; i < n; i++) {
      g.go(async () => {
        started++;
        await ch.recv();
      });
    }
    return [ch];
  },
  "gosync-one-async": async (n, g) => {
    const ch = new g.Chan(0);
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await ch.recv();
      })();
    }
    return [ch];
  },
  "gosync-each-go": async (n, g) => {
    const chans = [];
    for (let i = 0; i < n; i++) {
      const ch = new g.Chan(0);
      chans.push(ch);
      g.go(async () => {
        started++;
        await ch.recv();
      });
    }
    return chans;
  },
  "async-channel-one": async (n) => {
    const ch = new AsyncChannel(0);
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await ch.get();
      })();
    }
    return [ch];
  },
  "async-channel-each": async (n) => {
    const chans = [];
    for (let i = 0; i < n; i++) {
      const ch = new AsyncChannel(0);
      chans.push(ch);
      (async () => {
        started++;
        await ch.get();
      })();
    }
    return chans;
  },
  "channel-ts-one": async (n) => {
    const ch = new SimpleChannel();
    for (let i = 0; i < n; i++) {
      (async () => {
        started++;
        await ch.receive();
      })();
    }
    return [ch];
  },
  "channel-ts-each": async (n) => {
    const chans = [];
    for (let i = 0; i < n; i++) {
      const ch = new SimpleChannel();
      chans.push(ch);
      (async () => {
        started++;
        await ch.receive();
      })();
    }
    return chans;
  },
  "thi.ng-each": async (n) => {
    const chans = [];
    for (let i = 0; i < n; i++) {
      const ch = thing.channel(1);
      chans.push(ch);
      (async () => {
        started++;
        await ch.read();
      })();
    }
    return chans;
  },
  "js-csp-each": async (n) => {
    const chans = [];
    for (let i = 0; i < n; i++) {
      const ch = csp.chan();
      chans.push(ch);
      csp.go(function* () {
        started++;
        yield csp.take(ch);
      });
    }
    return chans;
  },
  "effect-one": async (n) => {
    const q = Effect.runSync(Queue.bounded(0));
    const task = Effect.suspend(() => {
      started++;
      return Queue.take(q);
    });
    for (let i = 0; i < n; i++) Effect.runFork(task);
    return [q];
  },
  "effect-each": async (n) => {
    const qs = [];
    for (let i = 0; i < n; i++) {
      const q = Effect.runSync(Queue.bounded(0));
      qs.push(q);
      Effect.runFork(
        Effect.suspend(() => {
          started++;
          return Queue.take(q);
        }),
      );
    }
    return qs;
  },
};

export const caseNames = Object.keys(cases);

/** Lets every started task run up to its receive: microtasks, then a few macrotask turns for the
 * libraries (js-csp, effect) that schedule their tasks with setImmediate / setTimeout. */
async function settle() {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 1));
}

function collect() {
  for (let i = 0; i < 4; i++) globalThis.gc();
}

async function main(name) {
  const make = cases[name];
  if (!make) throw new Error(`unknown case ${name}; known: ${caseNames.join(", ")}`);
  const g = name.startsWith("gosync") ? await import("../dist/esm/index.js") : undefined;
  const warm = await make(WARM, g);
  await settle();
  collect();
  const before = process.memoryUsage().heapUsed;
  started = 0;
  const kept = await make(N, g);
  await settle();
  collect();
  const after = process.memoryUsage().heapUsed;
  if (started !== N) throw new Error(`only ${started} of ${N} tasks started`);
  // Read both after measuring, so neither can be collected before the second heap reading.
  globalThis.keep = [warm, kept];
  return { case: name, bytesPerTask: (after - before) / N };
}

if (process.argv[2]) {
  if (typeof globalThis.gc !== "function") throw new Error("run with node --expose-gc");
  main(process.argv[2]).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0); // the blocked tasks would otherwise keep some schedulers (effect) alive
    },
    (e) => {
      process.stdout.write(`${JSON.stringify({ case: process.argv[2], error: String(e?.message ?? e) })}\n`);
      process.exit(0);
    },
  );
}
