// Workload 8: gosync/threads (built code, dist/esm), side by side with what Node users reach for
// without it, in the same run as the rest of `npm run bench`:
//
//   8a. ThreadPool: 10,000 trivial tasks on 2 threads at once (per task), against piscina and
//       tinypool with 2 threads each (bar: at least 10× their throughput, i.e. ≤ 0.1× piscina's time);
//   8b. Mutex contended by 2 worker threads with lockSync (per lock + unlock), against a bare
//       futex-style CAS/wait mutex written out below (bar: ≤ 1.5× it);
//   8c+. SharedChan and SharedMap: bench/threads-chan.mjs, when that file is present (see chanSections).
//
// Threads are started once per row, before timing; a timed run only signals them through shared
// memory and waits for them to finish, so thread start-up is never in a figure.
//
//   npm run build && node --expose-gc bench/run.mjs --only=8a,8b   (or: node bench/threads.mjs)

import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { Piscina } from "piscina";
import { Tinypool } from "tinypool";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const TASK = here("./workloads/pool-task.mjs");
const DIST_THREADS = pathToFileURL(here("../dist/esm/threads/index.js")).href;
const THREADS = 2;
/** Tasks in flight at once: the issue's 10,000. */
const WAVE = 10_000;

export const titlePool = "8a. ThreadPool, 10,000 trivial tasks on 2 threads (per task)";
export const aboutPool =
  "10,000 calls of a trivial exported function (`x + 1`) submitted at once to a pool of 2 threads, " +
  "all awaited (a run of n tasks goes in waves of 10,000); every result is checked. Baseline: " +
  "piscina with 2 threads; tinypool with 2 threads beside it. Both post one message per task and " +
  "one per result; gosync's ThreadPool writes small arguments and results into a shared-memory " +
  "slot queue and wakes each side once per batch (docs/threads-pool.md).";
export const titleMutex = "8b. Mutex contended by 2 worker threads, lockSync (per lock + unlock)";
export const aboutMutex =
  "Two worker threads each loop over lock, increment a plain shared counter, unlock (n operations " +
  "split between them); the counter is checked against n, so a lock that lets two in at once fails " +
  "the run. Baseline: a bare futex-style mutex (Drepper's mutex #3: one CAS to lock, one atomic " +
  "decrement to unlock, Atomics.wait/notify only when contended, 100 spins first, as gosync's), the " +
  "floor for any mutex over SharedArrayBuffer. gosync's threads.Mutex adds a FIFO queue of sleepers " +
  "and Go's starvation hand-off on top.";

// ---- 8a: pools ----

async function poolRows(T, why) {
  const count = (results, sum) => {
    let ok = sum;
    for (let j = 0; j < results.length; j++) if (results[j] === j + 1) ok++;
    return ok;
  };
  const waves = (submit) => async (n) => {
    let ok = 0;
    for (let done = 0; done < n; done += WAVE) {
      const k = Math.min(WAVE, n - done);
      const ps = new Array(k);
      for (let j = 0; j < k; j++) ps[j] = submit(j);
      ok = count(await Promise.all(ps), ok);
    }
    return ok;
  };
  const piscina = new Piscina({ filename: TASK, minThreads: THREADS, maxThreads: THREADS });
  const tinypool = new Tinypool({ filename: TASK, minThreads: THREADS, maxThreads: THREADS });
  const gosync = T?.ThreadPool ? new T.ThreadPool(TASK, { size: THREADS }) : null;
  // Warm every pool's threads up (start-up is not what is measured).
  await Promise.all([
    piscina.run(1, { name: "inc" }),
    tinypool.run(1, { name: "inc" }),
    gosync?.run("inc", [1]),
  ]);
  const expect = (n) => n;
  const rows = [
    {
      lib: "piscina",
      name: "run(x, { name }) × 10,000, awaited together",
      baseline: true,
      expect,
      make: (n) => () => waves((j) => piscina.run(j, { name: "inc" }))(n),
    },
    {
      lib: "tinypool",
      name: "run(x, { name }) × 10,000, awaited together",
      expect,
      make: (n) => () => waves((j) => tinypool.run(j, { name: "inc" }))(n),
    },
    gosync
      ? {
          lib: "gosync",
          name: 'ThreadPool run("inc", [x]) × 10,000, awaited together',
          bar: { ratio: 0.1 },
          expect,
          make: (n) => () => waves((j) => gosync.run("inc", [j]))(n),
        }
      : { lib: "gosync", name: "ThreadPool", na: why ?? "dist/esm/threads does not export ThreadPool" },
  ];
  const close = () => Promise.all([piscina.destroy(), tinypool.destroy(), gosync?.close()]);
  return { rows, close };
}

