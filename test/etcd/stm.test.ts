// stm() on both backends: commits, read-your-writes, aborts, and each isolation level's commit rule
// shown with a write injected between a transaction's read and its commit; snapshot pinning; bounded
// retries; and the bank: concurrent random transfers conserve the total under SerializableSnapshot,
// Serializable and RepeatableReads, and lose updates under ReadCommitted (as in Go).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type Backend, EtcdError, type Isolation, stm, text } from "../../src/etcd/index.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();

const LEVELS: Isolation[] = ["serializable-snapshot", "serializable", "repeatable-reads", "read-committed"];

async function value(b: Backend, key: string): Promise<string> {
  const kv = (await b.range({ key })).kvs[0];
  return kv === undefined ? "" : text(kv.value);
}

/** Runs a tx that reads `read` and writes `write`, with `inject` written between its read and commit on attempt 1. */
async function withInjected(
  b: Backend,
  level: Isolation,
  read: string,
  write: string,
  inject: string,
): Promise<number> {
  let n = 0;
  const r = await stm(
    b,
    async (tx) => {
      n++;
      const v = await tx.get(read);
      if (n === 1) await b.put({ key: inject, value: "concurrent" });
      tx.put(write, `${v}+`);
    },
    { isolation: level },
  );
  return r.attempts;
}

