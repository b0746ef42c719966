// Test harness for gosync/etcd (not a test file itself): starts real etcd members (Debian's
// etcd-server, /usr/bin/etcd) on 127.0.0.1 with free client and peer ports and temporary data dirs —
// a single member, a TLS member with client-certificate auth, a member with auth enabled, or a
// 3-member cluster — waits until they are healthy, and stops them afterwards; makes throw-away TLS
// certificates with openssl; and lists the backends a suite runs against.
//
// No etcd binary: under CI=true that is a failure (the suite must run against the real server);
// otherwise the suites run on the embedded backend only, after a loud warning.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import { Etcd3 } from "etcd3";
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

function tempDir(prefix: string): string {
  const base = process.platform === "linux" ? "/dev/shm" : tmpdir();
  return mkdtempSync(join(base, prefix));
}

export interface EtcdServerOptions {
  /** Extra command-line flags (TLS, auth, ...). */
  readonly args?: readonly string[];
  /** URL scheme clients use (https when the flags turn TLS on). */
  readonly scheme?: "http" | "https";
  /** Options for the health check's connect() (TLS material, credentials). */
  readonly connect?: Omit<ConnectOptions, "endpoints">;
  /** The client port (default: a free one); single members only. */
  readonly clientPort?: number;
}

interface Member {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/** One etcd member started by the harness (alone, or as part of an {@link EtcdCluster}). */
export class EtcdServer {
  proc: ChildProcess | null = null;
  stderr = "";
  /** What the health check connects with; may change once the server is up (e.g. after `auth enable`). */
  connectOptions: Omit<ConnectOptions, "endpoints">;
  /** Whether the next spawn is the member's first (`--initial-cluster-state=new` on an empty data dir). */
  #fresh = true;

  constructor(
    readonly bin: string,
    readonly dataDir: string,
    readonly member: Member,
    readonly cluster: readonly Member[],
    readonly opts: EtcdServerOptions,
  ) {
    this.connectOptions = opts.connect ?? {};
  }

  get clientPort(): number {
    return this.member.clientPort;
  }

  get endpoint(): string {
    return `${this.opts.scheme ?? "http"}://127.0.0.1:${this.member.clientPort}`;
  }

  get running(): boolean {
    return this.proc !== null;
  }

  static async start(opts: EtcdServerOptions = {}): Promise<EtcdServer> {
    const bin = etcdBinary();
    if (bin === null) throw new Error("etcd binary not found (apt-get install -y etcd-server)");
    const m: Member = {
      name: "n0",
      clientPort: opts.clientPort ?? (await freePort()),
      peerPort: await freePort(),
    };
    const s = new EtcdServer(bin, tempDir("gosync-etcd-"), m, [m], opts);
    await s.spawn();
    return s;
  }

  /** Starts (or restarts) the member on its data dir; with `wait`, until it serves requests. */
  async spawn(wait = true): Promise<void> {
    if (this.proc !== null) throw new Error(`etcd ${this.member.name} is already running`);
    const scheme = this.opts.scheme ?? "http";
    const client = this.endpoint;
    const peer = (m: Member): string => `http://127.0.0.1:${m.peerPort}`;
    const args = [
      `--name=${this.member.name}`,
      `--data-dir=${this.dataDir}`,
      `--listen-client-urls=${scheme}://127.0.0.1:${this.member.clientPort}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer(this.member)}`,
      `--initial-advertise-peer-urls=${peer(this.member)}`,
      `--initial-cluster=${this.cluster.map((m) => `${m.name}=${peer(m)}`).join(",")}`,
      `--initial-cluster-state=${this.#fresh ? "new" : "existing"}`,
      "--initial-cluster-token=gosync-test",
      // Fast elections; also lowers etcd's minimum lease TTL to 1 s (3/2 election ticks, rounded up).
      "--heartbeat-interval=10",
      "--election-timeout=100",
      "--logger=zap",
      "--log-outputs=stderr",
      "--log-level=error",
      ...(this.opts.args ?? []),
    ];
    this.#fresh = false;
    this.stderr = "";
    const proc = spawn(this.bin, args, { stdio: ["ignore", "ignore", "pipe"] });
    proc.stderr?.on("data", (d: Buffer) => {
      this.stderr = (this.stderr + d.toString()).slice(-4000);
    });
    this.proc = proc;
    if (wait) await this.ready();
  }

