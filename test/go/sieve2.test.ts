// Port of Go's test/chan/sieve2.go: an Eratosthenes-style prime sieve built from buffered
// channels — generators of odd numbers and of odd multiples of each prime, a task merging the
// multiples through a heap into one stream of composites, and a proxy task that buffers without
// bound using a select whose send case is disabled with a nil (null) channel while its queue is
// empty. The first 25 primes (those below 100) must come out in order. Go's program exits with its
// tasks blocked; here each takes a ctx that the test cancels at the end, so they all exit (see
// goUntilCancelled).
import assert from "node:assert/strict";
import test from "node:test";
import { background, Chan, type Context, recv, select, send, withCancel } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { cancelled, goUntilCancelled, PRIMES } from "./helpers.js";

leakCheck();

// A chan of odd numbers, starting from 5.
function odds(ctx: Context): Chan<number> {
  const out = new Chan<number>(50);
  goUntilCancelled(async () => {
    for (let n = 5; ; n += 2) await out.send(n, ctx);
  });
  return out;
}

// A chan of odd multiples of the prime p, starting from p*p.
function multiples(ctx: Context, p: number): Chan<number> {
  const out = new Chan<number>(10);
  goUntilCancelled(async () => {
    for (let n = p * p; ; n += 2 * p) await out.send(n, ctx);
  });
  return out;
}

interface PeekCh {
  head: number;
  ch: Chan<number>;
}

// Min-heap of PeekCh by head (Go: container/heap over PeekChHeap).
class PeekChHeap {
  private readonly items: PeekCh[] = [];
  push(x: PeekCh): void {
    const a = this.items;
    a.push(x);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent]!.head <= a[i]!.head) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }
  pop(): PeekCh {
    const a = this.items;
    const top = a[0]!;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l]!.head < a[m]!.head) m = l;
        if (r < a.length && a[r]!.head < a[m]!.head) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top;
  }
}

// A channel to serve as a sending proxy to out: a task receives from the proxy and stores the
// values in an expanding queue, so that sending to the proxy never blocks for long.
function sendproxy(ctx: Context, out: Chan<number>): Chan<number> {
  const proxy = new Chan<number>(10);
  goUntilCancelled(async () => {
    const queue: number[] = []; // Go: a container/ring that doubles when full
    let first = 0;
    for (;;) {
      let c: Chan<number> | null = out;
      let e = 0;
      if (first === queue.length) {
        c = null; // buffer empty: disable output
      } else {
        e = queue[first]!;
      }
      await select(
        recv(proxy, (v) => {
          queue.push(v as number);
        }),
        send(c, e, () => {
          first++;
          if (first > 1024 && first * 2 > queue.length) {
            queue.splice(0, first);
            first = 0;
          }
        }),
        cancelled(ctx),
      );
    }
  });
  return proxy;
}

// A chan of primes.
async function sieve(ctx: Context): Promise<Chan<number>> {
  // The output values.
  const out = new Chan<number>(10);
  await out.send(2, ctx);
  await out.send(3, ctx);

  // The channel of all composites to be eliminated in increasing order.
  const composites = new Chan<number>(50);

  // The feedback loop.
  const primes = new Chan<number>(10);
  await primes.send(3, ctx);

  // Merge channels of multiples of primes into composites.
  goUntilCancelled(async () => {
    const h = new PeekChHeap();
    let min = 15;
    for (;;) {
      const m = multiples(ctx, (await primes.recv(ctx)) as number);
      const head = (await m.recv(ctx)) as number;
      while (min < head) {
        await composites.send(min, ctx);
        const minchan = h.pop();
        min = minchan.head;
        minchan.head = (await minchan.ch.recv(ctx)) as number;
        h.push(minchan);
      }
      while (min === head) {
        const minchan = h.pop();
        min = minchan.head;
        minchan.head = (await minchan.ch.recv(ctx)) as number;
        h.push(minchan);
      }
      await composites.send(head, ctx);
      h.push({ head: (await m.recv(ctx)) as number, ch: m });
    }
  });

  // Sieve out composites from candidates.
  goUntilCancelled(async () => {
    // Only multiples of primes <= sqrt(nth prime) are needed, so the merging task receives from
    // primes much slower than this task sends to it; the proxy buffers to avoid a deadlock.
    const primesProxy = sendproxy(ctx, primes);
    const candidates = odds(ctx);
    let p = (await candidates.recv(ctx)) as number;
    for (;;) {
      const c = (await composites.recv(ctx)) as number;
      while (p < c) {
        await primesProxy.send(p, ctx);
        await out.send(p, ctx);
        p = (await candidates.recv(ctx)) as number;
      }
      if (p === c) p = (await candidates.recv(ctx)) as number;
    }
  });

  return out;
}

test("sieve2: Eratosthenes sieve over buffered channels yields the primes below 100", async () => {
  const [ctx, stop] = withCancel(background());
  try {
    const primes = await sieve(ctx);
    for (const want of PRIMES) {
      assert.equal(await primes.recv(), want);
    }
  } finally {
    stop();
  }
});
