// Port of Go's test/chan/powser1.go (after Doug McIlroy's "Squinting at Power Series"): power
// series as demand-driven channels of rational coefficients, one task per operator. A stress
// test of unbuffered channels and of selects with nil (null) cases: `getn` gathers one term from
// each of two series with a four-case select whose cases are switched off by nilling channels,
// and `split` replicates a series onto two readers through a chain of task generations that
// hand over via release channels. Checked, as in Go: Ones, Add, Diff, Integ, Cmul, Sub, Mul, Exp
// and ATan (= Integ(MonSubst(Ones, -1, 2))) give the expected first N coefficients.
// Go's program checks `Add` and `Sub` with a count of 0 (no terms); here 5 terms are checked.
// Rationals use bigint (Go: int64). Go's program exits with its operators' goroutines blocked; the
// port cancels a ctx that all of them wait with, so every task ends with the test (the leak check).
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import { background, Chan, recv, select, send, withCancel } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";
import { cancelled, goUntilCancelled } from "./helpers.js";

// Once, after the test: its subtests share one network of operator tasks (Ones, Twos, ...), which
// the test stops at its end.
leakCheck({ scope: "all" });

interface Rat {
  readonly num: bigint;
  readonly den: bigint;
}

const pr = (u: Rat): string => (u.den === 1n ? `${u.num}` : `${u.num}/${u.den}`);
const eq = (u: Rat, c: Rat): boolean => u.num === c.num && u.den === c.den;

// A demand channel: a request on req is answered by one coefficient on dat.
interface Dch {
  readonly req: Chan<number>;
  readonly dat: Chan<Rat>;
}
type Dch2 = [Dch, Dch];
type PS = Dch; // power series

let seqno = 0;

// Go's program exits with every operator's goroutine still blocked. Here every blocking step takes
// this ctx (selects get a case for it), and the test cancels it at the end: all the tasks exit.
const [ctx, stopAll] = withCancel(background());

function mkdch(): Dch {
  return { req: new Chan<number>(), dat: new Chan<Rat>() };
}
function mkdch2(): Dch2 {
  return [mkdch(), mkdch()];
}

// split reads a single demand channel and replicates its output onto two, which may be read at
// different rates. A task is created at first demand for a rat and dies after the rat has been
// sent to both outputs. When multiple generations of split exist, the newest services requests
// on one channel, which is always renamed to be out[0]; the oldest services requests on the
// other channel, out[1]. All generations but the newest hold queued data that has already been
// sent to out[0]. When data has finally been sent to out[1], a signal on the release-wait
// channel tells the next newer generation to begin servicing out[1].
async function dosplit(inp: Dch, out: Dch2, wait: Chan<number>): Promise<void> {
  let both = false; // do not service both channels
  const woke = await select(
    recv(out[0].req, () => false),
    recv(wait, () => true),
    cancelled(ctx),
  );
  if (woke) {
    both = true;
    const swap = await select(
      recv(out[0].req, () => false),
      recv(out[1].req, () => true),
      cancelled(ctx),
    );
    if (swap) [out[0], out[1]] = [out[1], out[0]];
  }
  seqno++;
  await inp.req.send(seqno, ctx);
  const release = new Chan<number>();
  goUntilCancelled(dosplit, inp, out, release);
  const dat = (await inp.dat.recv(ctx)) as Rat;
  await out[0].dat.send(dat, ctx);
  if (!both) await wait.recv(ctx);
  await out[1].req.recv(ctx);
  await out[1].dat.send(dat, ctx);
  await release.send(0, ctx);
}

async function split(inp: Dch, out: Dch2): Promise<void> {
  const release = new Chan<number>();
  goUntilCancelled(dosplit, inp, out, release);
  await release.send(0, ctx);
}

async function put(dat: Rat, out: Dch): Promise<void> {
  await out.req.recv(ctx);
  await out.dat.send(dat, ctx);
}

async function get(inp: Dch): Promise<Rat> {
  seqno++;
  await inp.req.send(seqno, ctx);
  return (await inp.dat.recv(ctx)) as Rat;
}

// Get one rat from each of 2 demand channels.
async function getn(inp: Dch[]): Promise<Rat[]> {
  let n = inp.length;
  if (n !== 2) throw new Error("bad n in getn");
  const req: [Chan<number> | null, Chan<number> | null] = [inp[0]!.req, inp[1]!.req];
  const dat: [Chan<Rat> | null, Chan<Rat> | null] = [null, null];
  const out: [Rat, Rat] = [zero, zero];
  for (n = 2 * n; n > 0; n--) {
    seqno++;
    await select(
      send(req[0], seqno, () => {
        dat[0] = inp[0]!.dat;
        req[0] = null;
      }),
      send(req[1], seqno, () => {
        dat[1] = inp[1]!.dat;
        req[1] = null;
      }),
      recv(dat[0], (it) => {
        out[0] = it as Rat;
        dat[0] = null;
      }),
      recv(dat[1], (it) => {
        out[1] = it as Rat;
        dat[1] = null;
      }),
      cancelled(ctx),
    );
  }
  return out;
}