  /** Waits until the member answers a status request (15 s at most). */
  async ready(): Promise<void> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const proc = this.proc;
      if (proc === null) throw new Error(`etcd ${this.member.name} is not running`);
      if (proc.exitCode !== null) throw new Error(`etcd exited with ${proc.exitCode}: ${this.stderr}`);
      try {
        const b = await connect({ endpoints: [this.endpoint], dialTimeout: 1000, ...this.connectOptions });
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

  /** Pauses the process (SIGSTOP): it holds its sockets but answers nothing, like a long GC pause. */
  pause(): void {
    this.proc?.kill("SIGSTOP");
  }

  /** Resumes a paused process (SIGCONT). */
  resume(): void {
    this.proc?.kill("SIGCONT");
  }

  async stop(): Promise<void> {
    this.resume(); // a paused process would not act on SIGTERM
    await this.kill();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** A 3-member (or n-member) etcd cluster on loopback. */
export class EtcdCluster {
  private constructor(readonly members: readonly EtcdServer[]) {}

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  static async start(n = 3, opts: EtcdServerOptions = {}): Promise<EtcdCluster> {
    const bin = etcdBinary();
    if (bin === null) throw new Error("etcd binary not found (apt-get install -y etcd-server)");
    const ms: Member[] = [];
    for (let i = 0; i < n; i++)
      ms.push({ name: `n${i}`, clientPort: await freePort(), peerPort: await freePort() });
    const c = new EtcdCluster(ms.map((m) => new EtcdServer(bin, tempDir("gosync-etcd-"), m, ms, opts)));
    try {
      for (const s of c.members) await s.spawn(false);
      for (const s of c.members) await s.ready();
      await c.leader(); // a leader is elected: the cluster serves writes
    } catch (e) {
      await c.stop();
      throw e;
    }
    return c;
  }

  /** The member that is the raft leader now (waits up to 10 s for one to be elected). */
  async leader(): Promise<EtcdServer> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      for (const s of this.members) {
        if (!s.running) continue;
        const c = new Etcd3({ hosts: [s.endpoint], dialTimeout: 1000 });
        try {
          const st = await c.maintenance.status({ deadline: Date.now() + 1000 });
          if (st.leader !== "0" && st.leader === st.header.member_id) return s;
        } catch {
          // not serving (yet)
        } finally {
          c.close();
        }
      }
      if (Date.now() > deadline) throw new Error("the etcd cluster elected no leader within 10 s");
      await delay(50);
    }
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
  }
}

/** Throw-away TLS material, PEM text and file paths, made with openssl in a temporary dir. */
export interface TestCerts {
  readonly dir: string;
  /** The CA the server and the good client certificate chain to. */
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly clientCert: string;
  readonly clientKey: string;
  /** A second CA nobody trusts, and a client certificate it signed. */
  readonly untrustedCa: string;
  readonly untrustedClientCert: string;
  readonly untrustedClientKey: string;
  /** Paths of the files, for etcd's flags. */
  readonly files: { readonly ca: string; readonly serverCert: string; readonly serverKey: string };
}

function openssl(dir: string, args: readonly string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error(`openssl ${args.join(" ")} failed: ${r.error?.message ?? r.stderr}`);
  }
}

/** Whether openssl is on PATH (the TLS tests need it). */
export function hasOpenssl(): boolean {
  return spawnSync("openssl", ["version"]).status === 0;
}

/**
 * Makes a CA, a server certificate for 127.0.0.1 (SAN IP:127.0.0.1), a client certificate, and an
 * untrusted CA with its own client certificate (EC P-256, valid one day). The dir goes when the
 * test file ends.
 */
export function makeCerts(): TestCerts {
  const dir = tempDir("gosync-certs-");
  after(() => rmSync(dir, { recursive: true, force: true }));
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  const ca = (name: string): void =>
    openssl(dir, [
      "req",
      "-x509",
      ...ec,
      "-keyout",
      `${name}-key.pem`,
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-subj",
      `/CN=gosync ${name}`,
    ]);
  const leaf = (name: string, signer: string, cn: string, ext: string): void => {
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ["req", ...ec, "-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`]);
    openssl(dir, [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      `${signer}.pem`,
      "-CAkey",
      `${signer}-key.pem`,
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    ]);
  };
  ca("ca");
  ca("untrusted-ca");
  leaf("server", "ca", "127.0.0.1", "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n");
  leaf("client", "ca", "gosync-client", "extendedKeyUsage=clientAuth\n");
  leaf("rogue", "untrusted-ca", "gosync-rogue", "extendedKeyUsage=clientAuth\n");
  const read = (f: string): string => readFileSync(join(dir, f), "utf8");
  return {
    dir,
    ca: read("ca.pem"),
    serverCert: read("server.pem"),
    serverKey: read("server-key.pem"),
    clientCert: read("client.pem"),
    clientKey: read("client-key.pem"),
    untrustedCa: read("untrusted-ca.pem"),
    untrustedClientCert: read("rogue.pem"),
    untrustedClientKey: read("rogue-key.pem"),
    files: {
      ca: join(dir, "ca.pem"),
      serverCert: join(dir, "server.pem"),
      serverKey: join(dir, "server-key.pem"),
    },
  };
}

/** An etcd serving TLS only, requiring a client certificate signed by `certs.ca`. Stopped after the file. */
export async function startTlsEtcd(certs: TestCerts): Promise<EtcdServer> {
  const s = await EtcdServer.start({
    scheme: "https",
    args: [
      `--cert-file=${certs.files.serverCert}`,
      `--key-file=${certs.files.serverKey}`,
      `--trusted-ca-file=${certs.files.ca}`,
      "--client-cert-auth",
    ],
    connect: { tls: { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey } },
  });
  after(() => s.stop());
  return s;
}

/** The users of {@link startAuthEtcd}. */
export interface AuthSetup {
  readonly server: EtcdServer;
  readonly root: { readonly username: "root"; readonly password: string };
  /** A user whose only role grants readwrite on the key prefix `prefix`. */
  readonly user: { readonly username: string; readonly password: string };
  readonly prefix: string;
}

/**
 * An etcd with authentication enabled: user `root` (role root) and user `app` whose role `app` grants
 * readwrite on the keys under `prefix` only. Set up through etcd's Auth RPCs (the etcd3 package's
 * raw AuthClient). Stopped after the file.
 */
export async function startAuthEtcd(prefix = "/app/", args: readonly string[] = []): Promise<AuthSetup> {
  const server = await EtcdServer.start({ args });
  after(() => server.stop());
  const root = { username: "root", password: "root-secret" } as const;
  const user = { username: "app", password: "app-secret" };
  const c = new Etcd3({ hosts: [server.endpoint], dialTimeout: 2000 });
  try {
    const a = c.auth;
    await a.userAdd({ name: root.username, password: root.password });
    await a.roleAdd({ name: "root" });
    await a.userGrantRole({ user: root.username, role: "root" });
    await a.userAdd({ name: user.username, password: user.password });
    await a.roleAdd({ name: "app" });
    const end = Buffer.from(prefix);
    end[end.length - 1]! += 1;
    await a.roleGrantPermission({
      name: "app",
      perm: { permType: "Readwrite", key: Buffer.from(prefix), range_end: end },
    });
    await a.userGrantRole({ user: user.username, role: "app" });
    await a.authEnable();
  } finally {
    c.close();
  }
  server.connectOptions = { auth: root };
  return { server, root, user, prefix };
}

/** A backend a suite runs against. */
export interface Target {
  readonly name: "embedded" | "etcd";
  /** A fresh client; for etcd, a new connection to the suite's server. */
  make(): Promise<Backend>;
}

let warned = false;

/** Whether the etcd suites run against a real etcd; false after a loud warning (a failure under CI). */
export function haveEtcd(): boolean {
  if (etcdBinary() !== null) return true;
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
  return false;
}

/**
 * The backends a test file runs its suites on: embedded always, and a real etcd started for this
 * file (stopped when it ends). Without etcd: a failure under CI=true, else a loud warning.
 */
export async function targets(): Promise<Target[]> {
  const list: Target[] = [{ name: "embedded", make: async () => embedded() }];
  if (!haveEtcd()) return list;
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
