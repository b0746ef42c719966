// Backend conformance: the same scenarios run on the embedded backend and on a real etcd 3.4. Each
// scenario asserts etcd's behaviour on every response field the primitives rely on (revisions,
// create/mod revision, version, lease, more/count, sort and filters, txn compare rules, lease TTLs,
// watch history and batching); then, for every scenario, the transcripts of both backends
// (revisions relative to the scenario's start, lease IDs by order of appearance) must be equal.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import fc from "fast-check";
import type {
  Backend,
  Compare,
  KeyValue,
  Op,
  SortOrder,
  SortTarget,
  Watch,
  WatchResponse,
} from "../../src/etcd/index.js";
import { EtcdError, embedded, prefixEnd, text } from "../../src/etcd/index.js";
import { type Target, targets, uniquePrefix } from "./harness.js";

const all = await targets();

/** Records normalised responses: revisions relative to `base`, lease IDs as L1, L2, ... */
class Rec {
  readonly lines: unknown[] = [];
  readonly leases = new Map<bigint, string>();
  constructor(readonly base: bigint) {}
  rev(r: bigint): string {
    return r === 0n ? "0" : `+${r - this.base}`;
  }
  lease(id: bigint): string {
    if (id === 0n) return "0";
    let s = this.leases.get(id);
    if (s === undefined) {
      s = `L${this.leases.size + 1}`;
      this.leases.set(id, s);
    }
    return s;
  }
  norm(x: unknown, field = ""): unknown {
    if (x instanceof Uint8Array) return text(x);
    if (typeof x === "bigint") {
      if (/revision$|Revision$/i.test(field)) return this.rev(x);
      if (field === "lease" || field === "id") return this.lease(x);
      return x.toString();
    }
    if (Array.isArray(x)) return x.map((v) => this.norm(v, field));
    if (typeof x === "object" && x !== null) {
      const o: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(x)) if (v !== undefined) o[k] = this.norm(v, k);
      return o;
    }
    return x;
  }
  push(label: string, x: unknown): void {
    this.lines.push([label, this.norm(x)]);
  }
}

async function currentRev(b: Backend, p: string): Promise<bigint> {
  return (await b.range({ key: `${p}/__probe` })).header.revision;
}

function kvText(kv: KeyValue): [string, string] {
  return [text(kv.key), text(kv.value)];
}

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof EtcdError && e.code === code);
}

async function nextWithin(w: Watch, ms: number): Promise<WatchResponse> {
  const ac = new AbortController();
  const t = setTimeout(() => ac.abort(new Error(`no watch response within ${ms} ms`)), ms);
  try {
    return await w.next(ac.signal);
  } finally {
    clearTimeout(t);
  }
}

type Scenario = (b: Backend, p: string, rec: Rec) => Promise<void>;

