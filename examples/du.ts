// Mirrors gopl.io/ch8/du4 (The Go Programming Language, 8.9 "Cancellation"): a concurrent disk-usage
// walk. One task per directory (walkDir) sends each file's size on `fileSizes`; a counting semaphore
// channel of capacity 20 bounds how many directories are read at once; main totals the sizes, prints
// progress on every tick, and stops early when `done` is closed: walkers poll `cancelled()`, the
// semaphore acquire selects on `done`, and main drains `fileSizes` so no walker stays blocked.
// `done` is a context's done channel here. It is cancelled by pressing Enter when stdin is a terminal
// (du4's stdin goroutine), after a deadline otherwise, and in any case when the walk is over.

import { once } from "node:events";
import { lstat, readdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import {
  background,
  type CancelCauseFunc,
  Chan,
  type Context,
  cause,
  go,
  otherwise,
  recv,
  select,
  send,
  Ticker,
  withCancel,
  withCancelCause,
  withTimeout,
} from "../src/index.js";
import type { BaseOptions, Example, Out } from "./registry.js";

export interface DuOptions extends BaseOptions {
  /** Directories to walk (default: the command-line arguments, else this repository). */
  readonly roots?: readonly string[];
  /** Progress period (default 100 ms, so that the tour shows some; du4 uses 500 ms). */
  readonly progressMs?: number;
  /** Without an input to watch, cancel the walk after this long (default 10 s). */
  readonly timeoutMs?: number;
  /** A line on this stream cancels the walk; default: stdin if it is a terminal, else none (null). */
  readonly input?: Readable | null;
}

/** This repository: the default root. */
const REPO = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The semaphore's capacity: at most this many directories are read at once. */
const MAX_OPEN = 20;

interface Entry {
  readonly name: string;
  readonly isDir: boolean;
  readonly size: number;
}

function printDiskUsage(out: Out, nfiles: number, nbytes: number): void {
  out(`${nfiles} files  ${(nbytes / 1e6).toFixed(1)} MB`);
}

function describe(reason: unknown): string {
  return reason instanceof Error ? reason.message : String(reason);
}

/** du4's stdin goroutine: the first input cancels the walk. Ends (quietly) when ctx is done. */
async function cancelOnInput(ctx: Context, input: Readable, cancel: CancelCauseFunc, exited: Chan<void>) {
  try {
    await once(input, "data", { signal: ctx.signal });
    cancel(new Error("input on stdin"));
  } catch (err) {
    if (ctx.err() === null) throw err; // not the abort that ends this task
  } finally {
    input.pause(); // stop reading, or a terminal's stdin would keep the process alive
    exited.close();
  }
}

/** One walk: its channels and its WaitGroup-like count of live walkers. */
class Walk {
  readonly fileSizes = new Chan<number>();
  readonly sema = new Chan<void>(MAX_OPEN); // a counting semaphore: send acquires, receive releases
  private walkers = 0;

  constructor(
    readonly done: Chan<never>,
    readonly out: Out,
  ) {}

  /** du4's `cancelled()`: polls done with a non-blocking select. */
  cancelled(): Promise<boolean> {
    return select(
      recv(this.done, () => true),
      otherwise(() => false),
    );
  }

  /** Starts a walker for `dir` (du4's `n.Add(1); go walkDir(dir, &n, fileSizes)`). */
  start(dir: string): void {
    this.walkers++;
    go(this.walkDir, dir);
  }

  /** Walks `dir`, sending the size of each file and starting a walker for each subdirectory. */
  private readonly walkDir = async (dir: string): Promise<void> => {
    try {
      if (await this.cancelled()) return;
      for (const entry of await this.dirents(dir)) {
        if (entry.isDir) this.start(join(dir, entry.name));
        else await this.fileSizes.send(entry.size);
      }
    } finally {
      // du4's `defer n.Done()` plus its closer goroutine `n.Wait(); close(fileSizes)`: a plain
      // counter is enough, since tasks never run in parallel.
      if (--this.walkers === 0) this.fileSizes.close();
    }
  };

  /** The entries of `dir`, read while holding a semaphore token; none once cancelled. */
  private async dirents(dir: string): Promise<Entry[]> {
    const acquired = await select(
      send(this.sema, undefined, () => true), // acquire token
      recv(this.done, () => false), // cancelled
    );
    if (!acquired) return [];
    try {
      const dirents = await readdir(dir, { withFileTypes: true });
      return await Promise.all(
        dirents.map(async (d): Promise<Entry> => {
          if (d.isDirectory()) return { name: d.name, isDir: true, size: 0 };
          return { name: d.name, isDir: false, size: (await lstat(join(dir, d.name))).size };
        }),
      );
    } catch (err) {
      this.out(`du: ${describe(err)}`);
      return [];
    } finally {
      await this.sema.recv(); // release token
    }
  }
}

export const du: Example<DuOptions> = {
  name: "du",
  title: "du with cancellation: concurrent walk, semaphore channel, progress ticker",
  async run(out, opts = {}) {
    const roots = opts.roots ?? (opts.args !== undefined && opts.args.length > 0 ? opts.args : [REPO]);
    const input = opts.input !== undefined ? opts.input : process.stdin.isTTY ? process.stdin : null;
    const [base, cancelWith] = withCancelCause(background());
    const [ctx, cancel] = input === null ? withTimeout(base, opts.timeoutMs ?? 10_000) : withCancel(base);

    const inputExited = new Chan<void>();
    if (input === null) {
      inputExited.close();
    } else {
      out("(press Enter to cancel)");
      go(cancelOnInput, ctx, input, cancelWith, inputExited);
    }

    const walk = new Walk(ctx.done()!, out);
    for (const root of roots) walk.start(root);

    const tick = new Ticker(opts.progressMs ?? 100);
    let nfiles = 0;
    let nbytes = 0;
    let state: "walking" | "finished" | "cancelled" = "walking";
    while (state === "walking") {
      state = await select(
        recv(walk.done, () => "cancelled" as const),
        recv(walk.fileSizes, (size, ok) => {
          if (!ok) return "finished" as const;
          nfiles++;
          nbytes += size as number;
          return "walking" as const;
        }),
        recv(tick.c, () => {
          printDiskUsage(out, nfiles, nbytes);
          return "walking" as const;
        }),
      );
    }
    tick.stop();
    if (state === "cancelled") {
      for await (const _ of walk.fileSizes) {
        // Drain fileSizes to allow existing walkers to finish.
      }
    }

    if (ctx.err() !== null) out(`du: cancelled (${describe(cause(ctx))}), partial total:`);
    printDiskUsage(out, nfiles, nbytes);
    cancel(); // the walk is over: this also ends the input task
    cancelWith();
    await inputExited.recv();
  },
};
