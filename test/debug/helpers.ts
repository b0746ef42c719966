// Runs a fixture program in a child Node process (TypeScript through tsx), optionally with
// gosync/debug imported first (`node --import gosync/debug`), and collects its exit status and output.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const DEBUG_ENTRY = fileURLToPath(new URL("../../src/debug/index.ts", import.meta.url));

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface RunOptions {
  /** GOSYNC_DEBUG for the child (unset when undefined). */
  readonly gosyncDebug?: string;
  /** Preload gosync/debug with --import (default true). */
  readonly preload?: boolean;
  /** Extra arguments after the program. */
  readonly args?: readonly string[];
  /** Extra node flags before the program (e.g. --test). */
  readonly nodeArgs?: readonly string[];
  /** Kill the child (SIGTERM) if it runs longer than this (a program that must end but hangs). */
  readonly killAfterMs?: number;
}

/** Runs `program` (a path relative to the repository root). */
export function runProgram(program: string, opts: RunOptions = {}): Promise<RunResult> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.GOSYNC_DEBUG;
  delete env.NODE_TEST_CONTEXT; // let a nested `node --test` run as a top-level runner
  if (opts.gosyncDebug !== undefined) env.GOSYNC_DEBUG = opts.gosyncDebug;
  const argv = ["--import", "tsx"];
  if (opts.preload ?? true) argv.push("--import", DEBUG_ENTRY);
  argv.push(...(opts.nodeArgs ?? []), program, ...(opts.args ?? []));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env,
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.killAfterMs === undefined ? {} : { timeout: opts.killAfterMs }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (s: string) => {
      stdout += s;
    });
    child.stderr.setEncoding("utf8").on("data", (s: string) => {
      stderr += s;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
