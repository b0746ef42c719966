// The contrib/recipes primitives on both backends: Queue, PriorityQueue, Barrier, DoubleBarrier and
// RWMutex — Go's key layouts, ordering, exactly-once delivery, waiting and cancellation, and the
// two recipe bugs fixed (Barrier.wait staying blocked after release; Queue taking sibling items).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import {
  type Backend,
  Barrier,
  DoubleBarrier,
  EtcdError,
  PriorityQueue,
  prefixEnd,
  Queue,
  RWMutex,
  Session,
  text,
} from "../../src/etcd/index.js";
import { stateAfterDrain } from "../helpers/settled.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();

async function isPending(p: Promise<unknown>, ms = 60): Promise<boolean> {
  await delay(ms);
  return (await stateAfterDrain(p)).s === "pending";
}

async function keys(b: Backend, pfx: string): Promise<string[]> {
  const r = await b.range({ key: pfx, end: prefixEnd(pfx) });
  return r.kvs.map((kv) => text(kv.key).slice(pfx.length));
}

for (const t of all) {
  describe(`recipes on ${t.name}`, { timeout: 120_000 }, () => {
    test("Queue: Go's layout, FIFO, waits when empty, exactly once, ignores sibling queues", async () => {
      const b = await t.make();
      try {
        const pfx = uniquePrefix("q");
        const q = new Queue(b, pfx);
        await b.put({ key: `${pfx}2/other`, value: "sibling" }); // Go's Dequeue would take this one
        for (const v of ["a", "b", "c"]) await q.enqueue(v);
        const ks = await keys(b, `${pfx}/`);
        assert.equal(ks.length, 3);
        for (const k of ks) assert.match(k, /^\d{19}$/, "pfx/ + UnixNano");
        assert.equal((await b.range({ key: `${pfx}/${ks[0]}` })).kvs[0]!.lease, 0n);
        assert.deepEqual(
          [text(await q.dequeue()), text(await q.dequeue()), text(await q.dequeue())],
          ["a", "b", "c"],
        );
        const waiting = q.dequeue();
        assert.ok(await isPending(waiting));
        await b.put({ key: `${pfx}-noise`, value: "x" });
        await q.enqueue("d");
        assert.equal(text(await waiting), "d");
        // Concurrent consumers: every item exactly once.
        const n = 20;
        const got: string[] = [];
        const consumers = Array.from({ length: 4 }, async () => {
          for (;;) {
            const ac = new AbortController();
            const timer = setTimeout(() => ac.abort(new Error("idle")), 300);
            try {
              got.push(text(await q.dequeue(ac.signal)));
            } catch {
              return;
            } finally {
              clearTimeout(timer);
            }
          }
        });
        await Promise.all(Array.from({ length: n }, (_, i) => q.enqueue(`item-${i}`)));
        await Promise.all(consumers);
        assert.deepEqual(got.sort(), Array.from({ length: n }, (_, i) => `item-${i}`).sort());
        assert.equal(text((await b.range({ key: `${pfx}2/other` })).kvs[0]!.value), "sibling");
        await assert.rejects(q.enqueue(5 as unknown as string), TypeError);
        assert.throws(() => new Queue(b, ""), RangeError);
      } finally {
        await b.close();
      }
    });

    test("PriorityQueue: %05d/%016d keys with the __ bookkeeping key, lowest number first, FIFO within", async () => {
      const b = await t.make();
      try {
        const key = uniquePrefix("pq");
        const pq = new PriorityQueue(b, key);
        await pq.enqueue("p5-a", 5);
        await pq.enqueue("p0-a", 0);
        await pq.enqueue("p5-b", 5);
        await pq.enqueue("p65535", 65535);
        await pq.enqueue("p0-b", 0);
        assert.deepEqual(await keys(b, `${key}/`), [
          "00000/0000000000000000",
          "00000/0000000000000001",
          "00005/0000000000000000",
          "00005/0000000000000001",
          "65535/0000000000000000",
        ]);
        assert.equal((await b.range({ key: `__${key}/00005` })).kvs.length, 1);
        const out: string[] = [];
        for (let i = 0; i < 5; i++) out.push(text(await pq.dequeue()));
        assert.deepEqual(out, ["p0-a", "p0-b", "p5-a", "p5-b", "p65535"]);
        const waiting = pq.dequeue();
        assert.ok(await isPending(waiting));
        await pq.enqueue("late", 7);
        assert.equal(text(await waiting), "late");
        const rev = (await b.range({ key: "x" })).header.revision;
        for (const bad of [-1, 65536, 1.5, Number.NaN])
          await assert.rejects(pq.enqueue("x", bad), RangeError);
        assert.equal((await b.range({ key: "x" })).header.revision, rev, "nothing written");
      } finally {
        await b.close();
      }
    });

    test("Barrier: hold/release/wait; waiters are released even after unrelated writes", async () => {
      const b = await t.make();
      try {
        const key = uniquePrefix("barrier");
        const gate = new Barrier(b, key);
        await gate.wait(); // not held: returns at once
        await gate.hold();
        await assert.rejects(gate.hold(), (e: unknown) => e instanceof EtcdError && e.code === "key-exists");
        const kv = (await b.range({ key })).kvs[0]!;
        assert.equal(kv.value.length, 0);
        assert.equal(kv.lease, 0n);
        await b.put({ key: `${key}-noise`, value: "1" }); // Go's Wait would now miss the release
        const w1 = gate.wait();
        const w2 = new Barrier(b, key).wait();
        assert.ok(await isPending(w1));
        await b.put({ key: `${key}-noise`, value: "2" });
        await gate.release();
        await Promise.all([w1, w2]);
        const ac = new AbortController();
        await gate.hold();
        const w3 = gate.wait(ac.signal);
        ac.abort(new Error("stop waiting"));
        await assert.rejects(w3, /stop waiting/);
        await gate.release();
      } finally {
        await b.close();
      }
    });

    test("DoubleBarrier: enter together, leave together; too many clients refused", async () => {
      const b = await t.make();
      const ss = await Promise.all([0, 1, 2, 3].map(() => Session.create(b, { ttl: 10 })));
      try {
        const key = uniquePrefix("dbl");
        const ds = ss.map((s) => new DoubleBarrier(s, key, 3));
        const e0 = ds[0]!.enter();
        const e1 = ds[1]!.enter();
        assert.ok(await isPending(e0));
        assert.ok(await isPending(e1, 0));
        assert.equal((await keys(b, `${key}/waiters/`)).length, 2);
        await ds[2]!.enter();
        await Promise.all([e0, e1]);
        assert.equal((await b.range({ key: `${key}/ready` })).kvs.length, 1);
        await assert.rejects(
          ds[3]!.enter(),
          (e: unknown) => e instanceof EtcdError && e.code === "too-many-clients",
        );
        const l0 = ds[0]!.leave();
        const l1 = ds[1]!.leave();
        assert.ok(await isPending(l0));
        assert.ok(await isPending(l1, 0));
        await ds[2]!.leave();
        await Promise.all([l0, l1]);
        assert.deepEqual(await keys(b, `${key}/`), []);
        assert.throws(() => new DoubleBarrier(ss[0]!, key, 0), RangeError);
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("RWMutex: readers share, writers exclude, writer-preferring, Go's key layout", async () => {
      const b = await t.make();
      const ss = await Promise.all([0, 1, 2, 3].map(() => Session.create(b, { ttl: 10 })));
      try {
        const pfx = uniquePrefix("rw");
        const [r1, r2, w, r3] = ss.map((s) => new RWMutex(s, pfx));
        await r1!.rLock();
        await r2!.rLock();
        const ks = await keys(b, `${pfx}/`);
        assert.equal(ks.length, 2);
        for (const k of ks) assert.match(k, /^read\/\d{19}$/);
        const wl = w!.lock();
        assert.ok(await isPending(wl));
        const rl = r3!.rLock(); // arrives after a waiting writer: queues behind it
        assert.ok(await isPending(rl));
        await r1!.rUnlock();
        assert.ok(await isPending(wl, 30));
        await r2!.rUnlock();
        await wl;
        assert.ok(await isPending(rl, 30));
        assert.match((await keys(b, `${pfx}/write/`))[0]!, /^\d{19}$/);
        await w!.unlock();
        await rl;
        await r3!.rUnlock();
        assert.deepEqual(await keys(b, `${pfx}/`), []);
        await assert.rejects(r1!.rUnlock(), /RUnlock of unlocked RWMutex/);
        // A cancelled writer leaves no key.
        await r1!.rLock();
        const ac = new AbortController();
        const wc = w!.lock(ac.signal);
        await delay(30);
        ac.abort(new Error("no more"));
        await assert.rejects(wc, /no more/);
        assert.equal((await keys(b, `${pfx}/write/`)).length, 0);
        await r1!.rUnlock();
        assert.throws(() => new RWMutex(ss[0]!, ""), RangeError);
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });
  });
}