for (const t of all) {
  describe(`stm on ${t.name}`, { timeout: 120_000 }, () => {
    test("commits atomically, reads its own writes, an error aborts without writing", async () => {
      const b = await t.make();
      try {
        const p = uniquePrefix("stm");
        await b.put({ key: `${p}/a`, value: "1" });
        const r = await stm(b, async (tx) => {
          assert.equal(await tx.get(`${p}/a`), "1");
          assert.equal(await tx.get(`${p}/missing`), "");
          assert.equal(await tx.getBytes(`${p}/missing`), undefined);
          tx.put(`${p}/a`, "2");
          tx.put(`${p}/b`, "3");
          tx.del(`${p}/c`);
          assert.equal(await tx.get(`${p}/a`), "2");
          assert.equal(await tx.get(`${p}/c`), "");
          return "done";
        });
        assert.equal(r.result, "done");
        assert.equal(r.attempts, 1);
        assert.equal(await value(b, `${p}/a`), "2");
        const kvA = (await b.range({ key: `${p}/a` })).kvs[0]!;
        const kvB = (await b.range({ key: `${p}/b` })).kvs[0]!;
        assert.equal(kvA.modRevision, kvB.modRevision, "one revision for all writes");
        assert.equal(kvA.modRevision, r.response.header.revision);
        await assert.rejects(
          stm(b, async (tx) => {
            tx.put(`${p}/a`, "never");
            throw new Error("abort");
          }),
          /abort/,
        );
        assert.equal(await value(b, `${p}/a`), "2");
        const rev = await stm(b, (tx) => tx.rev(`${p}/a`));
        assert.equal(rev.result, kvA.modRevision);
      } finally {
        await b.close();
      }
    });

    test("a write to a key it read: conflict and retry, except under read-committed", async () => {
      const b = await t.make();
      try {
        for (const level of LEVELS) {
          const p = uniquePrefix(level);
          await b.put({ key: `${p}/r`, value: "x" });
          const attempts = await withInjected(b, level, `${p}/r`, `${p}/w`, `${p}/r`);
          assert.equal(attempts, level === "read-committed" ? 1 : 2, level);
          // The retry saw the concurrent value; read-committed wrote from the stale one.
          assert.equal(await value(b, `${p}/w`), level === "read-committed" ? "x+" : "concurrent+", level);
        }
      } finally {
        await b.close();
      }
    });

    test("serializable levels retry from the failed commit's re-read: no extra read round trip", async () => {
      const b = await t.make();
      try {
        for (const [level, want] of [
          ["serializable", 3],
          ["serializable-snapshot", 3],
          ["repeatable-reads", 4],
        ] as const) {
          let txns = 0;
          const counted = new Proxy(b, {
            get(target, prop, receiver) {
              const v: unknown = Reflect.get(target, prop, receiver);
              if (prop === "txn") {
                return (req: Parameters<Backend["txn"]>[0]) => {
                  txns++;
                  return target.txn(req);
                };
              }
              return typeof v === "function" ? v.bind(target) : v;
            },
          });
          const p = uniquePrefix(`rt-${level}`);
          await b.put({ key: `${p}/r`, value: "x" });
          assert.equal(await withInjected(counted, level, `${p}/r`, `${p}/w`, `${p}/r`), 2);
          assert.equal(
            txns,
            want,
            `${level}: read + commit, then ${want === 3 ? "commit only" : "read + commit"}`,
          );
        }
      } finally {
        await b.close();
      }
    });

    test("a write to a key it only writes: conflict only under serializable-snapshot", async () => {
      const b = await t.make();
      try {
        for (const level of LEVELS) {
          const p = uniquePrefix(level);
          await b.put({ key: `${p}/r`, value: "x" });
          const attempts = await withInjected(b, level, `${p}/r`, `${p}/w`, `${p}/w`);
          assert.equal(attempts, level === "serializable-snapshot" ? 2 : 1, level);
        }
      } finally {
        await b.close();
      }
    });

    test("serializable levels read one snapshot; repeatable-reads may not", async () => {
      const b = await t.make();
      try {
        for (const level of LEVELS.slice(0, 3)) {
          const p = uniquePrefix(level);
          await b.put({ key: `${p}/a`, value: "a0" });
          await b.put({ key: `${p}/b`, value: "b0" });
          const seen: string[] = [];
          await stm(
            b,
            async (tx) => {
              const a = await tx.get(`${p}/a`);
              if (seen.length === 0) await b.put({ key: `${p}/b`, value: "b1" });
              seen.push(`${a},${await tx.get(`${p}/b`)}`);
            },
            { isolation: level },
          );
          assert.equal(seen[0], level === "repeatable-reads" ? "a0,b1" : "a0,b0", level);
        }
      } finally {
        await b.close();
      }
    });

    test("bounded retries end with a clear stm-conflict error; bad options are refused", async () => {
      const b = await t.make();
      try {
        const p = uniquePrefix("bounded");
        await b.put({ key: `${p}/r`, value: "0" });
        let n = 0;
        await assert.rejects(
          stm(
            b,
            async (tx) => {
              await tx.get(`${p}/r`);
              await b.put({ key: `${p}/r`, value: String(++n) }); // always conflicts
              tx.put(`${p}/w`, "x");
            },
            { retries: 2 },
          ),
          (e: unknown) =>
            e instanceof EtcdError && e.code === "stm-conflict" && /3 conflicting attempts/.test(e.message),
        );
        assert.equal(n, 3);
        assert.equal(await value(b, `${p}/w`), "");
        await assert.rejects(
          stm(b, () => {}, { isolation: "snapshot" as Isolation }),
          TypeError,
        );
        await assert.rejects(
          stm(b, () => {}, { retries: -1 }),
          RangeError,
        );
        await assert.rejects(stm(b, "nope" as unknown as () => void), TypeError);
        const ac = new AbortController();
        ac.abort(new Error("cancelled"));
        await assert.rejects(
          stm(b, () => {}, { ctx: ac.signal }),
          /cancelled/,
        );
      } finally {
        await b.close();
      }
    });

    test("bank: concurrent transfers conserve the total under the three serializable levels", async () => {
      const b = await t.make();
      try {
        for (const level of LEVELS.slice(0, 3)) {
          const p = uniquePrefix(`bank-${level}`);
          const accounts = 5;
          for (let i = 0; i < accounts; i++) await b.put({ key: `${p}/${i}`, value: "100" });
          await Promise.all(
            Array.from({ length: 4 }, async () => {
              for (let k = 0; k < 10; k++) {
                const from = Math.floor(Math.random() * accounts);
                const to = (from + 1 + Math.floor(Math.random() * (accounts - 1))) % accounts;
                await stm(
                  b,
                  async (tx) => {
                    const a = Number(await tx.get(`${p}/${from}`));
                    const c = Number(await tx.get(`${p}/${to}`));
                    const amount = Math.min(a, 1 + Math.floor(Math.random() * 20));
                    await new Promise((r) => setImmediate(r)); // let other transfers interleave
                    tx.put(`${p}/${from}`, String(a - amount));
                    tx.put(`${p}/${to}`, String(c + amount));
                  },
                  { isolation: level },
                );
              }
            }),
          );
          let total = 0;
          for (let i = 0; i < accounts; i++) total += Number(await value(b, `${p}/${i}`));
          assert.equal(total, 500, `total under ${level}`);
        }
      } finally {
        await b.close();
      }
    });

    test("bank: read-committed loses updates when two transfers interleave", async () => {
      const b = await t.make();
      try {
        const p = uniquePrefix("bank-rc");
        await b.put({ key: `${p}/a`, value: "100" });
        await b.put({ key: `${p}/b`, value: "100" });
        let arrived = 0;
        let release: () => void = () => {};
        const bothRead = new Promise<void>((r) => {
          release = r;
        });
        const transfer = (amount: number) =>
          stm(
            b,
            async (tx) => {
              const a = Number(await tx.get(`${p}/a`));
              const c = Number(await tx.get(`${p}/b`));
              if (++arrived === 2) release();
              await bothRead;
              tx.put(`${p}/a`, String(a - amount));
              tx.put(`${p}/b`, String(c + amount));
            },
            { isolation: "read-committed" },
          );
        await Promise.all([transfer(10), transfer(30)]);
        const total = Number(await value(b, `${p}/a`)) + Number(await value(b, `${p}/b`));
        assert.equal(total, 200, "each write pair is consistent...");
        assert.notEqual(await value(b, `${p}/a`), "60", "...but one transfer was lost");
      } finally {
        await b.close();
      }
    });
  });
}
