// Benchmarks of gosync/threads' SharedChan and SharedMap (built code, dist/esm), side by side with
// what Node offers without them, in one run:
//   A. a stream of int32 values worker → worker: SharedChan cap 1024 (recv one at a time, and
//      recvBatch), against a MessagePort stream of the same values (one postMessage per value).
//   B. ping-pong worker ↔ worker, per round trip: two unbuffered SharedChans, against MessagePort.
//   C. counter updates: SharedMap.update from 2 threads, against a gosync Mutex-guarded Map on one
//      thread (the in-process way to share a map between tasks).
// Each row runs in fresh worker threads, `rounds` times; the median is reported with the ratio to
// the row it is compared with. The file is both the main program and the worker body.
//
//   npm run build && node bench/threads-chan.mjs [--quick] [--stream-only]
import os from "node:os";
import { isMainThread, MessageChannel, parentPort, Worker, workerData } from "node:worker_threads";

const T = await import("../dist/esm/threads/index.js");

/** The key of update i: 1024 keys, visited in a different order per thread (offset). */
const key = (i, offset) => `k${(i * 7919 + offset) & 1023}`;

// ---- the worker side -------------------------------------------------------------------------

async function worker(args) {
  const { role, n } = args;
  parentPort.postMessage("ready");
  await new Promise((r) => parentPort.once("message", r));
  const t0 = performance.now();
  let check = 0;
  switch (role) {
    case "chanSend":
      for (let i = 0; i < n; i++) args.ch.sendSync(i);
      args.ch.close();
      break;
    case "chanRecv":
      for (const v of args.ch) check += v;
      break;
    case "chanRecvBatch":
      for (;;) {
        const b = args.ch.recvBatchSync(1024);
        if (b.length === 0) break;
        for (const v of b) check += v;
      }
      break;
    case "spscSend":
    case "spscRecv": {
      // The floor: a bare single-producer single-consumer ring of int32 (head and tail words on
      // their own cache lines, Atomics.wait/notify only when empty or full, spinning first).
      const w = args.ring;
      const H = 0;
      const T = 16;
      const RS = 32; // the receiver sleeps
      const SS = 33; // the sender sleeps
      const D = 48;
      const R = 1024;
      const sleep = (flag, at, v) => {
        for (let k = 0; k < 2000; k++) if (Atomics.load(w, at) !== v) return;
        Atomics.store(w, flag, 1);
        if (Atomics.load(w, at) === v) Atomics.wait(w, at, v);
        Atomics.store(w, flag, 0);
      };
      if (role === "spscSend") {
        let t = 0;
        let h = 0;
        for (let i = 0; i < n; i++) {
          while (t - h >= R) {
            h = Atomics.load(w, H);
            if (t - h >= R) sleep(SS, H, h);
          }
          w[D + (t & (R - 1))] = i;
          Atomics.store(w, T, ++t);
          if (Atomics.load(w, RS) !== 0) Atomics.notify(w, T);
        }
      } else {
        let h = 0;
        let t = 0;
        for (let i = 0; i < n; i++) {
          while (h === t) {
            t = Atomics.load(w, T);
            if (h === t) sleep(RS, T, t);
          }
          check += w[D + (h & (R - 1))];
          Atomics.store(w, H, ++h);
          if (Atomics.load(w, SS) !== 0) Atomics.notify(w, H);
        }
      }
      break;
    }
    case "portSend":
      for (let i = 0; i < n; i++) args.port.postMessage(i);
      args.port.postMessage(-1);
      break;
    case "portRecv":
      check = await new Promise((done) => {
        let sum = 0;
        args.port.on("message", (v) => {
          if (v === -1) done(sum);
          else sum += v;
        });
      });
      break;
    case "chanPing":
      for (let i = 0; i < n; i++) {
        args.ping.sendSync(i);
        check += args.pong.recvSync();
      }
      break;
    case "chanPong":
      for (let i = 0; i < n; i++) args.pong.sendSync(args.ping.recvSync() + 1);
      break;
    case "futexPing":
    case "futexPong": {
      // The floor: two threads alternating on one word with Atomics.wait/notify, spinning first.
      const w = args.word;
      const me = role === "futexPing" ? 0 : 1;
      for (let i = 0; i < n; i++) {
        if (me === 0) {
          Atomics.store(w, 0, 2 * i + 1);
          Atomics.notify(w, 0);
        }
        const want = me === 0 ? 2 * i + 2 : 2 * i + 1;
        for (let k = 0; k < 2000 && Atomics.load(w, 0) !== want; k++);
        // Sleep on the value just compared (a second load could already be `want`: a sleep forever).
        for (let x = Atomics.load(w, 0); x !== want; x = Atomics.load(w, 0)) Atomics.wait(w, 0, x);
        if (me === 1) {
          Atomics.store(w, 0, 2 * i + 2);
          Atomics.notify(w, 0);
        }
      }
      check = n;
      break;
    }
    case "portPing":
      for (let i = 0; i < n; i++) {
        const reply = new Promise((r) => args.port.once("message", r));
        args.port.postMessage(i);
        check += await reply;
      }
      break;
    case "portPong":
      await new Promise((done) => {
        let k = 0;
        args.port.on("message", (v) => {
          args.port.postMessage(v + 1);
          if (++k === n) done();
        });
      });
      break;
    case "mapUpdate":
      for (let i = 0; i < n; i++) args.map.update(key(i, args.offset), (v) => (v ?? 0) + 1);
      break;
  }
  parentPort.postMessage({ ms: performance.now() - t0, check });
  if (args.port) args.port.close();
}

