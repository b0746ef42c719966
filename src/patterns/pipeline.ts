// pipeline: Go's pipelines of stages (the Go blog's "Pipelines and cancellation"; the "击鼓传花"
// pipeline and the Stream / Map-Reduce stages of smallnest's Go 并发编程实战课 lessons 13–14): a source, then stages, each
// a function from (ctx, input channel) to output channel, connected in order and all sharing one
// ctx. Cancelling the ctx ends every stage's tasks; the source closing closes each stage's output in
// turn. The `stage` helpers make the stream operators into stages.
//
// Bug avoided: the lessons' stages (`mapChan`, `takeN`) either take no done channel or ignore it
// while receiving, so stopping early leaks every upstream goroutine; here every stage shares the ctx
// and every operator selects on it.

import { Chan } from "../chan/chan.js";
import { filter } from "./filter.js";
import { fromIterable } from "./generate.js";
import { type MapOptions, map } from "./map.js";
import { orDone } from "./or-done.js";
import { type RateLimitOptions, rateLimit } from "./rate-limit.js";
import type { Done } from "./scope.js";
import { skip } from "./skip.js";
import { skipWhile } from "./skip-while.js";
import { take } from "./take.js";
import { takeWhile } from "./take-while.js";

/**
 * One stage of a pipeline: reads `input` until it closes or `ctx` is done, and returns the channel it
 * writes to (closed when it is finished).
 *
 * @example
 * ```ts
 * const double: Stage<number, number> = (ctx, input) => map(ctx, input, (n) => n * 2);
 * ```
 */
export type Stage<A, B> = (ctx: Done, input: Chan<A>) => Chan<B>;

/**
 * Where a pipeline starts: a channel, or the values of an iterable (see {@link fromIterable}).
 *
 * @example
 * ```ts
 * const src: Source<number> = [1, 2, 3]; // or a Chan<number>, a generator, an async iterable
 * ```
 */
export type Source<T> = Chan<T> | Iterable<T> | AsyncIterable<T>;

/**
 * Connects `source` through `stages`, in order, under one ctx; returns the last stage's output.
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withCancel(background());
 * const out = pipeline(ctx, [1, 2, 3, 4, 5], stage.map((n) => n * n), stage.filter((n) => n % 2 === 1));
 * for await (const v of out) console.log(v); // 1 9 25
 * cancel();
 * ```
 */
export function pipeline<A>(ctx: Done, source: Source<A>): Chan<A>;
export function pipeline<A, B>(ctx: Done, source: Source<A>, s1: Stage<A, B>): Chan<B>;
export function pipeline<A, B, C>(ctx: Done, source: Source<A>, s1: Stage<A, B>, s2: Stage<B, C>): Chan<C>;
export function pipeline<A, B, C, D>(
  ctx: Done,
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
): Chan<D>;
export function pipeline<A, B, C, D, E>(
  ctx: Done,
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
): Chan<E>;
export function pipeline<A, B, C, D, E, F>(
  ctx: Done,
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
): Chan<F>;
export function pipeline<A, B, C, D, E, F, G>(
  ctx: Done,
  source: Source<A>,
  s1: Stage<A, B>,
  s2: Stage<B, C>,
  s3: Stage<C, D>,
  s4: Stage<D, E>,
  s5: Stage<E, F>,
  s6: Stage<F, G>,
): Chan<G>;
/** Any number of stages of one element type (see the first overload for an example). */
export function pipeline<T>(ctx: Done, source: Source<T>, ...stages: Stage<T, T>[]): Chan<T>;
export function pipeline(
  ctx: Done,
  source: Source<unknown>,
  ...stages: Stage<unknown, unknown>[]
): Chan<unknown> {
  stages.forEach((st, i) => {
    if (typeof st !== "function") throw new TypeError(`stages[${i}] must be a function`);
  });
  let ch = source instanceof Chan ? source : fromIterable(ctx, source);
  stages.forEach((st, i) => {
    const next = st(ctx, ch);
    if (!(next instanceof Chan)) throw new TypeError(`stages[${i}] must return a Chan`);
    ch = next;
  });
  return ch;
}

/**
 * The stream operators as pipeline stages: `stage.map(fn)` is `(ctx, input) => map(ctx, input, fn)`.
 *
 * @example
 * ```ts
 * pipeline(ctx, lines, stage.skip(1), stage.map(parse), stage.filter(isValid), stage.take(100));
 * ```
 */
export const stage = {
  /** {@link map} as a stage. */
  map:
    <T, U>(fn: (value: T, index: number) => U | PromiseLike<U>, options?: MapOptions): Stage<T, U> =>
    (ctx, input) =>
      map(ctx, input, fn, options),
  /** {@link filter} as a stage. */
  filter:
    <T>(pred: (value: T, index: number) => boolean | PromiseLike<boolean>): Stage<T, T> =>
    (ctx, input) =>
      filter(ctx, input, pred),
  /** {@link take} as a stage. */
  take:
    <T>(n: number): Stage<T, T> =>
    (ctx, input) =>
      take(ctx, input, n),
  /** {@link takeWhile} as a stage. */
  takeWhile:
    <T>(pred: (value: T, index: number) => boolean | PromiseLike<boolean>): Stage<T, T> =>
    (ctx, input) =>
      takeWhile(ctx, input, pred),
  /** {@link skip} as a stage. */
  skip:
    <T>(n: number): Stage<T, T> =>
    (ctx, input) =>
      skip(ctx, input, n),
  /** {@link skipWhile} as a stage. */
  skipWhile:
    <T>(pred: (value: T, index: number) => boolean | PromiseLike<boolean>): Stage<T, T> =>
    (ctx, input) =>
      skipWhile(ctx, input, pred),
  /** {@link rateLimit} as a stage. */
  rateLimit:
    <T>(perMs: number, options?: RateLimitOptions): Stage<T, T> =>
    (ctx, input) =>
      rateLimit(ctx, input, perMs, options),
  /** {@link orDone} as a stage. */
  orDone:
    <T>(): Stage<T, T> =>
    (ctx, input) =>
      orDone(ctx, input),
} as const;
