// Workload 2: a channel of capacity 1024, one producer task and one consumer task; one operation is
// one message delivered.
import { AsyncChannel, cspAll, Effect, Fiber, Queue, RESOLVED, SimpleChannel, csp, thing } from "./peers.mjs";

export const title = "2. Buffered channel, cap 1024, 1 producer → 1 consumer (per message)";
export const about =
  "Baseline: two tasks that each await one already-resolved promise per message, which is what a " +
  "channel costs when neither side ever has to block. The producer awaits a shared resolved promise " +
  "(what a send into free buffer space can return); the consumer awaits `Promise.resolve(i)` (a receive " +
  "has to hand over a value, so it needs a promise of its own).";

const CAP = 1024;

/** Starts producer and consumer together and resolves when both are done. */
function pair(produce, consume) {
  return Promise.all([produce(), consume()]);
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
            for (let i = 0; i < n; i++) await Promise.resolve(i);
          },
        ),
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
              for (let i = 0; i < n; i++) await ch.get();
            },
          );
      },
    },
    {
      lib: "channel-ts",
      name: "SimpleChannel send/receive (unbounded)",
      note: "no bounded channel: send() is synchronous and never blocks, so there is no backpressure",
      make: (n) => {
        const ch = new SimpleChannel();
        return () =>
          pair(
            async () => {
              for (let i = 0; i < n; i++) ch.send(i);
            },
            async () => {
              for (let i = 0; i < n; i++) await ch.receive();
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
              for (let i = 0; i < n; i++) await ch.read();
            },
          );
      },
    },
    {
      lib: "js-csp",
      name: "go(function*) + chan(1024) put/take",
      make: (n) => {
        const ch = csp.chan(CAP);
        return () =>
          cspAll(
            function* () {
              for (let i = 0; i < n; i++) yield csp.put(ch, i);
            },
            function* () {
              for (let i = 0; i < n; i++) yield csp.take(ch);
            },
          );
      },
    },
    {
      lib: "effect",
      name: "fibers + Queue.bounded(1024) offer/take",
      make: (n) => {
        const program = Effect.gen(function* () {
          const q = yield* Queue.bounded(CAP);
          const producer = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
            }),
          );
          for (let i = 0; i < n; i++) yield* Queue.take(q);
          yield* Fiber.join(producer);
        });
        return () => Effect.runPromise(program);
      },
    },
    {
      lib: "effect",
      name: "fibers + Queue.bounded(1024) offer/takeBetween(1, 1024)",
      note: "Effect's batch receive, the counterpart of gosync's recvBatch row",
      make: (n) => {
        const program = Effect.gen(function* () {
          const q = yield* Queue.bounded(CAP);
          const producer = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < n; i++) yield* Queue.offer(q, i);
            }),
          );
          for (let got = 0; got < n; ) got += (yield* Queue.takeBetween(q, 1, CAP)).length;
          yield* Fiber.join(producer);
        });
        return () => Effect.runPromise(program);
      },
    },
  ];
}

function gosyncRows(g, why) {
  const plain = { lib: "gosync", name: "go() + Chan(1024) send/recv", bar: { ratio: 1.2 } };
  const batch = {
    lib: "gosync",
    name: "go() + Chan(1024) trySend/send + recvBatch(1024)",
    bar: { ns: 60 },
    note: "producer `if (!ch.trySend(v)) await ch.send(v)`, consumer `await ch.recvBatch(1024)`",
  };
  if (!g) return [{ ...plain, na: why }, { ...batch, na: why }];
  // The producer runs under go(), the consumer is the harness's own task: each pattern a Go program
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
          for (let i = 0; i < n; i++) await ch.recv();
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
          for (let got = 0; got < n; ) got += (await ch.recvBatch(CAP)).length;
        };
      },
    },
  ];
}