// ---- the main side ---------------------------------------------------------------------------

/** Starts one worker per args object, releases them together, resolves with their reports. */
async function runWorkers(list, transfer = []) {
  const ws = list.map(
    (args, i) =>
      new Worker(new URL(import.meta.url), {
        workerData: { args: T.share(args) },
        transferList: transfer[i] ?? [],
      }),
  );
  await Promise.all(ws.map((w) => new Promise((r) => w.once("message", r))));
  const t0 = performance.now();
  const reports = ws.map(
    (w) =>
      new Promise((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      }),
  );
  for (const w of ws) w.postMessage("go");
  const out = await Promise.all(reports);
  const wall = performance.now() - t0;
  await Promise.all(ws.map((w) => w.terminate()));
  return { wall, out };
}

const quick = process.argv.includes("--quick");
const rounds = quick ? 3 : 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const sumTo = (n) => (n * (n - 1)) / 2;

const rowsA = (n) => [
  {
    name: "SharedChan<int32> cap 1024, recv one at a time",
    run: async () => {
      const ch = new T.SharedChan(1024, { codec: "int32" });
      const r = await runWorkers([
        { role: "chanSend", n, ch },
        { role: "chanRecv", n, ch },
      ]);
      if (r.out[1].check !== sumTo(n)) throw new Error("lost or corrupted values");
      return r.wall;
    },
  },
  {
    name: "SharedChan<int32> cap 1024, recvBatch(1024)",
    run: async () => {
      const ch = new T.SharedChan(1024, { codec: "int32" });
      const r = await runWorkers([
        { role: "chanSend", n, ch },
        { role: "chanRecvBatch", n, ch },
      ]);
      if (r.out[1].check !== sumTo(n)) throw new Error("lost or corrupted values");
      return r.wall;
    },
  },
  {
    name: "reference: bare SPSC ring, Atomics.wait/notify only when empty/full",
    run: async () => {
      const ring = new Int32Array(new SharedArrayBuffer(4 * (48 + 1024)));
      const r = await runWorkers([
        { role: "spscSend", n, ring },
        { role: "spscRecv", n, ring },
      ]);
      if (r.out[1].check !== sumTo(n)) throw new Error("lost or corrupted values");
      return r.wall;
    },
  },
  {
    name: "MessagePort stream, one postMessage per value",
    baseline: true,
    run: async () => {
      const { port1, port2 } = new MessageChannel();
      const r = await runWorkers(
        [
          { role: "portSend", n, port: port1 },
          { role: "portRecv", n, port: port2 },
        ],
        [[port1], [port2]],
      );
      if (r.out[1].check !== sumTo(n)) throw new Error("lost or corrupted values");
      return r.wall;
    },
  },
];

