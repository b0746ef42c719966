// Election on both backends: Go's key layout, one leader at a time in campaign order, proclaim in
// place (and refused to a non-leader), resign hands over, leader() / no-leader, campaign cancelled
// withdraws, a leader whose session is lost learns it (signal), and observe() reporting the current
// leader first, then proclaimed values and new leaders.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Backend, Election, EtcdError, type KeyValue, Session, text } from "../../src/etcd/index.js";
import { stateAfterDrain } from "../helpers/settled.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();

async function sessions(b: Backend, n: number, ttl = 10): Promise<Session[]> {
  return Promise.all(Array.from({ length: n }, () => Session.create(b, { ttl })));
}

const isCode = (code: string) => (e: unknown) => e instanceof EtcdError && e.code === code;

for (const t of all) {
  describe(`Election on ${t.name}`, { timeout: 120_000 }, () => {
    test("campaign, proclaim in place, resign hands over in campaign order", async () => {
      const b = await t.make();
      const ss = await sessions(b, 3);
      try {
        const pfx = uniquePrefix("elect");
        const es = ss.map((s) => new Election(s, pfx));
        await assert.rejects(es[0]!.leader(), isCode("no-leader"));
        await es[0]!.campaign("v0");
        assert.equal(es[0]!.key, `${pfx}/${ss[0]!.lease.toString(16)}`);
        assert.ok(es[0]!.isLeader);
        const l0 = await es[1]!.leader();
        assert.equal(text(l0.key), es[0]!.key);
        assert.equal(text(l0.value), "v0");
        assert.equal(es[0]!.rev, l0.createRevision);
        const c1 = es[1]!.campaign("v1");
        await delay(30);
        const c2 = es[2]!.campaign("v2");
        await delay(30);
        assert.equal((await stateAfterDrain(c1)).s, "pending");
        // Candidates are visible with their values while they wait.
        assert.equal(text((await b.range({ key: es[1]!.key })).kvs[0]!.value), "v1");
        await es[0]!.proclaim("v0b");
        const l0b = await es[2]!.leader();
        assert.equal(text(l0b.value), "v0b");
        assert.equal(l0b.createRevision, l0.createRevision, "proclaim keeps the create revision");
        assert.equal(l0b.version, 2n);
        await assert.rejects(es[1]!.proclaim("nope"), isCode("not-leader"));
        const sig = es[0]!.signal;
        await es[0]!.resign();
        assert.equal(sig.aborted, true);
        assert.equal(es[0]!.isLeader, false);
        await c1;
        assert.equal(text((await es[0]!.leader()).value), "v1");
        assert.equal((await stateAfterDrain(c2)).s, "pending");
        await es[1]!.resign();
        await c2;
        assert.equal(text((await es[0]!.leader()).value), "v2");
        await es[0]!.resign(); // not leader: no-op
        await es[2]!.resign();
        await assert.rejects(es[0]!.leader(), isCode("no-leader"));
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("campaign again with another value proclaims it; a cancelled campaign withdraws", async () => {
      const b = await t.make();
      const ss = await sessions(b, 2);
      try {
        const pfx = uniquePrefix("elect2");
        const [e0, e1] = ss.map((s) => new Election(s, pfx));
        await e0!.campaign("a");
        await e0!.campaign("b");
        assert.equal(text((await e1!.leader()).value), "b");
        const ac = new AbortController();
        const p = e1!.campaign("c", ac.signal);
        await delay(30);
        ac.abort(new Error("stop campaigning"));
        await assert.rejects(p, /stop campaigning/);
        assert.equal((await b.range({ key: e1!.key })).kvs.length, 0);
        await e0!.resign();
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("a leader whose session is lost learns it; the next candidate is elected", async () => {
      const b = await t.make();
      const ss = await sessions(b, 2, 1);
      try {
        const pfx = uniquePrefix("elect3");
        const [e0, e1] = ss.map((s) => new Election(s, pfx));
        await e0!.campaign("first");
        const lost = new Promise<unknown>((resolve) =>
          e0!.signal.addEventListener("abort", () => resolve(e0!.signal.reason), { once: true }),
        );
        const next = e1!.campaign("second");
        await delay(30);
        await b.leaseRevoke(ss[0]!.lease);
        await next;
        assert.ok(isCode("session-expired")(await lost));
        assert.equal(e0!.isLeader, false);
        await assert.rejects(e0!.proclaim("still me?"), isCode("not-leader"));
        assert.equal(text((await e1!.leader()).value), "second");
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("observe: current leader first, then proclaimed values and new leaders", async () => {
      const b = await t.make();
      const ss = await sessions(b, 3);
      try {
        const pfx = uniquePrefix("observe");
        const [e0, e1, watcher] = ss.map((s) => new Election(s, pfx));
        const ac = new AbortController();
        const seen: string[] = [];
        const want = ["a1", "a2", "b1", "b2"];
        let resolveDone: () => void = () => {};
        const done = new Promise<void>((r) => {
          resolveDone = r;
        });
        // Starts with no leader: the first candidate is reported.
        const observing = (async () => {
          for await (const kv of watcher!.observe(ac.signal) as AsyncIterable<KeyValue>) {
            seen.push(text(kv.value));
            if (seen.length === want.length) resolveDone();
          }
        })();
        await delay(30);
        await e0!.campaign("a1");
        await delay(30);
        await e0!.proclaim("a2");
        const c1 = e1!.campaign("b1");
        await delay(30);
        await e0!.resign();
        await c1;
        await delay(30);
        await e1!.proclaim("b2");
        await done;
        ac.abort();
        await observing; // ends quietly when ctx is cancelled
        assert.deepEqual(seen, want);
        // A late observer starts with the current leader.
        const late: string[] = [];
        const ac2 = new AbortController();
        for await (const kv of watcher!.observe(ac2.signal)) {
          late.push(text(kv.value));
          ac2.abort();
        }
        assert.deepEqual(late, ["b2"]);
        await e1!.resign();
      } finally {
        await Promise.all(ss.map((s) => s.close()));
        await b.close();
      }
    });

    test("bad input is refused before anything is written", async () => {
      const b = await t.make();
      const [s] = await sessions(b, 1);
      try {
        assert.throws(() => new Election(s!, ""), RangeError);
        const e = new Election(s!, uniquePrefix("bad"));
        await assert.rejects(e.campaign(42 as unknown as string), TypeError);
        assert.equal((await b.range({ key: e.key })).kvs.length, 0);
        await assert.rejects(e.proclaim(null as unknown as string), TypeError);
      } finally {
        await s!.close();
        await b.close();
      }
    });
  });
}
