// Error classification of connect(): every error etcd 3.4 defines (its rpctypes, read from Debian's
// etcd Go sources at test time) and every gRPC status code maps to an EtcdError code other than
// "unknown"; the transient ones (what a waiting primitive retries) are exactly etcd's Unavailable
// errors plus overload, an auth-store race and a server-side deadline while raft elects a leader.
// The errors arrive here in the shape grpc-js gives them ("<code> <NAME>: <details>", numeric
// `code`); the same errors from a live server are exercised in conformance.test.ts (request too
// large, lease TTL too large, gRPC's message limit) and faults.test.ts (leader failover).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { isTransient, neverApplied } from "../../src/etcd/errors.js";
import { fromGrpc } from "../../src/etcd/etcd3-wire.js";
import { Election, EtcdError, embedded, Mutex, Queue, Session } from "../../src/etcd/index.js";

const RPCTYPES = "/usr/share/gocode/src/go.etcd.io/etcd/etcdserver/api/v3rpc/rpctypes/error.go";
const GRPC_CODES = [
  "OK",
  "CANCELLED",
  "UNKNOWN",
  "INVALID_ARGUMENT",
  "DEADLINE_EXCEEDED",
  "NOT_FOUND",
  "ALREADY_EXISTS",
  "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED",
  "FAILED_PRECONDITION",
  "ABORTED",
  "OUT_OF_RANGE",
  "UNIMPLEMENTED",
  "INTERNAL",
  "UNAVAILABLE",
  "DATA_LOSS",
  "UNAUTHENTICATED",
];
const GO_CODES: Record<string, number> = {
  Canceled: 1,
  InvalidArgument: 3,
  NotFound: 5,
  PermissionDenied: 7,
  ResourceExhausted: 8,
  FailedPrecondition: 9,
  OutOfRange: 11,
  Unavailable: 14,
  DataLoss: 15,
  Unauthenticated: 16,
};

/** An error as grpc-js reports a status from the server. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${GRPC_CODES[code]}: ${details}`), { code, details });
}

test("every etcd 3.4 server error (rpctypes/error.go) has a code; the transient ones are exactly these", {
  timeout: 10_000,
}, () => {
  let src: string;
  try {
    src = readFileSync(RPCTYPES, "utf8");
  } catch (e) {
    throw new Error(`needs etcd's Go sources: apt-get install -y golang-etcd-server-dev (${String(e)})`);
  }
  const defs = [...src.matchAll(/status\.New\(codes\.(\w+), "([^"]+)"\)/g)].map(([, c, m]) => ({
    go: c!,
    msg: m!,
  }));
  assert.ok(defs.length >= 50, `read ${defs.length} error definitions`);
  const transientByDesign = new Set([
    "etcdserver: too many requests", // ResourceExhausted, but it is overload: retry later
    "etcdserver: revision of auth store is old", // InvalidArgument, but a race with an auth change
    "etcdserver: watch canceled", // Canceled: the stream is gone, a new one works
  ]);
  for (const { go, msg } of defs) {
    const status = GO_CODES[go];
    assert.ok(status !== undefined, `gRPC code ${go} of "${msg}" is known to this test`);
    const e = fromGrpc(grpcError(status, msg));
    assert.ok(e instanceof EtcdError);
    assert.notEqual(e.code, "unknown", `"${msg}" (${go}) has a code`);
    assert.ok(e.message.includes(msg), `the message keeps etcd's text: ${e.message}`);
    assert.equal(
      isTransient(e),
      go === "Unavailable" || transientByDesign.has(msg),
      `"${msg}" (${go}) is ${isTransient(e) ? "" : "not "}transient`,
    );
  }
  const code = (msg: string, status: number): string => fromGrpc(grpcError(status, msg)).code;
  assert.equal(code("etcdserver: request is too large", 3), "request-too-large");
  assert.equal(code("etcdserver: too large lease TTL", 11), "lease-ttl-too-large");
  assert.equal(code("etcdserver: mvcc: database space exceeded", 8), "no-space");
  assert.equal(code("etcdserver: requested lease not found", 5), "lease-not-found");
  assert.equal(code("etcdserver: mvcc: required revision has been compacted", 11), "compacted");
});

test("gRPC statuses without an etcd text: every code classified, deadlines and raft waits transient", {
  timeout: 10_000,
}, () => {
  const cases: [number, string, string, boolean][] = [
    [1, "Cancelled on client", "unavailable", true],
    [2, "context deadline exceeded", "unavailable", true], // etcd gave up waiting for raft
    [2, "context canceled", "unavailable", true],
    [2, "something else entirely", "unknown", false],
    [3, "bad request", "invalid-argument", false],
    [4, "Deadline exceeded", "unavailable", true],
    [5, "no such thing", "not-found", false],
    [7, "denied", "permission-denied", false],
    [8, "Received message larger than max (2200042 vs. 2097152)", "resource-exhausted", false],
    [9, "precondition", "failed-precondition", false],
    [10, "aborted", "unavailable", true],
    [11, "out of range", "invalid-argument", false],
    [12, "unknown service", "unimplemented", false],
    [13, "internal", "internal", false],
    [14, "No connection established", "unavailable", true],
    [15, "data loss", "internal", false],
    [16, "unauthenticated", "auth-failed", false],
  ];
  for (const [status, details, code, transient] of cases) {
    const e = fromGrpc(grpcError(status, details));
    assert.equal(e.code, code, `${status} ${details}`);
    assert.equal(isTransient(e), transient, `${status} ${details}`);
  }
  // Only a refusal before raft proves a write was not applied: it alone may be sent again.
  assert.equal(neverApplied(fromGrpc(grpcError(14, "etcdserver: no leader"))), true);
  assert.equal(
    neverApplied(fromGrpc(grpcError(14, "No connection established. connect ECONNREFUSED"))),
    true,
  );
  assert.equal(neverApplied(fromGrpc(grpcError(2, "context deadline exceeded"))), false);
  assert.equal(neverApplied(fromGrpc(grpcError(14, "etcdserver: request timed out"))), false);
});

test("a prefix whose requests would exceed etcd's 1.5 MiB request limit is refused at construction", {
  timeout: 10_000,
}, async () => {
  const b = embedded();
  const s = await Session.create(b);
  try {
    const long = "p".repeat(400_000);
    for (const make of [
      () => new Mutex(s, long),
      () => new Election(s, long),
      () => new Queue(b, "q".repeat(600_000)),
    ]) {
      assert.throws(make, (e: unknown) => {
        assert.ok(e instanceof RangeError, String(e));
        assert.match(e.message, /over etcd's request limit of 1572864 bytes \(1\.5 MiB/);
        return true;
      });
    }
    // Long but within the limit: fine.
    const m = new Mutex(s, "p".repeat(100_000));
    await m.lock();
    await m.unlock();
  } finally {
    await s.close();
    await b.close();
  }
});
