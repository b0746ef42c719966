// The lock-order check (enableLockOrderCheck, GOSYNC_DEBUG=lockorder): locks taken in opposite
// orders are reported as a potential deadlock even when this run did not deadlock, go-deadlock's way;
// consistent orders are not; the lesson's police station (Go 并发编程实战课 lesson 03) is reported before it deadlocks;
// recursive locking and locks held too long are reported too.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  disableLockOrderCheck,
  enableLockOrderCheck,
  isLockOrderCheckOn,
  type LockOrderReport,
} from "../../src/debug/index.js";
import { background, go, Mutex, RWMutex, sleep, WaitGroup, withCancel, yieldNow } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck, synctest } from "../../src/testing/index.js";
import { runProgram } from "./helpers.js";

leakCheck();

let reports: LockOrderReport[] = [];

beforeEach(() => {
  reports = [];
  enableLockOrderCheck({ onReport: (r) => reports.push(r) });
});

afterEach(() => {
  disableLockOrderCheck();
});

function summary(): string {
  return reports.map((r) => r.message).join("\n\n");
}

async function inTask(name: string, body: () => Promise<void>): Promise<void> {
  const wg = new WaitGroup();
  wg.add(1);
  const fn = {
    [name]: async () => {
      try {
        await body();
      } finally {
        wg.done();
      }
    },
  }[name] as () => Promise<void>;
  go(fn);
  await wg.wait();
}

