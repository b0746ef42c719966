// The shared counter of Go in Action ch. 6, on real threads: 4 worker threads each increment one counter in shared
// memory. Go's version (The Go Programming Language §9.2) runs goroutines on several cores and loses
// updates without a lock; so do threads here, because `counter++` is a read and a write that another
// thread can slip between. With gosync/threads' Mutex none is lost; the atomic version does the
// read-modify-write as one instruction, with no lock at all.

import { AtomicInt32, Mutex, ThreadPool } from "../src/threads/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface ThreadsCounterOptions extends BaseOptions {
  /** Increments per thread (default 1,000,000, or the first command-line argument). */
  readonly increments?: number;
}

const TASKS = new URL("./threads-tasks.ts", import.meta.url);
const THREADS = 4;

const shared = (): Int32Array => new Int32Array(new SharedArrayBuffer(4));
const fmt = (n: number): string => n.toLocaleString("en-US");

export const threadsCounter: Example<ThreadsCounterOptions> = {
  name: "threads-counter",
  title: "one counter, 4 threads: lost updates, then none with a Mutex, none with an atomic",
  async run(out, opts = {}) {
    const n = opts.increments ?? intArg(opts.args, 0, 1_000_000);
    const want = THREADS * n;
    await using pool = new ThreadPool(TASKS, { size: THREADS });
    /** Runs `fn` on all 4 threads at once (they wait for each other before starting). */
    const onAll = async (fn: string, args: unknown[]): Promise<void> => {
      const gate = shared();
      await Promise.all(Array.from({ length: THREADS }, () => pool.run(fn, [...args, n, gate, THREADS])));
    };
    out(`${THREADS} threads, ${fmt(n)} increments each: ${fmt(want)} expected`);

    const plain = shared();
    await onAll("addPlain", [plain]);
    out(`plain counter[0]++:  ${fmt(plain[0]!)} (${fmt(want - plain[0]!)} updates lost)`);

    const mu = new Mutex();
    const guarded = shared();
    await onAll("addLocked", [mu, guarded]);
    out(`under threads.Mutex: ${fmt(guarded[0]!)} (${fmt(want - guarded[0]!)} lost)`);

    const atomic = new AtomicInt32();
    await onAll("addAtomic", [atomic]);
    out(`AtomicInt32.add(1):  ${fmt(atomic.load())} (${fmt(want - atomic.load())} lost)`);
  },
};
