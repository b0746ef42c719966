// gosync/threads' primitives satisfy the API contract (test/contract/threads.d.ts): the assignments
// below are checked by `npm run typecheck`, and the test checks at run time that every contracted
// name here is exported and is a class. (SharedChan, SharedMap and ThreadPool are checked with
// their implementations.)
import assert from "node:assert/strict";
import { test } from "node:test";
import * as threads from "../../src/threads/index.js";
import type * as Contract from "./threads.js";

// Compile-time, by value: every primitive is assignable to its contract type.
const mutex: Contract.Mutex = new threads.Mutex();
const rw: Contract.RWMutex = new threads.RWMutex();
const wg: Contract.WaitGroup = new threads.WaitGroup();
const sem: Contract.Semaphore = new threads.Semaphore(1);
const cond: Contract.Cond = new threads.Cond(new threads.Mutex());
const once: Contract.Once = new threads.Once();
const barrier: Contract.CyclicBarrier = new threads.CyclicBarrier(2);
const i32: Contract.AtomicInt32 = new threads.AtomicInt32();
const u32: Contract.AtomicUint32 = new threads.AtomicUint32();
const i64: Contract.AtomicBigInt64 = new threads.AtomicBigInt64();
const bool: Contract.AtomicBool = new threads.AtomicBool();
const shareable: Contract.Shareable = mutex;
const share: typeof Contract.share = threads.share;
const attach: typeof Contract.attach = threads.attach;

const names = [
  "Mutex",
  "RWMutex",
  "WaitGroup",
  "Semaphore",
  "Cond",
  "Once",
  "CyclicBarrier",
  "AtomicInt32",
  "AtomicUint32",
  "AtomicBigInt64",
  "AtomicBool",
] as const;

test("gosync/threads exports the contracted primitives, share and attach", { timeout: 5_000 }, () => {
  const exported: Readonly<Record<string, unknown>> = { ...threads };
  for (const n of names) assert.equal(typeof exported[n], "function", n);
  assert.equal(typeof threads.share, "function");
  assert.equal(typeof threads.attach, "function");
  for (const x of [mutex, rw, wg, sem, cond, once, barrier, i32, u32, i64, bool, shareable]) {
    assert.equal(typeof x.handle.kind, "string");
  }
  assert.equal(attach<Contract.Mutex>(share(mutex)).locked, false);
  assert.ok(u32 instanceof threads.AtomicInt32, "AtomicUint32 extends AtomicInt32, as contracted");
});
