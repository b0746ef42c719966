// The tour's examples for the extended primitives (H₂O factory, cache stampede, bounded crawler):
// exact output, and every task they started has ended.

import assert from "node:assert/strict";
import { test } from "node:test";
import { crawler } from "../examples/crawler.js";
import { h2o } from "../examples/h2o.js";
import type { BaseOptions, Example } from "../examples/registry.js";
import { stampede } from "../examples/stampede.js";
import { registry } from "../src/internal/registry.js";

async function run<O extends BaseOptions>(ex: Example<O>, opts: O): Promise<string[]> {
  const lines: string[] = [];
  const before = registry.liveTasks;
  await ex.run((l) => lines.push(l), opts);
  await new Promise((r) => setImmediate(r));
  assert.equal(registry.liveTasks, before, "every task the example started has ended");
  return lines;
}

test("h2o: every molecule is two H and one O, all atoms used", async () => {
  const lines = await run(h2o, { molecules: 20 });
  const molecules = lines.filter((l) => l.startsWith("molecule "));
  assert.equal(molecules.length, 20);
  for (const m of molecules) {
    const atoms = (m.split(": ")[1] as string).split("").sort().join("");
    assert.equal(atoms, "HHO", m);
  }
  assert.equal(lines.at(-1), "20 molecules, every one two H and one O");
});

test("stampede: 100 loads without SingleFlight, 1 with it, shared by every caller", async () => {
  const lines = await run(stampede, { requests: 100, latency: 2 });
  assert.deepEqual(lines, [
    "without SingleFlight: 100 requests -> 100 backend loads",
    "with SingleFlight:    100 requests -> 1 backend load; 100 callers got its shared result",
    "every caller got: value of user:42",
  ]);
});

test("crawler: crawls every page within the limit, and a short deadline cuts it short", async () => {
  const lines = await run(crawler, { pages: 31, limit: 3, latency: 1, shortDeadline: 0 });
  assert.deepEqual(lines, [
    "with time to spare: crawled 31 of 31 pages, at most 3 fetches at once",
    'with a short deadline: stopped by "context deadline exceeded" before the end: true',
  ]);
});
