// Test helpers: observe whether a promise has settled after the event loop has drained once —
// "blocks" in these tests means "still pending after every runnable task has run", never a timing.

export type State<T> = { s: "pending" } | { s: "fulfilled"; v: T } | { s: "rejected"; e: unknown };

export function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Tracks a promise's state. */
export function watch<T>(p: Promise<T>): { readonly state: State<T> } {
  const w: { state: State<T> } = { state: { s: "pending" } };
  p.then(
    (v) => {
      w.state = { s: "fulfilled", v };
    },
    (e: unknown) => {
      w.state = { s: "rejected", e };
    },
  );
  return w;
}

/** The state of `p` after the event loop has drained. */
export async function stateAfterDrain<T>(p: Promise<T>): Promise<State<T>> {
  const w = watch(p);
  await drain();
  return w.state;
}
