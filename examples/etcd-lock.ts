// Mirrors the distributed mutex of smallnest's Go 并发编程实战课 lesson 19 ( concurrency.NewMutex, Lock, Unlock): workers,
// each with its own session (as separate processes would have), increment one counter key with a
// read-modify-write. Without a lock they overwrite each other's updates; under the etcd Mutex every
// increment counts. Each write is fenced with isOwner() (it applies only while the lock is still
// held), and each acquisition's fencing token (its key's create revision) grows.

import { type Backend, Mutex, Session, text } from "../src/etcd/index.js";
import { ErrGroup, sleep } from "../src/index.js";
import { type EtcdExampleOptions, openEtcd } from "./etcd-common.js";
import { type Example, intArg } from "./registry.js";

export interface EtcdLockOptions extends EtcdExampleOptions {
  /** Workers (default 4). */
  readonly workers?: number;
  /** Increments per worker (default 25). */
  readonly increments?: number;
}

async function readCounter(b: Backend, key: string): Promise<number> {
  const kv = (await b.range({ key })).kvs[0];
  return kv === undefined ? 0 : Number(text(kv.value));
}

export const etcdLock: Example<EtcdLockOptions> = {
  name: "etcd-lock",
  title: "etcd distributed lock: workers increment a shared counter, without and with Mutex",
  async run(out, opts = {}) {
    const run = await openEtcd("etcd-lock", out, opts);
    const sessions: Session[] = [];
    try {
      const workers = opts.workers ?? intArg(run.args, 0, 4);
      const increments = opts.increments ?? intArg(run.args, 1, 25);
      const total = workers * increments;
      const b = run.backend;
      for (let i = 0; i < workers; i++) {
        sessions.push(await Session.create(await run.connection(), { ttl: 10 }));
      }
      out(`${workers} workers, ${increments} read-modify-write increments each, one counter key`);

      // Without a lock: reads and writes of different workers interleave.
      const racy = `${run.prefix}/counter-unlocked`;
      const racers = new ErrGroup();
      for (const s of sessions) {
        racers.go(async () => {
          for (let i = 0; i < increments; i++) {
            const n = await readCounter(s.backend, racy);
            await sleep(1); // the work between the read and the write
            await s.backend.put({ key: racy, value: String(n + 1) });
          }
        });
      }
      await racers.wait();
      const lost = await readCounter(b, racy);
      out(
        `without a lock: ${total} increments -> counter ${lost}` +
          (lost < total ? " (updates lost: workers overwrote each other)" : " (no update lost, this time)"),
      );

      // With the etcd Mutex: one worker at a time, in the order they queued.
      const safe = `${run.prefix}/counter`;
      const lockPfx = `${run.prefix}/lock`;
      const tokens: bigint[] = [];
      const perWorker = sessions.map(() => 0);
      const lockers = new ErrGroup();
      for (const [w, s] of sessions.entries()) {
        lockers.go(async () => {
          const m = new Mutex(s, lockPfx);
          for (let i = 0; i < increments; i++) {
            await m.lock();
            try {
              tokens.push(m.rev);
              const n = await readCounter(s.backend, safe);
              await sleep(1);
              const r = await s.backend.txn({
                compare: [m.isOwner()], // fencing: applies only while this session holds the lock
                success: [{ type: "put", key: safe, value: String(n + 1) }],
              });
              if (!r.succeeded) throw new Error(`worker ${w + 1} lost the lock before writing`);
              perWorker[w] = (perWorker[w] ?? 0) + 1;
            } finally {
              await m.unlock();
            }
          }
        });
      }
      await lockers.wait();
      const counted = await readCounter(b, safe);
      out(`with the etcd Mutex: ${total} increments -> counter ${counted}`);
      out(`per worker: ${perWorker.map((n, i) => `w${i + 1}=${n}`).join(" ")}`);
      const increasing = tokens.every((t, i) => i === 0 || tokens[i - 1]! < t);
      out(
        `${tokens.length} acquisitions, fencing tokens ${increasing ? "strictly increasing" : "NOT increasing"}` +
          ` (each lock key's create revision)`,
      );
      if (counted !== total || !increasing) throw new Error("the Mutex failed to exclude");
    } finally {
      await Promise.allSettled(sessions.map((s) => s.close()));
      await run.close();
    }
  },
};
