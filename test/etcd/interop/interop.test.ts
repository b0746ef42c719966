// Go interop: gosync/etcd against Go's own clientv3/concurrency and contrib/recipes (etcd 3.4.23 as
// Debian ships them), on one real etcd started by the harness. A Go peer (peer.go, built once and
// cached) and this process share:
// - one Mutex prefix: Go and TS sessions, all queued behind a gate so both sides contend from the
//   start, increment a counter with a plain read-modify-write under the lock; the final count is
//   the sum, every holder read exactly the count of the holders before it, the recorded hold
//   intervals (CLOCK_MONOTONIC on both sides) never overlap and follow fencing-token order, and the
//   lock passes between Go and TS many times;
// - one Election: TS and Go candidates take turns as leader through resignation, a TS process's
//   death (its connection dropped, lease left to expire) and a Go process's death (SIGKILL); a Go
//   and a TS observer both report exactly that sequence of leaders, and the leaderships never overlap;
// - one Queue and one PriorityQueue: each side dequeues the other's items in order, a waiting
//   consumer on one side is woken by a producer on the other, and mixed consumers get every item once.
//
// Never skipped: without etcd, Go or Debian's etcd Go sources it fails with the command to install
// them (apt-get install -y etcd-server golang-go golang-etcd-server-dev).

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import {
  type Backend,
  connect,
  Election,
  Mutex,
  PriorityQueue,
  prefixEnd,
  Queue,
  Session,
  text,
} from "../../../src/etcd/index.js";
import { EtcdServer, uniquePrefix } from "../harness.js";
import { buildPeer, GoPeer, ns } from "./peer.js";

const now = (): bigint => process.hrtime.bigint();

let server: EtcdServer;
let bin: string;
let b: Backend;
const peers: GoPeer[] = [];

async function peer(name: string): Promise<GoPeer> {
  const p = await GoPeer.start(name, bin, server.endpoint);
  peers.push(p);
  return p;
}

before(async () => {
  const [peerBuild, etcd] = await Promise.allSettled([buildPeer(), EtcdServer.start()]);
  if (peerBuild.status === "rejected") {
    // Stop a server that did start, or it would keep this process alive after the failure.
    if (etcd.status === "fulfilled") await etcd.value.stop();
    throw peerBuild.reason;
  }
  if (etcd.status === "rejected") throw etcd.reason;
  server = etcd.value;
  const built = peerBuild.value;
  bin = built.bin;
  console.error(
    built.cached
      ? `go peer: cached ${bin}`
      : `go peer: built ${bin} in ${(built.buildMs / 1000).toFixed(1)} s`,
  );
  b = await connect({ endpoints: [server.endpoint] });
});

after(async () => {
  await Promise.all(peers.map((p) => p.stop()));
  await b?.close();
  await server?.stop();
});

/** One hold of the lock (or one leadership), on either side. */
interface Interval {
  readonly who: string;
  readonly token: bigint;
  readonly start: bigint;
  readonly end: bigint;
}

/** Sorted by start, each interval ends before the next one starts, and tokens grow in that order. */
function assertSequential(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => (x.start < y.start ? -1 : x.start > y.start ? 1 : 0));
  for (const [i, cur] of sorted.entries()) {
    assert.ok(cur.start <= cur.end, `${cur.who}: interval ends before it starts`);
    const prev = sorted[i - 1];
    if (prev === undefined) continue;
    assert.ok(
      prev.end <= cur.start,
      `overlap: ${prev.who} (token ${prev.token}) held until ${prev.end}, ${cur.who} (token ${cur.token}) from ${cur.start}`,
    );
    assert.ok(prev.token < cur.token, `fencing tokens out of order: ${prev.token} then ${cur.token}`);
  }
  return sorted;
}

