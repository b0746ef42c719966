// The race detector (enableRaceDetector + instrument): the lost-update counter of Go in Action ch. 6
// (listing 6-9) must be reported, Go-style, and its fixed versions (atomic: listing 6-13, Mutex: listing
// 6-16; the atomic shutdown flag: listing 6-15) must not; then every happens-before edge gosync
// promises, each tested from both sides: the synchronised program is silent, the same program with
// the edge missing is reported.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import {
  atomicAdd,
  atomicCompareAndSwap,
  atomicLoad,
  atomicStore,
  atomicSwap,
  disableRaceDetector,
  enableRaceDetector,
  instrument,
  isRaceDetectorOn,
  type RaceReport,
  raceAcquire,
  raceRelease,
} from "../../src/debug/index.js";
import {
  background,
  Chan,
  Cond,
  go,
  Mutex,
  Once,
  onceFunc,
  Pool,
  RWMutex,
  recv,
  Semaphore,
  select,
  send,
  sleep,
  WaitGroup,
  withCancel,
  yieldNow,
} from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck } from "../../src/testing/index.js";
import { runProgram } from "./helpers.js";

leakCheck();

let races: RaceReport[] = [];

beforeEach(() => {
  races = [];
  enableRaceDetector({ onReport: (r) => races.push(r) });
});

afterEach(() => {
  disableRaceDetector();
});

function summary(): string {
  return races.map((r) => r.message).join("\n\n");
}

function assertSilent(): void {
  assert.equal(races.length, 0, `expected no race, got:\n${summary()}`);
}

function assertRace(location: string): RaceReport {
  const r = races.find((x) => x.location === location);
  assert.ok(r !== undefined, `expected a race on ${location}, got ${races.length}:\n${summary()}`);
  return r;
}

describe("Go in Action ch. 6, listing 6-9 / 6-13 / 6-15 / 6-16", () => {
  test("6-9: the lost-update counter is a data race, reported Go-style", async () => {
    const counter = instrument({ value: 0 }, "counter");
    const wg = new WaitGroup();
    async function incCounter(_id: number): Promise<void> {
      try {
        for (let count = 0; count < 2; count++) {
          const value = counter.value; // capture the counter's value
          await yieldNow(); // runtime.Gosched()
          counter.value = value + 1; // store it back
        }
      } finally {
        wg.done();
      }
    }
    wg.add(2);
    go(incCounter, 1);
    go(incCounter, 2);
    await wg.wait();
    assert.equal(counter.value, 2); // Final Counter: 2, as in Go in Action
    const r = assertRace("counter.value");
    assert.equal(r.current.kind, "write");
    assert.equal(r.previous.kind, "read");
    assert.notEqual(r.current.goroutine, r.previous.goroutine);
    assert.equal(r.current.taskName, "incCounter");
    assert.equal(r.object, counter);
    assert.equal(r.key, "value");
    const g = r.current.goroutine;
    const p = r.previous.goroutine;
    const lines = r.message.split("\n");
    assert.equal(lines[0], "WARNING: DATA RACE");
    assert.equal(lines[1], `Write at counter.value by goroutine ${g}:`);
    assert.match(lines[2] ?? "", /^ {2}incCounter\(\)$/);
    assert.match(lines[3] ?? "", /^ {6}.*race\.test\.ts:\d+:\d+$/);
    assert.match(
      r.message,
      new RegExp(`\\n\\nPrevious read at counter\\.value by goroutine ${p}:\\n  incCounter\\(\\)\\n`),
    );
    assert.match(
      r.message,
      new RegExp(`\\n\\nGoroutine ${g} \\(running\\) created at:\\n  .*\\n      .*race\\.test\\.ts:\\d+`),
    );
    assert.match(r.message, new RegExp(`\\n\\nGoroutine ${p} \\((running|finished)\\) created at:\\n`));
    // The write is the one at `counter.value = value + 1`, the read at `const value = counter.value`.
    assert.match(r.current.stack ?? "", /race\.test\.ts/);
  });

  test("6-13: atomic.AddInt64 (atomicAdd) fixes it: no race, counter is 4", async () => {
    const counter = instrument({ value: 0 }, "counter");
    const wg = new WaitGroup();
    async function incCounter(): Promise<void> {
      try {
        for (let count = 0; count < 2; count++) {
          atomicAdd(counter, "value", 1);
          await yieldNow();
        }
      } finally {
        wg.done();
      }
    }
    wg.add(2);
    go(incCounter);
    go(incCounter);
    await wg.wait();
    assert.equal(counter.value, 4); // a plain read, ordered after the adds by wg.wait()
    assertSilent();
  });

  test("6-15: an atomic shutdown flag (atomicStore / atomicLoad) is not a race", async () => {
    const flags = instrument({ shutdown: 0 }, "flags");
    const wg = new WaitGroup();
    const work: string[] = [];
    async function doWork(name: string): Promise<void> {
      try {
        for (;;) {
          work.push(`Doing ${name} Work`);
          await sleep(2);
          if (atomicLoad(flags, "shutdown") === 1) break;
        }
      } finally {
        wg.done();
      }
    }
    wg.add(2);
    go(doWork, "A");
    go(doWork, "B");
    await sleep(10);
    atomicStore(flags, "shutdown", 1);
    await wg.wait();
    assertSilent();
    // The same with a plain flag is a race (Go's detector reports it too).
    const plain = instrument({ shutdown: 0 }, "plain");
    const done = new Chan<void>();
    go(async function worker() {
      while (plain.shutdown === 0) await sleep(1);
      await done.send();
    });
    await sleep(5);
    plain.shutdown = 1;
    await done.recv();
    assertRace("plain.shutdown");
  });

  test("6-16: a Mutex around the read, yield and write fixes it: no race, counter is 4", async () => {
    const counter = instrument({ value: 0 }, "counter");
    const mu = new Mutex();
    const wg = new WaitGroup();
    async function incCounter(): Promise<void> {
      try {
        for (let count = 0; count < 2; count++) {
          await mu.lock();
          try {
            const value = counter.value;
            await yieldNow();
            counter.value = value + 1;
          } finally {
            mu.unlock();
          }
        }
      } finally {
        wg.done();
      }
    }
    wg.add(2);
    go(incCounter);
    go(incCounter);
    await wg.wait();
    assert.equal(counter.value, 4);
    assertSilent();
  });
});

