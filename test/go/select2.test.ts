// Port of Go's test/chan/select2.go: selects must not consume undue memory.
// A receiver runs many two-case selects (`case <-c` / `case <-dummy`); only c ever becomes ready.
// Go measures heap growth across a second batch of 100,000 selects. Here the same leak is
// observed directly: after every batch (and in the middle of one) no waiter of a finished select
// may be left queued on `dummy` (the losing case) or on `c`, so the queues do not grow with the
// number of selects. The dummy case must never be chosen. Go's free-running sender rarely lets
// the select park, so a second test makes every select park before it wins.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, recv, select } from "../../src/index.js";
import { waitingReceivers, waitingSenders } from "../../src/internal/introspect.js";
import { leakCheck } from "../../src/testing/index.js";
import { macrotaskTurns } from "./helpers.js";

leakCheck();

const n = 20_000; // Go: 100000 per batch

async function sender(c: Chan<number>, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await c.send(1);
}

// A sender that sends only once the receiver's select is parked on c (and so also on dummy):
// every select then blocks first and wins on c afterwards, the path where a leak would show.
// The wait is a bounded spin over microtasks, so a select that never parks fails, never hangs.
async function parkedSender(
  c: Chan<number>,
  dummy: Chan<number>,
  count: number,
  failures: string[],
): Promise<void> {
  for (let i = 0; i < count; i++) {
    for (let spins = 0; waitingReceivers(c) === 0; spins++) {
      if (spins > 1000) {
        failures.push(`select ${i} never parked on c`);
        c.close(); // let the receiver finish
        return;
      }
      await Promise.resolve();
    }
    const onDummy = waitingReceivers(dummy);
    if (onDummy !== 1 && failures.length < 10)
      failures.push(`select ${i} parked: ${onDummy} waiters on dummy, want 1`);
    await c.send(1);
  }
}

async function receiver(c: Chan<number>, dummy: Chan<number>, count: number, maxQueued: number[]) {
  for (let i = 0; i < count; i++) {
    await select(
      recv(c, () => {}),
      recv(dummy, () => {
        throw new Error("dummy");
      }),
    );
    // This task's select is over; only selects still blocked may be queued (none here).
    maxQueued[0] = Math.max(maxQueued[0] ?? 0, waitingReceivers(dummy));
  }
}

test("select2: losing select cases leave no waiter queued", async () => {
  const c = new Chan<number>();
  const dummy = new Chan<number>();
  const maxQueued = [0];

  // warm up
  go(sender, c, n);
  await receiver(c, dummy, n, maxQueued);
  assert.equal(waitingReceivers(dummy), 0, "waiters left on dummy after first batch");
  assert.equal(waitingReceivers(c), 0);
  assert.equal(waitingSenders(c), 0);

  // second time shouldn't grow anything
  go(sender, c, n);
  await receiver(c, dummy, n, maxQueued);
  assert.equal(waitingReceivers(dummy), 0, "waiters left on dummy after second batch");
  assert.equal(waitingReceivers(c), 0);
  assert.equal(waitingSenders(c), 0);
  assert.equal(maxQueued[0], 0, "a finished select stayed queued on dummy");
});

test("select2: selects that park and then win leave no waiter queued", async () => {
  const c = new Chan<number>();
  const dummy = new Chan<number>();
  const maxQueued = [0];
  const failures: string[] = [];
  go(parkedSender, c, dummy, n, failures);
  await receiver(c, dummy, n, maxQueued);
  assert.deepEqual(failures, []);
  assert.equal(maxQueued[0], 0, "a finished select stayed queued on dummy");
  assert.equal(waitingReceivers(dummy), 0, "waiters left on dummy");
  assert.equal(waitingReceivers(c), 0);
  assert.equal(waitingSenders(c), 0);
});

test("select2: the losing case is dequeued while other waiters stay queued", async () => {
  // The same property with other waiters around: a blocked select that wins on c must take
  // itself off dummy, leaving a plain receiver on dummy alone.
  const c = new Chan<number>();
  const dummy = new Chan<number>();
  let plainGot: number | undefined;
  go(async () => {
    plainGot = await dummy.recv();
  });
  const selecting = select(
    recv(c, (v) => v),
    recv(dummy, () => -1),
  );
  await macrotaskTurns(1);
  assert.equal(waitingReceivers(dummy), 2, "plain receiver and the select wait on dummy");
  assert.equal(waitingReceivers(c), 1);
  await c.send(7);
  assert.equal(await selecting, 7);
  assert.equal(waitingReceivers(dummy), 1, "only the plain receiver remains on dummy");
  assert.equal(waitingReceivers(c), 0);
  await dummy.send(9);
  await macrotaskTurns(1);
  assert.equal(plainGot, 9);
  assert.equal(waitingReceivers(dummy), 0);
});
