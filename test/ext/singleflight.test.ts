// SingleFlight (x/sync/singleflight.Group): every rule, and ports of x/sync's
// singleflight_test.go (TestDo, TestDoErr, TestDoDupSuppress, TestForget, TestDoChan, TestPanicDo,
// TestPanicDoSharedByDoChan — a Go panic is a thrown error here, delivered to every caller).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Chan, go, SingleFlight, type SingleFlightResult, WaitGroup } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { gate, probe, settle } from "./helpers.js";

leakCheck();

describe("SingleFlight: one call per key", () => {
  test("concurrent callers of one key share one call; each gets the value and shared = true", async () => {
    const sf = new SingleFlight<string, string>();
    const g = gate();
    let calls = 0;
    const fn = async (): Promise<string> => {
      calls++;
      await g.promise;
      return "bar";
    };
    const ps = Array.from({ length: 10 }, () => sf.do("key", fn));
    await settle();
    assert.equal(calls, 1);
    assert.equal(sf.inFlight, 1);
    g.open();
    const rs = await Promise.all(ps);
    for (const r of rs) assert.deepEqual(r, { value: "bar", shared: true });
  });

  test("a caller alone gets shared = false", async () => {
    const sf = new SingleFlight<string, number>();
    assert.deepEqual(await sf.do("k", () => 1), { value: 1, shared: false });
  });

  test("different keys run independently", async () => {
    const sf = new SingleFlight<string, string>();
    const seen: string[] = [];
    const g = gate();
    const mk = (k: string) => async (): Promise<string> => {
      seen.push(k);
      await g.promise;
      return k.toUpperCase();
    };
    const a = sf.do("a", mk("a"));
    const b = sf.do("b", mk("b"));
    await settle();
    assert.deepEqual(seen, ["a", "b"]);
    assert.equal(sf.inFlight, 2);
    g.open();
    assert.deepEqual(await a, { value: "A", shared: false });
    assert.deepEqual(await b, { value: "B", shared: false });
  });

  test("keys may be any value, compared as Map keys (an object key is its identity)", async () => {
    const sf = new SingleFlight<object, number>();
    const k1 = {};
    const k2 = {};
    const g = gate();
    let calls = 0;
    const fn = async (): Promise<number> => {
      calls++;
      await g.promise;
      return calls;
    };
    const ps = [sf.do(k1, fn), sf.do(k1, fn), sf.do(k2, fn)];
    g.open();
    await Promise.all(ps);
    assert.equal(calls, 2);
  });

  test("the error is fanned out to every caller", async () => {
    const sf = new SingleFlight<string, number>();
    const boom = new Error("boom");
    const g = gate();
    let calls = 0;
    const fn = async (): Promise<number> => {
      calls++;
      await g.promise;
      throw boom;
    };
    const ps = Array.from({ length: 5 }, () => probe(sf.do("k", fn)));
    g.open();
    await settle();
    assert.equal(calls, 1);
    for (const p of ps) assert.equal(p.error, boom);
  });
});

describe("SingleFlight: the key is cleared when the call settles", () => {
  test("after a value: the next call runs fn again (SingleFlight is not Once)", async () => {
    const sf = new SingleFlight<string, number>();
    let calls = 0;
    const fn = async (): Promise<number> => ++calls;
    const first = await sf.do("k", fn);
    assert.equal(sf.inFlight, 0, "cleared by the time the caller resumes");
    const second = await sf.do("k", fn);
    assert.deepEqual([first.value, second.value], [1, 2]);
  });

  test("after a rejection: cleared, and the next call runs fn again", async () => {
    const sf = new SingleFlight<string, number>();
    let calls = 0;
    const fn = async (): Promise<number> => {
      calls++;
      if (calls === 1) throw new Error("first fails");
      return calls;
    };
    await assert.rejects(sf.do("k", fn), /first fails/);
    assert.equal(sf.inFlight, 0);
    assert.deepEqual(await sf.do("k", fn), { value: 2, shared: false });
  });

  test("after a synchronous throw: do rejects (never throws), the key is cleared", async () => {
    const sf = new SingleFlight<string, number>();
    const boom = new Error("sync boom");
    let p: Promise<unknown> | undefined;
    assert.doesNotThrow(() => {
      p = sf.do("k", () => {
        throw boom;
      });
    });
    await assert.rejects(p as Promise<unknown>, (e) => e === boom);
    assert.equal(sf.inFlight, 0);
    assert.deepEqual(await sf.do("k", () => 7), { value: 7, shared: false });
  });

  test("a synchronous value is delivered like an asynchronous one", async () => {
    const sf = new SingleFlight<string, string>();
    assert.deepEqual(await sf.do("k", () => "sync"), { value: "sync", shared: false });
    assert.equal(sf.inFlight, 0);
  });

  test("fn that is not a function: do() rejects with a TypeError (.catch sees it), doChan throws", async () => {
    const sf = new SingleFlight<string, number>();
    const e = await sf.do("k", 42 as unknown as () => number).catch((err: unknown) => err);
    assert.ok(e instanceof TypeError && /\bfn\b/.test(e.message));
    assert.equal(sf.inFlight, 0, "no flight was started");
    assert.throws(() => sf.doChan("k", 42 as unknown as () => number), TypeError);
  });
});

