// Result-collecting group combinators, after vardius/gollback and AaronJan/Hunch: run a set of async
// functions concurrently, each given a context that the combinator cancels once the outcome is
// decided, and collect their results. All of them stand on the group core (task-group.ts).
//
//   allSettled  gollback.All   every result and every error, by index
//   race        gollback.Race  the first success; the others are cancelled
//   all         hunch.All      every result, in order; the first error cancels the rest and rejects
//   takeFirst   hunch.Take     the first n results to arrive; the rest are cancelled
//   takeLast    hunch.Last     the last n results to arrive
//   retry       both Retry     one function, retried until it succeeds or the attempts run out
//   waterfall   hunch.Waterfall functions in sequence, each given the previous result
//
// Where they differ from gollback and Hunch: a combinator resolves only after every function it
// started has stopped (the losers see their context cancelled and must return), so nothing it
// started outlives it — Go's rule "never start a goroutine without knowing when it will stop".

import type { Context } from "../chan/context-type.js";
import { checkParent } from "../context/with-cancel.js";
import { checkCount, checkFunction } from "../internal/errors.js";
import { TaskGroup } from "./task-group.js";

/**
 * A function the combinators run: gets a context to honour, returns (or resolves to) a value.
 *
 * @example
 * ```ts
 * const ask = (host: string): AsyncFunc<string> => async (ctx) => (await fetch(host, { signal: ctx.signal })).text();
 * const [fastest] = await takeFirst(ctx, 1, ask(replicaA), ask(replicaB));
 * ```
 */
export type AsyncFunc<T> = (ctx: Context) => T | Promise<T>;

function checkFns(fns: readonly unknown[]): void {
  for (const [i, f] of fns.entries()) checkFunction(`fns[${i}]`, f);
}

/** Runs every fn in a group derived from ctx; onResult/onError decide; resolves when all stopped. */
async function runAll<T>(
  ctx: Context,
  fns: readonly AsyncFunc<T>[],
  onResult: (value: T, index: number, group: TaskGroup) => void,
  onError: (error: unknown, index: number, group: TaskGroup) => void,
): Promise<TaskGroup> {
  checkParent(ctx);
  checkFns(fns);
  const group = new TaskGroup({ ctx });
  for (const [i, fn] of fns.entries()) {
    group.start(async (c) => {
      let value: T;
      try {
        value = await fn(c);
      } catch (e) {
        onError(e, i, group);
        return;
      }
      onResult(value, i, group);
    });
  }
  await group.idle();
  group.cancel();
  return group;
}

/**
 * gollback's All: runs every fn; resolves with every result and every error, by index (never rejects).
 *
 * @example
 * ```ts
 * const [results, errors] = await allSettled(ctx, async () => 1, async () => { throw err; }, async () => 3);
 * // results: [1, undefined, 3]; errors: [undefined, err, undefined]
 * ```
 */
export async function allSettled<T>(
  ctx: Context,
  ...fns: AsyncFunc<T>[]
): Promise<[(T | undefined)[], unknown[]]> {
  const results: (T | undefined)[] = new Array(fns.length).fill(undefined);
  const errors: unknown[] = new Array(fns.length).fill(undefined);
  await runAll(
    ctx,
    fns,
    (v, i) => {
      results[i] = v;
    },
    (e, i) => {
      errors[i] = e;
    },
  );
  return [results, errors];
}

/**
 * gollback's Race: resolves with the first successful result and cancels the others; rejects with an
 * AggregateError if every fn fails.
 *
 * @example
 * ```ts
 * const fastest = await race(ctx, (c) => fetchFrom(mirrorA, c), (c) => fetchFrom(mirrorB, c));
 * ```
 */
export async function race<T>(ctx: Context, ...fns: AsyncFunc<T>[]): Promise<T> {
  let won: { value: T } | null = null;
  const errors: unknown[] = [];
  await runAll(
    ctx,
    fns,
    (v, _i, g) => {
      if (won === null) {
        won = { value: v };
        g.cancel();
      }
    },
    (e) => {
      errors.push(e);
    },
  );
  if (won !== null) return (won as { value: T }).value;
  throw new AggregateError(errors, "race: every function failed");
}

