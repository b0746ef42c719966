// Port of Go's test/chan/select6.go (golang/go#2075): a select must not corrupt the wait queues of
// its losing cases. c1 gets a plain receiver, then a select waits on c1 and c2; c2 fires, so the
// select must leave c1's queue intact (the plain receiver still first); the select's task then
// receives on c1 again. Both `c1 <- true` sends must find a receiver, so the program finishes.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, recv, select } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { macrotaskTurns } from "./helpers.js";

leakCheck();

test("select6: a select's losing case leaves the other waiters on that channel intact", async () => {
  const c1 = new Chan<boolean>();
  const c2 = new Chan<boolean>();
  const c3 = new Chan<boolean>();
  const received: string[] = [];
  go(async () => {
    await c1.recv();
    received.push("plain receiver");
  });
  go(async () => {
    await select(
      recv(c1, () => {
        throw new Error("dummy");
      }),
      recv(c2, () => {}),
    );
    await c3.send(true);
    await c1.recv();
    received.push("select task");
  });
  go(async () => {
    await c2.send(true);
  });
  await c3.recv();
  await c1.send(true);
  await c1.send(true);
  // Both sends completed, so each was taken by a receiver (an unbuffered send needs one).
  await macrotaskTurns(1);
  assert.deepEqual(received.sort(), ["plain receiver", "select task"]);
});