const scenarios: Record<string, Scenario> = {
  async "put, version, create/mod revision, prevKv, delete"(b, p, rec) {
    const base = rec.base;
    const r1 = await b.put({ key: `${p}/a`, value: "1" });
    assert.equal(r1.header.revision, base + 1n);
    const g1 = await b.range({ key: `${p}/a` });
    assert.deepEqual(kvText(g1.kvs[0]!), [`${p}/a`, "1"]);
    assert.equal(g1.kvs[0]!.createRevision, base + 1n);
    assert.equal(g1.kvs[0]!.modRevision, base + 1n);
    assert.equal(g1.kvs[0]!.version, 1n);
    assert.equal(g1.kvs[0]!.lease, 0n);
    assert.equal(g1.count, 1);
    assert.equal(g1.more, false);
    rec.push("get1", g1);
    const r2 = await b.put({ key: `${p}/a`, value: new Uint8Array([0, 255, 1]), prevKv: true });
    assert.equal(r2.header.revision, base + 2n);
    assert.equal(text(r2.prevKv!.value), "1");
    rec.push("put2", r2);
    const g2 = await b.range({ key: `${p}/a` });
    assert.deepEqual([...g2.kvs[0]!.value], [0, 255, 1]);
    assert.equal(g2.kvs[0]!.createRevision, base + 1n);
    assert.equal(g2.kvs[0]!.modRevision, base + 2n);
    assert.equal(g2.kvs[0]!.version, 2n);
    rec.push("get2", g2);
    const d1 = await b.delete({ key: `${p}/a`, prevKv: true });
    assert.equal(d1.deleted, 1);
    assert.equal(d1.header.revision, base + 3n);
    rec.push("del1", d1);
    const d2 = await b.delete({ key: `${p}/a` });
    assert.equal(d2.deleted, 0);
    assert.equal(d2.header.revision, base + 3n, "a delete that deletes nothing does not bump the revision");
    const g3 = await b.range({ key: `${p}/a` });
    assert.deepEqual(g3.kvs, []);
    assert.equal(g3.count, 0);
    rec.push("get3", g3);
    // Re-created: a new create revision, version back to 1.
    await b.put({ key: `${p}/a`, value: "x" });
    const g4 = await b.range({ key: `${p}/a` });
    assert.equal(g4.kvs[0]!.createRevision, base + 4n);
    assert.equal(g4.kvs[0]!.version, 1n);
    rec.push("get4", g4);
    // Reading the past: the value at a revision, while the header carries the current revision.
    const past = await b.range({ key: `${p}/a`, revision: base + 2n });
    assert.deepEqual([...past.kvs[0]!.value], [0, 255, 1]);
    assert.equal(past.header.revision, base + 4n);
    rec.push("past", past);
    const gone = await b.range({ key: `${p}/a`, revision: base + 3n });
    assert.deepEqual(gone.kvs, []);
    await rejectsWith(b.range({ key: `${p}/a`, revision: base + 1000n }), "future-revision");
    await rejectsWith(b.put({ key: "", value: "x" }), "empty-key");
  },

  async "range: prefix, sort, limit, more, count, revision filters"(b, p, rec) {
    const base = rec.base;
    // c, a, b created in that order; then a modified.
    for (const k of ["c", "a", "b"]) await b.put({ key: `${p}/q/${k}`, value: k });
    await b.put({ key: `${p}/q/a`, value: "a2" });
    await b.put({ key: `${p}/q0`, value: "sibling outside the prefix" });
    const P = `${p}/q/`;
    const end = prefixEnd(P);
    assert.equal(text(end), `${p}/q0`);
    const plain = await b.range({ key: P, end });
    assert.deepEqual(
      plain.kvs.map((kv) => text(kv.key).slice(P.length)),
      ["a", "b", "c"],
    );
    assert.equal(plain.count, 3);
    rec.push("plain", plain);
    const firstCreate = await b.range({ key: P, end, sortTarget: "create", sortOrder: "ascend", limit: 1 });
    assert.deepEqual(kvText(firstCreate.kvs[0]!), [`${P}c`, "c"]);
    assert.equal(firstCreate.more, true);
    assert.equal(firstCreate.count, 3);
    rec.push("firstCreate", firstCreate);
    const lastCreate = await b.range({ key: P, end, sortTarget: "create", sortOrder: "descend", limit: 1 });
    assert.equal(text(lastCreate.kvs[0]!.key), `${P}b`);
    rec.push("lastCreate", lastCreate);
    // sortOrder "none" with a non-key target sorts ascending (etcd's applier rule).
    const noneCreate = await b.range({ key: P, end, sortTarget: "create", limit: 2 });
    assert.deepEqual(
      noneCreate.kvs.map((kv) => text(kv.value)),
      ["c", "a2"],
    );
    rec.push("noneCreate", noneCreate);
    const lastKey = await b.range({ key: P, end, sortTarget: "key", sortOrder: "descend", limit: 1 });
    assert.equal(text(lastKey.kvs[0]!.key), `${P}c`);
    rec.push("lastKey", lastKey);
    const firstMod = await b.range({ key: P, end, sortTarget: "mod", sortOrder: "ascend", limit: 1 });
    assert.equal(text(firstMod.kvs[0]!.key), `${P}c`);
    const lastMod = await b.range({ key: P, end, sortTarget: "mod", sortOrder: "descend", limit: 1 });
    assert.equal(text(lastMod.kvs[0]!.key), `${P}a`);
    rec.push("mods", [firstMod, lastMod]);
    // waitDeletes' read: the newest key created before a revision.
    const older = await b.range({
      key: P,
      end,
      sortTarget: "create",
      sortOrder: "descend",
      limit: 1,
      maxCreateRevision: base + 2n,
    });
    assert.equal(text(older.kvs[0]!.key), `${P}a`);
    assert.equal(older.count, 3, "count ignores the filters");
    rec.push("older", older);
    const none = await b.range({ key: P, end, maxCreateRevision: base });
    assert.deepEqual(none.kvs, []);
    assert.equal(none.more, false);
    const minMod = await b.range({ key: P, end, minModRevision: base + 3n });
    assert.deepEqual(
      minMod.kvs.map((kv) => text(kv.value)),
      ["a2", "b"],
    );
    const maxMod = await b.range({
      key: P,
      end,
      maxModRevision: base + 3n,
      sortTarget: "value",
      sortOrder: "descend",
    });
    assert.deepEqual(
      maxMod.kvs.map((kv) => text(kv.value)),
      ["c", "b"],
    );
    rec.push("filters", [none, minMod, maxMod]);
    const keysOnly = await b.range({ key: P, end, keysOnly: true, limit: 2 });
    assert.deepEqual(
      keysOnly.kvs.map((kv) => kv.value.length),
      [0, 0],
    );
    assert.equal(keysOnly.more, true);
    const countOnly = await b.range({ key: P, end, countOnly: true });
    assert.equal(countOnly.count, 3);
    assert.deepEqual(countOnly.kvs, []);
    rec.push("only", [keysOnly, countOnly]);
    // "\0" as the end: every key from `key` on.
    const fromKey = await b.range({ key: `${p}/q/b`, end: "\0" });
    assert.deepEqual(fromKey.kvs.map((kv) => text(kv.value)).slice(0, 3), [
      "b",
      "c",
      "sibling outside the prefix",
    ]);
  },

  async "txn: compares, branches, one revision, reads see own writes"(b, p, rec) {
    const base = rec.base;
    const P = `${p}/m/`;
    const K = `${P}k1`;
    // The Mutex acquire txn: create-if-absent, then read the owner in the same txn.
    const lock = await b.txn({
      compare: [{ key: K, target: "create", result: "=", value: 0n }],
      success: [
        { type: "put", key: K, value: "" },
        { type: "range", key: P, end: prefixEnd(P), sortTarget: "create", sortOrder: "ascend", limit: 1 },
      ],
      failure: [{ type: "range", key: K }],
    });
    assert.equal(lock.succeeded, true);
    assert.equal(lock.header.revision, base + 1n);
    const owner = lock.responses[1]!;
    assert.equal(owner.type, "range");
    if (owner.type !== "range") return;
    assert.equal(owner.kvs[0]!.createRevision, base + 1n, "a range after a put in one txn sees the put");
    assert.equal(owner.header.revision, base + 1n);
    rec.push("lock", lock);
    const again = await b.txn({
      compare: [{ key: K, target: "create", result: "=", value: 0n }],
      success: [{ type: "put", key: K, value: "" }],
      failure: [{ type: "range", key: K }],
    });
    assert.equal(again.succeeded, false);
    assert.equal(again.header.revision, base + 1n, "a failed txn does not bump the revision");
    const r0 = again.responses[0]!;
    assert.ok(r0.type === "range" && r0.kvs[0]!.createRevision === base + 1n);
    rec.push("again", again);
    // Two writes in one txn share one revision.
    const two = await b.txn({
      success: [
        { type: "put", key: `${P}k2`, value: "v2" },
        { type: "put", key: `${P}k3`, value: "v3" },
        { type: "delete", key: K },
      ],
    });
    assert.equal(two.header.revision, base + 2n);
    const both = await b.range({ key: P, end: prefixEnd(P) });
    assert.deepEqual(
      both.kvs.map((kv) => [text(kv.key).slice(P.length), kv.createRevision - base]),
      [
        ["k2", 2n],
        ["k3", 2n],
      ],
    );
    rec.push("two", [two, both]);
    // Compares on a missing key: revisions/version/lease compare as 0; a value compare is false.
    const missing = `${P}nope`;
    for (const [c, want] of [
      [{ key: missing, target: "version", result: "=", value: 0n }, true],
      [{ key: missing, target: "mod", result: "<", value: 1n }, true],
      [{ key: missing, target: "lease", result: "=", value: 0n }, true],
      [{ key: missing, target: "value", result: "=", value: "" }, false],
      [{ key: missing, target: "value", result: "!=", value: "x" }, false],
      [{ key: `${P}k2`, target: "value", result: "=", value: "v2" }, true],
      [{ key: `${P}k2`, target: "value", result: ">", value: "v1" }, true],
      [{ key: `${P}k2`, target: "version", result: "=", value: 1n }, true],
      [{ key: `${P}k2`, target: "mod", result: "<", value: base + 3n }, true],
      [{ key: `${P}k2`, target: "mod", result: ">", value: base + 2n }, false],
      [{ key: `${P}k2`, target: "create", result: "!=", value: base + 2n }, false],
      [{ key: P, end: prefixEnd(P), target: "version", result: "=", value: 1n }, true],
      [{ key: P, end: prefixEnd(P), target: "value", result: "=", value: "v2" }, false],
    ] as const) {
      const r = await b.txn({ compare: [c] });
      assert.equal(
        r.succeeded,
        want,
        JSON.stringify(c, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
      );
      assert.equal(r.header.revision, base + 2n);
      rec.push("cmp", r.succeeded);
    }
    // The recipes' sequential-key guard: MOD(k) < rev + 1 on a missing bookkeeping key succeeds.
    const seq = await b.txn({
      compare: [{ key: `__${P}`, target: "mod", result: "<", value: base + 3n }],
      success: [
        { type: "put", key: `__${P}`, value: "" },
        { type: "put", key: `${P}0000000000000000`, value: "item" },
      ],
    });
    assert.equal(seq.succeeded, true);
    rec.push("seq", seq);
    await rejectsWith(
      b.txn({
        success: [
          { type: "put", key: `${P}d`, value: "1" },
          { type: "put", key: `${P}d`, value: "2" },
        ],
      }),
      "duplicate-key",
    );
    await rejectsWith(
      b.txn({
        success: [
          { type: "delete", key: P, end: prefixEnd(P) },
          { type: "put", key: `${P}d`, value: "2" },
        ],
      }),
      "duplicate-key",
    );
    assert.equal(await currentRev(b, p), base + 3n, "refused txns write nothing");
  },

  async "leases: grant, attach, time-to-live, keep-alive, revoke"(b, p, rec) {
    const base = rec.base;
    const g = await b.leaseGrant(30);
    assert.equal(g.ttl, 30);
    assert.ok(g.id > 0n);
    rec.push("grant", { id: g.id, ttl: g.ttl });
    await b.put({ key: `${p}/l/a`, value: "a", lease: g.id });
    await b.put({ key: `${p}/l/b`, value: "b", lease: g.id });
    await b.put({ key: `${p}/l/c`, value: "c" });
    const got = await b.range({ key: `${p}/l/`, end: prefixEnd(`${p}/l/`) });
    assert.deepEqual(
      got.kvs.map((kv) => kv.lease),
      [g.id, g.id, 0n],
    );
    rec.push("attached", got);
    const ttl = await b.leaseTimeToLive(g.id, true);
    assert.ok(ttl.ttl >= 28 && ttl.ttl <= 30, `ttl ${ttl.ttl}`);
    assert.equal(ttl.grantedTtl, 30);
    assert.deepEqual(ttl.keys.map(text).sort(), [`${p}/l/a`, `${p}/l/b`]);
    rec.push("ttl", { grantedTtl: ttl.grantedTtl, keys: ttl.keys.map(text).sort() });
    assert.equal(await b.leaseKeepAlive(g.id), 30);
    await b.leaseRevoke(g.id);
    const after = await b.range({ key: `${p}/l/`, end: prefixEnd(`${p}/l/`) });
    assert.deepEqual(
      after.kvs.map((kv) => text(kv.key)),
      [`${p}/l/c`],
    );
    assert.equal(after.header.revision, base + 4n, "revoke deletes all its keys in one revision");
    rec.push("revoked", after);
    assert.equal(await b.leaseKeepAlive(g.id), 0);
    assert.equal((await b.leaseTimeToLive(g.id)).ttl, -1);
    await rejectsWith(b.leaseRevoke(g.id), "lease-not-found");
    await rejectsWith(b.put({ key: `${p}/l/x`, value: "x", lease: g.id }), "lease-not-found");
    await rejectsWith(
      b.txn({ success: [{ type: "put", key: `${p}/l/x`, value: "x", lease: g.id }] }),
      "lease-not-found",
    );
    // A key re-put with another lease moves to that lease.
    const g2 = await b.leaseGrant(30);
    const g3 = await b.leaseGrant(30);
    await b.put({ key: `${p}/l/m`, value: "m", lease: g2.id });
    await b.put({ key: `${p}/l/m`, value: "m", lease: g3.id });
    await b.leaseRevoke(g2.id);
    assert.equal((await b.range({ key: `${p}/l/m` })).kvs.length, 1);
    await b.leaseRevoke(g3.id);
    assert.equal((await b.range({ key: `${p}/l/m` })).kvs.length, 0);
    await assert.rejects(b.leaseGrant(0), RangeError);
    await assert.rejects(b.leaseGrant(1.5), RangeError);
  },

  async "lease expiry deletes the keys and reports a delete event"(b, p, rec) {
    const g = await b.leaseGrant(1);
    assert.equal(g.ttl, 1);
    await b.put({ key: `${p}/e/k`, value: "v", lease: g.id });
    const w = await b.watch({ key: `${p}/e/k` });
    const t0 = Date.now();
    const r = await nextWithin(w, 5000);
    const took = Date.now() - t0;
    assert.ok(took >= 800 && took < 3000, `expired after ${took} ms`);
    assert.equal(r.events.length, 1);
    assert.equal(r.events[0]!.type, "delete");
    w.cancel();
    assert.equal(await b.leaseKeepAlive(g.id), 0);
    rec.push("expired", { type: r.events[0]!.type, kv: r.events[0]!.kv });
  },

  async "watch: history from a past revision, batching, delete events, prevKv, filters"(b, p, rec) {
    const base = rec.base;
    const P = `${p}/w/`;
    await b.put({ key: `${P}a`, value: "1" });
    await b.put({ key: `${P}a`, value: "2" });
    await b.txn({
      success: [
        { type: "put", key: `${P}b`, value: "3" },
        { type: "delete", key: `${P}a` },
      ],
    });
    // From the first revision: the whole history, one revision's events never split.
    const w = await b.watch({ key: P, end: prefixEnd(P), startRevision: base + 1n, prevKv: true });
    assert.equal(w.header.revision, base + 3n, "the creation header carries the current revision");
    const events: unknown[] = [];
    while (events.length < 4) {
      const r = await nextWithin(w, 3000);
      for (const e of r.events) events.push(e);
    }
    const [e1, e2, e3, e4] = events as WatchResponse["events"];
    assert.deepEqual(
      [e1, e2, e3, e4].map((e) => [e!.type, text(e!.kv.key).slice(P.length), e!.kv.modRevision - base]),
      [
        ["put", "a", 1n],
        ["put", "a", 2n],
        ["put", "b", 3n],
        ["delete", "a", 3n],
      ],
    );
    assert.equal(e2!.kv.version, 2n);
    assert.equal(text(e2!.prevKv!.value), "1");
    // A delete event: key and deleting revision, everything else zero.
    assert.equal(e4!.kv.createRevision, 0n);
    assert.equal(e4!.kv.version, 0n);
    assert.equal(e4!.kv.value.length, 0);
    assert.equal(text(e4!.prevKv!.value), "2");
    rec.push("history", events);
    // Live: a txn writing two keys arrives as one response.
    await b.txn({
      success: [
        { type: "put", key: `${P}c`, value: "4" },
        { type: "put", key: `${P}d`, value: "5" },
      ],
    });
    const live = await nextWithin(w, 3000);
    assert.equal(live.events.length, 2);
    assert.equal(live.header.revision, base + 4n);
    rec.push("live", live);
    w.cancel();
    await assert.rejects(w.next(), (e: unknown) => e instanceof EtcdError && e.code === "watch-canceled");
    // startRevision 0: only what happens after the watch starts. Filters drop event types.
    const fut = await b.watch({ key: P, end: prefixEnd(P), noPut: true });
    await b.put({ key: `${P}e`, value: "6" });
    await b.delete({ key: `${P}e` });
    const onlyDel = await nextWithin(fut, 3000);
    assert.deepEqual(
      onlyDel.events.map((e) => [e.type, text(e.kv.key).slice(P.length)]),
      [["delete", "e"]],
    );
    assert.equal(onlyDel.events[0]!.prevKv, undefined);
    rec.push("filtered", onlyDel);
    // Cancelling a pending next() with a signal.
    const ac = new AbortController();
    const pending = fut.next(ac.signal);
    ac.abort(new Error("stop"));
    await assert.rejects(pending, /stop/);
    // A key watch ignores other keys; for-await ends on cancel.
    const kw = await b.watch({ key: `${P}z` });
    await b.put({ key: `${P}y`, value: "no" });
    await b.put({ key: `${P}z`, value: "yes" });
    const seen: string[] = [];
    for await (const r of kw) {
      for (const e of r.events) seen.push(text(e.kv.value));
      kw.cancel();
    }
    assert.deepEqual(seen, ["yes"]);
    fut.cancel();
  },
};

scenarios["etcd's edges: limit before a non-key sort, a no-op delete's header, size and TTL limits"] = async (
  b,
  p,
  rec,
) => {
  const base = rec.base;
  // Created in reverse key order: by create revision c < b < a.
  for (const k of ["c", "b", "a"]) await b.put({ key: `${p}/${k}`, value: k });
  // sortOrder none + a non-key target, no filter: etcd reads limit+1 keys in key order (a, b), sorts
  // those by the target, then cuts to the limit — b, not c (the oldest overall).
  const lim = await b.range({ key: `${p}/`, end: prefixEnd(`${p}/`), sortTarget: "create", limit: 1 });
  assert.deepEqual(lim.kvs.map(kvText), [[`${p}/b`, "b"]]);
  assert.equal(lim.more, true);
  rec.push("limit-first", lim);
  // With an explicit order the whole range is sorted first: c.
  const all3 = await b.range({
    key: `${p}/`,
    end: prefixEnd(`${p}/`),
    sortTarget: "create",
    sortOrder: "ascend",
    limit: 1,
  });
  assert.deepEqual(all3.kvs.map(kvText), [[`${p}/c`, "c"]]);
  rec.push("sorted-first", all3);
  // A delete that deletes nothing, before any write of its txn, carries the txn's starting revision;
  // after a write, the txn's own revision.
  const t1 = await b.txn({
    success: [
      { type: "delete", key: `${p}/missing` },
      { type: "put", key: `${p}/a`, value: "a2" },
      { type: "delete", key: `${p}/missing2` },
    ],
  });
  assert.deepEqual(
    t1.responses.map((r) => r.header.revision - base),
    [3n, 4n, 4n],
  );
  rec.push("noop-delete", t1);
  const t2 = await b.txn({ success: [{ type: "delete", key: `${p}/missing` }] });
  assert.equal(t2.header.revision, base + 4n);
  assert.equal(t2.responses[0]!.header.revision, base + 4n);
  rec.push("noop-delete-alone", t2);
  // etcd's default --max-request-bytes (1.5 MiB) refuses a bigger write; gRPC refuses anything
  // beyond 2 MiB (that limit plus 512 KiB) before etcd sees it.
  await rejectsWith(b.put({ key: `${p}/big`, value: "x".repeat(1_700_000) }), "request-too-large");
  await rejectsWith(
    b.txn({ success: [{ type: "put", key: `${p}/big`, value: "x".repeat(1_700_000) }] }),
    "request-too-large",
  );
  await rejectsWith(b.put({ key: `${p}/big`, value: "x".repeat(2_200_000) }), "resource-exhausted");
  await rejectsWith(b.range({ key: `${p}/${"k".repeat(2_200_000)}` }), "resource-exhausted");
  await b.put({ key: `${p}/fits`, value: "x".repeat(1_500_000) });
  assert.equal((await b.range({ key: `${p}/fits` })).kvs[0]!.value.length, 1_500_000);
  // etcd's largest lease TTL is 9,000,000,000 s.
  await rejectsWith(b.leaseGrant(9_000_000_001), "lease-ttl-too-large");
  const g = await b.leaseGrant(9_000_000_000);
  await b.leaseRevoke(g.id);
  rec.push("end", await b.range({ key: `${p}/`, end: prefixEnd(`${p}/`), keysOnly: true }));
};

for (const t of all) {
  describe(`conformance on ${t.name}`, { timeout: 120_000 }, () => {
    for (const [name, run] of Object.entries(scenarios)) {
      test(name, async () => {
        const b = await t.make();
        try {
          const p = uniquePrefix("conf");
          await run(b, p, new Rec(await currentRev(b, p)));
        } finally {
          await b.close();
        }
      });
    }
  });
}

async function transcript(t: Target, run: Scenario): Promise<unknown[]> {
  const b = await t.make();
  try {
    const p = uniquePrefix("agree");
    const rec = new Rec(await currentRev(b, p));
    await run(b, p, rec);
    // Keys differ by the unique prefix only: strip it.
    return JSON.parse(JSON.stringify(rec.lines).replaceAll(p, "P")) as unknown[];
  } finally {
    await b.close();
  }
}

const etcd = all.find((t) => t.name === "etcd");
const emb = all.find((t) => t.name === "embedded")!;
if (etcd !== undefined) {
  describe("embedded and etcd agree", { timeout: 120_000 }, () => {
    for (const [name, run] of Object.entries(scenarios)) {
      test(name, async () => {
        const [a, b] = await Promise.all([transcript(emb, run), transcript(etcd, run)]);
        assert.deepEqual(a, b);
      });
    }
  });
}

// ---- random histories: embedded and etcd diffed, responses and headers included -------------------
// fast-check generates histories of puts, deletes, ranges (every sort, limit, filter and past
// revision), transactions with compares and mixed ops, and lease grants, revokes and TTL reads, on
// five keys. Each history runs on a fresh embedded store and under a fresh prefix of the real etcd;
// every response (revisions relative to the history's start, lease IDs by order of appearance,
// errors by code) and finally the watch history of the prefix must be identical.

const KEYS = ["a", "b", "c", "d", "e"] as const;
const keyArb = fc.constantFrom(...KEYS);
/** A key, a range [k, end) or the whole prefix. */
const spanArb = fc.oneof(
  fc.record({ key: keyArb }),
  fc.record({ key: keyArb, end: fc.constantFrom("b", "d", "zz") }),
  fc.record({ key: fc.constant(""), end: fc.constant("*") }),
);
type SpanSpec = { key: string; end?: string };
const relRev = fc.integer({ min: 0, max: 12 }); // 0: none; else base + n
const rangeArb = fc.record({
  span: spanArb,
  limit: fc.constantFrom(0, 0, 1, 2, 3),
  sortOrder: fc.constantFrom("none", "ascend", "descend") as fc.Arbitrary<SortOrder>,
  sortTarget: fc.constantFrom("key", "version", "create", "mod", "value") as fc.Arbitrary<SortTarget>,
  keysOnly: fc.boolean(),
  countOnly: fc.constantFrom(false, false, false, false, true),
  revBack: fc.constantFrom(0, 0, 0, 1, 2, 5),
  minMod: fc.oneof(fc.constant(0), relRev),
  maxCreate: fc.oneof(fc.constant(0), relRev),
});
const putArb = fc.record({
  key: keyArb,
  value: fc.constantFrom("", "x", "y", "zz"),
  lease: fc.constantFrom(-1, -1, 0, 1),
  prevKv: fc.boolean(),
});
const delArb = fc.record({ span: spanArb, prevKv: fc.boolean() });
const opArb = fc.oneof(
  fc.record({ t: fc.constant("put" as const), put: putArb }),
  fc.record({ t: fc.constant("delete" as const), del: delArb }),
  fc.record({ t: fc.constant("range" as const), range: rangeArb }),
);
const compareArb = fc.record({
  key: keyArb,
  target: fc.constantFrom("version", "create", "mod", "value", "lease") as fc.Arbitrary<Compare["target"]>,
  result: fc.constantFrom("=", "!=", "<", ">") as fc.Arbitrary<Compare["result"]>,
  n: fc.integer({ min: 0, max: 8 }),
});
const cmdArb = fc.oneof(
  { weight: 4, arbitrary: opArb },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant("txn" as const),
      compare: fc.array(compareArb, { maxLength: 2 }),
      success: fc.array(opArb, { maxLength: 3 }),
      failure: fc.array(opArb, { maxLength: 3 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("grant" as const) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("revoke" as const), lease: fc.constantFrom(0, 1) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("ttl" as const), lease: fc.constantFrom(0, 1) }) },
);
type Cmd = typeof cmdArb extends fc.Arbitrary<infer C> ? C : never;
type OpSpec = typeof opArb extends fc.Arbitrary<infer C> ? C : never;

