// A cache stampede, and SingleFlight preventing it (smallnest's Go 并发编程实战课 lesson 17: singleflight in Go's net and
// module cache). 100 requests for the same key arrive while the cache is cold: without SingleFlight
// each of them loads from the slow backend; with it, one load runs and 99 callers share its result.

import { SingleFlight, sleep, WaitGroup } from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface StampedeOptions extends BaseOptions {
  /** Concurrent requests (default 100). */
  readonly requests?: number;
  /** Backend latency in ms (default 20). */
  readonly latency?: number;
}

class Backend {
  loads = 0;
  constructor(readonly latency: number) {}
  async load(key: string): Promise<string> {
    this.loads++;
    await sleep(this.latency);
    return `value of ${key}`;
  }
}

async function serve(
  requests: number,
  get: (key: string) => Promise<{ value: string; shared: boolean }>,
): Promise<{ shared: number; values: Set<string> }> {
  const wg = new WaitGroup();
  let shared = 0;
  const values = new Set<string>();
  for (let i = 0; i < requests; i++) {
    wg.go(async () => {
      const r = await get("user:42");
      if (r.shared) shared++;
      values.add(r.value);
    });
  }
  await wg.wait();
  return { shared, values };
}

export const stampede: Example<StampedeOptions> = {
  name: "stampede",
  title: "cache stampede: 100 requests for one cold key, without and with SingleFlight",
  async run(out, opts = {}) {
    const requests = opts.requests ?? intArg(opts.args, 0, 100);
    const latency = opts.latency ?? 20;

    const plain = new Backend(latency);
    await serve(requests, async (key) => ({ value: await plain.load(key), shared: false }));
    out(`without SingleFlight: ${requests} requests -> ${plain.loads} backend loads`);

    const backend = new Backend(latency);
    const sf = new SingleFlight<string, string>();
    const { shared, values } = await serve(requests, (key) => sf.do(key, () => backend.load(key)));
    out(
      `with SingleFlight:    ${requests} requests -> ${backend.loads} backend load; ${shared} callers got its shared result`,
    );
    out(`every caller got: ${[...values].join(", ")}`);
  },
};
