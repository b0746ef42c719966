// The embedded backend over a long run: per-cycle cost of Mutex lock+unlock, each cycle on a fresh
// session (so every cycle leaves a deleted key under the lock's prefix), in windows of 2,000 cycles.
// A store that keeps scanning deleted keys slows down window after window; one that compacts them,
// as etcd does, stays flat. Prints the windows and the last/first ratio; writes nothing.
//
//   node --import tsx bench/embedded-growth.mjs [cycles]
import { embedded, Mutex, Session } from "../src/etcd/index.js";

const cycles = Number(process.argv[2] ?? 16_000);
const WINDOW = 2_000;
const b = embedded();
const windows = [];
let t = performance.now();
for (let i = 1; i <= cycles; i++) {
  const s = await Session.create(b, { ttl: 60 });
  const m = new Mutex(s, "/bench/lock");
  await m.lock();
  await m.unlock();
  await s.close();
  if (i % WINDOW === 0) {
    const now = performance.now();
    windows.push((now - t) / WINDOW);
    t = now;
  }
}
await b.close();
const fmt = (x) => x.toFixed(3);
console.log(`ms per cycle, windows of ${WINDOW}: ${windows.map(fmt).join(" ")}`);
console.log(`last/first: ${(windows.at(-1) / windows[0]).toFixed(2)}×`);
