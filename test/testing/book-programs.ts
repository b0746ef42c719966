// Book programs shared by the synctest tests, ported from Go with the programs' own timings (virtual
// time makes them free): the event Tracker after Ardan Labs' "Concurrency Trap #2: Incomplete Work", and the deadlocks of Go 并发编程实战课
// (the police station and the property office, lesson 03; the recursive read lock under a waiting
// writer, lesson 05).

import {
  background,
  Chan,
  type Context,
  go,
  Mutex,
  RWMutex,
  recv,
  select,
  send,
  sleep,
  WaitGroup,
  withDeadline,
} from "../../src/index.js";
import type { Bubble } from "../../src/testing/index.js";

/**
 * The event Tracker: events go through a 10-slot channel to one Run task; Shutdown closes it and
 * waits for Run's stop signal or the context's deadline. `makeStop` false is the Tracker as first
 * written: `t.stop` is never made, so it is Go's nil channel and Run's final send blocks forever.
 */
export class Tracker {
  readonly ch = new Chan<string>(10, "tracker events");
  readonly stop: Chan<void> | null;
  constructor(
    readonly out: (line: string) => void,
    makeStop: boolean,
    /** How long each event takes to report (the original's time.Second). */
    readonly workMs = 1000,
    stopCap = 0,
  ) {
    this.stop = makeStop ? new Chan<void>(stopCap, "tracker stop") : null;
  }

  event(ctx: Context, data: string): Promise<Error | null> {
    return select(
      send(this.ch, data, () => null),
      recv(ctx.done(), () => ctx.err()),
    );
  }

  async run(): Promise<void> {
    for await (const data of this.ch) {
      await sleep(this.workMs);
      this.out(data);
    }
    await select(send(this.stop, undefined, () => {})); // t.stop <- struct{}{} (nil: blocks forever)
  }

  async shutdown(ctx: Context): Promise<void> {
    this.ch.close();
    await select(
      recv(this.stop, () => {}),
      recv(ctx.done(), () => {}),
    );
  }
}

/** The original main: `events` events, 3 s of sleep, then Shutdown with a 5 s deadline. */
export async function trackerMain(bubble: Bubble, tr: Tracker, events: number): Promise<void> {
  go(async function trackerRun() {
    await tr.run();
  });
  for (let i = 1; i <= events; i++) await tr.event(background(), `test${i}`);
  await sleep(3000);
  const [ctx, cancel] = withDeadline(background(), new Date(bubble.now().getTime() + 5000));
  await tr.shutdown(ctx);
  tr.out(`shutdown returned: ${ctx.err()?.message ?? "ok"}`);
  cancel();
}

/** Go 并发编程实战课 lesson 03: each office holds its own certificate and waits for the other's. */
export async function policeStation(): Promise<void> {
  const psCertificate = new Mutex("派出所证明");
  const propertyCertificate = new Mutex("物业证明");
  const wg = new WaitGroup("派出所和物业");
  wg.add(2);
  go(async function policeOffice() {
    await psCertificate.lock();
    await sleep(5000); // 检查材料 (time.Sleep(5 * time.Second))
    await propertyCertificate.lock();
    propertyCertificate.unlock();
    psCertificate.unlock();
    wg.done();
  });
  go(async function propertyOffice() {
    await propertyCertificate.lock();
    await sleep(5000);
    await psCertificate.lock();
    psCertificate.unlock();
    propertyCertificate.unlock();
    wg.done();
  });
  await wg.wait();
}

/** Go 并发编程实战课 lesson 05: a recursive read lock under a writer that arrives at 200 ms; main in select {}. */
export async function recursiveReadLock(out: (line: string) => void): Promise<void> {
  const mu = new RWMutex("mu");
  go(async function writer() {
    await sleep(200);
    await mu.lock();
    out("Lock");
    await sleep(100);
    mu.unlock();
    out("Unlock");
  });
  go(async function reader() {
    await factorial(mu, 10, out);
  });
  await select(); // select {}
}

async function factorial(m: RWMutex, n: number, out: (line: string) => void): Promise<number> {
  if (n < 1) return 0;
  out("RLock");
  await m.rLock();
  try {
    await sleep(100);
    return (await factorial(m, n - 1, out)) * n;
  } finally {
    out("RUnlock");
    m.rUnlock();
  }
}
