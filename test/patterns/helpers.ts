// Shared helpers for the channel-pattern tests (not a test file itself): draining the event loop,
// collecting a channel, checking that a pattern left no task running, catching panics of tasks.
import assert from "node:assert/strict";
import { afterEach } from "node:test";
import { type Chan, type PanicHandler, setPanicHandler } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { settle } from "../helpers/settle.js";

export { settle };

/** Every value of `ch` until it is closed. */
export async function collect<T>(ch: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of ch) out.push(v);
  return out;
}

/** Receives exactly `n` values. */
export async function recvN<T>(ch: Chan<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    const [v, ok] = await ch.recvOk();
    assert.ok(ok, `channel closed after ${i} of ${n} values`);
    out.push(v);
  }
  return out;
}

/** Whether `ch` is closed and drained (a receive would return ok = false at once). */
export function isFinished(ch: Chan<unknown>): boolean {
  const r = ch.tryRecv();
  return r !== undefined && !r[1];
}

/**
 * Records registry.liveTasks now; `check()` drains the event loop and asserts it is back to the
 * recorded count (every task the code under test started has ended).
 */
export function tasks(): { check(msg?: string): Promise<void>; readonly started: number } {
  const base = registry.liveTasks;
  return {
    started: base,
    async check(msg = "tasks left running") {
      await settle();
      assert.equal(registry.liveTasks, base, msg);
    },
  };
}

export function liveTasks(): number {
  return registry.liveTasks;
}

const restore: (PanicHandler | null)[] = [];
afterEach(() => {
  while (restore.length > 0) setPanicHandler(restore.pop() ?? null);
});

/** Collects errors escaping tasks (instead of crashing) for the current test. */
export function catchPanics(): unknown[] {
  const errors: unknown[] = [];
  restore.push(setPanicHandler((e) => errors.push(e)));
  return errors;
}
