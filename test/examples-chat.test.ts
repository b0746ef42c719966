// The tour's chat server (gopl §8.10 with exercises 8.12-8.15) against real TCP clients on
// 127.0.0.1, and the event tracker (goroutine lifetimes). No timing assertions: an idle limit is
// only made small so that the disconnect it causes comes soon, and what is checked is that it
// happens and what the client is told.

import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { describe, test } from "node:test";
import { ChatClient, type ChatServer, chat, connectNonReader, startChat } from "../examples/chat.js";
import { terminalProgress } from "../examples/progress.js";
import { BoundedTracker, Tracker, tracker } from "../examples/tracker.js";
import { background, Canceled, Chan, type Context, withCancel } from "../src/index.js";
import { leakCheck } from "../src/testing/index.js";
import { runExample as run } from "./helpers/run-example.js";

leakCheck();

const T = { timeout: 30_000 };

/** Connects and answers the name prompt; returns the client and the two greeting lines. */
async function join(server: ChatServer, name: string): Promise<[ChatClient, string[]]> {
  const c = await ChatClient.connect(server.port);
  assert.equal(await c.line(), "What is your name?");
  c.say(name);
  return [c, [(await c.line())!, (await c.line())!]];
}

/** Runs `body` against a fresh server, which is closed afterwards (also when body fails). */
async function withServer(
  opts: { idleMs?: number; outgoing?: number },
  body: (server: ChatServer, log: string[]) => Promise<void>,
): Promise<void> {
  const log: string[] = [];
  const server = await startChat({ ...opts, log: (line) => log.push(line) });
  try {
    await body(server, log);
  } finally {
    await server.close();
  }
}

