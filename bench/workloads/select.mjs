// Workload 3: select over two channels that both have a value ready; one operation is one select.
// Both channels are created with room for n values and filled before the clock starts, so every
// select finds both cases ready and the timed loop does nothing but select. Every run returns how
// many selects delivered a value, checked against n.
import { csp, Effect, Queue, RESOLVED, thing } from "./peers.mjs";

export const title = "3. Select over 2 ready channels (per select)";
export const about =
  "Both channels are buffered and pre-filled, so every select has two ready cases. Baseline: one " +
  "`await` of an already-resolved promise, the floor for anything that returns a promise.";

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  const gosync = { lib: "gosync", name: "select(recv(a, f), recv(b, f))", bar: { ratio: 3 } };
  return [
    {
      lib: "baseline",
      name: "await of a resolved promise",
      baseline: true,
      make: (n) => async () => {
        let got = 0;
        for (let i = 0; i < n; i++) if ((await RESOLVED) === undefined) got++;
        return got;
      },
    },
    g
      ? {
          ...gosync,
          make: (n) => {
            const a = new g.Chan(n);
            const b = new g.Chan(n);
            for (let i = 0; i < n; i++) a.trySend(i) && b.trySend(i);
            const take = (v) => v;
            return async () => {
              let got = 0;
              for (let i = 0; i < n; i++)
                if ((await g.select(g.recv(a, take), g.recv(b, take))) !== undefined) got++;
              return got;
            };
          },
        }
      : { ...gosync, na: why },
    {
      lib: "async-channel",
      name: "—",
      na: "no select; Promise.race over two get() calls would consume a value from each channel",
    },
    { lib: "channel-ts", name: "—", na: "no select (only tryReceive/receive on one channel)" },
    {
      lib: "@thi.ng/csp",
      name: "select(a, b)",
      note: "receive-only select; not uniformly random (Promise.race over per-channel race() promises)",
      make: (n) => {
        const a = thing.channel(n);
        const b = thing.channel(n);
        for (let i = 0; i < n; i++) a.offer(i) && b.offer(i);
        return async () => {
          let got = 0;
          for (let i = 0; i < n; i++) if ((await thing.select(a, b))[0] !== undefined) got++;
          return got;
        };
      },
    },
    {
      lib: "js-csp",
      name: "go(function*) + alts([a, b])",
      make: (n) => {
        const a = csp.chan(n);
        const b = csp.chan(n);
        for (let i = 0; i < n; i++) csp.offer(a, i) && csp.offer(b, i);
        return () =>
          new Promise((resolve) =>
            csp.takeAsync(
              csp.go(function* () {
                let got = 0;
                for (let i = 0; i < n; i++) if ((yield csp.alts([a, b])).value !== csp.CLOSED) got++;
                return got;
              }),
              resolve,
            ),
          );
      },
    },
    {
      lib: "effect",
      name: "Effect.raceFirst(Queue.take(a), Queue.take(b))",
      note:
        "no select; raceFirst of two takes is the closest, but it is biased (with both ready it " +
        "always takes from the first queue)",
      make: (n) => {
        const program = Effect.gen(function* () {
          const a = yield* Queue.bounded(n);
          const b = yield* Queue.bounded(n);
          Queue.offerAllUnsafe(
            a,
            Array.from({ length: n }, (_, i) => i),
          );
          Queue.offerAllUnsafe(
            b,
            Array.from({ length: n }, (_, i) => i),
          );
          return Effect.gen(function* () {
            let got = 0;
            for (let i = 0; i < n; i++)
              if ((yield* Effect.raceFirst(Queue.take(a), Queue.take(b))) !== undefined) got++;
            return got;
          });
        });
        // Queue construction and filling run here, untimed; only the selecting loop is timed.
        const loop = Effect.runSync(program);
        return () => Effect.runPromise(loop);
      },
    },
  ].map((row) => ({ expect: (n) => n, ...row }));
}
