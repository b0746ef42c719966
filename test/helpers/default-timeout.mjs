// Preloaded by scripts/test.mjs (`--import`) into every test process: a test declared without a
// `timeout` gets DEFAULT_TEST_TIMEOUT_MS, so a hang fails the run naming that test instead of
// stalling it. (Node 20's --test-timeout, which the runner also sets, bounds each whole file: it
// names only the file.) Only test/it are given the default: a `describe` timeout bounds its whole
// suite, and its own `timeout` still reaches the tests in it, since a test's explicit timeout wins.
//
// node:test has no setting for a per-test default in Node 20, so its test/it exports are wrapped
// and node:module's syncBuiltinESMExports() makes the wrappers what `import { test } from
// "node:test"` sees.
import { createRequire, syncBuiltinESMExports } from "node:module";

const require = createRequire(import.meta.url);
const nodeTest = require("node:test");

export const DEFAULT_TEST_TIMEOUT_MS = Number(process.env.GOSYNC_TEST_TIMEOUT_MS ?? 120_000);

function withDefaultTimeout(fn) {
  const wrapped = (name, options, body) => {
    const timeout = DEFAULT_TEST_TIMEOUT_MS;
    if (typeof name === "function") return fn({ timeout }, name);
    if (typeof options === "function") return fn(name, { timeout }, options);
    if (options === undefined) return fn(name, { timeout }, body);
    if (typeof options === "object" && options !== null && options.timeout === undefined) {
      return fn(name, { ...options, timeout }, body);
    }
    return fn(name, options, body);
  };
  for (const k of ["skip", "todo", "only"]) if (typeof fn[k] === "function") wrapped[k] = fn[k];
  return wrapped;
}

// A test inside a describe that has a timeout is already bounded by it (a suite's timeout bounds
// the whole suite, and its tests inherit it): those are left alone. node:test runs describe bodies
// synchronously, so a counter of the enclosing suites with a timeout tells them apart.
let boundedSuites = 0;

const hasTimeout = (args) =>
  args.some((a) => typeof a === "object" && a !== null && typeof a.timeout === "number");

function describeOf(fn) {
  const wrapped = (...args) => {
    const i = args.findIndex((a) => typeof a === "function");
    if (i >= 0 && hasTimeout(args)) {
      const body = args[i];
      args[i] = function (...a) {
        boundedSuites++;
        try {
          return body.apply(this, a);
        } finally {
          boundedSuites--;
        }
      };
    }
    return fn(...args);
  };
  for (const k of ["skip", "todo", "only"]) if (typeof fn[k] === "function") wrapped[k] = fn[k];
  return wrapped;
}

for (const k of ["test", "it"]) {
  const original = nodeTest[k];
  const defaulted = withDefaultTimeout(original);
  const wrapped = (...args) => (boundedSuites > 0 ? original(...args) : defaulted(...args));
  for (const m of ["skip", "todo", "only"]) if (typeof original[m] === "function") wrapped[m] = original[m];
  nodeTest[k] = wrapped;
}
for (const k of ["describe", "suite"]) nodeTest[k] = describeOf(nodeTest[k]);
syncBuiltinESMExports();
