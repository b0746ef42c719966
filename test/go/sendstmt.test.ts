// Port of Go's test/chan/sendstmt.go: send-statement forms.
// chanchan: `case <-cc <- 2` sends 2 on the channel received from cc; the channel operand is
// evaluated (here: received) once, on entry to the select, and the send proceeds without blocking
// because that channel has buffer space. sendprec: `c <- false || true` sends true.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, otherwise, select, send } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { unreachable } from "./helpers.js";

leakCheck();

test("sendstmt: chanchan (send on a channel received from a channel)", async () => {
  const cc = new Chan<Chan<number>>(1);
  const c = new Chan<number>(1);
  await cc.send(c);
  await select(
    send((await cc.recv()) ?? null, 2, () => {}),
    otherwise(() => unreachable("nonblock")),
  );
  assert.equal(await c.recv(), 2, "bad receive");
});

test("sendstmt: sendprec (the whole expression is sent)", async () => {
  const c = new Chan<boolean>(1);
  const f = false;
  await c.send(f || true);
  assert.equal(await c.recv(), true, "sent false");
});
