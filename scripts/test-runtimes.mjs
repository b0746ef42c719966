// Runs the core's runtime-independent test files — channels, select, context, time, tasks, sync,
// ext, patterns, the Go ports and the model-based property tests: every one whose imports need
// nothing of Node beyond node:test, node:assert and node:timers/promises (and node:events'
// getEventListeners on Deno and Bun, which have it) — on headless Chromium (Debian's chromium,
// driven by playwright-core), Deno and Bun. Node runs the same files in `npm test`.
//
// esbuild bundles them into one script per target: node:test becomes test/runtimes/harness.ts,
// gosync/testing's leakCheck a no-op (the leak check is Node's), and for the browser node:assert and
// node:timers/promises become small equivalents (Deno and Bun bring their own). A file that still
// needs Node (synctest's AsyncLocalStorage, child processes, node:vm...) does not bundle, and is
// listed as left to Node. Each target prints `N passed, N failed`; any failure, or a target that
// cannot run, fails the script.
//
//   node scripts/test-runtimes.mjs [chromium|deno|bun ...]

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const require = createRequire(import.meta.url);
const DIRS = ["chan", "context", "time", "task", "go", "sync", "ext", "patterns"];
const RUNTIMES_DIR = join(ROOT, "test/runtimes");
const TESTING_INDEX = join(ROOT, "src/testing/index.ts");

function collect(dir) {
  return readdirSync(dir)
    .flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return collect(path);
      return name.endsWith(".test.ts") ? [path] : [];
    })
    .sort();
}

/** esbuild plugin: the harness for node:test, shims where the target lacks a module, Node left out. */
function targetPlugin(target) {
  const shims = {
    "node:test": join(RUNTIMES_DIR, "harness.ts"),
    ...(target === "browser"
      ? {
          "node:assert/strict": join(RUNTIMES_DIR, "assert.ts"),
          "node:timers/promises": join(RUNTIMES_DIR, "timers.ts"),
        }
      : {}),
  };
  const native = target === "browser" ? [] : ["node:assert/strict", "node:timers/promises", "node:events"];
  return {
    name: "gosync-runtimes",
    setup(b) {
      b.onResolve({ filter: /^node:/ }, (a) => {
        if (shims[a.path]) return { path: shims[a.path] };
        if (native.includes(a.path)) return { path: a.path, external: true };
        return { errors: [{ text: `needs ${a.path} (imported by ${relative(ROOT, a.importer)})` }] };
      });
      b.onResolve({ filter: /testing\/index\.js$/ }, (a) => {
        const p = join(a.resolveDir, a.path.replace(/\.js$/, ".ts"));
        return p === TESTING_INDEX ? { path: join(RUNTIMES_DIR, "testing-stub.ts") } : undefined;
      });
    },
  };
}

const bundleOptions = (target) => ({
  bundle: true,
  format: "esm",
  platform: target === "browser" ? "browser" : "neutral",
  mainFields: ["module", "main"],
  target: "es2022",
  write: false,
  logLevel: "silent",
  plugins: [targetPlugin(target)],
  // Node's setImmediate and process (unhandled rejections), which some suites' helpers use.
  inject: target === "browser" ? [join(RUNTIMES_DIR, "browser-globals.ts")] : [],
});

/** The test files that bundle for `target`, and those left to Node with the reason. */
async function select(target) {
  const files = DIRS.flatMap((d) => collect(join(ROOT, "test", d)));
  const ok = [];
  const left = [];
  for (const file of files) {
    try {
      await build({ ...bundleOptions(target), entryPoints: [file] });
      ok.push(file);
    } catch (e) {
      left.push([file, e.errors?.[0]?.text ?? String(e)]);
    }
  }
  return { ok, left };
}

async function bundle(target, files) {
  const harness = JSON.stringify(join(RUNTIMES_DIR, "harness.ts"));
  const lines = [`import { beginFile, run } from ${harness};`];
  for (const f of files)
    lines.push(`beginFile(${JSON.stringify(relative(ROOT, f))}); await import(${JSON.stringify(f)});`);
  lines.push(
    "const result = await run();",
    "globalThis.__gosyncRuntimeResult = result;",
    "if (typeof process === 'object' && process && typeof process.exit === 'function') process.exit(result.failed > 0 ? 1 : 0);",
  );
  const r = await build({
    ...bundleOptions(target),
    stdin: { contents: lines.join("\n"), resolveDir: ROOT, sourcefile: "runtime-entry.mjs", loader: "js" },
  });
  return r.outputFiles[0].text;
}

