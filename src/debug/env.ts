// GOSYNC_DEBUG: gosync's GODEBUG. A comma-separated list of settings, each `name` or `name=1` (on)
// or `name=0` (off); unknown names are ignored, as Go ignores unknown GODEBUG settings.
//
//     GOSYNC_DEBUG=deadlock          deadlock report at exit (and task tracking)
//     GOSYNC_DEBUG=stacks            stack capture for dumps (and task tracking)
//     GOSYNC_DEBUG=track             task tracking only (named tasks in dumps and leak reports)
//     GOSYNC_DEBUG=deadlock,stacks   both
//
// It is read when gosync/debug is first imported; the core never reads the environment (it runs
// where there is none). To apply it to a program without touching its code:
//     GOSYNC_DEBUG=deadlock node --import gosync/debug app.js
// (or NODE_OPTIONS="--import gosync/debug"). Importing gosync/debug early in the program works too.

import { enableDeadlockReport } from "./deadlock.js";
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
  readonly deadlock: boolean;
  readonly stacks: boolean;
  readonly track: boolean;
}

/**
 * Parses a GOSYNC_DEBUG value.
 *
 * @example
 * ```ts
 * parseDebugSettings("deadlock,stacks=1"); // { deadlock: true, stacks: true, track: false }
 * ```
 */
export function parseDebugSettings(value: string | undefined): DebugSettings {
  const on = { deadlock: false, stacks: false, track: false };
  for (const part of (value ?? "").split(",")) {
    const [rawName, rawValue] = part.split("=", 2) as [string, string | undefined];
    const name = rawName.trim();
    if (name === "deadlock" || name === "stacks" || name === "track") {
      on[name] = rawValue === undefined || rawValue.trim() !== "0";
    }
  }
  return on;
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
  return s;
}
