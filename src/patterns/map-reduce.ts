// mapReduce: the single-process map-reduce of smallnest's Go 并发编程实战课 lesson 14 (`mapChan` + `reduce`, whose sample
// program sums 1..5 times 10 to 150). Reads the input until it closes, maps each value (sync or
// async; up to `concurrency` at once), and folds the mapped values into `initial` in input order.
// It runs in the calling task — no task is started — so an error thrown by `mapper` or `reducer`
// rejects the returned promise, and so does cancellation (with the ctx's error).
//
// Bug avoided: the lesson's `reduce` starts from the first element (`out := <-in`), so an empty
// stream returns nil (and a nil input returns nil). Here the initial value is explicit: an empty
// stream reduces to `initial`.

import type { Chan } from "../chan/chan.js";
import { checkCount, checkFunction } from "../internal/errors.js";
import { Ring } from "../internal/ring.js";
import { checkChan, type Done, END, isPromiseLike, noop, Scope } from "./scope.js";

/**
 * Options of {@link mapReduce}.
 *
 * @example
 * ```ts
 * const total = await mapReduce(ctx, urls, fetchSize, (a, n) => a + n, 0, { concurrency: 8 });
 * ```
 */
export interface MapReduceOptions {
  /** How many mapper calls may run at once; default 1. Reduction stays in input order. */
  concurrency?: number;
}

/**
 * Maps every value of `input` and folds the results into `initial`, in input order. Resolves once
 * `input` is closed; rejects with the ctx's error if cancelled first, or with what `mapper` or
 * `reducer` threw.
 *
 * @example
 * ```ts
 * const sum = await mapReduce(ctx, fromIterable(ctx, [1, 2, 3, 4, 5]), (n) => n * 10, (a, n) => a + n, 0);
 * console.log(sum); // 150
 * ```
 */
export function mapReduce<T, U, R>(
  ctx: Done,
  input: Chan<T>,
  mapper: (value: T, index: number) => U | PromiseLike<U>,
  reducer: (acc: R, mapped: U, index: number) => R | PromiseLike<R>,
  initial: R,
  options: MapReduceOptions = {},
): Promise<R> {
  // Bad arguments reject at once, before anything runs (a promise-returning call never throws).
  let s: Scope;
  let limit: number;
  try {
    checkChan("input", input);
    checkFunction("mapper", mapper);
    checkFunction("reducer", reducer);
    limit = checkCount("concurrency", options.concurrency ?? 1, 1);
    s = new Scope(ctx);
  } catch (e) {
    return Promise.reject(e);
  }
  return run(s, input, mapper, reducer, initial, limit);
}

async function run<T, U, R>(
  s: Scope,
  input: Chan<T>,
  mapper: (value: T, index: number) => U | PromiseLike<U>,
  reducer: (acc: R, mapped: U, index: number) => R | PromiseLike<R>,
  initial: R,
  limit: number,
): Promise<R> {
  try {
    let acc = initial;
    let reduced = 0;
    const window = new Ring<U | PromiseLike<U>>(Math.min(limit, 16));
    const fold = async (): Promise<void> => {
      const m = window.shift();
      const r = reducer(acc, isPromiseLike(m) ? await m : m, reduced++);
      acc = isPromiseLike(r) ? await r : r;
    };
    for (let i = 0; ; i++) {
      const v = await s.recv(input);
      if (v === END) break;
      let m: U | PromiseLike<U>;
      if (limit === 1) m = mapper(v, i);
      else {
        const p = Promise.resolve().then(() => mapper(v, i));
        p.catch(noop); // observed when folded; never an unhandled rejection if we stop first
        m = p;
      }
      window.push(m);
      if (window.size >= limit) await fold();
    }
    if (s.stopped) throw s.err();
    while (window.size > 0) await fold();
    return acc;
  } finally {
    s.release();
  }
}
