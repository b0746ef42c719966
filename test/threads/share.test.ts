// share()/attach(): deep copies that carry shared primitives and contexts as live handles, through
// a real postMessage to a worker and back.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { background, type Context, withCancel } from "../../src/index.js";
import { AtomicInt32, attach, Cond, Mutex, Semaphore, share } from "../../src/threads/index.js";
import { Agent } from "./helpers.js";

const T = { timeout: 30_000 };
const agent = await Agent.start(new URL("./fixtures/basic.ts", import.meta.url));

describe("share / attach", () => {
  test(
    "a nested value crosses a worker and back with its primitives live and its plain data copied",
    T,
    async () => {
      const hits = new AtomicInt32(5);
      const mu = new Mutex();
      const [ctx, cancel] = withCancel(background());
      const value = {
        name: "job",
        list: [hits, 1, "two", { deep: mu }],
        byKey: new Map<string, unknown>([["sem", new Semaphore(3)]]),
        tags: new Set(["a", "b"]),
        when: new Date(0),
        bytes: new Uint8Array([1, 2, 3]),
        ctx,
      };
      const back = await agent.call<typeof value>("echo", [value]);
      assert.equal(back.name, "job");
      const [h, one, two, nested] = back.list as [AtomicInt32, number, string, { deep: Mutex }];
      assert.ok(h instanceof AtomicInt32 && h !== hits);
      h.add(1);
      assert.equal(hits.load(), 6, "the same memory");
      assert.deepEqual([one, two], [1, "two"]);
      assert.ok(nested.deep instanceof Mutex);
      nested.deep.lockSync();
      assert.equal(mu.locked, true);
      mu.unlock();
      assert.ok(back.byKey.get("sem") instanceof Semaphore);
      assert.equal((back.byKey.get("sem") as Semaphore).size, 3);
      assert.deepEqual([...back.tags], ["a", "b"]);
      assert.equal(back.when.getTime(), 0);
      assert.deepEqual([...back.bytes], [1, 2, 3]);
      assert.equal((back.ctx as Context).err(), null);
      cancel();
      assert.equal((back.ctx as Context).err(), ctx.err(), "the same sentinel");
    },
  );

  test("identity inside one value is kept; share() does not touch its input", T, () => {
    const mu = new Mutex();
    const obj = { a: mu, b: mu, same: { x: 1 } };
    const shared = share({ obj, again: obj }) as { obj: unknown; again: unknown };
    assert.equal(shared.obj, shared.again);
    assert.equal(obj.a, mu, "input unchanged");
    const got = attach<{ obj: typeof obj; again: typeof obj }>(structuredClone(shared));
    assert.equal(got.obj.a, got.obj.b, "one primitive, one object");
    assert.equal(got.obj, got.again);
  });

  test("a Cond crosses with its Mutex; a handle of an unknown kind is a TypeError naming it", T, () => {
    const cond = new Cond(new Mutex());
    const twin = attach<Cond>(structuredClone(share(cond)));
    assert.ok(twin.mutex instanceof Mutex);
    twin.mutex.lockSync();
    assert.equal(cond.mutex.locked, true);
    cond.mutex.unlock();
    const forged = { ...(share(new Mutex()) as object), kind: "Nope" };
    assert.throws(() => attach(forged), /TypeError: attach: unknown shared kind "Nope"/);
  });

  test("plain data that merely looks like a handle (no SharedArrayBuffer) stays plain data", T, () => {
    const fake = { "@gosync/threads": 1, kind: "Mutex", sab: new ArrayBuffer(8), offset: 0, extra: null };
    assert.deepEqual(attach(fake), fake);
  });
});
