// Duration constants: Go's time.Nanosecond ... time.Hour, in gosync's unit of time, the millisecond,
// so durations read as in Go: `sleep(2 * Second)`, `withTimeout(ctx, 500 * Millisecond)`. Where it
// differs: Go's Duration is an int64 of nanoseconds; here a duration is a plain number of
// milliseconds, and timers resolve to about a millisecond (so Nanosecond and Microsecond are for
// arithmetic, not for sleeping that briefly).

/**
 * Go's time.Nanosecond, in milliseconds (0.000001).
 *
 * @example
 * ```ts
 * const ms = elapsedNs * Nanosecond; // nanoseconds to gosync's milliseconds
 * ```
 */
export const Nanosecond = 1e-6;

/**
 * Go's time.Microsecond, in milliseconds (0.001).
 *
 * @example
 * ```ts
 * const ms = 250 * Microsecond; // 0.25
 * ```
 */
export const Microsecond = 1e-3;

/**
 * Go's time.Millisecond: gosync's unit, 1.
 *
 * @example
 * ```ts
 * const t = new Ticker(100 * Millisecond);
 * ```
 */
export const Millisecond = 1;

/**
 * Go's time.Second, in milliseconds (1000).
 *
 * @example
 * ```ts
 * await sleep(2 * Second);
 * ```
 */
export const Second = 1000;

/**
 * Go's time.Minute, in milliseconds (60,000).
 *
 * @example
 * ```ts
 * const [ctx, cancel] = withTimeout(background(), 5 * Minute);
 * ```
 */
export const Minute = 60_000;

/**
 * Go's time.Hour, in milliseconds (3,600,000).
 *
 * @example
 * ```ts
 * const session = await Session.create(backend, { ttl: (1 * Hour) / Second });
 * ```
 */
export const Hour = 3_600_000;
