// gosync/testing — test helpers for code that uses gosync (Node only):
//
// - synctest(fn) / synctest.wait(): Go's testing/synctest, a virtual-time bubble in which timers,
//   tickers, sleep, after and context deadlines take no real time and run deterministically;
// - expectNoLeakedTasks() / leakCheck(): uber-go/goleak, failing a test that leaves tasks running or
//   operations blocked, naming them with the task dump.
// May import (ARCHITECTURE.md): the core layers and gosync/debug; never etcd or threads.

export { DeadlockError } from "../debug/deadlock.js";
export { formatTaskDump, type TaskDump, type TaskInfo } from "../debug/dump.js";
export {
  expectNoLeakedTasks,
  findLeakedTasks,
  type LeakCheckHookOptions,
  type LeakCheckOptions,
  LeakError,
  leakCheck,
  snapshotTasks,
  type TaskSnapshot,
  type TestHooks,
} from "./leak.js";
export { type Bubble, StallError, type Synctest, type SynctestOptions, synctest } from "./synctest.js";
export { VIRTUAL_EPOCH } from "./virtual-clock.js";
