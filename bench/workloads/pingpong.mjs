// Workload 1: unbuffered ping-pong between two tasks; one operation is one round trip.
// Task A sends i on `ping` and waits for the reply on `pong`; task B echoes. Two channels rather than
// one shared "table" so that neither side can ever receive its own message.
import { AsyncChannel, cspAll, Effect, Fiber, Queue, SimpleChannel, csp, thing } from "./peers.mjs";

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
        for (let i = 0; i < n; i++) {
          const reply = new Promise((r) => {
            wakeA = r;
          });
          wakeB(i);
          await reply;
        }
        await b;
      },
    },
    g
      ? {
          lib: "gosync",
          name: "go() + Chan(0) send/recv",
          bar: { ratio: 1.3 },
          make: (n) => {
            const ping = new g.Chan(0);
            const pong = new g.Chan(0);
            return async () => {
              let finished;
              const done = new Promise((r) => {
                finished = r;
              });
              g.go(async () => {
                for (let i = 0; i < n; i++) await pong.send(await ping.recv());
                finished();
              });
              for (let i = 0; i < n; i++) {
                await ping.send(i);
                await pong.recv();
              }
              await done;
            };
          },
        }
      : { lib: "gosync", name: "go() + Chan(0) send/recv", na: why, bar: { ratio: 1.3 } },
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
          for (let i = 0; i < n; i++) {
            await ping.push(i);
            await pong.get();
          }
          await b;
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
          for (let i = 0; i < n; i++) {
            ping.send(i);
            await pong.receive();
          }
          await b;
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
          for (let i = 0; i < n; i++) {
            await ping.write(i);
            await pong.read();
          }
          await b;
        };
      },
    },
    {
      lib: "js-csp",
      name: "go(function*) + chan() put/take",
      make: (n) => {
        const ping = csp.chan();
        const pong = csp.chan();
        return () =>
          cspAll(
            function* () {
              for (let i = 0; i < n; i++) yield csp.put(pong, yield csp.take(ping));
            },
            function* () {
              for (let i = 0; i < n; i++) {
                yield csp.put(ping, i);
                yield csp.take(pong);
              }
            },
          );
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
          for (let i = 0; i < n; i++) {
            yield* Queue.offer(ping, i);
            yield* Queue.take(pong);
          }
          yield* Fiber.join(b);
        });
        return () => Effect.runPromise(program);
      },
    },
  ];
}
