// Session: a lease kept alive in the background; every gosync/etcd primitive attaches its keys to a
// session's lease, so they vanish when the holder dies.
//
// Mirrors: go.etcd.io/etcd/clientv3/concurrency.Session (NewSession, WithTTL, WithLease,
// WithContext, Lease, Done, Orphan, Close). Default TTL 60 s; a keep-alive every TTL/3; the session
// is lost when the server answers that the lease is gone or when no keep-alive succeeded for a full
// TTL (then its lease has expired on the server, too). Where it differs: `done()` is a gosync Chan and
// `signal` an AbortSignal, both firing with the reason (`err`); keep-alive timers run on the gosync
// clock; a failed keep-alive is retried every 500 ms instead of waiting for the next TTL/3 tick;
// `err`, `signal` and `done()` compare the clock with the lease's deadline whenever they are read, so
// a process that was paused past its TTL (a GC pause, SIGSTOP, a busy loop) learns that its lease is
// gone the moment it resumes, before any timer of the event loop has run.

import { Chan } from "../chan/chan.js";
import type { Canceller } from "../chan/context-type.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { orAbort, throwIfDone } from "./abort.js";
import type { Backend } from "./backend.js";
import { EtcdError } from "./errors.js";
import { leaseIdCheck, ttlCheck } from "./requests.js";

/**
 * Options of {@link Session.create}.
 *
 * @example
 * ```ts
 * const session = await Session.create(backend, { ttl: 10, ctx: AbortSignal.timeout(5000) });
 * ```
 */
export interface SessionOptions {
  /** Lease TTL in seconds (default 60, as Go). */
  readonly ttl?: number;
  /** Adopt this existing lease instead of granting one (Go's WithLease). */
  readonly lease?: bigint;
  /** Cancels creation. */
  readonly ctx?: Canceller;
}

const RETRY_MS = 500;

/**
 * Leases adopted by a live Session of this process (`options.lease`), with how many adopted each
 * (internal): keys on such a lease may belong to another Session or process, so no primitive
 * removes one it did not create itself (key-guard.ts).
 */
export const adoptedLeases = new Map<bigint, number>();

/**
 * A lease with keep-alive: the liveness of one client. Close it to release everything it holds.
 *
 * @example
 * ```ts
 * await using session = await Session.create(backend, { ttl: 10 });
 * session.signal.addEventListener("abort", () => console.error("lost:", session.err));
 * const m = new Mutex(session, "/locks/job");
 * ```
 */
export class Session {
  /** The store the session's lease lives in. */
  readonly backend: Backend;
  /** The lease every primitive of this session attaches its keys to. */
  readonly lease: bigint;
  /** The TTL the server granted, in seconds. */
  readonly ttl: number;
  #err: Error | null = null;
  readonly #done = new Chan<never>(0, "session.done");
  readonly #ac = new AbortController();
  #tick: TimerHandle | null = null;
  #deadline: TimerHandle | null = null;
  /**
   * The clock time (clock.now()) by which the server has surely expired the lease unless a later
   * keep-alive renewed it: the send time of the last answered keep-alive plus the TTL it returned.
   */
  #expiresAt = Number.POSITIVE_INFINITY;
  /** Removes the listener on the backend's signal (closing the backend ends the session). */
  #unlisten: (() => void) | null = null;

  private constructor(backend: Backend, lease: bigint, ttl: number) {
    this.backend = backend;
    this.lease = lease;
    this.ttl = ttl;
  }

  /**
   * Grants a lease (or adopts `options.lease`) and starts keeping it alive.
   *
   * @example
   * ```ts
   * const session = await Session.create(backend);          // TTL 60 s
   * const short = await Session.create(backend, { ttl: 5 }); // lost within ~5 s of a crash
   * ```
   */
  static async create(backend: Backend, options: SessionOptions = {}): Promise<Session> {
    if (typeof backend !== "object" || backend === null || typeof backend.leaseGrant !== "function") {
      throw new TypeError("backend must be a Backend");
    }
    if (typeof options !== "object" || options === null) throw new TypeError("options must be an object");
    const ttl = ttlCheck(options.ttl ?? 60);
    if (options.lease !== undefined) leaseIdCheck(options.lease);
    throwIfDone(options.ctx);
    let id: bigint;
    let granted: number;
    const sent = clock.now();
    if (options.lease !== undefined) {
      id = options.lease;
      granted = await backend.leaseKeepAlive(id);
      if (granted <= 0) throw new EtcdError("lease-not-found", `session: lease ${id.toString(16)} not found`);
    } else {
      const g = await backend.leaseGrant(ttl);
      id = g.id;
      granted = g.ttl;
    }
    const s = new Session(backend, id, granted);
    if (options.lease !== undefined) {
      const lease = id;
      adoptedLeases.set(lease, (adoptedLeases.get(lease) ?? 0) + 1);
      s.signal.addEventListener(
        "abort",
        () => {
          const n = (adoptedLeases.get(lease) ?? 1) - 1;
          if (n > 0) adoptedLeases.set(lease, n);
          else adoptedLeases.delete(lease);
        },
        { once: true },
      );
    }
    const ctx = options.ctx;
    if (ctx !== undefined) {
      try {
        throwIfDone(ctx);
      } catch (e) {
        await s.close();
        throw e;
      }
    }
    s.#armDeadline(sent + granted * 1000 - clock.now());
    s.#schedule((granted * 1000) / 3);
    s.#followBackend();
    return s;
  }

