// gosync/etcd against a real etcd, side by side with Go's own client (clientv3/concurrency Mutex,
// Election and STM, run by bench/go/etcdbench.go, built offline from Debian's etcd 3.4.23 sources in
// GOPATH mode) and the `etcd3` npm package's Lock, Election and STM, all in the same run, so the
// ratios to Go hold on a noisy machine. Writes bench/ETCD-RESULTS.md. Needs etcd (Debian's etcd-server, /usr/bin/etcd, or $ETCD_BIN):
// starts its own single-member etcd on 127.0.0.1 through the test harness (data dir on /dev/shm,
// the same flags as the test suites), so `npm run bench` never needs etcd.
//
//   npm run bench:etcd                            everything (about a minute and a half)
//   node --import tsx bench/etcd.mjs --quick      fewer, shorter rounds; prints, writes nothing
//
// Runs the TypeScript sources through tsx (esbuild output: the same JavaScript tsc emits for dist).
// Method: the rows of a workload are measured round-robin, several rounds each (a slow phase of the
// shared 2-core machine hits every row, not one), and each row reports its median round.
// - sequential: one session (or one etcd3 client), lock then unlock, back to back; per operation
//   latency; a round's figure is the median latency (p90 beside it).
// - contended: 10 sessions on one etcd, each in a loop of lock, unlock; a round's figure is the total
//   number of acquisitions per second over the round.
// - STM: 10 accounts, 4 concurrent loops of random transfers (read both balances, write both), each
//   transfer one SerializableSnapshot transaction retried until it commits; committed transfers per
//   second; the total is checked afterwards.
import { execFileSync, spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { Etcd3 } from "etcd3";
import { connect, Election, Mutex, Session, stm, text } from "../src/etcd/index.js";
import { EtcdServer, etcdBinary } from "../test/etcd/harness.js";
import { buildGo } from "../test/etcd/interop/peer.js";

const quick = process.argv.includes("--quick");
const ROUNDS = quick ? 2 : 5;
const SEQ_OPS = quick ? 200 : 600;
const ROUND_MS = quick ? 700 : 2000;
const log = (s) => process.stdout.write(`${s}\n`);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));

let seq = 0;
const prefix = (name) => `/gosync-bench/${name}-${++seq}`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const median = (xs) => quantile(xs, 0.5);

// ---- workloads: each row is { name, setup() -> { round() -> figure(s), close() } } -----------------

let goBin = "";

/**
 * A row run by Go's client (bench/go/etcdbench.go) in its own process: `round(n)` sends "round n"
 * and resolves to the figure it prints ({ value, p90?, note? }).
 */
function goRow(name, workload, endpoint) {
  return {
    lib: "Go clientv3",
    name,
    go: true,
    async setup() {
      const child = spawn(
        goBin,
        ["-endpoint", endpoint, "-prefix", prefix(`go-${workload}`), "-workload", workload],
        {
          stdio: ["pipe", "pipe", "inherit"],
        },
      );
      let buf = "";
      const waiting = [];
      child.stdout.on("data", (d) => {
        buf += d.toString();
        for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          waiting.shift()?.resolve(JSON.parse(line));
        }
      });
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.on("exit", (code) => {
        for (const w of waiting.splice(0)) w.reject(new Error(`etcdbench (${workload}) exited with ${code}`));
      });
      return {
        round(n) {
          return new Promise((resolve, reject) => {
            waiting.push({ resolve, reject });
            child.stdin.write(`round ${Math.round(n)}\n`);
          });
        },
        async close() {
          child.stdin.end("close\n");
          await exited;
        },
      };
    },
  };
}

