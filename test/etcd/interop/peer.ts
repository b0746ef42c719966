// Builds and drives the Go interop peer (peer.go) for interop.test.ts (not a test file itself).
//
// The peer is built with Debian's Go toolchain and Debian's etcd 3.4.23 sources in GOPATH mode,
// offline (`apt-get install -y golang-go golang-etcd-server-dev`). The binary is cached in
// $TMPDIR/gosync-interop-build under a hash of peer.go and the Go version, so only the first run
// (or a change to peer.go) pays for the build. Missing Go or missing etcd sources is an error with
// the install command in its message: the interop test never skips.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

const HERE = dirname(fileURLToPath(import.meta.url));
const SOURCE = join(HERE, "peer.go");
/** Debian's golang-etcd-server-dev installs the etcd sources here (GOPATH layout). */
export const GOPATH = "/usr/share/gocode";
const CONCURRENCY = join(GOPATH, "src/go.etcd.io/etcd/clientv3/concurrency");
const INSTALL = "apt-get install -y golang-go golang-etcd-server-dev";

/** Builds the peer (or reuses the cached binary); returns its path and how long the build took. */
export function buildPeer(): Promise<{ bin: string; buildMs: number; cached: boolean }> {
  return buildGo(SOURCE, "peer", "Go interop test");
}

/**
 * Builds one Go program of a single file against Debian's etcd sources (GOPATH mode, offline), or
 * reuses the binary cached under a hash of the file and the Go version. `what` names the caller in
 * errors (which carry the install command).
 */
export async function buildGo(
  source: string,
  name: string,
  what: string,
): Promise<{ bin: string; buildMs: number; cached: boolean }> {
  const go = process.env.GO_BIN ?? "go";
  let version: string;
  try {
    version = (await run(go, ["version"])).stdout.trim();
  } catch (e) {
    throw new Error(
      `${what}: no Go toolchain ("${go} version" failed: ${String(e)}). Install it: ${INSTALL}`,
    );
  }
  if (!existsSync(CONCURRENCY)) {
    throw new Error(
      `${what}: Go's etcd client sources are missing (${CONCURRENCY}). Install them: ${INSTALL}`,
    );
  }
  const hash = createHash("sha256").update(readFileSync(source)).update(version).digest("hex").slice(0, 16);
  const dir = join(tmpdir(), "gosync-interop-build");
  const bin = join(dir, `${name}-${hash}`);
  if (existsSync(bin)) return { bin, buildMs: 0, cached: true };
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  const started = Date.now();
  try {
    await run(go, ["build", "-o", tmp, source], {
      cwd: dirname(source),
      timeout: 180_000,
      env: {
        ...process.env,
        GOPATH,
        GO111MODULE: "off",
        GOFLAGS: "",
        GOCACHE: process.env.GOCACHE ?? join(dir, "gocache"),
      },
    });
  } catch (e) {
    const err = e as { stderr?: string };
    throw new Error(`${what}: building ${source} failed:\n${err.stderr ?? String(e)}`);
  }
  renameSync(tmp, bin); // atomic: a concurrent run sees either no binary or a whole one
  return { bin, buildMs: Date.now() - started, cached: false };
}

/** One JSON event from the peer. */
export interface PeerEvent {
  readonly id: string;
  readonly ev: string;
  readonly [field: string]: unknown;
}

/** Command fields (see `command` in peer.go). */
export interface PeerCommand {
  readonly op: string;
  readonly session?: string;
  readonly ttl?: number;
  readonly prefix?: string;
  readonly counter?: string;
  readonly n?: number;
  readonly value?: string;
  readonly priority?: number;
}

interface Waiter {
  readonly id: string;
  readonly ev: string;
  resolve(e: PeerEvent): void;
  reject(e: Error): void;
}

function isEvent(x: unknown): x is PeerEvent {
  if (typeof x !== "object" || x === null) return false;
  const o = x as Record<string, unknown>;
  return typeof o.id === "string" && typeof o.ev === "string";
}

/** A running Go peer process. */
export class GoPeer {
  readonly #proc: ChildProcess;
  readonly #events: PeerEvent[] = [];
  readonly #waiters = new Set<Waiter>();
  /** Per command id, how many events of each kind `next` already consumed. */
  readonly #taken = new Map<string, number>();
  #seq = 0;
  #stderr = "";
  #exit: Promise<void>;
  exited = false;
  /** process.hrtime.bigint() when the process was seen to exit. */
  exitedAt = 0n;

