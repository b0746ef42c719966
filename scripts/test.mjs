// Runs every test file under test/ with Node's own test runner, TypeScript loaded through tsx.
// Node 20's --test takes no globs, so the file list is gathered here.
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function collect(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return collect(path);
      return /\.test\.(ts|mts|cts|mjs|cjs)$/.test(name) ? [path] : [];
    })
    .sort();
}

// Time limits, so that a hang fails the run instead of stalling it: every test declared without a
// timeout gets one (test/helpers/default-timeout.mjs, which names the test), and every file is
// bounded as a whole by --test-timeout (Node >= 20.11; it names the file).
const FILE_TIMEOUT_MS = 900_000;

const only = process.argv.slice(2);
const files = only.length > 0 ? only : collect("test");
const result = spawnSync(
  process.execPath,
  [
    "--import",
    "tsx",
    "--import",
    "./test/helpers/default-timeout.mjs",
    "--test",
    `--test-timeout=${FILE_TIMEOUT_MS}`,
    "--test-reporter=spec",
    ...files,
  ],
  { stdio: "inherit" },
);
process.exit(result.status ?? 1);