/** Sequential lock+unlock: per-op latencies in ms. */
function sequentialRows(endpoint) {
  return [
    goRow("concurrency.Mutex Lock + Unlock, one session", "seq", endpoint),
    {
      lib: "gosync/etcd",
      name: "Mutex.lock + unlock, one session",
      bar: { max: 1.3 },
      async setup() {
        const b = await connect({ endpoints: [endpoint] });
        const s = await Session.create(b);
        const m = new Mutex(s, prefix("seq"));
        return {
          async op() {
            await m.lock();
            await m.unlock();
          },
          async close() {
            await s.close();
            await b.close();
          },
        };
      },
    },
    {
      lib: "etcd3",
      name: "Lock.acquire + release (lease grant, txn, lease revoke)",
      async setup() {
        const c = new Etcd3({ hosts: [endpoint] });
        const key = prefix("etcd3-seq");
        return {
          async op() {
            const l = c.lock(key);
            await l.acquire();
            await l.release();
          },
          async close() {
            c.close();
          },
        };
      },
    },
    {
      lib: "floor",
      name: "two sequential writes (put + delete) on one gosync connection",
      async setup() {
        const b = await connect({ endpoints: [endpoint] });
        const key = prefix("floor");
        return {
          async op() {
            await b.put({ key, value: "" });
            await b.delete({ key });
          },
          async close() {
            await b.close();
          },
        };
      },
    },
  ];
}

/** Sequential campaign+resign on an uncontended election: per-op latencies in ms. */
function electionRows(endpoint) {
  return [
    goRow("concurrency.Election Campaign + Resign, one session", "election", endpoint),
    {
      lib: "gosync/etcd",
      name: "Election.campaign + resign, one session",
      async setup() {
        const b = await connect({ endpoints: [endpoint] });
        const s = await Session.create(b);
        const e = new Election(s, prefix("elect"));
        return {
          async op() {
            await e.campaign("ts");
            await e.resign();
          },
          async close() {
            await s.close();
            await b.close();
          },
        };
      },
    },
    {
      lib: "etcd3",
      name: "election.campaign + resign (a lease grant per campaign)",
      async setup() {
        const c = new Etcd3({ hosts: [endpoint] });
        const name = prefix("etcd3-elect");
        return {
          async op() {
            const campaign = c.election(name).campaign("js");
            await campaign.wait();
            await campaign.resign();
          },
          async close() {
            c.close();
          },
        };
      },
    },
  ];
}

/** Ten contenders, each in a lock/unlock loop for `ms`: total acquisitions per second. */
function contendedRows(endpoint) {
  const N = 10;
  const loop = async (ms, once) => {
    let ops = 0;
    const stopAt = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: N }, async (_, i) => {
        while (performance.now() < stopAt) {
          await once(i);
          ops++;
        }
      }),
    );
    return (ops * 1000) / (performance.now() - t0);
  };
  return [
    goRow("concurrency.Mutex, 10 sessions on one client", "contend", endpoint),
    {
      lib: "gosync/etcd",
      name: "Mutex, 10 sessions on one connection",
      bar: { min: 500 },
      async setup() {
        const b = await connect({ endpoints: [endpoint] });
        const ss = await Promise.all(Array.from({ length: N }, () => Session.create(b)));
        const pfx = prefix("contend");
        const ms = ss.map((s) => new Mutex(s, pfx));
        return {
          round: (t) =>
            loop(t, async (i) => {
              await ms[i].lock();
              await ms[i].unlock();
            }),
          async close() {
            await Promise.all(ss.map((s) => s.close()));
            await b.close();
          },
        };
      },
    },
    {
      lib: "gosync/etcd",
      name: "Mutex, 10 sessions on 10 connections",
      async setup() {
        const bs = await Promise.all(Array.from({ length: N }, () => connect({ endpoints: [endpoint] })));
        const ss = await Promise.all(bs.map((b) => Session.create(b)));
        const pfx = prefix("contend-conns");
        const ms = ss.map((s) => new Mutex(s, pfx));
        return {
          round: (t) =>
            loop(t, async (i) => {
              await ms[i].lock();
              await ms[i].unlock();
            }),
          async close() {
            await Promise.all(ss.map((s) => s.close()));
            await Promise.all(bs.map((b) => b.close()));
          },
        };
      },
    },
    {
      lib: "etcd3",
      name: "Lock, 10 clients polling (acquire; on failure retry after 5 ms)",
      async setup() {
        const cs = Array.from({ length: N }, () => new Etcd3({ hosts: [endpoint] }));
        const key = prefix("etcd3-contend");
        return {
          round: (t) =>
            loop(t, async (i) => {
              for (;;) {
                const l = cs[i].lock(key);
                try {
                  await l.acquire();
                } catch {
                  await sleep(5);
                  continue;
                }
                await l.release();
                return;
              }
            }),
          async close() {
            for (const c of cs) c.close();
          },
        };
      },
    },
  ];
}

