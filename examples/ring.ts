// Mirrors the token ring from smallnest's Go 并发编程实战课 lesson 13 ("击鼓传花"): 4 worker goroutines, each with
// its own mailbox channel; whoever holds the token prints its number, sleeps a second and passes the
// token to the next mailbox, so the output is always 1 2 3 4 1 2 3 4 ... one per second. Go's main
// ends in `select {}` and runs forever; here main waits until `tokens` numbers are printed, then
// cancels a context that every blocking call of the workers takes, and waits for all of them to exit.

import { background, Chan, type Context, go, sleep, withCancel } from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface RingOptions extends BaseOptions {
  /** How many numbers to print before stopping (default 8, or the first command-line argument). */
  readonly tokens?: number;
  /** How long each holder keeps the token (the lesson's time.Second; tests shorten it). */
  readonly periodMs?: number;
}

/** Go's `type Token struct{}`. */
type Token = Record<string, never>;

const WORKERS = 4;

async function newWorker(
  ctx: Context,
  id: number,
  ch: Chan<Token>,
  nextCh: Chan<Token>,
  periodMs: number,
  print: (id: number) => void,
  exited: Chan<void>,
): Promise<void> {
  try {
    for (;;) {
      const token = (await ch.recv(ctx)) as Token; // take the token
      print(id + 1); // ids start from 1
      await sleep(periodMs, ctx);
      await nextCh.send(token, ctx);
    }
  } catch (err) {
    if (err !== ctx.err()) throw err;
  } finally {
    await exited.send();
  }
}

export const ring: Example<RingOptions> = {
  name: "ring",
  title: "token ring: 4 workers print 1 2 3 4 1 2 3 4 ... in turn",
  async run(out, opts = {}) {
    const tokens = opts.tokens ?? intArg(opts.args, 0, 8);
    const periodMs = opts.periodMs ?? 1000;
    if (!Number.isInteger(tokens) || tokens < 1) throw new RangeError(`tokens must be >= 1, got ${tokens}`);
    const [ctx, cancel] = withCancel(background());
    let printed = 0;
    const print = (id: number): void => {
      out(String(id));
      if (++printed === tokens) cancel();
    };

    const chs = Array.from({ length: WORKERS }, () => new Chan<Token>());
    const exited = new Chan<void>();
    for (let i = 0; i < WORKERS; i++) {
      go(newWorker, ctx, i, chs[i]!, chs[(i + 1) % WORKERS]!, periodMs, print, exited);
    }
    await chs[0]!.send({}, ctx); // hand the token to the first worker

    await ctx.done()!.recv(); // Go's `select {}`, but it ends when the last number is printed
    for (let i = 0; i < WORKERS; i++) await exited.recv();
    out(`stopped: ${WORKERS} workers exited after ${tokens} tokens`);
  },
};
