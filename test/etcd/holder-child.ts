// A gosync/etcd client process for test/etcd/process.test.ts (not a test file itself): faults that
// are about a whole process — being paused (SIGSTOP) while holding a lock, and exiting after its
// backend is closed. Run as `node --import tsx holder-child.ts <mode> <endpoint> <prefix> [marker]`;
// it reports JSON lines on stdout, written synchronously (fs.writeSync) so a report made inside a
// synchronous loop is out before the process can be stopped.
//
// Modes:
// - pause: takes a Mutex and an Election with a 2 s session, reports "held", then spins in a
//   synchronous loop (no event-loop turn: no keep-alive can run) until the file `marker` exists. The
//   parent stops the process as soon as "held" arrives, lets the lease expire, creates the marker and
//   resumes it. The first thing the resumed process does — before any timer can run — is read
//   every synchronous "do I still hold it" check and report them, then tries a fenced write.
// - close: holds a Mutex on a 300 s session (keep-alive every 100 s), queues a second session's lock
//   and campaign behind it, then closes the backend and reports what the sessions, the holder's
//   signal and the waiters say. It must then exit by itself, with nothing left keeping it alive.
// - dequeue: takes one item of a Queue, reports it, and never finishes processing it (the parent
//   kills it: a consumer dying mid-job).
import { existsSync, writeSync } from "node:fs";
import { connect, Election, EtcdError, Mutex, Queue, Session, text } from "../../src/etcd/index.js";

const [mode, endpoint, pfx, marker] = process.argv.slice(2) as [string, string, string, string?];
const report = (o: Record<string, unknown>): void => {
  writeSync(1, `${JSON.stringify(o, (_, v: unknown) => (typeof v === "bigint" ? v.toString() : v))}\n`);
};
const codeOf = (e: unknown): string => (e instanceof EtcdError ? e.code : String(e));

const b = await connect({ endpoints: [endpoint] });

if (mode === "pause") {
  const s = await Session.create(b, { ttl: 2 });
  const m = new Mutex(s, `${pfx}/lock`);
  const e = new Election(s, `${pfx}/election`);
  await m.lock();
  await e.campaign("child");
  const lockSignal = m.signal;
  const leaderSignal = e.signal;
  report({ held: true, rev: m.rev, lease: s.lease, locked: m.locked, leader: e.isLeader });
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  while (marker === undefined || !existsSync(marker)) Atomics.wait(sleeper, 0, 0, 5);
  // Resumed: nothing of the event loop has run since the pause (we never left this turn).
  report({
    resumed: true,
    err: s.err === null ? null : codeOf(s.err),
    sessionAborted: s.signal.aborted,
    locked: m.locked,
    lockSignalAborted: lockSignal.aborted,
    leader: e.isLeader,
    leaderSignalAborted: leaderSignal.aborted,
  });
  const r = await b.txn({
    compare: [m.isOwner()],
    success: [{ type: "put", key: `${pfx}/data`, value: "child" }],
  });
  report({ fenced: r.succeeded });
  await b.close();
} else if (mode === "close") {
  const s = await Session.create(b, { ttl: 300 });
  const m = new Mutex(s, `${pfx}/lock`);
  await m.lock();
  const e = new Election(s, `${pfx}/election`);
  await e.campaign("holder");
  const s2 = await Session.create(b, { ttl: 300 });
  const waiting = new Mutex(s2, `${pfx}/lock`).lock().then(
    () => "acquired",
    (err: unknown) => codeOf(err),
  );
  const campaigning = new Election(s2, `${pfx}/election`).campaign("waiter").then(
    () => "elected",
    (err: unknown) => codeOf(err),
  );
  const lockSignal = m.signal;
  await b.close();
  report({
    err: s.err === null ? null : codeOf(s.err),
    err2: s2.err === null ? null : codeOf(s2.err),
    sessionAborted: s.signal.aborted,
    doneClosed: s.done().closed,
    locked: m.locked,
    lockSignalAborted: lockSignal.aborted,
    leader: e.isLeader,
    waiter: await waiting,
    campaigner: await campaigning,
  });
} else if (mode === "dequeue") {
  // Takes one item and reports it, then "processes" it forever: the parent kills it mid-way.
  const item = await new Queue(b, `${pfx}/queue`).dequeue(AbortSignal.timeout(30_000));
  report({ dequeued: text(item) });
  await new Promise(() => {});
} else {
  throw new Error(`unknown mode ${mode}`);
}