// ---- 8b: a mutex between two threads ----

const CTL_GO = 0;
const CTL_N = 1;
const CTL_DONE = 2;
const CTL_READY = 3;

/**
 * The worker body (CommonJS, evaluated): waits for a go signal, does its share of lock/increment/
 * unlock, reports, and waits again. The two loops are written out in full so both rows pay the same
 * (no callback per operation).
 */
const MUTEX_WORKER = `
const { workerData } = require("node:worker_threads");
(async () => {
  const { kind, ctl: ctlBuf, counter, mutex, dist, handle } = workerData;
  const ctl = new Int32Array(ctlBuf);
  const cell = new Int32Array(counter);
  let mu = null;
  if (kind === "gosync") mu = (await import(dist)).attach(handle);
  const m = new Int32Array(mutex);
  Atomics.add(ctl, ${CTL_READY}, 1);
  Atomics.notify(ctl, ${CTL_READY});
  let gen = 0;
  for (;;) {
    Atomics.wait(ctl, ${CTL_GO}, gen);
    gen = Atomics.load(ctl, ${CTL_GO});
    if (gen < 0) return;
    const n = Atomics.load(ctl, ${CTL_N});
    if (kind === "gosync") {
      for (let i = 0; i < n; i++) {
        mu.lockSync();
        cell[0]++;
        mu.unlock();
      }
    } else {
      for (let i = 0; i < n; i++) {
        // lock: Drepper's mutex #3 (0 free, 1 held, 2 held with possible sleepers)
        let c = Atomics.compareExchange(m, 0, 0, 1);
        if (c !== 0) {
          for (let s = 0; s < 100 && c !== 0; s++) {
            if (Atomics.load(m, 0) === 0) c = Atomics.compareExchange(m, 0, 0, 1);
          }
          if (c !== 0) {
            if (c !== 2) c = Atomics.exchange(m, 0, 2);
            while (c !== 0) {
              Atomics.wait(m, 0, 2);
              c = Atomics.exchange(m, 0, 2);
            }
          }
        }
        cell[0]++;
        // unlock
        if (Atomics.sub(m, 0, 1) !== 1) {
          Atomics.store(m, 0, 0);
          Atomics.notify(m, 0, 1);
        }
      }
    }
    Atomics.add(ctl, ${CTL_DONE}, 1);
    Atomics.notify(ctl, ${CTL_DONE});
  }
})();
`;

const waitAsync = (i32, index, value) => Atomics.waitAsync(i32, index, value);

async function until(ctl, index, want) {
  for (;;) {
    const v = Atomics.load(ctl, index);
    if (v >= want) return;
    const r = waitAsync(ctl, index, v);
    if (r.async) await r.value;
  }
}

