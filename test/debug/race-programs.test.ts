// No false positives: correct programs run under the race detector and the lock-order check must
// report nothing. Ports of Go's test/chan programs whose messages are instrumented objects (each task
// writes the message it owns, then hands it on: every access ordered only by the channel
// operations), the tour's examples with their output log instrumented (written by whichever task prints:
// ordered only by the examples' own synchronisation), and the test/go suite itself run with
// GOSYNC_DEBUG=race,lockorder.

import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, test } from "node:test";
import { pipeline } from "../../examples/pipeline.js";
import { ring } from "../../examples/ring.js";
import { shutdown } from "../../examples/shutdown.js";
import { sieve } from "../../examples/sieve.js";
import {
  disableLockOrderCheck,
  disableRaceDetector,
  enableLockOrderCheck,
  enableRaceDetector,
  instrument,
  type LockOrderReport,
  type RaceReport,
} from "../../src/debug/index.js";
import {
  background,
  Chan,
  go,
  Mutex,
  select,
  send,
  WaitGroup,
  withCancel,
  yieldNow,
} from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { runProgram } from "./helpers.js";

leakCheck();

let races: RaceReport[] = [];
let orders: LockOrderReport[] = [];

beforeEach(() => {
  races = [];
  orders = [];
  enableRaceDetector({ onReport: (r) => races.push(r) });
  enableLockOrderCheck({ onReport: (r) => orders.push(r) });
});

afterEach(() => {
  disableRaceDetector();
  disableLockOrderCheck();
});

function assertSilent(): void {
  const all = [...races.map((r) => r.message), ...orders.map((r) => r.message)];
  assert.equal(all.length, 0, `false positives:\n${all.join("\n\n")}`);
}

interface Msg {
  value: number;
  hops: number;
  owner: string;
}

function message(value: number, owner: string): Msg {
  const m = instrument<Msg>({ value: 0, hops: 0, owner: "" }, `msg${value}`);
  m.value = value;
  m.owner = owner;
  return m;
}

describe("Go's test/chan programs, with their messages instrumented", () => {
  test("fifo: SynchFifo, a daisy chain of receivers filling a shared (instrumented) log", async () => {
    const N = 10;
    const got = instrument<[number, number][]>([], "got");
    async function chain(ch: Chan<Msg>, val: number, inp: Chan<number>, out: Chan<number>): Promise<void> {
      await inp.recv();
      const m = (await ch.recv()) as Msg;
      m.hops++;
      got.push([val, m.value]);
      await out.send(1);
    }
    const ch = new Chan<Msg>();
    let inp = new Chan<number>();
    const start = inp;
    for (let i = 0; i < N; i++) {
      const out = new Chan<number>();
      go(chain, ch, i, inp, out);
      inp = out;
    }
    await start.send(0);
    for (let i = 0; i < N; i++) await ch.send(message(i, "main"));
    await inp.recv();
    assert.equal(got.length, N);
    for (const [val, received] of got) assert.equal(received, val);
    assertSilent();
  });

  test("goroutines: one message passed along a chain of 1000 tasks, each updating it", async () => {
    const n = 1000;
    async function f(left: Chan<Msg>, right: Chan<Msg>): Promise<void> {
      const m = (await right.recv()) as Msg;
      m.hops = m.hops + 1;
      m.owner = "chain";
      await left.send(m);
    }
    const leftmost = new Chan<Msg>();
    let right = leftmost;
    let left = leftmost;
    for (let i = 0; i < n; i++) {
      right = new Chan<Msg>();
      go(f, left, right);
      left = right;
    }
    go(async (c: Chan<Msg>) => c.send(message(1, "feeder")), right);
    const m = (await leftmost.recv()) as Msg;
    assert.equal(m.hops, n);
    assertSilent();
  });

  test("sieve1: the prime sieve over instrumented numbers, stopped by cancelling a context", async () => {
    const [ctx, cancel] = withCancel(background());
    const wg = new WaitGroup();
    const stopped = (e: unknown): void => {
      if (e !== ctx.err()) throw e;
    };
    async function generate(ch: Chan<Msg>): Promise<void> {
      try {
        for (let i = 2; ; i++) await ch.send(message(i, "generate"), ctx);
      } catch (e) {
        stopped(e);
      }
    }
    async function filter(inp: Chan<Msg>, out: Chan<Msg>, prime: number): Promise<void> {
      try {
        for (;;) {
          const m = (await inp.recv(ctx)) as Msg;
          m.hops++;
          if (m.value % prime !== 0) await out.send(m, ctx);
        }
      } catch (e) {
        stopped(e);
      }
    }
    let ch = new Chan<Msg>();
    wg.go(() => generate(ch));
    const primes: number[] = [];
    for (let k = 0; k < 25; k++) {
      const prime = (await ch.recv()) as Msg;
      primes.push(prime.value);
      prime.owner = "main";
      const ch1 = new Chan<Msg>();
      const from = ch;
      wg.go(() => filter(from, ch1, prime.value));
      ch = ch1;
    }
    cancel();
    await wg.wait();
    assert.equal(primes.at(-1), 97);
    assertSilent();
  });

  test("doubleselect: a select over four channels, four muxes, one receiver; messages owned in turn", async () => {
    const iterations = 2000;
    const c = [new Chan<Msg>(), new Chan<Msg>(), new Chan<Msg>(), new Chan<Msg>()] as const;
    const done = new Chan<boolean>();
    const cmux = new Chan<Msg>(1);
    go(async function sender() {
      try {
        for (let i = 0; i < iterations; i++) {
          const m = message(i, "sender");
          await select(
            send(c[0], m, () => {}),
            send(c[1], m, () => {}),
            send(c[2], m, () => {}),
            send(c[3], m, () => {}),
          );
        }
      } finally {
        for (const ch of [...c].reverse()) ch.close();
      }
    });
    for (const inp of c) {
      go(async function mux() {
        for await (const m of inp) {
          m.hops++;
          m.owner = "mux";
          await cmux.send(m);
        }
        await done.send(true);
      });
    }
    go(async function closer() {
      for (let i = 0; i < 4; i++) await done.recv();
      cmux.close();
    });
    const seen = new Set<number>();
    for await (const m of cmux) {
      assert.equal(m.hops, 1);
      m.owner = "receiver";
      seen.add(m.value);
    }
    assert.equal(seen.size, iterations);
    assertSilent();
  });

  test("a worker pool: jobs on a buffered channel, results under a Mutex, a WaitGroup to finish", async () => {
    const jobs = new Chan<Msg>(8);
    const totals = instrument({ sum: 0, count: 0 }, "totals");
    const mu = new Mutex("totals");
    const wg = new WaitGroup();
    for (let w = 0; w < 4; w++) {
      wg.go(async () => {
        for await (const job of jobs) {
          job.hops++;
          await yieldNow();
          await mu.withLock(() => {
            totals.sum += job.value;
            totals.count++;
          });
        }
      });
    }
    for (let i = 1; i <= 100; i++) await jobs.send(message(i, "main"));
    jobs.close();
    await wg.wait();
    assert.deepEqual({ ...totals }, { sum: 5050, count: 100 });
    assertSilent();
  });
});

