// ThreadPool: the exported functions of one module, run on a pool of worker threads. Go has no pool
// type (a goroutine is cheap, and the runtime spreads them over OS threads); in JavaScript a thread
// is a Worker with its own heap, expensive to start, so work is sent to a few long-lived ones — the
// role of piscina and tinypool, built here on gosync's shared memory instead of a message per task
// (pool-wire.ts says how, docs/threads-pool.md shows what it saves).
//
// Semantics. `run(name, args, { ctx, graceMs, transfer })` calls `export function name(...args)` on
// the first free thread, tasks starting in submission order. Arguments and results cross as by
// share/attach: shared primitives and contexts stay live. A task's error rejects run() with an error
// of the same class name, message, stack and cause. A ctx cancels a queued task (it never starts)
// and a running one: its thread is left to finish within `graceMs` (an attached ctx argument is
// cancelled there at once, so a cooperative task stops early); if it has not, the thread is
// terminated and replaced. Either way run() rejects with ctx's error, and only once the task has
// stopped: when run() settles, nothing of that task is still running. A thread that dies (an
// uncaught error outside the task, process.exit in the worker) is replaced, and its task rejects.
//
// Lifetime. Threads are kept alive (ref'd) only while tasks are pending, so an idle pool does not
// keep the process running; close() (or `await using`) lets queued and running tasks finish, then
// ends the threads. Node only: this file and pool-worker.ts are the only ones of gosync/threads that
// import `node:` modules.

import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { pathToFileURL } from "node:url";
import { type TransferListItem, Worker } from "node:worker_threads";
import type { Canceller } from "../chan/context-type.js";
import { Canceled, DeadlineExceeded } from "../context/errors.js";
import {
  type CancelListener,
  type CancelSource,
  cancelSourceOf,
  REASON,
  SUBSCRIBE,
  UNSUBSCRIBE,
} from "../internal/cancel-protocol.js";
import { ChanClosedError, checkCount, GoSyncError } from "../internal/errors.js";
import { blockEnd, DESCRIBE, threadBlockBegin } from "../internal/registry.js";
import {
  ARGS_BY_MESSAGE,
  type ArgsMessage,
  allocatePool,
  CANCELLED,
  CLAIMED,
  currentAt,
  DONE_INLINE,
  DOORBELL,
  decodeResult,
  type ErrorWire,
  encodeTask,
  entryAt,
  FETCH,
  type FromThread,
  flagsAt,
  headAt,
  idAt,
  KIND_MASK,
  type PoolMemory,
  QUEUED,
  RUNNING,
  ringAt,
  SKIPPED,
  SLEEPERS,
  SLOT_MASK,
  SLOTS,
  SUBMITTED,
  stateAt,
  type Thrown,
  tailAt,
  threadOfSlotAt,
  viewPool,
  waitAsync,
} from "./pool-wire.js";
import type { PoolWorkerData } from "./pool-worker.js";
import { attach, share } from "./share.js";

/**
 * Options of a ThreadPool.
 *
 * @example
 * ```ts
 * const pool = new ThreadPool(new URL("./tasks.js", import.meta.url), { size: 4, maxQueue: 1000 });
 * ```
 */
export interface ThreadPoolOptions {
  /** Threads (default: os.availableParallelism()). */
  readonly size?: number;
  /**
   * Tasks that may wait for a thread (beyond those an idle thread is about to take); run() past it
   * rejects with a QueueFullError. 0: accept only when a thread is free. Default: no limit.
   */
  readonly maxQueue?: number;
}

/**
 * Options of one ThreadPool.run.
 *
 * @example
 * ```ts
 * await pool.run("resize", [image], { ctx, graceMs: 500, transfer: [image.buffer] });
 * ```
 */
export interface RunOptions {
  /** Cancels the task: a queued one never starts, a running one gets `graceMs` to stop. */
  readonly ctx?: Canceller;
  /** How long a cancelled running task may take to stop before its thread is replaced (default 1000). */
  readonly graceMs?: number;
  /** ArrayBuffers (and other transferables) among the arguments to move rather than copy. */
  readonly transfer?: readonly TransferListItem[];
}

