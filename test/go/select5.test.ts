// Port of Go's test/chan/select5.go: channel operations and simple selects, in every combination.
// Go's program generates a program with one function per combination; here the same enumeration
// (Go's choose / maybe / next, ported as is) drives the combinations directly at run time.
// Each combination does one real send or receive on a 1-buffered channel c, phrased as a plain
// operation or as a select in which the real case is mixed with: a default before or after it
// (Go's MaybeDefault: at most one), a send and a receive on an unbuffered channel nobody uses
// (dummy) and a send and a receive on a nil (null) channel. Checks:
//  - the value received is the one sent, and neither default nor the dummy / nil cases run;
//  - recvOrder / sendOrder: the channel operands and send values are evaluated exactly once, in
//    source order, on entry to the select, and the chosen receive's assignment (here: its body)
//    runs only after all of them (checkorder);
//  - nonblock: with only dummy / nil cases and a default, the default runs and no receive body
//    (Go: assignment target) is touched.
// 1045 combinations in all, as Go's generator reports.
import assert from "node:assert/strict";
import test from "node:test";
import { Chan, otherwise, recv, type SelectCase, select, send } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

// --- Go's enumerator of all paths through some logic --------------------------------------------

class Enumerator {
  private readonly choices: Array<{ i: number; n: number }> = [];
  private cp = -1;

  maybe(): boolean {
    return this.choose(2) === 0;
  }

  choose(n: number): number {
    if (this.cp >= this.choices.length) {
      // never asked this before: start with 0.
      this.choices.push({ i: 0, n });
      this.cp = this.choices.length;
      return 0;
    }
    // otherwise give recorded answer
    const c = this.choices[this.cp]!;
    if (n !== c.n) throw new Error("inconsistent choices");
    this.cp++;
    return c.i;
  }

  next(): boolean {
    if (this.cp < 0) {
      // start a new round
      this.cp = 0;
      return true;
    }
    // increment last choice sequence
    this.cp = this.choices.length - 1;
    while (this.cp >= 0 && this.choices[this.cp]!.i === this.choices[this.cp]!.n - 1) this.cp--;
    if (this.cp < 0) {
      this.choices.length = 0;
      return false;
    }
    this.choices[this.cp]!.i++;
    this.choices.length = this.cp + 1;
    this.cp = 0;
    return true;
  }
}

class Arg {
  def = false;
  nreset = 0;
  constructor(private readonly e: Enumerator) {}
  maybe(): boolean {
    return this.e.maybe();
  }
  maybeDefault(): boolean {
    if (this.def) return false;
    this.def = this.e.maybe();
    return this.def;
  }
  /**
   * Go's nested `{{if .Maybe}}A{{else}}{{if .Maybe}}B{{else}}...{{end}}{{end}}` over `n`
   * alternatives: asks maybe() until one says yes (the last alternative asks nothing).
   */
  alternative(n: number): number {
    for (let i = 0; i < n - 1; i++) if (this.e.maybe()) return i;
    return n - 1;
  }
  mustDefault(): boolean {
    return !this.def;
  }
  reset(): void {
    this.def = false;
    this.nreset++;
  }
}

// --- the generated program's globals -------------------------------------------------------------

// channel is buffered so the test is single-task; we are not interested in the concurrency
// aspects of select, just in the right calls happening.
const c = new Chan<number>(1);
const nilch: Chan<number> | null = null;
const dummy = new Chan<number>();
const st = { n: 1, x: 0, i: undefined as unknown, order: 0 };
const m = new Map<number, number>();

function panic(what: string): never {
  throw new Error(what);
}

// check order of operations by ensuring that successive calls to checkorder have increasing o.
function checkorder(o: number): void {
  if (o <= st.order) panic(`invalid order ${o} after ${st.order}`);
  st.order = o;
}
function fc(ch: Chan<number> | null, o: number): Chan<number> | null {
  checkorder(o);
  return ch;
}
function fcc(ch: Chan<number>, o: number): Chan<number> {
  checkorder(o);
  return ch;
}
function fp(o: number): typeof st {
  checkorder(o);
  return st;
}
function fn(n: number, o: number): number {
  checkorder(o);
  return n;
}
function f(): typeof st {
  return st;
}
function die(x: number): never {
  assert.fail(`have ${x} want ${st.n}`);
}