describe("inconsistent lock order", () => {
  test("A then B in one task, B then A in another, one after the other: reported, with both stacks", async () => {
    const a = new Mutex("A");
    const b = new Mutex("B");
    await inTask("first", async () => {
      await a.lock();
      await b.lock();
      b.unlock();
      a.unlock();
    });
    assert.equal(reports.length, 0);
    await inTask("second", async () => {
      await b.lock();
      await a.lock(); // no deadlock on this run: "first" has finished
      a.unlock();
      b.unlock();
    });
    assert.equal(reports.length, 1, summary());
    const r = reports[0] as LockOrderReport;
    assert.equal(r.kind, "inconsistent-order");
    assert.equal(r.edges.length, 2);
    const [earlier, now] = r.edges as [LockOrderReport["edges"][0], LockOrderReport["edges"][0]];
    assert.deepEqual([earlier.before.name, earlier.after.name], ['Mutex "A"', 'Mutex "B"']);
    assert.deepEqual([now.before.name, now.after.name], ['Mutex "B"', 'Mutex "A"']);
    assert.equal(earlier.before.goroutine, earlier.after.goroutine);
    assert.notEqual(earlier.before.goroutine, now.before.goroutine);
    assert.equal(earlier.before.lock, a);
    const g1 = earlier.before.goroutine;
    const g2 = now.before.goroutine;
    const pattern = new RegExp(
      [
        "^POTENTIAL DEADLOCK: Inconsistent locking\\. saw this ordering in one goroutine:",
        "happened before",
        `Mutex "A" locked by goroutine ${g1} at:`,
        "(?:.*\\n\\t.*\\n)*?(?:async )?first\\(\\.\\.\\.\\)",
        "\\t.*lockorder\\.test\\.ts:\\d+:\\d+",
        "",
        "happened after",
        `Mutex "B" locked by goroutine ${g1} at:`,
        "(?:.*\\n\\t.*\\n)*?(?:async )?first\\(\\.\\.\\.\\)",
        "\\t.*lockorder\\.test\\.ts:\\d+:\\d+",
        "",
        "in another goroutine: happened before",
        `Mutex "B" locked by goroutine ${g2} at:`,
        "(?:.*\\n\\t.*\\n)*?(?:async )?second\\(\\.\\.\\.\\)",
        "\\t.*lockorder\\.test\\.ts:\\d+:\\d+",
        "",
        "happened after",
        `Mutex "A" locked by goroutine ${g2} at:`,
        "(?:.*\\n\\t.*\\n)*?(?:async )?second\\(\\.\\.\\.\\)",
      ].join("\\n"),
    );
    assert.match(r.message, pattern);
  });

  test("consistent orders are not reported (nested, repeated, skipping levels, other tasks)", async () => {
    const a = new Mutex("A");
    const b = new Mutex("B");
    const c = new Mutex("C");
    const wg = new WaitGroup();
    for (let i = 0; i < 4; i++) {
      wg.go(async () => {
        await a.lock();
        await b.lock();
        await yieldNow();
        await c.lock();
        c.unlock();
        b.unlock();
        await c.lock(); // A then C: consistent with A → B → C
        c.unlock();
        a.unlock();
        await b.lock(); // B then C alone: consistent too
        await c.lock();
        c.unlock();
        b.unlock();
      });
    }
    await wg.wait();
    // Locks released before the next is taken create no order at all.
    await c.lock();
    c.unlock();
    await a.lock();
    a.unlock();
    assert.equal(reports.length, 0, summary());
  });

  test("a cycle through three locks and three tasks is found", async () => {
    const [a, b, c] = [new Mutex("A"), new Mutex("B"), new Mutex("C")];
    const pair = (x: Mutex, y: Mutex) => async () => {
      await x.lock();
      await y.lock();
      y.unlock();
      x.unlock();
    };
    await inTask("ab", pair(a, b));
    await inTask("bc", pair(b, c));
    assert.equal(reports.length, 0);
    await inTask("ca", pair(c, a));
    assert.equal(reports.length, 1, summary());
    const r = reports[0] as LockOrderReport;
    assert.deepEqual(
      r.edges.map((e) => `${e.before.name}→${e.after.name}`),
      ['Mutex "A"→Mutex "B"', 'Mutex "B"→Mutex "C"', 'Mutex "C"→Mutex "A"'],
    );
    assert.match(r.message, /and in another goroutine: happened before/);
  });

  test("RWMutex read locks take part (a read lock under a write lock and the reverse)", async () => {
    const cache = new RWMutex("cache");
    const index = new Mutex("index");
    await inTask("reader", async () => {
      await cache.rLock();
      await index.lock();
      index.unlock();
      cache.rUnlock();
    });
    await inTask("writer", async () => {
      await index.lock();
      await cache.lock();
      cache.unlock();
      index.unlock();
    });
    assert.equal(reports.length, 1, summary());
    assert.match(reports[0]?.message ?? "", /RWMutex "cache" read-locked by goroutine \d+ at:/);
  });

  test("a lock granted by an unlock is held by the waiting task from then on", async () => {
    const a = new Mutex("A");
    const b = new Mutex("B");
    await a.lock(); // main holds A
    const wg = new WaitGroup();
    wg.go(async function waiter() {
      await a.lock(); // waits: main hands A over below
      await b.lock(); // edge A → B, in this task
      b.unlock();
      a.unlock();
    });
    await yieldNow();
    a.unlock();
    await wg.wait();
    await b.lock();
    await a.lock(); // main: B → A, the reverse
    a.unlock();
    b.unlock();
    assert.equal(reports.length, 1, summary());
    assert.match(
      reports[0]?.message ?? "",
      /saw this ordering in one goroutine:\nhappened before\nMutex "A" locked by goroutine \d+ at:\nwaiter/,
    );
  });

  test("unlocked by another task: the lock is no longer held by its locker", async () => {
    const a = new Mutex("A");
    const b = new Mutex("B");
    await a.lock();
    await inTask("unlocker", async () => a.unlock()); // Go allows it
    await b.lock(); // A is not held: no edge A → B
    b.unlock();
    await inTask("reverse", async () => {
      await b.lock();
      await a.lock();
      a.unlock();
      b.unlock();
    });
    assert.equal(reports.length, 0, summary());
  });

  test("Go 并发编程实战课 lesson 03, the police station and the property office: reported before it deadlocks", async () => {
    const psCertificate = new Mutex("派出所证明"); // police station certificate
    const propertyCertificate = new Mutex("物业证明"); // property office certificate
    const [ctx, cancel] = withCancel(background());
    disableLockOrderCheck();
    // Here the report breaks the deadlock (it cancels the waits), so the test can end.
    enableLockOrderCheck({
      onReport: (r) => {
        reports.push(r);
        cancel();
      },
    });
    const wg = new WaitGroup();
    wg.add(2);
    go(async function policeStation() {
      try {
        await psCertificate.lock();
        try {
          await sleep(5); // check the papers
          await propertyCertificate.lock(ctx); // ask for the property office's certificate
          propertyCertificate.unlock();
        } catch (e) {
          if (e !== ctx.err()) throw e;
        } finally {
          psCertificate.unlock();
        }
      } finally {
        wg.done();
      }
    });
    go(async function propertyOffice() {
      try {
        await propertyCertificate.lock();
        try {
          await sleep(5); // check the papers
          await psCertificate.lock(ctx); // ask for the police station's certificate
          psCertificate.unlock();
        } catch (e) {
          if (e !== ctx.err()) throw e;
        } finally {
          propertyCertificate.unlock();
        }
      } finally {
        wg.done();
      }
    });
    await wg.wait();
    assert.equal(reports.length, 1, summary());
    const msg = reports[0]?.message ?? "";
    assert.match(msg, /^POTENTIAL DEADLOCK: Inconsistent locking/);
    assert.match(msg, /Mutex "派出所证明" locked by goroutine \d+ at:\npoliceStation\(\.\.\.\)/);
    assert.match(msg, /Mutex "物业证明" locked by goroutine \d+ at:\npropertyOffice\(\.\.\.\)/);
  });

  test("the same program as Go runs it (GOSYNC_DEBUG=lockorder,deadlock): the report, then Go's deadlock", async () => {
    const r = await runProgram("test/debug/fixtures/police-station.ts", {
      gosyncDebug: "lockorder,deadlock",
    });
    assert.equal(r.code, 2, r.stderr);
    const report = r.stderr.indexOf(
      "POTENTIAL DEADLOCK: Inconsistent locking. saw this ordering in one goroutine:",
    );
    const fatal = r.stderr.indexOf("fatal error: all goroutines are asleep - deadlock!");
    assert.ok(report >= 0 && fatal > report, r.stderr);
    assert.match(r.stderr, /policeStation\(\.\.\.\)\n\t.*police-station\.ts:\d+:\d+/);
    assert.match(r.stderr, /propertyOffice\(\.\.\.\)\n\t.*police-station\.ts:\d+:\d+/);
  });
});

