// GOSYNC_DEBUG: gosync's GODEBUG. A comma-separated list of settings, each `name` or `name=1` (on)
// or `name=0` (off); unknown names are ignored, as Go ignores unknown GODEBUG settings.
//
//     GOSYNC_DEBUG=deadlock          deadlock report at exit (and task tracking)
//     GOSYNC_DEBUG=stacks            stack capture for dumps (and task tracking)
//     GOSYNC_DEBUG=track             task tracking only (named tasks in dumps and leak reports)
//     GOSYNC_DEBUG=deadlock,stacks   both
//     GOSYNC_DEBUG=lockorder         lock-order check: locks taken in opposite orders (lockdep)
//     GOSYNC_DEBUG=lockhold=500      the same, and report a lock held longer than 500 ms
//     GOSYNC_DEBUG=race              race detector for instrument()ed objects (Go's -race; exit 66)
//
// It is read when gosync/debug is first imported; the core never reads the environment (it runs
// where there is none). To apply it to a program without touching its code:
//     GOSYNC_DEBUG=deadlock node --import gosync/debug app.js
// (or NODE_OPTIONS="--import gosync/debug"). Importing gosync/debug early in the program works too.

import { enableDeadlockReport } from "./deadlock.js";
import { enableLockOrderCheck } from "./lockorder.js";
import { enableRaceDetector } from "./race.js";
import { enableStackCapture, enableTracking } from "./track.js";

/**
 * The settings GOSYNC_DEBUG can turn on.
 *
 * @example
 * ```ts
 * const { deadlock, stacks } = parseDebugSettings(process.env.GOSYNC_DEBUG);
 * ```
 */
export interface DebugSettings {
  /** The deadlock report at exit (`deadlock`). */
  readonly deadlock: boolean;
  /** Stack capture for dumps and reports (`stacks`). */
  readonly stacks: boolean;
  /** Task tracking: named tasks in dumps and reports (`track`, implied by the others). */
  readonly track: boolean;
  /** The lock-order check (also on with `lockhold`). */
  readonly lockorder: boolean;
  /** `lockhold=MS`: the lock-order check's maxHoldMs; undefined if not set. */
  readonly lockHoldMs: number | undefined;
  /** The race detector (`race`). */
  readonly race: boolean;
}

/**
 * Parses a GOSYNC_DEBUG value.
 *
 * @example
 * ```ts
 * parseDebugSettings("deadlock,stacks=1"); // { deadlock: true, stacks: true, track: false, ... }
 * parseDebugSettings("lockhold=250").lockHoldMs; // 250 (and lockorder: true)
 * ```
 */
export function parseDebugSettings(value: string | undefined): DebugSettings {
  const on = { deadlock: false, stacks: false, track: false, lockorder: false, race: false };
  let lockHoldMs: number | undefined;
  for (const part of (value ?? "").split(",")) {
    const [rawName, rawValue] = part.split("=", 2) as [string, string | undefined];
    const name = rawName.trim();
    if (
      name === "deadlock" ||
      name === "stacks" ||
      name === "track" ||
      name === "lockorder" ||
      name === "race"
    ) {
      on[name] = rawValue === undefined || rawValue.trim() !== "0";
    } else if (name === "lockhold" && rawValue !== undefined) {
      const ms = Number(rawValue.trim());
      if (rawValue.trim() !== "" && Number.isFinite(ms) && ms > 0) lockHoldMs = ms;
      else lockHoldMs = undefined; // lockhold=0 (or nonsense): off
    }
  }
  return { ...on, lockorder: on.lockorder || lockHoldMs !== undefined, lockHoldMs };
}

/**
 * Applies GOSYNC_DEBUG settings (gosync/debug does this with `process.env.GOSYNC_DEBUG` when
 * imported). Returns what was turned on.
 *
 * @example
 * ```ts
 * applyDebugSettings("deadlock"); // same as enableDeadlockReport()
 * ```
 */
export function applyDebugSettings(value: string | undefined): DebugSettings {
  const s = parseDebugSettings(value);
  if (s.track) enableTracking();
  if (s.stacks) enableStackCapture();
  if (s.deadlock) enableDeadlockReport();
  if (s.lockorder) enableLockOrderCheck(s.lockHoldMs === undefined ? {} : { maxHoldMs: s.lockHoldMs });
  if (s.race) enableRaceDetector();
  return s;
}
