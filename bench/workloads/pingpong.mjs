// Workload 1: unbuffered ping-pong between two tasks; one operation is one round trip.
// Task A sends i on `ping` and waits for the reply on `pong`; task B echoes. Two channels rather than
// one shared "table" so that neither side can ever receive its own message. Every run returns the
// sum of the replies A received, checked against 0 + 1 + ... + (n - 1).
import { MiniChan, note as miniNote } from "./minichan.mjs";
import { AsyncChannel, csp, cspAll, Effect, Fiber, Queue, SimpleChannel, thing, triangle } from "./peers.mjs";

export const title = "1. Unbuffered ping-pong (per round trip)";
export const about =
  "Two tasks bounce a number through two unbuffered channels. Baseline: two async functions handing " +
  "off through a fresh promise per hand-off (create, resolve, await): the cheapest JS can do.";

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  return [
    {
      lib: "baseline",
      name: "bare promises (new Promise per hand-off)",
      baseline: true,
      make: (n) => async () => {
        let wakeA;
        let wakeB;
        const b = (async () => {
          for (let i = 0; i < n; i++) {
            const v = await new Promise((r) => {
              wakeB = r;
            });
            wakeA(v);
          }
        })();
        let sum = 0;
        for (let i = 0; i < n; i++) {
          const reply = new Promise((r) => {
            wakeA = r;
          });
          wakeB(i);
          sum += await reply;
        }
        await b;
        return sum;
      },
    },
    {
      lib: "reference",
      name: "minimal promise channel, send/recv",
      note: miniNote,
      make: (n) => {
        const ping = new MiniChan(0);
        const pong = new MiniChan(0);
        return async () => {
          const b = (async () => {
            for (let i = 0; i < n; i++) await pong.send(await ping.recv());
          })();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            await ping.send(i);
            sum += await pong.recv();
          }
          await b;
          return sum;
        };
      },
    },
    ...gosyncRows(g, why),
    {
      lib: "async-channel",
      name: "Channel(0) push/get",
      make: (n) => {
        const ping = new AsyncChannel(0);
        const pong = new AsyncChannel(0);
        return async () => {
          const b = (async () => {
            for (let i = 0; i < n; i++) await pong.push(await ping.get());
          })();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            await ping.push(i);
            sum += await pong.get();
          }
          await b;
          return sum;
        };
      },
    },
    {
      lib: "channel-ts",
      name: "SimpleChannel send/receive",
      note: "no unbuffered (or bounded) channel: SimpleChannel is unbounded and send() never blocks",
      make: (n) => {
        const ping = new SimpleChannel();
        const pong = new SimpleChannel();
        return async () => {
          const b = (async () => {
            for (let i = 0; i < n; i++) pong.send(await ping.receive());
          })();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            ping.send(i);
            sum += await pong.receive();
          }
          await b;
          return sum;
        };
      },
    },
    {
      lib: "@thi.ng/csp",
      name: "channel(1) write/read",
      note: "no unbuffered channel (the fifo buffer asserts capacity >= 1); capacity 1 is the closest",
      make: (n) => {
        const ping = thing.channel(1);
        const pong = thing.channel(1);
        return async () => {
          const b = (async () => {
            for (let i = 0; i < n; i++) await pong.write(await ping.read());
          })();
          let sum = 0;
          for (let i = 0; i < n; i++) {
            await ping.write(i);
            sum += await pong.read();
          }
          await b;
          return sum;
        };
      },
    },
    {
      lib: "js-csp",
      name: "go(function*) + chan() put/take",
      make: (n) => {
        const ping = csp.chan();
        const pong = csp.chan();
        return async () => {
          const [, sum] = await cspAll(
            function* () {
              for (let i = 0; i < n; i++) yield csp.put(pong, yield csp.take(ping));
            },
            function* () {
              let sum = 0;
              for (let i = 0; i < n; i++) {
                yield csp.put(ping, i);
                sum += yield csp.take(pong);
              }
              return sum;
            },
          );
          return sum;
        };
      },
    },
    {
      lib: "effect",
      name: "fibers + Queue.bounded(0) offer/take",
      make: (n) => {
        const program = Effect.gen(function* () {
          const ping = yield* Queue.bounded(0);
          const pong = yield* Queue.bounded(0);
          const b = yield* Effect.forkChild(
            Effect.gen(function* () {
              for (let i = 0; i < n; i++) yield* Queue.offer(pong, yield* Queue.take(ping));
            }),
          );
          let sum = 0;
          for (let i = 0; i < n; i++) {
            yield* Queue.offer(ping, i);
            sum += yield* Queue.take(pong);
          }
          yield* Fiber.join(b);
          return sum;
        });
        return () => Effect.runPromise(program);
      },
    },
  ].map((row) => ({ expect: triangle, ...row }));
}

function gosyncRows(g, why) {
  const plain = { lib: "gosync", name: "go() + Chan(0) send/recv", bar: { ratio: 2.0 } };
  const eager = {
    lib: "gosync",
    name: "go() + Chan(0) trySend-first/recv",
    bar: { ratio: 2.0 },
    note:
      "sends as `if (!ch.trySend(v)) await ch.send(v)` (the idiom of workload 2's batch row): a send to " +
      "a receiver that is already waiting completes without an await",
  };
  if (!g)
    return [
      { ...plain, na: why },
      { ...eager, na: why },
    ];
  // B echoes under go(); A is the harness's own task and returns once B has finished too.
  const task = () => {
    let finished;
    const done = new Promise((r) => {
      finished = r;
    });
    return { done, finished };
  };
  return [
    {
      ...plain,
      make: (n) => {
        const ping = new g.Chan(0);
        const pong = new g.Chan(0);
        return async () => {
          const b = task();
          g.go(async () => {
            for (let i = 0; i < n; i++) await pong.send(await ping.recv());
            b.finished();
          });
          let sum = 0;
          for (let i = 0; i < n; i++) {
            await ping.send(i);
            sum += await pong.recv();
          }
          await b.done;
          return sum;
        };
      },
    },
    {
      ...eager,
      make: (n) => {
        const ping = new g.Chan(0);
        const pong = new g.Chan(0);
        return async () => {
          const b = task();
          g.go(async () => {
            for (let i = 0; i < n; i++) {
              const v = await ping.recv();
              if (!pong.trySend(v)) await pong.send(v);
            }
            b.finished();
          });
          let sum = 0;
          for (let i = 0; i < n; i++) {
            if (!ping.trySend(i)) await ping.send(i);
            sum += await pong.recv();
          }
          await b.done;
          return sum;
        };
      },
    },
  ];
}
