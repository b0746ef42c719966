// Mutex on both backends: Go's key layout, FIFO by create revision, fencing (isOwner / rev),
// mutual exclusion under contention with strictly increasing fencing tokens, cancellation without
// residue, tryLock, re-entrance per session, the post-wait ownership re-check, session loss of a
// holder (revoked, and keep-alive paused past the TTL), and the handoff not paying etcd's 100 ms
// unsynced-watch delay.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Backend, EtcdError, Mutex, prefixEnd, Session, text } from "../../src/etcd/index.js";
import { stateAfterDrain } from "../helpers/settled.js";
import { pausable, targets, uniquePrefix } from "./harness.js";

const all = await targets();

async function pending(p: Promise<unknown>, ms = 100): Promise<boolean> {
  await delay(ms);
  return (await stateAfterDrain(p)).s === "pending";
}

async function sessions(b: Backend, n: number, ttl = 10): Promise<Session[]> {
  return Promise.all(Array.from({ length: n }, () => Session.create(b, { ttl })));
}

for (const t of all) {
  describe(`Mutex on ${t.name}`, { timeout: 120_000 }, () => {
    test("Go's layout: pfx/ + hex(lease), empty value, on the session lease; fencing with isOwner", async () => {
      const b = await t.make();
      const [s] = await sessions(b, 1);
      try {
        const pfx = uniquePrefix("mu");
        const m = new Mutex(s!, pfx);
        assert.equal(m.key, `${pfx}/${s!.lease.toString(16)}`);
        assert.equal(m.rev, -1n);
        await m.lock();
        const r = await b.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`) });
        assert.equal(r.kvs.length, 1);
        assert.equal(text(r.kvs[0]!.key), m.key);
        assert.equal(r.kvs[0]!.value.length, 0);
        assert.equal(r.kvs[0]!.lease, s!.lease);
        assert.equal(m.rev, r.kvs[0]!.createRevision);
        assert.equal(m.header!.revision, m.rev);
        const fenced = await b.txn({
          compare: [m.isOwner()],
          success: [{ type: "put", key: `${pfx}-data`, value: "1" }],
        });
        assert.equal(fenced.succeeded, true);
        const signal = m.signal;
        await m.unlock();
        assert.equal(signal.aborted, true);
        assert.equal((await b.range({ key: m.key })).kvs.length, 0);
        const stale = await b.txn({
          compare: [{ key: m.key, target: "create", result: "=", value: fenced.header.revision - 1n }],
          success: [{ type: "put", key: `${pfx}-data`, value: "2" }],
        });
        assert.equal(stale.succeeded, false);
      } finally {
        await s!.close();
        await b.close();
      }
    });

    test("waiters are served FIFO by create revision; each gets a larger fencing token", async () => {
      const b = await t.make();
      const ss = await sessions(b, 4);
      try {
        const pfx = uniquePrefix("fifo");
        const ms = ss.map((s) => new Mutex(s, pfx));
        await ms[0]!.lock();
        const order: number[] = [];
        const waits: Promise<void>[] = [];
        for (const i of [1, 2, 3]) {
          waits.push(ms[i]!.lock().then(() => void order.push(i)));
          // Queue strictly in this order (each waiter's key exists before the next one starts).
          for (;;) {
            const r = await b.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true });
            if (r.count === i + 1) break;
            await delay(5);
          }
        }
        assert.ok(await pending(waits[0]!));
        const tokens = [ms[0]!.rev];
        await ms[0]!.unlock();
        for (const i of [1, 2, 3]) {
          await waits[i - 1];
          tokens.push(ms[i]!.rev);
          if (i < 3) assert.ok(await pending(waits[i]!, 50), "only one waiter wakes per release");
          await ms[i]!.unlock();
        }
        assert.deepEqual(order, [1, 2, 3]);
        for (let i = 1; i < tokens.length; i++) assert.ok(tokens[i]! > tokens[i - 1]!);
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("mutual exclusion: 5 sessions x 6 rounds, no overlap, fenced writes all succeed", async () => {
      const b = await t.make();
      const ss = await sessions(b, 5);
      try {
        const pfx = uniquePrefix("excl");
        let inside = 0;
        let counter = 0;
        const log: bigint[] = [];
        await Promise.all(
          ss.map(async (s) => {
            const m = new Mutex(s, pfx);
            for (let r = 0; r < 6; r++) {
              await m.lock();
              inside++;
              assert.equal(inside, 1, "two holders at once");
              log.push(m.rev);
              const before = counter;
              await delay(1);
              const w = await b.txn({
                compare: [m.isOwner()],
                success: [{ type: "put", key: `${pfx}-counter`, value: String(before + 1) }],
              });
              assert.ok(w.succeeded);
              counter = before + 1;
              inside--;
              await m.unlock();
            }
          }),
        );
        assert.equal(counter, 30);
        assert.equal(text((await b.range({ key: `${pfx}-counter` })).kvs[0]!.value), "30");
        for (let i = 1; i < log.length; i++) assert.ok(log[i]! > log[i - 1]!, "fencing tokens increase");
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("a cancelled waiter leaves no key behind, and the next waiter still gets the lock", async () => {
      const b = await t.make();
      const ss = await sessions(b, 3);
      try {
        const pfx = uniquePrefix("cancel");
        const [a, w1, w2] = ss.map((s) => new Mutex(s, pfx));
        await a!.lock();
        const ac = new AbortController();
        const p1 = w1!.lock(ac.signal);
        await delay(50);
        const p2 = w2!.lock();
        await delay(50);
        ac.abort(new Error("gave up"));
        await assert.rejects(p1, /gave up/);
        assert.equal((await b.range({ key: w1!.key })).kvs.length, 0, "cancelled waiter's key removed");
        assert.ok(await pending(p2, 50));
        await a!.unlock();
        await p2;
        assert.ok(w2!.locked);
        await w2!.unlock();
        const pre = new AbortController();
        pre.abort(new Error("already"));
        await assert.rejects(w1!.lock(pre.signal), /already/);
        assert.equal((await b.range({ key: w1!.key })).kvs.length, 0, "nothing written for a cancelled ctx");
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("tryLock takes a free lock and withdraws from a held one; lock is re-entrant per session", async () => {
      const b = await t.make();
      const ss = await sessions(b, 2);
      try {
        const pfx = uniquePrefix("try");
        const [a, c] = ss.map((s) => new Mutex(s, pfx));
        assert.equal(await a!.tryLock(), true);
        assert.equal(await c!.tryLock(), false);
        assert.equal((await b.range({ key: c!.key })).kvs.length, 0);
        // Same session, same prefix: same key, no exclusion (as in Go).
        const again = new Mutex(ss[0]!, pfx);
        await again.lock();
        assert.equal(again.rev, a!.rev);
        await a!.unlock();
        assert.equal(await c!.tryLock(), true);
        await c!.unlock();
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("a waiter whose session is lost while waiting fails instead of reporting a lock it lost", async () => {
      const b = await t.make();
      const ss = await sessions(b, 2, 30);
      try {
        const pfx = uniquePrefix("recheck");
        const [a, w] = ss.map((s) => new Mutex(s, pfx));
        await a!.lock();
        const p = w!.lock();
        p.catch(() => {});
        await delay(50);
        await b.leaseRevoke(ss[1]!.lease); // w's key goes; its session notices within TTL/3
        await a!.unlock();
        await assert.rejects(p, (e: unknown) => e instanceof EtcdError && e.code === "session-expired");
        assert.equal(w!.locked, false);
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("holder's lease revoked: its signal aborts and the next waiter gets the lock", async () => {
      const b = await t.make();
      const ss = await sessions(b, 2, 1);
      try {
        const pfx = uniquePrefix("revoke");
        const [a, w] = ss.map((s) => new Mutex(s, pfx));
        await a!.lock();
        const held = a!.signal;
        const p = w!.lock();
        await delay(50);
        await b.leaseRevoke(ss[0]!.lease);
        await p;
        assert.ok(w!.locked);
        await new Promise<void>((resolve) =>
          held.aborted ? resolve() : held.addEventListener("abort", () => resolve(), { once: true }),
        );
        assert.ok(held.reason instanceof EtcdError && held.reason.code === "session-expired");
        await w!.unlock();
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("holder's keep-alive paused past the TTL: lease expires, signal aborts, next waiter locks", async () => {
      const b = await t.make();
      const faulty = pausable(b);
      const sa = await Session.create(faulty.backend, { ttl: 1 });
      const sw = await Session.create(b, { ttl: 5 });
      try {
        const pfx = uniquePrefix("pause");
        const a = new Mutex(sa, pfx);
        const w = new Mutex(sw, pfx);
        await a.lock();
        const tokenA = a.rev;
        const held = a.signal;
        const p = w.lock();
        faulty.pause();
        const t0 = Date.now();
        await p;
        const took = Date.now() - t0;
        assert.ok(took < 4000, `waiter got the lock after ${took} ms`);
        assert.ok(w.rev > tokenA);
        if (!held.aborted) await new Promise((r) => held.addEventListener("abort", r, { once: true }));
        assert.ok(held.reason instanceof EtcdError && held.reason.code === "session-expired");
        // The old holder's fenced write is refused.
        const stale = await b.txn({
          compare: [a.isOwner()],
          success: [{ type: "put", key: `${pfx}-x`, value: "" }],
        });
        assert.equal(stale.succeeded, false);
        await w.unlock();
      } finally {
        await sa.close().catch(() => {});
        await sw.close();
        await b.close();
      }
    });

    test("handoff is immediate even when other writes happened since the waiter's read", async () => {
      const b = await t.make();
      const pfx = uniquePrefix("handoff");
      // Every watch the waiter starts comes after an unrelated write, so it starts past the revision of
      // the waiter's acquire txn: the waiter must read again before it trusts the watch.
      const noisy = new Proxy(b, {
        get(target, prop, receiver) {
          if (prop === "watch") {
            return async (...args: Parameters<Backend["watch"]>) => {
              await target.put({ key: `${pfx}-noise`, value: "w" });
              return target.watch(...args);
            };
          }
          const v: unknown = Reflect.get(target, prop, receiver);
          return typeof v === "function" ? v.bind(target) : v;
        },
      });
      const ss = [await Session.create(b, { ttl: 10 }), await Session.create(noisy, { ttl: 10 })];
      try {
        const [a, w] = ss.map((s) => new Mutex(s, pfx));
        const lat: number[] = [];
        for (let i = 0; i < 9; i++) {
          await a!.lock();
          const p = w!.lock();
          await delay(20);
          await b.put({ key: `${pfx}-noise`, value: String(i) }); // the watch now starts past the read
          const t0 = performance.now();
          await a!.unlock();
          await p;
          lat.push(performance.now() - t0);
          await w!.unlock();
        }
        lat.sort((x, y) => x - y);
        // Go's scheme pays etcd's 100 ms catch-up loop here: a median around 50 ms.
        const median = lat[lat.length >> 1]!;
        assert.ok(median < 30, `handoff latencies ${lat.map((x) => x.toFixed(1)).join(", ")} ms`);
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("a contended hand-off costs no read and no new watch: one txn per lock, one conditional-delete txn per unlock", async (tc) => {
      const b = await t.make();
      const calls = new Map<string, number>();
      const counted = new Proxy(b, {
        get(target, prop, receiver) {
          const v: unknown = Reflect.get(target, prop, receiver);
          if (typeof v !== "function") return v;
          const name = String(prop);
          return (...args: unknown[]) => {
            calls.set(name, (calls.get(name) ?? 0) + 1);
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
      const ss = await sessions(counted, 5);
      try {
        const pfx = uniquePrefix("cost");
        calls.clear();
        let inside = 0;
        let acquisitions = 0;
        await Promise.all(
          ss.map(async (s) => {
            const m = new Mutex(s, pfx);
            for (let i = 0; i < 10; i++) {
              await m.lock();
              assert.equal(++inside, 1);
              acquisitions++;
              await delay(1);
              inside--;
              await m.unlock();
            }
          }),
        );
        const n = (k: string): number => calls.get(k) ?? 0;
        tc.diagnostic(`calls for 50 acquisitions: ${[...calls].map(([k, v]) => `${k} ${v}`).join(", ")}`);
        assert.equal(acquisitions, 50);
        // unlock deletes only its own incarnation of the key: a txn, never a blind delete.
        assert.equal(n("delete"), 0, "no unconditional delete");
        // One acquire txn per lock and one per unlock; a waiter reads again only if the shared watch
        // started after its txn (the first waiter, or a few times when the watch lingered out between waits).
        assert.ok(n("txn") >= 100 && n("txn") <= 100 + 6, `${n("txn")} txns for 50 acquisitions`);
        assert.ok(n("watch") <= 3, `${n("watch")} watches for 50 acquisitions`);
        assert.equal(n("range"), 0, "no plain reads");
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("bad input is refused", async () => {
      const b = await t.make();
      const [s] = await sessions(b, 1);
      try {
        assert.throws(() => new Mutex(s!, ""), RangeError);
        assert.throws(() => new Mutex(s!, 5 as unknown as string), TypeError);
        assert.throws(() => new Mutex({} as Session, "x"), TypeError);
        await assert.rejects(new Mutex(s!, "x").lock("nope" as unknown as AbortSignal), TypeError);
        await s!.close();
        await assert.rejects(
          new Mutex(s!, "x").lock(),
          (e: unknown) => e instanceof EtcdError && e.code === "closed",
        );
      } finally {
        await b.close();
      }
    });
  });
}
