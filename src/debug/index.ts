// gosync/debug — the diagnostics Go programmers rely on, for gosync tasks (Node only: it uses
// AsyncLocalStorage and process hooks; the core stays runtime-agnostic and pays one boolean test per
// blocking call while all this is off):
//
// - task dump: dumpTasks() / formatTaskDump(), Go's goroutine dump (SIGQUIT, runtime.Stack);
// - deadlock report: Go's `fatal error: all goroutines are asleep - deadlock!` at exit;
// - lock-order check: enableLockOrderCheck(), lockdep / go-deadlock's `POTENTIAL DEADLOCK` for Mutex
//   and RWMutex taken in opposite orders, locked recursively, or held too long;
// - race detector: enableRaceDetector() + instrument(obj), Go's `-race` (`WARNING: DATA RACE`) for state
//   shared between tasks, with atomicAdd & co. (sync/atomic) and raceAcquire/raceRelease;
// - GOSYNC_DEBUG (Go's GODEBUG): `deadlock`, `stacks`, `track`, `lockorder`, `lockhold=MS`, `race`,
//   read when this module is imported, e.g. `GOSYNC_DEBUG=deadlock,stacks node --import gosync/debug app.js`.
//
// The lock-order check and the race detector listen to the primitives through the registry's
// SyncObserver hook (see addObserver in track.ts): one null test per operation while they are off.
// May import (ARCHITECTURE.md): the core layers; never etcd, threads or testing.

import { processWide } from "../internal/process-wide.js";
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
export {
  disableLockOrderCheck,
  enableLockOrderCheck,
  isLockOrderCheckOn,
  type LockOrderOptions,
  type LockOrderReport,
  type LockSite,
  POTENTIAL_DEADLOCK,
} from "./lockorder.js";
export {
  disableRaceDetector,
  enableRaceDetector,
  isRaceDetectorOn,
  type RaceAccess,
  type RaceDetectorOptions,
  type RaceReport,
  raceAcquire,
  raceRelease,
} from "./race.js";
export { atomicAdd, atomicCompareAndSwap, atomicLoad, atomicStore, atomicSwap } from "./race-atomic.js";
export { instrument, track } from "./race-instrument.js";
export { enableStackCapture, enableTracking, isTracking } from "./track.js";

// Once per process: the ESM and the CommonJS copy may both be loaded (`--import gosync/debug` with an
// app that requires it), and the settings must not be applied twice (two lock-order checkers...).
const env = processWide("debug.env/1", () => ({ applied: false }));
if (!env.applied) {
  env.applied = true;
  applyDebugSettings(process.env.GOSYNC_DEBUG);
}
