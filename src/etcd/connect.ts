// connect(): the Backend for a real etcd v3 cluster, over gRPC through the `etcd3` npm package's raw
// RPC clients (KV, Lease, Watch, Maintenance). Only its transport is used — not its Lock (try-only,
// not Go-compatible), Election or STM (see shared/etcd-protocol.md §6): gosync/etcd implements those
// itself with Go's on-etcd protocol. `etcd3` is loaded on first connect(), so `gosync/etcd` with the
// embedded backend needs no server package at all.
//
// Mirrors: go.etcd.io/etcd/clientv3.New + the KV / Lease / Watcher interfaces. Where it differs:
// connect() is async and checks the cluster (and TLS and credentials) before it resolves, so a wrong
// password or an untrusted certificate fails at connect with a clear EtcdError, never later and
// never as a hang; every watch gets its own gRPC stream (multiplexed on one HTTP/2 connection);
// lease keep-alives share one stream; the per-host circuit breaker of etcd3 is replaced by a
// pass-through policy so a restarted member is used again at once.

import type { Canceller } from "../chan/context-type.js";
import { cancelSourceOf, REASON } from "../internal/cancel.js";
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
import { EtcdError, etcdError } from "./errors.js";
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
import { WatchStream } from "./watch-stream.js";

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Client URLs or host:port pairs, e.g. ["https://10.0.0.1:2379"]. */
  readonly endpoints: readonly string[];
  /** TLS: the CA that signed the server certificate, and a client certificate + key for mTLS (PEM). */
  readonly tls?: {
    readonly ca?: string | Uint8Array;
    readonly cert?: string | Uint8Array;
    readonly key?: string | Uint8Array;
  };
  /** Username/password authentication (etcd `auth enable`). */
  readonly auth?: { readonly username: string; readonly password: string };
  /** How long connect() and each request may take to reach a member, in ms (default 5000). */
  readonly dialTimeout?: number;
}

/** etcd3's per-host policy, replaced: run the call, no circuit breaker. */
const passThrough = {
  execute<T>(fn: (ctx: { signal: AbortSignal; attempt: number }) => T | PromiseLike<T>): Promise<T> {
    return Promise.resolve().then(() => fn({ signal: new AbortController().signal, attempt: 0 }));
  },
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
  readonly #watches = new Set<WatchStream>();
  #ka: Promise<Duplex<PObj, { ID: string; TTL: string }>> | null = null;
  readonly #kaWaiters = new Map<string, KaWaiter[]>();

  constructor(client: Etcd3Client, timeout: number) {
    this.#c = client;
    this.#timeout = timeout;
  }

  #opts(): CallOptions {
    return { deadline: Date.now() + this.#timeout };
  }

  async #call<T>(f: () => Promise<T>): Promise<T> {
    if (this.#closed) throw etcdError("closed");
    try {
      return await f();
    } catch (e) {
      throw fromGrpc(e);
    }
  }

  async range(req: RangeRequest): Promise<RangeResponse> {
    const p = rangeReq(req);
    return rangeRes(await this.#call(() => this.#c.kv.range(p, this.#opts())));
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
    const r = await this.#call(() => this.#c.kv.txn(p, this.#opts()));
    const ops = (r.succeeded ? req.success : req.failure) ?? [];
    return {
      header: header(r.header),
      succeeded: r.succeeded,
      responses: r.responses.map((x, i) => opRes(ops[i]!, x)),
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
    const stream = await this.#call(() => this.#c.watchClient.watch());
    let ws: WatchStream | null = null;
    const stop = (): void => {
      if (ws !== null) this.#watches.delete(ws);
      try {
        stream.cancel();
      } catch {
        // already gone
      }
    };
    ws = new WatchStream(stop);
    const w = ws;
    this.#watches.add(w);
    return new Promise<Watch>((resolve, reject) => {
      let created = false;
      stream.on("data", (res) => {
        if (res.created && !created) {
          created = true;
          w.header = header(res.header);
          resolve(w);
        }
        if (res.canceled) {
          const compact = BigInt(res.compact_revision || "0");
          const err =
            compact > 0n
              ? etcdError("compacted", `watch from ${start}, compacted at ${compact}`)
              : new EtcdError("watch-canceled", `watch canceled by the server: ${res.cancel_reason}`);
          if (!created) reject(err);
          w.fail(err);
          stop();
          return;
        }
        if (res.events.length > 0) {
          w.push({
            header: header(res.header),
            events: res.events.map((e) => ({
              type: e.type === "Delete" ? "delete" : "put",
              kv: kv(e.kv),
              prevKv: e.prev_kv ? kv(e.prev_kv) : undefined,
            })),
          });
        }
      });
      stream.on("error", (e) => {
        const err = fromGrpc(e);
        if (!created) reject(err);
        w.fail(err);
        this.#watches.delete(w);
      });
      stream.on("end", () => {
        const err = new EtcdError("unavailable", "etcd watch stream ended");
        if (!created) reject(err);
        w.fail(err);
        this.#watches.delete(w);
      });
      stream.write({
        create_request: {
          key: n.key,
          range_end: n.end,
          start_revision: start.toString(),
          prev_kv: req.prevKv === true,
          filters,
        },
      });
    });
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
    await this.#call(() => this.#c.leaseClient.leaseRevoke({ ID: id.toString() }, this.#opts()));
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
    const r = await this.#call(() =>
      this.#c.leaseClient.leaseTimeToLive({ ID: id.toString(), keys }, this.#opts()),
    );
    return {
      header: header(r.header),
      ttl: Number(r.TTL),
      grantedTtl: Number(r.grantedTTL),
      keys: r.keys.map((k) => new Uint8Array(k)),
    };
  }

  /** Asks a member for its status: proves the connection, TLS and credentials work. */
  async ping(): Promise<void> {
    await this.#call(() => this.#c.maintenance.status(this.#opts()));
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const w of [...this.#watches]) w.fail(etcdError("closed"));
    this.#watches.clear();
    const err = etcdError("closed");
    for (const ws of this.#kaWaiters.values()) for (const w of ws) w.reject(err);
    this.#kaWaiters.clear();
    const ka = this.#ka;
    this.#ka = null;
    ka?.then((s) => s.cancel()).catch(() => {});
    this.#c.close();
  }
}

function pem(name: string, v: string | Uint8Array | undefined): Uint8Array | undefined {
  if (v === undefined) return undefined;
  return toBytes(checkValue(name, v));
}

/**
 * Connects to a real etcd (v3 API) and checks that it answers — with the given TLS material and
 * credentials — before resolving. Needs the `etcd3` npm package (an optional peer dependency).
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
  const { Buffer } = await import("node:buffer");
  const secure = tls !== undefined || endpoints.some((e) => e.startsWith("https://"));
  const hosts = endpoints.map((e) =>
    secure && !e.startsWith("https://") ? `https://${e.replace(/^http:\/\//, "")}` : e,
  );
  const client = new mod.Etcd3({
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
      auth === undefined
        ? undefined
        : {
            username: auth.username,
            password: auth.password,
            callOptions: () => ({ deadline: Date.now() + timeout }),
          },
    faultHandling: { host: () => passThrough },
    grpcOptions: { "grpc.max_receive_message_length": 64 * 1024 * 1024 },
  });
  const backend = new EtcdBackend(client, timeout);
  try {
    await backend.ping();
  } catch (e) {
    await backend.close();
    throw e;
  }
  return backend;
}
