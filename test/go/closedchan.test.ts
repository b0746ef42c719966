// Port of Go's test/closedchan.go (it lives in test/, next to test/chan/): close(c) and receives
// from a closed channel, through three spellings of every operation — direct channel operations
// (XChan; Go's select-with-default is gosync's trySend / tryRecv), one-case selects (SChan) and
// selects with an extra never-ready case (SSChan).
// Checked, for an unbuffered closed channel and for a buffered one closed while holding one value:
//  - the buffered value is still received first, by every kind of receive;
//  - then every receive (blocking or not) completes at once with the zero value (undefined) and
//    ok == false — a non-blocking receive counts as "selected";
//  - a send, blocking or not, panics with "send on closed channel" and the value is discarded
//    (later receives still yield zero values);
//  - closing a closed channel panics with "close of closed channel".
// How the panic surfaces in gosync: trySend and close throw synchronously; send and select
// return a promise that rejects (checked explicitly below). Go's close(nil) has no TypeScript
// counterpart (there is no nil channel object) and is left out.
// Beyond Go's program (its own TODO): close with blocked receivers, senders and selects.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, otherwise, recv, select, send } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { assertCompletes, chanClosed, macrotaskTurns } from "./helpers.js";

leakCheck();

type Nb<T> = [value: T | undefined, selected: boolean];
type Nb2<T> = [value: T | undefined, ok: boolean, selected: boolean];

/** Go's Chan interface of the program; operations that can block return promises. */
interface TestChan {
  send(x: number): Promise<void>;
  nbsend(x: number): boolean | Promise<boolean>;
  recv(): Promise<number | undefined>;
  nbrecv(): Nb<number> | Promise<Nb<number>>;
  recv2(): Promise<[number | undefined, boolean]>;
  nbrecv2(): Nb2<number> | Promise<Nb2<number>>;
  close(): void;
  impl: string;
}

// direct channel operations when possible
function xchan(c: Chan<number>): TestChan {
  return {
    send: (x) => c.send(x),
    nbsend: (x) => c.trySend(x),
    recv: () => c.recv(),
    nbrecv: () => {
      const r = c.tryRecv();
      return r === undefined ? [undefined, false] : [r[0], true];
    },
    recv2: () => c.recvOk(),
    nbrecv2: () => {
      const r = c.tryRecv();
      return r === undefined ? [undefined, false, false] : [r[0], r[1], true];
    },
    close: () => c.close(),
    impl: "(<- operator)",
  };
}

// indirect operations via select
function schan(c: Chan<number>): TestChan {
  return {
    send: (x) => select(send(c, x, () => {})),
    nbsend: (x) =>
      select(
        otherwise(() => false),
        send(c, x, () => true),
      ),
    recv: () => select(recv(c, (x) => x)),
    nbrecv: () =>
      select(
        otherwise((): Nb<number> => [undefined, false]),
        recv(c, (x): Nb<number> => [x, true]),
      ),
    recv2: () => select(recv(c, (x, ok): [number | undefined, boolean] => [x, ok])),
    nbrecv2: () =>
      select(
        otherwise((): Nb2<number> => [undefined, false, false]),
        recv(c, (x, ok): Nb2<number> => [x, ok, true]),
      ),
    close: () => c.close(),
    impl: "(select)",
  };
}

// indirect operations via larger selects
const dummy = new Chan<boolean>();
const dummyFired = (): never => {
  throw new Error("dummy case chosen");
};

