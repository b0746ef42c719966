// Port of Go's test/chan/sieve1.go: the classical concurrent prime sieve — a daisy chain of
// filter tasks over unbuffered channels, one per prime. The first 25 primes (those below 100)
// must come out in order. Go's program exits with the chain blocked; here every task takes a ctx
// that the test cancels at the end, so the whole chain exits (see goUntilCancelled).
import assert from "node:assert/strict";
import test from "node:test";
import { background, Chan, type Context, withCancel } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { goUntilCancelled, PRIMES } from "./helpers.js";

leakCheck();

// Send the sequence 2, 3, 4, ... to channel ch.
async function generate(ctx: Context, ch: Chan<number>): Promise<void> {
  for (let i = 2; ; i++) await ch.send(i, ctx);
}

// Copy the values from inp to out, removing those divisible by prime.
async function filter(ctx: Context, inp: Chan<number>, out: Chan<number>, prime: number): Promise<void> {
  for (;;) {
    const i = (await inp.recv(ctx)) as number;
    if (i % prime !== 0) await out.send(i, ctx);
  }
}

// The prime sieve: daisy-chain filter tasks together.
async function sieve(ctx: Context, primes: Chan<number>): Promise<void> {
  let ch = new Chan<number>();
  goUntilCancelled(generate, ctx, ch);
  for (;;) {
    const prime = (await ch.recv(ctx)) as number;
    await primes.send(prime, ctx);
    const ch1 = new Chan<number>();
    goUntilCancelled(filter, ctx, ch, ch1, prime);
    ch = ch1;
  }
}

test("sieve1: concurrent prime sieve yields the primes below 100", async () => {
  const [ctx, stop] = withCancel(background());
  const primes = new Chan<number>();
  goUntilCancelled(sieve, ctx, primes);
  try {
    for (const want of PRIMES) {
      assert.equal(await primes.recv(), want);
    }
  } finally {
    stop();
  }
});
