// Port of Go's test/chan/fifo.go: channels are pure FIFOs.
// AsynchFifo: a buffered channel hands back values in the order they were sent.
// SynchFifo: a daisy chain of tasks, each waiting for its turn, receives from one unbuffered
// channel in sequence; task i must receive exactly the i-th value sent.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

const N = 10;

test("fifo: AsynchFifo (buffered channel keeps send order)", async () => {
  const ch = new Chan<number>(N);
  for (let i = 0; i < N; i++) await ch.send(i);
  for (let i = 0; i < N; i++) {
    assert.equal(await ch.recv(), i, "bad receive");
  }
});

test("fifo: SynchFifo (daisy chain of receivers on an unbuffered channel)", async () => {
  const got: Array<[val: number, received: number | undefined]> = [];

  async function chain(ch: Chan<number>, val: number, inp: Chan<number>, out: Chan<number>): Promise<void> {
    await inp.recv();
    got.push([val, await ch.recv()]);
    await out.send(1);
  }

  const ch = new Chan<number>();
  let inp = new Chan<number>();
  const start = inp;
  for (let i = 0; i < N; i++) {
    const out = new Chan<number>();
    go(chain, ch, i, inp, out);
    inp = out;
  }
  await start.send(0);
  for (let i = 0; i < N; i++) await ch.send(i);
  await inp.recv();

  assert.equal(got.length, N);
  for (const [val, received] of got) assert.equal(received, val, `chain ${val} received ${received}`);
});
