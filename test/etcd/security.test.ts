// connect() against secured etcd servers started by the harness (real etcd, no mocks):
// - TLS with --client-cert-auth: certificates made with openssl at test time (a CA, a server
//   certificate for 127.0.0.1, a client certificate, and an untrusted CA with its own client
//   certificate). The right material connects and the primitives run over TLS; a missing or
//   untrusted client certificate, an untrusted server certificate, https to a plain port and plain
//   text to the TLS port all fail at connect, fast, with a clear error.
// - Authentication: root, and user `app` whose role grants readwrite on `/app/` only. Mutex,
//   Election and Queue under /app/ work; anything outside is refused with EtcdError
//   "permission-denied" and writes nothing; a wrong password, an unknown user and missing credentials
//   fail at connect with "auth-failed". The auth token lives 1 s (--auth-token-ttl=1), so the tests
//   also prove that unary calls and watches renew an expired token.
import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { describe, test } from "node:test";
import { setTimeout as delay } from "node:timers/promises";
import {
  type Backend,
  type ConnectOptions,
  connect,
  Election,
  EtcdError,
  Mutex,
  prefixEnd,
  Queue,
  Session,
  text,
} from "../../src/etcd/index.js";
import {
  EtcdServer,
  freePort,
  hasOpenssl,
  haveEtcd,
  makeCerts,
  startAuthEtcd,
  startTlsEtcd,
  uniquePrefix,
} from "./harness.js";

const enabled = haveEtcd();
const DIAL = 2000;
/** Every process warning of this file (Node prints DEP0123 once per process: collect from the start). */
const warnings: Error[] = [];
process.on("warning", (w) => warnings.push(w));
// Started here, at the top level, so they live until the file ends (after() inside a test would stop
// them when that test ends).
if (process.env.CI === "true" && !hasOpenssl()) {
  throw new Error("the TLS tests need openssl (CI installs it: apt-get install -y openssl); it is missing");
}
const tlsCerts = enabled && hasOpenssl() ? makeCerts() : null;
const tlsServer = tlsCerts === null ? null : await startTlsEtcd(tlsCerts);
const auth = enabled ? await startAuthEtcd("/app/", ["--auth-token-ttl=1"]) : null;

/** connect() is expected to fail: returns the EtcdError and how long it took. */
async function refused(opts: ConnectOptions): Promise<{ err: EtcdError; ms: number }> {
  const t0 = Date.now();
  try {
    const b = await connect({ dialTimeout: DIAL, ...opts });
    await b.close();
  } catch (e) {
    const ms = Date.now() - t0;
    assert.ok(e instanceof EtcdError, `an EtcdError, got ${String(e)}`);
    return { err: e, ms };
  }
  assert.fail("connect() succeeded but should have been refused");
}

