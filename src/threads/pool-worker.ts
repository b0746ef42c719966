// The thread side of a ThreadPool (see thread-pool.ts and pool-wire.ts): loads the task module,
// then loops: claim the next queued task from shared memory, call the named export, write the result
// back (inline into the slot, or by message when it does not fit) and go on. One task at a time per
// thread, as a goroutine per OS thread would run; an async task holds its thread until it settles.
//
// An idle thread spins briefly on the queue, then sleeps on it with Atomics.wait in short slices,
// letting its event loop turn between them (see idle()).

import { parentPort, type TransferListItem, workerData } from "node:worker_threads";
import { attach, share } from "./share.js";
// Every shared primitive's module registers its kind on load: attach() here must know them all.
import "./index.js";
import {
  ARGS_BY_MESSAGE,
  type ArgsMessage,
  CANCELLED,
  CLAIMED,
  complete,
  currentAt,
  DONE_INLINE,
  decodeTask,
  type ErrorWire,
  encodeResult,
  FETCH,
  type FromThread,
  flagsAt,
  idAt,
  type PoolMemory,
  QUEUED,
  RUNNING,
  ringAt,
  SKIPPED,
  SLEEPERS,
  SUBMITTED,
  stateAt,
  type Thrown,
  threadOfSlotAt,
  viewPool,
} from "./pool-wire.js";

/** What the pool hands each thread. */
export interface PoolWorkerData {
  readonly sab: SharedArrayBuffer;
  readonly threads: number;
  readonly index: number;
  readonly module: string;
}

/** Iterations of the idle spin before sleeping: a burst of submissions is picked up without a wake-up. */
const SPIN = 2_000;
/** Longest sleep of an idle thread before its event loop turns (ms). */
const SLICE_MS = 20;
/** Synchronous tasks run back to back before the thread lets its event loop turn. */
const BURST = 256;

const port = parentPort!;
const data = workerData as PoolWorkerData;
const m: PoolMemory = viewPool(data.sab, data.threads);
const ctl = m.ctl;
const me = data.index;

const post = (msg: FromThread, transfer?: TransferListItem[]): void => {
  port.postMessage(msg, transfer as never);
};

/** Arguments that travel by message, by slot, and who waits for them. */
const arrived = new Map<number, unknown>();
let awaiting: { slot: number; resolve: (args: unknown) => void } | null = null;

port.on("message", (msg: ArgsMessage) => {
  if (awaiting !== null && awaiting.slot === msg.slot) {
    const w = awaiting;
    awaiting = null;
    w.resolve(msg);
  } else arrived.set(msg.slot, msg);
});

function argsByMessage(slot: number): Promise<unknown> | unknown {
  if (arrived.has(slot)) {
    const args = arrived.get(slot);
    arrived.delete(slot);
    return args;
  }
  return new Promise((resolve) => {
    awaiting = { slot, resolve };
  });
}

/** Takes the next queued task: its slot, or -1 when the queue is empty. */
function claim(): number {
  for (;;) {
    const c = Atomics.load(ctl, CLAIMED);
    if (c === Atomics.load(ctl, SUBMITTED)) return -1;
    // Read the entry before claiming it: once CLAIMED passes c the pool may reuse position c.
    const slot = Atomics.load(ctl, ringAt(c));
    if (Atomics.compareExchange(ctl, CLAIMED, c, c + 1) === c) return slot;
  }
}

const hasWork = (): boolean => Atomics.load(ctl, CLAIMED) !== Atomics.load(ctl, SUBMITTED);

/**
 * Waits for work. A thread with no task has nothing for its event loop to do but the odd timer a
 * past task left or a shared context's watch, so it sleeps in Atomics.wait (a futex: woken in
 * microseconds, where an Atomics.waitAsync wake-up goes through the event loop and costs ~10× more)
 * in slices of SLICE_MS, letting the loop turn between slices.
 */