const get2 = (in0: Dch, in1: Dch): Promise<Rat[]> => getn([in0, in1]);

async function copyPS(inp: Dch, out: Dch): Promise<never> {
  for (;;) {
    await out.req.recv(ctx);
    await out.dat.send(await get(inp), ctx);
  }
}

async function repeat(dat: Rat, out: Dch): Promise<never> {
  for (;;) await put(dat, out);
}

// Rational arithmetic.
function gcd(u: bigint, v: bigint): bigint {
  if (u < 0n) return gcd(-u, v);
  if (u === 0n) return v;
  return gcd(v % u, u);
}

function i2tor(u: bigint, v: bigint): Rat {
  const g = gcd(u, v);
  return v > 0n ? { num: u / g, den: v / g } : { num: -u / g, den: -v / g };
}
const itor = (u: bigint): Rat => i2tor(u, 1n);

const zero = itor(0n);
const one = itor(1n);
const finis = i2tor(1n, 0n); // end mark: a denominator of zero
const end = (u: Rat): number => (u.den === 0n ? 1 : 0);

function add(u: Rat, v: Rat): Rat {
  const g = gcd(u.den, v.den);
  return i2tor(u.num * (v.den / g) + v.num * (u.den / g), u.den * (v.den / g));
}
function mul(u: Rat, v: Rat): Rat {
  const g1 = gcd(u.num, v.den);
  const g2 = gcd(u.den, v.num);
  return { num: (u.num / g1) * (v.num / g2), den: (u.den / g2) * (v.den / g1) };
}
const neg = (u: Rat): Rat => i2tor(-u.num, u.den);

// Power-series constructors return channels on which power series flow. They start an
// encapsulated generator that puts the terms of the series on the channel.

// Make a pair of power series identical to a given power series.
function Split(U: PS): Dch2 {
  const UU = mkdch2();
  goUntilCancelled(split, U, UU);
  return UU;
}

function Add(U: PS, V: PS): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    for (;;) {
      await Z.req.recv(ctx);
      const uv = await get2(U, V);
      switch (end(uv[0]!) + 2 * end(uv[1]!)) {
        case 0:
          await Z.dat.send(add(uv[0]!, uv[1]!), ctx);
          break;
        case 1:
          await Z.dat.send(uv[1]!, ctx);
          await copyPS(V, Z);
          break;
        case 2:
          await Z.dat.send(uv[0]!, ctx);
          await copyPS(U, Z);
          break;
        case 3:
          await Z.dat.send(finis, ctx);
          break;
      }
    }
  });
  return Z;
}

// Multiply a power series by a constant.
function Cmul(c: Rat, U: PS): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    let done = false;
    while (!done) {
      await Z.req.recv(ctx);
      const u = await get(U);
      if (end(u) !== 0) done = true;
      else await Z.dat.send(mul(c, u), ctx);
    }
    await Z.dat.send(finis, ctx);
  });
  return Z;
}

const Sub = (U: PS, V: PS): PS => Add(U, Cmul(neg(one), V));

function Rep(c: Rat): PS {
  const Z = mkdch();
  goUntilCancelled(repeat, c, Z);
  return Z;
}

// Multiply. With U = u + x*UU and V = v + x*VV: UV = u*v + x*(u*VV+v*UU) + x*x*UU*VV.
function Mul(U: PS, V: PS): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    await Z.req.recv(ctx);
    const uv = await get2(U, V);
    if (end(uv[0]!) !== 0 || end(uv[1]!) !== 0) {
      await Z.dat.send(finis, ctx);
    } else {
      await Z.dat.send(mul(uv[0]!, uv[1]!), ctx);
      const UU = Split(U);
      const VV = Split(V);
      const W = Add(Cmul(uv[0]!, VV[0]), Cmul(uv[1]!, UU[0]));
      await Z.req.recv(ctx);
      await Z.dat.send(await get(W), ctx);
      await copyPS(Add(W, Mul(UU[1], VV[1])), Z);
    }
  });
  return Z;
}

// Differentiate.
function Diff(U: PS): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    await Z.req.recv(ctx);
    let u = await get(U);
    if (end(u) === 0) {
      let done = false;
      for (let i = 1n; !done; i++) {
        u = await get(U);
        if (end(u) !== 0) {
          done = true;
        } else {
          await Z.dat.send(mul(itor(i), u), ctx);
          await Z.req.recv(ctx);
        }
      }
    }
    await Z.dat.send(finis, ctx);
  });
  return Z;
}

