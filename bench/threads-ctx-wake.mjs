// How long a worker blocked in a …Sync call under a shared context takes to wake once the context
// is cancelled on another thread (built code, dist/esm). Not part of `npm run bench`: a one-off
// latency check for the cancellation path of gosync/threads' sync waits.
//
// The main thread holds a shared Mutex; a worker calls mu.lockSync(ctx) and blocks. Once the main
// thread sees it queued (mu.waiters, polled), it stamps the time into shared memory and cancels
// ctx; the worker stamps the time when lockSync throws. Both stamps are performance.timeOrigin +
// performance.now() (the same wall clock on every thread). Prints the median and the 90th
// percentile of `rounds` wake-ups.
//
//   npm run build && node bench/threads-ctx-wake.mjs [rounds]
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";

const T = await import("../dist/esm/threads/index.js");
const { background, withCancel } = await import("../dist/esm/index.js");
const now = () => performance.timeOrigin + performance.now();

if (!isMainThread) {
  const { mu, stamps } = T.attach(workerData);
  parentPort.on("message", (msg) => {
    const { ctx, i } = T.attach(msg);
    try {
      mu.lockSync(ctx);
      mu.unlock();
    } catch {
      stamps[2 * i + 1] = now();
    }
    parentPort.postMessage("done");
  });
} else {
  const rounds = Number(process.argv[2] ?? 200);
  const mu = new T.Mutex();
  const stamps = new Float64Array(new SharedArrayBuffer(16 * rounds));
  const w = new Worker(new URL(import.meta.url), { workerData: T.share({ mu, stamps, rounds }) });
  mu.lockSync();
  w.on("error", (e) => {
    console.error(e);
    process.exit(1);
  });
  const done = () => new Promise((r) => w.once("message", r));
  for (let i = 0; i < rounds; i++) {
    const [ctx, cancel] = withCancel(background());
    const finished = done();
    w.postMessage(T.share({ ctx, i }));
    while (mu.waiters === 0) await new Promise((r) => setImmediate(r));
    stamps[2 * i] = now();
    cancel();
    await finished;
  }
  mu.unlock();
  await w.terminate();
  const lat = [];
  for (let i = 0; i < rounds; i++) lat.push((stamps[2 * i + 1] - stamps[2 * i]) * 1000);
  lat.sort((a, b) => a - b);
  const at = (q) => lat[Math.min(lat.length - 1, Math.floor(q * lat.length))].toFixed(0);
  console.log(
    `cancelled lockSync wake latency over ${rounds} rounds: median ${at(0.5)} µs, p90 ${at(0.9)} µs`,
  );
}
