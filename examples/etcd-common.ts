// Shared by the etcd examples (etcd-*.ts): which backend to run on. By default the embedded
// in-process backend (etcd's semantics, no server); with `--etcd URL` (or `--etcd=URL`) among the
// arguments, a real etcd: `npm start -- etcd-lock --etcd http://127.0.0.1:2379`. On a real etcd each
// run works under its own key prefix and deletes it at the end, so runs never see each other's keys.

import { type Backend, connect, embedded, prefixEnd } from "../src/etcd/index.js";
import type { BaseOptions, Out } from "./registry.js";

export interface EtcdExampleOptions extends BaseOptions {
  /** A real etcd's client URL; otherwise taken from `--etcd URL` in args; absent: embedded backend. */
  readonly etcd?: string;
}

/** Splits `--etcd URL` / `--etcd=URL` off the arguments; the rest are the positional arguments. */
export function etcdArgs(args: readonly string[] | undefined): { url?: string; rest: string[] } {
  const rest: string[] = [];
  let url: string | undefined;
  const list = args ?? [];
  for (let i = 0; i < list.length; i++) {
    const a = list[i]!;
    if (a === "--etcd") {
      url = list[i + 1];
      if (url === undefined || url.startsWith("--"))
        throw new Error("--etcd needs a URL, e.g. --etcd http://127.0.0.1:2379");
      i++;
    } else if (a.startsWith("--etcd=")) {
      url = a.slice("--etcd=".length);
      if (url === "") throw new Error("--etcd needs a URL, e.g. --etcd=http://127.0.0.1:2379");
    } else {
      rest.push(a);
    }
  }
  return url === undefined ? { rest } : { url, rest };
}

/** The backend an example runs on, its key prefix, and the positional arguments. */
export interface EtcdRun {
  readonly backend: Backend;
  /** Every key of the example lives under this prefix. */
  readonly prefix: string;
  readonly args: string[];
  /** Opens another connection (a real etcd) or returns the same backend (embedded). */
  connection(): Promise<Backend>;
  /** Deletes the prefix and closes every connection opened for the run. */
  close(): Promise<void>;
}

/** Opens the example's backend (printing which one) and gives it a key prefix. */
export async function openEtcd(name: string, out: Out, opts: EtcdExampleOptions): Promise<EtcdRun> {
  const parsed = etcdArgs(opts.args);
  const url = opts.etcd ?? parsed.url;
  if (url === undefined) {
    const backend = embedded();
    out("backend: embedded (in-process, etcd's semantics; --etcd URL for a real etcd)");
    return {
      backend,
      prefix: `/tour/${name}`,
      args: parsed.rest,
      connection: async () => backend,
      close: () => backend.close(),
    };
  }
  const conns: Backend[] = [];
  const open = async (): Promise<Backend> => {
    const b = await connect({ endpoints: url.split(",") });
    conns.push(b);
    return b;
  };
  const backend = await open();
  out(`backend: etcd at ${url}`);
  const prefix = `/gosync-tour/${name}/${Date.now().toString(36)}-${process.pid}`;
  return {
    backend,
    prefix,
    args: parsed.rest,
    connection: open,
    close: async () => {
      try {
        await backend.delete({ key: prefix, end: prefixEnd(prefix) });
      } finally {
        await Promise.all(conns.map((b) => b.close()));
      }
    },
  };
}