// Integrate, with constant of integration c.
function Integ(c: Rat, U: PS): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    await put(c, Z);
    let done = false;
    for (let i = 1n; !done; i++) {
      await Z.req.recv(ctx);
      const u = await get(U);
      if (end(u) !== 0) done = true;
      await Z.dat.send(mul(i2tor(1n, i), u), ctx);
    }
    await Z.dat.send(finis, ctx);
  });
  return Z;
}

// Exponential of a power series with constant term 0 (the constant term is ignored):
// Z = exp(U), DZ = Z*DU, integrate to get Z.
async function Exp(U: PS): Promise<PS> {
  const ZZ = mkdch2();
  await split(Integ(one, Mul(ZZ[0], Diff(U))), ZZ);
  return ZZ[1];
}

// Monomial substitution U(c x^n): each Ui is multiplied by c^i and followed by n-1 zeros.
function MonSubst(U: PS, c0: Rat, n: number): PS {
  const Z = mkdch();
  goUntilCancelled(async () => {
    let c = one;
    for (;;) {
      await Z.req.recv(ctx);
      const u = await get(U);
      await Z.dat.send(mul(u, c), ctx);
      c = mul(c, c0);
      if (end(u) !== 0) {
        await Z.dat.send(finis, ctx);
        break;
      }
      for (let i = 1; i < n; i++) {
        await Z.req.recv(ctx);
        await Z.dat.send(zero, ctx);
      }
    }
  });
  return Z;
}

async function check(U: PS, c: Rat, count: number, str: string): Promise<void> {
  for (let i = 0; i < count; i++) {
    const r = await get(U);
    assert.ok(eq(r, c), `${str}: got ${pr(r)}, should get ${pr(c)}`);
  }
}

const N = 10;

async function checka(U: PS, a: Rat[], str: string): Promise<void> {
  for (let i = 0; i < N; i++) await check(U, a[i]!, 1, `${str}[${i}]`);
}

test("powser1: power series over demand channels", async (t) => {
  try {
    await checkAll(t);
  } finally {
    stopAll();
  }
});

async function checkAll(t: TestContext): Promise<void> {
  seqno = 0;
  const Ones = Rep(one);
  const Twos = Rep(itor(2n));
  const a: Rat[] = new Array<Rat>(N).fill(zero);

  await t.test("Ones", () => check(Ones, one, 5, "Ones"));
  await t.test("Add Ones Ones", () => check(Add(Ones, Ones), itor(2n), 5, "Add Ones Ones"));
  await t.test("Add Ones Twos", () => check(Add(Ones, Twos), itor(3n), 5, "Add Ones Twos"));
  await t.test("Diff", async () => {
    const d = Diff(Ones);
    for (let i = 0; i < N; i++) a[i] = itor(BigInt(i + 1));
    await checka(d, a, "Diff"); // 1 2 3 4 5
  });
  await t.test("Integ", async () => {
    const inp = Integ(zero, Ones);
    a[0] = zero; // integration constant
    for (let i = 1; i < N; i++) a[i] = i2tor(1n, BigInt(i));
    await checka(inp, a, "Integ"); // 0 1 1/2 1/3 1/4 1/5
  });
  await t.test("CMul", () => check(Cmul(neg(one), Twos), itor(-2n), 10, "CMul"));
  await t.test("Sub Ones Twos", () => check(Sub(Ones, Twos), itor(-1n), 5, "Sub Ones Twos"));
  await t.test("Mul", async () => {
    const m = Mul(Ones, Ones);
    for (let i = 0; i < N; i++) a[i] = itor(BigInt(i + 1));
    await checka(m, a, "Mul"); // 1 2 3 4 5
  });
  await t.test("Exp", async () => {
    const e = await Exp(Ones);
    a[0] = itor(1n);
    a[1] = itor(1n);
    a[2] = i2tor(3n, 2n);
    a[3] = i2tor(13n, 6n);
    a[4] = i2tor(73n, 24n);
    a[5] = i2tor(167n, 40n);
    a[6] = i2tor(4051n, 720n);
    a[7] = i2tor(37633n, 5040n);
    a[8] = i2tor(43817n, 4480n);
    a[9] = i2tor(4596553n, 362880n);
    await checka(e, a, "Exp"); // 1 1 3/2 13/6 73/24
  });
  await t.test("ATan", async () => {
    const at = Integ(zero, MonSubst(Ones, neg(one), 2));
    for (let c = 1n, i = 0; i < N; i++) {
      if (i % 2 === 0) {
        a[i] = zero;
      } else {
        a[i] = i2tor(c, BigInt(i));
        c *= -1n;
      }
    }
    await checka(at, a, "ATan"); // 0 1 0 -1/3 0 1/5
  });
}
