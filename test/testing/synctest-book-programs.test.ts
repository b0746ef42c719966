// The timer-driven programs of the concurrency texts under synctest: each runs in milliseconds on virtual time, and
// every line is checked with the exact virtual instant it was printed at.
// - Go 并发编程实战课 lesson 13 (击鼓传花): the token ring, one number per second (examples/ring.ts);
// - Go 并发编程实战课 lesson 13 (信号通知): the two-phase graceful shutdown with its 1 s cleanup
//   timeout, as the tour's port (examples/shutdown.ts) and as a literal translation;
// - Ardan Labs' "Concurrency Trap #2: Incomplete Work": the event Tracker and its Shutdown with a 5 s deadline, fixed
//   (the Tracker as first written leaks its Run task: see synctest-deadlock.test.ts).

import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { pipeline } from "../../examples/pipeline.js";
import { ring } from "../../examples/ring.js";
import { shutdown } from "../../examples/shutdown.js";
import { sieve } from "../../examples/sieve.js";
import { after, Chan, go, otherwise, recv, select, sleep } from "../../src/index.js";
import { type Bubble, leakCheck, synctest } from "../../src/testing/index.js";
import { Tracker, trackerMain } from "./book-programs.js";

leakCheck();

/** Collects lines as "<virtual seconds>s <line>". */
function timeline(bubble: Bubble): { lines: string[]; out: (line: string) => void } {
  const lines: string[] = [];
  return { lines, out: (line) => lines.push(`${bubble.elapsed() / 1000}s ${line}`) };
}

describe("Go 并发编程实战课 lesson 13: the token ring, one number per second", () => {
  test("4 workers print 1 2 3 4 1 2 3 4 at 0 s, 1 s, 2 s, ..., then stop", async () => {
    let got: string[] = [];
    await synctest(async (bubble) => {
      const { lines, out } = timeline(bubble);
      got = lines;
      await ring.run(out, { tokens: 8 }); // the lesson's period: time.Second
    });
    assert.deepEqual(got, [
      "0s 1",
      "1s 2",
      "2s 3",
      "3s 4",
      "4s 1",
      "5s 2",
      "6s 3",
      "7s 4",
      "7s stopped: 4 workers exited after 8 tokens",
    ]);
  });

  test("a long run (an hour of tokens) is just as exact", async () => {
    await synctest(async (bubble) => {
      let last = "";
      await ring.run(
        (line) => {
          last = `${bubble.elapsed()} ${line}`;
        },
        { tokens: 3600 },
      );
      assert.equal(last, "3599000 stopped: 4 workers exited after 3600 tokens");
    });
  });
});

describe("Go 并发编程实战课 lesson 13: two-phase graceful shutdown with a 1 s cleanup timeout", () => {
  test("the tour's port: a quick cleanup finishes in time, the one-minute one is abandoned at 1 s", async () => {
    let got: string[] = [];
    await synctest(async (bubble) => {
      const { lines, out } = timeline(bubble);
      got = lines;
      await shutdown.run(out, {}); // the lesson's timings: 100 ms work, 1 s limit, 1 min cleanup
    });
    assert.deepEqual(got, [
      "0s run 1: cleanup takes 200 ms, main waits up to 1000 ms",
      "0.3s main: got SIGINT, close(closing)",
      "0.5s cleanup: done",
      "0.5s main: cleanup finished in time",
      "0.5s main: business task stopped",
      "0.5s main: graceful exit (优雅退出)",
      "0.5s run 2: cleanup takes 60000 ms, main waits up to 1000 ms",
      "0.8s main: got SIGINT, close(closing)",
      "1.8s main: cleanup timed out, not waiting (清理超时，不等了)",
      "1.8s cleanup: abandoned",
      "1.8s main: business task stopped",
      "1.8s main: graceful exit (优雅退出)",
    ]);
  });

  test("the lesson's program, translated line by line: main gives up at 1 s; the cleanup still ends at 1 min", async () => {
    let got: string[] = [];
    await synctest(async (bubble) => {
      const { lines, out } = timeline(bubble);
      got = lines;
      const closing = new Chan<void>(0, "closing");
      const closed = new Chan<void>(0, "closed");

      go(async function business() {
        for (;;) {
          const stop = await select(
            recv(closing, () => true),
            otherwise(() => false),
          );
          if (stop) return;
          await sleep(100); // ....... business work
        }
      });

      await after(300).recv(); // <-termChan: the signal arrives after 300 ms

      closing.close();
      go(async function doCleanup() {
        await sleep(60_000); // time.Sleep(time.Minute)
        closed.close();
        out("doCleanup: done");
      });

      await select(
        recv(closed, () => {}),
        recv(after(1000), () => out("清理超时，不等了")),
      );
      out("优雅退出");
    });
    // Go's process would end with main; the bubble waits for doCleanup, at one minute.
    assert.deepEqual(got, ["1.3s 清理超时，不等了", "1.3s 优雅退出", "60.3s doCleanup: done"]);
  });
});

describe("the Tracker and its Shutdown with a 5 s deadline", () => {
  test("fixed (stop is made): Run drains the events and signals; Shutdown returns at 3 s", async () => {
    let got: string[] = [];
    await synctest(async (bubble) => {
      const { lines, out } = timeline(bubble);
      got = lines;
      await trackerMain(bubble, new Tracker(out, true), 3);
    });
    assert.deepEqual(got, ["1s test1", "2s test2", "3s test3", "3s shutdown returned: ok"]);
  });

  test("a slow Run: Shutdown gives up at the 5 s deadline, Run still drains every event (stop buffered)", async () => {
    let got: string[] = [];
    await synctest(async (bubble) => {
      const { lines, out } = timeline(bubble);
      got = lines;
      await trackerMain(bubble, new Tracker(out, true, 2000, 1), 5);
    });
    // Ordered by virtual time; lines printed at the same instant are compared as a set.
    assert.deepEqual(got.slice().sort(), [
      "10s test5",
      "2s test1",
      "4s test2",
      "6s test3",
      "8s shutdown returned: context deadline exceeded",
      "8s test4",
    ]);
  });
});

describe("no false positives: the tour's programs run to the end in a bubble", () => {
  test("sieve, pipeline, ring, shutdown", async () => {
    const lines: string[] = [];
    const out = (line: string): void => {
      lines.push(line);
    };
    await synctest(async () => {
      await sieve.run(out, { count: 10 });
      await pipeline.run(out, { take: 5 });
      await ring.run(out, { tokens: 4 });
      await shutdown.run(out, {});
    });
    assert.equal(lines[0], "first 10 primes: 2 3 5 7 11 13 17 19 23 29");
    assert.equal(lines.at(-1), "main: graceful exit (优雅退出)");
  });
});