/** Two threads contending for one mutex of `kind`; `run(n)` times n lock + unlock in all. */
async function mutexPair(kind, T) {
  const ctl = new Int32Array(new SharedArrayBuffer(16));
  const counter = new SharedArrayBuffer(4);
  const mutex = new SharedArrayBuffer(4);
  const data = { kind, ctl: ctl.buffer, counter, mutex, dist: DIST_THREADS };
  if (kind === "gosync") data.handle = new T.Mutex().handle;
  const workers = [0, 1].map(() => new Worker(MUTEX_WORKER, { eval: true, workerData: data }));
  for (const w of workers) w.on("error", (e) => console.error(`mutex bench worker (${kind}):`, e));
  await until(ctl, CTL_READY, 2);
  const cell = new Int32Array(counter);
  return {
    run: async (n) => {
      const half = Math.floor(n / 2);
      cell[0] = 0;
      Atomics.store(ctl, CTL_DONE, 0);
      Atomics.store(ctl, CTL_N, half);
      Atomics.add(ctl, CTL_GO, 1);
      Atomics.notify(ctl, CTL_GO);
      await until(ctl, CTL_DONE, 2);
      return cell[0];
    },
    close: async () => {
      Atomics.store(ctl, CTL_GO, -1);
      Atomics.notify(ctl, CTL_GO);
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function mutexRows(T, why) {
  const bare = await mutexPair("futex");
  const ours = T?.Mutex ? await mutexPair("gosync", T) : null;
  const expect = (n) => 2 * Math.floor(n / 2);
  const rows = [
    {
      lib: "baseline",
      name: "bare futex-style CAS/wait mutex, 2 threads",
      baseline: true,
      expect,
      make: (n) => () => bare.run(n),
    },
    ours
      ? {
          lib: "gosync",
          name: "threads.Mutex lockSync(); unlock(), 2 threads",
          bar: { ratio: 1.5 },
          expect,
          make: (n) => () => ours.run(n),
        }
      : { lib: "gosync", name: "threads.Mutex", na: why ?? "dist/esm/threads does not export Mutex" },
  ];
  return { rows, close: () => Promise.all([bare.close(), ours?.close()]) };
}

// ---- 8c+: channels and the map, from bench/threads-chan.mjs ----

/**
 * SharedChan and SharedMap workloads live in bench/threads-chan.mjs (the channel side's own file,
 * which runs its workers from that file), run here as a child process. Hook: if it understands
 * `--sections-json`, it prints its sections in report.mjs's shape (`[{ id, title, about, unit: "ns",
 * results: [...] }]`) as the last line of stdout. Otherwise its printout is read: each "X. title"
 * block of `name  123 ns  ratio` lines becomes a section (the row marked "(baseline)" is the
 * baseline; the issue's bars are attached to the rows they are about), with its "bars:" block as a
 * note; if nothing can be read, the printout itself is kept as the section's text.
 */
function chanSections(quick, log) {
  const file = here("./threads-chan.mjs");
  if (!existsSync(file)) return [];
  const json = readFileSync(file, "utf8").includes("--sections-json");
  log("\n8c. SharedChan and SharedMap (bench/threads-chan.mjs, in a child process)");
  let out;
  try {
    out = execFileSync(
      process.execPath,
      [file, ...(quick ? ["--quick"] : []), ...(json ? ["--sections-json"] : [])],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], timeout: 600_000 },
    );
  } catch (e) {
    return [
      {
        id: "8c",
        title: "8c. SharedChan and SharedMap",
        about: `bench/threads-chan.mjs failed: ${e.message.split("\n")[0]}`,
        unit: "ns",
        results: [],
      },
    ];
  }
  if (json) return JSON.parse(out.trim().split("\n").pop());
  log(out.replace(/^/gm, "  "));
  return parseChanOutput(out);
}

/** The bars the issue sets for these workloads, by row name. */
const CHAN_BARS = [
  [/SharedChan.*cap 1024, recv one at a time/, { ns: 150 }],
  [/SharedChan.*recvBatch/, { ns: 60 }],
  [/unbuffered SharedChan ping-pong/, { ratio: 0.1 }],
];

export function parseChanOutput(out) {
  const sections = [];
  const lines = out.split("\n");
  const head = lines.slice(0, 2).join(" ").trim();
  let barsAt = lines.findIndex((l) => l.trim() === "bars:");
  const bars =
    barsAt >= 0
      ? lines
          .slice(barsAt + 1)
          .map((l) => l.trim())
          .filter(Boolean)
      : [];
  if (barsAt < 0) barsAt = lines.length;
  let current = null;
  for (const line of lines.slice(0, barsAt)) {
    const title = /^([A-Z])\. (.+)$/.exec(line.trim());
    if (title) {
      const id = `8${String.fromCharCode("c".charCodeAt(0) + sections.length)}`;
      current = {
        id,
        title: `${id}. ${title[2]}`,
        about: `From bench/threads-chan.mjs (run in a child process: ${head}); its own rounds and medians.`,
        unit: "ns",
        results: [],
      };
      sections.push(current);
      continue;
    }
    const row = /^\s+(.+?)\s{2,}(\d+(?:\.\d+)?) ns\s+(.*)$/.exec(line);
    if (current && row) {
      const name = row[1].trim();
      const baseline = /baseline/.test(row[3]);
      const bar = CHAN_BARS.find(([re]) => re.test(name))?.[1];
      current.results.push({
        lib: baseline
          ? "baseline"
          : /^reference:/.test(name)
            ? "reference"
            : /^MessagePort/.test(name)
              ? "node"
              : "gosync",
        name,
        baseline,
        value: Number(row[2]),
        ...(bar ? { bar } : {}),
      });
    }
  }
  if (sections.length === 0 || sections.some((s) => s.results.length === 0)) {
    return [
      {
        id: "8c",
        title: "8c. SharedChan and SharedMap (bench/threads-chan.mjs)",
        about: `Its own run, printed as is:\n\n\`\`\`text\n${out.trimEnd()}\n\`\`\``,
        unit: "ns",
        results: [],
      },
    ];
  }
  if (bars.length > 0) {
    sections.at(-1).barNote =
      `bench/threads-chan.mjs's own bar check:\n\n${bars.map((b) => `- ${b}`).join("\n")}`;
  }
  return sections;
}

// ---- the section list, for bench/run.mjs ----

async function loadThreads() {
  try {
    return { T: await import(DIST_THREADS) };
  } catch (e) {
    return { why: `dist/esm/threads not built (${e.code ?? e.message})` };
  }
}

/**
 * The threads workloads as bench/run.mjs sections. `workload(id, title, about, rows, opts)` measures
 * (or skips, under --only) one section as run.mjs does for the others.
 */
export async function threadSections({ workload, wanted, quick, log }) {
  const { T, why } = await loadThreads();
  const sections = [];
  // One task is 1-50 µs: start calibration from a whole wave.
  if (wanted("8a")) {
    const { rows, close } = await poolRows(T, why);
    sections.push(await workload("8a", titlePool, aboutPool, rows, { minN: WAVE }));
    await close();
  }
  if (wanted("8b")) {
    const { rows, close } = await mutexRows(T, why);
    sections.push(await workload("8b", titleMutex, aboutMutex, rows, { minN: 1 << 14 }));
    await close();
  }
  if (wanted("8c")) sections.push(...chanSections(quick, log)); // 8c, 8d, 8e: one child run
  return sections;
}

// Standalone: node bench/threads.mjs [--quick]
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { measure, formatNs } = await import("./harness.mjs");
  const quick = process.argv.includes("--quick");
  const timing = quick ? { rounds: 3, targetMs: 10 } : { rounds: 11, targetMs: 40 };
  const log = (s) => process.stdout.write(`${s}\n`);
  const workload = async (id, title, about, rows, opts) => {
    log(`\n${title}`);
    const results = await measure(rows, { ...timing, ...opts, log });
    const base = results.find((r) => r.baseline);
    for (const r of results) {
      if (r.nsPerOp !== undefined && base?.nsPerOp)
        log(`  ${r.lib}: ${formatNs(r.nsPerOp)} = ${(r.nsPerOp / base.nsPerOp).toFixed(3)}× ${base.lib}`);
    }
    return { id, title, about, unit: "ns", results: results.map((r) => ({ ...r, value: r.nsPerOp })) };
  };
  await threadSections({ workload, wanted: () => true, quick, log });
}
