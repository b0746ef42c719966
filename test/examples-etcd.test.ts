// The tour's etcd examples (examples/etcd-*.ts) on the embedded backend, in-process: exact output
// where it is deterministic (patterns where it depends on scheduling: lost updates, STM retries,
// which consumer took which job), and nothing left running when they return. Then the tour itself:
// `--etcd URL` parsing, and examples run as processes against a real etcd (started with the
// harness; without etcd a failure under CI=true, a loud warning otherwise) that exit on their own.

import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { describe, test } from "node:test";
import { etcdBank } from "../examples/etcd-bank.js";
import { etcdArgs } from "../examples/etcd-common.js";
import { etcdElection } from "../examples/etcd-election.js";
import { etcdLock } from "../examples/etcd-lock.js";
import { etcdQueue } from "../examples/etcd-queue.js";
import { connect, prefixEnd } from "../src/etcd/index.js";
import { EtcdServer, etcdBinary } from "./etcd/harness.js";
import { runExample as run } from "./helpers/run-example.js";

const EMBEDDED = "backend: embedded (in-process, etcd's semantics; --etcd URL for a real etcd)";

describe("etcd-election", () => {
  test("5 nodes: failover after a crash and after a partition, then a resignation; one observer", async () => {
    assert.deepEqual(await run(etcdElection, {}), [
      EMBEDDED,
      "5 nodes campaign on /tour/etcd-election/leader, each with a session (lease TTL 1 s)",
      "n1 is the leader; n2 n3 n4 n5 wait in line (the oldest candidate key leads)",
      "n1 crashes: its session stops renewing; etcd deletes its key when the lease expires",
      "n2 is the leader (n1's lease expired)",
      "n2 is cut off from etcd: its keep-alives fail",
      "n2's session expires: it learns it lost the leadership and stops leading",
      "n3 is the leader (n2's lease expired)",
      "n3 resigns",
      "n4 is the leader (at once)",
      "observer saw: n1 -> n2 -> n3 -> n4",
      "shutdown: n5 withdraws, n4 resigns; leader now: none",
    ]);
  });

  test("more nodes wait in line and withdraw at shutdown; fewer than 4 is refused", async () => {
    const lines = await run(etcdElection, { args: ["6"] });
    assert.equal(lines[2], "n1 is the leader; n2 n3 n4 n5 n6 wait in line (the oldest candidate key leads)");
    assert.equal(lines.at(-1), "shutdown: n5 n6 withdraw, n4 resigns; leader now: none");
    await assert.rejects(
      etcdElection.run(() => {}, { nodes: 3 }),
      /at least 4 nodes/,
    );
  });
});

describe("etcd-lock", () => {
  test("without a lock updates are lost; with the Mutex every increment counts, tokens increase", async () => {
    const lines = await run(etcdLock, {});
    assert.equal(lines.length, 6);
    assert.deepEqual(lines.slice(0, 2), [
      EMBEDDED,
      "4 workers, 25 read-modify-write increments each, one counter key",
    ]);
    const m =
      /^without a lock: 100 increments -> counter (\d+) \(updates lost: workers overwrote each other\)$/.exec(
        lines[2]!,
      );
    assert.ok(m, lines[2]);
    assert.ok(Number(m[1]) < 100);
    assert.deepEqual(lines.slice(3), [
      "with the etcd Mutex: 100 increments -> counter 100",
      "per worker: w1=25 w2=25 w3=25 w4=25",
      "100 acquisitions, fencing tokens strictly increasing (each lock key's create revision)",
    ]);
  });

  test("takes workers and increments from its arguments", async () => {
    const lines = await run(etcdLock, { args: ["3", "4"] });
    assert.equal(lines[1], "3 workers, 4 read-modify-write increments each, one counter key");
    assert.equal(lines[3], "with the etcd Mutex: 12 increments -> counter 12");
    assert.equal(lines[4], "per worker: w1=4 w2=4 w3=4");
  });
});

describe("etcd-bank", () => {
  test("serializable snapshot conserves the total; read-committed does not check its reads", async () => {
    const lines = await run(etcdBank, {});
    assert.equal(lines.length, 7);
    assert.deepEqual(lines.slice(0, 2), [
      EMBEDDED,
      "5 accounts of 100 (total 500); 10 tellers x 50 transfers, each moving half of one account's balance to another",
    ]);
    const ss = /^serializable-snapshot \(the default\): 500 transfers committed in (\d+) attempts$/.exec(
      lines[2]!,
    );
    assert.ok(ss, lines[2]);
    assert.ok(Number(ss[1]) >= 500);
    const balances = /^ {2}balances: (\d+) (\d+) (\d+) (\d+) (\d+)$/.exec(lines[3]!);
    assert.ok(balances, lines[3]);
    assert.equal(
      balances.slice(1).reduce((x, y) => x + Number(y), 0),
      500,
    );
    assert.equal(lines[4], "  total: 500 (conserved)");
    assert.equal(lines[5], "read-committed (reads never checked), for contrast: 500 transfers, 500 attempts");
    assert.match(
      lines[6]!,
      /^ {2}total: \d+ \((NOT conserved: transfers overwrote each other|conserved by luck this time)\)$/,
    );
  });
});

