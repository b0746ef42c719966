// ErrGroup with task tracking on (gosync/debug's enableTracking, which needs Node's
// AsyncLocalStorage): every task, one started inside go() and one queued at the limit alike, runs
// inside its own task record, and the records end with the tasks.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { enableTracking } from "../../src/debug/track.js";
import { ErrGroup } from "../../src/index.js";
import { registry, type TaskRecord } from "../../src/internal/registry.js";
import { gate, settle } from "./helpers.js";

describe("ErrGroup: tasks as diagnostics see them", () => {
  enableTracking();
  test("every task runs inside a task record, a queued one too, and the records end with the tasks", async () => {
    const g = new ErrGroup();
    g.setLimit(1);
    const seen: (TaskRecord | undefined)[] = [];
    const hold = gate();
    const before = registry.tasks.size;
    void g.go(async () => {
      seen.push(registry.currentTask());
      await hold.promise;
      seen.push(registry.currentTask()); // still the same task after an await
    });
    const queued = g.go(async () => {
      await settle(1);
      seen.push(registry.currentTask());
    });
    assert.equal(registry.tasks.size, before + 1, "one slot running");
    hold.open();
    await queued;
    await g.wait();
    assert.equal(seen.length, 3);
    assert.ok(seen.every((t) => t !== undefined && t.id > 1));
    assert.equal(seen[0], seen[1]);
    assert.equal(registry.tasks.size, before, "no record left behind");
  });
});
