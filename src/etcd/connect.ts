// connect(): the Backend for a real etcd v3 cluster, over gRPC through the `etcd3` npm package's raw
// RPC clients (KV, Lease, Watch, Maintenance). Only its transport is used — not its Lock (try-only,
// not Go-compatible), Election or STM (their keys and retry rules differ from Go's): gosync/etcd
// implements those itself with Go's on-etcd protocol. `etcd3` is loaded on first connect(), so `gosync/etcd` with the
// embedded backend needs no server package at all.
//
// Mirrors: go.etcd.io/etcd/clientv3.New + the KV / Lease / Watcher interfaces. Where it differs:
// - connect() is async and checks the cluster before it resolves — a member's status (TLS and the
//   password: etcd3 authenticates before its first call), then a read that an auth-enabled etcd
//   refuses to an unauthenticated client — so an untrusted certificate (EtcdError "tls-failed"), a
//   wrong password, or missing credentials ("auth-failed") fail at connect, within dialTimeout,
//   never later and never as a hang. Credentials for an etcd without auth are ignored, as in Go.
// - Every watch shares one gRPC Watch stream, as in Go (watch-mux.ts); lease keep-alives share another.
//   An expired auth token (etcd's simple tokens expire when idle) is renewed: etcd3 renews it for
//   unary calls; a watch refused for it renews it and opens a fresh stream.
// - Retries: a read, or a write that provably never reached etcd, is retried while etcd is
//   unreachable (restarting, no leader yet, a member down), for up to dialTimeout; a write whose fate
//   is unknown is reported ("unavailable") and left to the primitives, whose writes are idempotent.
//   etcd3's own retry policy (which repeats any write) is off.
// - etcd3's per-host circuit breaker (which also trips on errors etcd answered with) is replaced by
//   a small one that skips a member whose connection failed for a second, unless all are down.

import type { Canceller } from "../chan/context-type.js";
import {
  type CancelListener,
  type CancelSource,
  cancelSourceOf,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import type {
  Backend,
  DeleteRequest,
  DeleteResponse,
  LeaseGrantResponse,
  LeaseTimeToLiveResponse,
  PutRequest,
  PutResponse,
  RangeRequest,
  RangeResponse,
  TxnRequest,
  TxnResponse,
  Watch,
  WatchRequest,
} from "./backend.js";
import { checkValue, toBytes } from "./bytes.js";
import { EtcdError, etcdError, NOT_APPLIED } from "./errors.js";
import {
  type CallOptions,
  compareReq,
  type Duplex,
  delReq,
  delRes,
  type Etcd3Client,
  type Etcd3Module,
  fromGrpc,
  header,
  kv,
  opReq,
  opRes,
  type PObj,
  putReq,
  putRes,
  rangeReq,
  rangeRes,
  str,
} from "./etcd3-wire.js";
import { checkRangeRequest, checkTxnRequest, leaseIdCheck, ttlCheck } from "./requests.js";
import { WatchMux } from "./watch-mux.js";
import { WatchStream } from "./watch-stream.js";

/**
 * Options of {@link connect}.
 *
 * @example
 * ```ts
 * const backend = await connect({
 *   endpoints: ["https://10.0.0.1:2379", "https://10.0.0.2:2379"],
 *   tls: { ca: readFileSync("ca.pem"), cert: readFileSync("client.pem"), key: readFileSync("client-key.pem") },
 *   auth: { username: "svc", password: process.env.ETCD_PASSWORD ?? "" },
 *   dialTimeout: 3000,
 * });
 * ```
 */
export interface ConnectOptions {
  /** Client URLs or host:port pairs, e.g. ["https://10.0.0.1:2379"]. */
  readonly endpoints: readonly string[];
  /**
   * TLS (PEM): `ca`, the CA that signed the server certificate (default: the system's roots); `cert`
   * and `key`, a client certificate and its key, for etcd's --client-cert-auth. With `tls`, plain
   * host:port endpoints are dialled with https.
   */
  readonly tls?: {
    /** The CA that signed the server certificate (default: the system's roots). */
    readonly ca?: string | Uint8Array;
    /** A client certificate, for etcd's --client-cert-auth. */
    readonly cert?: string | Uint8Array;
    /** The client certificate's private key. */
    readonly key?: string | Uint8Array;
  };
  /** Username/password authentication (etcd `auth enable`); ignored if the server has auth disabled. */
  readonly auth?: {
    /** The etcd user. */
    readonly username: string;
    /** Its password. */
    readonly password: string;
  };
  /**
   * How long connect() may take, and each request (with its retries while etcd is unreachable), in
   * ms (default 5000).
   */
  readonly dialTimeout?: number;
}

const NEVER = new AbortController().signal;

/** etcd3's fault-handling policies, replaced: run the call once, no circuit breaker, no retry. */
const passThrough = {
  execute<T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | PromiseLike<T>): Promise<T> {
    try {
      return Promise.resolve(fn({ signal: NEVER, attempt: 0 }));
    } catch (e) {
      return Promise.reject(e);
    }
  },
};

