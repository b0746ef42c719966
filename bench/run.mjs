// Side-by-side benchmarks: gosync (built code, dist/esm) against a bare-JS baseline and the peer
// libraries, every workload in one run. Writes bench/RESULTS.md and bench/chart.svg.
//
//   npm run bench                            build, then run everything (about 90 s on a quiet 2-core machine)
//   node --expose-gc bench/run.mjs --quick   fewer, shorter samples: for working on the suite
//   node --expose-gc bench/run.mjs --only=6b,7a   just these workloads (ids as in RESULTS.md),
//                                            printed only: RESULTS.md and chart.svg are left as they are
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { formatNs, measure } from "./harness.mjs";
import { checkBar, fmtRatio, markdown, num, ratioOf, svg } from "./report.mjs";
import { threadSections } from "./threads.mjs";
import * as buffered from "./workloads/buffered.mjs";
import * as context from "./workloads/context.mjs";
import * as limit from "./workloads/limit.mjs";
import * as locks from "./workloads/locks.mjs";
import { note as miniNote } from "./workloads/minichan.mjs";
import * as pingpong from "./workloads/pingpong.mjs";
import * as select from "./workloads/select.mjs";
import * as semaphore from "./workloads/semaphore.mjs";
import * as singleflight from "./workloads/singleflight.mjs";
import * as waitonce from "./workloads/waitonce.mjs";

const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const quick = process.argv.includes("--quick");
const timing = quick ? { rounds: 3, targetMs: 10 } : { rounds: 21, targetMs: 40 };
const log = (s) => process.stdout.write(`${s}\n`);
const onlyArg = process.argv.find((a) => a.startsWith("--only="));
/** The workload ids to run, or null for all of them (and then the report files are written). */
const only = onlyArg ? new Set(onlyArg.slice("--only=".length).split(",")) : null;
const wanted = (id) => only === null || only.has(id);

if (typeof globalThis.gc !== "function") {
  log("note: run with node --expose-gc so every sample starts with an empty young generation");
}

/** The built library, or the reason it cannot be used (its rows then read n/a, peers still run). */
async function loadGosync() {
  try {
    const g = await import("../dist/esm/index.js");
    const needed = ["go", "Chan", "select", "recv", "background", "withCancel"];
    const missing = needed.filter((k) => !(k in g));
    if (missing.length) return { why: `dist/esm does not export ${missing.join(", ")} yet` };
    return { g };
  } catch (e) {
    return { why: `dist/esm not built (${e.code ?? e.message})` };
  }
}

function machineInfo() {
  const cpus = os.cpus();
  return {
    node: `${process.version} (V8 ${process.versions.v8})`,
    cpu: `${cpus[0]?.model ?? "unknown"} × ${cpus.length} (${os.availableParallelism?.() ?? cpus.length} available)`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    "load average at start (1/5/15 min)": os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / "),
  };
}

/**
 * Measures one workload's rows in this process; `value` is the figure the report shows. `opts` may
 * lower minN for workloads whose one operation is a whole batch (milliseconds each).
 */
async function timed(title, rows, opts = {}) {
  log(`\n${title}`);
  const results = await measure(rows, { ...timing, ...opts, log });
  return results.map((r) => ({ ...r, value: r.nsPerOp }));
}

/** Runs each memory case in its own process (see memory.mjs for why) and collects bytes per task. */
function memory(gs) {
  const one = "one channel shared by all 100,000 tasks";
  const each = "one channel per task (the figure includes the channel itself)";
  const bar = { ratio: 1.15 };
  const spec = [
    { id: "baseline", lib: "baseline", name: "async fn awaiting a pending promise", baseline: true },
    { id: "reference-one", lib: "reference", name: `minimal promise channel: ${one}`, note: miniNote },
    {
      id: "reference-one-observed",
      lib: "reference",
      name: `minimal promise channel + one then() per task: ${one}`,
      note:
        "the floor for any go() that notices its tasks end (to count them and report an error escaping " +
        "one): the row above plus one then() on each task's promise, with shared handlers",
    },
    { id: "gosync-one-go", lib: "gosync", name: `go(): ${one}`, bar },
    { id: "gosync-one-async", lib: "gosync", name: `plain async fn: ${one}`, bar },
    { id: "gosync-each-go", lib: "gosync", name: `go(): ${each}` },
    { id: "async-channel-one", lib: "async-channel", name: one },
    { id: "async-channel-each", lib: "async-channel", name: each },
    { id: "channel-ts-one", lib: "channel-ts", name: one },
    { id: "channel-ts-each", lib: "channel-ts", name: each },
    {
      lib: "@thi.ng/csp",
      name: one,
      na: "at most 1,024 pending reads per channel (MAX_READS); later read()s resolve to undefined at once",
    },
    { id: "thi.ng-each", lib: "@thi.ng/csp", name: each },
    {
      lib: "js-csp",
      name: one,
      na: "at most 1,024 pending takes per channel (MAX_QUEUE_SIZE); the next take throws",
    },
    { id: "js-csp-each", lib: "js-csp", name: `go(function*) processes: ${each}` },
    { id: "effect-one", lib: "effect", name: `Effect.runFork fibers: ${one}` },
    { id: "effect-each", lib: "effect", name: `Effect.runFork fibers: ${each}` },
  ];
  log("\n5. Memory per task blocked on recv (100,000 tasks, one child process per row)");
  return spec.map(({ id, ...row }) => {
    if (row.na) return row;
    if (row.lib === "gosync" && !gs.g) return { ...row, na: gs.why };
    let out;
    try {
      const stdout = execFileSync(process.execPath, ["--expose-gc", here("./memory.mjs"), id], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      });
      out = JSON.parse(stdout.trim().split("\n").pop());
    } catch (e) {
      out = { error: `child process failed: ${e.message.split("\n")[0]}` };
    }
    if (out.error) return { ...row, na: out.error };
    log(`  ${`${row.lib} ${row.name}`.padEnd(90)} ${num(out.bytesPerTask).padStart(8)} B`);
    return { ...row, value: out.bytesPerTask };
  });
}