  private constructor(
    readonly name: string,
    proc: ChildProcess,
  ) {
    this.#proc = proc;
    proc.stderr?.on("data", (d: Buffer) => {
      this.#stderr = (this.#stderr + d.toString()).slice(-4000);
    });
    this.#exit = new Promise((resolve) => {
      proc.once("exit", () => {
        this.exitedAt = process.hrtime.bigint();
        this.exited = true;
        for (const w of this.#waiters) {
          w.reject(new Error(`go peer ${name} exited while waiting for ${w.ev} of ${w.id}: ${this.#stderr}`));
        }
        this.#waiters.clear();
        resolve();
      });
    });
    const lines = createInterface({ input: proc.stdout! });
    lines.on("line", (line) => {
      let x: unknown;
      try {
        x = JSON.parse(line);
      } catch {
        this.#stderr += `\n(unparsable stdout: ${line})`;
        return;
      }
      if (isEvent(x)) this.#push(x);
    });
  }

  static async start(name: string, bin: string, endpoint: string): Promise<GoPeer> {
    const proc = spawn(bin, [`-endpoints=${endpoint}`], { stdio: ["pipe", "pipe", "pipe"] });
    const p = new GoPeer(name, proc);
    await p.next("", "ready", 15_000);
    return p;
  }

  get stderr(): string {
    return this.#stderr;
  }

  #push(e: PeerEvent): void {
    this.#events.push(e);
    for (const w of this.#waiters) {
      if (w.id !== e.id) continue;
      if (e.ev === "error") {
        this.#waiters.delete(w);
        w.reject(new Error(`go peer ${this.name}, command ${e.id}: ${String(e.error)}`));
      } else if (e.ev === w.ev && this.#take(e.id, e.ev) !== undefined) {
        this.#waiters.delete(w);
        w.resolve(e);
      }
    }
  }

  /** The next not yet consumed event `ev` of command `id`, if it has arrived. */
  #take(id: string, ev: string): PeerEvent | undefined {
    const k = `${id}\x00${ev}`;
    const n = this.#taken.get(k) ?? 0;
    const e = this.#events.filter((x) => x.id === id && x.ev === ev)[n];
    if (e !== undefined) this.#taken.set(k, n + 1);
    return e;
  }

  /** Every event of command `id` so far (of kind `ev` if given). */
  events(id: string, ev?: string): PeerEvent[] {
    return this.#events.filter((e) => e.id === id && (ev === undefined || e.ev === ev));
  }

  /** Waits for the next event `ev` of command `id`; rejects on an error event, exit or timeout. */
  next(id: string, ev: string, timeoutMs = 10_000): Promise<PeerEvent> {
    const failed = this.#events.find((e) => e.id === id && e.ev === "error");
    if (failed !== undefined) {
      return Promise.reject(new Error(`go peer ${this.name}, command ${id}: ${String(failed.error)}`));
    }
    const have = this.#take(id, ev);
    if (have !== undefined) return Promise.resolve(have);
    if (this.exited) return Promise.reject(new Error(`go peer ${this.name} has exited: ${this.#stderr}`));
    return new Promise<PeerEvent>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(w);
        reject(new Error(`go peer ${this.name}: no "${ev}" for command ${id} within ${timeoutMs} ms`));
      }, timeoutMs);
      const w: Waiter = {
        id,
        ev,
        resolve: (e) => {
          clearTimeout(timer);
          resolve(e);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.#waiters.add(w);
    });
  }

  /** Sends a command; returns its id once the peer answered "ok" (rejects on "error"). */
  async send(cmd: PeerCommand): Promise<{ id: string; ok: PeerEvent }> {
    this.#seq += 1;
    const id = `${this.name}-${this.#seq}`;
    this.#proc.stdin!.write(`${JSON.stringify({ id, ...cmd })}\n`);
    const ok = await this.next(id, "ok");
    return { id, ok };
  }

  /** Kills the process with SIGKILL (a crash: no session is closed) and waits for it to exit. */
  async kill(): Promise<void> {
    if (!this.exited) this.#proc.kill("SIGKILL");
    await this.#exit;
  }

  /** Ends the process: closes its stdin (it exits without closing sessions), SIGKILL after 2 s. */
  async stop(): Promise<void> {
    if (this.exited) return;
    this.#proc.stdin!.end();
    const t = setTimeout(() => this.#proc.kill("SIGKILL"), 2000);
    await this.#exit;
    clearTimeout(t);
  }
}

/** A CLOCK_MONOTONIC timestamp from the peer (decimal nanoseconds) as a bigint. */
export function ns(e: PeerEvent, field: string): bigint {
  const v = e[field];
  if (typeof v !== "string") throw new Error(`peer event ${e.ev} of ${e.id}: ${field} is not a string`);
  return BigInt(v);
}
