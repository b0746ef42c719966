// A small timing harness for asynchronous workloads.
//
// Why not mitata: mitata times one call per iteration, so for asynchronous workloads it would also
// time its own per-iteration promise plumbing, and one ping-pong "call" would include starting and
// joining two tasks. Here a row times a whole run of n operations (tasks started once, n hand-offs,
// tasks joined) and divides by n, so fixed costs amortise away and only the per-operation cost remains.
//
// Noise: the machine is shared and has 2 cores, so each sample starts with an empty young
// generation, the rows of a workload are sampled round-robin (a slow phase of the machine hits every
// row rather than one), and the reported figure is the median of the rounds, with the interquartile
// spread beside it.
//
// Only a minor GC (scavenge) before each sample, never a full one: on Node 20 a forced full GC
// throws away optimised code, so every sample would re-run its first thousands of operations in the
// interpreter (measured: select over 10k ops cost 1.4 µs/op after gc() against 0.1 µs/op without).

/**
 * One line of a workload's table. `make(n)` does the untimed setup for n operations and returns the
 * function to time; `na` (instead of make) says why the library cannot express the workload.
 * `make(n)()` may return a checksum, compared with `expect(n)` after every run.
 * `bar` is the target this row must reach: `{ ratio }` (at most that multiple of the baseline row)
 * or `{ ns }` (at most that many nanoseconds per operation).
 * @typedef {{ lib: string, name: string, make?: (n: number) => () => unknown, na?: string,
 *   baseline?: boolean, bar?: { ratio?: number, ns?: number }, note?: string,
 *   expect?: (n: number) => unknown }} Row
 */

/**
 * A row with its figures: the median ns/op, the spread, and the samples in round order (so a row can
 * be compared with the baseline round by round, see report.mjs ratioOf).
 * @typedef {Row & { nsPerOp?: number, spread?: number, samples?: number[], n?: number }} Measured
 */

const gc = globalThis.gc ? () => globalThis.gc({ type: "minor" }) : () => {};

/** Milliseconds since an arbitrary origin, high resolution. */
const now = () => performance.now();

const TIMEOUT_MS = 60_000;

/**
 * Awaits a run, failing after TIMEOUT_MS. A library bug that strands a task would otherwise either
 * hang the suite or, once nothing is left scheduled, let Node exit silently half-way through it.
 */
async function guarded(promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no result after ${TIMEOUT_MS / 1000} s (stuck?)`)),
      TIMEOUT_MS,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Times one run of n operations, setup (make) excluded; returns ns per operation. A run returns a
 * checksum (values received, selects completed, contexts cancelled...) that must equal
 * `row.expect(n)`: a library that is fast because it silently skipped the work fails loudly.
 */
async function sample(row, n) {
  const run = row.make(n);
  gc();
  const t0 = now();
  const out = await guarded(run());
  const t1 = now();
  if (row.expect && out !== row.expect(n)) {
    throw new Error(`wrong result: got ${out}, expected ${row.expect(n)} (n = ${n})`);
  }
  return ((t1 - t0) * 1e6) / n;
}

/**
 * Picks n so that one run lasts about targetMs. Doubling from a small n doubles as warm-up. The
 * first estimate comes from code that was still being optimised and so is too slow (n too small),
 * hence the re-measuring at the chosen n until a run lasts at least half the target.
 */
async function calibrate(row, targetMs, minN) {
  const MAX_N = 1 << 24;
  let n = minN;
  let ms;
  for (;;) {
    ms = (n * (await sample(row, n))) / 1e6;
    if (ms >= targetMs / 4 || n >= MAX_N) break;
    n *= 2;
  }
  for (let i = 0; i < 4; i++) {
    n = Math.min(MAX_N, Math.max(minN, Math.ceil((n * targetMs) / Math.max(ms, 0.001))));
    ms = (n * (await sample(row, n))) / 1e6;
    if (ms >= targetMs / 2 || n >= MAX_N) break;
  }
  return n;
}

export function quantile(sorted, q) {
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
  const failed = new Map();
  const ns = new Map();
  const sizes = new Map();
  const attempt = async (row, f) => {
    try {
      await f();
    } catch (e) {
      failed.set(row, `failed: ${e?.message ?? e}`);
      log(`  ${row.lib} ${row.name}: ${failed.get(row)}`);
    }
  };
  for (const row of rows.filter((r) => !r.na)) {
    await attempt(row, async () => {
      sizes.set(row, await calibrate(row, targetMs, minN));
      ns.set(row, []);
    });
  }
  for (let round = 0; round < rounds; round++) {
    for (const row of ns.keys()) {
      if (!failed.has(row))
        await attempt(row, async () => ns.get(row).push(await sample(row, sizes.get(row))));
    }
  }
  return rows.map((row) => {
    if (failed.has(row)) return { ...row, na: failed.get(row) };
    if (row.na) return { ...row };
    const sorted = [...ns.get(row)].sort((a, b) => a - b);
    const median = quantile(sorted, 0.5);
    const spread = (quantile(sorted, 0.75) - quantile(sorted, 0.25)) / median;
    log(
      `  ${`${row.lib} ${row.name}`.padEnd(58)} ${formatNs(median).padStart(10)}  ±${(spread * 50).toFixed(1)}%`,
    );
    return { ...row, nsPerOp: median, spread, samples: ns.get(row), n: sizes.get(row) };
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