  /**
   * Why the session ended (lost, orphaned or closed), or null while it is alive. Reading it checks
   * the lease's deadline against the clock: after a pause longer than the TTL it reports the loss at
   * once, even before the expiry timer has had a chance to run.
   */
  get err(): Error | null {
    this.#checkDeadline();
    return this.#err;
  }

  /** Closed when the session ends: its lease is lost, or it was orphaned or closed (Go's Done). */
  done(): Chan<never> {
    this.#checkDeadline();
    return this.#done;
  }

  /**
   * Aborts when the session ends, with `err` as the reason. Reading it checks the lease's deadline
   * first (as `err` does). Advisory: work already under way when the lease ran out is not stopped —
   * fence writes with a compare on the lock's revision (Mutex.isOwner()) to make them safe.
   */
  get signal(): AbortSignal {
    this.#checkDeadline();
    return this.#ac.signal;
  }

  /** Ends the session if its lease's deadline has passed (the expiry timer may not have run yet). */
  #checkDeadline(): void {
    if (this.#err === null && clock.now() >= this.#expiresAt) this.#expired();
  }

  #expired(): void {
    this.#end(
      new EtcdError("session-expired", "session: lease expired (no keep-alive answer for a full TTL)"),
    );
  }

  /** Closing the backend ends the session at once (Go: a session's Done() fires when its client closes). */
  #followBackend(): void {
    const bs = (this.backend as Partial<Backend>).signal;
    if (!(bs instanceof AbortSignal)) return; // a Backend written before `signal` existed
    const on = (): void => this.#end(new EtcdError("closed", "session: backend closed"));
    if (bs.aborted) {
      on();
      return;
    }
    bs.addEventListener("abort", on, { once: true });
    this.#unlisten = () => bs.removeEventListener("abort", on);
  }

  #schedule(ms: number): void {
    this.#tick = clock.setTimer(() => {
      this.#tick = null;
      void this.#keepAlive();
    }, ms);
  }

  /**
   * If no keep-alive succeeds within `ms`, the lease has expired on the server too. The deadline
   * counts from when the last successful keep-alive was *sent*: the server restarted the lease's
   * clock no earlier than that, so the holder learns of the loss no later than the server acts on it.
   */
  #armDeadline(ms: number): void {
    if (this.#deadline !== null) clock.clearTimer(this.#deadline);
    this.#expiresAt = clock.now() + ms;
    this.#deadline = clock.setTimer(() => {
      this.#deadline = null;
      this.#expired();
    }, ms);
    clock.keepAlive(this.#deadline, false);
  }

  async #keepAlive(): Promise<void> {
    if (this.#err !== null) return;
    let ttl: number;
    const sent = clock.now();
    try {
      ttl = await orAbort(this.backend.leaseKeepAlive(this.lease), this.#ac.signal);
    } catch (e) {
      if (e instanceof EtcdError && e.code === "closed") {
        this.#end(new EtcdError("closed", "session: backend closed"));
      } else if (this.#err === null) {
        this.#schedule(RETRY_MS);
      }
      return;
    }
    this.#checkDeadline(); // an answer that arrives after the deadline does not revive the session
    if (this.#err !== null) return;
    if (ttl <= 0) {
      this.#end(new EtcdError("session-expired", "session: lease expired or revoked"));
      return;
    }
    this.#armDeadline(sent + ttl * 1000 - clock.now());
    this.#schedule((ttl * 1000) / 3);
  }

  #end(err: Error): void {
    if (this.#err !== null) return;
    this.#err = err;
    if (this.#tick !== null) clock.clearTimer(this.#tick);
    if (this.#deadline !== null) clock.clearTimer(this.#deadline);
    this.#tick = null;
    this.#deadline = null;
    this.#unlisten?.();
    this.#unlisten = null;
    this.#done.close();
    this.#ac.abort(err);
  }

  /**
   * Stops the keep-alive and ends the session locally; the lease is left to expire on the server
   * (Go's Orphan). Its keys stay until then.
   *
   * @example
   * ```ts
   * session.orphan(); // hand over: another process may adopt the lease with { lease: session.lease }
   * ```
   */
  orphan(): void {
    this.#end(new EtcdError("closed", "session: orphaned"));
  }

  /**
   * Ends the session and revokes its lease, deleting every key it holds — releasing its locks and
   * candidacies at once (Go's Close). A lease that is already gone is not an error.
   *
   * @example
   * ```ts
   * try { await work(session); } finally { await session.close(); }
   * ```
   */
  async close(): Promise<void> {
    this.#end(new EtcdError("closed", "session: closed"));
    try {
      await this.backend.leaseRevoke(this.lease);
    } catch (e) {
      if (!(e instanceof EtcdError && (e.code === "lease-not-found" || e.code === "closed"))) throw e;
    }
  }

  /** `await using`: closes the session (revokes its lease). */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Throws a TypeError unless `session` is a Session (the primitives built on one check it first). */
export function checkSession(session: unknown): Session {
  const s = session as Partial<Session> | null;
  if (typeof s !== "object" || s === null || typeof s.lease !== "bigint" || typeof s.backend !== "object") {
    throw new TypeError("session must be a Session");
  }
  return session as Session;
}