/** Runs one history on `b` under prefix `p`, recording every response (or error code). */
async function runHistory(b: Backend, p: string, cmds: readonly Cmd[]): Promise<unknown[]> {
  const rec = new Rec(await currentRev(b, p));
  const base = rec.base;
  const leases: bigint[] = [];
  const k = (x: string): string => `${p}/${x}`;
  const span = (sp: SpanSpec): { key: string; end?: string | Uint8Array } =>
    sp.key === ""
      ? { key: `${p}/`, end: prefixEnd(`${p}/`) }
      : sp.end === undefined
        ? { key: k(sp.key) }
        : { key: k(sp.key), end: sp.end === "zz" ? prefixEnd(`${p}/`) : k(sp.end) };
  const leaseOf = (i: number): bigint | undefined => (i < 0 ? undefined : (leases[i] ?? 1n));
  let rev = base; // this history's latest revision (for past reads)
  const op = (o: OpSpec): Op => {
    switch (o.t) {
      case "put":
        return {
          type: "put",
          key: k(o.put.key),
          value: o.put.value,
          lease: leaseOf(o.put.lease),
          prevKv: o.put.prevKv,
        };
      case "delete":
        return { type: "delete", ...span(o.del.span), prevKv: o.del.prevKv };
      case "range": {
        const r = o.range;
        const back = BigInt(r.revBack);
        return {
          type: "range",
          ...span(r.span),
          limit: r.limit,
          sortOrder: r.sortOrder,
          sortTarget: r.sortTarget,
          keysOnly: r.keysOnly,
          countOnly: r.countOnly,
          revision: back === 0n || rev - back <= base ? undefined : rev - back,
          minModRevision: r.minMod === 0 ? undefined : base + BigInt(r.minMod),
          maxCreateRevision: r.maxCreate === 0 ? undefined : base + BigInt(r.maxCreate),
        };
      }
    }
  };
  const note = (label: string, r: { header: { revision: bigint } }): void => {
    if (r.header.revision > rev) rev = r.header.revision;
    rec.push(label, r);
  };
  for (const [i, c] of cmds.entries()) {
    const label = `${i} ${c.t}`;
    try {
      switch (c.t) {
        case "put":
        case "delete":
        case "range": {
          const o = op(c);
          if (o.type === "put") note(label, await b.put(o));
          else if (o.type === "delete") note(label, await b.delete(o));
          else note(label, await b.range(o));
          break;
        }
        case "txn": {
          const compare = c.compare.map((x): Compare => {
            const key = k(x.key);
            if (x.target === "value")
              return { key, target: "value", result: x.result, value: ["", "x", "y"][x.n % 3]! };
            if (x.target === "lease")
              return { key, target: "lease", result: x.result, value: leases[x.n % 2] ?? 0n };
            if (x.target === "version")
              return { key, target: "version", result: x.result, value: BigInt(x.n % 4) };
            return { key, target: x.target, result: x.result, value: x.n === 0 ? 0n : base + BigInt(x.n) };
          });
          note(label, await b.txn({ compare, success: c.success.map(op), failure: c.failure.map(op) }));
          break;
        }
        case "grant": {
          const g = await b.leaseGrant(60);
          leases.push(g.id);
          note(label, g);
          break;
        }
        case "revoke":
          await b.leaseRevoke(leases[c.lease] ?? 1n);
          rec.push(label, "revoked");
          break;
        case "ttl": {
          const t = await b.leaseTimeToLive(leases[c.lease] ?? 1n, true);
          // The seconds left depend on timing; the key list's order is Go map order on etcd.
          const keys = t.keys.map((x) => text(x)).sort();
          rec.push(label, { header: t.header, alive: t.ttl >= 0, grantedTtl: t.grantedTtl, keys });
          break;
        }
      }
    } catch (e) {
      rec.push(label, { error: e instanceof EtcdError ? e.code : e instanceof Error ? e.name : String(e) });
    }
  }
  // The whole history as a watch reports it (batching may differ: compare the events).
  const end = await b.range({ key: `${p}/`, end: prefixEnd(`${p}/`), countOnly: true });
  if (end.header.revision > base) {
    const w = await b.watch({
      key: `${p}/`,
      end: prefixEnd(`${p}/`),
      startRevision: base + 1n,
      prevKv: true,
    });
    try {
      const events: unknown[] = [];
      let last = base;
      while (last < end.header.revision) {
        const r = await nextWithin(w, 5000);
        for (const e of r.events) {
          events.push(e);
          last = e.kv.modRevision;
        }
        if (r.events.length === 0) break;
      }
      rec.push("watch", events);
    } catch (e) {
      // No event under the prefix at all (only lease or other writes): nothing to wait for.
      if (!(e instanceof Error && /no watch response/.test(e.message))) throw e;
      rec.push("watch", []);
    } finally {
      w.cancel();
    }
  }
  for (const id of leases) await b.leaseRevoke(id).catch(() => {});
  return JSON.parse(JSON.stringify(rec.lines).replaceAll(p, "P")) as unknown[];
}

