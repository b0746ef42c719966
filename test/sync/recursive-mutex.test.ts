// RecursiveMutex: the lesson's token-keyed reentrant mutex (Go 并发编程实战课 lesson 04, "方案二：token"), with its bug
// fixed — the lesson treats token 0 as "unowned", so a caller using token 0 re-enters a lock it never
// took. Here every value, 0 included, is a real owner.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, Canceled, GoSyncError, RecursiveMutex, withCancel, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { probe, settle } from "./helpers.js";

leakCheck();

describe("RecursiveMutex: re-entry", () => {
  test("the owner may lock again; it is released after as many unlocks as locks", async () => {
    const mu = new RecursiveMutex<number>();
    assert.equal(mu.owner, undefined);
    assert.equal(mu.holdCount, 0);
    await mu.lock(1);
    const again = probe(mu.lock(1));
    await Promise.resolve();
    assert.ok(again.fulfilled, "re-entry does not wait");
    assert.equal(mu.owner, 1);
    assert.equal(mu.holdCount, 2);
    const other = probe(mu.lock(2));
    mu.unlock(1);
    await settle();
    assert.ok(other.pending, "one unlock of two: still held by 1");
    assert.equal(mu.holdCount, 1);
    mu.unlock(1);
    await settle();
    assert.ok(other.fulfilled, "released: owner 2 gets it");
    assert.equal(mu.owner, 2);
    assert.equal(mu.holdCount, 1);
    mu.unlock(2);
    assert.equal(mu.owner, undefined);
    assert.equal(mu.holdCount, 0);
  });

  test("a recursive algorithm re-enters freely while another owner waits for the whole of it", async () => {
    const mu = new RecursiveMutex<string>();
    const log: string[] = [];
    const walk = async (owner: string, depth: number): Promise<void> => {
      await mu.lock(owner);
      try {
        log.push(`${owner}${depth}`);
        await yieldNow();
        if (depth > 0) await walk(owner, depth - 1);
      } finally {
        mu.unlock(owner);
      }
    };
    await Promise.all([walk("a", 3), walk("b", 2)]);
    assert.deepEqual(log, ["a3", "a2", "a1", "a0", "b2", "b1", "b0"], "b never interleaves with a");
    assert.equal(mu.owner, undefined);
  });

  test("the lesson's foo/bar reentrancy (lesson 03) works with a token", async () => {
    const mu = new RecursiveMutex<symbol>();
    const me = Symbol("me");
    const out: string[] = [];
    const bar = async (): Promise<void> => {
      await mu.lock(me);
      out.push("in bar");
      mu.unlock(me);
    };
    await mu.lock(me);
    out.push("in foo");
    await bar();
    mu.unlock(me);
    assert.deepEqual(out, ["in foo", "in bar"]);
    assert.equal(mu.holdCount, 0);
  });
});

describe("RecursiveMutex: token 0 is a real owner (the lesson's bug, fixed)", () => {
  test("on a fresh mutex, lock(0) takes the lock: another owner must wait", async () => {
    const mu = new RecursiveMutex<number>();
    await mu.lock(0);
    assert.equal(mu.owner, 0);
    assert.equal(mu.holdCount, 1);
    assert.equal(mu.tryLock(1), false, "owner 1 cannot take a lock owner 0 holds");
    const one = probe(mu.lock(1));
    await settle();
    assert.ok(one.pending);
    mu.unlock(0);
    await settle();
    assert.ok(one.fulfilled);
    assert.equal(mu.owner, 1);
    mu.unlock(1);
  });

  test("while owner 1 holds, lock(0) waits instead of 're-entering' someone else's lock", async () => {
    const mu = new RecursiveMutex<number>();
    await mu.lock(1);
    assert.equal(mu.tryLock(0), false);
    const zero = probe(mu.lock(0));
    await settle();
    assert.ok(zero.pending, "the lesson would have let token 0 straight in");
    assert.equal(mu.holdCount, 1, "and counted it as owner 1's recursion");
    assert.throws(() => mu.unlock(0), GoSyncError, "0 does not own it");
    mu.unlock(1);
    await settle();
    assert.ok(zero.fulfilled);
    assert.equal(mu.owner, 0);
    mu.unlock(0);
  });

  test("after a release (the lesson resets its token to 0) lock(0) still really locks", async () => {
    const mu = new RecursiveMutex<number>();
    await mu.lock(5);
    mu.unlock(5);
    await mu.lock(0);
    assert.equal(mu.owner, 0);
    const other = probe(mu.lock(7));
    await settle();
    assert.ok(other.pending, "the lock is held by 0");
    mu.unlock(0);
    await settle();
    assert.ok(other.fulfilled);
    mu.unlock(7);
  });

  test("unlock(0) of a fresh mutex throws instead of releasing an inner Mutex it never locked", () => {
    const mu = new RecursiveMutex<number>();
    assert.throws(() => mu.unlock(0), { name: "GoSyncError", message: "sync: unlock of unlocked mutex" });
  });
});