function sschan(c: Chan<number>): TestChan {
  return {
    send: (x) =>
      select(
        send(c, x, () => {}),
        recv(dummy, dummyFired),
      ),
    nbsend: (x) =>
      select(
        otherwise(() => false),
        recv(dummy, dummyFired),
        send(c, x, () => true),
      ),
    recv: () =>
      select(
        recv(dummy, dummyFired),
        recv(c, (x) => x),
      ),
    nbrecv: () =>
      select(
        recv(dummy, dummyFired),
        otherwise((): Nb<number> => [undefined, false]),
        recv(c, (x): Nb<number> => [x, true]),
      ),
    recv2: () =>
      select(
        recv(dummy, dummyFired),
        recv(c, (x, ok): [number | undefined, boolean] => [x, ok]),
      ),
    nbrecv2: () =>
      select(
        recv(dummy, dummyFired),
        otherwise((): Nb2<number> => [undefined, false, false]),
        recv(c, (x, ok): Nb2<number> => [x, ok, true]),
      ),
    close: () => c.close(),
    impl: "(select)",
  };
}

/** Go's shouldPanic: f must panic (throw synchronously or reject) with `send on closed channel`. */
async function shouldPanicSend(f: () => unknown, what: string): Promise<void> {
  let err: unknown;
  let panicked = false;
  try {
    await f();
  } catch (e) {
    panicked = true;
    err = e;
  }
  assert.ok(panicked, `${what}: did not panic`);
  chanClosed("send on closed channel")(err);
}

// Every receive on a closed, drained channel must complete at once: blocking would be a failure,
// so each awaited receive is bounded by a few macrotask turns.
const now = <T>(p: T | Promise<T>, what: string): Promise<T> => assertCompletes(Promise.resolve(p), what);

async function test1(c: TestChan): Promise<void> {
  for (let i = 0; i < 3; i++) {
    // recv a close signal (a zero value)
    assert.equal(await now(c.recv(), "recv"), undefined, `test1: recv on closed ${c.impl}`);
    assert.deepEqual(await now(c.recv2(), "recv2"), [undefined, false], `test1: recv2 on closed ${c.impl}`);
    // should work with select: received a value without blocking, so selected == true.
    assert.deepEqual(
      await now(c.nbrecv(), "nbrecv"),
      [undefined, true],
      `test1: recv on closed nb ${c.impl}`,
    );
    assert.deepEqual(
      await now(c.nbrecv2(), "nbrecv2"),
      [undefined, false, true],
      `test1: recv2 on closed nb ${c.impl}`,
    );
  }

  // a non-blocking send panics
  await shouldPanicSend(() => c.nbsend(1), `test1: nbsend ${c.impl}`);
  // the value should have been discarded.
  assert.equal(
    await now(c.recv(), "recv"),
    undefined,
    `test1: recv on closed got non-zero after send ${c.impl}`,
  );

  // similarly send.
  await shouldPanicSend(() => c.send(2), `test1: send ${c.impl}`);
  assert.equal(
    await now(c.recv(), "recv"),
    undefined,
    `test1: recv on closed got non-zero after send ${c.impl}`,
  );
}

async function testasync1(c: TestChan): Promise<void> {
  // should be able to get the last value via recv
  assert.equal(await now(c.recv(), "recv"), 1, `testasync1: recv did not get 1 ${c.impl}`);
  await test1(c);
}

async function testasync2(c: TestChan): Promise<void> {
  // should be able to get the last value via recv2
  assert.deepEqual(
    await now(c.recv2(), "recv2"),
    [1, true],
    `testasync2: recv2 did not get 1, true ${c.impl}`,
  );
  await test1(c);
}

async function testasync3(c: TestChan): Promise<void> {
  // should be able to get the last value via nbrecv
  assert.deepEqual(
    await now(c.nbrecv(), "nbrecv"),
    [1, true],
    `testasync3: nbrecv did not get 1, true ${c.impl}`,
  );
  await test1(c);
}

async function testasync4(c: TestChan): Promise<void> {
  // should be able to get the last value via nbrecv2
  assert.deepEqual(
    await now(c.nbrecv2(), "nbrecv2"),
    [1, true, true],
    `testasync4: nbrecv2 did not get 1, true, true ${c.impl}`,
  );
  await test1(c);
}

function closedsync(): Chan<number> {
  const c = new Chan<number>();
  c.close();
  return c;
}