async function idle(): Promise<void> {
  for (let i = 0; i < SPIN; i++) if (hasWork()) return;
  for (;;) {
    Atomics.add(ctl, SLEEPERS, 1);
    // Dekker with the pool: it stores SUBMITTED then reads SLEEPERS; we add to SLEEPERS then read
    // SUBMITTED. Sequentially consistent atomics: one of us sees the other.
    const seen = Atomics.load(ctl, SUBMITTED);
    if (seen === Atomics.load(ctl, CLAIMED)) Atomics.wait(ctl, SUBMITTED, seen, SLICE_MS);
    Atomics.sub(ctl, SLEEPERS, 1);
    if (hasWork()) return;
    await yieldToLoop();
    if (hasWork()) return;
  }
}

const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function errorWire(e: Error): ErrorWire {
  const props: Record<string, unknown> = {};
  let any = false;
  for (const k of Object.keys(e)) {
    if (k === "cause" || k === "message" || k === "stack" || k === "name") continue;
    props[k] = share((e as unknown as Record<string, unknown>)[k]);
    any = true;
  }
  const hasCause = "cause" in e;
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    ...(hasCause ? { cause: shareThrown(e.cause) } : {}),
    hasCause,
    props: any ? props : undefined,
  };
}

function shareThrown(e: unknown): Thrown {
  return e instanceof Error ? { error: errorWire(e) } : { thrown: share(e) };
}

function fail(slot: number, id: number, e: unknown): void {
  let wire: Thrown;
  try {
    wire = shareThrown(e);
  } catch (cannot) {
    // An error whose properties cannot cross: send what always can.
    wire = shareThrown(new Error(`${String(e)} (and it could not be sent back: ${String(cannot)})`));
  }
  post({ t: "error", slot, id, ...wire });
}

/**
 * Runs the thread, given the task module as the bootstrap imported it (a real `import()` there: this
 * file is also compiled to CommonJS, where TypeScript would turn its own `import()` into `require`),
 * or the error loading it threw: every task then fails with that error, where run() is awaited.
 */
export function start(mod: Record<string, unknown> | null, loadError: unknown): void {
  void main(mod, loadError);
}

async function main(mod: Record<string, unknown> | null, loadError: unknown): Promise<void> {
  post({ t: "ready" });
  let burst = 0;
  for (;;) {
    const slot = claim();
    if (slot < 0) {
      burst = 0;
      await idle();
      continue;
    }
    if (Atomics.compareExchange(ctl, stateAt(slot), QUEUED, RUNNING) === CANCELLED) {
      complete(m, me, SKIPPED | slot);
      continue;
    }
    Atomics.store(ctl, threadOfSlotAt(slot), me);
    Atomics.store(ctl, currentAt(me), slot + 1);
    const id = Atomics.load(ctl, idAt(slot));
    let name: string;
    let args: unknown[];
    if ((ctl[flagsAt(slot)]! & ARGS_BY_MESSAGE) !== 0) {
      complete(m, me, FETCH | slot);
      const wire = (await argsByMessage(slot)) as ArgsMessage;
      name = wire.name;
      args = attach<unknown[]>(wire.args);
      burst = 0;
    } else [name, args] = decodeTask(m, slot);
    let value: unknown;
    try {
      if (loadError !== null) throw loadError;
      const fn = mod![name];
      if (typeof fn !== "function") {
        throw new TypeError(`ThreadPool: the module exports no function "${name}" (${data.module})`);
      }
      value = fn(...args);
      if (typeof (value as PromiseLike<unknown> | null)?.then === "function") {
        value = await value;
        burst = 0;
      }
    } catch (e) {
      Atomics.store(ctl, currentAt(me), 0);
      fail(slot, id, e);
      continue;
    }
    Atomics.store(ctl, currentAt(me), 0);
    if (encodeResult(m, slot, value)) complete(m, me, DONE_INLINE | slot);
    else {
      try {
        post({ t: "result", slot, id, value: share(value) });
      } catch (e) {
        fail(slot, id, e); // a result that cannot be cloned: the task fails with the reason
      }
    }
    if (++burst >= BURST) {
      burst = 0;
      await yieldToLoop();
    }
  }
}