function isCode(code: string, pattern?: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof EtcdError, `an EtcdError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (pattern !== undefined) assert.match(e.message, pattern);
    return true;
  };
}

/** Two sessions contend for a Mutex, an Election elects one leader, a Queue hands an item over. */
async function primitivesWork(b: Backend, pfx: string): Promise<void> {
  const [s1, s2] = await Promise.all([Session.create(b, { ttl: 5 }), Session.create(b, { ttl: 5 })]);
  try {
    const m1 = new Mutex(s1!, `${pfx}/lock`);
    const m2 = new Mutex(s2!, `${pfx}/lock`);
    await m1.lock();
    let second = false;
    const waiting = m2.lock().then(() => {
      second = true;
    });
    await delay(100);
    assert.equal(second, false, "the second session waits");
    await m1.unlock();
    await waiting;
    assert.ok(m2.rev > 0n);
    await m2.unlock();

    const e1 = new Election(s1!, `${pfx}/elect`);
    const e2 = new Election(s2!, `${pfx}/elect`);
    await e1.campaign("one");
    let elected = false;
    const campaign = e2.campaign("two").then(() => {
      elected = true;
    });
    await delay(100);
    assert.equal(elected, false);
    assert.equal(text((await e2.leader()).value), "one");
    await e1.resign();
    await campaign;
    assert.equal(text((await e1.leader()).value), "two");
    await e2.resign();

    const q = new Queue(b, `${pfx}/queue`);
    const item = q.dequeue();
    await q.enqueue("job-1");
    assert.equal(text(await item), "job-1");
  } finally {
    await s1!.close();
    await s2!.close();
  }
}

describe("TLS with client-certificate auth", { skip: tlsServer === null, timeout: 120_000 }, () => {
  const certs = tlsCerts!;
  const endpoint = tlsServer?.endpoint ?? "";
  const good = (): NonNullable<ConnectOptions["tls"]> => ({
    ca: certs.ca,
    cert: certs.clientCert,
    key: certs.clientKey,
  });

  test("the harness started etcd serving TLS only, requiring a client certificate", () => {
    assert.match(endpoint, /^https:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(tlsServer!.opts.args?.includes("--client-cert-auth"));
  });

  test("the CA and a client certificate it signed: connect works, and so do Mutex, Election, Queue", async () => {
    const b = await connect({ endpoints: [endpoint], tls: good(), dialTimeout: DIAL });
    try {
      await primitivesWork(b, uniquePrefix("tls"));
      const w = await b.watch({ key: "/tls-watch" });
      await b.put({ key: "/tls-watch", value: "x" });
      assert.equal(text((await w.next()).events[0]!.kv.value), "x");
      w.cancel();
    } finally {
      await b.close();
    }
    // A bare host:port is upgraded to https when TLS material is given.
    const bare = await connect({
      endpoints: [endpoint.replace("https://", "")],
      tls: good(),
      dialTimeout: DIAL,
    });
    await bare.close();
  });

  test("no client certificate: refused at connect with tls-failed, fast", async () => {
    const { err, ms } = await refused({ endpoints: [endpoint], tls: { ca: certs.ca } });
    isCode("tls-failed", /rejected the client certificate/)(err);
    assert.match(err.message, new RegExp(endpoint.replace(/[.:/]/g, "\\$&")), "names the endpoint");
    assert.ok(ms < DIAL, `failed after ${ms} ms`);
  });

  test("a client certificate signed by an untrusted CA: refused at connect with tls-failed, fast", async () => {
    const { err, ms } = await refused({
      endpoints: [endpoint],
      tls: { ca: certs.ca, cert: certs.untrustedClientCert, key: certs.untrustedClientKey },
    });
    isCode("tls-failed", /rejected the client certificate/)(err);
    assert.ok(ms < DIAL, `failed after ${ms} ms`);
  });

  test("a server certificate the client does not trust (wrong CA, or none): tls-failed, fast", async () => {
    for (const tls of [
      { ca: certs.untrustedCa, cert: certs.clientCert, key: certs.clientKey },
      { cert: certs.clientCert, key: certs.clientKey }, // system roots only
    ]) {
      const { err, ms } = await refused({ endpoints: [endpoint], tls });
      isCode("tls-failed", /server's certificate is not trusted/)(err);
      assert.ok(ms < DIAL, `failed after ${ms} ms`);
    }
  });

  test("plain text to the TLS port fails within dialTimeout, never hangs", async () => {
    const { err, ms } = await refused({ endpoints: [endpoint.replace("https://", "http://")] });
    assert.ok(err.code === "unavailable" || err.code === "tls-failed", err.message);
    assert.ok(ms < DIAL + 500, `failed after ${ms} ms`);
    if (err.code === "unavailable") assert.match(err.message, /is the endpoint serving plain text\?/);
  });

  test("credentials for a server without auth enabled are ignored, as Go's client does", async () => {
    const b = await connect({
      endpoints: [endpoint],
      tls: good(),
      auth: { username: "someone", password: "x" },
      dialTimeout: DIAL,
    });
    try {
      await b.put({ key: uniquePrefix("noauth"), value: "v" });
    } finally {
      await b.close();
    }
  });

  test("a CA that is not a certificate: tls-failed saying the CA could not be parsed, before dialling", {
    timeout: 20_000,
  }, async () => {
    for (const ca of [
      "this is not a certificate",
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
      `${certs.ca}-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n`,
    ]) {
      await assert.rejects(
        connect({ endpoints: [endpoint], tls: { ca, cert: certs.clientCert, key: certs.clientKey } }),
        isCode("tls-failed", /the CA \(tls\.ca\) could not be parsed/),
      );
    }
  });

  test("TLS to an IP endpoint: no DEP0123 warning (no SNI name for an IP), and the IP is still verified", {
    timeout: 20_000,
  }, async () => {
    const b = await connect({ endpoints: [endpoint], tls: good(), dialTimeout: DIAL });
    try {
      await b.put({ key: uniquePrefix("sni"), value: "v" });
    } finally {
      await b.close();
    }
    await delay(10); // warnings are emitted on a later tick
    const dep = warnings.filter((w) => (w as Error & { code?: string }).code === "DEP0123");
    assert.deepEqual(dep.map(String), []);
    // The certificate names 127.0.0.1 only: the host name localhost must not pass verification.
    const { err } = await refused({
      endpoints: [endpoint.replace("127.0.0.1", "localhost")],
      tls: good(),
    });
    isCode("tls-failed", /not trusted/)(err);
  });

  test("bad TLS options are refused before dialling", async () => {
    await assert.rejects(
      connect({ endpoints: [endpoint], tls: { ca: certs.ca, cert: certs.clientCert } }),
      /tls\.cert and tls\.key go together/,
    );
    await assert.rejects(
      connect({ endpoints: [endpoint], tls: { ca: 42 as unknown as string } }),
      (e: unknown) => e instanceof TypeError,
    );
  });
});

describe("a server that never answers", { skip: !enabled, timeout: 120_000 }, () => {
  test("connect() gives up after dialTimeout with unavailable, plain and TLS", async () => {
    // Accepts TCP connections and says nothing: neither the HTTP/2 nor the TLS handshake completes.
    const sockets = new Set<Socket>();
    const silent = createServer((sock) => {
      sockets.add(sock);
      sock.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      for (const endpoint of [`http://127.0.0.1:${port}`, `https://127.0.0.1:${port}`]) {
        const t0 = Date.now();
        await assert.rejects(connect({ endpoints: [endpoint], dialTimeout: 500 }), isCode("unavailable"));
        const ms = Date.now() - t0;
        assert.ok(ms >= 450 && ms < 1500, `gave up after ${ms} ms`);
      }
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });
});