describe("SingleFlight: forget and doChan", () => {
  test("forget(key): the next call starts a new flight; the old one goes on and its callers keep it", async () => {
    const sf = new SingleFlight<string, number>();
    const g1 = gate();
    const g2 = gate();
    const first = probe(
      sf.do("k", async () => {
        await g1.promise;
        return 1;
      }),
    );
    const joined = probe(sf.do("k", () => -1));
    sf.forget("k");
    assert.equal(sf.inFlight, 0);
    const second = probe(
      sf.do("k", async () => {
        await g2.promise;
        return 2;
      }),
    );
    g1.open();
    await settle();
    assert.deepEqual(first.value, { value: 1, shared: true });
    assert.deepEqual(joined.value, { value: 1, shared: true });
    assert.equal(second.pending, true);
    assert.equal(sf.inFlight, 1, "the settled old flight did not clear the new one");
    g2.open();
    await settle();
    assert.deepEqual(second.value, { value: 2, shared: false });
    assert.equal(sf.inFlight, 0);
  });

  test("forget of an unknown key is a no-op", () => {
    const sf = new SingleFlight<string, number>();
    sf.forget("nothing");
    assert.equal(sf.inFlight, 0);
  });

  test("doChan delivers {value, shared} on a channel of capacity 1", async () => {
    const sf = new SingleFlight<string, string>();
    const ch = sf.doChan("k", async () => "bar");
    assert.equal(ch.cap, 1);
    const r = await ch.recv();
    assert.deepEqual(r, { value: "bar", shared: false });
  });

  test("doChan starts fn in a new task and returns first, the flight already registered (Go's `go g.doCall`)", async () => {
    const sf = new SingleFlight<string, number>();
    const order: string[] = [];
    const ch = sf.doChan("k", () => {
      order.push("fn");
      return 1;
    });
    order.push("doChan returned");
    assert.deepEqual(order, ["doChan returned"], "fn must not run inside doChan");
    assert.equal(sf.inFlight, 1, "the key is in flight at once");
    const joined = sf.do("k", () => 2);
    assert.deepEqual(await ch.recv(), { value: 1, shared: true });
    assert.deepEqual(await joined, { value: 1, shared: true });
    assert.deepEqual(order, ["doChan returned", "fn"]);
  });

  test("doChan delivers an error as {error, shared}", async () => {
    const sf = new SingleFlight<string, string>();
    const boom = new Error("boom");
    const ch = sf.doChan("k", () => {
      throw boom;
    });
    const r = (await ch.recv()) as SingleFlightResult<string>;
    assert.equal(r.error, boom);
    assert.equal(r.value, undefined);
    assert.equal(r.shared, false);
  });

  test("do and doChan callers of one key share one call", async () => {
    const sf = new SingleFlight<string, number>();
    const g = gate();
    let calls = 0;
    const fn = async (): Promise<number> => {
      calls++;
      await g.promise;
      return 42;
    };
    const ch1 = sf.doChan("k", fn);
    const p = sf.do("k", fn);
    const ch2 = sf.doChan("k", fn);
    g.open();
    assert.deepEqual(await ch1.recv(), { value: 42, shared: true });
    assert.deepEqual(await p, { value: 42, shared: true });
    assert.deepEqual(await ch2.recv(), { value: 42, shared: true });
    assert.equal(calls, 1);
  });
});

