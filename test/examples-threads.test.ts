// The tour's threads examples, with real worker threads: the counter's totals (exact with the
// Mutex and the atomic, never more than expected without) and the sieve's prime counts on one thread
// and on several. Correctness only: the times and the speed-up they print are not asserted.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { test } from "node:test";
import type { BaseOptions, Example } from "../examples/registry.js";
import { threadsCounter } from "../examples/threads-counter.js";
import { threadsSieve } from "../examples/threads-sieve.js";

const T = { timeout: 120_000 };

async function run<O extends BaseOptions>(ex: Example<O>, opts: O): Promise<string[]> {
  const lines: string[] = [];
  await ex.run((l) => lines.push(l), opts);
  return lines;
}

test("threads-counter: the Mutex and the atomic lose nothing; the plain counter never gains", T, async () => {
  const lines = await run(threadsCounter, { increments: 200_000 });
  assert.equal(lines.length, 4);
  assert.equal(lines[0], "4 threads, 200,000 increments each: 800,000 expected");
  const plain = /^plain counter\[0\]\+\+: +([\d,]+) \(([\d,]+) updates lost\)$/.exec(lines[1]!);
  assert.ok(plain, lines[1]);
  const total = Number(plain[1]!.replaceAll(",", ""));
  const lost = Number(plain[2]!.replaceAll(",", ""));
  assert.ok(total > 0 && total <= 800_000, `plain total ${total}`);
  assert.equal(total + lost, 800_000);
  assert.equal(lines[2], "under threads.Mutex: 800,000 (0 lost)");
  assert.equal(lines[3], "AtomicInt32.add(1):  800,000 (0 lost)");
});

test("threads-sieve: the same prime count on one thread and on three", T, async () => {
  const lines = await run(threadsSieve, { limit: 1_000_000, segment: 100_000, threads: 3 });
  assert.equal(lines[0], "sieving [0, 1,000,000) in 10 segments of 100,000 on 1 thread...");
  assert.match(lines[1]!, /^1 thread: {2}78,498 primes in \d+ ms$/);
  assert.equal(lines[2], "now on 3 threads...");
  assert.match(lines[3]!, /^3 threads: 78,498 primes in \d+ ms$/);
  assert.match(lines[4]!, /^speed-up: \d+\.\d\d× on 3 threads$/);
  assert.equal(lines.length, 5);
});

test("threads-sieve: segments that do not divide the range, and tiny ranges, count right", T, async () => {
  const lines = await run(threadsSieve, { limit: 1_000, segment: 333, threads: 2 });
  assert.match(lines[1]!, /^1 thread: {2}168 primes/);
  assert.match(lines[3]!, /^2 threads: 168 primes/);
});

test("the tour runs a threads example by name and the process exits on its own", T, () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "examples/tour.ts", "threads-counter", "1000"], {
    encoding: "utf8",
    timeout: 60_000,
    stdio: ["ignore", "pipe", "pipe"],
  });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^ {2}under threads\.Mutex: 4,000 \(0 lost\)$/m);
});