describe("the tour's examples, their output instrumented", () => {
  async function run(ex: { run: (out: (line: string) => void, opts: never) => Promise<void> }, opts: object) {
    const lines = instrument<string[]>([], "output");
    await ex.run((line) => lines.push(line), opts as never);
    await yieldNow();
    return [...lines];
  }

  test("sieve", async () => {
    const lines = await run(sieve, { count: 10 });
    assert.equal(lines[0], "first 10 primes: 2 3 5 7 11 13 17 19 23 29");
    assertSilent();
  });

  test("ring: four workers print in turn, passing the token", async () => {
    const lines = await run(ring, { tokens: 8, periodMs: 1 });
    assert.deepEqual(lines.slice(0, 8), [..."12341234"]);
    assertSilent();
  });

  test("pipeline", async () => {
    const lines = await run(pipeline, { take: 5 });
    assert.ok(lines.length > 5);
    assertSilent();
  });

  test("shutdown: the two-phase shutdown, both runs", async () => {
    const lines = await run(shutdown, {
      signalAfterMs: 5,
      workMs: 1,
      timeoutMs: 30,
      quickCleanupMs: 1,
      slowCleanupMs: 60,
    });
    assert.ok(lines.some((l) => l.includes("cleanup finished in time")));
    assertSilent();
  });
});

describe("the ported Go programs under GOSYNC_DEBUG=race,lockorder", () => {
  test("test/go passes, and nothing is reported", { timeout: 240_000 }, async () => {
    const files = [
      "closedchan",
      "doubleselect",
      "fifo",
      "goroutines",
      "nonblock",
      "select",
      "select2",
      "select3",
      "select5",
      "select7",
      "sieve1",
      "sieve2",
      "sendstmt",
      "zerosize",
    ].map((f) => `test/go/${f}.test.ts`);
    const r = await runProgram(files[0] as string, {
      gosyncDebug: "race,lockorder",
      nodeArgs: ["--test", "--test-reporter=tap"],
      args: files.slice(1),
    });
    assert.equal(r.code, 0, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-3000)}`);
    assert.match(r.stdout, /^# fail 0$/m);
    assert.doesNotMatch(r.stdout + r.stderr, /DATA RACE|POTENTIAL DEADLOCK/);
  });
});
