// The functions the threads examples run on pool threads (a ThreadPool runs the exported functions
// of one module). Each runs on its own worker thread, in parallel with the others.

import type { AtomicInt32, Mutex } from "../src/threads/index.js";

/** Counts itself in, then waits until `parties` tasks have: so the increments really overlap. */
function startTogether(gate: Int32Array, parties: number): void {
  Atomics.add(gate, 0, 1);
  Atomics.notify(gate, 0);
  for (;;) {
    const n = Atomics.load(gate, 0);
    if (n >= parties) return;
    Atomics.wait(gate, 0, n);
  }
}

/** `counter[0]++`, n times, with nothing to stop two threads from interleaving read and write. */
export function addPlain(counter: Int32Array, n: number, gate: Int32Array, parties: number): void {
  startTogether(gate, parties);
  for (let i = 0; i < n; i++) {
    const v = counter[0]!; // read...
    counter[0] = v + 1; // ...write: another thread's increment in between is lost
  }
}

/** The same increment, under the shared Mutex (Go: mu.Lock(); counter++; mu.Unlock()). */
export function addLocked(
  mu: Mutex,
  counter: Int32Array,
  n: number,
  gate: Int32Array,
  parties: number,
): void {
  startTogether(gate, parties);
  for (let i = 0; i < n; i++) {
    mu.lockSync();
    counter[0] = counter[0]! + 1;
    mu.unlock();
  }
}

/** The same, with one atomic read-modify-write per increment (Go: counter.Add(1) on an atomic.Int32). */
export function addAtomic(counter: AtomicInt32, n: number, gate: Int32Array, parties: number): void {
  startTogether(gate, parties);
  for (let i = 0; i < n; i++) counter.add(1);
}

/**
 * The primes in [lo, hi): a segment of the sieve of Eratosthenes. Each segment first sieves the
 * small primes up to √hi itself (cheap), then crosses their multiples off its own range.
 */
export function primesInSegment(lo: number, hi: number): number {
  const root = Math.floor(Math.sqrt(hi));
  const small = new Uint8Array(root + 1); // 1 = composite
  const base: number[] = [];
  for (let i = 2; i <= root; i++) {
    if (small[i] === 1) continue;
    base.push(i);
    for (let j = i * i; j <= root; j += i) small[j] = 1;
  }
  const from = Math.max(lo, 2);
  if (from >= hi) return 0;
  const seg = new Uint8Array(hi - from);
  for (const p of base) {
    const start = Math.max(p * p, Math.ceil(from / p) * p);
    for (let j = start; j < hi; j += p) seg[j - from] = 1;
  }
  let count = 0;
  for (let i = 0; i < seg.length; i++) if (seg[i] === 0) count++;
  return count;
}