/** The bank: committed transfers per second over `ms`; checks the total afterwards. */
function stmRows(endpoint) {
  const ACCOUNTS = 10;
  const WORKERS = 4;
  const START = 1000;
  const pick = () => {
    const from = Math.floor(Math.random() * ACCOUNTS);
    const to = (from + 1 + Math.floor(Math.random() * (ACCOUNTS - 1))) % ACCOUNTS;
    return [from, to, 1 + Math.floor(Math.random() * 10)];
  };
  const bank = async (put) => {
    const p = prefix("bank");
    for (let i = 0; i < ACCOUNTS; i++) await put(`${p}/${i}`, String(START));
    return p;
  };
  return [
    goRow("concurrency.NewSTM, SerializableSnapshot (its default)", "stm", endpoint),
    {
      lib: "gosync/etcd",
      name: "stm(), serializable-snapshot (Go's default)",
      bar: { min: 570 },
      async setup() {
        const b = await connect({ endpoints: [endpoint] });
        return {
          async round(ms) {
            const p = await bank((key, value) => b.put({ key, value }));
            let commits = 0;
            let attempts = 0;
            const stopAt = performance.now() + ms;
            const t0 = performance.now();
            await Promise.all(
              Array.from({ length: WORKERS }, async () => {
                while (performance.now() < stopAt) {
                  const [from, to, amount] = pick();
                  const r = await stm(b, async (tx) => {
                    const a = Number(await tx.get(`${p}/${from}`));
                    const c = Number(await tx.get(`${p}/${to}`));
                    const x = Math.min(a, amount);
                    tx.put(`${p}/${from}`, String(a - x));
                    tx.put(`${p}/${to}`, String(c + x));
                  });
                  commits++;
                  attempts += r.attempts;
                }
              }),
            );
            const rate = (commits * 1000) / (performance.now() - t0);
            const all = await b.range({ key: `${p}/`, end: `${p}0` });
            const total = all.kvs.reduce((s, kv) => s + Number(text(kv.value)), 0);
            if (total !== ACCOUNTS * START) throw new Error(`bank total ${total} != ${ACCOUNTS * START}`);
            return { value: rate, note: `${(attempts / commits).toFixed(2)} attempts per commit` };
          },
          async close() {
            await b.close();
          },
        };
      },
    },
    {
      lib: "etcd3",
      name: "stm(), SerializableSnapshot (its default; 3 retries, then STMConflictError)",
      async setup() {
        const c = new Etcd3({ hosts: [endpoint] });
        return {
          async round(ms) {
            const p = await bank((key, value) => c.put(key).value(value));
            let commits = 0;
            let failures = 0;
            const stopAt = performance.now() + ms;
            const t0 = performance.now();
            await Promise.all(
              Array.from({ length: WORKERS }, async () => {
                while (performance.now() < stopAt) {
                  const [from, to, amount] = pick();
                  try {
                    await c.stm({ isolation: 0 }).transact(async (tx) => {
                      const a = Number(await tx.get(`${p}/${from}`).string());
                      const d = Number(await tx.get(`${p}/${to}`).string());
                      const x = Math.min(a, amount);
                      // etcd3's put builder records the write only once awaited.
                      await tx.put(`${p}/${from}`).value(String(a - x));
                      await tx.put(`${p}/${to}`).value(String(d + x));
                    });
                    commits++;
                  } catch {
                    failures++;
                  }
                }
              }),
            );
            const rate = (commits * 1000) / (performance.now() - t0);
            return { value: rate, note: `${commits} committed, ${failures} gave up` };
          },
          async close() {
            c.close();
          },
        };
      },
    },
  ];
}

