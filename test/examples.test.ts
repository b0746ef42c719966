// The tour's example programs (examples/*.ts), run in-process with short timings: each must print
// exactly the expected lines and, when it returns, leave no task running and no timer keeping the
// process alive. Runs of the tour itself check its command line and that the process exits on its own.

import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { after, before, describe, test } from "node:test";
import { du } from "../examples/du.js";
import { pipeline } from "../examples/pipeline.js";
import { ring } from "../examples/ring.js";
import { shutdown } from "../examples/shutdown.js";
import { sieve } from "../examples/sieve.js";
import { runExample as run } from "./helpers/run-example.js";

const PRIMES_20 = "2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71";

describe("sieve", () => {
  test("prints the first 20 primes and stops the generator and all 20 filters", async () => {
    assert.deepEqual(await run(sieve, {}), [
      `first 20 primes: ${PRIMES_20}`,
      "cancelled: all 21 tasks stopped (1 generator, 20 filters)",
    ]);
  });

  test("takes the count from its command-line argument", async () => {
    assert.deepEqual(await run(sieve, { args: ["5"] }), [
      "first 5 primes: 2 3 5 7 11",
      "cancelled: all 6 tasks stopped (1 generator, 5 filters)",
    ]);
  });
});

describe("ring", () => {
  test("passes the token 1 2 3 4 1 2 3 4, then stops all 4 workers", async () => {
    assert.deepEqual(await run(ring, { tokens: 8, periodMs: 1 }), [
      ..."12341234",
      "stopped: 4 workers exited after 8 tokens",
    ]);
  });

  test("stops mid-round, wherever the token is", async () => {
    assert.deepEqual(await run(ring, { tokens: 6, periodMs: 0 }), [
      ..."123412",
      "stopped: 4 workers exited after 6 tokens",
    ]);
  });

  test("rejects a token count below 1", async () => {
    await assert.rejects(
      ring.run(() => {}, { tokens: 0 }),
      RangeError,
    );
  });
});

describe("pipeline", () => {
  test("the sink takes 5 squares, cancels, and both stages stop", async () => {
    assert.deepEqual(await run(pipeline, { take: 5 }), [
      "sink: 1",
      "sink: 4",
      "sink: 9",
      "sink: 16",
      "sink: 25",
      "sink: had 5 values, cancel() -> context canceled",
      "sq: stopped (its output is closed)",
      "gen: stopped (its output is closed)",
    ]);
  });

  test("a single value is enough to stop the whole pipeline", async () => {
    const lines = await run(pipeline, { args: ["1"] });
    assert.deepEqual(lines.slice(0, 2), ["sink: 1", "sink: had 1 values, cancel() -> context canceled"]);
  });
});

describe("shutdown", () => {
  test("cleanup in time, then cleanup timing out: both end gracefully", async () => {
    const lines = await run(shutdown, {
      signalAfterMs: 5,
      workMs: 2,
      timeoutMs: 200,
      quickCleanupMs: 1,
      slowCleanupMs: 60_000,
    });
    assert.deepEqual(lines, [
      "run 1: cleanup takes 1 ms, main waits up to 200 ms",
      "main: got SIGINT, close(closing)",
      "cleanup: done",
      "main: cleanup finished in time",
      "main: business task stopped",
      "main: graceful exit (优雅退出)",
      "run 2: cleanup takes 60000 ms, main waits up to 200 ms",
      "main: got SIGINT, close(closing)",
      "main: cleanup timed out, not waiting (清理超时，不等了)",
      "cleanup: abandoned",
      "main: business task stopped",
      "main: graceful exit (优雅退出)",
    ]);
  });
});

describe("du", () => {
  let root = "";
  before(() => {
    // 51 files, 2,000,000 bytes, spread over 27 directories (more than the semaphore's 20 tokens).
    root = mkdtempSync(join(tmpdir(), "gosync-du-"));
    writeFileSync(join(root, "big.bin"), Buffer.alloc(1_500_000));
    mkdirSync(join(root, "empty"));
    for (let i = 0; i < 25; i++) {
      const dir = join(root, "tree", `d${i}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, "a.txt"), Buffer.alloc(12_000));
      writeFileSync(join(dir, "b.txt"), Buffer.alloc(8_000));
    }
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const quiet = { input: null, progressMs: 60_000, timeoutMs: 60_000 } as const;

  test("totals the files and megabytes under a directory", async () => {
    assert.deepEqual(await run(du, { ...quiet, roots: [root] }), ["51 files  2.0 MB"]);
  });

  test("walks several roots, given as command-line arguments", async () => {
    const lines = await run(du, { ...quiet, args: [join(root, "tree"), join(root, "empty")] });
    assert.deepEqual(lines, ["50 files  0.5 MB"]);
  });

  test("reports an unreadable root and goes on", async () => {
    const missing = join(root, "missing");
    const lines = await run(du, { ...quiet, roots: [missing, join(root, "tree", "d0")] });
    assert.equal(lines.length, 2);
    assert.match(lines[0]!, /^du: ENOENT/);
    assert.equal(lines[1], "2 files  0.0 MB");
  });

  test("a deadline that has already passed cancels the walk before it starts", async () => {
    assert.deepEqual(await run(du, { ...quiet, roots: [root], timeoutMs: 0 }), [
      "du: cancelled (context deadline exceeded), partial total:",
      "0 files  0.0 MB",
    ]);
  });

  test("a line of input cancels the walk", async () => {
    const input = new PassThrough();
    input.write("\n");
    assert.deepEqual(await run(du, { ...quiet, roots: [root], input }), [
      "(press Enter to cancel)",
      "du: cancelled (input on stdin), partial total:",
      "0 files  0.0 MB",
    ]);
  });

  test("without input, the walk ends the input watcher too", async () => {
    const input = new PassThrough();
    assert.deepEqual(await run(du, { ...quiet, roots: [root], input }), [
      "(press Enter to cancel)",
      "51 files  2.0 MB",
    ]);
    assert.equal(input.listenerCount("data"), 0);
  });
});

describe("tour", () => {
  const tour = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", "examples/tour.ts", ...args], {
      encoding: "utf8",
      timeout: 20_000,
      stdio: ["ignore", "pipe", "pipe"],
    });

  test("--list names the examples in order", () => {
    const r = tour("--list");
    assert.equal(r.status, 0, r.stderr);
    const names = r.stdout
      .trim()
      .split("\n")
      .map((line) => line.split(" ")[0]);
    // The core programs come first, in this order; later areas append theirs.
    assert.deepEqual(names.slice(0, 5), ["sieve", "ring", "pipeline", "shutdown", "du"]);
    for (const n of ["h2o", "stampede", "crawler"]) assert.ok(names.includes(n), n);
  });

  test("runs one example by name with its arguments, and the process exits on its own", () => {
    const r = tour("sieve", "10");
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split("\n").slice(1), [
      "  first 10 primes: 2 3 5 7 11 13 17 19 23 29",
      "  cancelled: all 11 tasks stopped (1 generator, 10 filters)",
    ]);
  });

  test("an unknown name fails with the list of names", () => {
    const r = tour("nope");
    assert.equal(r.status, 1);
    assert.match(r.stderr, /unknown example "nope"; one of: sieve, ring, pipeline, shutdown, du, /);
  });
});
