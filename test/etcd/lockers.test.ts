// The sync behaviour suites (test/sync/suites: lockerSuite, rwLockerSuite) run against gosync/etcd's
// Mutex and RWMutex on both backends, through an adapter:
//
// - The suites drive one Locker from many tasks, Go style: any task may lock, `unlock()` releases
//   the current holder and returns nothing. An etcd lock excludes *sessions*, so the adapter gives
//   every lock()/rLock() call its own session (from a pool: a session is reused only once its last
//   hold is released), and unlock()/rUnlock() start the release (a delete) in the background.
// - FIFO: etcd queues waiters by the revision their key was created at, i.e. by arrival at the
//   server; two lock txns sent back to back may be applied in either order. The suites mean FIFO by
//   call order, so the adapter lets one call put its key before the next call starts (it watches for
//   the key's put). What the suites then check — FIFO hand-off, no barging, no starvation,
//   cancellation that leaves no waiter behind — is the etcd locks' own behaviour.
// - "Blocks" means still pending once the lock has settled: the adapter's settle waits until no
//   release or enqueue is in flight and nothing has changed for a grace period (network
//   round trips on etcd, macrotask turns on the embedded backend).
//
// What does not apply, and why:
// - tryLock/tryRLock: the suites' are synchronous (Go's TryLock returns at once); an etcd lock
//   cannot answer without a round trip. The suites then take their documented fallback path (checked
//   exclusion with lock/rLock instead); etcd's async tryLock is tested in mutex.test.ts.
// - rLocker(): no such view on the etcd RWMutex; the suite's fallback path runs.
// - Reader admission: Go's in-process RWMutex lets the readers that arrived while a writer held the
//   lock in before the *next* writer, even one that queued before them. The etcd RWMutex follows
//   Go's recipe (contrib/recipes), which queues strictly by arrival: a reader waits for every older
//   writer (admitting it early would let it hold beside that writer, which only waits for keys older
//   than its own, so no interoperable implementation can do it). The suite runs with
//   `admission: "arrival"` and checks that order instead.
//
import { after } from "node:test";
import { setTimeout as delay, setImmediate as nextMacrotask } from "node:timers/promises";
import type { Backend } from "../../src/etcd/index.js";
import { Mutex, prefixEnd, RWMutex, Session } from "../../src/etcd/index.js";
import type { Canceller } from "../../src/index.js";
import { lockerSuite } from "../sync/suites/locker.suite.js";
import { rwLockerSuite } from "../sync/suites/rwlocker.suite.js";
import { targets, uniquePrefix } from "./harness.js";

const all = await targets();

