// The task module of the ThreadPool benchmark (bench/threads.mjs): one trivial function, the same
// for gosync's ThreadPool, piscina and tinypool, so the figure is what the pool itself costs.

/** x + 1: the task. */
export function inc(x) {
  return x + 1;
}

export default inc;
