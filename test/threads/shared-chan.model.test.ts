// Model-based property test of SharedChan across real threads. fast-check generates programs: a
// channel (capacity, codec), 1–3 producer threads, each with a random sequence of sends (blocking
// sync or async, non-blocking, or cancelled by a 1 ms deadline), and consumers: 1–3 worker threads
// each cycling through random receive forms (sync, async, batches, deadline-cancelled), and up to
// three concurrent async receive loops on the main thread. When the producers are done the channel is closed and the consumers drain it.
// The model is Go's: the values received are exactly the values whose send succeeded (nothing lost,
// duplicated, or delivered by a cancelled or refused send; a cancelled receive consumed nothing, or
// its value would be missing), each consumer sees each producer's values in the order sent, and the
// drained channel is empty and reports closed, with nothing left behind in its shared memory.
// A second property drives the wake-up policy with volume: thousands of values in random bursts and
// pauses through small rings, consumers taking random batch sizes.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { CELLS, ChanMemory, RSLEEP, SSLEEP, WAITERS } from "../../src/threads/chan-memory.js";
import type { HandleData } from "../../src/threads/handle.js";
import { SharedChan } from "../../src/threads/index.js";
import type { RecvOp, SendOp } from "./fixtures/chan.js";
import { type Agent, agents } from "./helpers.js";

const fixture = new URL("./fixtures/chan.ts", import.meta.url);

let w: Agent[] = [];
before(async () => {
  w = await agents(4, fixture);
});
after(() => Promise.all(w.map((a) => a.terminate())));

const sendOp = fc.constantFrom<SendOp>("sync", "async", "try", "syncTimeout", "asyncTimeout");
const recvOp = fc.constantFrom<RecvOp>("sync", "async", "batch", "batchSync", "syncTimeout", "asyncTimeout");

const program = fc.record({
  cap: fc.constantFrom(0, 1, 3, 7, 64), // 3 and 7: fewer than the ring's power-of-two slots
  codec: fc.constantFrom("int32" as const, "float64" as const, "json" as const),
  producers: fc.array(fc.array(sendOp, { maxLength: 30 }), { minLength: 1, maxLength: 3 }),
  consumers: fc.array(fc.array(recvOp, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
  batchMax: fc.integer({ min: 1, max: 70 }),
  mainConsumers: fc.array(fc.boolean(), { maxLength: 3 }), // concurrent loops here: batch or not
});

/** The main thread as one more consumer (async forms only: it must not block). */
async function consumeHere(ch: SharedChan<number>, batch: boolean, max = 5): Promise<number[]> {
  const got: number[] = [];
  for (;;) {
    if (batch) {
      const b = await ch.recvBatch(max);
      if (b.length === 0) return got;
      got.push(...b);
    } else {
      const [v, ok] = await ch.recvOk();
      if (!ok) return got;
      got.push(v);
    }
  }
}

test("SharedChan across 2–4 threads matches Go's channel model", { timeout: 240_000 }, async () => {
  await fc.assert(
    fc.asyncProperty(program, async (p) => {
      const ch = new SharedChan<number>(p.cap, { codec: p.codec });
      // Producers and consumers take distinct agents; with 4 agents, trim consumers to fit.
      const nProd = p.producers.length;
      const consumers = p.consumers.slice(0, 4 - nProd);
      const bases = p.producers.map((_, i) => (i + 1) * 1000);
      const prod = p.producers.map((ops, i) =>
        (w[i] as Agent).call<number[]>("produce", [ch, bases[i], ops]),
      );
      const cons = consumers.map((ops, i) =>
        (w[nProd + i] as Agent).call<number[]>("consume", [ch, ops, p.batchMax]),
      );
      const here = p.mainConsumers.length === 0 && consumers.length === 0 ? [false] : p.mainConsumers;
      for (const batch of here) cons.push(consumeHere(ch, batch));
      const sent = await Promise.all(prod);
      ch.close();
      const got = await Promise.all(cons);

      const all = got.flat().sort((a, b) => a - b);
      assert.deepEqual(
        all,
        sent.flat().sort((a, b) => a - b),
        "received exactly what was sent",
      );
      for (const seq of got) {
        for (const base of bases) {
          const mine = seq.filter((v) => v >= base && v < base + 1000);
          assert.deepEqual(
            mine,
            [...mine].sort((a, b) => a - b),
            "per-sender FIFO",
          );
        }
      }
      assert.equal(ch.length, 0);
      assert.deepEqual(ch.tryRecv(), [undefined, false]);
      // No residue in shared memory: nobody counted asleep, no receiver waiting, every cell free.
      const mem = new ChanMemory((ch.handle as HandleData).sab);
      assert.deepEqual([mem.i32[RSLEEP], mem.i32[SSLEEP], mem.i32[WAITERS]], [0, 0, 0]);
      if (p.cap === 0) {
        for (let k = 0; k < CELLS; k++) assert.equal(mem.i32[mem.cell(k) >> 2], 0, `cell ${k} is free`);
      }
    }),
    { numRuns: 50 },
  );
});

/** Asserts that `got` (per consumer) holds exactly the values base..base+n-1 of each producer, each in order. */
function assertDelivered(got: readonly number[][], bases: readonly number[], n: number): void {
  const all = got.flat().sort((a, b) => a - b);
  const want = bases.flatMap((b) => Array.from({ length: n }, (_, i) => b + i)).sort((a, b) => a - b);
  assert.deepEqual(all, want, "received exactly what was sent, once");
  for (const seq of got) {
    for (const base of bases) {
      const mine = seq.filter((v) => v >= base && v < base + n);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i - 1]! < mine[i]!, "per-sender FIFO");
    }
  }
}

