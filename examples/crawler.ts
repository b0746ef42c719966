// A web crawler bounded by a Semaphore and cancelled by a deadline (the weighted semaphore
// of smallnest's Go 并发编程实战课 lesson 16, gopl 8.6's crawler): a breadth-first crawl of a synthetic site where every fetch takes a
// few ms; at most `limit` fetches run at once, and a context with a timeout stops the crawl — in the
// tour once with time to spare and once with a deadline that cuts it short.

import {
  background,
  type Context,
  DeadlineExceeded,
  ErrGroup,
  Semaphore,
  sleep,
  withTimeout,
} from "../src/index.js";
import { type BaseOptions, type Example, intArg } from "./registry.js";

export interface CrawlerOptions extends BaseOptions {
  /** Pages on the synthetic site (default 40). */
  readonly pages?: number;
  /** Concurrent fetches allowed (default 3). */
  readonly limit?: number;
  /** Fetch latency in ms (default 5). */
  readonly latency?: number;
  /** The short deadline of the second crawl, in ms (default 12). */
  readonly shortDeadline?: number;
}

/** Page i links to 2i+1 and 2i+2 (a binary tree) and back to the home page. */
function linksOf(page: number, pages: number): number[] {
  return [2 * page + 1, 2 * page + 2, 0].filter((p) => p < pages);
}

interface Crawl {
  readonly visited: Set<number>;
  readonly maxInFlight: number;
  readonly error: unknown;
}

async function crawl(ctx: Context, pages: number, limit: number, latency: number): Promise<Crawl> {
  const sem = new Semaphore(limit);
  const visited = new Set<number>([0]);
  let inFlight = 0;
  let maxInFlight = 0;
  const [g, gctx] = ErrGroup.withContext(ctx);
  const visit = (page: number): void => {
    g.go(async () => {
      await sem.acquire(1, gctx);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      try {
        await sleep(latency, gctx); // the fetch
      } finally {
        inFlight--;
        sem.release();
      }
      for (const next of linksOf(page, pages)) {
        if (!visited.has(next)) {
          visited.add(next);
          visit(next);
        }
      }
    });
  };
  visit(0);
  let error: unknown = null;
  try {
    await g.wait();
  } catch (e) {
    error = e;
  }
  return { visited, maxInFlight, error };
}

export const crawler: Example<CrawlerOptions> = {
  name: "crawler",
  title: "crawler: Semaphore-bounded fetches, cancelled by a deadline",
  async run(out, opts = {}) {
    const pages = opts.pages ?? intArg(opts.args, 0, 40);
    const limit = opts.limit ?? 3;
    const latency = opts.latency ?? 5;

    const [ctx, cancel] = withTimeout(background(), 60_000);
    const full = await crawl(ctx, pages, limit, latency);
    cancel();
    out(
      `with time to spare: crawled ${full.visited.size} of ${pages} pages, at most ${full.maxInFlight} fetches at once`,
    );

    const [short, cancelShort] = withTimeout(background(), opts.shortDeadline ?? 12);
    const cut = await crawl(short, pages, limit, latency);
    cancelShort();
    const why = cut.error === DeadlineExceeded ? "context deadline exceeded" : String(cut.error);
    out(`with a short deadline: stopped by "${why}" before the end: ${cut.visited.size < pages}`);
  },
};
