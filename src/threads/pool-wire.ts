// The shared-memory protocol between a ThreadPool and its threads: one SharedArrayBuffer holding a
// queue of task slots that the threads pull from, a completion ring per thread, and an inline codec
// for small arguments and results. Runtime-neutral (SharedArrayBuffer and Atomics only): both the
// pool (thread-pool.ts) and its thread entry (pool-worker.ts) import it.
//
// Why shared memory rather than a message per task (as piscina and tinypool send): a postMessage
// costs a structured clone, a port hop and an event-loop turn on each side, ≈ 20-40 µs per task and
// result. Here a task whose arguments are a few numbers, strings, booleans or bigints is written into
// a slot and published by one atomic store; a thread claims it with one compare-and-swap and writes
// the result back into the same slot. Wake-ups are batched both ways: the pool notifies sleeping
// threads once per burst of submissions (a microtask after the first), and a thread rings the pool's
// doorbell only when the pool has drained everything before (one wake-up per batch of results).
// Anything that cannot be written inline (objects, shared primitives, contexts, transfers, long
// strings) travels by message instead, only for that task; the slot still orders and tracks it.
//
// Layout (Int32 words, then the slots' data as Float64 words):
//
//   ctl[SUBMITTED]   sequence number of the next task the pool publishes (pool writes)
//   ctl[CLAIMED]     sequence number of the next task a thread takes (threads CAS)
//   ctl[SLEEPERS]    threads waiting for work (so the pool notifies only when someone sleeps)
//   ctl[DOORBELL]    0: the pool is (about to be) asleep and wants a notify; 1: already rung
//   ring[seq % N]    the slot index of task `seq`
//   slot s           state, thread index, task id, flags (Int32) + SLOT_WORDS Float64 words of data
//   per thread t     current slot + 1 (0: idle), completion head (pool) and tail (thread), entries
//
// Invariants: a slot is handed out by the pool only (its free list is the pool's), and only the pool
// frees it, after a completion entry (or the thread's death) says no thread will touch it again.
// A task leaves QUEUED exactly once, by one CAS: to RUNNING (a thread took it) or CANCELLED (its ctx
// fired first). A thread reads the ring entry before its CAS on CLAIMED, so the pool cannot have
// overwritten that entry (it writes position seq % N for seq + N only once CLAIMED has passed seq).

/** Task slots, and queue positions: at most this many tasks are published and not yet finished. */
export const SLOTS = 256;
/** Data words (Float64) per slot: name, arguments or result, inline. */
export const SLOT_WORDS = 64;

export const SUBMITTED = 0;
export const CLAIMED = 1;
export const SLEEPERS = 2;
export const DOORBELL = 3;
const CTL_WORDS = 8;

/** Slot states. */
export const FREE = 0;
export const QUEUED = 1;
export const RUNNING = 2;
export const CANCELLED = 3;

/** Slot flags. */
export const ARGS_BY_MESSAGE = 1;

/** Completion entries: slot index plus what happened. */
export const DONE_INLINE = 0 << 16;
/** The thread took a task whose arguments travel by message: send them. */
export const FETCH = 1 << 16;
/** The thread found the task cancelled while queued and skipped it: the slot is free again. */
export const SKIPPED = 2 << 16;
export const SLOT_MASK = 0xffff;
export const KIND_MASK = 0xffff0000 | 0;

const SLOT_HEADER = 4; // state, thread, id, flags
const RING = CTL_WORDS;
const SLOT_HEADERS = RING + SLOTS;
const THREADS = SLOT_HEADERS + SLOTS * SLOT_HEADER;
/** Per thread: current, head, tail, then the completion entries (2 per slot: a fetch and a done). */
const COMP = 2 * SLOTS;
const THREAD_WORDS = 3 + COMP;

/** The views of one pool's shared memory, built the same way on every thread. */
export interface PoolMemory {
  readonly sab: SharedArrayBuffer;
  readonly threads: number;
  readonly ctl: Int32Array;
  readonly f64: Float64Array;
  readonly u16: Uint16Array;
  readonly i64: BigInt64Array;
}