describe("etcd-queue", () => {
  test("consumers wait, producers fill, every job handled once and in each producer's order", async () => {
    const lines = await run(etcdQueue, {});
    assert.equal(lines.length, 7);
    assert.deepEqual(lines.slice(0, 3), [
      EMBEDDED,
      "queue /tour/etcd-queue/jobs: 3 producers x 5 jobs, 2 consumers",
      "producers done: 15 jobs enqueued, then 2 stop items",
    ]);
    const m = /^consumers handled: c1=(\d+) c2=(\d+)$/.exec(lines[3]!);
    assert.ok(m, lines[3]);
    assert.equal(Number(m[1]) + Number(m[2]), 15);
    assert.deepEqual(lines.slice(4), [
      "every job handled exactly once",
      "each consumer got each producer's jobs in the order they were enqueued",
      "items left in the queue: 0",
    ]);
  });

  test("takes producers, jobs and consumers from its arguments", async () => {
    const lines = await run(etcdQueue, { args: ["2", "3", "4"] });
    assert.equal(lines[1], "queue /tour/etcd-queue/jobs: 2 producers x 3 jobs, 4 consumers");
    assert.equal(lines[2], "producers done: 6 jobs enqueued, then 4 stop items");
    assert.match(lines[3]!, /^consumers handled: c1=\d+ c2=\d+ c3=\d+ c4=\d+$/);
    assert.equal(lines[4], "every job handled exactly once");
  });
});

describe("--etcd URL", () => {
  test("is split off the positional arguments, in both spellings", () => {
    assert.deepEqual(etcdArgs(["3", "--etcd", "http://10.0.0.1:2379", "4"]), {
      url: "http://10.0.0.1:2379",
      rest: ["3", "4"],
    });
    assert.deepEqual(etcdArgs(["--etcd=http://a:2379,http://b:2379"]), {
      url: "http://a:2379,http://b:2379",
      rest: [],
    });
    assert.deepEqual(etcdArgs(["5"]), { rest: ["5"] });
    assert.deepEqual(etcdArgs(undefined), { rest: [] });
    assert.throws(() => etcdArgs(["--etcd"]), /--etcd needs a URL/);
    assert.throws(() => etcdArgs(["--etcd", "--other"]), /--etcd needs a URL/);
    assert.throws(() => etcdArgs(["--etcd="]), /--etcd needs a URL/);
  });

  /** Runs `tour.ts <args>` as a process; resolves with its exit code and output. */
  const tour = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, ["--import", "tsx", "examples/tour.ts", ...args], {
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      p.stdout.on("data", (d: Buffer) => {
        stdout += d.toString();
      });
      p.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const t = setTimeout(() => {
        p.kill("SIGKILL");
        reject(new Error(`tour ${args.join(" ")} did not exit within 30 s:\n${stdout}\n${stderr}`));
      }, 30_000);
      p.once("exit", (code) => {
        clearTimeout(t);
        resolve({ code, stdout, stderr });
      });
    });

  // A real etcd: the harness's policy (a failure under CI=true without etcd, a loud warning otherwise).
  const hasEtcd = etcdBinary() !== null;
  if (!hasEtcd && process.env.CI !== "true") {
    console.error(
      "!! etcd NOT FOUND: the etcd examples were not run against a real etcd (apt-get install -y etcd-server)",
    );
  } else {
    test("runs the lock and queue examples on a real etcd; each process exits on its own", async () => {
      assert.ok(hasEtcd, "CI=true but no etcd binary: the examples must run against a real etcd");
      const server = await EtcdServer.start();
      try {
        const url = server.endpoint;
        const lock = await tour("etcd-lock", "3", "10", "--etcd", url);
        assert.equal(lock.code, 0, lock.stderr);
        const lines = lock.stdout.trim().split("\n").slice(1);
        assert.equal(lines[0], `  backend: etcd at ${url}`);
        assert.ok(lines.includes("  with the etcd Mutex: 30 increments -> counter 30"), lock.stdout);
        const queue = await tour("etcd-queue", `--etcd=${url}`);
        assert.equal(queue.code, 0, queue.stderr);
        assert.ok(queue.stdout.includes("  every job handled exactly once\n"), queue.stdout);
        assert.ok(queue.stdout.includes("  items left in the queue: 0\n"), queue.stdout);
        // Each run deleted its keys.
        const b = await connect({ endpoints: [url] });
        try {
          const left = await b.range({
            key: "/gosync-tour/",
            end: prefixEnd("/gosync-tour/"),
            countOnly: true,
          });
          assert.equal(left.count, 0);
        } finally {
          await b.close();
        }
      } finally {
        await server.stop();
      }
    });
  }
});
