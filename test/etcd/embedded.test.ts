// The embedded backend's own duties as a process-local store: a hot loop of requests lets the
// process's timers run (it never settles outside the microtask queue otherwise), without reordering
// requests made without awaiting; and keys deleted long ago — skipped by current reads through the
// live-key index, dropped by compaction — leave every read, past and present, correct.
import assert from "node:assert/strict";
import { test } from "node:test";
import { EtcdError, embedded, prefixEnd, text } from "../../src/etcd/index.js";

test("a hot loop of transactions does not starve the process's timers", { timeout: 20_000 }, async () => {
  const b = embedded();
  try {
    let fired = false;
    setTimeout(() => {
      fired = true;
    }, 1);
    let n = 0;
    // Every txn settles at once: without the store yielding, this loop would never see the timer (nor
    // would the test runner's own timeout fire): bounded, so that failure is reported, not a hang.
    while (!fired && n < 100_000) {
      await b.txn({
        compare: [{ key: "k", target: "mod", result: "<", value: 1n << 62n }],
        success: [{ type: "put", key: "k", value: String(n++) }],
      });
    }
    assert.equal(fired, true, `the timer never ran during ${n} transactions`);
    assert.equal(text((await b.range({ key: "k" })).kvs[0]!.value), String(n - 1));
  } finally {
    await b.close();
  }
});

test("requests made without awaiting apply in the order they were made, across the store's pauses", {
  timeout: 20_000,
}, async () => {
  const b = embedded();
  try {
    const all: Promise<unknown>[] = [];
    for (let i = 0; i < 5000; i++) all.push(b.put({ key: "seq", value: String(i) }));
    const revs = (await Promise.all(all)).map((r) => (r as { header: { revision: bigint } }).header.revision);
    for (let i = 1; i < revs.length; i++) assert.equal(revs[i], revs[i - 1]! + 1n);
    assert.equal(text((await b.range({ key: "seq" })).kvs[0]!.value), "4999");
    // Lease requests keep their place too: a revoke made after 600 puts on the lease comes after them.
    const lease = (await b.leaseGrant(60)).id;
    const puts = Array.from({ length: 600 }, (_, i) => b.put({ key: `l/${i}`, value: "", lease }));
    const revoked = b.leaseRevoke(lease);
    await Promise.all(puts);
    await revoked;
    assert.equal((await b.range({ key: "l/", end: prefixEnd("l/"), countOnly: true })).count, 0);
  } finally {
    await b.close();
  }
});

test("keys deleted long ago: current and past reads stay exact through compaction", {
  timeout: 30_000,
}, async () => {
  const b = embedded({ historyRevisions: 500 });
  try {
    const live = new Map<string, string>();
    let snapshot: { rev: bigint; keys: string[] } | null = null;
    for (let i = 0; i < 3000; i++) {
      const k = `/p/${(i * 7919) % 1000}`;
      if (live.has(k) && i % 3 === 0) {
        await b.delete({ key: k });
        live.delete(k);
      } else {
        await b.put({ key: k, value: String(i) });
        live.set(k, String(i));
      }
      if (i === 2800) {
        const r = await b.range({ key: "/p/", end: prefixEnd("/p/"), keysOnly: true });
        snapshot = { rev: r.header.revision, keys: r.kvs.map((kv) => text(kv.key)) };
      }
    }
    const now = await b.range({ key: "/p/", end: prefixEnd("/p/") });
    assert.deepEqual(
      now.kvs.map((kv) => [text(kv.key), text(kv.value)]),
      [...live].sort(([x], [y]) => (x < y ? -1 : 1)),
    );
    assert.equal(now.count, live.size);
    // 200 revisions ago is within history: the same keys as read then.
    const past = await b.range({
      key: "/p/",
      end: prefixEnd("/p/"),
      keysOnly: true,
      revision: snapshot!.rev,
    });
    assert.deepEqual(
      past.kvs.map((kv) => text(kv.key)),
      snapshot!.keys,
    );
    // The first revisions are compacted away.
    await assert.rejects(
      b.range({ key: "/p/", end: prefixEnd("/p/"), revision: 2n }),
      (e: unknown) => e instanceof EtcdError && e.code === "compacted",
    );
  } finally {
    await b.close();
  }
});