/** A member whose connection failed is skipped for this long (its calls go to the other members). */
const DOWN_MS = 1000;
/** gRPC transport failures (as opposed to errors etcd answered with). */
const CONNECTION_FAILED =
  /No connection established|ECONNREFUSED|ECONNRESET|Connection dropped|connection closed/i;

type Execute = <T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | PromiseLike<T>) => Promise<T>;

/**
 * etcd3's per-host fault policy, replaced by a small breaker shared by the hosts of one client:
 * a member whose connection failed is skipped for DOWN_MS — etcd3 then sends the call to the next
 * member at once, instead of a retry landing on the dead member again and again (each call picks a
 * member at random) — unless every member is down, then calls go through (a restarted member is used
 * again at once). Not etcd3's circuit breaker: that one also opens on errors etcd answered with.
 */
class HostHealth {
  readonly #downUntil = new Map<string, number>();
  constructor(private readonly hosts: number) {}

  #allDown(now: number): boolean {
    if (this.#downUntil.size < this.hosts) return false;
    for (const until of this.#downUntil.values()) if (until <= now) return false;
    return true;
  }

  policy(host: string): { execute: Execute } {
    const fail = (e: unknown): void => {
      if (CONNECTION_FAILED.test(e instanceof Error ? e.message : String(e))) {
        this.#downUntil.set(host, Date.now() + DOWN_MS);
      }
    };
    const execute: Execute = (fn) => {
      let r: Promise<Awaited<ReturnType<typeof fn>>>;
      if (this.#downUntil.size === 0) {
        try {
          r = Promise.resolve(fn({ signal: NEVER, attempt: 0 }));
        } catch (e) {
          fail(e); // etcd3's markFailed reports a failed stream this way
          return Promise.reject(e);
        }
        r.catch(fail);
        return r;
      }
      const now = Date.now();
      const until = this.#downUntil.get(host);
      if (until !== undefined && until > now && !this.#allDown(now)) {
        return Promise.reject(
          new Error(`14 UNAVAILABLE: No connection established (member ${host} is down)`),
        );
      }
      try {
        r = Promise.resolve(fn({ signal: NEVER, attempt: 0 }));
      } catch (e) {
        fail(e);
        return Promise.reject(e);
      }
      return r.then(
        (v) => {
          this.#downUntil.delete(host);
          return v;
        },
        (e: unknown) => {
          fail(e);
          throw e;
        },
      );
    };
    return { execute };
  }
}

/** Nothing listens on the endpoint (yet). */
const REFUSED = /ECONNREFUSED/;

const isRead = (op: PObj): boolean => "request_range" in op;

/** Cancel reasons after which a watch is retried once with a renewed auth token. */
const AUTH_RETRY = /invalid auth token|revision of auth store is old/;

/** The key connect() reads to find out whether the server wants authentication (any key would do). */
const PROBE = {
  key: new TextEncoder().encode("gosync/connect-probe"),
  serializable: true,
  keys_only: true,
  limit: "1",
};

// ---- the backend ---------------------------------------------------------------------------------

interface KaWaiter {
  resolve(ttl: number): void;
  reject(e: unknown): void;
}

class EtcdBackend implements Backend {
  readonly kind = "etcd" as const;
  readonly #c: Etcd3Client;
  readonly #timeout: number;
  #closed = false;
  readonly #ac = new AbortController();
  readonly signal = this.#ac.signal;
  readonly #watches = new Set<WatchStream>();
  #ka: Promise<Duplex<PObj, { ID: string; TTL: string }>> | null = null;
  readonly #kaWaiters = new Map<string, KaWaiter[]>();