/** Where the data words start, in Float64 words (after the Int32 area, 8-byte aligned). */
function dataBase(threads: number): number {
  return Math.ceil(((THREADS + threads * THREAD_WORDS) * 4) / 8);
}

export function allocatePool(threads: number): SharedArrayBuffer {
  return new SharedArrayBuffer((dataBase(threads) + SLOTS * SLOT_WORDS) * 8);
}

export function viewPool(sab: SharedArrayBuffer, threads: number): PoolMemory {
  return {
    sab,
    threads,
    ctl: new Int32Array(sab),
    f64: new Float64Array(sab),
    u16: new Uint16Array(sab),
    i64: new BigInt64Array(sab),
  };
}

export const ringAt = (seq: number): number => RING + (seq % SLOTS);
export const stateAt = (slot: number): number => SLOT_HEADERS + slot * SLOT_HEADER;
export const threadOfSlotAt = (slot: number): number => stateAt(slot) + 1;
export const idAt = (slot: number): number => stateAt(slot) + 2;
export const flagsAt = (slot: number): number => stateAt(slot) + 3;
export const currentAt = (thread: number): number => THREADS + thread * THREAD_WORDS;
export const headAt = (thread: number): number => currentAt(thread) + 1;
export const tailAt = (thread: number): number => currentAt(thread) + 2;
export const entryAt = (thread: number, n: number): number => currentAt(thread) + 3 + (n % COMP);

/** The first data word (Float64 index) of a slot. */
export const dataAt = (m: PoolMemory, slot: number): number => dataBase(m.threads) + slot * SLOT_WORDS;

/** Atomics.waitAsync (ES2024; in Node since 16), typed here while the project targets ES2023. */
export const waitAsync = (
  Atomics as unknown as {
    waitAsync(
      a: Int32Array,
      index: number,
      value: number,
    ):
      | { async: false; value: "not-equal" | "timed-out" }
      | { async: true; value: Promise<"ok" | "timed-out"> };
  }
).waitAsync;

/** Thread side: publishes one completion entry and rings the pool's doorbell if it is asleep. */
export function complete(m: PoolMemory, thread: number, entry: number): void {
  const ctl = m.ctl;
  const tail = ctl[tailAt(thread)]!;
  ctl[entryAt(thread, tail)] = entry;
  Atomics.store(ctl, tailAt(thread), tail + 1); // publishes the entry (and the slot's data) to the pool
  if (Atomics.load(ctl, DOORBELL) === 0 && Atomics.compareExchange(ctl, DOORBELL, 0, 1) === 0) {
    Atomics.notify(ctl, DOORBELL, 1);
  }
}

// ---- the inline codec ----
//
// A value is a tag word and its data, all Float64 words: numbers as themselves, a bigint in one
// BigInt64 word (only those that fit in 64 bits signed), a string as its length and its UTF-16 code
// units packed four to a word. encode* returns the next free word, or -1 when the values do not fit
// or one of them is not inline-able (then nothing written matters: the caller falls back to a message).