describe("chat", () => {
  test("the first line is the name (8.14); a newcomer is told who is present (8.12)", T, async () => {
    await withServer({}, async (server, log) => {
      const [alice, aliceHello] = await join(server, "alice");
      assert.deepEqual(aliceHello, ["You are alice", "Present: nobody yet"]);
      const [bob, bobHello] = await join(server, "bob");
      assert.deepEqual(bobHello, ["You are bob", "Present: alice"]);
      assert.equal(await alice.line(), "bob has arrived");
      const [carol, carolHello] = await join(server, "carol");
      assert.deepEqual(carolHello, ["You are carol", "Present: alice, bob"]);
      await carol.close();
      await bob.close();
      assert.deepEqual(await alice.until("bob has left"), [
        "carol has arrived",
        "carol has left",
        "bob has left",
      ]);
      await alice.close();
      assert.deepEqual(log.slice(0, 3), ["alice has arrived", "bob has arrived", "carol has arrived"]);
    });
  });

  test("broadcast lines say who spoke, to everyone, the speaker included, in order", T, async () => {
    await withServer({}, async (server) => {
      const [alice] = await join(server, "alice");
      const [bob] = await join(server, "bob");
      await alice.until("bob has arrived");
      for (let i = 1; i <= 50; i++) (i % 2 === 0 ? bob : alice).say(`line ${i}`);
      const expected = Array.from(
        { length: 50 },
        (_, k) => `${k % 2 === 0 ? "alice" : "bob"}: line ${k + 1}`,
      );
      // Each speaker's lines keep their order; the two speakers interleave as the server got them.
      const read50 = async (c: ChatClient) => {
        const lines: string[] = [];
        while (lines.length < 50) lines.push((await c.line())!);
        return lines;
      };
      const got = [await read50(alice), await read50(bob)];
      for (const lines of got) {
        assert.deepEqual(
          lines.filter((l) => l.startsWith("alice:")),
          expected.filter((l) => l.startsWith("alice:")),
        );
        assert.deepEqual(
          lines.filter((l) => l.startsWith("bob:")),
          expected.filter((l) => l.startsWith("bob:")),
        );
      }
      assert.deepEqual(got[0], got[1], "everyone sees one order");
      await alice.close();
      await bob.close();
    });
  });

  test("an empty first line: the client is named by its address, as in gopl's version", T, async () => {
    await withServer({}, async (server) => {
      const [c, hello] = await join(server, "");
      assert.match(hello[0]!, /^You are 127\.0\.0\.1:\d+$/);
      await c.close();
    });
  });

  test("a client that never reads stalls no one; messages for it are dropped (8.15)", T, async () => {
    await withServer({ outgoing: 8 }, async (server, log) => {
      const [alice] = await join(server, "alice");
      const [bob] = await join(server, "bob");
      await alice.until("bob has arrived");
      const carol = await connectNonReader(server.port, "carol");
      await alice.until("carol has arrived");
      const filler = "y".repeat(1000);
      let sent = 0;
      while (server.droppedFor("carol") === 0) {
        assert.ok(sent < 200_000, "carol's buffers never filled");
        for (let i = 0; i < 100; i++) bob.say(`${++sent} ${filler}`);
        // alice gets every line, in order, while carol reads nothing.
        const lines = await alice.until(`bob: ${sent} ${filler}`);
        assert.deepEqual(
          lines,
          Array.from({ length: 100 }, (_, k) => `bob: ${sent - 99 + k} ${filler}`),
        );
        await bob.until(`bob: ${sent} ${filler}`);
      }
      assert.ok(log.includes("carol is not reading: dropping messages for it"), log.join("\n"));
      bob.say("still talking");
      await alice.until("bob: still talking");
      await carol.close();
      await alice.until("carol has left");
      assert.ok(log.some((l) => /^carol left; \d+ message\(s\) had been dropped for it$/.test(l)));
      await alice.close();
      await bob.close();
    });
  });

  test("an idle client is told and disconnected; the others hear it left (8.13)", T, async () => {
    await withServer({ idleMs: 500 }, async (server, log) => {
      const dave = await ChatClient.connect(server.port);
      dave.say("dave"); // at once: the idle clock runs from the connection
      assert.deepEqual(
        [await dave.line(), await dave.line(), await dave.line()],
        ["What is your name?", "You are dave", "Present: nobody yet"],
      );
      const erin = await ChatClient.connect(server.port);
      erin.say("erin");
      await erin.until("Present: dave");
      // erin keeps talking, so she is never idle herself, until she hears that dave has left.
      for (let n = 1; ; n++) {
        erin.say(`ping ${n}`);
        if ((await erin.until(`erin: ping ${n}`)).includes("dave has left")) break;
      }
      const rest: string[] = [];
      for (let line = await dave.line(); line !== undefined; line = await dave.line()) rest.push(line);
      // dave heard erin arrive and talk; his last line is the goodbye, then the server hangs up.
      assert.equal(rest[0], "erin has arrived");
      assert.equal(rest.at(-1), "You were idle for 0.5 s: goodbye.");
      await dave.closed();
      assert.ok(log.includes("dave has left (idle)"), log.join("\n"));
      await erin.close();
    });
  });

  test("an idle client that talks is not disconnected", T, async () => {
    await withServer({ idleMs: 60_000 }, async (server) => {
      const [erin] = await join(server, "erin");
      erin.say("hello");
      assert.equal(await erin.line(), "erin: hello");
      await erin.close();
    });
  });

  test("closing the server tells every client and disconnects it", T, async () => {
    const log: string[] = [];
    const server = await startChat({ log: (l) => log.push(l) });
    const [a] = await join(server, "a");
    const [b] = await join(server, "b");
    await a.until("b has arrived");
    await server.close();
    assert.equal(
      await b.until("Server shutting down: goodbye.").then((l) => l.at(-1)),
      "Server shutting down: goodbye.",
    );
    assert.equal(await b.line(), undefined);
    await a.until("Server shutting down: goodbye.");
    await a.closed();
    assert.ok(log.includes("a has left (shutdown)") && log.includes("b has left (shutdown)"), log.join("\n"));
  });

  test("the scripted session plays every exercise and leaves nothing running", T, async () => {
    const lines = await run(chat, {}); // the default 2 s idle limit: dave's silence outlasts erin's arrival
    for (const line of [
      "alice <- Present: nobody yet",
      "bob <- Present: alice",
      "alice <- bob: Hi yourself.",
      "server: carol is not reading: dropping messages for it",
      "alice <- carol has left",
      "dave <- You were idle for 2 s: goodbye.",
      "dave: disconnected by the server",
      "erin <- dave has left",
      "servers closed: every task has ended",
    ])
      assert.ok(lines.includes(line), `missing "${line}" in:\n${lines.join("\n")}`);
    assert.ok(lines.some((l) => /^bob sent \d+ lines; alice got them all; carol's buffer filled/.test(l)));
  });

  test("server mode (--port, --idle) serves until the `until` channel closes", T, async () => {
    const until = new Chan<void>();
    const lines: string[] = [];
    const done = chat.run((l) => lines.push(l), { args: ["--port", "0", "--idle", "30"], until });
    while (lines.length === 0) await new Promise((r) => setImmediate(r));
    const port = Number(/127\.0\.0\.1:(\d+)/.exec(lines[0]!)![1]);
    assert.match(lines[0]!, /idle limit 30 s/);
    const c = await ChatClient.connect(port);
    await c.until("What is your name?");
    c.say("zoe");
    await c.until("You are zoe");
    until.close();
    await done;
    await c.until("Server shutting down: goodbye.");
    await c.closed();
    assert.ok(lines.includes("shutting down"), lines.join("\n"));
    assert.equal(lines.at(-1), "server closed");
  });

  test("bad flags are rejected with the rule", T, async () => {
    await assert.rejects(
      chat.run(() => {}, { args: ["--port", "70000"] }),
      /--port must be an integer from 0 to 65535/,
    );
    await assert.rejects(
      chat.run(() => {}, { args: ["--idle", "0"] }),
      /--idle must be a number of seconds above 0/,
    );
    await assert.rejects(
      chat.run(() => {}, { args: ["--nope"] }),
      TypeError,
    );
  });

  test("npm start -- chat --port 0: SIGINT shuts it down gracefully and the process exits", T, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/tour.ts", "chat", "--port", "0"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    const out = createInterface({ input: child.stdout });
    const lines: string[] = [];
    const iter = out[Symbol.asyncIterator]();
    let port = 0;
    while (port === 0) {
      const { value, done } = await iter.next();
      assert.ok(!done, `the server did not start: ${stderr}`);
      lines.push(value);
      const m = /chat server on 127\.0\.0\.1:(\d+)/.exec(value);
      if (m) port = Number(m[1]);
    }
    const c = await ChatClient.connect(port);
    await c.until("What is your name?");
    c.say("yan");
    await c.until("Present: nobody yet");
    const exited = once(child, "exit");
    child.kill("SIGINT");
    await c.until("Server shutting down: goodbye.");
    await c.closed();
    const [code] = await exited;
    for await (const line of out) lines.push(line);
    assert.equal(code, 0, stderr);
    assert.ok(
      lines.includes("  SIGINT: shutting down") && lines.includes("  server closed"),
      lines.join("\n"),
    );
  });
});

/** A sender that waits for `gate` to be closed (or ctx): no timing involved. */
function gated(gate: Chan<void>) {
  return async (ctx: Context, _data: string) => {
    await gate.recv(ctx);
  };
}

function cancelled(): Context {
  const [ctx, cancel] = withCancel(background());
  cancel();
  return ctx;
}

describe("tracker", () => {
  test("the tour program: nothing lost in time, a count of what is in flight when too late", T, async () => {
    assert.deepEqual(await run(tracker, { fastMs: 0, slowMs: 60_000, deadlineMs: 2000 }), [
      "-- one task per event, counted by a WaitGroup",
      "10 events tracked (0 of them slow); shutting down with a 2000 ms deadline",
      "shutdown complete: all 10 events sent, none lost",
      "10 events tracked (3 of them slow); shutting down with a 2000 ms deadline",
      "tracker: shutdown: context deadline exceeded: 3 event(s) still in flight",
      "7 sent; the rest are cancelled (Go's process would just exit)",
      "-- one worker behind a buffered channel (capacity 10)",
      "10 events queued (0 of them slow); shutting down with a 2000 ms deadline",
      "shutdown complete: the worker drained the queue, none lost",
      "10 events queued (3 of them slow); shutting down with a 2000 ms deadline",
      "tracker: shutdown: context deadline exceeded: 3 event(s) still in flight",
      "the worker is cancelled (Go's process would just exit)",
    ]);
  });

  test(
    "Tracker: shutdown waits for every event; a shutdown given up says how many are in flight",
    T,
    async () => {
      const gate = new Chan<void>();
      const tr = new Tracker(gated(gate));
      for (let i = 0; i < 5; i++) tr.event(background(), `e${i}`);
      await assert.rejects(tr.shutdown(cancelled()), {
        message: "tracker: shutdown: context canceled: 5 event(s) still in flight",
      });
      assert.equal(tr.sent, 0);
      const finished = tr.shutdown(background());
      gate.close();
      await finished;
      assert.equal(tr.sent, 5, "nothing lost");
    },
  );

  test("Tracker: an event whose ctx is cancelled is abandoned, not an error", T, async () => {
    const tr = new Tracker(gated(new Chan<void>()));
    const [ctx, cancel] = withCancel(background());
    tr.event(ctx, "e");
    cancel();
    await tr.shutdown(background());
    assert.equal(tr.sent, 0);
  });

  test("BoundedTracker: event() blocks once 10 are queued; shutdown drains the queue", T, async () => {
    const gate = new Chan<void>();
    const sent: string[] = [];
    const tr = new BoundedTracker(async (ctx, data) => {
      await gate.recv(ctx);
      sent.push(data);
    });
    const [app, stopApp] = withCancel(background());
    const worker = tr.run(app);
    for (let i = 0; i < 11; i++) await tr.event(background(), `e${i}`); // the worker holds one
    await assert.rejects(tr.event(cancelled(), "e11"), (err) => err === Canceled);
    await assert.rejects(tr.shutdown(cancelled()), {
      message: "tracker: shutdown: context canceled: 11 event(s) still in flight",
    });
    const drained = tr.shutdown(background());
    gate.close();
    await drained;
    assert.deepEqual(
      sent,
      Array.from({ length: 11 }, (_, i) => `e${i}`),
    );
    stopApp();
    await worker;
  });
});

describe("tour", () => {
  test("--list names tracker and chat, before the etcd programs", T, async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "examples/tour.ts", "--list"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    const names: string[] = [];
    for await (const line of createInterface({ input: child.stdout })) names.push(line.split(" ")[0]!);
    const i = names.indexOf("tracker");
    const j = names.indexOf("chat");
    assert.ok(i >= 0 && j === i + 1, names.join(" "));
    assert.ok(
      names.slice(j + 1).every((n) => n.startsWith("etcd-")),
      names.join(" "),
    );
  });

  test("the tour's own flags come before the example's name; a bad one fails with the usage", T, () => {
    const tour = (...args: string[]) =>
      spawnSync(process.execPath, ["--import", "tsx", "examples/tour.ts", ...args], {
        encoding: "utf8",
        timeout: 20_000,
      });
    const unknown = tour("--nope", "sieve");
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /Unknown option '--nope'\nusage: npm start/);
    const noUrl = tour("--etcd");
    assert.equal(noUrl.status, 2);
    assert.match(noUrl.stderr, /Option '--etcd <value>' argument missing/);
    // After the name, flags are the example's: chat rejects a port out of range.
    const chatFlag = tour("chat", "--port", "70000");
    assert.notEqual(chatFlag.status, 0);
    assert.match(chatFlag.stderr, /--port must be an integer from 0 to 65535/);
  });

  test("the progress bar draws on a terminal only, and ends its line at 100%", T, () => {
    let text = "";
    const write = (s: string) => {
      text += s;
      return true;
    };
    const tty = { isTTY: true, write } as unknown as NodeJS.WriteStream;
    const step = terminalProgress(tty)!("work", 4);
    for (let done = 0; done <= 4; done++) step(done);
    assert.equal(
      text,
      [0, 8, 15, 23, 30]
        .map((n, k) => `\r  work [${"#".repeat(n)}${".".repeat(30 - n)}] ${String(k * 25).padStart(3)}%`)
        .join("")
        .concat("\n"),
    );
    const pipe = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
    assert.equal(terminalProgress(pipe), undefined);
  });
});