describe("a server that is not started yet", { skip: !enabled, timeout: 120_000 }, () => {
  test("connect() keeps dialling a refused port until dialTimeout: etcd started later is reached", {
    timeout: 60_000,
  }, async () => {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    // The port refuses connections for 3 s (the old connect() gave up after ~1 s of refusals).
    const connecting = connect({ endpoints: [endpoint], dialTimeout: 30_000 });
    connecting.catch(() => {}); // awaited below, once etcd is up
    await delay(3000);
    const server = await EtcdServer.start({ clientPort: port });
    try {
      const b = await connecting;
      try {
        const k = uniquePrefix("late");
        await b.put({ key: k, value: "v" });
        assert.equal(text((await b.range({ key: k })).kvs[0]!.value), "v");
      } finally {
        await b.close();
      }
    } finally {
      await server.stop();
    }
  });

  test("a port nobody ever opens: unavailable once dialTimeout has passed, naming the refusal", {
    timeout: 30_000,
  }, async () => {
    const port = await freePort();
    await assert.rejects(
      connect({ endpoints: [`http://127.0.0.1:${port}`], dialTimeout: 1500 }),
      (e: unknown) =>
        e instanceof EtcdError && e.code === "unavailable" && /ECONNREFUSED|did not answer/.test(e.message),
    );
  });
});