type Cases = SelectCase<void>[];

// --- the templates -------------------------------------------------------------------------------

// Send n, receive it one way or another into x, check that they match.
async function recvT(a: Arg): Promise<void> {
  await c.send(st.n);
  if (a.maybe()) {
    st.x = (await c.recv()) as number;
  } else {
    const cases: Cases = [];
    // Blocking or non-blocking, before the receive.
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    // Receive from c: direct, indirect, :=, interface and map assignment.
    const receives = [
      recv(c, (v) => {
        st.x = v as number;
      }),
      recv(c, (v) => {
        f().x = v as number;
      }),
      recv(c, (v) => {
        const y = v;
        st.x = y as number;
      }),
      recv(c, (v) => {
        st.i = v;
        st.x = st.i as number;
      }),
      recv(c, (v) => {
        m.set(13, v as number);
        st.x = m.get(13)!;
      }),
    ];
    cases.push(receives[a.alternative(receives.length)]!);
    // Blocking or non-blocking again, after the receive.
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    // Dummy send, receive.
    if (a.maybe()) cases.push(send(dummy, 1, () => panic("dummy send")));
    if (a.maybe()) cases.push(recv(dummy, () => panic("dummy receive")));
    // Nil channel send, receive.
    if (a.maybe()) cases.push(send(nilch, 1, () => panic("nilch send")));
    if (a.maybe()) cases.push(recv(nilch, () => panic("nilch recv")));
    await select(...cases);
  }
  if (st.x !== st.n) die(st.x);
  st.n++;
}

// As recvT, checking the order of operations along the way.
async function recvOrderT(a: Arg): Promise<void> {
  st.order = 0;
  await c.send(st.n);
  const form = a.alternative(3);
  if (form === 0) {
    // Outside of select, the left-to-right rule applies.
    const p = fp(1);
    p.x = (await fcc(c, 2).recv()) as number;
  } else if (form === 1) {
    const k = fn(13, 1);
    m.set(k, (await fcc(c, 2).recv()) as number);
    st.x = m.get(13)!;
  } else {
    // Inside select, the assignment waits until the case is chosen, so the right-hand side
    // happens before anything on the left-hand side.
    const cases: Cases = [];
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    // The channel operand is evaluated on entry (checkorder 1), whichever form is chosen; the
    // assignment (checkorder 100) only in the chosen body.
    switch (a.alternative(4)) {
      case 0:
        cases.push(
          recv(fc(c, 1), (v) => {
            fp(100).x = v as number;
          }),
        );
        break;
      case 1:
        cases.push(
          recv(fc(c, 1), (v) => {
            const y = v;
            st.x = y as number;
          }),
        );
        break;
      case 2:
        cases.push(
          recv(fc(c, 1), (v) => {
            st.i = v;
            st.x = st.i as number;
          }),
        );
        break;
      default:
        cases.push(
          recv(fc(c, 1), (v) => {
            m.set(fn(13, 100), v as number);
            st.x = m.get(13)!;
          }),
        );
    }
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    if (a.maybe()) cases.push(send(fc(dummy, 2), fn(1, 3), () => panic("dummy send")));
    if (a.maybe()) cases.push(recv(fc(dummy, 4), () => panic("dummy receive")));
    if (a.maybe()) cases.push(send(fc(nilch, 5), fn(1, 6), () => panic("nilch send")));
    if (a.maybe()) cases.push(recv(fc(nilch, 7), () => panic("nilch recv")));
    await select(...cases);
  }
  if (st.x !== st.n) die(st.x);
  st.n++;
}