// ---- measuring -------------------------------------------------------------------------------------

/** Measures rows round-robin; `figure(instance)` runs one round and returns { value, p90?, note? }. */
async function measure(title, rows, figure) {
  log(`\n${title}`);
  const inst = [];
  for (const r of rows) inst.push(await r.setup());
  const samples = rows.map(() => []);
  try {
    for (const x of inst) await figure(x, true); // warm-up round: JIT, connections, etcd's caches
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < rows.length; i++) {
        const f = await figure(inst[i]);
        samples[i].push(f);
        log(`  round ${round + 1}  ${rows[i].lib.padEnd(12)} ${rows[i].name}: ${f.value.toFixed(3)}`);
      }
    }
  } finally {
    for (const x of inst) await x.close();
  }
  return rows.map((r, i) => {
    const vs = samples[i].map((s) => s.value);
    const mid = samples[i].find((s) => s.value === median(vs)) ?? samples[i][0];
    return { ...r, value: median(vs), min: Math.min(...vs), max: Math.max(...vs), detail: mid };
  });
}

async function sequentialRound(x, warmup = false) {
  if (x.op === undefined) return x.round(warmup ? 300 : SEQ_OPS); // Go measures its own latencies
  const lat = [];
  for (let i = 0; i < (warmup ? 300 : SEQ_OPS); i++) {
    const t = performance.now();
    await x.op();
    lat.push(performance.now() - t);
  }
  return { value: median(lat), p90: quantile(lat, 0.9) };
}

// ---- report ----------------------------------------------------------------------------------------

const fmt = (x, d = 2) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(d));

function barCell(r, unit) {
  if (r.bar === undefined) return "";
  if (r.bar.max !== undefined)
    return `≤ ${r.bar.max} ${unit}: ${r.value <= r.bar.max ? "**met**" : "**missed**"}`;
  return `≥ ${r.bar.min} ${unit}: ${r.value >= r.bar.min ? "**met**" : "**missed**"}`;
}

/** One row per library; "vs Go" divides each figure by the Go row's of the same workload. */
function table(results, unit, extra) {
  const go = results.find((r) => r.go);
  const lines = [
    `| library | workload | ${unit} (median round) | vs Go | range over rounds | ${extra} | bar |`,
    "|---|---|---:|---:|---:|---|---|",
  ];
  for (const r of results) {
    const e =
      r.detail.p90 !== undefined
        ? `p90 ${fmt(r.detail.p90)} ms`
        : r.detail.note !== undefined
          ? r.detail.note
          : "";
    const ratio = go === undefined ? "" : `${(r.value / go.value).toFixed(2)}×`;
    lines.push(
      `| ${r.lib} | ${r.name} | ${fmt(r.value)} | ${ratio} | ${fmt(r.min)} – ${fmt(r.max)} | ${e} | ${barCell(r, unit)} |`,
    );
  }
  return lines.join("\n");
}

function machine() {
  const cpus = os.cpus();
  return [
    `- node ${process.version}, ${cpus[0]?.model ?? "cpu"} × ${cpus.length}, ${os.type()} ${os.release()}`,
    `- load average at start: ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" / ")}`,
  ].join("\n");
}

// ---- main ------------------------------------------------------------------------------------------

if (etcdBinary() === null) {
  console.error("bench:etcd needs an etcd binary (apt-get install -y etcd-server, or set ETCD_BIN)");
  process.exit(1);
}
const built = await buildGo(here("./go/etcdbench.go"), "etcdbench", "bench:etcd");
goBin = built.bin;
log(built.cached ? `Go client bench: cached ${goBin}` : `Go client bench: built in ${built.buildMs} ms`);
const loadAtStart = machine();
const server = await EtcdServer.start();
const version = execFileSync(server.bin, ["--version"], { encoding: "utf8" })
  .split("\n")[0]
  .replace("etcd Version: ", "etcd ");
