// Runs a small gosync program in a fresh Node process (tsx loads the sources): for behaviour that
// is about the process itself — exit status, what keeps the event loop alive.

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const SRC = new URL("../../src/index.ts", import.meta.url).href;
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs an ES module body (with gosync's names in scope as `g`) in a fresh Node process. */
export function run(body: string): Promise<Run> {
  const code = `import * as g from ${JSON.stringify(SRC)};\n${body}\n`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      cwd: ROOT,
      timeout: 20_000,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