// Send n one way or another, receive it into x, check that they match.
async function sendT(a: Arg): Promise<void> {
  if (a.maybe()) {
    await c.send(st.n);
  } else {
    const cases: Cases = [];
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    cases.push(send(c, st.n, () => {}));
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    if (a.maybe()) cases.push(send(dummy, 1, () => panic("dummy send")));
    if (a.maybe()) cases.push(recv(dummy, () => panic("dummy receive")));
    if (a.maybe()) cases.push(send(nilch, 1, () => panic("nilch send")));
    if (a.maybe()) cases.push(recv(nilch, () => panic("nilch recv")));
    await select(...cases);
  }
  st.x = (await c.recv()) as number;
  if (st.x !== st.n) die(st.x);
  st.n++;
}

// As sendT, checking the order of operations along the way.
async function sendOrderT(a: Arg): Promise<void> {
  st.order = 0;
  if (a.maybe()) {
    const ch = fcc(c, 1);
    await ch.send(fn(st.n, 2));
  } else {
    const cases: Cases = [];
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    cases.push(send(fc(c, 1), fn(st.n, 2), () => {}));
    if (a.maybeDefault()) cases.push(otherwise(() => panic("nonblock")));
    if (a.maybe()) cases.push(send(fc(dummy, 3), fn(1, 4), () => panic("dummy send")));
    if (a.maybe()) cases.push(recv(fc(dummy, 5), () => panic("dummy receive")));
    if (a.maybe()) cases.push(send(fc(nilch, 6), fn(1, 7), () => panic("nilch send")));
    if (a.maybe()) cases.push(recv(fc(nilch, 8), () => panic("nilch recv")));
    await select(...cases);
  }
  st.x = (await c.recv()) as number;
  if (st.x !== st.n) die(st.x);
  st.n++;
}

// Various combinations of non-blocking operations. Receive assignments must not edit (or even
// compute the target of) the left-hand side: no receive body may run.
async function nonblockT(a: Arg): Promise<void> {
  st.x = st.n;
  const cases: Cases = [];
  let defaults = 0;
  if (a.maybeDefault())
    cases.push(
      otherwise(() => {
        defaults++;
      }),
    );
  if (a.maybe()) cases.push(send(dummy, 1, () => panic("dummy <- 1")));
  if (a.maybe()) cases.push(send(nilch, 1, () => panic("nilch <- 1")));
  if (a.maybe()) cases.push(recv(dummy, () => panic("<-dummy")));
  if (a.maybe()) {
    cases.push(
      recv(dummy, (v) => {
        st.x = v as number;
        panic("<-dummy x");
      }),
    );
  }
  if (a.maybe()) cases.push(recv(dummy, () => panic("<-dummy (and didn't crash saving result!)")));
  if (a.maybe()) cases.push(recv(nilch, () => panic("<-nilch")));
  if (a.maybe()) {
    cases.push(
      recv(nilch, (v) => {
        st.x = v as number;
        panic("<-nilch x");
      }),
    );
  }
  if (a.maybe()) cases.push(recv(nilch, () => panic("<-nilch (and didn't crash saving result!)")));
  if (a.mustDefault())
    cases.push(
      otherwise(() => {
        defaults++;
      }),
    );
  await select(...cases);
  assert.equal(defaults, 1, "default ran");
  if (st.x !== st.n) die(st.x);
  st.n++;
}

test("select5: every combination of operations and simple selects", async () => {
  const e = new Enumerator();
  const a = new Arg(e);
  const templates: Array<[string, (a: Arg) => Promise<void>]> = [
    ["recv", recvT],
    ["send", sendT],
    ["recvOrder", recvOrderT],
    ["sendOrder", sendOrderT],
    ["nonblock", nonblockT],
  ];
  for (const [name, t] of templates) {
    for (; e.next(); a.reset()) {
      try {
        await t(a);
      } catch (err) {
        assert.fail(`${name} combination #${a.nreset}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }
  assert.equal(a.nreset, 1045, "number of combinations");
  assert.equal(c.length, 0);
});
