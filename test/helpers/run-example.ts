// Runs one of the tour's examples in-process, as the examples tests do (not a test file itself).

import assert from "node:assert/strict";
import type { BaseOptions, Example } from "../../examples/registry.js";
import { registry } from "../../src/internal/registry.js";

function timers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
}

/** Runs an example, returns its output lines, and checks that it left nothing running behind. */
export async function runExample<O extends BaseOptions>(ex: Example<O>, opts: O): Promise<string[]> {
  const tasksBefore = registry.liveTasks;
  const timersBefore = timers();
  const lines: string[] = [];
  await ex.run((line) => lines.push(line), opts);
  // A task counts as ended once its promise has settled, a few microtasks after its last action.
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(registry.liveTasks, tasksBefore, `${ex.name} left tasks running`);
  assert.equal(timers(), timersBefore, `${ex.name} left timers armed`);
  return lines;
}
