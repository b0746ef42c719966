// Port of Go's test/chan/sieve1.go: the classical concurrent prime sieve — a daisy chain of
// filter tasks over unbuffered channels, one per prime. The first 25 primes (those below 100)
// must come out in order.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, go } from "../../src/index.js";
import { PRIMES } from "./helpers.js";

// Send the sequence 2, 3, 4, ... to channel ch.
async function generate(ch: Chan<number>): Promise<void> {
  for (let i = 2; ; i++) await ch.send(i);
}

// Copy the values from inp to out, removing those divisible by prime.
async function filter(inp: Chan<number>, out: Chan<number>, prime: number): Promise<void> {
  for await (const i of inp) {
    if (i % prime !== 0) await out.send(i);
  }
}

// The prime sieve: daisy-chain filter tasks together.
async function sieve(primes: Chan<number>): Promise<void> {
  let ch = new Chan<number>();
  go(generate, ch);
  for (;;) {
    const prime = (await ch.recv()) as number;
    await primes.send(prime);
    const ch1 = new Chan<number>();
    go(filter, ch, ch1, prime);
    ch = ch1;
  }
}

test("sieve1: concurrent prime sieve yields the primes below 100", async () => {
  const primes = new Chan<number>();
  go(sieve, primes);
  for (const want of PRIMES) {
    assert.equal(await primes.recv(), want);
  }
});
