// Port of Go's test/chan/nonblock.go: non-blocking channel operations (select with default).
// For unbuffered and 1-buffered channels of several element types (Go's int32, int64, bool and
// string become number, bigint, boolean and string):
//  - a non-blocking receive from an empty channel takes the default;
//  - a non-blocking send eventually succeeds once a receiver task is waiting (or buffer is free),
//    retrying after yielding (Go: ticker + runtime.Gosched; here only yieldNow, no wall clock);
//  - a non-blocking receive eventually gets the value a sender task sends;
//  - the values arrive intact.
// The program runs twice: once with select + otherwise (Go's spelling) and once with
// trySend / tryRecv (gosync's shorthand for the same selects).
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go, otherwise, recv, select, send, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

const maxTries = 10_000;

async function sleep(): Promise<void> {
  // Go: <-ticker; <-ticker; runtime.Gosched() x3. The ticker only adds wall-clock delay.
  await yieldNow();
  await yieldNow();
  await yieldNow();
}

interface NonBlocking {
  name: string;
  nbsend<T>(c: Chan<T>, v: T): Promise<boolean>;
  nbrecv<T>(c: Chan<T>): Promise<[T | undefined, boolean]>;
}

const viaSelect: NonBlocking = {
  name: "select + otherwise",
  nbsend: <T>(c: Chan<T>, v: T) =>
    select(
      send(c, v, () => true),
      otherwise(() => false),
    ),
  nbrecv: <T>(c: Chan<T>) =>
    select(
      recv(c, (x): [T | undefined, boolean] => [x, true]),
      otherwise((): [T | undefined, boolean] => [undefined, false]),
    ),
};

const viaTry: NonBlocking = {
  name: "trySend / tryRecv",
  nbsend: async <T>(c: Chan<T>, v: T) => c.trySend(v),
  nbrecv: async <T>(c: Chan<T>): Promise<[T | undefined, boolean]> => {
    const r = c.tryRecv();
    return r === undefined ? [undefined, false] : [r[0], true];
  },
};

async function exercise<T>(
  nb: NonBlocking,
  label: string,
  buffer: number,
  c: Chan<T>,
  toReceiver: T,
  fromSender: T,
  failures: string[],
): Promise<void> {
  const sync = new Chan<boolean>();

  // A receive from an empty channel never proceeds.
  const [, got] = await nb.nbrecv(c);
  assert.equal(got, false, `blocked ${label}sender`);

  // receiver task: <-c must be toReceiver
  go(async () => {
    const v = await c.recv();
    if (v !== toReceiver) failures.push(`${label} value: receiver got ${String(v)}`);
    await sync.send(true);
  });
  let tries = 0;
  while (!(await nb.nbsend(c, toReceiver))) {
    tries++;
    assert.ok(tries <= maxTries, `${label}receiver buffer=${buffer}: send never proceeded`);
    await sleep();
  }
  await sync.recv();

  // sender task: c <- fromSender
  go(async () => {
    await c.send(fromSender);
    await sync.send(true);
  });
  if (buffer > 0) await sync.recv();
  tries = 0;
  for (;;) {
    const [v, ok] = await nb.nbrecv(c);
    if (ok) {
      assert.equal(v, fromSender, `${label}sender value`);
      break;
    }
    tries++;
    assert.ok(tries <= maxTries, `${label}sender buffer=${buffer}: receive never proceeded`);
    await sleep();
  }
  if (buffer === 0) await sync.recv();
}

for (const nb of [viaSelect, viaTry]) {
  test(`nonblock: non-blocking send/receive (${nb.name})`, async () => {
    const failures: string[] = [];
    for (let buffer = 0; buffer < 2; buffer++) {
      await exercise(nb, "i32", buffer, new Chan<number>(buffer), 123, 234, failures);
      await exercise(nb, "i64", buffer, new Chan<bigint>(buffer), 123456n, 234567n, failures);
      await exercise(nb, "b", buffer, new Chan<boolean>(buffer), true, true, failures);
      await exercise(nb, "s", buffer, new Chan<string>(buffer), "hello", "hello again", failures);
    }
    assert.deepEqual(failures, []);
  });
}
