// Waiting on a group (ErrGroup.wait, WorkerPool.stopWait) is on record as a blocked operation, so
// task dumps, the deadlock report and synctest's idle test see the waiter.

import assert from "node:assert/strict";
import { test } from "node:test";
import { Chan, ErrGroup, WorkerPool } from "../../src/index.js";
import { registry } from "../../src/internal/registry.js";
import { leakCheck } from "../../src/testing/index.js";

leakCheck();

function reasons(): string[] {
  return [...registry.blocked.values()].map((op) => op.reason);
}

test("ErrGroup.wait and WorkerPool.stopWait are blocked operations while they wait", async () => {
  const was = registry.tracking;
  registry.tracking = true;
  try {
    const gate = new Chan<void>();
    const g = new ErrGroup();
    g.go(() => gate.recv());
    const waited = g.wait();
    const pool = new WorkerPool({ workers: 1 });
    pool.submit(() => gate.recv());
    await new Promise((r) => setImmediate(r));
    const stopped = pool.stopWait();
    assert.ok(reasons().includes("errgroup.Wait"), reasons().join(", "));
    assert.ok(reasons().includes("workerpool.StopWait"), reasons().join(", "));
    gate.close();
    await Promise.all([waited, stopped]);
    assert.ok(!reasons().includes("errgroup.Wait") && !reasons().includes("workerpool.StopWait"));
  } finally {
    registry.tracking = was;
  }
});