/**
 * run() was called with the queue full (`maxQueue` tasks already waiting for a thread).
 *
 * @example
 * ```ts
 * try { await pool.run("f"); } catch (e) { if (e instanceof QueueFullError) retryLater(); }
 * ```
 */
export class QueueFullError extends Error {
  /** The class's name, also on instances rebuilt from another thread. */
  override get name(): string {
    return "QueueFullError";
  }
}

/**
 * run() was called on a closed pool, or the pool could not start its threads.
 *
 * @example
 * ```ts
 * await pool.close();
 * await pool.run("f").catch((e) => e instanceof PoolClosedError); // true
 * ```
 */
export class PoolClosedError extends Error {
  /** The class's name, also on instances rebuilt from another thread. */
  override get name(): string {
    return "PoolClosedError";
  }
}

/** A thread of the pool died with a task on it (process.exit in the task, an uncaught error...). */
export class ThreadExitError extends Error {
  /** The class's name, also on instances rebuilt from another thread. */
  override get name(): string {
    return "ThreadExitError";
  }
}

const DEFAULT_GRACE_MS = 1000;

/** One run() call, from submission until its promise settles. Also its record in task dumps. */
class PoolTask implements CancelListener {
  slot = -1;
  /** Arguments when they travel by message (shared), else undefined. */
  wire: ArgsMessage | undefined = undefined;
  /** Set when ctx fired while the task ran: run() rejects with it once the task has stopped. */
  cancelled: { reason: unknown } | null = null;
  graceTimer: ReturnType<typeof setTimeout> | undefined = undefined;
  settled = false;
  resolve!: (v: unknown) => void;
  reject!: (e: unknown) => void;
  readonly promise: Promise<unknown>;
  constructor(
    readonly pool: ThreadPool,
    readonly id: number,
    readonly name: string,
    readonly args: readonly unknown[],
    readonly transfer: readonly TransferListItem[] | undefined,
    readonly src: CancelSource | null,
    readonly graceMs: number,
  ) {
    this.promise = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }
  onCancel(reason: unknown): void {
    this.pool._cancel(this, reason);
  }
  [DESCRIBE](): string {
    const where = this.pool._threadOf(this);
    return `ThreadPool task "${this.name}" (${where === undefined ? "queued" : `running on thread ${where}`})`;
  }
}

/** A pool thread: the Worker and what the pool knows about it. */
interface Thread {
  readonly index: number;
  readonly worker: Worker;
  /** Its threadId (the Worker's reads -1 once it has exited). */
  readonly id: number;
  /** Posted "ready": its module has loaded (or failed to, which its tasks report). */
  ready: boolean;
  /** Set when the pool terminates it on purpose: the task whose grace ran out, or null (close). */
  ending: { task: PoolTask | null } | null;
  /** The last error it emitted, the cause of its death. */
  error: unknown;
}

/**
 * Go-style work on every core: a pool of worker threads running the exported functions of one
 * module. Arguments and results cross as by `share`/`attach` (shared primitives and contexts stay
 * live); small ones (numbers, strings, booleans, bigints) are written straight into shared memory.
 *
 * @example
 * ```ts
 * // tasks.ts: export function fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
 * await using pool = new ThreadPool(new URL("./tasks.js", import.meta.url));
 * const results = await Promise.all([30, 31, 32].map((n) => pool.run<number>("fib", [n])));
 * ```
 */
export class ThreadPool implements AsyncDisposable {
  /** Threads in the pool. */
  readonly size: number;
  /** Tasks that may wait for a thread before run() rejects with QueueFullError. */
  readonly maxQueue: number;
  readonly #module: string;
  readonly #mem: PoolMemory;
  readonly #threads: Thread[] = [];
  /** Tasks by slot. */
  readonly #bySlot: (PoolTask | undefined)[] = new Array(SLOTS).fill(undefined);
  readonly #free: number[] = [];
  /** Tasks waiting for a slot, FIFO (cancelled ones are skipped when reached). */
  #backlog: PoolTask[] = [];
  #backlogHead = 0;
  #backlogLive = 0;
  /** Queue positions of tasks cancelled while queued: not waiting any more, though still in the ring. */
  readonly #cancelledSeqs = new Map<number, number>();
  #nextId = 1;
  /** run() promises not settled yet. */
  #pending = 0;
  #pumping = false;
  #kickQueued = false;
  /** Tasks published since the last kick: how many sleeping threads to wake. */
  #published = 0;
  #refd = false;
  #closing = false;
  #closed: Promise<void> | null = null;
  #drained: (() => void) | null = null;
  /** Why threads cannot start (a worker died before it was ready): every run() rejects with it. */
  #broken: Error | null = null;