/** Sessions, each used by one lock call at a time; all closed when the file ends. */
class Participants {
  readonly #free: Session[] = [];
  readonly #all: Session[] = [];
  constructor(readonly b: Backend) {}
  async take(): Promise<Session> {
    const s = this.#free.pop();
    if (s !== undefined) return s;
    const n = await Session.create(this.b, { ttl: 30 });
    this.#all.push(n);
    return n;
  }
  give(s: Session): void {
    this.#free.push(s);
  }
  async close(): Promise<void> {
    await Promise.all(this.#all.map((s) => s.close().catch(() => {})));
  }
}

/** Background work (releases, enqueues) the settle step waits for, and a progress counter. */
class Tracker {
  inflight = 0;
  progress = 0;
  readonly errors: unknown[] = [];
  constructor(readonly etcd: boolean) {}
  run<T>(p: Promise<T>): Promise<T> {
    this.inflight++;
    return p.finally(() => {
      this.inflight--;
      this.progress++;
    });
  }
  background(p: Promise<unknown>): void {
    void this.run(p).catch((e: unknown) => this.errors.push(e));
  }
  /** Until nothing is in flight and nothing changed for one grace period. */
  async settle(): Promise<void> {
    for (;;) {
      while (this.inflight > 0) await delay(1);
      const seen = this.progress;
      if (this.etcd) await delay(25);
      for (let i = 0; i < 5; i++) await nextMacrotask();
      if (this.inflight === 0 && this.progress === seen) return;
    }
  }
}

/**
 * Resolves once a key under `pfx` attached to `lease` has been put (the call queued at the server),
 * or once `op` settles (acquired at once, or failed before queuing).
 */
async function queued(b: Backend, pfx: string, lease: bigint, start: () => Promise<unknown>): Promise<void> {
  const w = await b.watch({ key: `${pfx}/`, end: prefixEnd(`${pfx}/`), noDelete: true });
  try {
    const op = start().then(
      () => {},
      () => {},
    );
    const put = (async () => {
      for (;;) {
        const r = await w.next();
        if (r.events.some((e) => e.kv.lease === lease)) return;
      }
    })().catch(() => {});
    await Promise.race([op, put]);
  } finally {
    w.cancel();
  }
}

function mutexLocker(b: Backend, pool: Participants, tracker: Tracker) {
  const pfx = uniquePrefix("locker");
  let holder: Mutex | null = null;
  let chain: Promise<void> = Promise.resolve();
  return {
    lock(ctx?: Canceller): Promise<void> {
      const prev = chain;
      let release!: () => void;
      chain = new Promise<void>((r) => {
        release = r;
      });
      let result!: Promise<void>;
      const enqueue = (async () => {
        await prev;
        const s = await pool.take();
        const m = new Mutex(s, pfx);
        await queued(b, pfx, s.lease, () => {
          result = m.lock(ctx).then(
            () => {
              if (holder !== null) throw new Error("mutual exclusion violated: two holders");
              holder = m;
              tracker.progress++;
            },
            (e: unknown) => {
              pool.give(s);
              tracker.progress++;
              throw e;
            },
          );
          return result;
        });
      })().finally(release);
      return tracker.run(enqueue).then(() => result);
    },
    unlock(): void {
      const m = holder;
      if (m === null) throw new Error("sync: unlock of unlocked mutex");
      holder = null;
      tracker.background(m.unlock().then(() => pool.give(m.session)));
    },
  };
}

function rwLocker(b: Backend, pool: Participants, tracker: Tracker) {
  const pfx = uniquePrefix("rwlocker");
  let writer: RWMutex | null = null;
  const readers: RWMutex[] = [];
  let chain: Promise<void> = Promise.resolve();
  const acquire = (write: boolean, ctx: Canceller | undefined): Promise<void> => {
    const prev = chain;
    let release!: () => void;
    chain = new Promise<void>((r) => {
      release = r;
    });
    let result!: Promise<void>;
    const enqueue = (async () => {
      await prev;
      const s = await pool.take();
      const rw = new RWMutex(s, pfx);
      await queued(b, pfx, s.lease, () => {
        result = (write ? rw.lock(ctx) : rw.rLock(ctx)).then(
          () => {
            if (writer !== null || (write && readers.length > 0)) {
              throw new Error("readers/writer exclusion violated");
            }
            if (write) writer = rw;
            else readers.push(rw);
            tracker.progress++;
          },
          (e: unknown) => {
            pool.give(s);
            tracker.progress++;
            throw e;
          },
        );
        return result;
      });
    })().finally(release);
    return tracker.run(enqueue).then(() => result);
  };
  return {
    lock: (ctx?: Canceller) => acquire(true, ctx),
    rLock: (ctx?: Canceller) => acquire(false, ctx),
    unlock(): void {
      const rw = writer;
      if (rw === null) throw new Error("sync: Unlock of unlocked RWMutex");
      writer = null;
      tracker.background(rw.unlock().then(() => pool.give(rw.session)));
    },
    rUnlock(): void {
      const rw = readers.shift();
      if (rw === undefined) throw new Error("sync: RUnlock of unlocked RWMutex");
      tracker.background(rw.rUnlock().then(() => pool.give(rw.session)));
    },
  };
}

for (const t of all) {
  const b = await t.make();
  const pool = new Participants(b);
  after(async () => {
    await pool.close();
    await b.close();
  });
  const etcd = t.name === "etcd";
  // One tracker per suite: each test's settle waits for that suite's background work.
  const mt = new Tracker(etcd);
  lockerSuite(`gosync/etcd Mutex on ${t.name} (a session per lock call)`, () => mutexLocker(b, pool, mt), {
    settle: () => mt.settle(),
    unlockError: /unlock of unlocked mutex/,
  });
  const rt = new Tracker(etcd);
  rwLockerSuite(`gosync/etcd RWMutex on ${t.name} (a session per lock call)`, () => rwLocker(b, pool, rt), {
    settle: () => rt.settle(),
    admission: "arrival",
  });
}
