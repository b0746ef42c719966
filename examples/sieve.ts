// Mirrors Go's classic concurrent prime sieve (go.dev/doc/play/sieve.go): a generator task feeds
// 2, 3, 4, ... into a daisy chain of filter tasks, one per prime found so far, and main reads each
// prime off the end of the chain. Go's version simply returns from main and lets the process kill
// the chain; here a context cancels every task and main waits until each has reported its exit.

import { background, Chan, type Context, go, withCancel } from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface SieveOptions extends BaseOptions {
  /** How many primes to print (default 20, or the first command-line argument). */
  readonly count?: number;
}

/** Sends 2, 3, 4, ... to `ch` until ctx is cancelled. */
async function generate(ctx: Context, ch: Chan<number>, exited: Chan<void>): Promise<void> {
  try {
    for (let i = 2; ; i++) await ch.send(i, ctx);
  } catch (err) {
    if (err !== ctx.err()) throw err; // anything but our own cancellation is a real failure
  } finally {
    await exited.send();
  }
}

/** Copies the values from `src` to `dst`, dropping those divisible by `prime`, until ctx is cancelled. */
async function filter(
  ctx: Context,
  src: Chan<number>,
  dst: Chan<number>,
  prime: number,
  exited: Chan<void>,
): Promise<void> {
  try {
    for (;;) {
      const i = (await src.recv(ctx)) as number; // src is never closed: only cancellation ends this
      if (i % prime !== 0) await dst.send(i, ctx);
    }
  } catch (err) {
    if (err !== ctx.err()) throw err;
  } finally {
    await exited.send();
  }
}

export const sieve: Example<SieveOptions> = {
  name: "sieve",
  title: "concurrent prime sieve (a chain of filter tasks)",
  async run(out, opts = {}) {
    const count = opts.count ?? intArg(opts.args, 0, 20);
    const [ctx, cancel] = withCancel(background());
    const exited = new Chan<void>(); // each task sends one value here as it returns

    let ch = new Chan<number>();
    go(generate, ctx, ch, exited);
    const primes: number[] = [];
    for (let i = 0; i < count; i++) {
      const prime = (await ch.recv()) as number;
      primes.push(prime);
      const ch1 = new Chan<number>();
      go(filter, ctx, ch, ch1, prime, exited);
      ch = ch1;
    }
    out(`first ${count} primes: ${primes.join(" ")}`);

    cancel();
    const tasks = count + 1;
    for (let i = 0; i < tasks; i++) await exited.recv();
    out(`cancelled: all ${tasks} tasks stopped (1 generator, ${count} filters)`);
  },
};
