// Port of Go's test/chan/select7.go: select when discarding a value. Every combination of a
// receiver written as `<-c`, a one-case select, or a two-case select (the other channel never
// ready), against a sender written as `c <- 1`, a one-case select, or a two-case select, must
// complete. The receiver task is started and given a turn (runtime.Gosched -> yieldNow) first.
import test from "node:test";
import { Chan, go, recv, select, send, yieldNow } from "../../src/index.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

type Recv = (c: Chan<number>) => Promise<void>;

const recv1: Recv = async (c) => {
  await c.recv();
};
const recv2: Recv = async (c) => {
  await select(recv(c, () => {}));
};
const recv3: Recv = async (c) => {
  const c2 = new Chan<number>();
  await select(
    recv(c, () => {}),
    recv(c2, () => {}),
  );
};

async function send1(r: Recv): Promise<void> {
  const c = new Chan<number>();
  go(r, c);
  await yieldNow();
  await c.send(1);
}
async function send2(r: Recv): Promise<void> {
  const c = new Chan<number>();
  go(r, c);
  await yieldNow();
  await select(send(c, 1, () => {}));
}
async function send3(r: Recv): Promise<void> {
  const c = new Chan<number>();
  go(r, c);
  await yieldNow();
  const c2 = new Chan<number>();
  await select(
    send(c, 1, () => {}),
    send(c2, 1, () => {}),
  );
}

const receivers: Array<[string, Recv]> = [
  ["recv1", recv1],
  ["recv2", recv2],
  ["recv3", recv3],
];
const senders: Array<[string, (r: Recv) => Promise<void>]> = [
  ["send1", send1],
  ["send2", send2],
  ["send3", send3],
];

for (const [rname, r] of receivers) {
  for (const [sname, s] of senders) {
    test(`select7: ${sname}(${rname}) completes`, async () => {
      await s(r);
    });
  }
}
