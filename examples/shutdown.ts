// Mirrors the two-phase graceful shutdown of smallnest's Go 并发编程实战课 lesson 13 ("信号通知"): a business goroutine
// loops on `select { case <-closing: return; default: work }`; when SIGINT/SIGTERM arrives, main
// closes `closing` (phase 1: we are exiting, cleanup not done), starts `go doCleanup(closed)`, which
// closes `closed` when it is done (phase 2), and waits with
//     select { case <-closed: case <-time.After(time.Second): fmt.Println("清理超时，不等了") }
// before printing "优雅退出". The signal is simulated by a timer here, and the program runs twice: once
// with a cleanup that finishes in time, once with one that takes a minute (the lesson's) and times out.
// Go's main just returns and the process kills doCleanup; here main cancels it and waits for it,
// and for the business task, so that nothing is left running.

import {
  after,
  background,
  Chan,
  type Context,
  go,
  otherwise,
  recv,
  select,
  sleep,
  Timer,
  withCancel,
} from "../src/index.js";
import type { BaseOptions, Example, Out } from "./registry.js";

export interface ShutdownOptions extends BaseOptions {
  /** When the simulated interrupt arrives (default 300 ms). */
  readonly signalAfterMs?: number;
  /** One unit of business work (the lesson's 100 ms). */
  readonly workMs?: number;
  /** How long main waits for the cleanup (the lesson's time.Second). */
  readonly timeoutMs?: number;
  /** The cleanup of the first run, which finishes in time (default 200 ms). */
  readonly quickCleanupMs?: number;
  /** The cleanup of the second run, which does not (the lesson's time.Minute). */
  readonly slowCleanupMs?: number;
}

/** The business task: works until `closing` is closed. */
async function business(closing: Chan<void>, workMs: number, stopped: Chan<void>): Promise<void> {
  for (;;) {
    const stop = await select(
      recv(closing, () => true),
      otherwise(() => false),
    );
    if (stop) break;
    await sleep(workMs); // ... business computation
  }
  stopped.close();
}

/** Cleans up for `ms`, then closes `closed`; gives up when ctx is cancelled (main stopped waiting). */
async function doCleanup(ctx: Context, closed: Chan<void>, ms: number, out: Out, exited: Chan<void>) {
  try {
    await sleep(ms, ctx); // closing connections, flushing caches, ...
    out("cleanup: done");
    closed.close();
  } catch (err) {
    if (err !== ctx.err()) throw err;
    out("cleanup: abandoned");
  } finally {
    exited.close();
  }
}

async function runOnce(out: Out, cleanupMs: number, o: Required<Omit<ShutdownOptions, keyof BaseOptions>>) {
  const closing = new Chan<void>();
  const closed = new Chan<void>();
  const businessStopped = new Chan<void>();
  go(business, closing, o.workMs, businessStopped);

  // Handle SIGINT / SIGTERM: simulated, the signal "arrives" after signalAfterMs.
  const termChan = after(o.signalAfterMs);
  await termChan.recv();
  out("main: got SIGINT, close(closing)");

  closing.close();
  // Clean up before exiting, but wait for it at most timeoutMs.
  const [cleanupCtx, abandonCleanup] = withCancel(background());
  const cleanupExited = new Chan<void>();
  go(doCleanup, cleanupCtx, closed, cleanupMs, out, cleanupExited);

  const timeout = new Timer(o.timeoutMs); // time.After, but stoppable so no timer outlives the run
  await select(
    recv(closed, () => out("main: cleanup finished in time")),
    recv(timeout.c, () => out("main: cleanup timed out, not waiting (清理超时，不等了)")),
  );
  timeout.stop();

  abandonCleanup();
  await cleanupExited.recv();
  await businessStopped.recv();
  out("main: business task stopped");
  out("main: graceful exit (优雅退出)");
}

export const shutdown: Example<ShutdownOptions> = {
  name: "shutdown",
  title: "two-phase graceful shutdown: closing / closed channels, 1 s cleanup limit",
  async run(out, opts = {}) {
    const o = {
      signalAfterMs: opts.signalAfterMs ?? 300,
      workMs: opts.workMs ?? 100,
      timeoutMs: opts.timeoutMs ?? 1000,
      quickCleanupMs: opts.quickCleanupMs ?? 200,
      slowCleanupMs: opts.slowCleanupMs ?? 60_000,
    };
    out(`run 1: cleanup takes ${o.quickCleanupMs} ms, main waits up to ${o.timeoutMs} ms`);
    await runOnce(out, o.quickCleanupMs, o);
    out(`run 2: cleanup takes ${o.slowCleanupMs} ms, main waits up to ${o.timeoutMs} ms`);
    await runOnce(out, o.slowCleanupMs, o);
  },
};
