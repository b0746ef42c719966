// Test harness for gosync/etcd (not a test file itself): starts a real etcd (Debian's etcd-server,
// /usr/bin/etcd) on 127.0.0.1 with free client and peer ports and a temporary data dir, waits until
// it is healthy, and stops it afterwards; and lists the backends a suite runs against.
//
// No etcd binary: under CI=true that is a failure (the suite must run against the real server);
// otherwise the suites run on the embedded backend only, after a loud warning.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { type Backend, type ConnectOptions, connect, embedded } from "../../src/etcd/index.js";

/** The etcd binary: $ETCD_BIN, else `etcd` on PATH; null when there is none. */
export function etcdBinary(): string | null {
  const bin = process.env.ETCD_BIN ?? "etcd";
  const r = spawnSync(bin, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? bin : null;
}

/** A free TCP port on 127.0.0.1 (the OS picks it; the socket is closed before etcd binds it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdServerOptions {
  /** Extra command-line flags (TLS, auth, ...). */
  readonly args?: readonly string[];
  /** URL scheme clients use (https when the flags turn TLS on). */
  readonly scheme?: "http" | "https";
  /** Options for the health check's connect() (TLS material, credentials). */
  readonly connect?: Omit<ConnectOptions, "endpoints">;
}

/** One etcd member started by the harness. */
export class EtcdServer {
  proc: ChildProcess | null = null;
  stderr = "";
  private constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly clientPort: number,
    readonly peerPort: number,
    readonly opts: EtcdServerOptions,
  ) {}

  get endpoint(): string {
    return `${this.opts.scheme ?? "http"}://127.0.0.1:${this.clientPort}`;
  }

  static async start(opts: EtcdServerOptions = {}): Promise<EtcdServer> {
    const bin = etcdBinary();
    if (bin === null) throw new Error("etcd binary not found (apt-get install -y etcd-server)");
    const base = process.platform === "linux" ? "/dev/shm" : tmpdir();
    const dataDir = mkdtempSync(join(base, "gosync-etcd-"));
    const s = new EtcdServer(bin, dataDir, await freePort(), await freePort(), opts);
    await s.spawn();
    return s;
  }

  /** Starts (or restarts) the member on its data dir and waits until it serves requests. */
  async spawn(): Promise<void> {
    const scheme = this.opts.scheme ?? "http";
    const client = `${scheme}://127.0.0.1:${this.clientPort}`;
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      "--name=n0",
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=n0=${peer}`,
      "--initial-cluster-state=new",
      // Fast elections; also lowers etcd's minimum lease TTL to 1 s (3/2 election ticks, rounded up).
      "--heartbeat-interval=10",
      "--election-timeout=100",
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=error",
      ...(this.opts.args ?? []),
    ];
    this.stderr = "";
    const proc = spawn(this.bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc = proc;
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}: ${this.stderr}`);
      try {
        const b = await connect({ endpoints: [client], dialTimeout: 1000, ...this.opts.connect });
        await b.close();
        return;
      } catch (e) {
        if (Date.now() > deadline)
          throw new Error(`etcd did not become healthy: ${String(e)}\n${this.stderr}`);
        await delay(50);
      }
    }
  }

  /** Stops the process (SIGTERM, then SIGKILL after 5 s); keeps the data dir for a restart. */
  async kill(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (p === null || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once("exit", () => resolve()));
    p.kill(signal);
    const t = setTimeout(() => p.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A backend a suite runs against. */
export interface Target {
  readonly name: "embedded" | "etcd";
  /** A fresh client; for etcd, a new connection to the suite's server. */
  make(): Promise<Backend>;
}

let warned = false;

/**
 * The backends a test file runs its suites on: embedded always, and a real etcd started for this
 * file (stopped when it ends). Without etcd: a failure under CI=true, else a loud warning.
 */
export async function targets(): Promise<Target[]> {
  const list: Target[] = [{ name: "embedded", make: async () => embedded() }];
  if (etcdBinary() === null) {
    if (process.env.CI === "true") {
      throw new Error("CI=true but no etcd binary: the etcd suite must run against a real etcd");
    }
    if (!warned) {
      warned = true;
      const bar = "!".repeat(78);
      console.error(
        `\n${bar}\n!! etcd NOT FOUND: the gosync/etcd suites run on the EMBEDDED backend ONLY.\n` +
          `!! Install it (apt-get install -y etcd-server) to test against a real etcd.\n${bar}\n`,
      );
    }
    return list;
  }
  const server = await EtcdServer.start();
  after(() => server.stop());
  list.push({ name: "etcd", make: () => connect({ endpoints: [server.endpoint] }) });
  return list;
}

let seq = 0;

/** A key prefix no other test uses, so tests can share one etcd. */
export function uniquePrefix(name: string): string {
  seq += 1;
  return `/gosync-test/${process.pid}/${name}-${seq}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A backend whose lease keep-alives can be paused (they hang), to let a session's lease expire. */
export function pausable(b: Backend): { backend: Backend; pause(): void } {
  let paused = false;
  const backend = new Proxy(b, {
    get(target, prop, receiver) {
      if (prop === "leaseKeepAlive") {
        return (id: bigint) => (paused ? new Promise<number>(() => {}) : target.leaseKeepAlive(id));
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
  return {
    backend,
    pause: () => {
      paused = true;
    },
  };
}