if (etcd !== undefined) {
  describe("embedded and etcd agree on random histories", { timeout: 120_000 }, () => {
    let server: Backend;
    test("fast-check: 40 random histories of up to 25 commands give identical transcripts", {
      timeout: 180_000,
    }, async () => {
      server = await etcd.make();
      try {
        await fc.assert(
          fc.asyncProperty(fc.array(cmdArb, { minLength: 1, maxLength: 25 }), async (cmds) => {
            const e = embedded();
            try {
              const [mine, theirs] = [
                await runHistory(e, uniquePrefix("rand"), cmds),
                await runHistory(server, uniquePrefix("rand"), cmds),
              ];
              assert.deepEqual(mine, theirs);
            } finally {
              await e.close();
            }
          }),
          { numRuns: 40 },
        );
      } finally {
        await server.close();
      }
    });
  });
}

test("bad input is refused before anything is written", { timeout: 60_000 }, async () => {
  const b = await emb.make();
  try {
    await assert.rejects(b.put({ key: 1 as unknown as string, value: "v" }), TypeError);
    await assert.rejects(b.put({ key: "k", value: null as unknown as string }), TypeError);
    await assert.rejects(b.range({ key: "k", limit: -1 }), RangeError);
    await assert.rejects(b.range({ key: "k", revision: 1 as unknown as bigint }), TypeError);
    await assert.rejects(b.leaseGrant(-5), RangeError);
    await assert.rejects(b.leaseKeepAlive(5 as unknown as bigint), TypeError);
    assert.equal((await b.range({ key: "k" })).header.revision, 1n);
  } finally {
    await b.close();
  }
  await delay(0);
});
