// Workload 2: a channel of capacity 1024, one producer task and one consumer task; one operation is
// one message delivered. Every run returns the sum of the values the consumer received, checked
// against 0 + 1 + ... + (n - 1).
import { MiniChan, note as miniNote } from "./minichan.mjs";
import {
  AsyncChannel,
  csp,
  cspAll,
  Effect,
  Fiber,
  Queue,
  RESOLVED,
  SimpleChannel,
  thing,
  triangle,
} from "./peers.mjs";

export const title = "2. Buffered channel, cap 1024, 1 producer → 1 consumer (per message)";
export const about =
  "Baseline: two tasks that each await one already-resolved promise per message, which is what a " +
  "channel costs when neither side ever has to block. The producer awaits a shared resolved promise " +
  "(what a send into free buffer space can return); the consumer awaits `Promise.resolve(i)` (a receive " +
  "has to hand over a value, so it needs a promise of its own).";

const CAP = 1024;

/** Starts producer and consumer together; resolves with the consumer's result once both are done. */
async function pair(produce, consume) {
  const [, sum] = await Promise.all([produce(), consume()]);
  return sum;
}

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  return [
    {
      lib: "baseline",
      name: "two tasks, one resolved-promise await each per msg",
      baseline: true,
      make: (n) => () =>
        pair(
          async () => {
            for (let i = 0; i < n; i++) await RESOLVED;
          },
          async () => {
            let sum = 0;
            for (let i = 0; i < n; i++) sum += await Promise.resolve(i);
            return sum;
          },
        ),
    },
    {
      lib: "reference",
      name: "minimal promise channel(1024), send/recv",
      note: miniNote,
      make: (n) => {
        const ch = new MiniChan(CAP);
        return () =>
          pair(
            async () => {
              for (let i = 0; i < n; i++) await ch.send(i);
            },
            async () => {
              let sum = 0;
              for (let i = 0; i < n; i++) sum += await ch.recv();
              return sum;
            },
          );
      },
    },
    ...gosyncRows(g, why),
    {
      lib: "async-channel",
      name: "Channel(1024) push/get",
      make: (n) => {
        const ch = new AsyncChannel(CAP);
        return () =>
          pair(
            async () => {
              for (let i = 0; i < n; i++) await ch.push(i);
            },
            async () => {
              let sum = 0;
              for (let i = 0; i < n; i++) sum += await ch.get();
              return sum;
            },
          );
      },
    },
    {
      lib: "channel-ts",
      name: "SimpleChannel send/receive (unbounded)",
      note:
        "no bounded channel: send() is synchronous and never blocks. The producer awaits a resolved " +
        "promise after each send, as the baseline's does; without it the producer would queue all n " +
        "messages first and the row would time Array#shift on a queue of n (several µs per message)",
      make: (n) => {
        const ch = new SimpleChannel();
        return () =>
          pair(
            async () => {
              for (let i = 0; i < n; i++) {
                ch.send(i);
                await RESOLVED;
              }
            },
            async () => {
              let sum = 0;
              for (let i = 0; i < n; i++) sum += await ch.receive();
              return sum;
            },
          );
      },
    },
    {
      lib: "@thi.ng/csp",
      name: "channel(1024) write/read",
      make: (n) => {
        const ch = thing.channel(CAP);
        return () =>
          pair(
            async () => {
              for (let i = 0; i < n; i++) await ch.write(i);
            },
            async () => {
              let sum = 0;
              for (let i = 0; i < n; i++) sum += await ch.read();
              return sum;
            },
          );
      },
    },
    {
      lib: "js-csp",
      name: "go(function*) + chan(1024) put/take",
      make: (n) => {
        const ch = csp.chan(CAP);
        return async () => {
          const [, sum] = await cspAll(
            function* () {
              for (let i = 0; i < n; i++) yield csp.put(ch, i);
            },
            function* () {
              let sum = 0;
              for (let i = 0; i < n; i++) sum += yield csp.take(ch);
              return sum;
            },
          );
          return sum;
        };
      },
    },
    {
      lib: "effect",
      name: "fibers + Queue.bounded(1024) offer/take",
      make: (n) => effectRun(n, false),
    },
    {
      lib: "effect",
      name: "fibers + Queue.bounded(1024) offer/takeBetween(1, 1024)",
      note: "Effect's batch receive, the counterpart of gosync's recvBatch row",
      make: (n) => effectRun(n, true),
    },
  ].map((row) => ({ expect: triangle, ...row }));
}

/** An Effect program: a forked producer fiber offering 0..n-1, the main fiber taking them one at a
 * time or in batches. */
function effectRun(n, batch) {
  const program = Effect.gen(function* () {
    const q = yield* Queue.bounded(CAP);
    const producer = yield* Effect.forkChild(
      Effect.gen(function* () {
        for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
      }),
    );
    let sum = 0;
    if (batch) {
      for (let got = 0; got < n; ) {
        const vs = yield* Queue.takeBetween(q, 1, CAP);
        for (const v of vs) sum += v;
        got += vs.length;
      }
    } else {
      for (let i = 0; i < n; i++) sum += yield* Queue.take(q);
    }
    yield* Fiber.join(producer);
    return sum;
  });
  return () => Effect.runPromise(program);
}

function gosyncRows(g, why) {
  const plain = { lib: "gosync", name: "go() + Chan(1024) send/recv", bar: { ratio: 1.35 } };
  const batch = {
    lib: "gosync",
    name: "go() + Chan(1024) trySend/send + recvBatch(1024)",
    bar: { ns: 60 },
    note: "producer `if (!ch.trySend(v)) await ch.send(v)`, consumer `await ch.recvBatch(1024)`",
  };
  if (!g)
    return [
      { ...plain, na: why },
      { ...batch, na: why },
    ];
  // The producer runs under go(), the consumer is the harness's own task: the pattern a Go program
  // would use, and the consumer finishing last means the run is over.
  return [
    {
      ...plain,
      make: (n) => {
        const ch = new g.Chan(CAP);
        return async () => {
          g.go(async () => {
            for (let i = 0; i < n; i++) await ch.send(i);
          });
          let sum = 0;
          for (let i = 0; i < n; i++) sum += await ch.recv();
          return sum;
        };
      },
    },
    {
      ...batch,
      make: (n) => {
        const ch = new g.Chan(CAP);
        return async () => {
          g.go(async () => {
            for (let i = 0; i < n; i++) if (!ch.trySend(i)) await ch.send(i);
          });
          let sum = 0;
          for (let got = 0; got < n; ) {
            const batch = await ch.recvBatch(CAP);
            for (let k = 0; k < batch.length; k++) sum += batch[k];
            got += batch.length;
          }
          return sum;
        };
      },
    },
  ];
}