describe("happens-before edges", () => {
  test("go(): what the parent did before go() is ordered before the child, not what it does after", async () => {
    const s = instrument({ before: 0, after: 0 }, "s");
    const done = new Chan<void>();
    s.before = 1;
    go(async function child() {
      assert.equal(s.before, 1);
      s.after = 2; // races with the parent's write below
      await done.send();
    });
    s.after = 1;
    await done.recv();
    assertRace("s.after");
    assert.equal(races.length, 1, summary());
  });

  test("unbuffered channel: send → receive, and receive → completion of the send", async () => {
    const box = instrument({ msg: "", reply: "" }, "box");
    const ch = new Chan<void>();
    go(async function producer() {
      box.msg = "hello";
      await ch.send();
      assert.equal(box.reply, "ack"); // written by the receiver before its receive
    });
    box.reply = "ack";
    await ch.recv();
    assert.equal(box.msg, "hello");
    await yieldNow();
    assertSilent();
  });

  test("buffered channel: a send does not wait for the receive, so the receiver's past is not ordered before it", async () => {
    const box = instrument({ reply: "" }, "box");
    const ch = new Chan<void>(1);
    const finished = new Chan<void>();
    go(async function producer() {
      await ch.send(); // completes at once: nothing orders it after the receiver's write
      void box.reply;
      await finished.send();
    });
    box.reply = "ack";
    await ch.recv();
    await finished.recv();
    assertRace("box.reply");
  });

  test("buffered channel: the k-th receive happens before the (k+cap)-th send completes (a semaphore)", async () => {
    const shared = instrument({ n: 0 }, "shared");
    const sem = new Chan<void>(1); // at most one holder: a lock
    const wg = new WaitGroup();
    for (let i = 0; i < 4; i++) {
      wg.go(async () => {
        await sem.send(); // acquire
        const v = shared.n;
        await yieldNow();
        shared.n = v + 1;
        await sem.recv(); // release
      });
    }
    await wg.wait();
    assert.equal(shared.n, 4);
    assertSilent();
  });

  test("a semaphore of capacity 2 lets two holders in at once: their updates race", async () => {
    const shared = instrument({ n: 0 }, "shared");
    const sem = new Chan<void>(2);
    const wg = new WaitGroup();
    for (let i = 0; i < 2; i++) {
      wg.go(async () => {
        await sem.send();
        const v = shared.n;
        await yieldNow();
        shared.n = v + 1;
        await sem.recv();
      });
    }
    await wg.wait();
    assertRace("shared.n");
  });

  test("buffered channel: values carry their sender's clock through the buffer, also past waiting senders", async () => {
    const ch = new Chan<{ n: number }>(2);
    const wg = new WaitGroup();
    wg.go(async () => {
      for (let i = 0; i < 10; i++) {
        const m = instrument({ n: 0 }, `m${i}`);
        m.n = i; // written before the send
        await ch.send(m); // blocks while the buffer is full: its value moves in when a slot frees
      }
      ch.close();
    });
    let sum = 0;
    for await (const m of ch) {
      sum += m.n;
      m.n = -1; // the receiver owns it now
      await yieldNow();
    }
    await wg.wait();
    assert.equal(sum, 45);
    assertSilent();
  });

  test("close happens before a receive that returns because the channel is closed", async () => {
    const s = instrument({ result: 0 }, "s");
    const done = new Chan<void>();
    go(async function worker() {
      s.result = 42;
      done.close();
    });
    const [, ok] = await done.recvOk(); // parked, woken by close
    assert.equal(ok, false);
    assert.equal(s.result, 42);
    const again = new Chan<void>();
    go(async function worker2() {
      s.result = 43;
      again.close();
    });
    await sleep(1); // closed before the receive: it completes at once
    assert.deepEqual(again.tryRecv(), [undefined, false]);
    assert.equal(s.result, 43);
    assertSilent();
  });

  test("select commits like the channel operation it chose, both when it blocks and when a case is ready", async () => {
    const s = instrument({ a: 0, b: 0, c: 0 }, "s");
    const ch = new Chan<number>();
    const quit = new Chan<void>();
    go(async function sender() {
      s.a = 1;
      await ch.send(1); // the select below is parked on ch: this commits it
      await select(
        send(ch, 2, () => {
          s.b = 2; // runs after the send completed: ordered before nothing of the receiver's
        }),
        recv(quit, () => {}),
      );
    });
    const first = await select(
      recv(ch, (v) => v),
      recv(quit, () => -1),
    );
    assert.equal(first, 1);
    assert.equal(s.a, 1);
    s.c = 1; // before the receive: ordered before the sender's second send completes (unbuffered)
    await yieldNow();
    assert.equal(await ch.recv(), 2);
    await yieldNow();
    assertSilent();
  });

  test("WaitGroup: done happens before wait returns", async () => {
    const results = instrument([0, 0, 0], "results");
    const wg = new WaitGroup();
    for (let i = 0; i < 3; i++) {
      wg.go(async () => {
        await yieldNow();
        results[i] = i + 1;
      });
    }
    await wg.wait();
    assert.deepEqual([...results], [1, 2, 3]);
    assertSilent();
    // Reading before the wait is a race.
    const early = instrument({ v: 0 }, "early");
    const wg2 = new WaitGroup();
    wg2.go(async () => {
      early.v = 1;
    });
    await yieldNow();
    void early.v;
    await wg2.wait();
    assertRace("early.v");
  });

  test("Once: the function's completion happens before every do() returns (sync and async functions)", async () => {
    const cfg = instrument({ port: 0, host: "" }, "cfg");
    const once = new Once();
    const asyncOnce = new Once();
    const wg = new WaitGroup();
    for (let i = 0; i < 3; i++) {
      wg.go(async () => {
        await once.do(() => {
          cfg.port = 8080;
        });
        assert.equal(cfg.port, 8080);
        await asyncOnce.do(async () => {
          await yieldNow();
          cfg.host = "localhost";
        });
        assert.equal(cfg.host, "localhost");
      });
    }
    await wg.wait();
    const get = onceFunc(() => {
      cfg.port = 9090;
    });
    const wg2 = new WaitGroup();
    for (let i = 0; i < 2; i++) {
      wg2.go(async () => {
        get();
        void cfg.port;
      });
    }
    await wg2.wait();
    assertSilent();
  });

  test("Cond: signal and broadcast happen before the woken wait returns", async () => {
    const mu = new Mutex();
    const cond = new Cond(mu);
    const q = instrument({ items: 0 }, "q");
    const wg = new WaitGroup();
    for (let i = 0; i < 2; i++) {
      wg.go(async () => {
        await mu.lock();
        while (q.items === 0) await cond.wait();
        q.items--;
        mu.unlock();
      });
    }
    await yieldNow();
    await mu.lock();
    q.items = 2;
    cond.broadcast();
    mu.unlock();
    await wg.wait();
    assert.equal(q.items, 0);
    assertSilent();
  });

  test("RWMutex: writes under lock and reads under rLock are ordered; two readers writing are not", async () => {
    const rw = new RWMutex();
    const s = instrument({ v: 0, scratch: 0 }, "s");
    const wg = new WaitGroup();
    for (let i = 0; i < 3; i++) {
      wg.go(async () => {
        await rw.lock();
        s.v++;
        await yieldNow();
        rw.unlock();
      });
      wg.go(async () => {
        await rw.rLock();
        void s.v;
        await yieldNow();
        rw.rUnlock();
      });
    }
    await wg.wait();
    assert.equal(s.v, 3);
    assertSilent();
    const wg2 = new WaitGroup();
    for (let i = 0; i < 2; i++) {
      wg2.go(async () => {
        await rw.rLock(); // readers are not ordered with each other
        s.scratch = i;
        await yieldNow();
        rw.rUnlock();
      });
    }
    await wg2.wait();
    assertRace("s.scratch");
  });

  test("Pool: a put happens before the get that returns the same item", async () => {
    const pool = new Pool({ new: () => instrument({ data: 0 }, "buf") });
    const wg = new WaitGroup();
    const b = pool.get();
    b.data = 1;
    pool.put(b);
    wg.go(async () => {
      const mine = pool.get();
      mine.data = 2;
      pool.put(mine);
    });
    await wg.wait();
    assertSilent();
  });

  test("a wait ended by another task (a ctx cancelled, an ext Semaphore released) is ordered after it", async () => {
    const s = instrument({ reason: "", permits: 0 }, "s");
    const [ctx, cancel] = withCancel(background());
    const wg = new WaitGroup();
    wg.go(async function sleeper() {
      await sleep(60_000, ctx).catch(() => {}); // woken by the cancel below
      assert.equal(s.reason, "shutdown");
    });
    const sem = new Semaphore(1);
    await sem.acquire();
    wg.go(async function acquirer() {
      await sem.acquire(); // parks: woken by the release below
      assert.equal(s.permits, 1);
      sem.release();
    });
    await yieldNow();
    s.reason = "shutdown";
    cancel();
    s.permits = 1;
    sem.release();
    await wg.wait();
    assertSilent();
  });

  test("raceRelease / raceAcquire annotate synchronisation the detector cannot see (a plain promise)", async () => {
    const s = instrument({ v: 0 }, "s");
    const token = {};
    let resolve: () => void = () => {};
    const ready = new Promise<void>((r) => {
      resolve = r;
    });
    const done = new Chan<void>();
    go(async function producer() {
      s.v = 1;
      raceRelease(token);
      resolve();
    });
    go(async function consumer() {
      await ready;
      raceAcquire(token);
      assert.equal(s.v, 1);
      await done.send();
    });
    await done.recv();
    assertSilent();
  });
});

