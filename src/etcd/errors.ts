// EtcdError: every error gosync/etcd reports, one class with a `code` to switch on. Messages are Go's
// texts where Go has one (etcd's rpctypes, mvcc and concurrency errors), so logs read alike in both
// languages. Go returns these as distinct error values; TypeScript gets one class and a union of codes.

/**
 * What went wrong, as a string union to switch on.
 *
 * @example
 * ```ts
 * const code: EtcdErrorCode = e instanceof EtcdError ? e.code : "unavailable";
 * if (code === "session-expired") session = await Session.create(backend);
 * ```
 */
export type EtcdErrorCode =
  | "lease-not-found"
  | "lease-exists"
  | "compacted"
  | "future-revision"
  | "duplicate-key"
  | "too-many-ops"
  | "empty-key"
  | "permission-denied"
  | "auth-failed"
  | "tls-failed"
  | "unavailable"
  | "closed"
  | "watch-canceled"
  | "session-expired"
  | "locked"
  | "not-leader"
  | "no-leader"
  | "key-exists"
  | "too-many-clients"
  | "stm-conflict"
  | "request-too-large"
  | "lease-ttl-too-large"
  | "no-space"
  | "resource-exhausted"
  | "invalid-argument"
  | "failed-precondition"
  | "not-found"
  | "unimplemented"
  | "internal"
  | "unknown";

const GO_TEXT: Partial<Record<EtcdErrorCode, string>> = {
  "lease-not-found": "etcdserver: requested lease not found",
  "lease-exists": "etcdserver: lease already exists",
  compacted: "mvcc: required revision has been compacted",
  "future-revision": "mvcc: required revision is a future revision",
  "duplicate-key": "etcdserver: duplicate key given in txn request",
  "too-many-ops": "etcdserver: too many operations in txn request",
  "empty-key": "etcdserver: key is not provided",
  "permission-denied": "etcdserver: permission denied",
  "auth-failed": "etcdserver: authentication failed, invalid user ID or password",
  "tls-failed": "gosync/etcd: TLS handshake with etcd failed",
  closed: "gosync/etcd: backend is closed",
  "session-expired": "session: session is expired",
  locked: "mutex: Locked by another session",
  "not-leader": "election: not leader",
  "no-leader": "election: no leader",
  "key-exists": "key already exists",
  "too-many-clients": "too many clients",
  "stm-conflict": "stm: too many conflicts, transaction not committed",
  "request-too-large": "etcdserver: request is too large",
  "lease-ttl-too-large": "etcdserver: too large lease TTL",
  "no-space": "etcdserver: mvcc: database space exceeded",
};

/**
 * The codes a waiting primitive outlives (retried with backoff within its ctx): etcd unreachable,
 * restarting, electing a leader, overloaded. Every other code is permanent: retrying the same request
 * cannot help.
 */
export function isTransient(e: unknown): boolean {
  return e instanceof EtcdError && e.code === "unavailable";
}

/**
 * etcd's and gRPC's texts that prove a request was never applied (refused before it reached raft),
 * so even a write may be sent again; any other transient failure of a write leaves its fate unknown.
 */
export const NOT_APPLIED =
  /No connection established|ECONNREFUSED|etcdserver: no leader|etcdserver: too many requests|etcdserver: not capable|etcdserver: server stopped|etcdserver: rpc not supported for learner|etcdserver: unhealthy cluster/;

/** Whether `e` proves that its request was never applied (see NOT_APPLIED). */
export function neverApplied(e: unknown): boolean {
  return isTransient(e) && NOT_APPLIED.test((e as EtcdError).message);
}

/**
 * An error from a backend or a primitive of gosync/etcd.
 *
 * @example
 * ```ts
 * try { await election.proclaim("v2"); }
 * catch (e) { if (e instanceof EtcdError && e.code === "not-leader") await election.campaign("v2"); }
 * ```
 */
export class EtcdError extends Error {
  /** What went wrong, as a stable code (the message is Go's text). */
  readonly code: EtcdErrorCode;
  constructor(code: EtcdErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? GO_TEXT[code] ?? code, options);
    this.code = code;
  }
  /** "EtcdError". */
  override get name(): string {
    return "EtcdError";
  }
}

/** Makes the EtcdError for `code` with Go's text. */
export function etcdError(code: EtcdErrorCode, detail?: string): EtcdError {
  const base = GO_TEXT[code] ?? code;
  return new EtcdError(code, detail === undefined ? base : `${base}: ${detail}`);
}
