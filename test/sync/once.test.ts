// Once and RetryOnce: every rule (concurrent callers wait for the async fn; a throwing fn
// counts as done and only its caller sees the error; a nested do from inside fn throws instead of
// deadlocking; `done`) and the lesson's programs and extensions (Go 并发编程实战课 lesson 08).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { GoSyncError, Mutex, Once, RetryOnce, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, settle } from "./helpers.js";

leakCheck();

const NESTED = { name: "GoSyncError", message: "sync: Once.do called from inside its own function" };

describe("Once: runs fn exactly once", () => {
  test("only the first do() calls its function, even if later ones pass another (the lesson's f1/f2)", async () => {
    const once = new Once();
    const out: string[] = [];
    await once.do(() => {
      out.push("in f1");
    });
    await once.do(() => {
      out.push("in f2");
    });
    assert.deepEqual(out, ["in f1"]);
  });

  test("a synchronous fn runs within the do() call, and do() resolves", async () => {
    const once = new Once();
    let ran = false;
    const p = once.do(() => {
      ran = true;
    });
    assert.equal(ran, true, "fn ran before do() returned");
    assert.equal(once.done, true);
    assert.equal(await p, undefined);
  });

  test("the lesson's threeOnce: a lazily initialised value built once for every caller", async () => {
    let built = 0;
    const threeOnce = { once: new Once(), v: null as { value: number } | null };
    const three = async (): Promise<{ value: number }> => {
      await threeOnce.once.do(() => {
        built++;
        threeOnce.v = { value: 3.0 };
      });
      return threeOnce.v as { value: number };
    };
    const vs = await Promise.all([three(), three(), three()]);
    assert.equal(built, 1);
    assert.ok(vs.every((v) => v === vs[0] && v.value === 3));
  });
});

describe("Once: concurrent callers and async functions", () => {
  test("every caller waits for the async fn to settle; none settles before it", async () => {
    const once = new Once();
    const gate = new Mutex();
    await gate.lock();
    const events: string[] = [];
    let calls = 0;
    const init = async (): Promise<void> => {
      calls++;
      await gate.lock(); // a slow initialisation
      gate.unlock();
      events.push("fn settled");
    };
    const callers = Array.from({ length: 5 }, (_, i) =>
      probe(once.do(init).then(() => events.push(`caller ${i}`))),
    );
    await settle();
    assert.equal(calls, 1);
    assert.ok(
      callers.every((c) => c.pending),
      "all callers still wait",
    );
    assert.equal(once.done, false, "not done while fn runs (the lesson's Done: running counts as not done)");
    gate.unlock();
    await settle();
    assert.ok(callers.every((c) => c.fulfilled));
    assert.equal(events[0], "fn settled", "fn settled before any caller's promise");
    assert.equal(events.length, 6);
    assert.equal(once.done, true);
  });

  test("a caller arriving while fn runs does not call its own fn", async () => {
    const once = new Once();
    let second = false;
    const first = once.do(async () => {
      await yieldNow();
    });
    const late = once.do(() => {
      second = true;
    });
    await Promise.all([first, late]);
    assert.equal(second, false);
  });
});

describe("Once: a failing fn still counts as done", () => {
  test("a synchronous throw: the first caller gets the error, later calls do nothing (Go's TestOncePanic)", async () => {
    const once = new Once();
    const failed = new Error("failed");
    await assert.rejects(
      once.do(() => {
        throw failed;
      }),
      (e) => e === failed,
    );
    assert.equal(once.done, true);
    let calledTwice = false;
    await once.do(() => {
      calledTwice = true;
    });
    assert.equal(calledTwice, false, "Once.do called twice");
  });

  test("an async rejection: only the first caller sees it, concurrent and later callers resolve", async () => {
    const once = new Once();
    const failed = new Error("no connection");
    const first = probe(
      once.do(async () => {
        await yieldNow();
        throw failed;
      }),
    );
    const concurrent = probe(once.do(() => {}));
    await settle();
    assert.equal(first.error, failed);
    assert.ok(concurrent.fulfilled, "the others never see fn's error");
    assert.equal(once.done, true);
    const later = probe(
      once.do(() => {
        throw new Error("must not run");
      }),
    );
    await settle();
    assert.ok(later.fulfilled);
  });

  test("the lesson's 'not initialised' trap: after a failed fn, do() no longer tries", async () => {
    const once = new Once();
    let conn: { write(s: string): string } | null = null;
    let attempts = 0;
    const dial = async (): Promise<void> => {
      attempts++;
      if (attempts === 1) throw new Error("firewall");
      conn = { write: (s) => s };
    };
    await once.do(dial).catch(() => {});
    await once.do(dial);
    assert.equal(attempts, 1, "Once never retries: use RetryOnce for that");
    assert.equal(conn, null);
  });
});