async function main() {
  const started = new Date();
  const machine = machineInfo();
  const gs = await loadGosync();
  log(`gosync: ${gs.g ? "dist/esm/index.js" : gs.why}`);
  for (const [k, v] of Object.entries(machine)) log(`${k}: ${v}`);

  const { g, why } = gs;
  const workload = async (id, title, about, rows, opts) =>
    wanted(id) ? { id, title, about, unit: "ns", results: await timed(title, rows, opts) } : null;
  /** Whole batches (a group of 1,000 tasks, a batch of 10,000) take 0.1-30 ms: start from n = 1. */
  const batch = { minN: 1 };
  const sections = [
    await workload("1", pingpong.title, pingpong.about, pingpong.rows(g, why)),
    await workload("2", buffered.title, buffered.about, buffered.rows(g, why)),
    await workload("3", select.title, select.about, select.rows(g, why)),
    await workload("4a", `${context.title}: single context`, context.aboutSingle, context.rowsSingle(g, why)),
    await workload(
      "4b",
      `${context.title}: tree of 1,000 children (per tree)`,
      context.aboutTree,
      context.rowsTree(g, why),
    ),
    wanted("5") && {
      id: "5",
      title: "5. Memory per task blocked on recv (100,000 tasks)",
      about:
        "Each row runs in a fresh `node --expose-gc` process: park 100,000 tasks on a receive, let them " +
        "all block, full GC, heapUsed delta ÷ 100,000. Baseline: an async function awaiting a promise " +
        "whose resolver sits in an array (without a reachable resolver the whole task is garbage). The " +
        "bar applies to the shared-channel rows; one-channel-per-task rows also pay for a channel each.",
      unit: "B",
      results: memory(gs),
    },
    await workload("6a", locks.titleUncontended, locks.aboutUncontended, locks.rowsUncontended(g, why)),
    await workload("6b", locks.titleContended, locks.aboutContended, locks.rowsContended(g, why)),
    await workload("6c", locks.titleRW, locks.aboutRW, locks.rowsRW(g, why)),
    await workload("6d", waitonce.titleWG, waitonce.aboutWG, waitonce.rowsWG(g, why), batch),
    await workload("6e", waitonce.titleOnce, waitonce.aboutOnce, waitonce.rowsOnce(g, why)),
    await workload("7a", semaphore.title, semaphore.about, semaphore.rows(g, why)),
    await workload("7b", limit.title, limit.about, limit.rows(g, why), batch),
    await workload("7c", singleflight.title, singleflight.about, singleflight.rows(g, why), batch),
    // 8a-8c: gosync/threads (worker threads over shared memory), see threads.mjs.
    ...(await threadSections({ workload, wanted, quick, log })),
  ].filter(Boolean);
  context.touched();

  const seconds = (Date.now() - started.getTime()) / 1000;
  machine["load average at end (1/5/15 min)"] = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(" / ");
  if (only === null) {
    writeFileSync(here("./RESULTS.md"), markdown({ sections, machine, started, seconds }));
    writeFileSync(here("./chart.svg"), svg(sections));
  }

  log("\nBars:");
  for (const s of sections) {
    for (const r of s.results) {
      const bar = checkBar(s, r);
      if (!bar) continue;
      const figure = r.value === undefined ? "" : s.unit === "ns" ? formatNs(r.value) : `${num(r.value)} B`;
      const ratio = ratioOf(s, r);
      log(
        `  [${s.id}] ${r.name}: ${figure}${ratio ? ` = ${fmtRatio(ratio)} baseline` : ""}; bar ${bar.text}`,
      );
    }
  }
  log(
    only === null
      ? `\nwrote bench/RESULTS.md and bench/chart.svg in ${seconds.toFixed(0)} s`
      : `\n--only: ran ${[...only].join(", ")} in ${seconds.toFixed(0)} s; RESULTS.md and chart.svg left as they were`,
  );
}

await main();