/**
 * Hunch's All: every result, in the order of fns; the first error cancels the others and rejects.
 *
 * @example
 * ```ts
 * const [user, orders] = await all(ctx, (c) => loadUser(id, c), (c) => loadOrders(id, c));
 * ```
 */
export async function all<T>(ctx: Context, ...fns: AsyncFunc<T>[]): Promise<T[]> {
  const results: T[] = new Array(fns.length);
  let failure: { error: unknown } | null = null;
  await runAll(
    ctx,
    fns,
    (v, i) => {
      results[i] = v;
    },
    (e, _i, g) => {
      if (failure === null) {
        failure = { error: e };
        g.cancel(e);
      }
    },
  );
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Hunch's Take: the first n results to arrive, in arrival order; then the others are cancelled. The
 * first error (before n results) cancels the rest and rejects. n must be at most fns.length.
 *
 * @example
 * ```ts
 * const [a, b] = await takeFirst(ctx, 2, ask(replicaA), ask(replicaB), ask(replicaC));
 * ```
 */
export async function takeFirst<T>(ctx: Context, n: number, ...fns: AsyncFunc<T>[]): Promise<T[]> {
  checkCount("n", n);
  if (n > fns.length)
    throw new RangeError(`n must be at most the number of functions (${fns.length}), got ${n}`);
  const results: T[] = [];
  let failure: { error: unknown } | null = null;
  if (n === 0) return results;
  await runAll(
    ctx,
    fns,
    (v, _i, g) => {
      if (results.length < n && failure === null) {
        results.push(v);
        if (results.length === n) g.cancel();
      }
    },
    (e, _i, g) => {
      if (results.length < n && failure === null) {
        failure = { error: e };
        g.cancel(e);
      }
    },
  );
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}

/**
 * Hunch's Last: the last n results to arrive, in arrival order (waits for all). The first error
 * cancels the rest and rejects.
 *
 * @example
 * ```ts
 * const slowest2 = await takeLast(ctx, 2, job1, job2, job3);
 * ```
 */
export async function takeLast<T>(ctx: Context, n: number, ...fns: AsyncFunc<T>[]): Promise<T[]> {
  checkCount("n", n);
  if (n > fns.length)
    throw new RangeError(`n must be at most the number of functions (${fns.length}), got ${n}`);
  const results: T[] = [];
  let failure: { error: unknown } | null = null;
  await runAll(
    ctx,
    fns,
    (v) => {
      results.push(v);
    },
    (e, _i, g) => {
      if (failure === null) {
        failure = { error: e };
        g.cancel(e);
      }
    },
  );
  if (failure !== null) throw (failure as { error: unknown }).error;
  return n === 0 ? [] : results.slice(-n);
}

/**
 * Retries fn until it succeeds, at most `attempts` times in all (0: until it succeeds or ctx is
 * done); rejects with the last error, or with ctx's error once it is cancelled.
 *
 * @example
 * ```ts
 * const body = await retry(ctx, 5, (c) => fetchFlaky(url, c));
 * ```
 */
export async function retry<T>(ctx: Context, attempts: number, fn: AsyncFunc<T>): Promise<T> {
  checkParent(ctx);
  checkCount("attempts", attempts);
  checkFunction("fn", fn);
  let last: unknown;
  for (let i = 0; attempts === 0 || i < attempts; i++) {
    const err = ctx.err();
    if (err !== null) throw err;
    try {
      return await fn(ctx);
    } catch (e) {
      last = e;
    }
  }
  throw last;
}

/**
 * Hunch's Waterfall: runs fns one after another, each given the previous one's result (the first gets
 * undefined); resolves with the last result; stops at the first error or when ctx is cancelled.
 *
 * @example
 * ```ts
 * const total = await waterfall(ctx, async () => 1, async (_c, n) => (n as number) + 1); // 2
 * ```
 */
export async function waterfall(
  ctx: Context,
  ...fns: ((ctx: Context, previous: unknown) => unknown)[]
): Promise<unknown> {
  checkParent(ctx);
  checkFns(fns);
  let previous: unknown;
  for (const fn of fns) {
    const err = ctx.err();
    if (err !== null) throw err;
    previous = await fn(ctx, previous);
  }
  return previous;
}