const T_UNDEFINED = 0;
const T_NULL = 1;
const T_FALSE = 2;
const T_TRUE = 3;
const T_NUMBER = 4;
const T_STRING = 5;
const T_BIGINT = 6;

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Writes one value at word `at` (end: one past the slot's last word); the next word or -1. */
export function encodeValue(m: PoolMemory, at: number, end: number, v: unknown): number {
  const f64 = m.f64;
  if (at >= end) return -1;
  switch (typeof v) {
    case "number":
      if (at + 2 > end) return -1;
      f64[at] = T_NUMBER;
      f64[at + 1] = v;
      return at + 2;
    case "string": {
      const len = v.length;
      const words = (len + 3) >> 2;
      if (at + 2 + words > end) return -1;
      f64[at] = T_STRING;
      f64[at + 1] = len;
      const u = (at + 2) * 4;
      const u16 = m.u16;
      for (let i = 0; i < len; i++) u16[u + i] = v.charCodeAt(i);
      return at + 2 + words;
    }
    case "boolean":
      f64[at] = v ? T_TRUE : T_FALSE;
      return at + 1;
    case "undefined":
      f64[at] = T_UNDEFINED;
      return at + 1;
    case "bigint":
      if (v < I64_MIN || v > I64_MAX || at + 2 > end) return -1;
      f64[at] = T_BIGINT;
      m.i64[at + 1] = v;
      return at + 2;
    default:
      if (v === null) {
        f64[at] = T_NULL;
        return at + 1;
      }
      return -1;
  }
}

/** The reading side of encodeValue: the value, and the next word in `next[0]`. */
export function decodeValue(m: PoolMemory, at: number, next: number[]): unknown {
  const f64 = m.f64;
  const tag = f64[at];
  switch (tag) {
    case T_NUMBER:
      next[0] = at + 2;
      return f64[at + 1];
    case T_STRING: {
      const len = f64[at + 1]!;
      next[0] = at + 2 + ((len + 3) >> 2);
      const u = (at + 2) * 4;
      // Short strings: a loop beats building a subarray; long ones: one call per chunk.
      if (len <= 16) {
        let s = "";
        for (let i = 0; i < len; i++) s += String.fromCharCode(m.u16[u + i]!);
        return s;
      }
      return String.fromCharCode.apply(null, m.u16.subarray(u, u + len) as unknown as number[]);
    }
    case T_BIGINT:
      next[0] = at + 2;
      return m.i64[at + 1];
    case T_TRUE:
      next[0] = at + 1;
      return true;
    case T_FALSE:
      next[0] = at + 1;
      return false;
    case T_NULL:
      next[0] = at + 1;
      return null;
    default:
      next[0] = at + 1;
      return undefined;
  }
}

/**
 * Writes a task (its function's name and its arguments) into a slot's data; false when it does not
 * fit or an argument is not inline-able.
 */
export function encodeTask(m: PoolMemory, slot: number, name: string, args: readonly unknown[]): boolean {
  const base = dataAt(m, slot);
  const end = base + SLOT_WORDS;
  m.f64[base] = args.length;
  let at = encodeValue(m, base + 1, end, name);
  for (let i = 0; i < args.length && at >= 0; i++) at = encodeValue(m, at, end, args[i]);
  return at >= 0;
}

/** Reads a task written by encodeTask: [name, args]. */
export function decodeTask(m: PoolMemory, slot: number): [string, unknown[]] {
  const base = dataAt(m, slot);
  const n = m.f64[base]!;
  const next = [0];
  const name = decodeValue(m, base + 1, next) as string;
  const args = new Array<unknown>(n);
  for (let i = 0; i < n; i++) args[i] = decodeValue(m, next[0]!, next);
  return [name, args];
}

/** Writes a result into a slot's data; false when it does not fit inline. */
export function encodeResult(m: PoolMemory, slot: number, value: unknown): boolean {
  const base = dataAt(m, slot);
  return encodeValue(m, base, base + SLOT_WORDS, value) >= 0;
}

export function decodeResult(m: PoolMemory, slot: number): unknown {
  return decodeValue(m, dataAt(m, slot), [0]);
}

// ---- messages (for what does not fit inline) ----

/** An error as it crosses: enough to rebuild one of the same class name, message and stack. */
export interface ErrorWire {
  readonly name: string;
  readonly message: string;
  readonly stack: string | undefined;
  /** Whether the error had a `cause` (which may be undefined). */
  readonly hasCause: boolean;
  readonly cause?: Thrown;
  /** Own enumerable properties (`code`, `errno`...), as shared. */
  readonly props: Record<string, unknown> | undefined;
}

/** A thrown value as it crosses: an Error as an ErrorWire, anything else shared as it is. */
export type Thrown = { readonly error: ErrorWire } | { readonly thrown: unknown };

/** Pool → thread: the arguments of a task that could not be written inline. */
export interface ArgsMessage {
  readonly t: "args";
  readonly slot: number;
  readonly name: string;
  readonly args: unknown;
}

/** Thread → pool. */
export type FromThread =
  | { readonly t: "ready" }
  | { readonly t: "result"; readonly slot: number; readonly id: number; readonly value: unknown }
  | ({ readonly t: "error"; readonly slot: number; readonly id: number } & Thrown);
