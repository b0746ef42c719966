// Workload 7c: duplicate suppression. 100 callers ask for the same key at once; one call of the
// loader runs and all 100 get its value. One operation is one such flight. Every run returns the sum
// of the values the callers received (1 each), checked against 100 × n, and fails if the loader ran
// other than once per flight.

export const title = "7c. SingleFlight, 100 concurrent callers on one key (per flight)";
export const about =
  "100 async callers started together each await the value for one key; the loader (an async " +
  "function returning 1) must run once per flight, its value going to all 100. One operation is one " +
  "flight. Baseline: a hand-written `Map` of in-flight promises (get; on a miss, call the loader, " +
  "store its promise, delete it when it settles). The peer libraries have no duplicate suppression.";

const CALLERS = 100;

/** @param {typeof import("../../dist/esm/index.js") | undefined} g @param {string} [why] */
export function rows(g, why) {
  const gosync = { lib: "gosync", name: "(await sf.do(key, load)).value", bar: { ratio: 1.2 } };
  const reason = g ? (g.SingleFlight ? undefined : "dist/esm does not export SingleFlight") : why;
  /** The loader and its call count: the checksum needs exactly one call per flight. */
  const loader = () => {
    const l = {
      calls: 0,
      load: async () => {
        l.calls++;
        return 1;
      },
    };
    return l;
  };
  const check = (l, n, sum) => {
    if (l.calls !== n) throw new Error(`${l.calls} loader calls for ${n} flights`);
    return sum;
  };
  return [
    {
      lib: "baseline",
      name: "hand-written Map of in-flight promises",
      baseline: true,
      make: (n) => {
        const l = loader();
        const inflight = new Map();
        const dedupe = (key, fn) => {
          let p = inflight.get(key);
          if (p === undefined) {
            p = fn().finally(() => inflight.delete(key));
            inflight.set(key, p);
          }
          return p;
        };
        return async () => {
          let sum = 0;
          for (let i = 0; i < n; i++) {
            let left = CALLERS;
            let release;
            const all = new Promise((r) => {
              release = r;
            });
            for (let k = 0; k < CALLERS; k++) {
              (async () => {
                const v = await dedupe("key", l.load);
                sum += v; // not `sum += await ...`, which would add to the sum read before the await
                if (--left === 0) release();
              })();
            }
            await all;
          }
          return check(l, n, sum);
        };
      },
    },
    reason
      ? { ...gosync, na: reason }
      : {
          ...gosync,
          make: (n) => {
            const l = loader();
            const sf = new g.SingleFlight();
            return async () => {
              let sum = 0;
              for (let i = 0; i < n; i++) {
                let left = CALLERS;
                let release;
                const all = new Promise((r) => {
                  release = r;
                });
                for (let k = 0; k < CALLERS; k++) {
                  (async () => {
                    const { value } = await sf.do("key", l.load);
                    sum += value;
                    if (--left === 0) release();
                  })();
                }
                await all;
              }
              return check(l, n, sum);
            };
          },
        },
  ].map((row) => ({ expect: (n) => n * CALLERS, ...row }));
}