  /**
   * @param module the task module: a path, a `file:` URL string or a URL. Its exported functions
   *   are what run() calls. TypeScript modules load through tsx when it is installed.
   */
  constructor(module: string | URL, options: ThreadPoolOptions = {}) {
    this.#module = moduleUrl(module);
    this.size =
      options.size === undefined ? availableParallelism() : checkCount("options.size", options.size, 1);
    const mq = options.maxQueue;
    if (mq !== undefined && mq !== Number.POSITIVE_INFINITY) checkCount("options.maxQueue", mq, 0);
    this.maxQueue = mq ?? Number.POSITIVE_INFINITY;
    this.#mem = viewPool(allocatePool(this.size), this.size);
    for (let s = SLOTS - 1; s >= 0; s--) this.#free.push(s);
    for (let i = 0; i < this.size; i++) this.#threads.push(this.#spawn(i));
  }

  /** Tasks waiting for a thread (not yet started, not cancelled). */
  get queued(): number {
    const ctl = this.#mem.ctl;
    const claimed = Atomics.load(ctl, CLAIMED);
    let inRing = Atomics.load(ctl, SUBMITTED) - claimed;
    for (const seq of this.#cancelledSeqs.values()) if (seq >= claimed) inRing--;
    return this.#backlogLive + inRing;
  }

  /**
   * Calls `export function name(...args)` of the module on a pool thread; resolves with what it
   * returns (awaited, if a promise), rejects with what it throws. Never throws synchronously.
   *
   * @example
   * ```ts
   * const [ctx, cancel] = withTimeout(background(), 5_000);
   * try { await pool.run("crunch", [ctx, data], { ctx }); } finally { cancel(); }
   * ```
   */
  run<R>(name: string, args: readonly unknown[] = [], options: RunOptions = {}): Promise<R> {
    try {
      if (typeof name !== "string" || name === "") {
        throw new TypeError(
          `name must be a non-empty string, got ${typeof name === "string" ? '""' : typeof name}`,
        );
      }
      if (!Array.isArray(args)) throw new TypeError(`args must be an array, got ${typeof args}`);
      const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
      if (typeof graceMs !== "number" || !(graceMs >= 0)) {
        throw new RangeError(`options.graceMs must be a number >= 0, got ${String(graceMs)}`);
      }
      if (options.transfer !== undefined && !Array.isArray(options.transfer)) {
        throw new TypeError("options.transfer must be an array of transferables");
      }
      const src = cancelSourceOf(options.ctx);
      if (this.#closing) return Promise.reject(new PoolClosedError("ThreadPool: run after close"));
      if (this.#broken !== null) return Promise.reject(this.#broken);
      if (src !== null) {
        const reason = src[REASON]();
        if (reason !== undefined) return Promise.reject(reason);
      }
      // Waiting means: queued beyond what the idle threads are about to take (so maxQueue 0 accepts
      // a task only when a thread is free for it, as an unbuffered hand-off).
      const queued = this.queued;
      const idle = this.size - (this.#pending - queued);
      if (queued - Math.max(0, idle) >= this.maxQueue) {
        return Promise.reject(
          new QueueFullError(`ThreadPool: queue full (${this.maxQueue} tasks already waiting for a thread)`),
        );
      }
      const task = new PoolTask(this, this.#nextId++, name, args, options.transfer, src, graceMs);
      this.#pending++;
      if (this.#free.length > 0 && this.#backlogLive === 0) this.#publish(task);
      else {
        this.#backlog.push(task);
        this.#backlogLive++;
      }
      if (src !== null) src[SUBSCRIBE](task);
      threadBlockBegin("ThreadPool.run", task, task);
      this.#ref();
      if (!this.#pumping) void this.#pump();
      return task.promise as Promise<R>;
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Stops taking tasks (run() rejects with PoolClosedError), lets the queued and running ones
   * finish, then ends the threads, so the process can exit. Idempotent.
   *
   * @example
   * ```ts
   * const pool = new ThreadPool("./tasks.js");
   * try { console.log(await pool.run("main")); } finally { await pool.close(); }
   * ```
   */
  close(): Promise<void> {
    if (this.#closed !== null) return this.#closed;
    this.#closing = true;
    this.#closed = (async () => {
      if (this.#pending > 0) await new Promise<void>((resolve) => (this.#drained = resolve));
      const threads = [...this.#threads];
      for (const t of threads) t.ending ??= { task: null };
      await Promise.all(threads.map((t) => t.worker.terminate()));
      Atomics.notify(this.#mem.ctl, DOORBELL); // release the pump's waitAsync, if it sleeps
    })();
    return this.#closed;
  }

  /** `await using pool = new ThreadPool(...)`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  // ---- submission ----

  #publish(task: PoolTask): void {
    const m = this.#mem;
    const ctl = m.ctl;
    const slot = this.#free.pop()!;
    task.slot = slot;
    this.#bySlot[slot] = task;
    ctl[idAt(slot)] = task.id;
    if (task.transfer === undefined && encodeTask(m, slot, task.name, task.args)) ctl[flagsAt(slot)] = 0;
    else {
      ctl[flagsAt(slot)] = ARGS_BY_MESSAGE;
      task.wire = { t: "args", slot, name: task.name, args: share(task.args) };
    }
    ctl[stateAt(slot)] = QUEUED;
    const seq = ctl[SUBMITTED]!;
    ctl[ringAt(seq)] = slot;
    Atomics.store(ctl, SUBMITTED, seq + 1); // publishes the slot and the ring entry
    this.#published++;
    if (!this.#kickQueued) {
      this.#kickQueued = true;
      queueMicrotask(this.#kick);
    }
  }

  /** Wakes sleeping threads once per burst of submissions, as many as there are new tasks. */
  readonly #kick = (): void => {
    this.#kickQueued = false;
    const n = this.#published;
    this.#published = 0;
    if (n > 0 && Atomics.load(this.#mem.ctl, SLEEPERS) > 0) Atomics.notify(this.#mem.ctl, SUBMITTED, n);
  };

  /** Moves backlog tasks into free slots. */
  #refill(): void {
    while (this.#free.length > 0 && this.#backlogHead < this.#backlog.length) {
      const task = this.#backlog[this.#backlogHead++]!;
      if (task.settled) continue;
      this.#backlogLive--;
      this.#publish(task);
    }
    if (this.#backlogHead === this.#backlog.length && this.#backlogHead > 0) {
      this.#backlog = [];
      this.#backlogHead = 0;
    }
  }

  // ---- completion ----

  /** Collects completions until no run() is pending: one wake-up per batch of results. */
  async #pump(): Promise<void> {
    const ctl = this.#mem.ctl;
    this.#pumping = true;
    try {
      while (this.#pending > 0 && !this.#isTerminated()) {
        Atomics.store(ctl, DOORBELL, 0); // re-arm first, so no completion after the drain is missed
        this.#drain();
        if (this.#pending === 0) break;
        const r = waitAsync(ctl, DOORBELL, 0);
        if (r.async) await r.value;
      }
    } finally {
      this.#pumping = false;
    }
  }

  #isTerminated(): boolean {
    return this.#closed !== null && this.#pending === 0;
  }

  #drain(): void {
    const m = this.#mem;
    const ctl = m.ctl;
    for (const t of this.#threads) this.#drainThread(t.index, ctl);
    this.#refill();
  }

  #drainThread(index: number, ctl: Int32Array): void {
    let head = ctl[headAt(index)]!;
    const tail = Atomics.load(ctl, tailAt(index));
    while (head !== tail) {
      const e = ctl[entryAt(index, head)]!;
      head++;
      const slot = e & SLOT_MASK;
      const kind = e & KIND_MASK;
      if (kind === DONE_INLINE) {
        const task = this.#bySlot[slot]!;
        this.#finish(task, true, decodeResult(this.#mem, slot));
      } else if (kind === FETCH) {
        const task = this.#bySlot[slot]!;
        const t = this.#threads[index]!;
        try {
          t.worker.postMessage(task.wire, task.transfer as never);
        } catch (err) {
          // Arguments that cannot be cloned: the thread waits for them, so it must go.
          task.cancelled = { reason: err };
          this.#terminate(t, task);
        }
        task.wire = undefined;
      } else if (kind === SKIPPED) {
        this.#freeSlot(slot);
      }
    }
    ctl[headAt(index)] = head;
  }

  #freeSlot(slot: number): void {
    this.#bySlot[slot] = undefined;
    Atomics.store(this.#mem.ctl, stateAt(slot), 0);
    this.#cancelledSeqs.delete(slot);
    this.#free.push(slot);
  }

  /** Settles a task that has stopped (returned, thrown, or had its thread terminated). */
  #finish(task: PoolTask, ok: boolean, value: unknown): void {
    if (task.slot >= 0) this.#freeSlot(task.slot);
    task.slot = -1;
    if (task.cancelled !== null) this.#settle(task, false, task.cancelled.reason);
    else this.#settle(task, ok, value);
  }

  #settle(task: PoolTask, ok: boolean, value: unknown): void {
    if (task.settled) return;
    task.settled = true;
    if (task.src !== null) task.src[UNSUBSCRIBE](task);
    if (task.graceTimer !== undefined) clearTimeout(task.graceTimer);
    blockEnd(task);
    if (ok) task.resolve(value);
    else task.reject(value);
    if (--this.#pending === 0) {
      this.#unref();
      const d = this.#drained;
      this.#drained = null;
      d?.();
    }
  }

  /** @internal A task's ctx fired. */
  _cancel(task: PoolTask, reason: unknown): void {
    if (task.settled || task.cancelled !== null) return;
    if (task.slot < 0) {
      this.#backlogLive--; // still in the backlog: it never starts
      this.#settle(task, false, reason);
      return;
    }
    const ctl = this.#mem.ctl;
    if (Atomics.compareExchange(ctl, stateAt(task.slot), QUEUED, CANCELLED) === QUEUED) {
      // Published but not taken: the thread that reaches it skips it and frees the slot (SKIPPED).
      this.#bySlot[task.slot] = undefined;
      this.#cancelledSeqs.set(task.slot, this.#seqOf(task.slot));
      task.slot = -1;
      this.#settle(task, false, reason);
      return;
    }
    // Running: give it graceMs to stop (its own attached ctx argument, if any, is cancelled already).
    task.cancelled = { reason };
    task.graceTimer = setTimeout(() => {
      task.graceTimer = undefined;
      if (task.settled || task.slot < 0) return;
      const index = Atomics.load(ctl, threadOfSlotAt(task.slot));
      const t = this.#threads[index];
      if (t !== undefined && Atomics.load(ctl, currentAt(index)) === task.slot + 1) this.#terminate(t, task);
    }, task.graceMs);
  }

  /** The queue position of a queued slot (searched backwards from the newest: cancellation is rare). */
  #seqOf(slot: number): number {
    const ctl = this.#mem.ctl;
    const end = Atomics.load(ctl, SUBMITTED);
    for (let seq = end - 1; seq >= end - SLOTS && seq >= 0; seq--) if (ctl[ringAt(seq)] === slot) return seq;
    return end;
  }

  /** @internal The thread id running a task, or undefined while it is queued. */
  _threadOf(task: PoolTask): number | undefined {
    if (task.slot < 0 || Atomics.load(this.#mem.ctl, stateAt(task.slot)) !== RUNNING) return undefined;
    return this.#threads[Atomics.load(this.#mem.ctl, threadOfSlotAt(task.slot))]?.id;
  }

  // ---- threads ----

  #spawn(index: number): Thread {
    const ctl = this.#mem.ctl;
    ctl[currentAt(index)] = 0;
    ctl[headAt(index)] = 0;
    ctl[tailAt(index)] = 0;
    const data: PoolWorkerData & { entry: string; tsx: string | undefined } = {
      sab: this.#mem.sab,
      threads: this.size,
      index,
      module: this.#module,
      entry: WORKER.entry,
      tsx: WORKER.tsx ?? (/\.[cm]?ts$/.test(this.#module) ? tsxLoader() : undefined),
    };
    const worker = new Worker(BOOTSTRAP, { eval: true, workerData: data });
    const t: Thread = { index, worker, id: worker.threadId, ready: false, ending: null, error: undefined };
    worker.on("message", (msg: FromThread) => this.#onMessage(t, msg));
    worker.on("error", (err) => {
      t.error = err;
    });
    worker.on("exit", (code) => this.#onExit(t, code));
    if (!this.#refd) worker.unref(); // after the listeners: adding a "message" listener refs again
    return t;
  }

  #onMessage(t: Thread, msg: FromThread): void {
    if (this.#threads[t.index] !== t) return; // a replaced thread's last words
    if (msg.t === "ready") {
      t.ready = true;
      return;
    }
    const task = this.#bySlot[msg.slot];
    if (task === undefined || task.id !== msg.id) return;
    if (msg.t === "result") this.#finish(task, true, attach(msg.value));
    else this.#finish(task, false, rebuildThrown(msg));
  }

  #terminate(t: Thread, task: PoolTask): void {
    if (t.ending !== null) return;
    t.ending = { task };
    void t.worker.terminate();
  }

  #onExit(t: Thread, code: number): void {
    if (this.#threads[t.index] !== t) return;
    const ctl = this.#mem.ctl;
    this.#drainThread(t.index, ctl); // what it finished before it died
    const cur = Atomics.load(ctl, currentAt(t.index)) - 1;
    const task = cur >= 0 ? this.#bySlot[cur] : undefined;
    const closing = t.ending !== null && t.ending.task === null;
    if (!closing && !t.ready && this.#broken === null) {
      // It died before loading anything: a replacement would too. Fail everything now.
      this.#broken = new PoolClosedError(`ThreadPool: a thread could not start (exit code ${code})`, {
        cause: t.error,
      });
    }
    if (task !== undefined) {
      const why =
        t.ending?.task === task
          ? task.cancelled?.reason
          : new ThreadExitError(
              `ThreadPool: thread ${t.id} exited with code ${code} while running "${task.name}"`,
              t.error === undefined ? undefined : { cause: t.error },
            );
      task.cancelled = null;
      this.#finish(task, false, why);
    }
    if (closing) return;
    if (this.#broken !== null) {
      this.#failAll(this.#broken);
      return;
    }
    this.#threads[t.index] = this.#spawn(t.index);
    this.#refill();
  }

  #failAll(err: Error): void {
    for (const task of this.#bySlot) if (task !== undefined) this.#finish(task, false, err);
    for (let i = this.#backlogHead; i < this.#backlog.length; i++)
      this.#settle(this.#backlog[i]!, false, err);
    this.#backlog = [];
    this.#backlogHead = 0;
    this.#backlogLive = 0;
  }

  #ref(): void {
    if (this.#refd) return;
    this.#refd = true;
    for (const t of this.#threads) t.worker.ref();
  }

  #unref(): void {
    if (!this.#refd) return;
    this.#refd = false;
    for (const t of this.#threads) t.worker.unref();
  }
}

// ---- errors crossing back ----

const GLOBAL_ERRORS: Record<string, ErrorConstructor> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
};
/** One class per foreign error name, so `err.constructor.name` and `err.name` match the thread's. */
const errorClasses = new Map<string, ErrorConstructor>();

function errorClass(name: string): ErrorConstructor {
  const known = GLOBAL_ERRORS[name];
  if (known !== undefined) return known;
  let C = errorClasses.get(name);
  if (C === undefined) {
    // A computed key names the class (its constructor.name) after the original.
    C = { [name]: class extends Error {} }[name] as unknown as ErrorConstructor;
    Object.defineProperty(C.prototype, "name", { value: name, writable: true, configurable: true });
    errorClasses.set(name, C);
  }
  return C;
}

/** gosync's own errors come back as themselves: the context sentinels, the panic classes. */
const GOSYNC_ERRORS: Record<string, ErrorConstructor> = {
  GoSyncError: GoSyncError as unknown as ErrorConstructor,
  ChanClosedError: ChanClosedError as unknown as ErrorConstructor,
};

function rebuildError(w: ErrorWire): Error {
  // ctx.err() thrown by a task (its attached ctx) is the very sentinel here, as Go's errors.Is expects.
  if (w.name === Canceled.name && w.message === Canceled.message) return Canceled;
  if (w.name === DeadlineExceeded.name && w.message === DeadlineExceeded.message) return DeadlineExceeded;
  const C = GOSYNC_ERRORS[w.name] ?? errorClass(w.name);
  const e = new C(w.message);
  if (e.name !== w.name)
    Object.defineProperty(e, "name", { value: w.name, writable: true, configurable: true });
  if (w.stack !== undefined)
    Object.defineProperty(e, "stack", { value: w.stack, writable: true, configurable: true });
  if (w.hasCause && w.cause !== undefined) {
    Object.defineProperty(e, "cause", { value: rebuildThrown(w.cause), writable: true, configurable: true });
  }
  if (w.props !== undefined)
    for (const [k, v] of Object.entries(w.props)) (e as unknown as Record<string, unknown>)[k] = attach(v);
  return e;
}

function rebuildThrown(t: Thrown): unknown {
  return "error" in t ? rebuildError(t.error) : attach(t.thrown);
}

// ---- where the thread code lives ----

function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  if (typeof module !== "string" || module === "") {
    throw new TypeError("module must be a path, a file: URL string or a URL");
  }
  if (/^(file|data|node):/.test(module)) return module;
  return pathToFileURL(module).href;
}

/** This file's own location (a file: URL), from V8's call sites: works under ESM, CJS and tsx. */
function ownUrl(): string {
  const prepare = Error.prepareStackTrace;
  let file: string | null | undefined;
  try {
    Error.prepareStackTrace = (_e, sites) => sites;
    const sites = new Error().stack as unknown as NodeJS.CallSite[];
    file = sites[0]?.getFileName();
  } finally {
    Error.prepareStackTrace = prepare;
  }
  if (file === undefined || file === null) throw new Error("ThreadPool: cannot locate its own module");
  return file.startsWith("file:") ? file : pathToFileURL(file).href;
}

/**
 * tsx's register API (its ESM build, as `import "tsx/esm/api"` resolves), for threads that load
 * TypeScript: on Node 20 a loader registered on the main thread does not reach workers.
 */
function tsxLoader(): string | undefined {
  try {
    const require = createRequire(ownUrl());
    const pkgFile = require.resolve("tsx/package.json");
    const pkg = require(pkgFile) as { exports?: Record<string, { import?: { default?: string } }> };
    const rel = pkg.exports?.["./esm/api"]?.import?.default;
    return rel === undefined ? undefined : new URL(rel, pathToFileURL(pkgFile)).href;
  } catch {
    return undefined;
  }
}

const WORKER = (() => {
  const own = ownUrl();
  const ext = /(\.[cm]?[jt]s)$/.exec(own)?.[1] ?? ".js";
  const fromSources = ext.endsWith("ts");
  return {
    entry: new URL(`./pool-worker${ext}`, own).href,
    /** Running from gosync's own TypeScript sources (its tests, the tour): threads need tsx too. */
    tsx: fromSources ? tsxLoader() : undefined,
  };
})();

/**
 * The Worker's script, evaluated (as CommonJS, or as ESM under --input-type=module: it is valid as
 * both): registers tsx when needed, imports the thread entry and the task module (a load error is
 * passed on: the entry then fails every task with it), and starts the entry.
 */
const BOOTSTRAP = `import("node:worker_threads").then(async ({ workerData }) => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  const entry = await import(workerData.entry);
  let mod = null;
  let loadError = null;
  try {
    mod = await import(workerData.module);
  } catch (e) {
    loadError = e;
  }
  (entry.start ?? entry.default.start)(mod, loadError);
});`;
