// Watches on both backends, many at once on one connection (on etcd they share one gRPC stream, see
// src/etcd/watch-mux.ts): each watch gets exactly the events of its own range; a cancelled watch
// gets nothing more and does not disturb the others; a watch whose ctx is cancelled while it is being
// created is refused (or, if it won the race, cancelled) and the next watch works; and the connection
// keeps working through hundreds of watch lifetimes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Backend, prefixEnd, text, type Watch } from "../../src/etcd/index.js";
import { background, withCancel } from "../../src/index.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();

/** Collects the values a watch delivers until it ends. */
function collect(w: Watch): { values: string[]; done: Promise<void> } {
  const values: string[] = [];
  const done = (async () => {
    for await (const r of w)
      for (const e of r.events) values.push(`${e.type}:${text(e.kv.key)}=${text(e.kv.value)}`);
  })().catch(() => {});
  return { values, done };
}

async function eventually(cond: () => boolean, what: string): Promise<void> {
  const until = Date.now() + 3000;
  while (!cond()) {
    if (Date.now() > until) assert.fail(`timed out waiting for ${what}`);
    await delay(5);
  }
}

for (const t of all) {
  describe(`watches on ${t.name}`, { timeout: 120_000 }, () => {
    test("40 concurrent watches: each sees only its own keys; cancelling half leaves the rest working", async () => {
      const b: Backend = await t.make();
      try {
        const pfx = uniquePrefix("mux");
        const ws = await Promise.all(
          Array.from({ length: 40 }, (_, i) =>
            b.watch({ key: `${pfx}/${i}/`, end: prefixEnd(`${pfx}/${i}/`) }),
          ),
        );
        const got = ws.map(collect);
        for (let i = 0; i < 40; i++) await b.put({ key: `${pfx}/${i}/a`, value: String(i) });
        await eventually(() => got.every((g) => g.values.length === 1), "one event per watch");
        for (const [i, g] of got.entries()) assert.deepEqual(g.values, [`put:${pfx}/${i}/a=${i}`]);
        for (let i = 0; i < 40; i += 2) ws[i]!.cancel();
        for (let i = 0; i < 40; i++) await b.delete({ key: `${pfx}/${i}/a` });
        await eventually(
          () => got.every((g, i) => i % 2 === 0 || g.values.length === 2),
          "deletes on the rest",
        );
        await delay(50);
        got.forEach((g, i) => {
          if (i % 2 === 0) assert.equal(g.values.length, 1, `cancelled watch ${i} got nothing more`);
          else assert.deepEqual(g.values[1], `delete:${pfx}/${i}/a=`);
        });
        for (let i = 1; i < 40; i += 2) ws[i]!.cancel();
        await Promise.all(got.map((g) => g.done));
      } finally {
        await b.close();
      }
    });

    test("a watch whose ctx is cancelled while it is being created is refused or cancelled, and the next watch works", async () => {
      const b = await t.make();
      try {
        const pfx = uniquePrefix("mux-cancel");
        for (let i = 0; i < 20; i++) {
          const [ctx, cancel] = withCancel(background());
          const p = b.watch({ key: `${pfx}/k` }, ctx);
          cancel();
          await p.then(
            (w) => w.cancel(), // created before the cancel was seen: fine, cancel it
            () => {},
          );
        }
        const w = await b.watch({ key: `${pfx}/k` });
        const g = collect(w);
        await b.put({ key: `${pfx}/k`, value: "v" });
        await eventually(() => g.values.length === 1, "the live watch's event");
        w.cancel();
      } finally {
        await b.close();
      }
    });

    test("300 watch lifetimes in a row on one connection; requests in between stay fast", async () => {
      const b = await t.make();
      try {
        const pfx = uniquePrefix("mux-churn");
        const t0 = performance.now();
        for (let i = 0; i < 300; i++) {
          const w = await b.watch({ key: `${pfx}/k`, noPut: false });
          if (i % 50 === 0) {
            await b.put({ key: `${pfx}/k`, value: String(i) });
            assert.equal(text((await w.next()).events[0]!.kv.value), String(i));
          }
          w.cancel();
        }
        const ms = performance.now() - t0;
        // One round trip per watch creation; re-dialling after each cancel would cost far more.
        assert.ok(ms < 1500, `300 watches took ${ms.toFixed(0)} ms`);
      } finally {
        await b.close();
      }
    });
  });
}
