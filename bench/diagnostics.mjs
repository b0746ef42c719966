// What gosync/debug costs: the ping-pong benchmark (workload 1 of bench/run.mjs: two tasks bounce a
// number through two unbuffered channels; one operation is one round trip) and an uncontended Mutex
// lock/unlock, with each diagnostic on in turn:
//
//   off        nothing enabled (the hooks cost one null test each)
//   tracking   enableTracking(): AsyncLocalStorage task attribution, a record per blocked operation
//   stacks     enableStackCapture(): an Error stack per go() and per blocking call
//   race       enableRaceDetector(): vector clocks on every synchronisation (+ tracking)
//   lockorder  enableLockOrderCheck(): held-lock sets and the order graph (+ tracking), a stack per lock
//
// plus, under the race detector, one read-modify-write of an instrumented object (`s.n = s.n + 1`: a read
// and a write checked, with and without stack capture) against the same on a plain object.
// Tracking cannot be turned off once on, so every mode runs in its own child process.
//
//   npm run build && node --expose-gc bench/diagnostics.mjs
//   node --expose-gc bench/diagnostics.mjs --dist /path/to/dist/esm [--modes off]   (another build)
//   node --expose-gc bench/diagnostics.mjs --baseline /path/to/other/dist/esm --modes off
//     (A/B: the "off" rows of both builds, sampled round-robin in one process)
//
// Prints a Markdown table of ns per operation (median of the rounds, ± half the interquartile range;
// the ratio to "off" in parentheses).

import { spawnSync } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { formatNs, measure } from "./harness.mjs";

const MODES = ["off", "tracking", "stacks", "race", "lockorder"];

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const dist = arg("--dist", fileURLToPath(new URL("../dist/esm", import.meta.url)));
const child = arg("--child", undefined);

if (child !== undefined) await runChild(child);
else runParent();

function runParent() {
  const modes = (arg("--modes", MODES.join(",")) ?? "").split(",");
  const rounds = arg("--rounds", "9");
  const results = [];
  for (const mode of modes) {
    const r = spawnSync(
      process.execPath,
      [
        "--expose-gc",
        fileURLToPath(import.meta.url),
        "--child",
        mode,
        "--dist",
        dist,
        "--rounds",
        rounds,
        ...(arg("--baseline", undefined) === undefined ? [] : ["--baseline", arg("--baseline", "")]),
      ],
      { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] },
    );
    if (r.status !== 0) throw new Error(`mode ${mode} failed (status ${r.status})`);
    results.push({ mode, rows: JSON.parse(r.stdout.trim().split("\n").at(-1)) });
  }
  const names = [...new Set(results.flatMap((r) => r.rows.map((row) => row.name)))];
  const off = results.find((r) => r.mode === "off");
  const fmt = (row, base) => {
    if (row === undefined) return "—";
    if (row.na !== undefined) return row.na;
    const ratio = base !== undefined && base !== row ? ` (${(row.ns / base.ns).toFixed(1)}x)` : "";
    return `${formatNs(row.ns)} ±${(row.spread * 50).toFixed(0)}%${ratio}`;
  };
  console.log(`Node ${process.version}, ${dist}\n`);
  console.log(`| ns per operation | ${results.map((r) => r.mode).join(" | ")} |`);
  console.log(`|---|${results.map(() => "---").join("|")}|`);
  for (const n of names) {
    const base = off?.rows.find((row) => row.name === n);
    const cells = results.map((r) =>
      fmt(
        r.rows.find((row) => row.name === n),
        base,
      ),
    );
    console.log(`| ${n} | ${cells.join(" | ")} |`);
  }
}

async function runChild(mode) {
  const g = await import(pathToFileURL(`${dist}/index.js`).href);
  const d = await import(pathToFileURL(`${dist}/debug/index.js`).href);
  const quiet = () => {};
  if (mode === "tracking") d.enableTracking();
  else if (mode === "stacks") d.enableStackCapture();
  else if (mode === "race") d.enableRaceDetector({ onReport: quiet });
  else if (mode === "lockorder") d.enableLockOrderCheck({ onReport: quiet });
  else if (mode !== "off") throw new Error(`unknown mode ${mode}`);

  const rows = coreRows(g, "");
  const baseline = arg("--baseline", undefined);
  if (baseline !== undefined && mode === "off") {
    // A/B in one process, samples interleaved round by round: the same rows on another build.
    rows.push(...coreRows(await import(pathToFileURL(`${baseline}/index.js`).href), " (baseline build)"));
  }
  if (mode === "off" || mode === "race") {
    // The race detector's price per checked access (off: instrument() returns the object itself).
    const instrumented = () => (typeof d.instrument === "function" ? d.instrument({ n: 0 }) : { n: 0 });
    const rmw = (name) => ({
      lib: "gosync",
      name,
      expect: (n) => n,
      make: (n) => async () => {
        const s = instrumented();
        for (let i = 0; i < n; i++) s.n = s.n + 1; // one epoch: FastTrack's fast path after the first
        return s.n;
      },
    });
    const locked = (name) => ({
      lib: "gosync",
      name,
      expect: (n) => n,
      make: (n) => async () => {
        const s = instrumented();
        const mu = new g.Mutex();
        for (let i = 0; i < n; i++) {
          await mu.lock();
          s.n = s.n + 1; // a new epoch each time (the unlock released): both accesses recorded
          mu.unlock();
        }
        return s.n;
      },
    });
    rows.push(rmw("instrumented s.n = s.n + 1"), locked("lock; s.n = s.n + 1; unlock"));
    if (mode === "race") {
      const noStacks = () => d.enableRaceDetector({ onReport: quiet, stacks: false });
      rows.push(
        { ...rmw("instrumented s.n = s.n + 1 (no stacks)"), setup: noStacks },
        { ...locked("lock; s.n = s.n + 1; unlock (no stacks)"), setup: noStacks },
      );
    }
  }
  // Rows needing other settings run last, after their setup.
  const plain = rows.filter((r) => r.setup === undefined);
  const special = rows.filter((r) => r.setup !== undefined);
  const opts = { rounds: Number(arg("--rounds", "9")), targetMs: 40, minN: 64 };
  const measured = await measure(plain, opts);
  for (const r of special) {
    r.setup();
    measured.push(...(await measure([r], opts)));
  }
  const out = measured.map((m) => ({ name: m.name, ns: m.nsPerOp, spread: m.spread, na: m.na }));
  console.log(JSON.stringify(out));
}

/** The ping-pong and Mutex rows on the build `g`, `label` appended to their names. */
function coreRows(g, label) {
  return [
    {
      lib: "gosync",
      name: `ping-pong round trip${label}`,
      expect: (n) => (n * (n - 1)) / 2,
      make: (n) => async () => {
        const ping = new g.Chan();
        const pong = new g.Chan();
        const done = new g.Chan();
        g.go(async () => {
          for (let i = 0; i < n; i++) await pong.send(await ping.recv());
          await done.send();
        });
        let sum = 0;
        for (let i = 0; i < n; i++) {
          await ping.send(i);
          sum += await pong.recv();
        }
        await done.recv();
        return sum;
      },
    },
    {
      lib: "gosync",
      name: `Mutex lock+unlock${label}`,
      expect: (n) => n,
      make: (n) => async () => {
        const mu = new g.Mutex();
        let held = 0;
        for (let i = 0; i < n; i++) {
          await mu.lock();
          held++;
          mu.unlock();
        }
        return held;
      },
    },
  ];
}
