// Port of Go's test/chan/select8.go: leaving a select case early (Go's `break` inside a case) in
// 1-, 2- and 3-case selects, with and without default, while a task keeps sending on ch. Checks
// that the case chosen is the ready one and that code after the early exit never runs: with a
// sender blocked on ch, `<-ch` is ready (so default is not taken), and `ch <- 10` never is
// (nobody receives). Unlike Go's program, the sender is stopped at the end (the leak check).
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, otherwise, recv, select, send, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { unreachable } from "./helpers.js";

leakCheck();

test("select8: break out of 1-, 2- and 3-case selects", async () => {
  const ch = new Chan<number>();
  let stop = false;
  go(async () => {
    while (!stop) await ch.send(5);
  });

  let r = await select(
    recv(ch, (v) => {
      return `recv ${v}`; // Go: break; panic("unreachable")
    }),
  );
  assert.equal(r, "recv 5");

  r = await select(otherwise(() => "default"));
  assert.equal(r, "default");

  await yieldNow(); // let the sender block on ch again, so that the receive is ready
  r = await select(
    recv(ch, (v) => `recv ${v}`),
    otherwise(() => "default"),
  );
  assert.equal(r, "recv 5");

  await yieldNow();
  r = await select(
    recv(ch, (v) => `recv ${v}`),
    send(ch, 10, () => unreachable()),
    otherwise(() => "default"),
  );
  assert.equal(r, "recv 5");

  // Go's program exits with the sender blocked; here it is let go: one more receive, and it stops.
  await yieldNow(); // the sender is blocked on ch again
  stop = true;
  assert.equal(await ch.recv(), 5);
});