describe("Once: do() from inside fn", () => {
  test("a nested do() from fn's synchronous part throws instead of deadlocking (the lesson's deadlock)", async () => {
    const once = new Once();
    const out: string[] = [];
    let inner: Promise<void> | null = null;
    await once.do(() => {
      inner = once.do(() => {
        out.push("初始化");
      });
      inner.catch(() => {}); // examined below
    });
    let err: unknown;
    try {
      await (inner as unknown as Promise<void>);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError);
    assert.equal(err.message, NESTED.message);
    assert.deepEqual(out, [], "the inner fn never ran");
    assert.equal(once.done, true, "the outer call completed");
  });

  test("an indirect nested do() (through another Once's fn) is detected too", async () => {
    const a = new Once();
    const b = new Once();
    let innermost: Promise<void> | null = null;
    await a.do(async () => {
      await b.do(() => {
        innermost = a.do(() => {});
        innermost.catch(() => {});
      });
    });
    await assert.rejects(innermost as unknown as Promise<void>, NESTED);
    assert.equal(a.done && b.done, true);
  });

  test("a nested do() at the start of an async fn throws too, and the outer caller sees it if not caught", async () => {
    const once = new Once();
    await assert.rejects(
      once.do(async () => {
        await once.do(() => {});
      }),
      NESTED,
    );
    assert.equal(once.done, true);
  });

  test("a nested do() after an await inside fn waits, as Go's would (it cannot be told from another task's)", async () => {
    const once = new Once();
    const outer = probe(
      once.do(async () => {
        await yieldNow();
        await once.do(() => {});
      }),
    );
    await settle(10);
    assert.ok(outer.pending, "deadlocked, like Go");
    assert.equal(once.done, false);
  });

  test("after a nested-do error the Once works normally for other Onces and callers", async () => {
    const a = new Once();
    const b = new Once();
    let ranB = 0;
    await a.do(() => {
      // A different Once inside fn is fine.
      void b.do(() => {
        ranB++;
      });
    });
    await b.do(() => {
      ranB++;
    });
    assert.equal(ranB, 1);
  });

  test("do() with something that is not a function fails with a TypeError naming fn", async () => {
    const once = new Once();
    // A promise, not a synchronous throw: `.catch` sees it.
    await assert.rejects(once.do(42 as unknown as () => void), {
      name: "TypeError",
      message: /fn/,
    });
    assert.equal(once.done, false, "nothing ran");
    await once.do(() => {});
    assert.equal(once.done, true);
  });
});

describe("RetryOnce (the lesson's Once whose fn can fail and be retried)", () => {
  test("after a success, do() returns at once and calls nothing", async () => {
    const once = new RetryOnce();
    assert.equal(once.done, false);
    let calls = 0;
    await once.do(() => {
      calls++;
    });
    assert.equal(once.done, true);
    await once.do(() => {
      calls++;
    });
    assert.equal(calls, 1);
  });

  test("a failure is rethrown and not counted: the next do() tries again", async () => {
    const once = new RetryOnce();
    const err = new Error("dial tcp: i/o timeout");
    await assert.rejects(
      once.do(async () => {
        await yieldNow();
        throw err;
      }),
      (e) => e === err,
    );
    assert.equal(once.done, false);
    const sync = new Error("sync failure");
    await assert.rejects(
      once.do(() => {
        throw sync;
      }),
      (e) => e === sync,
    );
    assert.equal(once.done, false);
    let connected = false;
    await once.do(async () => {
      connected = true;
    });
    assert.equal(connected, true);
    assert.equal(once.done, true);
  });

  test("callers are serialised: while one attempt runs the others wait, then try in turn if it failed", async () => {
    const once = new RetryOnce();
    const gate = new Mutex();
    await gate.lock();
    const calls: string[] = [];
    const a = probe(
      once.do(async () => {
        calls.push("a");
        await gate.lock();
        gate.unlock();
        throw new Error("a failed");
      }),
    );
    const b = probe(
      once.do(async () => {
        calls.push("b");
        await yieldNow();
      }),
    );
    const c = probe(
      once.do(() => {
        calls.push("c");
      }),
    );
    await settle();
    assert.deepEqual(calls, ["a"], "b and c wait while a runs");
    assert.ok(b.pending && c.pending);
    gate.unlock();
    await settle();
    assert.ok(a.rejected, "a's caller sees a's error");
    assert.deepEqual(calls, ["a", "b"], "b tried next and succeeded; c did not run");
    assert.ok(b.fulfilled && c.fulfilled);
    assert.equal(once.done, true);
  });

  test("do() with something that is not a function fails with a TypeError", async () => {
    const once = new RetryOnce();
    await assert.rejects(once.do("nope" as unknown as () => void), TypeError); // a rejection, not a throw
    assert.equal(once.done, false);
  });
});
