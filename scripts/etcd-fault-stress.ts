// Stress loop for the 3-member fault scenario of test/etcd/faults.test.ts (raft leader killed, the
// next one paused 1.5 s, six processes contending for a Mutex). Every backend call of every contender
// is logged; when a lock() rejects while its session lives, the contender's calls and the etcd history
// of its key (a watch from revision 1) are printed, so the request that removed the key can be named.
//
// Also counted per run: unlock deletes that failed (with the old unconditional delete, such a
// failure retried and applied late removed the key of the next lock(): "own key deleted while
// waiting" while the session lived). GOSYNC_ETCD=<path to src/etcd/index.js> runs another copy of
// the library (e.g. an older commit, extracted with `git archive`) under the same load.
//
// Run: npx tsx scripts/etcd-fault-stress.ts [runs]   (each run takes ~15 s)
import { setTimeout as delay } from "node:timers/promises";

const lib = (await import(
  process.env.GOSYNC_ETCD ?? "../src/etcd/index.js"
)) as typeof import("../src/etcd/index.js");
const { connect, EtcdError, Mutex, Session, text } = lib;
type Backend = import("../src/etcd/index.js").Backend;

import { EtcdCluster, uniquePrefix } from "../test/etcd/harness.js";

type Entry = string;
const T0 = performance.now();
const ms = (): string => (performance.now() - T0).toFixed(0);

function describeReq(method: string, req: unknown): string {
  const r = req as Record<string, unknown>;
  const k = (v: unknown): string => (v instanceof Uint8Array ? text(v) : String(v));
  if (method === "txn") {
    const cmp = ((r.compare as Record<string, unknown>[] | undefined) ?? [])
      .map((c) => `${k(c.key)}.${c.target}${c.result}${c.value}`)
      .join(",");
    const ops = ((r.success as Record<string, unknown>[] | undefined) ?? [])
      .map((o) => `${o.type}(${k(o.key)})`)
      .join(",");
    return `txn[${cmp}]{${ops}}`;
  }
  if (method === "delete" || method === "range" || method === "put") return `${method}(${k(r.key)})`;
  return method;
}

function logged(b: Backend, log: Entry[]): Backend {
  return new Proxy(b, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (!["txn", "delete", "put", "range"].includes(String(prop))) return v.bind(target);
      return async (req: unknown, ...rest: unknown[]) => {
        const d = describeReq(String(prop), req);
        const start = ms();
        try {
          const res = (await (v as (...a: unknown[]) => Promise<unknown>).call(target, req, ...rest)) as {
            header: { revision: bigint };
            succeeded?: boolean;
            deleted?: bigint;
            responses?: { type: string; kvs?: { key: Uint8Array; createRevision: bigint }[] }[];
          };
          const extra =
            res.responses
              ?.map((x) =>
                x.kvs
                  ? `[${x.kvs.map((kv) => `${text(kv.key).slice(-6)}@${kv.createRevision}`).join(" ")}]`
                  : x.type,
              )
              .join(" ") ?? "";
          log.push(
            `${start}-${ms()} ${d} -> rev ${res.header.revision}${res.succeeded === undefined ? "" : ` ok=${res.succeeded}`}${res.deleted === undefined ? "" : ` deleted=${res.deleted}`} ${extra}`,
          );
          return res;
        } catch (e) {
          log.push(
            `${start}-${ms()} ${d} -> ERROR ${e instanceof EtcdError ? `${e.code}: ${e.message}` : String(e)}`,
          );
          throw e;
        }
      };
    },
  });
}

async function once(n: number): Promise<number> {
  const cluster = await EtcdCluster.start(3);
  const faultLog: string[] = [];
  let failures = 0;
  try {
    const t0 = performance.now();
    const killAt = t0 + 2000;
    const stopAt = killAt + 8000;
    const fault = (async () => {
      await delay(Math.max(0, Math.round(killAt - performance.now())));
      const first = await cluster.leader();
      await first.kill("SIGKILL");
      faultLog.push(`${ms()} killed ${first.member.name}`);
      const second = await cluster.leader();
      faultLog.push(`${ms()} ${second.member.name} leads`);
      await first.spawn();
      second.pause();
      faultLog.push(`${ms()} paused ${second.member.name}`);
      await delay(1500);
      const third = await cluster.leader();
      second.resume();
      faultLog.push(`${ms()} resumed ${second.member.name}; ${third.member.name} leads`);
    })();
    const pfx = uniquePrefix("stress");
    const stop = AbortSignal.timeout(Math.ceil(stopAt - performance.now()));
    const reports: string[] = [];
    const unlockErrors: string[] = [];
    const contender = async (who: number): Promise<void> => {
      const log: Entry[] = [];
      const raw = await connect({ endpoints: cluster.endpoints, dialTimeout: 2000 });
      const b = logged(raw, log);
      const session = await Session.create(b, { ttl: 5 });
      const before = log.length;
      while (performance.now() < stopAt) {
        const m = new Mutex(session, pfx);
        try {
          log.push(`${ms()} lock()`);
          await m.lock(stop);
          log.push(`${ms()} locked rev ${m.rev}`);
          const got = await b.range({ key: `${pfx}-counter` });
          const v = got.kvs.length === 0 ? 0 : Number(text(got.kvs[0]?.value ?? new Uint8Array()));
          await b.txn({
            compare: [m.isOwner()],
            success: [{ type: "put", key: `${pfx}-counter`, value: String(v + 1) }],
          });
          await delay(Math.floor(Math.random() * 4));
          await b.txn({ compare: [m.isOwner()] });
          await m.unlock();
          log.push(`${ms()} unlocked`);
        } catch (e) {
          const msg = e instanceof Error ? e.message : String(e);
          log.push(`${ms()} caught ${msg}`);
          if (!stop.aborted && session.err === null && /own key/.test(msg)) {
            failures++;
            reports.push(`contender ${who} key ${m.key}: ${msg}\n  ${log.slice(-30).join("\n  ")}`);
            // the key's history on etcd
            const w = await raw.watch({ key: m.key, startRevision: 1n });
            const hist: string[] = [];
            const deadline = Date.now() + 500;
            while (Date.now() < deadline) {
              const r = await Promise.race([w.next(), delay(200).then(() => null)]);
              if (r === null) break;
              for (const ev of r.events)
                hist.push(`${ev.type}@${ev.kv.modRevision}(create ${ev.kv.createRevision})`);
            }
            w.cancel();
            reports.push(`  history of ${m.key}: ${hist.join(" ")}`);
          }
          if (stop.aborted) break;
          await delay(20);
        }
      }
      // unlock's delete failed with a transient error (and was retried): the precondition
      for (const e of log.slice(before))
        if (/(delete\(|\{delete).*ERROR/.test(e)) unlockErrors.push(`#${who} ${e}`);
      await session.close().catch(() => {});
      await raw.close();
    };
    await Promise.all(Array.from({ length: 6 }, (_, who) => contender(who)));
    await fault;
    console.log(
      `run ${n}: ${faultLog.join("; ")}; failures ${failures}; failed unlock deletes ${unlockErrors.length}`,
    );
    for (const e of unlockErrors) console.log(`  ${e}`);
    for (const r of reports) console.log(r);
  } finally {
    await cluster.stop();
  }
  return failures;
}

const runs = Number(process.argv[2] ?? 10);
let bad = 0;
for (let i = 0; i < runs; i++) if ((await once(i)) > 0) bad++;
console.log(`${bad} of ${runs} runs saw the rejection`);
