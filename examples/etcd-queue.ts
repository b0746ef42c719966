// Mirrors the distributed queue of smallnest's Go 并发编程实战课 lesson 20 ( recipe.NewQueue, Enqueue, Dequeue): consumers
// start first and wait on the empty queue; producers enqueue jobs concurrently; when they are done,
// one stop item per consumer follows (FIFO puts it behind every job). Each job is handled exactly
// once, and each producer's jobs come out in the order it enqueued them.

import { prefixEnd, Queue, text } from "../src/etcd/index.js";
import { ErrGroup, sleep } from "../src/index.js";
import { type EtcdExampleOptions, openEtcd } from "./etcd-common.js";
import { type Example, intArg } from "./registry.js";

export interface EtcdQueueOptions extends EtcdExampleOptions {
  /** Producers (default 3). */
  readonly producers?: number;
  /** Jobs per producer (default 5). */
  readonly jobs?: number;
  /** Consumers (default 2). */
  readonly consumers?: number;
}

const STOP = "stop";

export const etcdQueue: Example<EtcdQueueOptions> = {
  name: "etcd-queue",
  title: "etcd queue: producers and consumers share a FIFO queue (Queue)",
  async run(out, opts = {}) {
    const run = await openEtcd("etcd-queue", out, opts);
    const cancel = new AbortController();
    try {
      const producers = opts.producers ?? intArg(run.args, 0, 3);
      const jobs = opts.jobs ?? intArg(run.args, 1, 5);
      const consumers = opts.consumers ?? intArg(run.args, 2, 2);
      const pfx = `${run.prefix}/jobs`;
      out(`queue ${pfx}: ${producers} producers x ${jobs} jobs, ${consumers} consumers`);

      // Consumers first: they wait on the empty queue until the first job arrives.
      const handled: string[][] = [];
      const workers = new ErrGroup();
      for (let c = 0; c < consumers; c++) {
        const mine: string[] = [];
        handled.push(mine);
        workers.go(async () => {
          const q = new Queue(await run.connection(), pfx);
          for (;;) {
            const job = text(await q.dequeue(cancel.signal));
            if (job === STOP) return;
            mine.push(job);
            await sleep(1); // handle the job
          }
        });
      }

      const makers = new ErrGroup();
      for (let p = 1; p <= producers; p++) {
        makers.go(async () => {
          const q = new Queue(await run.connection(), pfx);
          for (let j = 1; j <= jobs; j++) {
            await q.enqueue(`p${p}-job${j}`);
            await sleep(1);
          }
        });
      }
      await makers.wait();
      const q = new Queue(run.backend, pfx);
      for (let c = 0; c < consumers; c++) await q.enqueue(STOP);
      out(`producers done: ${producers * jobs} jobs enqueued, then ${consumers} stop items`);
      await workers.wait();

      const all = handled.flat();
      const once = all.length === producers * jobs && new Set(all).size === all.length;
      const inOrder = handled.every((mine) => {
        const last = new Map<string, number>();
        return mine.every((job) => {
          const [p, j] = job.split("-job") as [string, string];
          const ok = Number(j) > (last.get(p) ?? 0);
          last.set(p, Number(j));
          return ok;
        });
      });
      out(`consumers handled: ${handled.map((mine, c) => `c${c + 1}=${mine.length}`).join(" ")}`);
      out(`every job handled ${once ? "exactly once" : "NOT exactly once"}`);
      out(
        `each consumer got each producer's jobs ${inOrder ? "in the order they were enqueued" : "OUT OF ORDER"}`,
      );
      const left = await run.backend.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true });
      out(`items left in the queue: ${left.count}`);
      if (!once || !inOrder) throw new Error("the queue lost, duplicated or reordered jobs");
    } finally {
      cancel.abort(); // wakes any consumer still waiting (only after a failure)
      await run.close();
    }
  },
};
