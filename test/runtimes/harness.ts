// The part of node:test that the runtime-independent suites use (describe, test, the four hooks, a
// per-test timeout), for running them where node:test does not exist: a browser, or any runtime
// through one bundled script (scripts/test-runtimes.mjs aliases "node:test" to this module). Tests run
// one at a time, in order; a file's top-level hooks apply to that file only (the entry calls
// beginFile before importing each file). The summary line is `N passed, N failed`.

type Fn = (t: TestContext) => unknown;
type Hook = () => unknown;

interface Options {
  readonly timeout?: number;
  readonly concurrency?: number | boolean;
}

interface TestContext {
  readonly name: string;
  diagnostic(message: string): void;
  /** A subtest: runs now, counted on its own; resolves when it is done, failed or not. */
  test(a: string | Fn, b?: Options | Fn, c?: Fn): Promise<void>;
}

interface Suite {
  readonly name: string;
  readonly parent: Suite | null;
  readonly items: (Suite | Case)[];
  readonly before: Hook[];
  readonly after: Hook[];
  readonly beforeEach: Hook[];
  readonly afterEach: Hook[];
}

interface Case {
  readonly name: string;
  readonly fn: Fn;
  readonly timeout: number;
}

const DEFAULT_TIMEOUT = 60_000;
const files: Suite[] = [];
let current: Suite | null = null;

function suite(name: string, parent: Suite | null): Suite {
  return { name, parent, items: [], before: [], after: [], beforeEach: [], afterEach: [] };
}

function here(): Suite {
  if (current === null) throw new Error("harness: beginFile() was not called before the file's tests");
  return current;
}

function args<F>(a: string | F, b?: Options | F, c?: F): { name: string; options: Options; fn: F } {
  const name = typeof a === "string" ? a : "(anonymous)";
  const rest = typeof a === "string" ? [b, c] : [a, b];
  const options = (typeof rest[0] === "object" && rest[0] !== null ? rest[0] : {}) as Options;
  const fn = (typeof rest[0] === "function" ? rest[0] : rest[1]) as F;
  return { name, options, fn };
}

/** Starts collecting the tests of the file `name`. */
export function beginFile(name: string): void {
  current = suite(name, null);
  files.push(current);
}

export function describe(a: string | (() => void), b?: Options | (() => void), c?: () => void): void {
  const { name, fn } = args(a, b, c);
  const parent = here();
  const s = suite(name, parent);
  parent.items.push(s);
  current = s;
  try {
    fn();
  } finally {
    current = parent;
  }
}

export function test(a: string | Fn, b?: Options | Fn, c?: Fn): void {
  const { name, options, fn } = args(a, b, c);
  here().items.push({ name, fn, timeout: options.timeout ?? DEFAULT_TIMEOUT });
}

export const it = test;
export default test;
export const before = (fn: Hook): void => void here().before.push(fn);
export const after = (fn: Hook): void => void here().after.push(fn);
export const beforeEach = (fn: Hook): void => void here().beforeEach.push(fn);
export const afterEach = (fn: Hook): void => void here().afterEach.push(fn);

function withTimeout(p: Promise<unknown>, ms: number, what: string): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

function eachHooks(s: Suite | null, pick: (s: Suite) => Hook[]): Hook[] {
  const chain: Suite[] = [];
  for (let x = s; x !== null; x = x.parent) chain.unshift(x);
  return chain.flatMap(pick);
}

const out: string[] = [];
function log(line: string): void {
  out.push(line);
  console.log(line);
}

let passed = 0;
let failed = 0;

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? `\n${e.stack}` : ""}`;
  return String(e);
}

function context(path: string): TestContext {
  return {
    name: path,
    diagnostic: () => {},
    async test(a, b, c) {
      const { name, options, fn } = args(a, b, c);
      const sub = `${path} > ${name}`;
      try {
        await withTimeout(
          Promise.resolve().then(() => fn(context(sub))),
          options.timeout ?? DEFAULT_TIMEOUT,
          sub,
        );
        passed++;
      } catch (e) {
        failed++;
        log(`not ok - ${sub}\n${describeError(e)}`);
      }
    },
  };
}

async function runSuite(s: Suite, path: string): Promise<void> {
  try {
    for (const h of s.before) await h();
  } catch (e) {
    failed++;
    log(`not ok - ${path} (before hook)\n${describeError(e)}`);
    return;
  }
  for (const item of s.items) {
    const name = `${path} > ${item.name}`;
    if ("items" in item) {
      await runSuite(item, name);
      continue;
    }
    const body = async (): Promise<void> => {
      for (const h of eachHooks(s, (x) => x.beforeEach)) await h();
      try {
        await item.fn(context(name));
      } finally {
        for (const h of eachHooks(s, (x) => x.afterEach).reverse()) await h();
      }
    };
    try {
      await withTimeout(body(), item.timeout, name);
      passed++;
    } catch (e) {
      failed++;
      log(`not ok - ${name}\n${describeError(e)}`);
    }
  }
  try {
    for (const h of s.after) await h();
  } catch (e) {
    failed++;
    log(`not ok - ${path} (after hook)\n${describeError(e)}`);
  }
}

/** Runs every collected test; prints and returns the summary. */
export async function run(): Promise<{ passed: number; failed: number }> {
  for (const f of files) {
    const t0 = Date.now();
    await runSuite(f, f.name);
    const ms = Date.now() - t0;
    if (ms > 2000) log(`(slow: ${f.name} took ${ms} ms)`);
  }
  log(`${passed} passed, ${failed} failed`);
  return { passed, failed };
}