// The wake-up policy under volume: producers send thousands of values in random bursts with random
// pauses, so that the ring keeps running full and empty and both sides keep falling asleep and
// being woken (one notify per sleep, not per change: chan-memory.ts). A lost wake-up shows as a
// thread that stays blocked, i.e. this property timing out; a wrong ring as a lost, duplicated or
// reordered value.
const volume = fc.record({
  cap: fc.constantFrom(1, 2, 3, 5, 8, 100),
  producers: fc.integer({ min: 1, max: 3 }),
  n: fc.integer({ min: 200, max: 3000 }),
  bursts: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 5 }),
  pauseSpins: fc.constantFrom(0, 1_000, 50_000),
  asyncSend: fc.boolean(),
  consumers: fc.array(fc.array(recvOp, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 }),
  batchMax: fc.integer({ min: 1, max: 200 }),
  here: fc.boolean(),
});

test("SharedChan wake-ups under volume: nothing lost, duplicated or reordered; nobody stays blocked", {
  timeout: 240_000,
}, async () => {
  await fc.assert(
    fc.asyncProperty(volume, async (p) => {
      const ch = new SharedChan<number>(p.cap, { codec: "int32" });
      const bases = Array.from({ length: p.producers }, (_, i) => (i + 1) * 10_000);
      const prod = bases.map((b, i) =>
        (w[i] as Agent).call<number>("produceBursts", [ch, b, p.n, p.bursts, p.pauseSpins, p.asyncSend]),
      );
      // Only blocking and batch forms here: timed-out receives are the first property's subject.
      const ops = p.consumers.map((c) =>
        c.map((op) => (op === "syncTimeout" ? "sync" : op === "asyncTimeout" ? "async" : op)),
      );
      const cons = ops
        .slice(0, 4 - p.producers)
        .map((o, i) => (w[p.producers + i] as Agent).call<number[]>("consume", [ch, o, p.batchMax]));
      if (p.here) cons.push(consumeHere(ch, true, p.batchMax));
      await Promise.all(prod);
      ch.close();
      assertDelivered(await Promise.all(cons), bases, p.n);
      const mem = new ChanMemory((ch.handle as HandleData).sab);
      assert.deepEqual([mem.i32[RSLEEP], mem.i32[SSLEEP]], [0, 0], "nobody counted asleep");
      assert.equal(ch.length, 0);
    }),
    { numRuns: 12 },
  );
});
