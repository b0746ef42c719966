// Promise state that tests can read synchronously — shared by the sync and ext suites.

export type Outcome<T> =
  | { readonly s: "pending" }
  | { readonly s: "fulfilled"; readonly v: T }
  | { readonly s: "rejected"; readonly e: unknown };

/** A promise whose state can be read synchronously at any time. */
export interface Probe<T> {
  readonly promise: Promise<T>;
  readonly state: Outcome<T>;
  readonly pending: boolean;
  readonly fulfilled: boolean;
  readonly rejected: boolean;
  /** The value (throws unless fulfilled). */
  readonly value: T;
  /** The rejection reason (throws unless rejected). */
  readonly error: unknown;
}

/** Probes `p`; a rejection is observed here, so it never counts as unhandled. */
export function probe<T>(p: Promise<T> | T): Probe<T> {
  const promise = Promise.resolve(p);
  let state: Outcome<T> = { s: "pending" };
  promise.then(
    (v) => {
      state = { s: "fulfilled", v };
    },
    (e: unknown) => {
      state = { s: "rejected", e };
    },
  );
  return {
    promise,
    get state() {
      return state;
    },
    get pending() {
      return state.s === "pending";
    },
    get fulfilled() {
      return state.s === "fulfilled";
    },
    get rejected() {
      return state.s === "rejected";
    },
    get value(): T {
      if (state.s !== "fulfilled") throw new Error(`expected a value, the promise is ${state.s}`);
      return state.v;
    },
    get error(): unknown {
      if (state.s !== "rejected") throw new Error(`expected a rejection, the promise is ${state.s}`);
      return state.e;
    },
  };
}