describe("x/sync singleflight_test.go", () => {
  test("TestDo", async () => {
    const sf = new SingleFlight<string, string>();
    const { value } = await sf.do("key", () => "bar");
    assert.equal(value, "bar");
    assert.equal(typeof value, "string");
  });

  test("TestDoErr", async () => {
    const sf = new SingleFlight<string, string>();
    const someErr = new Error("Some error");
    await assert.rejects(
      sf.do("key", async () => {
        throw someErr;
      }),
      (e) => e === someErr,
    );
  });

  test("TestDoDupSuppress: 10 concurrent callers, fn called more than 0 and fewer than 10 times", async () => {
    const sf = new SingleFlight<string, string>();
    const wg1 = new WaitGroup();
    const wg2 = new WaitGroup();
    const c = new Chan<string>(1);
    let calls = 0;
    const fn = async (): Promise<string> => {
      if (++calls === 1) wg1.done(); // first invocation
      const v = (await c.recv()) as string;
      await c.send(v); // pump; make available for any future calls
      await settle(2); // let more tasks enter do
      return v;
    };
    const n = 10;
    const got: string[] = [];
    wg1.add(1);
    for (let i = 0; i < n; i++) {
      wg1.add(1);
      wg2.add(1);
      go(async () => {
        wg1.done();
        const { value } = await sf.do("key", fn);
        got.push(value);
        wg2.done();
      });
    }
    await wg1.wait();
    // At least one task is in fn now and all of them have at least reached the line before do.
    await c.send("bar");
    await wg2.wait();
    assert.ok(calls > 0 && calls < n, `number of calls = ${calls}; want over 0 and less than ${n}`);
    assert.deepEqual(got, new Array(n).fill("bar"));
  });

  test("TestForget (golang/go#31420)", async () => {
    const sf = new SingleFlight<string, number | undefined>();
    const firstStarted = new Chan<void>();
    const unblockFirst = new Chan<void>();
    const firstFinished = new Chan<void>();
    go(async () => {
      await sf.do("key", async () => {
        firstStarted.close();
        await unblockFirst.recv();
        firstFinished.close();
        return undefined;
      });
    });
    await firstStarted.recv();
    sf.forget("key");
    const unblockSecond = new Chan<void>();
    const secondResult = sf.doChan("key", async () => {
      await unblockSecond.recv();
      return 2;
    });
    unblockFirst.close();
    await firstFinished.recv();
    const thirdResult = sf.doChan("key", () => 3);
    unblockSecond.close();
    await secondResult.recv();
    const r = await thirdResult.recv();
    assert.equal(r?.value, 2, "we should receive the result produced by the second call");
  });

  test("TestDoChan", async () => {
    const sf = new SingleFlight<string, string>();
    const ch = sf.doChan("key", () => "bar");
    const res = await ch.recv();
    assert.equal(res?.value, "bar");
    assert.equal(res?.error, undefined);
  });

  test("TestPanicDo (golang/go#41133): 5 callers of a throwing fn all get its error; nothing hangs", async () => {
    const sf = new SingleFlight<string, number>();
    const fn = (): number => {
      throw new Error("invalid memory address or nil pointer dereference");
    };
    const n = 5;
    let panics = 0;
    const wg = new WaitGroup();
    for (let i = 0; i < n; i++) {
      wg.go(async () => {
        try {
          await sf.do("key", fn);
        } catch {
          panics++;
        }
      });
    }
    await wg.wait();
    assert.equal(panics, n);
    assert.equal(sf.inFlight, 0);
  });

  test("TestPanicDoChan: a throwing fn is delivered on the channel as an error (Go crashes)", async () => {
    const sf = new SingleFlight<string, number>();
    const ch = sf.doChan("", () => {
      throw new Error("Panicking in DoChan");
    });
    const r = await ch.recv();
    assert.match(String(r?.error), /Panicking in DoChan/);
  });

  test("TestPanicDoSharedByDoChan: a doChan caller joining a throwing do gets its error, not its own fn", async () => {
    const sf = new SingleFlight<string, number>();
    const blocked = new Chan<void>();
    const unblock = new Chan<void>();
    const first = probe(
      sf.do("", async () => {
        blocked.close();
        await unblock.recv();
        throw new Error("Panicking in Do");
      }),
    );
    await blocked.recv();
    let ownCalled = false;
    const ch = sf.doChan("", () => {
      ownCalled = true;
      return 0;
    });
    unblock.close();
    const r = await ch.recv();
    assert.equal(ownCalled, false, "DoChan unexpectedly executed callback");
    assert.match(String(r?.error), /Panicking in Do/);
    assert.equal(r?.shared, true);
    await settle();
    assert.match(String(first.error), /Panicking in Do/);
  });
});