  readonly #auth: boolean;
  readonly #mux: WatchMux;
  /** connect()'s checks try each endpoint about twice, then report (Infinity: until dialTimeout). */
  readonly #attempts: number;

  constructor(client: Etcd3Client, timeout: number, auth: boolean, endpoints: number) {
    this.#c = client;
    this.#attempts = 2 * endpoints + 1;
    this.#timeout = timeout;
    this.#auth = auth;
    this.#mux = new WatchMux(
      () => client.watchClient.watch(),
      (e) => (this.#closed ? etcdError("closed") : fromGrpc(e)),
    );
  }

  #opts(): CallOptions {
    return { deadline: Date.now() + this.#timeout };
  }

  /**
   * Runs one RPC. While etcd is unreachable (restarting, a member down, no leader yet) the call is
   * retried with backoff, for at most dialTimeout in all — a read (`safe`) on any transient error, a
   * write only when the error proves it was never applied (no connection, "no leader"): a write whose
   * fate is unknown is reported, not repeated. Each attempt goes to a randomly chosen endpoint.
   */
  async #call<T>(f: () => Promise<T>, safe = false, attempts = Number.POSITIVE_INFINITY): Promise<T> {
    if (this.#closed) throw etcdError("closed");
    let backoff = 25;
    let deadline = 0; // retries stop dialTimeout after the call began
    const started = Date.now();
    for (let i = 1; ; i++) {
      try {
        return await f();
      } catch (e) {
        const err = fromGrpc(e);
        if (this.#closed) throw etcdError("closed");
        if (err.code !== "unavailable" || i >= attempts || !(safe || NOT_APPLIED.test(err.message)))
          throw err;
        const now = Date.now();
        if (deadline === 0) deadline = started + this.#timeout;
        if (now + backoff >= deadline) throw err;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 250);
      }
    }
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    const p = rangeReq(req);
    return rangeRes(await this.#call(() => this.#c.kv.range(p, this.#opts()), true));
  }

  async put(req: PutRequest): Promise<PutResponse> {
    const p = putReq(req);
    return putRes(await this.#call(() => this.#c.kv.put(p, this.#opts())), req.prevKv === true);
  }

  async delete(req: DeleteRequest): Promise<DeleteResponse> {
    const p = delReq(req);
    return delRes(await this.#call(() => this.#c.kv.deleteRange(p, this.#opts())));
  }

  async txn(req: TxnRequest): Promise<TxnResponse> {
    checkTxnRequest(req, Number.MAX_SAFE_INTEGER); // the server enforces its own --max-txn-ops
    const p = {
      compare: (req.compare ?? []).map(compareReq),
      success: (req.success ?? []).map(opReq),
      failure: (req.failure ?? []).map(opReq),
    };
    const readOnly = p.success.every(isRead) && p.failure.every(isRead);
    const r = await this.#call(() => this.#c.kv.txn(p, this.#opts()), readOnly);
    const ops = (r.succeeded ? req.success : req.failure) ?? [];
    return {
      header: header(r.header),
      succeeded: r.succeeded,
      responses: r.responses.map((x, i) => opRes(ops[i] as (typeof ops)[number], x)), // one response per op, in order
    };
  }

  async watch(req: WatchRequest, ctx?: Canceller): Promise<Watch> {
    const src = cancelSourceOf(ctx);
    const reason = src?.[REASON]();
    if (reason !== undefined) throw reason;
    const n = checkRangeRequest({ key: req.key, end: req.end });
    const start = req.startRevision ?? 0n;
    if (typeof start !== "bigint" || start < 0n) throw new RangeError("startRevision must be a bigint >= 0n");
    const filters: string[] = [];
    if (req.noPut === true) filters.push("Noput");
    if (req.noDelete === true) filters.push("Nodelete");
    const create = {
      key: n.key,
      range_end: n.end,
      start_revision: start.toString(),
      prev_kv: req.prevKv === true,
      filters,
    };
    try {
      return await this.#watchOnce(create, start, src);
    } catch (e) {
      // A watch stream carries the auth token it was opened with; etcd refuses a watch on an expired
      // token (unary calls renew it by themselves). Renew it with a unary call, then try once more.
      if (!(this.#auth && e instanceof EtcdError && AUTH_RETRY.test(e.message))) throw e;
      await this.renewToken();
      this.#mux.retire();
      return await this.#watchOnce(create, start, src);
    }
  }

  #watchOnce(create: PObj, start: bigint, src: CancelSource | null): Promise<Watch> {
    if (this.#closed) return Promise.reject(etcdError("closed"));
    return new Promise<Watch>((resolve, reject) => {
      let settled = false;
      let ws: WatchStream | null = null;
      const listener: CancelListener = {
        onCancel: (r) => {
          if (settled) return;
          settled = true;
          handle.cancel();
          reject(r);
        },
      };
      const handle = this.#mux.watch(create, {
        created: (res) => {
          if (settled) return;
          settled = true;
          src?.[UNSUBSCRIBE](listener);
          const w = new WatchStream(() => {
            this.#watches.delete(w);
            handle.cancel();
          });
          w.header = header(res.header);
          ws = w;
          this.#watches.add(w);
          resolve(w);
        },
        events: (res) => {
          ws?.push({
            header: header(res.header),
            events: res.events.map((e) => ({
              type: e.type === "Delete" ? "delete" : "put",
              kv: kv(e.kv),
              prevKv: e.prev_kv ? kv(e.prev_kv) : undefined,
            })),
          });
        },
        failed: (e, res) => {
          let err: unknown = e;
          if (res !== null) {
            // Refused at creation (no permission, compacted) or cancelled later by the server.
            const compact = BigInt(res.compact_revision || "0");
            err =
              compact > 0n
                ? etcdError("compacted", `watch from ${start}, compacted at ${compact}`)
                : res.cancel_reason
                  ? fromGrpc(new Error(res.cancel_reason))
                  : new EtcdError("watch-canceled", "watch canceled by the server");
          }
          src?.[UNSUBSCRIBE](listener);
          if (!settled) {
            settled = true;
            reject(err);
          }
          if (ws !== null) {
            this.#watches.delete(ws);
            ws.fail(err instanceof Error ? err : fromGrpc(err));
          }
        },
      });
      src?.[SUBSCRIBE](listener);
    });
  }

  /**
   * Makes a cheap unary call (a serializable, keys-only read of one key): on an expired auth token the
   * etcd3 transport authenticates again. A permission error there is fine: the token is valid.
   */
  async renewToken(): Promise<void> {
    try {
      await this.#call(() => this.#c.kv.range(PROBE, this.#opts()), true, this.#attempts);
    } catch (e) {
      if (!(e instanceof EtcdError && e.code === "permission-denied")) throw e;
    }
  }

  async leaseGrant(ttl: number, id?: bigint): Promise<LeaseGrantResponse> {
    ttlCheck(ttl);
    if (id !== undefined && id !== 0n) leaseIdCheck(id);
    const r = await this.#call(() =>
      this.#c.leaseClient.leaseGrant({ TTL: String(ttl), ID: str(id) }, this.#opts()),
    );
    if (r.error) throw fromGrpc(new Error(r.error));
    return { header: header(r.header), id: BigInt(r.ID), ttl: Number(r.TTL) };
  }

  async leaseRevoke(id: bigint): Promise<void> {
    leaseIdCheck(id);
    await this.#call(() => this.#c.leaseClient.leaseRevoke({ ID: id.toString() }, this.#opts()), true);
  }

  #kaStream(): Promise<Duplex<PObj, { ID: string; TTL: string }>> {
    if (this.#ka !== null) return this.#ka;
    const p = this.#c.leaseClient.leaseKeepAlive().then((s) => {
      const fail = (e: unknown): void => {
        if (this.#ka === p) this.#ka = null;
        const err = fromGrpc(e);
        for (const ws of this.#kaWaiters.values()) for (const w of ws) w.reject(err);
        this.#kaWaiters.clear();
      };
      s.on("data", (res) => {
        const q = this.#kaWaiters.get(res.ID);
        const w = q?.shift();
        if (q !== undefined && q.length === 0) this.#kaWaiters.delete(res.ID);
        w?.resolve(Math.max(0, Number(res.TTL)));
      });
      s.on("error", fail);
      s.on("end", () => fail(new EtcdError("unavailable", "etcd keep-alive stream ended")));
      return s;
    });
    p.catch(() => {
      if (this.#ka === p) this.#ka = null;
    });
    this.#ka = p;
    return p;
  }

  async leaseKeepAlive(id: bigint): Promise<number> {
    leaseIdCheck(id);
    const s = await this.#call(() => this.#kaStream());
    const key = id.toString();
    return new Promise<number>((resolve, reject) => {
      let q = this.#kaWaiters.get(key);
      if (q === undefined) {
        q = [];
        this.#kaWaiters.set(key, q);
      }
      q.push({ resolve, reject });
      s.write({ ID: key });
    });
  }

  async leaseTimeToLive(id: bigint, keys = false): Promise<LeaseTimeToLiveResponse> {
    leaseIdCheck(id);
    const r = await this.#call(
      () => this.#c.leaseClient.leaseTimeToLive({ ID: id.toString(), keys }, this.#opts()),
      true,
    );
    return {
      header: header(r.header),
      ttl: Number(r.TTL),
      grantedTtl: Number(r.grantedTTL),
      keys: r.keys.map((k) => new Uint8Array(k)),
    };
  }

  /**
   * Proves the connection works: a member's status (TLS, and the credentials: etcd3 authenticates
   * before its first call), then a read that etcd refuses if it has auth enabled and the client is
   * not authenticated — so connect() reports that instead of the first real request.
   */
  async check(): Promise<void> {
    // A refused connection (etcd not started yet, or restarting) is retried until dialTimeout: a
    // service may start before its etcd. Other failures (TLS, a wrong protocol) are reported at once.
    const deadline = Date.now() + this.#timeout;
    for (let backoff = 25; ; backoff = Math.min(backoff * 2, 250)) {
      try {
        await this.#call(() => this.#c.maintenance.status(this.#opts()), true, this.#attempts);
        break;
      } catch (e) {
        if (!(e instanceof EtcdError && REFUSED.test(e.message)) || Date.now() + backoff >= deadline) throw e;
        await new Promise((resolve) => setTimeout(resolve, backoff));
        if (this.#closed) throw etcdError("closed");
      }
    }
    await this.renewToken();
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ac.abort(etcdError("closed"));
    for (const w of [...this.#watches]) w.fail(etcdError("closed"));
    this.#watches.clear();
    this.#mux.close(etcdError("closed"));
    const err = etcdError("closed");
    for (const ws of this.#kaWaiters.values()) for (const w of ws) w.reject(err);
    this.#kaWaiters.clear();
    const ka = this.#ka;
    this.#ka = null;
    ka?.then((s) => s.cancel()).catch(() => {});
    this.#c.close();
  }
}

/**
 * gRPC sets the TLS SNI name to the endpoint's host even when it is an IP address, which RFC 6066
 * forbids and Node warns about (DEP0123) on every such connect. This drops the SNI name for IP
 * endpoints (the certificate is still checked against the IP: Node's checkServerIdentity falls back
 * to the host). It wraps the one channel-credentials object the etcd3 client made — shared by its
 * hosts and its authenticator — before any channel exists (channels are made on first use); if
 * etcd3 or grpc-js ever change shape, it leaves things as they are.
 */
function omitIpServername(client: Etcd3Client, isIP: (s: string) => number): void {
  interface Connector {
    connectionOptions?: { servername?: string };
  }
  interface Creds {
    _createSecureConnector?: (...args: unknown[]) => Connector;
  }
  const pool = (client as unknown as { pool?: { hosts?: { channelCredentials?: Creds }[] } }).pool;
  const seen = new Set<Creds>();
  for (const h of pool?.hosts ?? []) {
    const creds = h.channelCredentials;
    const make = creds?._createSecureConnector;
    if (creds === undefined || typeof make !== "function" || seen.has(creds)) continue;
    seen.add(creds);
    creds._createSecureConnector = (...args: unknown[]): Connector => {
      const c = make.apply(creds, args);
      const o = c.connectionOptions;
      if (o !== undefined && typeof o.servername === "string" && isIP(o.servername) !== 0)
        delete o.servername;
      return c;
    };
  }
}

/**
 * One of Node's built-in modules, reached through `process.getBuiltinModule` (Node ≥ 20.16) rather
 * than an import, so that a bundle of gosync/etcd for a browser that uses only embedded() pulls in
 * nothing from `node:` (connect() itself runs only on Node). `undefined` where it is unavailable.
 */
function nodeBuiltin<T>(name: string): T | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return proc?.getBuiltinModule?.(name) as T | undefined;
}

/** net.isIP's answer (0, 4 or 6) for where net is unavailable: a host name never holds a colon. */
function looksLikeIp(host: string): number {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return 4;
  return host.includes(":") ? 6 : 0;
}

/** Refuses a tls.ca that holds no PEM certificate Node can parse, naming the problem. */
async function checkCa(ca: Uint8Array): Promise<void> {
  const crypto = nodeBuiltin<typeof import("node:crypto")>("crypto");
  if (crypto === undefined) return; // Node < 20.16: the TLS handshake reports a bad CA instead
  const { X509Certificate } = crypto;
  const pemText = new TextDecoder().decode(ca);
  const blocks = pemText.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  const bad = (why: string): EtcdError =>
    new EtcdError(
      "tls-failed",
      `${etcdError("tls-failed").message}: the CA (tls.ca) could not be parsed: ${why}`,
    );
  if (blocks.length === 0) throw bad('no PEM block "-----BEGIN CERTIFICATE-----" in it');
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch (e) {
      throw bad(`certificate ${i + 1} of ${blocks.length}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
}

function pem(name: string, v: string | Uint8Array | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  return toBytes(checkValue(name, v));
}

/**
 * Connects to a real etcd (v3 API) and checks that it answers — with the given TLS material and
 * credentials — before resolving. Needs the `etcd3` npm package (an optional peer dependency).
 * Fails with EtcdError `tls-failed` (certificate refused either way), `auth-failed` (wrong or missing
 * credentials) or `unavailable` (nothing answered within dialTimeout).
 *
 * @example
 * ```ts
 * const backend = await connect({
 *   endpoints: ["https://127.0.0.1:2379"],
 *   tls: { ca: readFileSync("ca.pem"), cert: readFileSync("client.pem"), key: readFileSync("client-key.pem") },
 *   auth: { username: "app", password: "secret" },
 * });
 * try { const m = new Mutex(await Session.create(backend), "/locks/job"); } finally { await backend.close(); }
 * ```
 */
export async function connect(options: ConnectOptions): Promise<Backend> {
  if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
  const { endpoints, tls, auth } = options;
  if (
    !Array.isArray(endpoints) ||
    endpoints.length === 0 ||
    !endpoints.every((e) => typeof e === "string" && e)
  ) {
    throw new TypeError("endpoints must be a non-empty array of strings");
  }
  const timeout = options.dialTimeout ?? 5000;
  if (typeof timeout !== "number" || !(timeout > 0))
    throw new RangeError("dialTimeout must be a number of ms > 0");
  if (auth !== undefined && (typeof auth.username !== "string" || typeof auth.password !== "string")) {
    throw new TypeError("auth must be { username: string, password: string }");
  }
  const ca = pem("tls.ca", tls?.ca);
  const cert = pem("tls.cert", tls?.cert);
  const key = pem("tls.key", tls?.key);
  if ((cert === undefined) !== (key === undefined)) throw new TypeError("tls.cert and tls.key go together");
  let mod: Etcd3Module;
  try {
    const m = (await import("etcd3")) as unknown as Etcd3Module & { default?: Etcd3Module };
    mod = typeof m.Etcd3 === "function" ? m : m.default!;
  } catch (e) {
    throw new Error("gosync/etcd: connect() needs the `etcd3` package: npm install etcd3", { cause: e });
  }
  // Node's global Buffer (etcd3 runs on Node): no `node:` import, so bundling gosync/etcd for a
  // browser, where only embedded() is used, needs no shim.
  const { Buffer } = globalThis;
  const secure = tls !== undefined || endpoints.some((e) => e.startsWith("https://"));
  const hosts = endpoints.map((e) =>
    secure && !e.startsWith("https://") ? `https://${e.replace(/^http:\/\//, "")}` : e,
  );
  const build = (withAuth: boolean): Etcd3Client =>
    new mod.Etcd3({
      hosts,
      dialTimeout: timeout,
      credentials:
        tls === undefined
          ? undefined
          : {
              rootCertificate: ca === undefined ? undefined : Buffer.from(ca),
              privateKey: key === undefined ? undefined : Buffer.from(key),
              certChain: cert === undefined ? undefined : Buffer.from(cert),
            },
      auth:
        auth === undefined || !withAuth
          ? undefined
          : {
              username: auth.username,
              password: auth.password,
              callOptions: () => ({ deadline: Date.now() + timeout }),
            },
      // Retries are ours (#call): etcd3's default global policy retries writes whose fate is unknown.
      faultHandling: { host: (h: string) => health.policy(h), global: passThrough },
      grpcOptions: { "grpc.max_receive_message_length": 64 * 1024 * 1024 },
    });
  const health = new HostHealth(hosts.length);
  if (ca !== undefined) await checkCa(ca);
  const where = ` (endpoints: ${hosts.join(", ")})`;
  const isIP = nodeBuiltin<typeof import("node:net")>("net")?.isIP ?? looksLikeIp;
  const open = async (withAuth: boolean): Promise<EtcdBackend> => {
    const client = build(withAuth);
    if (secure) omitIpServername(client, isIP);
    const backend = new EtcdBackend(client, timeout, withAuth && auth !== undefined, hosts.length);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new EtcdError("unavailable", `etcd did not answer within ${timeout} ms${where}`)),
        timeout,
      );
    });
    try {
      await Promise.race([backend.check(), expired]);
      return backend;
    } catch (e) {
      await backend.close();
      if (e instanceof EtcdError && (e.code === "unavailable" || e.code === "tls-failed")) {
        let hint = "";
        if (e.code === "unavailable" && !/ECONNREFUSED|did not answer/.test(e.message)) {
          hint = secure
            ? "; is the endpoint serving TLS? (for plain text use http:// and no tls option)"
            : "; is the endpoint serving plain text? (for TLS use https:// or the tls option)";
        }
        throw new EtcdError(e.code, e.message + where + hint, { cause: e.cause ?? e });
      }
      throw e;
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    return await open(true);
  } catch (e) {
    // Go's clientv3 goes on without a token when the server has authentication disabled.
    if (auth !== undefined && e instanceof EtcdError && e.message.includes("authentication is not enabled")) {
      return await open(false);
    }
    throw e;
  }
}
