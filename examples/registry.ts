// The shape every example exports (the tour in tour.ts lists them in order). Each example mirrors a
// Go program (its file says which) and writes its output line by line through `out`, so the tour
// prints it and the tests collect it.

/** Where an example writes its output, one line per call. */
export type Out = (line: string) => void;

/**
 * Progress of a long step: called once with a label and the total, it returns the function to call
 * with the amount done so far. The tour draws a bar on a terminal; tests pass nothing.
 */
export type Progress = (label: string, total: number) => (done: number) => void;

/** Options every example accepts: the command-line arguments after its name (`npm start -- du .`). */
export interface BaseOptions {
  readonly args?: readonly string[];
  /** Where a long example reports its progress (absent: it does not). */
  readonly progress?: Progress;
}

export interface Example<O extends BaseOptions = BaseOptions> {
  /** What `npm start -- <name>` selects. */
  readonly name: string;
  readonly title: string;
  /**
   * Runs the program to the end. It resolves only once every task it started has stopped and every
   * timer it armed is stopped or fired, so the process can exit on its own afterwards.
   */
  run(out: Out, opts?: O): Promise<void>;
}

/** Parses a positive integer command-line argument, or returns `fallback` when it is absent. */
export function intArg(args: readonly string[] | undefined, index: number, fallback: number): number {
  const text = args?.[index];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`expected a positive integer, got ${text}`);
  return n;
}
