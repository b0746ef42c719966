// Two copies, one world: an app that both imports gosync (the ES module build) and requires it (the
// CommonJS build) loads two copies of the library. They must agree: contexts of one cancel the
// blocking calls of the other, Canceled and DeadlineExceeded are the same objects, errors are
// `instanceof` each other's classes, and gosync/debug preloaded through either loader reports on an
// app written in either format (one task registry and one debug state per process). Run against the
// packed package, as users get it.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { copyFileSync, cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { installPacked, removePacked } from "./packed.js";

const FATAL = "fatal error: all goroutines are asleep - deadlock!";
const FIXTURES = ["deadlock.mjs", "deadlock.cjs", "mixed.mjs", "two-installs.mjs"];

/** A library with its own installed copy of gosync (node_modules/lib-a/node_modules/gosync). */
const LIB_A = `import { Canceled, Chan, go } from "gosync";
export { Canceled, Chan };
export const receive = (ctx) => new Chan(0, "lib-a").recv(ctx).catch((e) => e);
export const startWorker = () => go(async function libWorker() { await new Chan(0, "lib-a-jobs").recv(); });
`;

let dir = "";
before(async () => {
  dir = await installPacked();
  for (const f of FIXTURES) copyFileSync(new URL(`fixtures/${f}`, import.meta.url), join(dir, f));
  const lib = join(dir, "node_modules/lib-a");
  cpSync(join(dir, "node_modules/gosync"), join(lib, "node_modules/gosync"), { recursive: true });
  writeFileSync(
    join(lib, "package.json"),
    JSON.stringify({ name: "lib-a", type: "module", exports: "./index.mjs" }),
  );
  writeFileSync(join(lib, "index.mjs"), LIB_A);
});
after(() => removePacked(dir));

interface Exit {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node ...args` in the consumer project, GOSYNC_DEBUG as given. */
function node(args: readonly string[], gosyncDebug?: string): Promise<Exit> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GOSYNC_DEBUG;
  delete env.NODE_OPTIONS;
  if (gosyncDebug !== undefined) env.GOSYNC_DEBUG = gosyncDebug;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: dir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      timeout: 30_000,
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("gosync/debug preloaded through either loader, app in either format", { concurrency: 2 }, () => {
  const combos = [
    ["--import", "deadlock.mjs"],
    ["--import", "deadlock.cjs"],
    ["-r", "deadlock.cjs"],
    ["-r", "deadlock.mjs"],
  ] as const;
  for (const [flag, app] of combos) {
    test(`node ${flag} gosync/debug ${app} reports the deadlock`, { timeout: 60_000 }, async () => {
      const r = await node([flag, "gosync/debug", app], "deadlock");
      assert.equal(r.code, 2, `exit status; stderr:\n${r.stderr}`);
      assert.ok(r.stderr.startsWith(`${FATAL}\n\n`), r.stderr);
      assert.match(
        r.stderr,
        /^goroutine 1 \[chan receive\]:\nmain: waiting on chan "results" \(unbuffered\)$/m,
      );
      assert.match(
        r.stderr,
        /^goroutine \d+ \[chan receive\]:\nworker: waiting on chan "jobs" \(unbuffered\)$/m,
      );
      assert.doesNotMatch(r.stdout, /unreachable/);
    });
  }

  test("without the report the same app just stops (the report is what the preload adds)", {
    timeout: 60_000,
  }, async () => {
    const r = await node(["deadlock.cjs"]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /fatal error/);
  });
});

describe("an app and a library, each with its own installed copy", () => {
  test("a context crosses, Canceled is one object, instanceof holds", { timeout: 60_000 }, async () => {
    const r = await node(["two-installs.mjs"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), { twoCopies: true, sameCanceled: true, instanceOfAppClass: true });
  });

  test("gosync/debug preloaded from the app's copy reports the library's tasks too", {
    timeout: 60_000,
  }, async () => {
    const r = await node(["--import", "gosync/debug", "two-installs.mjs", "--block"], "deadlock");
    assert.equal(r.code, 2, `exit status; stderr:\n${r.stderr}`);
    assert.ok(r.stderr.startsWith(`${FATAL}\n\n`), r.stderr);
    assert.match(
      r.stderr,
      /^goroutine \d+ \[chan receive\]:\nlibWorker: waiting on chan "lib-a-jobs" \(unbuffered\)$/m,
    );
    assert.match(
      r.stderr,
      /^goroutine \d+ \[chan receive\]:\nappTask: waiting on chan "app-chan" \(unbuffered\)$/m,
    );
  });
});

describe("an app that imports the ES module build and requires the CommonJS one", () => {
  test("contexts, sentinels and errors cross between the copies", { timeout: 60_000 }, async () => {
    const r = await node(["mixed.mjs"]);
    assert.equal(r.code, 0, r.stderr);
    const seen = JSON.parse(r.stdout) as Record<string, boolean>;
    assert.deepEqual(seen, {
      twoCopies: true,
      esmCtxCancelsCjsRecv: true,
      canceledInstanceOfBoth: true,
      canceledIsGoSyncError: true,
      canceledIsNotDeadline: true,
      cjsDeadlineEndsEsmSend: true,
      childCancelledWithParent: true,
      chanClosedAcrossCopies: true,
      userSubclass: true,
      cjsCtxCancelsEsmLock: true,
    });
  });
});
