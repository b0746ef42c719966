// Helpers shared by the lock and semaphore workloads (6 and 7): dealing n operations out to a fixed
// set of tasks, and the bare-promise hand-off ring that is their baseline.

/** How many of n operations task i of t gets when they are dealt round-robin (they add up to n). */
export const share = (n, t, i) => Math.floor(n / t) + (i < n % t ? 1 : 0);

/**
 * Starts t plain async tasks at once, task i running `body(share(n, t, i), i)`, and resolves when all
 * have returned. All t are started before any of them resumes, so they really contend.
 */
export function contend(t, n, body) {
  const tasks = new Array(t);
  for (let i = 0; i < t; i++) tasks[i] = body(share(n, t, i), i);
  return Promise.all(tasks);
}

/**
 * The cheapest contended hand-off JS can do: t tasks and k tokens; a task holding a token does one
 * operation (a counter increment), then parks on a fresh promise of its own and resolves the promise
 * of task (i + k) mod t, which is exactly the order in which a FIFO lock (k = 1) or a FIFO semaphore
 * of k permits hands over. One operation = one resolve → await hand-off. Once n operations are done,
 * each token makes one more lap (at most t extra hand-offs per run) telling the tasks to return.
 * Resolves with the number of operations done.
 */
export async function ring(t, k, n) {
  const wake = new Array(t);
  let done = 0;
  const task = async (i) => {
    const to = (i + k) % t;
    await new Promise((r) => {
      wake[i] = r;
    });
    for (;;) {
      if (done === n) {
        wake[to](); // a task that has already returned ignores it (its promise is settled)
        return;
      }
      done++;
      const turn = new Promise((r) => {
        wake[i] = r;
      });
      wake[to]();
      await turn;
    }
  };
  const tasks = new Array(t);
  for (let i = 0; i < t; i++) tasks[i] = task(i);
  for (let i = 0; i < k; i++) wake[i]();
  await Promise.all(tasks);
  return done;
}