describe("authentication: a user whose role grants /app/ only", {
  skip: auth === null,
  timeout: 120_000,
}, () => {
  const endpoint = auth?.server.endpoint ?? "";

  test("the harness started etcd with auth enabled: root, and user app with readwrite on /app/", async () => {
    const root = await connect({ endpoints: [endpoint], auth: auth!.root });
    await root.close();
  });

  test("a wrong password, an unknown user, and no credentials fail at connect with auth-failed, fast", async () => {
    for (const creds of [
      { username: "app", password: "wrong" },
      { username: "nobody", password: "x" },
    ]) {
      const { err, ms } = await refused({ endpoints: [endpoint], auth: creds });
      isCode("auth-failed", /authentication failed, invalid user ID or password/)(err);
      assert.ok(ms < DIAL, `failed after ${ms} ms`);
    }
    const { err } = await refused({ endpoints: [endpoint] });
    isCode("auth-failed", /authentication enabled and this client is not authenticated/)(err);
  });

  test("https to this plain-text server: tls-failed, fast", async () => {
    if (!hasOpenssl()) return;
    const certs = makeCerts();
    const { err, ms } = await refused({
      endpoints: [endpoint.replace("http://", "https://")],
      tls: { ca: certs.ca },
      auth: auth!.user,
    });
    // grpc-js reports no TLS detail here ("Last error: null"): connect() adds the hint.
    assert.ok(err.code === "tls-failed" || err.code === "unavailable", err.message);
    if (err.code === "unavailable") assert.match(err.message, /is the endpoint serving TLS\?/);
    assert.ok(ms < DIAL, `failed after ${ms} ms`);
  });

  test("under /app/: Mutex, Election and Queue work for the user", async () => {
    const b = await connect({ endpoints: [endpoint], auth: auth!.user, dialTimeout: DIAL });
    try {
      await primitivesWork(b, `/app${uniquePrefix("auth")}`);
    } finally {
      await b.close();
    }
  });

  test("outside /app/: every primitive and request is refused with permission-denied, and nothing is written", async () => {
    const b = await connect({ endpoints: [endpoint], auth: auth!.user, dialTimeout: DIAL });
    const root = await connect({ endpoints: [endpoint], auth: auth!.root, dialTimeout: DIAL });
    const s = await Session.create(b, { ttl: 5 }); // leases need no key permission
    const denied = isCode("permission-denied", /permission denied/);
    const pfx = uniquePrefix("outside");
    try {
      await assert.rejects(b.put({ key: `${pfx}/k`, value: "v" }), denied);
      await assert.rejects(b.range({ key: `${pfx}/k` }), denied);
      await assert.rejects(b.watch({ key: `${pfx}/k` }), denied);
      // A range that only partly lies inside the grant is refused as a whole.
      await assert.rejects(b.range({ key: "/ap", end: prefixEnd("/ap") }), denied);
      await assert.rejects(new Mutex(s, `${pfx}/lock`).lock(), denied);
      await assert.rejects(new Mutex(s, `${pfx}/lock`).tryLock(), denied);
      await assert.rejects(new Election(s, `${pfx}/elect`).campaign("v"), denied);
      await assert.rejects(new Election(s, `${pfx}/elect`).leader(), denied);
      await assert.rejects(new Queue(b, `${pfx}/queue`).enqueue("x"), denied);
      await assert.rejects(new Queue(b, `${pfx}/queue`).dequeue(), denied);
      const all = await root.range({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), countOnly: true });
      assert.equal(all.count, 0, "nothing was written outside /app/");
      // The same session still works inside the grant.
      const m = new Mutex(s, `/app${pfx}/lock`);
      await m.lock();
      await m.unlock();
    } finally {
      await s.close();
      await b.close();
      await root.close();
    }
  });

  test("an auth token that expired while idle is renewed, for unary calls and for watches", async () => {
    const b = await connect({ endpoints: [endpoint], auth: auth!.user, dialTimeout: DIAL });
    const pfx = `/app${uniquePrefix("token")}`;
    try {
      await b.put({ key: `${pfx}/a`, value: "1" });
      const w0 = await b.watch({ key: `${pfx}/w` }); // opens the shared watch stream with this token
      w0.cancel();
      await delay(2200); // > --auth-token-ttl=1 (etcd checks expiry once a second)
      const w = await b.watch({ key: `${pfx}/w` }); // first call after the idle time: a watch
      await delay(2200);
      assert.equal(text((await b.range({ key: `${pfx}/a` })).kvs[0]!.value), "1"); // a unary call
      await b.put({ key: `${pfx}/w`, value: "2" });
      assert.equal(text((await w.next()).events[0]!.kv.value), "2");
      w.cancel();
    } finally {
      await b.close();
    }
  });

  test("a Mutex waiter keeps waiting across token expiry and gets the lock", async () => {
    const b = await connect({ endpoints: [endpoint], auth: auth!.user, dialTimeout: DIAL });
    const [s1, s2] = await Promise.all([Session.create(b, { ttl: 10 }), Session.create(b, { ttl: 10 })]);
    try {
      const pfx = `/app${uniquePrefix("tokenlock")}`;
      const m1 = new Mutex(s1!, pfx);
      const m2 = new Mutex(s2!, pfx);
      await m1.lock();
      const waiter = m2.lock();
      await delay(2200);
      await m1.unlock();
      await waiter;
      assert.ok(m2.rev > 0n && m2.locked);
      await m2.unlock();
    } finally {
      await s1!.close();
      await s2!.close();
      await b.close();
    }
  });
});
