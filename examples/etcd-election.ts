// Mirrors the leader election of smallnest's Go 并发编程实战课 lesson 19 ( concurrency.NewElection, Campaign, Resign, Leader,
// Observe): five nodes campaign on one prefix; the oldest candidate key leads, the others wait in
// line. The leader's session dies twice — once by a crash (its keep-alives stop), once by a network
// partition (its keep-alives fail, and the node learns from its session that it lost the lead) —
// and each time the next node takes over when etcd expires the lease; then a leader resigns and the
// next one takes over at once. An observer follows the succession. Every step checks that exactly
// one node believes it leads and that leader() names it.

import { type Backend, Election, EtcdError, Session, text } from "../src/etcd/index.js";
import { sleep } from "../src/index.js";
import { type EtcdExampleOptions, openEtcd } from "./etcd-common.js";
import { type Example, intArg } from "./registry.js";

export interface EtcdElectionOptions extends EtcdExampleOptions {
  /** Candidates (default 5, at least 4). */
  readonly nodes?: number;
}

/** A backend whose lease keep-alives can be made to fail, as behind a network partition. */
function partitionable(b: Backend): { backend: Backend; cut(): void } {
  let cut = false;
  const backend = new Proxy(b, {
    get(target, prop, receiver) {
      if (prop === "leaseKeepAlive" && cut) {
        return () => Promise.reject(new EtcdError("unavailable", "partitioned from etcd (simulated)"));
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return {
    backend,
    cut: () => {
      cut = true;
    },
  };
}

interface Node {
  readonly name: string;
  readonly session: Session;
  readonly election: Election;
  readonly cut: () => void;
  readonly stop: AbortController;
  /** Settles when the campaign does: resolves with the name once elected. */
  readonly elected: Promise<string>;
}

export const etcdElection: Example<EtcdElectionOptions> = {
  name: "etcd-election",
  title: "etcd leader election: 5 nodes, failover when the leader's session dies (Election, Session)",
  async run(out, opts = {}) {
    const run = await openEtcd("etcd-election", out, opts);
    const pfx = `${run.prefix}/leader`;
    const nodes: Node[] = [];
    /** Nodes whose campaign has not been won yet. */
    const campaigning = new Set<Node>();
    const stopObserver = new AbortController();
    let observer: Promise<void> = Promise.resolve();
    let watcherSession: Session | null = null;
    try {
      const n = opts.nodes ?? intArg(run.args, 0, 5);
      if (n < 4) throw new RangeError(`etcd-election needs at least 4 nodes, got ${n}`);

      // The observer: its own session, following the leader (Go's Observe).
      watcherSession = await Session.create(run.backend, { ttl: 10 });
      const watcher = new Election(watcherSession, pfx);
      const seen: string[] = [];
      observer = (async () => {
        for await (const kv of watcher.observe(stopObserver.signal)) seen.push(text(kv.value));
      })();

      // The candidates, in order: each one's key exists before the next campaigns.
      for (let i = 1; i <= n; i++) {
        const p = partitionable(await run.connection());
        const session = await Session.create(p.backend, { ttl: 1 });
        const election = new Election(session, pfx);
        const name = `n${i}`;
        const stop = new AbortController();
        const elected = election.campaign(name, stop.signal).then(() => name);
        elected.catch(() => {}); // withdrawn at shutdown
        const node: Node = { name, session, election, cut: p.cut, stop, elected };
        nodes.push(node);
        campaigning.add(node);
        while ((await run.backend.range({ key: election.key })).kvs.length === 0) await sleep(1);
      }
      out(`${n} nodes campaign on ${pfx}, each with a session (lease TTL ${nodes[0]!.session.ttl} s)`);

      /** The next node to win among those still campaigning; checks it is the only leader. */
      const next = async (): Promise<Node> => {
        const name = await Promise.race([...campaigning].map((x) => x.elected));
        const node = nodes.find((x) => x.name === name)!;
        campaigning.delete(node);
        const leaders = nodes.filter((x) => x.election.isLeader).map((x) => x.name);
        if (leaders.length !== 1 || leaders[0] !== name) {
          throw new Error(`expected ${name} alone to lead, but leading: ${leaders.join(", ") || "none"}`);
        }
        const named = text((await watcher.leader()).value);
        if (named !== name) throw new Error(`leader() names ${named}, expected ${name}`);
        // Let the observer catch up before the next change, so it reports every leader.
        for (let i = 0; i < 1000 && seen.at(-1) !== name; i++) await sleep(2);
        if (seen.at(-1) !== name) throw new Error(`the observer did not report ${name}`);
        return node;
      };

      const first = await next();
      const rest = [...campaigning].map((x) => x.name);
      out(`${first.name} is the leader; ${rest.join(" ")} wait in line (the oldest candidate key leads)`);

      // 1. The leader crashes: nothing renews its lease any more.
      out(`${first.name} crashes: its session stops renewing; etcd deletes its key when the lease expires`);
      first.session.orphan();
      const second = await next();
      out(`${second.name} is the leader (${first.name}'s lease expired)`);

      // 2. The leader is partitioned away: its keep-alives fail; its session tells it the lease is lost.
      out(`${second.name} is cut off from etcd: its keep-alives fail`);
      const lost = new Promise<void>((resolve) =>
        second.election.signal.addEventListener("abort", () => resolve(), { once: true }),
      );
      second.cut();
      await lost;
      out(`${second.name}'s session expires: it learns it lost the leadership and stops leading`);
      const third = await next();
      out(`${third.name} is the leader (${second.name}'s lease expired)`);

      // 3. The leader resigns: the next candidate's wait ends at once.
      out(`${third.name} resigns`);
      await third.election.resign();
      const fourth = await next();
      out(`${fourth.name} is the leader (at once)`);

      out(`observer saw: ${seen.join(" -> ")}`);

      // Shutdown: the remaining candidates withdraw (their keys go), then the leader resigns.
      const withdrawn = [...campaigning];
      for (const x of withdrawn) x.stop.abort();
      await Promise.allSettled(withdrawn.map((x) => x.elected));
      await fourth.election.resign();
      let leader = "none";
      try {
        leader = text((await watcher.leader()).value);
      } catch (e) {
        if (!(e instanceof EtcdError && e.code === "no-leader")) throw e;
      }
      const names = withdrawn.map((x) => x.name).join(" ");
      out(
        `shutdown: ${names} withdraw${withdrawn.length === 1 ? "s" : ""}, ${fourth.name} resigns; leader now: ${leader}`,
      );
    } finally {
      stopObserver.abort();
      await observer.catch(() => {});
      for (const x of nodes) x.stop.abort();
      await Promise.allSettled(nodes.map((x) => x.elected));
      await Promise.allSettled([...nodes.map((x) => x.session.close()), watcherSession?.close()]);
      await run.close();
    }
  },
};
