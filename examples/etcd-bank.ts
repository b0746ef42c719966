// Mirrors the STM bank of smallnest's Go 并发编程实战课 lesson 20 ( concurrency.NewSTM): 5 accounts of 100 each; 10 tellers
// each make transfers between random accounts, moving half of the source balance, as software
// transactions. Under the default isolation (serializable snapshot) a transfer whose reads changed
// before it commits is retried, so the total stays 500. For contrast the same run under
// read-committed, which never checks its reads: concurrent transfers overwrite each other.

import { type Backend, type Isolation, prefixEnd, stm, text } from "../src/etcd/index.js";
import { ErrGroup } from "../src/index.js";
import { type EtcdExampleOptions, openEtcd } from "./etcd-common.js";
import { type Example, intArg } from "./registry.js";

export interface EtcdBankOptions extends EtcdExampleOptions {
  /** Tellers (default 10). */
  readonly tellers?: number;
  /** Transfers per teller (default 50). */
  readonly transfers?: number;
}

const ACCOUNTS = 5;
const OPENING = 100;

/** A small seeded generator (an LCG), so each teller picks the same account pairs on every run. */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s;
  };
}

async function bank(
  b: Backend,
  dir: string,
  isolation: Isolation,
  tellers: number,
  transfers: number,
): Promise<{ balances: number[]; attempts: number }> {
  const acct = (i: number): string => `${dir}/${i}`;
  for (let i = 0; i < ACCOUNTS; i++) await b.put({ key: acct(i), value: String(OPENING) });
  let attempts = 0;
  const g = new ErrGroup();
  for (let t = 0; t < tellers; t++) {
    g.go(async () => {
      const rand = lcg(t + 1);
      for (let j = 0; j < transfers; j++) {
        const from = rand() % ACCOUNTS;
        const to = (from + 1 + (rand() % (ACCOUNTS - 1))) % ACCOUNTS;
        const r = await stm(
          b,
          async (tx) => {
            const a = Number(await tx.get(acct(from)));
            const c = Number(await tx.get(acct(to)));
            const amount = Math.floor(a / 2);
            tx.put(acct(from), String(a - amount));
            tx.put(acct(to), String(c + amount));
          },
          { isolation },
        );
        attempts += r.attempts;
      }
    });
  }
  await g.wait();
  const r = await b.range({ key: `${dir}/`, end: prefixEnd(`${dir}/`) });
  return { balances: r.kvs.map((kv) => Number(text(kv.value))), attempts };
}

export const etcdBank: Example<EtcdBankOptions> = {
  name: "etcd-bank",
  title: "etcd STM bank: concurrent transfers between 5 accounts, the total is conserved",
  async run(out, opts = {}) {
    const run = await openEtcd("etcd-bank", out, opts);
    try {
      const tellers = opts.tellers ?? intArg(run.args, 0, 10);
      const transfers = opts.transfers ?? intArg(run.args, 1, 50);
      const n = tellers * transfers;
      out(
        `${ACCOUNTS} accounts of ${OPENING} (total ${ACCOUNTS * OPENING}); ${tellers} tellers x ${transfers} transfers,` +
          " each moving half of one account's balance to another",
      );

      const ss = await bank(
        run.backend,
        `${run.prefix}/accounts`,
        "serializable-snapshot",
        tellers,
        transfers,
      );
      const total = ss.balances.reduce((x, y) => x + y, 0);
      out(`serializable-snapshot (the default): ${n} transfers committed in ${ss.attempts} attempts`);
      out(`  balances: ${ss.balances.join(" ")}`);
      out(`  total: ${total} (${total === ACCOUNTS * OPENING ? "conserved" : "NOT conserved"})`);
      if (total !== ACCOUNTS * OPENING) throw new Error("the STM lost money");

      const rc = await bank(run.backend, `${run.prefix}/unchecked`, "read-committed", tellers, transfers);
      const rcTotal = rc.balances.reduce((x, y) => x + y, 0);
      out(`read-committed (reads never checked), for contrast: ${n} transfers, ${rc.attempts} attempts`);
      out(
        `  total: ${rcTotal} (${rcTotal === ACCOUNTS * OPENING ? "conserved by luck this time" : "NOT conserved: transfers overwrote each other"})`,
      );
    } finally {
      await run.close();
    }
  },
};
