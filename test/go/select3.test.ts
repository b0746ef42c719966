// Port of Go's test/chan/select3.go: which channel operations and selects block and which panic.
//  - a nil channel is never ready: alone it blocks, with a default the default runs;
//  - a send with free buffer space, a receive from a closed channel, a select with a default,
//    a select with a ready case, a select on a closed channel never block;
//  - a receive from a non-ready channel, `select {}`, a select of only nil / non-ready channels
//    always block, as does a select that offers both to send and to receive on one channel
//    ("select should not get confused if it sees itself");
//  - a receive from a closed channel yields the zero value (undefined here) and ok == false;
//  - a send on a closed channel panics, directly or in a select (here: the promise rejects with
//    ChanClosedError "send on closed channel").
// Go's testBlock races the operation against a sleep; here "blocks" means "still pending after a
// fixed number of macrotask turns" (see helpers.ts), never a wall-clock assertion. Unlike Go's,
// testBlock leaves nothing behind (a blocked f is unblocked once the verdict is in), except where
// that is impossible by design: a select with no live case blocks forever, as Go's `select {}`.
// TypeScript has no nil channel value with methods, so Go's bare `nilch <- 7` / `<-nilch` are
// ported as the equivalent one-case selects on a null channel.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, otherwise, recv, select, send } from "../../src/index.js";
import { leakCheck, type TaskInfo } from "../../src/testing/index.js";
import { chanClosed, macrotaskTurns, TURNS, unreachable } from "./helpers.js";

// The "always blocks" checks of `select()` and of selects on nil channels only leave their task
// blocked for good: no case can ever become ready, so nothing can wake it. Only those are ignored.
const selectForever = (t: TaskInfo): boolean =>
  t.blocked.length > 0 && t.blocked.every((op) => op.reason === "select (no cases)");
leakCheck({ ignore: selectForever });

const always = "function did not";
const never = "function did";
type Signal = typeof always | typeof never;

/** Go's testPanic: f always / never panics (throws or rejects). */
async function testPanic(signal: Signal, f: () => unknown, check?: (err: unknown) => boolean): Promise<void> {
  let panicked = false;
  try {
    await f();
  } catch (err) {
    panicked = true;
    if (check !== undefined && signal === always) check(err);
  }
  const s: Signal = panicked ? always : never;
  assert.equal(s, signal, `${signal} panic`);
}

/**
 * Go's testBlock: f always / never blocks, decided by racing it against macrotask turns. Unlike
 * Go's, it cleans up: both racers report on a buffered channel (the loser does not block), the
 * timer stops once the verdict is in, and a blocked f is released with `unblock` (what f does then
 * is no longer observed); testBlock returns once both tasks have ended. Without `unblock`, a
 * blocked f stays blocked: only for selects that can never proceed.
 */
async function testBlock(signal: Signal, f: () => Promise<unknown>, unblock?: () => void): Promise<void> {
  const c = new Chan<string>(2);
  let decided = false;
  go(async () => {
    try {
      await f();
    } catch (err) {
      await c.send(`function panicked: ${String(err)}`);
      return;
    }
    await c.send(never); // f didn't block
  });
  go(async () => {
    // Go waits 10s before declaring "never blocks" wrong, and 10ms before "always blocks".
    const turns = signal === never ? 10 * TURNS : TURNS;
    for (let i = 0; i < turns && !decided; i++) await macrotaskTurns(1);
    await c.send(always); // f blocked always
  });
  const got = await c.recv();
  decided = true;
  if (got === always) unblock?.();
  if (got !== always || unblock !== undefined) await c.recv(); // the other task has ended too
  assert.equal(got, signal, `${signal} block`);
}

const nilch: Chan<number> | null = null;
const closedch = new Chan<number>();
closedch.close();
const async = 1; // asynchronous channels

test("select3: sending/receiving on a nil channel blocks", async () => {
  await testBlock(always, () => select(send(nilch, 7, () => unreachable())));
  await testBlock(always, () => select(recv(nilch, () => unreachable())));
});

test("select3: a nil channel inside a select with default is never selected", async () => {
  await testPanic(never, () =>
    select(
      send(nilch, 7, () => unreachable()),
      otherwise(() => {}),
    ),
  );
  await testPanic(never, () =>
    select(
      recv(nilch, () => unreachable()),
      otherwise(() => {}),
    ),
  );
});

test("select3: sending to an async channel with free buffer space never blocks", async () => {
  await testBlock(never, async () => {
    const ch = new Chan<number>(async);
    await ch.send(7);
  });
});

test("select3: receiving from a closed channel never blocks and yields zero, false", async () => {
  await testBlock(never, async () => {
    for (let i = 0; i < 10; i++) {
      assert.equal(await closedch.recv(), undefined, "expected zero value when reading from closed channel");
      const [x, ok] = await closedch.recvOk();
      assert.deepEqual([x, ok], [undefined, false], "expected 0, false from closed channel");
    }
  });
});

test("select3: sending to a closed channel panics", async () => {
  await testPanic(always, () => closedch.send(7), chanClosed("send on closed channel"));
});

test("select3: receiving from a non-ready channel always blocks", async () => {
  const ch = new Chan<number>();
  await testBlock(
    always,
    () => ch.recv(),
    () => ch.close(),
  );
});

test("select3: empty selects always block", async () => {
  await testBlock(always, () => select());
});

test("select3: selects with only nil channels always block", async () => {
  await testBlock(always, () => select(recv(nilch, () => unreachable())));
  await testBlock(always, () => select(send(nilch, 7, () => unreachable())));
  await testBlock(always, () =>
    select(
      recv(nilch, () => unreachable()),
      send(nilch, 7, () => unreachable()),
    ),
  );
});

test("select3: selects with non-ready non-nil channels always block", async () => {
  const ch = new Chan<number>();
  await testBlock(
    always,
    () => select(recv(ch, () => unreachable())),
    () => ch.close(),
  );
});

test("select3: selects with default cases don't block", async () => {
  await testBlock(never, () => select(otherwise(() => {})));
  await testBlock(never, () =>
    select(
      recv(nilch, () => unreachable()),
      otherwise(() => {}),
    ),
  );
  await testBlock(never, () =>
    select(
      send(nilch, 7, () => unreachable()),
      otherwise(() => {}),
    ),
  );
});

test("select3: selects with ready channels don't block", async () => {
  await testBlock(never, () => {
    const ch = new Chan<number>(async);
    return select(
      send(ch, 7, () => {}),
      otherwise(() => unreachable()),
    );
  });
  await testBlock(never, async () => {
    const ch = new Chan<number>(async);
    await ch.send(7);
    return select(
      recv(ch, () => {}),
      otherwise(() => unreachable()),
    );
  });
});

test("select3: selects with closed channels behave like ordinary operations", async () => {
  await testBlock(never, () => select(recv(closedch, () => {})));
  await testBlock(never, async () => {
    const x = await select(recv(closedch, (v) => v));
    assert.equal(x, undefined);
  });
  await testBlock(never, async () => {
    const [x, ok] = await select(recv(closedch, (v, ok): [number | undefined, boolean] => [v, ok]));
    assert.deepEqual([x, ok], [undefined, false]);
  });
  await testPanic(always, () => select(send(closedch, 7, () => {})), chanClosed("send on closed channel"));
});

test("select3: a select should not get confused if it sees itself", async () => {
  const c = new Chan<number>();
  await testBlock(
    always,
    () =>
      select(
        send(c, 1, () => {}),
        recv(c, () => {}),
      ),
    () => c.close(),
  );
});
