// WorkerPool: a bounded pool of workers (gammazero/workerpool's API).
// Up to `workers` tasks run at once; submitted tasks wait in a FIFO queue — unbounded, as in
// gammazero/workerpool, so submit() never blocks (use submitWait() or a Semaphore for backpressure).
// Workers start on demand and a worker idle for `idleTimeout` ms retires, so an idle pool holds no
// task and no timer keeps the process alive. stop() drops the queued tasks (their submitWait promises
// reject with PoolStoppedError); stopWait() runs everything queued first. An error escaping a task
// submitted with submit() is fatal, like go(), unless `onError` is given.

import { ChunkQueue } from "../internal/chunk-queue.js";
import { clock, type TimerHandle } from "../internal/clock.js";
import { brand, checkCount, checkDuration, checkFunction, GoSyncError } from "../internal/errors.js";
import { blockBegin, blockEnd } from "../internal/registry.js";
import { go } from "../task/go.js";

const rethrow = (e: unknown): never => {
  throw e;
};

/**
 * submitWait() on a pool that was stopped before the task ran.
 *
 * @example
 * ```ts
 * const pending = pool.submitWait(() => work());
 * await pool.stop(); // drops the queued tasks
 * await pending.catch((e) => e instanceof PoolStoppedError); // true if work() had not started
 * ```
 */
export class PoolStoppedError extends GoSyncError {
  constructor() {
    super("workerpool: stopped");
  }
}
brand(PoolStoppedError, "PoolStoppedError");

/**
 * Options of {@link WorkerPool}.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ workers: 8, idleTimeout: 5000, onError: (e) => console.error(e) });
 * ```
 */
export interface WorkerPoolOptions {
  /** Maximum tasks running at once (≥ 1). */
  readonly workers: number;
  /** A worker with nothing to do for this long retires. Default 2000 ms. */
  readonly idleTimeout?: number;
  /** Receives errors escaping submit()ted tasks instead of them being fatal. */
  readonly onError?: (error: unknown) => void;
}

/** A submit()ted function as it is, or a submitWait() one with the way to fail its caller. */
type Job = (() => unknown) | { readonly run: () => unknown; readonly fail: (e: unknown) => void };

/**
 * A pool of at most `workers` concurrent workers taking tasks from a FIFO queue.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ workers: 10 });
 * for (const f of files) pool.submit(() => resize(f));
 * const size = await pool.submitWait(() => stat(path));
 * await pool.stopWait();
 * ```
 */
export class WorkerPool {
  /** The `workers` option: at most this many tasks run at once. */
  readonly maxWorkers: number;
  readonly #idleTimeout: number;
  readonly #onError: ((e: unknown) => void) | undefined;
  readonly #queue = new ChunkQueue<Job>(64);
  /** Workers parked for a job: each is resolved with the next one (or null: retire). */
  readonly #idle: ((job: Job | null) => void)[] = [];
  #workers = 0;
  #stopped = false;
  #drainWaiters: (() => void)[] = [];

  constructor(options: WorkerPoolOptions) {
    this.maxWorkers = checkCount("options.workers", options.workers, 1);
    this.#idleTimeout = checkDuration("options.idleTimeout", options.idleTimeout ?? 2000);
    if (options.onError !== undefined) checkFunction("options.onError", options.onError);
    this.#onError = options.onError;
  }

  /** Workers alive now (running or idle). */
  get workers(): number {
    return this.#workers;
  }

  /** Tasks queued, not yet started. */
  get waiting(): number {
    return this.#queue.size;
  }

  /** Whether stop() or stopWait() was called. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /** Queues fn; never waits. Throws if the pool is stopped. */
  submit(fn: () => unknown): void {
    checkFunction("fn", fn);
    this.#checkOpen();
    const onError = this.#onError;
    this.#dispatch(onError === undefined ? fn : () => Promise.resolve().then(fn).catch(onError));
  }

  /**
   * Queues fn and resolves with its result once it has run (rejects with its error); rejects at once
   * with `workerpool: submit on stopped pool` if the pool is stopped, or a TypeError for a bad fn.
   */
  submitWait<R>(fn: () => R | Promise<R>): Promise<R> {
    try {
      checkFunction("fn", fn);
      this.#checkOpen();
    } catch (e) {
      return Promise.reject(e); // a bad fn or a stopped pool: a rejection, never a throw
    }
    return new Promise<R>((resolve, reject) => {
      this.#dispatch({
        run: async () => {
          try {
            resolve(await fn());
          } catch (e) {
            reject(e);
          }
        },
        fail: reject,
      });
    });
  }

  /** Stops: queued tasks are dropped (submitWait ones reject); resolves when running tasks end. */
  stop(): Promise<void> {
    this.#stopped = true;
    while (this.#queue.size > 0) {
      const job = this.#queue.shift();
      if (typeof job !== "function") job.fail(new PoolStoppedError());
    }
    return this.#stopWorkers();
  }

  /** Stops after running every queued task; resolves when all have finished. */
  stopWait(): Promise<void> {
    this.#stopped = true;
    return this.#stopWorkers();
  }

  #checkOpen(): void {
    if (this.#stopped) throw new GoSyncError("workerpool: submit on stopped pool");
  }

  #dispatch(job: Job): void {
    const idle = this.#idle.pop();
    if (idle !== undefined) idle(job);
    else if (this.#workers < this.maxWorkers) {
      this.#workers++;
      go(this.#work, job);
    } else this.#queue.push(job);
  }

  #stopWorkers(): Promise<void> {
    for (let w = this.#idle.pop(); w !== undefined; w = this.#idle.pop()) w(null);
    if (this.#workers === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        blockEnd(done);
        resolve();
      };
      this.#drainWaiters.push(done);
      blockBegin("workerpool.StopWait", this, done);
    });
  }

  readonly #work = async (first: Job): Promise<void> => {
    let job: Job | null = first;
    while (job !== null) {
      try {
        await (typeof job === "function" ? job() : job.run());
      } catch (e) {
        go(rethrow, e); // the panic path (fatal, or the panic handler), without losing the worker
      }
      job = this.#queue.size > 0 ? this.#queue.shift() : this.#stopped ? null : await this.#park();
    }
    if (--this.#workers === 0 && this.#stopped) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  };

  /** Waits for a job, or retires (null) after the idle timeout or when the pool stops. */
  #park(): Promise<Job | null> {
    return new Promise<Job | null>((resolve) => {
      let timer: TimerHandle | null = null;
      const give = (job: Job | null): void => {
        if (timer !== null) clock.clearTimer(timer);
        resolve(job);
      };
      this.#idle.push(give);
      timer = clock.setTimer(() => {
        timer = null;
        const i = this.#idle.indexOf(give);
        if (i >= 0) this.#idle.splice(i, 1);
        resolve(null);
      }, this.#idleTimeout);
      clock.keepAlive(timer, false); // an idle pool does not keep the process alive
    });
  }
}