describe("RecursiveMutex: misuse", () => {
  test("unlock by an owner that does not hold it throws, naming both, and changes nothing", async () => {
    const mu = new RecursiveMutex<number>();
    await mu.lock(1);
    await mu.lock(1);
    let err: unknown;
    try {
      mu.unlock(2);
    } catch (e) {
      err = e;
    }
    assert.ok(err instanceof GoSyncError);
    assert.match(err.message, /\b2\b/);
    assert.match(err.message, /\b1\b/);
    assert.equal(mu.owner, 1);
    assert.equal(mu.holdCount, 2);
    mu.unlock(1);
    mu.unlock(1);
  });

  test("unlock of an unlocked RecursiveMutex throws `sync: unlock of unlocked mutex`", async () => {
    const mu = new RecursiveMutex<string>();
    assert.throws(() => mu.unlock("a"), { name: "GoSyncError", message: "sync: unlock of unlocked mutex" });
    await mu.lock("a");
    mu.unlock("a");
    assert.throws(() => mu.unlock("a"), { message: "sync: unlock of unlocked mutex" });
  });
});

describe("RecursiveMutex: tryLock and cancellation", () => {
  test("tryLock succeeds when free or re-entered, fails for another owner and behind waiters", async () => {
    const mu = new RecursiveMutex<string>();
    assert.equal(mu.tryLock("a"), true);
    assert.equal(mu.tryLock("a"), true, "re-entry");
    assert.equal(mu.holdCount, 2);
    assert.equal(mu.tryLock("b"), false);
    const b = probe(mu.lock("b"));
    mu.unlock("a");
    mu.unlock("a"); // handed to b
    assert.equal(mu.tryLock("c"), false, "c cannot overtake b");
    await settle();
    assert.ok(b.fulfilled);
    assert.equal(mu.owner, "b");
    mu.unlock("b");
    assert.equal(mu.tryLock("c"), true);
    mu.unlock("c");
  });

  test("a cancelled lock rejects, never becomes the owner, and leaves the lock free for others", async () => {
    const mu = new RecursiveMutex<string>();
    await mu.lock("a");
    const [ctx, cancel] = withCancel(background());
    const ac = new AbortController();
    const b = probe(mu.lock("b", ctx));
    const c = probe(mu.lock("c", ac.signal));
    await settle();
    cancel();
    ac.abort("c gave up");
    await settle();
    assert.equal(b.error, Canceled);
    assert.equal(c.error, "c gave up");
    mu.unlock("a");
    assert.equal(mu.owner, undefined, "nobody was handed the lock");
    assert.equal(mu.tryLock("d"), true);
    mu.unlock("d");
  });

  test("an already-cancelled ctx rejects at once, also for the owner's re-entry (as every blocking call)", async () => {
    const mu = new RecursiveMutex<string>();
    // On a free lock: rejects, takes nothing.
    await assert.rejects(mu.lock("a", AbortSignal.abort("free")), (e) => e === "free");
    assert.equal(mu.owner, undefined);
    await mu.lock("a");
    // Re-entry could proceed, but the ctx is already done: like Mutex.lock on a free mutex, it rejects
    // and the hold count is unchanged.
    const reentry = probe(mu.lock("a", AbortSignal.abort("re-entry")));
    await settle();
    assert.equal(reentry.state.s, "rejected", "re-entry with an already-cancelled ctx must reject");
    assert.equal(mu.holdCount, 1);
    mu.unlock("a");
    assert.equal(mu.owner, undefined);
  });
});

describe("RecursiveMutex: withLock", () => {
  test("runs fn holding the lock for owner, re-entrant inside fn, and unlocks when it settles", async () => {
    const mu = new RecursiveMutex<string>();
    const got = await mu.withLock("a", async () => {
      assert.equal(mu.owner, "a");
      const inner = await mu.withLock("a", () => mu.holdCount); // re-entered by the same owner
      await yieldNow();
      return inner;
    });
    assert.equal(got, 2);
    assert.equal(mu.owner, undefined, "released once fn settled");
    assert.equal(mu.holdCount, 0);
  });

  test("another owner waits until fn settles; a throw unlocks; bad fn or ctx rejects", async () => {
    const mu = new RecursiveMutex<string>();
    const boom = new Error("boom");
    let release!: () => void;
    const held = mu.withLock("a", () => new Promise<void>((r) => (release = r)));
    await settle();
    const b = probe(mu.withLock("b", () => "b ran"));
    await settle();
    assert.equal(b.pending, true);
    release();
    await held;
    await settle();
    assert.equal(b.value, "b ran");
    await assert.rejects(
      mu.withLock("c", () => {
        throw boom;
      }),
      (e) => e === boom,
    );
    assert.equal(mu.owner, undefined);
    await assert.rejects(mu.withLock("c", 1 as unknown as () => void), TypeError);
    const [ctx, cancel] = withCancel(background());
    cancel();
    await assert.rejects(
      mu.withLock("c", () => 1, ctx),
      (e) => e === Canceled,
    );
    assert.equal(mu.owner, undefined);
  });
});