let seqR;
let eleR;
let conR;
let stmR;
const WARM_MS = 500;
try {
  seqR = await measure(
    "Mutex acquire+release, sequential (ms per op)",
    sequentialRows(server.endpoint),
    sequentialRound,
  );
  eleR = await measure(
    "Election campaign+resign, sequential (ms per op)",
    electionRows(server.endpoint),
    sequentialRound,
  );
  conR = await measure(
    "Mutex, 10 contenders (acquisitions per second)",
    contendedRows(server.endpoint),
    async (x, warmup) => {
      const f = await x.round(warmup ? WARM_MS : ROUND_MS);
      return typeof f === "number" ? { value: f } : f;
    },
  );
  stmR = await measure(
    "STM bank transfer (committed transfers per second)",
    stmRows(server.endpoint),
    (x, warmup) => x.round(warmup ? WARM_MS : ROUND_MS),
  );
} finally {
  await server.stop();
}

const md = `# gosync/etcd benchmarks

Generated by \`npm run bench:etcd\` (bench/etcd.mjs) against a local ${version} started by the test
harness (single member on 127.0.0.1, data dir on /dev/shm, \`--heartbeat-interval=10
--election-timeout=100\`), on the same 2-core machine as the client. One warm-up round, then
${ROUNDS} rounds per row, round-robin across the rows of a workload; the figure is the median round.
The TypeScript sources run through tsx (the same JavaScript tsc emits for dist).

${loadAtStart}

Peers, measured in the same run: Go's own client — \`clientv3/concurrency\` of etcd 3.4.23 as
Debian ships it, driven by bench/go/etcdbench.go (built offline in GOPATH mode) — and the \`etcd3\`
npm package (1.1.2). "vs Go" is each row's figure divided by Go's (for ms, below 1× is faster than
Go; for ops/s and txns/s, above 1× is). etcd3's Lock cannot wait, so its contenders poll; its STM's
SerializableSnapshot never commits a transaction that reads and writes keys last modified at
different revisions (its write check uses the smallest mod revision read, where Go's uses the
read's header revision), so the bank shows how many of its transfers gave up.

## Mutex acquire+release, one session, sequential

${SEQ_OPS} lock+unlock pairs per round; a round's figure is the median latency of one pair.

${table(seqR, "ms", "tail")}

## Election campaign+resign, one session, sequential

${SEQ_OPS} campaign+resign pairs per round on an election nobody else contends; a round's figure
is the median latency of one pair.

${table(eleR, "ms", "tail")}

## Mutex, 10 contending sessions

Each contender loops lock, unlock for ${ROUND_MS / 1000} s per round; the figure is all acquisitions
per second. gosync waiters share one watch of the prefix's deletes per connection and need no read
per hand-off (src/etcd/wait-deletes.ts).

${table(conR, "ops/s", "")}

## STM bank transfer, SerializableSnapshot

10 accounts, 4 concurrent transfer loops on one connection, ${ROUND_MS / 1000} s per round; a
transfer reads both balances and writes both in one transaction, retried until it commits. The
total is checked after every gosync round.

${table(stmR, "txns/s", "retries")}
`;

if (quick) {
  log(`\n${md}`);
  log("(--quick: ETCD-RESULTS.md left as it is)");
} else {
  const out = here("./ETCD-RESULTS.md");
  writeFileSync(out, md);
  // Lay the tables out as biome's formatter does, so `biome check` stays clean.
  try {
    execFileSync(here("../node_modules/.bin/biome"), ["format", "--write", out], { stdio: "ignore" });
  } catch {
    log("note: could not run biome format on ETCD-RESULTS.md");
  }
  log("\nwrote bench/ETCD-RESULTS.md");
}