describe("reports", () => {
  test("each pair of source locations is reported once; arrays name their indices; keys are a location", async () => {
    const items = instrument<number[]>([], "items");
    const wg = new WaitGroup();
    for (let i = 0; i < 3; i++) {
      wg.go(async () => {
        for (let k = 0; k < 3; k++) {
          items.push(k); // races on items.length and on its keys
          await yieldNow();
        }
      });
    }
    await wg.wait();
    assert.ok(races.length >= 1, summary());
    const ids = races.map(
      (r) => `${r.location}|${r.current.stack?.split("\n")[1]}|${r.previous.stack?.split("\n")[1]}`,
    );
    assert.equal(new Set(ids).size, ids.length, "no pair reported twice");
    assert.ok(races.length <= 6, summary());
    assert.ok(
      races.some(
        (r) =>
          r.location === "items.length" || r.location === "items (keys)" || /^items\[\d\]$/.test(r.location),
      ),
      summary(),
    );
  });

  test("main is `main goroutine`, and a write after a read of the same task is not a race", async () => {
    const s = instrument({ v: 0 }, "s");
    s.v = s.v + 1; // main, alone
    const done = new Chan<void>();
    go(async function writer() {
      s.v = 5;
      await yieldNow();
      await done.send();
    });
    await yieldNow();
    void s.v;
    await done.recv();
    const r = assertRace("s.v");
    assert.equal(r.current.goroutine, 1);
    assert.match(r.message, /^Read at s\.v by main goroutine:$/m);
    assert.match(r.message, /^Previous write at s\.v by goroutine \d+:$/m);
    assert.equal(races.length, 1, summary());
  });

  test("without stacks, reports still name the location and the tasks", async () => {
    disableRaceDetector();
    enableRaceDetector({ onReport: (r) => races.push(r), stacks: false });
    const s = instrument({ v: 0 }, "s");
    const wg = new WaitGroup();
    wg.go(async () => {
      s.v = 1;
    });
    wg.go(async () => {
      s.v = 2;
    });
    await wg.wait();
    const r = assertRace("s.v");
    assert.equal(r.current.stack, undefined);
    assert.match(r.message, /Write at s\.v by goroutine \d+:\n {2}\(no stack/);
  });

  test("atomics: two atomic accesses never race, an atomic and a plain one do", async () => {
    const s = instrument({ n: 0, phase: "idle" as string }, "s");
    const wg = new WaitGroup();
    for (let i = 0; i < 2; i++) {
      wg.go(async () => {
        atomicAdd(s, "n", 1);
        await yieldNow();
        atomicSwap(s, "phase", `t${i}`);
        atomicCompareAndSwap(s, "phase", "never", "x");
        void atomicLoad(s, "n");
      });
    }
    await wg.wait();
    assert.equal(s.n, 2);
    assertSilent();
    wg.go(async () => {
      atomicStore(s, "n", 10);
    });
    wg.go(async () => {
      s.n = 11; // plain
    });
    await wg.wait();
    assertRace("s.n");
    // On untracked objects they are plain operations.
    const plain = { n: 1 };
    assert.equal(atomicAdd(plain, "n", 2), 3);
    assert.equal(atomicCompareAndSwap(plain, "n", 3, 4), true);
    assert.equal(atomicSwap(plain, "n", 5), 4);
  });

  test("instrument() returns the object itself while the detector is off, and the same wrapper twice", async () => {
    const o = { v: 1 };
    const t = instrument(o, "o");
    assert.notEqual(t, o);
    assert.equal(instrument(o), t);
    assert.equal(instrument(t), t);
    disableRaceDetector();
    assert.equal(isRaceDetectorOn(), false);
    assert.equal(registry.observer, null);
    const p = { v: 1 };
    assert.equal(instrument(p), p);
    // A wrapper made while on passes accesses straight through once it is off.
    t.v = 2;
    assert.equal(o.v, 2);
  });

  test("instrumented class instances: methods run through the wrapper, so their accesses are checked", async () => {
    class Backend {
      loads = 0;
      async load(): Promise<string> {
        const n = this.loads;
        await yieldNow();
        this.loads = n + 1;
        return "v";
      }
    }
    const backend = instrument(new Backend());
    const wg = new WaitGroup();
    wg.go(() => backend.load());
    wg.go(() => backend.load());
    await wg.wait();
    assertRace("Backend.loads");
  });
});

describe("GOSYNC_DEBUG=race", () => {
  test("Go in Action's program, as `go run -race` runs it: the report, Found 1 data race(s), exit status 66", async () => {
    const r = await runProgram("test/debug/fixtures/race-counter.ts", { gosyncDebug: "race" });
    assert.equal(r.code, 66, r.stderr);
    assert.equal(r.stdout, "Final Counter: 2\n");
    assert.match(
      r.stderr,
      /^==================\nWARNING: DATA RACE\nWrite at counter\.value by goroutine (\d+):\n {2}incCounter\(\)\n {6}.*race-counter\.ts:\d+:\d+\n\nPrevious read at counter\.value by goroutine (\d+):\n {2}incCounter\(\)\n {6}.*race-counter\.ts:\d+:\d+\n\nGoroutine \1 \(running\) created at:\n.*\n {6}.*race-counter\.ts:\d+:\d+\n\nGoroutine \2 \(running\) created at:\n.*\n {6}.*race-counter\.ts:\d+:\d+\n==================\n/,
    );
    assert.match(r.stderr, /\nFound 1 data race\(s\)\n$/);
  });

  test("the Mutex version (listing 6-16): silent, exit status 0", async () => {
    const r = await runProgram("test/debug/fixtures/race-counter.ts", {
      gosyncDebug: "race",
      args: ["mutex"],
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Final Counter: 4\n");
    assert.equal(r.stderr, "");
  });
});
