// Port of Go's test/chan/zerosize.go: channels of zero-sized element types ([0]byte, struct{}),
// unbuffered and buffered, can be made. Beyond Go's program (which only makes them), a value is
// passed through each so that the channels are also usable.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

type Empty = Record<string, never>; // struct{}
type ZeroArray = []; // [0]byte

test("zerosize: channels of zero-sized types", async () => {
  const a = new Chan<ZeroArray>();
  const b = new Chan<ZeroArray>(1);
  const c = new Chan<Empty>();
  const d = new Chan<Empty>(1);
  assert.equal(a.cap, 0);
  assert.equal(b.cap, 1);
  assert.equal(c.cap, 0);
  assert.equal(d.cap, 1);

  go(() => a.send([]));
  assert.deepEqual(await a.recv(), []);
  await b.send([]);
  assert.deepEqual(await b.recvOk(), [[], true]);
  go(() => c.send({}));
  assert.deepEqual(await c.recv(), {});
  await d.send({});
  assert.equal(d.length, 1);
  assert.deepEqual(await d.recv(), {});
});