/** The first of `candidates` that exists, for binaries that npm's install scripts may have moved. */
function firstExisting(candidates, what) {
  const found = candidates.find((p) => p !== undefined && existsSync(p));
  if (found === undefined)
    throw new Error(`${what} not found (looked in ${candidates.filter(Boolean).join(", ")})`);
  return found;
}

function packageDir(name) {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return undefined;
  }
}

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (s) => {
      out += s;
      process.stdout.write(s);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 15 * 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function summary(out) {
  const m = /^(\d+) passed, (\d+) failed$/m.exec(out);
  return m === null ? null : { passed: Number(m[1]), failed: Number(m[2]) };
}

const runners = {
  async deno(file, work) {
    const deno = firstExisting(
      [join(packageDir("@deno/linux-x64-glibc") ?? "", "deno"), join(packageDir("deno") ?? "", "deno")],
      "deno (the deno npm package's binary)",
    );
    const r = await run(
      deno,
      ["run", "--quiet", "--no-prompt", "--allow-env", "--no-config", "--no-lock", file],
      {
        DENO_DIR: join(work, "deno-dir"),
        DENO_NO_UPDATE_CHECK: "1",
        NO_COLOR: "1",
      },
    );
    return { code: r.code, result: summary(r.out) };
  },
  async bun(file, work) {
    const bun = firstExisting(
      [
        join(packageDir("@oven/bun-linux-x64") ?? "", "bin/bun"),
        join(packageDir("bun") ?? "", "bin/bun.exe"),
      ],
      "bun (the bun npm package's binary)",
    );
    const r = await run(bun, ["run", file], {
      BUN_INSTALL_CACHE_DIR: join(work, "bun-cache"),
      NO_COLOR: "1",
    });
    return { code: r.code, result: summary(r.out) };
  },
  async chromium(_file, work, text) {
    const { chromium } = await import("playwright-core");
    const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";
    const context = await chromium.launchPersistentContext(join(work, "chromium-profile"), {
      executablePath,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      page.on("console", (msg) => {
        process.stdout.write(`${msg.text()}\n`);
      });
      page.on("pageerror", (e) => {
        process.stdout.write(`page error: ${e.stack ?? e.message}\n`);
      });
      await page.setContent("<!doctype html><title>gosync runtime tests</title>");
      await page.addScriptTag({ type: "module", content: text });
      await page.waitForFunction(() => globalThis.__gosyncRuntimeResult !== undefined, null, {
        timeout: 15 * 60_000,
        polling: 250,
      });
      const result = await page.evaluate(() => globalThis.__gosyncRuntimeResult);
      return { code: result.failed > 0 ? 1 : 0, result };
    } finally {
      await context.close();
    }
  },
};

const wanted = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["chromium", "deno", "bun"];
for (const w of wanted)
  if (!(w in runners)) throw new Error(`unknown runtime ${w}: one of ${Object.keys(runners)}`);

const work = mkdtempSync(join(tmpdir(), "gosync-runtimes-"));
let passed = 0;
let failed = 0;
const timings = [];
try {
  for (const runtime of wanted) {
    const target = runtime === "chromium" ? "browser" : "server";
    const started = performance.now();
    const { ok, left } = await select(target);
    console.log(`\n== ${runtime}: ${ok.length} test files (${left.length} left to Node)`);
    for (const [f, why] of left) console.log(`   left to Node: ${relative(ROOT, f)}: ${why}`);
    const text = await bundle(target, ok);
    const file = join(work, `${runtime}.mjs`);
    writeFileSync(file, text);
    console.log(`   selected and bundled in ${((performance.now() - started) / 1000).toFixed(1)}s`);
    let outcome;
    try {
      outcome = await runners[runtime](file, work, text);
    } catch (e) {
      outcome = { code: 1, result: null, error: e };
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    timings.push(`${runtime} ${seconds}s`);
    if (
      outcome.result === null ||
      outcome.code !== 0 ||
      outcome.result.failed > 0 ||
      outcome.result.passed === 0
    ) {
      console.log(`== ${runtime}: FAILED (exit ${outcome.code}) ${outcome.error?.stack ?? ""}`);
      failed += outcome.result?.failed || 1;
      passed += outcome.result?.passed ?? 0;
    } else {
      console.log(`== ${runtime}: ${outcome.result.passed} passed in ${seconds}s`);
      passed += outcome.result.passed;
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
console.log(`\ntimes: ${timings.join(", ")}`);
console.log(`runtimes: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
