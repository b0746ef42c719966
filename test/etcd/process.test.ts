// Whole-process faults on a real etcd (the client runs in a child process, test/etcd/holder-child.ts):
// - a holder paused (SIGSTOP) past its session's TTL, while another process takes the lock and the
//   leadership: resumed (SIGCONT), its synchronous checks (session.err, mutex.locked and signal,
//   election.isLeader and signal) already tell it that it lost them — before any of its timers ran —
//   and its fenced write is rejected by etcd;
// - closing the backend ends the sessions on it at once (err, signals, waiters rejected), and the
//   process exits by itself instead of waiting for the next keep-alive tick;
// - a Queue consumer killed (SIGKILL) right after dequeuing: its item is gone for good (at-most-once).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { connect, Election, Mutex, prefixEnd, Queue, Session, text } from "../../src/etcd/index.js";
import { EtcdServer, haveEtcd, uniquePrefix } from "./harness.js";

const CHILD = fileURLToPath(new URL("./holder-child.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

type Line = Record<string, unknown>;

/** A child process and its stdout as a queue of parsed JSON lines. */
class Child {
  readonly proc: ChildProcess;
  readonly #lines: Line[] = [];
  readonly #wake: (() => void)[] = [];
  stderr = "";
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: readonly string[]) {
    this.proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let buf = "";
    this.proc.stdout!.on("data", (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
        this.#lines.push(JSON.parse(buf.slice(0, i)) as Line);
        buf = buf.slice(i + 1);
        for (const w of this.#wake.splice(0)) w();
      }
    });
    this.proc.stderr!.on("data", (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => {
      this.proc.on("exit", (code, signal) => {
        for (const w of this.#wake.splice(0)) w();
        resolve({ code, signal });
      });
    });
    after(() => {
      if (this.proc.exitCode === null && this.proc.signalCode === null) {
        this.proc.kill("SIGCONT");
        this.proc.kill("SIGKILL");
      }
    });
  }

  async next(): Promise<Line> {
    for (;;) {
      const l = this.#lines.shift();
      if (l !== undefined) return l;
      if (this.proc.exitCode !== null || this.proc.signalCode !== null) {
        throw new Error(`child exited (${this.proc.exitCode ?? this.proc.signalCode}): ${this.stderr}`);
      }
      await new Promise<void>((resolve) => this.#wake.push(resolve));
    }
  }
}

describe("whole-process faults on a real etcd", { skip: !haveEtcd(), timeout: 120_000 }, async () => {
  const server = await EtcdServer.start();
  after(() => server.stop());

  test("a holder paused past its TTL knows it lost the lock and the leadership the moment it resumes", {
    timeout: 60_000,
  }, async () => {
    const pfx = uniquePrefix("paused");
    const marker = join(tmpdir(), `gosync-resume-${process.pid}-${Math.random().toString(36).slice(2)}`);
    after(() => rmSync(marker, { force: true }));
    const child = new Child(["pause", server.endpoint, pfx, marker]);
    const held = await child.next();
    // The child spins synchronously from the moment it wrote "held": stop it there.
    child.proc.kill("SIGSTOP");
    assert.deepEqual([held.held, held.locked, held.leader], [true, true, true]);
    const b = await connect({ endpoints: [server.endpoint] });
    try {
      // The lease runs out on the server; this process takes the lock and the leadership.
      const lease = BigInt(held.lease as string);
      while ((await b.leaseTimeToLive(lease)).ttl !== -1) await delay(100);
      const s = await Session.create(b, { ttl: 10 });
      const m = new Mutex(s, `${pfx}/lock`);
      await m.lock(AbortSignal.timeout(20_000));
      assert.ok(m.rev > BigInt(held.rev as string), "the fencing token grew");
      const e = new Election(s, `${pfx}/election`);
      await e.campaign("parent", AbortSignal.timeout(20_000));
      writeFileSync(marker, "");
      child.proc.kill("SIGCONT");
      const resumed = await child.next();
      assert.deepEqual(resumed, {
        resumed: true,
        err: "session-expired",
        sessionAborted: true,
        locked: false,
        lockSignalAborted: true,
        leader: false,
        leaderSignalAborted: true,
      });
      // The protection that does not depend on the client's clock: etcd rejects the stale token.
      assert.deepEqual(await child.next(), { fenced: false });
      assert.equal((await b.range({ key: `${pfx}/data` })).kvs.length, 0);
      assert.equal(text((await e.leader()).value), "parent");
      assert.equal((await child.exited).code, 0);
      await s.close();
    } finally {
      await b.close();
    }
  });

  test("closing the backend ends its sessions and their waiters at once, and the process exits by itself", {
    timeout: 60_000,
  }, async () => {
    const child = new Child(["close", server.endpoint, uniquePrefix("closed")]);
    const r = await child.next();
    assert.deepEqual(r, {
      err: "closed",
      err2: "closed",
      sessionAborted: true,
      doneClosed: true,
      locked: false,
      lockSignalAborted: true,
      leader: false,
      waiter: "closed",
      campaigner: "closed",
    });
    // Its sessions have 300 s leases (keep-alive every 100 s): only an ended session lets it go now.
    assert.deepEqual(await child.exited, { code: 0, signal: null });
  });

  test("a consumer killed mid-job loses its item: Queue delivery is at-most-once, as Go's recipes", {
    timeout: 60_000,
  }, async () => {
    const pfx = uniquePrefix("consumer");
    const b = await connect({ endpoints: [server.endpoint] });
    try {
      const q = new Queue(b, `${pfx}/queue`);
      await q.enqueue("job-1");
      await q.enqueue("job-2");
      const child = new Child(["dequeue", server.endpoint, pfx]);
      assert.deepEqual(await child.next(), { dequeued: "job-1" });
      child.proc.kill("SIGKILL");
      assert.equal((await child.exited).signal, "SIGKILL");
      // job-1 was claimed (deleted) by the dead consumer: nobody gets it again; the next is job-2.
      assert.equal(text(await q.dequeue(AbortSignal.timeout(20_000))), "job-2");
      const left = await b.range({ key: `${pfx}/queue/`, end: prefixEnd(`${pfx}/queue/`) });
      assert.equal(left.kvs.length, 0);
    } finally {
      await b.close();
    }
  });
});