describe("Go interop on a real etcd (Go clientv3/concurrency + contrib/recipes 3.4.23)", {
  timeout: 300_000,
}, () => {
  test("Mutex: Go and TS sessions on one prefix exclude each other (counter exact, no overlap)", async () => {
    const go = await peer("go-mutex");
    const pfx = uniquePrefix("interop-mutex");
    const counter = `${pfx}-counter`;
    const N = 12;
    const SESSIONS = 2;
    type Held = Interval & { read: number };

    const tsLoop = async (s: Session, who: string): Promise<Held[]> => {
      const m = new Mutex(s, pfx);
      const held: Held[] = [];
      for (let i = 0; i < N; i++) {
        await m.lock();
        const start = now();
        const r = await b.range({ key: counter });
        const kv = r.kvs[0];
        const read = kv === undefined ? 0 : Number(text(kv.value));
        const w = await b.txn({
          compare: [m.isOwner()],
          success: [{ type: "put", key: counter, value: String(read + 1) }],
        });
        assert.ok(w.succeeded, `${who} lost the lock while holding it`);
        held.push({ who, token: m.rev, start, end: now(), read });
        await m.unlock();
      }
      return held;
    };

    const goIds: string[] = [];
    for (let i = 0; i < SESSIONS; i++) await go.send({ op: "session", session: `m${i}`, ttl: 10 });
    const sessions = await Promise.all(
      Array.from({ length: SESSIONS }, () => Session.create(b, { ttl: 10 })),
    );
    const gateSession = await Session.create(b, { ttl: 10 });
    try {
      // A gate holds the lock until every worker of both sides is queued behind it, so both sides
      // start contending at once (FIFO by create revision then makes them take turns).
      const gate = new Mutex(gateSession, pfx);
      await gate.lock();
      for (let i = 0; i < SESSIONS; i++) {
        goIds.push((await go.send({ op: "lock", session: `m${i}`, prefix: pfx, counter, n: N })).id);
      }
      const tsLoops = Promise.all(sessions.map((s, i) => tsLoop(s, `ts${i}`)));
      tsLoops.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
      const queued = async (): Promise<number> =>
        (await b.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true })).count;
      for (let i = 0; i < 1000 && (await queued()) < 1 + 2 * SESSIONS; i++) await delay(5);
      assert.equal(await queued(), 1 + 2 * SESSIONS, "every worker queued behind the gate");
      await gate.unlock();
      const tsHeld = (await tsLoops).flat();
      for (const id of goIds) await go.next(id, "done", 30_000);
      const goHeld: Held[] = goIds.flatMap((id, i) =>
        go.events(id, "held").map((e) => ({
          who: `go${i}`,
          token: ns(e, "token"),
          start: ns(e, "start"),
          end: ns(e, "end"),
          read: Number(e.read),
        })),
      );
      assert.equal(goHeld.length, SESSIONS * N);
      const all = [...tsHeld, ...goHeld];
      const r = await b.range({ key: counter });
      assert.equal(
        text(r.kvs[0]!.value),
        String(2 * SESSIONS * N),
        "final count = every increment of both sides",
      );
      const sorted = assertSequential(all) as Held[];
      sorted.forEach((h, i) => {
        assert.equal(h.read, i, `${h.who} read ${h.read} but was holder number ${i}`);
      });
      let switches = 0;
      for (let i = 1; i < sorted.length; i++) {
        if (sorted[i]!.who.slice(0, 2) !== sorted[i - 1]!.who.slice(0, 2)) switches++;
      }
      console.error(`mutex interop: ${sorted.length} holds, ${switches} hand-overs between Go and TS`);
      assert.ok(switches >= N, `Go and TS should take turns (only ${switches} hand-overs)`);
      // Nothing left behind under the prefix once everyone unlocked.
      const left = await b.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true });
      assert.equal(left.count, 0);
    } finally {
      await Promise.all([...sessions, gateSession].map((s) => s.close()));
      for (let i = 0; i < SESSIONS; i++) await go.send({ op: "close", session: `m${i}` });
    }
  });

  test("Election: one leader across Go and TS; failover on resign, on a TS death, on a Go death", async () => {
    const goCand = await peer("go-candidate");
    const goObs = await peer("go-observer");
    const pfx = uniquePrefix("interop-election");
    const TTL = 2;
    const leaders: Interval[] = [];
    const expectNotElected = async (p: Promise<unknown> | (() => boolean), what: string): Promise<void> => {
      await delay(300);
      const done =
        typeof p === "function" ? p() : await Promise.race([p.then(() => true), delay(0).then(() => false)]);
      assert.equal(done, false, `${what} must wait while another candidate leads`);
    };
    const leaderBoth = async (value: string): Promise<void> => {
      assert.equal(text((await obsElection.leader()).value), value, "TS leader()");
      const { ok } = await goObs.send({ op: "leader", session: "obs", prefix: pfx });
      assert.equal(ok.value, value, "Go Leader()");
    };

    // Observers on both sides.
    await goObs.send({ op: "session", session: "obs", ttl: 10 });
    const goObserve = (await goObs.send({ op: "observe", session: "obs", prefix: pfx })).id;
    const obsSession = await Session.create(b, { ttl: 10 });
    const obsElection = new Election(obsSession, pfx);
    const stopObs = new AbortController();
    const tsSeen: string[] = [];
    const tsObserve = (async () => {
      for await (const kv of obsElection.observe(stopObs.signal)) tsSeen.push(text(kv.value));
    })();
    const cleanup: Session[] = [obsSession];
    try {
      // 1. A TS candidate leads; a Go candidate waits behind it.
      const s1 = await Session.create(b, { ttl: TTL });
      cleanup.push(s1);
      const e1 = new Election(s1, pfx);
      await e1.campaign("ts-1");
      const ts1Start = now();
      await goCand.send({ op: "session", session: "g", ttl: TTL });
      const c1 = (await goCand.send({ op: "campaign", session: "g", prefix: pfx, value: "go-1" })).id;
      await expectNotElected(() => goCand.events(c1, "elected").length > 0, "go-1");
      await leaderBoth("ts-1");

      // 2. The TS leader resigns: the Go candidate takes over.
      leaders.push({ who: "ts-1", token: e1.rev, start: ts1Start, end: now() });
      await e1.resign();
      const el1 = await goCand.next(c1, "elected");
      const go1Start = ns(el1, "t");
      await leaderBoth("go-1");

      // 3. A TS candidate (its own connection, as another process would have) waits; the Go leader
      //    resigns; the TS candidate takes over.
      const b2 = await connect({ endpoints: [server.endpoint] });
      const s2 = await Session.create(b2, { ttl: TTL });
      const e2 = new Election(s2, pfx);
      const p2 = e2.campaign("ts-2");
      await expectNotElected(p2, "ts-2");
      const { ok: resigned } = await goCand.send({ op: "resign", session: "g", prefix: pfx });
      leaders.push({ who: "go-1", token: ns(el1, "rev"), start: go1Start, end: ns(resigned, "t") });
      await p2;
      const ts2Start = now();
      await leaderBoth("ts-2");

      // 4. The Go side campaigns again; the TS leader's process dies (connection dropped without
      //    revoking: its lease expires after the TTL); the Go candidate takes over, and the TS leader
      //    learns that it lost the leadership.
      const c2 = (await goCand.send({ op: "campaign", session: "g", prefix: pfx, value: "go-2" })).id;
      await expectNotElected(() => goCand.events(c2, "elected").length > 0, "go-2");
      const lost = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("the dead TS leader never learnt it lost")), 10_000);
        e2.signal.addEventListener("abort", () => resolve(clearTimeout(t)), { once: true });
      });
      leaders.push({ who: "ts-2", token: e2.rev, start: ts2Start, end: now() });
      await b2.close();
      await lost;
      assert.equal(e2.isLeader, false);
      const el2 = await goCand.next(c2, "elected", (TTL + 5) * 1000);
      const go2Start = ns(el2, "t");
      await leaderBoth("go-2");

      // 5. A TS candidate waits; the Go leader's process is killed (SIGKILL); the TS candidate takes
      //    over once the Go session's lease has expired.
      const s3 = await Session.create(b, { ttl: TTL });
      cleanup.push(s3);
      const e3 = new Election(s3, pfx);
      const p3 = e3.campaign("ts-3");
      await expectNotElected(p3, "ts-3");
      await goCand.kill();
      leaders.push({ who: "go-2", token: ns(el2, "rev"), start: go2Start, end: goCand.exitedAt });
      await p3;
      const ts3Start = now();
      await leaderBoth("ts-3");
      leaders.push({ who: "ts-3", token: e3.rev, start: ts3Start, end: now() });

      // One leader at a time, in campaign (create revision) order.
      const order = assertSequential(leaders).map((l) => l.who);
      const expected = ["ts-1", "go-1", "ts-2", "go-2", "ts-3"];
      assert.deepEqual(order, expected);

      // Both observers saw exactly that succession.
      for (let i = 0; i < expected.length; i++) await goObs.next(goObserve, "leader");
      const goSeen = goObs.events(goObserve, "leader").map((e) => e.value);
      assert.deepEqual(goSeen, expected, "Go Observe");
      const deadline = Date.now() + 5000;
      while (tsSeen.length < expected.length && Date.now() < deadline) await delay(10);
      assert.deepEqual(tsSeen, expected, "TS observe");
      await e3.resign();
    } finally {
      stopObs.abort();
      await tsObserve;
      await Promise.all(cleanup.map((s) => s.close()));
    }
  });

  test("Queue: each side dequeues the other's items in order; a waiting consumer is woken by the other side", async () => {
    const go = await peer("go-queue");
    const pfx = uniquePrefix("interop-queue");
    const q = new Queue(b, pfx);
    const goDequeue = async (): Promise<string> => {
      const { id } = await go.send({ op: "dequeue", prefix: pfx });
      return String((await go.next(id, "item")).value);
    };

    // TS produces, Go consumes (FIFO).
    for (let i = 1; i <= 5; i++) await q.enqueue(`ts-${i}`);
    const byGo: string[] = [];
    for (let i = 0; i < 5; i++) byGo.push(await goDequeue());
    assert.deepEqual(byGo, ["ts-1", "ts-2", "ts-3", "ts-4", "ts-5"]);

    // Go produces, TS consumes (FIFO).
    for (let i = 1; i <= 5; i++) await go.send({ op: "enqueue", prefix: pfx, value: `go-${i}` });
    const byTs: string[] = [];
    for (let i = 0; i < 5; i++) byTs.push(text(await q.dequeue(AbortSignal.timeout(5000))));
    assert.deepEqual(byTs, ["go-1", "go-2", "go-3", "go-4", "go-5"]);

    // A Go consumer waiting on the empty queue is woken by a TS producer, and the other way round.
    const { id: waiting } = await go.send({ op: "dequeue", prefix: pfx });
    await delay(200);
    assert.equal(go.events(waiting, "item").length, 0);
    await q.enqueue("wake-go");
    assert.equal((await go.next(waiting, "item")).value, "wake-go");
    const tsWaiting = q.dequeue(AbortSignal.timeout(5000));
    await delay(200);
    await go.send({ op: "enqueue", prefix: pfx, value: "wake-ts" });
    assert.equal(text(await tsWaiting), "wake-ts");

    // Mixed: 6 Go and 6 TS consumers waiting, both sides producing: every item goes to exactly one.
    const goIds: string[] = [];
    for (let i = 0; i < 6; i++) goIds.push((await go.send({ op: "dequeue", prefix: pfx })).id);
    const tsTakes = Array.from({ length: 6 }, () => q.dequeue(AbortSignal.timeout(10_000)));
    const items: string[] = [];
    for (let i = 0; i < 6; i++) {
      items.push(`mix-ts-${i}`, `mix-go-${i}`);
      await q.enqueue(`mix-ts-${i}`);
      await go.send({ op: "enqueue", prefix: pfx, value: `mix-go-${i}` });
    }
    const got = [
      ...(await Promise.all(tsTakes)).map(text),
      ...(await Promise.all(goIds.map(async (id) => String((await go.next(id, "item")).value)))),
    ];
    assert.deepEqual([...got].sort(), [...items].sort());
    const left = await b.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true });
    assert.equal(left.count, 0);
  });

  test("PriorityQueue: Go and TS items share priorities and sequence numbers; lowest priority first", async () => {
    const go = await peer("go-pq");
    const pfx = uniquePrefix("interop-pq");
    const pq = new PriorityQueue(b, pfx);
    const goDequeue = async (): Promise<string> => {
      const { id } = await go.send({ op: "pq-dequeue", prefix: pfx });
      return String((await go.next(id, "item")).value);
    };
    await pq.enqueue("ts-p5", 5);
    await go.send({ op: "pq-enqueue", prefix: pfx, value: "go-p1-a", priority: 1 });
    await pq.enqueue("ts-p1-b", 1);
    await go.send({ op: "pq-enqueue", prefix: pfx, value: "go-p1-c", priority: 1 });
    await go.send({ op: "pq-enqueue", prefix: pfx, value: "go-p0", priority: 0 });
    const order = [
      await goDequeue(),
      text(await pq.dequeue(AbortSignal.timeout(5000))),
      await goDequeue(),
      text(await pq.dequeue(AbortSignal.timeout(5000))),
      await goDequeue(),
    ];
    assert.deepEqual(order, ["go-p0", "go-p1-a", "ts-p1-b", "go-p1-c", "ts-p5"]);
  });
});
