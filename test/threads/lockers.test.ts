// The sync behaviour suites (test/sync/suites) against gosync/threads' Mutex and RWMutex, with every lock()/rLock()
// made on a worker thread (round robin over three), through an adapter:
//
// - lock(ctx) runs `lock(attachedCtx)` on a worker: the Context crosses by share(), so a cancel on
//   this thread must reach the worker's waiter. An AbortSignal cannot cross threads; the adapter
//   turns it into a context cancelled on abort (and removes its listener when the call settles).
// - FIFO means by call order: the adapter sends the next lock only once the previous one has
//   queued or acquired on its worker (the worker says so right after calling lock()).
// - unlock(), rUnlock(), tryLock() and tryRLock() run here, on the main thread (Go's mutex has no owner: any thread may
//   unlock), so their results and errors are the real ones.
// - "Blocks" means still pending once settled: every worker has handled everything sent to it (a
//   round trip each), twice, with 3 ms between, so that waiters queued before the settle have waited
//   past the mutex's 1 ms starvation threshold: from then on unlock hands off in FIFO order, which
//   is what the suite's ordering claims check (see src/threads/mutex.ts on Go's two modes).
import { setTimeout as delay, setImmediate as nextMacrotask } from "node:timers/promises";
import { background, type Canceller, type Context, withCancel } from "../../src/index.js";
import { Mutex, RWMutex } from "../../src/threads/index.js";
import { lockerSuite, type SuiteLocker } from "../sync/suites/locker.suite.js";
import { type RWLocker, rwLockerSuite } from "../sync/suites/rwlocker.suite.js";
import { type Agent, agents, drain } from "./helpers.js";

const fixture = new URL("./fixtures/locks.ts", import.meta.url);
const pool = await agents(3, fixture);

/** Until every lock call made so far has been dispatched and every worker has caught up (header). */
async function settle(): Promise<void> {
  for (let i = 0; i < 2; i++) {
    await remote.idle();
    await delay(3);
    await drain(pool);
  }
  for (let i = 0; i < 5; i++) await nextMacrotask();
}

/** Runs lock calls on the workers in call order (see header). */
function remoteLocking(list: readonly Agent[]) {
  let chain: Promise<void> = Promise.resolve();
  let next = 0;
  /** Resolves once every call made so far has been sent and has queued or acquired. */
  const idle = async (): Promise<void> => {
    for (let seen = chain; ; seen = chain) {
      await seen;
      if (seen === chain) return;
    }
  };
  const run = (target: object, ctx: Canceller | undefined, read: boolean): Promise<void> => {
    const prev = chain;
    let release!: () => void;
    chain = new Promise<void>((r) => {
      release = r;
    });
    const agent = list[next++ % list.length]!;
    return (async () => {
      await prev;
      let remote: Context | undefined;
      let cleanup = (): void => {};
      if (ctx instanceof AbortSignal) {
        const [c, cancel] = withCancel(background());
        if (ctx.aborted) cancel();
        else {
          const onAbort = (): void => cancel();
          ctx.addEventListener("abort", onAbort, { once: true });
          cleanup = () => ctx.removeEventListener("abort", onAbort);
        }
        remote = c;
      } else remote = ctx;
      const run = agent.start("lock", [target, remote, read]);
      await run.started;
      release();
      try {
        await run.result;
      } catch (e) {
        // The worker rejected with the attached ctx's error: the same text as ours.
        const local = ctx instanceof AbortSignal ? ctx.reason : ctx?.err();
        const want = ctx instanceof AbortSignal ? "context canceled" : (local as Error | undefined)?.message;
        if (local !== undefined && (e as Error).message === want) throw local;
        throw e;
      } finally {
        cleanup();
      }
    })();
  };
  return { run, idle };
}

const remote = remoteLocking(pool);
const run = remote.run;

lockerSuite(
  "gosync/threads Mutex (lock on worker threads)",
  (): SuiteLocker => {
    const mu = new Mutex();
    return {
      lock: (ctx?: Canceller) => run(mu, ctx, false),
      unlock: () => mu.unlock(),
      tryLock: () => mu.tryLock(),
      get waiters() {
        return mu.waiters;
      },
    };
  },
  { settle, unlockError: /GoSyncError: sync: unlock of unlocked mutex$/ },
);

rwLockerSuite(
  "gosync/threads RWMutex (rLock/lock on worker threads)",
  (): RWLocker => {
    const rw = new RWMutex();
    return {
      lock: (ctx?: Canceller) => run(rw, ctx, false),
      rLock: (ctx?: Canceller) => run(rw, ctx, true),
      unlock: () => rw.unlock(),
      rUnlock: () => rw.rUnlock(),
      tryLock: () => rw.tryLock(),
      tryRLock: () => rw.tryRLock(),
      rLocker: () => rw.rLocker(), // this view locks on the main thread
    };
  },
  { settle },
);