async function closedasync(): Promise<Chan<number>> {
  const c = new Chan<number>(2);
  await c.send(1);
  c.close();
  return c;
}

const mks: Array<[string, (c: Chan<number>) => TestChan]> = [
  ["XChan", xchan],
  ["SChan", schan],
  ["SSChan", sschan],
];
const testcloseds: Array<[string, (c: TestChan) => Promise<void>]> = [
  ["testasync1", testasync1],
  ["testasync2", testasync2],
  ["testasync3", testasync3],
  ["testasync4", testasync4],
];

for (const [name, mk] of mks) {
  test(`closedchan: test1 on a closed unbuffered channel, ${name}`, async () => {
    await test1(mk(closedsync()));
  });
}

for (const [tname, testclosed] of testcloseds) {
  for (const [name, mk] of mks) {
    test(`closedchan: ${tname} on a closed buffered channel holding 1, ${name}`, async () => {
      await testclosed(mk(await closedasync()));
    });
  }
}

test("closedchan: closing a closed channel panics", () => {
  const ch = new Chan<number>();
  ch.close();
  assert.throws(() => ch.close(), chanClosed("close of closed channel"));
  const buffered = new Chan<number>(1);
  buffered.close();
  assert.throws(() => buffered.close(), chanClosed("close of closed channel"));
});

test("closedchan: how the send panic surfaces (sync throw vs rejection)", async () => {
  for (const c of [closedsync(), await closedasync()]) {
    // trySend is synchronous, so it throws.
    assert.throws(() => c.trySend(1), chanClosed("send on closed channel"));
    // send and select return promises, so they reject (and do not throw synchronously).
    let sendResult: Promise<void> | undefined;
    assert.doesNotThrow(() => {
      sendResult = c.send(2);
    });
    await assert.rejects(sendResult!, chanClosed("send on closed channel"));
    let selectResult: Promise<boolean> | undefined;
    assert.doesNotThrow(() => {
      selectResult = select(
        send(c, 3, () => true),
        otherwise(() => false),
      );
    });
    await assert.rejects(selectResult!, chanClosed("send on closed channel"));
  }
});

// Beyond Go's program (its TODO: "doesn't check behavior of close(c) when there are blocked
// senders/receivers"), by Go's semantics: close wakes every blocked receiver with the zero value
// and ok == false, and makes every blocked sender panic; buffered values stay receivable.
test("closedchan: close wakes blocked receivers (zero, false) and blocked selects", async () => {
  const c = new Chan<number>();
  const plain = c.recvOk();
  const viaSelect = select(recv(c, (x, ok): [number | undefined, boolean] => [x, ok]));
  const viaBigSelect = select(
    recv(dummy, dummyFired),
    recv(c, (x, ok): [number | undefined, boolean] => [x, ok]),
  );
  await macrotaskTurns(1);
  c.close();
  assert.deepEqual(await now(plain, "recvOk"), [undefined, false]);
  assert.deepEqual(await now(viaSelect, "select recv"), [undefined, false]);
  assert.deepEqual(await now(viaBigSelect, "select recv with dummy"), [undefined, false]);
});

test("closedchan: close makes blocked senders panic and keeps buffered values", async () => {
  const c = new Chan<number>(1);
  await c.send(1);
  const plain = c.send(2);
  const viaSelect = select(
    recv(dummy, dummyFired),
    send(c, 3, () => "sent"),
  );
  // Attach the expectations before close so that no rejection goes unhandled.
  const plainDone = assert.rejects(plain, chanClosed("send on closed channel"));
  const selectDone = assert.rejects(viaSelect, chanClosed("send on closed channel"));
  await macrotaskTurns(1);
  c.close();
  await now(plainDone, "blocked send");
  await now(selectDone, "blocked select send");
  assert.deepEqual(c.tryRecv(), [1, true]);
  assert.deepEqual(c.tryRecv(), [undefined, false]);
});