describe("recursive locking and long holds", () => {
  test("a read lock taken again by the same task (Go 并发编程实战课 lesson 05: deadlocks once a writer waits)", async () => {
    const rw = new RWMutex("config");
    await rw.rLock();
    await rw.rLock(); // fine while no writer waits, a deadlock as soon as one does
    rw.rUnlock();
    rw.rUnlock();
    assert.equal(reports.length, 1, summary());
    const r = reports[0] as LockOrderReport;
    assert.equal(r.kind, "recursive-lock");
    assert.match(
      r.message,
      /^POTENTIAL DEADLOCK: Recursive locking:\ncurrent goroutine 1 lock RWMutex "config"\n/,
    );
    assert.match(r.message, /Previous place where the lock was grabbed \(same goroutine\)/);
  });

  test("a lock held longer than maxHoldMs is reported while still held, once", async () => {
    disableLockOrderCheck();
    enableLockOrderCheck({ maxHoldMs: 20, onReport: (r) => reports.push(r) });
    const mu = new Mutex("accounts");
    await mu.lock();
    await sleep(5);
    mu.unlock(); // short: nothing
    assert.equal(reports.length, 0);
    await inTask("slowpoke", async () => {
      await mu.lock();
      await sleep(80); // the sweep sees it held
      mu.unlock();
    });
    assert.equal(reports.length, 1, summary());
    const r = reports[0] as LockOrderReport;
    assert.equal(r.kind, "held-too-long");
    assert.ok((r.heldMs ?? 0) > 20);
    assert.match(
      r.message,
      /^POTENTIAL DEADLOCK: lock held for \d+ ms so far \(more than maxHoldMs 20 ms\):\nMutex "accounts" locked by goroutine \d+ at:\n(?:.*\n\t.*\n)*?slowpoke\(/,
    );
  });

  test("inside a synctest bubble the hold is measured on the virtual clock, at unlock", async () => {
    disableLockOrderCheck();
    enableLockOrderCheck({ maxHoldMs: 60_000, onReport: (r) => reports.push(r) });
    await synctest(async () => {
      const mu = new Mutex("session");
      await mu.lock();
      await sleep(60 * 60 * 1000); // an hour, virtually
      mu.unlock();
    });
    assert.equal(reports.length, 1, summary());
    assert.equal(reports[0]?.heldMs, 3_600_000);
    assert.match(reports[0]?.message ?? "", /lock held for 3600000 ms \(more than maxHoldMs 60000 ms\)/);
  });

  test("off: nothing is recorded and the observer is gone", async () => {
    disableLockOrderCheck();
    assert.equal(isLockOrderCheckOn(), false);
    assert.equal(registry.observer, null);
    const a = new Mutex();
    const b = new Mutex();
    await a.lock();
    await b.lock();
    b.unlock();
    a.unlock();
    await b.lock();
    await a.lock();
    a.unlock();
    b.unlock();
    assert.equal(reports.length, 0);
  });
});
