// gosync/debug — the diagnostics Go programmers rely on, for gosync tasks (Node only: it uses
// AsyncLocalStorage and process hooks; the core stays runtime-agnostic and pays one boolean test per
// blocking call while all this is off):
//
// - task dump: dumpTasks() / formatTaskDump(), Go's goroutine dump (SIGQUIT, runtime.Stack);
// - deadlock report: Go's `fatal error: all goroutines are asleep - deadlock!` at exit;
// - GOSYNC_DEBUG (Go's GODEBUG): `deadlock`, `stacks`, `track`, read when this module is imported,
//   e.g. `GOSYNC_DEBUG=deadlock,stacks node --import gosync/debug app.js`.
//
// The lock-order checker and the race detector (issue 5, second half) will plug into the registry's
// SyncObserver hook (see addObserver in track.ts).

import { applyDebugSettings } from "./env.js";

export {
  DEADLOCK_MESSAGE,
  DeadlockError,
  type DeadlockReportOptions,
  disableDeadlockReport,
  enableDeadlockReport,
} from "./deadlock.js";
export {
  type BlockedInfo,
  describeTarget,
  dumpTasks,
  formatTaskDump,
  type TaskDump,
  type TaskInfo,
} from "./dump.js";
export { applyDebugSettings, type DebugSettings, parseDebugSettings } from "./env.js";
export { enableStackCapture, enableTracking, isTracking } from "./track.js";

applyDebugSettings(process.env.GOSYNC_DEBUG);