const rowsB = (n, nPort) => [
  {
    name: "unbuffered SharedChan ping-pong (sendSync/recvSync)",
    n,
    run: async () => {
      const ping = new T.SharedChan(0, { codec: "int32" });
      const pong = new T.SharedChan(0, { codec: "int32" });
      const r = await runWorkers([
        { role: "chanPing", n, ping, pong },
        { role: "chanPong", n, ping, pong },
      ]);
      if (r.out[0].check !== sumTo(n) + n) throw new Error("wrong replies");
      return r.wall;
    },
  },
  {
    name: "reference: bare Atomics.wait/notify ping-pong",
    n,
    run: async () => {
      const word = new Int32Array(new SharedArrayBuffer(4));
      const r = await runWorkers([
        { role: "futexPing", n, word },
        { role: "futexPong", n, word },
      ]);
      return r.wall;
    },
  },
  {
    name: "MessagePort ping-pong",
    n: nPort,
    baseline: true,
    run: async () => {
      const { port1, port2 } = new MessageChannel();
      const r = await runWorkers(
        [
          { role: "portPing", n: nPort, port: port1 },
          { role: "portPong", n: nPort, port: port2 },
        ],
        [[port1], [port2]],
      );
      if (r.out[0].check !== sumTo(nPort) + nPort) throw new Error("wrong replies");
      return r.wall;
    },
  },
];

const rowsC = (n) => [
  {
    name: "SharedMap.update from 2 threads (1024 keys)",
    run: async () => {
      const map = new T.SharedMap({ codec: "int32", shards: 16 });
      const r = await runWorkers([
        { role: "mapUpdate", n: n / 2, map, offset: 0 },
        { role: "mapUpdate", n: n / 2, map, offset: 512 },
      ]);
      let total = 0;
      for (const [, v] of map.entries()) total += v;
      if (total !== n) throw new Error(`lost updates: ${total} of ${n}`);
      return r.wall;
    },
  },
  {
    name: "gosync Mutex-guarded Map, one thread (1024 keys)",
    baseline: true,
    run: async () => {
      const { Mutex } = await import("../dist/esm/index.js");
      const mu = new Mutex();
      const map = new Map();
      const t0 = performance.now();
      for (let i = 0; i < n; i++) {
        await mu.lock();
        const k = key(i, 0);
        map.set(k, (map.get(k) ?? 0) + 1);
        mu.unlock();
      }
      return performance.now() - t0;
    },
  },
];

async function table(title, rows, n) {
  const ms = rows.map(() => []);
  for (let r = 0; r < rounds; r++) for (let i = 0; i < rows.length; i++) ms[i].push(await rows[i].run());
  const base = rows.findIndex((x) => x.baseline);
  const per = rows.map((row, i) => (median(ms[i]) * 1e6) / (row.n ?? n));
  console.log(`\n${title}`);
  rows.forEach((row, i) => {
    const ratio = i === base ? "1× (baseline)" : `${(per[base] / per[i]).toFixed(1)}× faster`;
    console.log(`  ${row.name.padEnd(56)} ${per[i].toFixed(0).padStart(8)} ns  ${ratio}`);
  });
  return per;
}

async function main() {
  const cpus = os.cpus();
  console.log(
    `gosync/threads SharedChan & SharedMap — node ${process.version}, ${cpus[0]?.model} × ${cpus.length}`,
  );
  console.log(
    `load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(" ")}; median of ${rounds} rounds`,
  );
  const nStream = quick ? 200_000 : 1_000_000;
  const a = await table("A. int32 stream worker → worker (per message)", rowsA(nStream), nStream);
  if (process.argv.includes("--stream-only")) return;
  const b = await table(
    "B. ping-pong worker ↔ worker (per round trip)",
    rowsB(quick ? 20_000 : 100_000, quick ? 5_000 : 20_000),
  );
  const nMap = quick ? 200_000 : 1_000_000;
  const c = await table("C. counter updates (per update)", rowsC(nMap), nMap);
  console.log("\nbars:");
  console.log(`  SharedChan cap 1024 ≤ 150 ns/msg: ${a[0].toFixed(0)} ns ${a[0] <= 150 ? "✓" : "✗"}`);
  console.log(`  with recvBatch ≤ 60 ns/msg: ${a[1].toFixed(0)} ns ${a[1] <= 60 ? "✓" : "✗"}`);
  console.log(
    `  (vs the bare SPSC floor: one at a time ${(a[0] / a[2]).toFixed(2)}×, recvBatch ${(a[1] / a[2]).toFixed(2)}×)`,
  );
  console.log(`  ping-pong ≥ 10× MessagePort: ${(b[2] / b[0]).toFixed(1)}× ${b[2] / b[0] >= 10 ? "✓" : "✗"}`);
  console.log(`  (ping-pong vs the bare futex floor: ${(b[0] / b[1]).toFixed(2)}×)`);
  console.log(`  SharedMap.update (2 threads) vs Mutex-guarded Map: ${(c[1] / c[0]).toFixed(2)}×`);
}

if (isMainThread) await main();
else await worker(T.attach(workerData.args));
