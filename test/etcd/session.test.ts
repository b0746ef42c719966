// Session on both backends: grant (default TTL 60 s), keep-alive past the TTL, loss detection
// (lease revoked behind its back), orphan (keys stay until expiry), close (revokes: keys go), adopting
// a lease, and bad input refused before anything is written.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { EtcdError, Session } from "../../src/etcd/index.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();
const errOf = (s: Session): Error | null => s.err;

for (const t of all) {
  describe(`Session on ${t.name}`, { timeout: 120_000 }, () => {
    test("create grants a lease with the default TTL of 60 s; close revokes it and its keys", async () => {
      const b = await t.make();
      try {
        const s = await Session.create(b);
        assert.equal(s.ttl, 60);
        assert.equal(typeof s.lease, "bigint");
        const p = uniquePrefix("sess");
        await b.put({ key: `${p}/k`, value: "v", lease: s.lease });
        const ttl = await b.leaseTimeToLive(s.lease);
        assert.equal(ttl.grantedTtl, 60);
        assert.equal(s.err, null);
        assert.equal(s.signal.aborted, false);
        await s.close();
        const err = errOf(s);
        assert.ok(err instanceof EtcdError && err.code === "closed");
        assert.equal(s.signal.aborted, true);
        assert.equal(s.done().closed, true);
        assert.equal((await b.range({ key: `${p}/k` })).kvs.length, 0);
        assert.equal((await b.leaseTimeToLive(s.lease)).ttl, -1);
        await s.close(); // twice is fine
      } finally {
        await b.close();
      }
    });

    test("keep-alive holds a 1 s lease for 2.5 s", async () => {
      const b = await t.make();
      try {
        const s = await Session.create(b, { ttl: 1 });
        await delay(2500);
        assert.equal(s.err, null);
        assert.ok((await b.leaseTimeToLive(s.lease)).ttl >= 0);
        await s.close();
      } finally {
        await b.close();
      }
    });

    test("a lease revoked behind the session's back: done() closes and signal aborts", async () => {
      const b = await t.make();
      try {
        const s = await Session.create(b, { ttl: 1 });
        const t0 = Date.now();
        await b.leaseRevoke(s.lease);
        await s.done().recv(); // returns once closed
        assert.ok(Date.now() - t0 < 1500, `noticed after ${Date.now() - t0} ms`);
        assert.ok(s.err instanceof EtcdError && s.err.code === "session-expired");
        assert.equal(s.signal.reason, s.err);
        await s.close();
      } finally {
        await b.close();
      }
    });

    test("orphan stops keep-alive: done() fires, the lease lives on until it expires", async () => {
      const b = await t.make();
      try {
        const s = await Session.create(b, { ttl: 30 });
        s.orphan();
        assert.equal(s.done().closed, true);
        assert.ok((await b.leaseTimeToLive(s.lease)).ttl > 0);
        // Another session adopts the orphaned lease (Go's WithLease).
        const s2 = await Session.create(b, { lease: s.lease });
        assert.equal(s2.lease, s.lease);
        await s2.close();
        assert.equal((await b.leaseTimeToLive(s.lease)).ttl, -1);
        await assert.rejects(Session.create(b, { lease: s.lease }), (e: unknown) => e instanceof EtcdError);
      } finally {
        await b.close();
      }
    });

    test("closing the backend ends its sessions at once (no keep-alive left running)", {
      timeout: 20_000,
    }, async () => {
      const b = await t.make();
      const s = await Session.create(b, { ttl: 60 });
      const signal = s.signal;
      assert.equal(b.signal.aborted, false);
      await b.close();
      // Synchronously after close(): not at the next keep-alive tick (20 s away).
      assert.equal(b.signal.aborted, true);
      assert.equal(signal.aborted, true);
      assert.equal(s.done().closed, true);
      const err = errOf(s);
      assert.ok(err instanceof EtcdError && err.code === "closed", String(err));
      await s.close(); // the lease cannot be revoked any more: not an error
    });

    test("bad input is refused before a lease is granted", async () => {
      const b = await t.make();
      try {
        await assert.rejects(Session.create(b, { ttl: 0 }), RangeError);
        await assert.rejects(Session.create(b, { ttl: -1 }), RangeError);
        await assert.rejects(Session.create(b, { ttl: 1.5 }), RangeError);
        await assert.rejects(Session.create(b, { lease: 5 as unknown as bigint }), TypeError);
        await assert.rejects(Session.create(null as unknown as typeof b), TypeError);
        const ac = new AbortController();
        ac.abort(new Error("cancelled"));
        await assert.rejects(Session.create(b, { ctx: ac.signal }), /cancelled/);
      } finally {
        await b.close();
      }
    });
  });
}
