// A small timing harness for asynchronous workloads.
//
// Why not mitata: mitata times one call per iteration, so for asynchronous workloads it would also
// time its own per-iteration promise plumbing, and one ping-pong "call" would include starting and
// joining two tasks. Here a row times a whole run of n operations (tasks started once, n hand-offs,
// tasks joined) and divides by n, so fixed costs amortise away and only the per-operation cost remains.
//
// Noise: the machine is shared and has 2 cores, so each sample is taken after a forced GC, the rows
// of a workload are sampled round-robin (a slow phase of the machine hits every row rather than one),
// and the reported figure is the median of the rounds, with the interquartile spread beside it.

/**
 * One line of a workload's table. `make(n)` does the untimed setup for n operations and returns the
 * function to time; `na` (instead of make) says why the library cannot express the workload.
 * `bar` is the target this row must reach: `{ ratio }` (at most that multiple of the baseline row)
 * or `{ ns }` (at most that many nanoseconds per operation).
 * @typedef {{ lib: string, name: string, make?: (n: number) => () => unknown, na?: string,
 *   baseline?: boolean, bar?: { ratio?: number, ns?: number }, note?: string }} Row
 */

/** @typedef {Row & { nsPerOp?: number, spread?: number, samples?: number[], n?: number }} Measured */

const gc = globalThis.gc ?? (() => {});

/** Milliseconds since an arbitrary origin, high resolution. */
const now = () => performance.now();

/** Times one run of n operations, setup (make) excluded; returns ns per operation. */
async function sample(row, n) {
  const run = row.make(n);
  gc();
  const t0 = now();
  await run();
  const t1 = now();
  return ((t1 - t0) * 1e6) / n;
}

/**
 * Picks n so that one run lasts about targetMs. Doubling from a small n doubles as warm-up: by the
 * time n is chosen every code path has been run enough times for V8 to optimise it.
 */
async function calibrate(row, targetMs, minN) {
  let n = minN;
  for (;;) {
    const ns = await sample(row, n);
    const ms = (ns * n) / 1e6;
    if (ms >= targetMs / 4 || n >= 1 << 24) {
      return Math.max(minN, Math.ceil((n * targetMs) / Math.max(ms, 0.001)));
    }
    n *= 2;
  }
}

function quantile(sorted, q) {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (i - lo);
}

/**
 * Measures every runnable row of a workload. Rows with `na` are passed through untouched.
 * @param {Row[]} rows
 * @param {{ rounds?: number, targetMs?: number, minN?: number, log?: (s: string) => void }} [opts]
 * @returns {Promise<Measured[]>}
 */
export async function measure(rows, opts = {}) {
  const { rounds = 11, targetMs = 30, minN = 16, log = () => {} } = opts;
  const live = rows.filter((r) => !r.na);
  const ns = new Map(live.map((r) => [r, []]));
  const sizes = new Map();
  for (const row of live) {
    const n = await calibrate(row, targetMs, minN);
    await sample(row, n); // one more warm-up at the final size
    sizes.set(row, n);
  }
  for (let round = 0; round < rounds; round++) {
    for (const row of live) ns.get(row).push(await sample(row, sizes.get(row)));
  }
  return rows.map((row) => {
    if (row.na) return { ...row };
    const sorted = [...ns.get(row)].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    const spread = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / median;
    log(`  ${`${row.lib} ${row.name}`.padEnd(58)} ${formatNs(median).padStart(10)}  ±${(spread * 50).toFixed(1)}%`);
    return { ...row, nsPerOp: median, spread, samples: sorted, n: sizes.get(row) };
  });
}

/** "123 ns", "4.56 µs", "0.71 ms": three significant digits, unit chosen for readability. */
export function formatNs(ns) {
  if (ns === undefined) return "n/a";
  const sig = (x) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  if (ns < 1e3) return `${sig(ns)} ns`;
  if (ns < 1e6) return `${sig(ns / 1e3)} µs`;
  return `${sig(ns / 1e6)} ms`;
}
