// node:assert/strict's functions that the runtime-independent suites call, for a browser (Deno and
// Bun run the suites with their own node:assert). Strict semantics: equal is Object.is, deepEqual
// compares prototypes, own keys (symbols too), Map and Set entries, Dates, RegExps and Errors.

export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(x: unknown): string {
  try {
    if (typeof x === "bigint") return `${x}n`;
    if (typeof x === "string") return JSON.stringify(x);
    if (typeof x === "object" && x !== null && !(x instanceof Error)) return JSON.stringify(x) ?? String(x);
    return String(x);
  } catch {
    return String(x);
  }
}

function fail(message?: string | Error, fallback = "Failed"): never {
  if (message instanceof Error) throw message;
  throw new AssertionError(message ?? fallback);
}

function deep(a: unknown, b: unknown, seen: Map<object, object>): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof RegExp) return String(a) === String(b);
  if (a instanceof Error && (a.message !== (b as Error).message || a.name !== (b as Error).name))
    return false;
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [k, v] of a) if (!m.has(k) || !deep(v, m.get(k), seen)) return false;
  } else if (a instanceof Set) {
    const s = b as Set<unknown>;
    if (a.size !== s.size) return false;
    for (const v of a) {
      if (s.has(v)) continue;
      if (typeof v !== "object" || ![...s].some((w) => deep(v, w, seen))) return false;
    }
  } else if (ArrayBuffer.isView(a)) {
    const x = a as unknown as ArrayLike<unknown>;
    const y = b as unknown as ArrayLike<unknown>;
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return false;
  }
  const ka = Reflect.ownKeys(a).filter((k) => Object.prototype.propertyIsEnumerable.call(a, k));
  const kb = Reflect.ownKeys(b).filter((k) => Object.prototype.propertyIsEnumerable.call(b, k));
  if (ka.length !== kb.length) return false;
  for (const k of ka) {
    if (!kb.includes(k)) return false;
    if (!deep((a as Record<PropertyKey, unknown>)[k], (b as Record<PropertyKey, unknown>)[k], seen))
      return false;
  }
  return true;
}

type Expected = RegExp | (new (...args: never[]) => unknown) | ((e: unknown) => boolean) | object;

function matches(e: unknown, expected: Expected | undefined, message?: string | Error): void {
  if (expected === undefined) return;
  if (expected instanceof RegExp) {
    const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    if (!expected.test(text) && !(e instanceof Error && expected.test(e.message))) {
      fail(message, `The error did not match ${expected}: ${text}`);
    }
    return;
  }
  if (typeof expected === "function") {
    const cls = expected as new (...args: never[]) => unknown;
    if (cls.prototype !== undefined && e instanceof cls) return;
    if (cls === Error || Object.prototype.isPrototypeOf.call(Error, cls)) {
      fail(message, `The error is not a ${cls.name}: ${show(e)}`);
    }
    if ((expected as (e: unknown) => unknown)(e) !== true)
      fail(message, `The validation function rejected ${show(e)}`);
    return;
  }
  for (const [k, v] of Object.entries(expected)) {
    const actual = (e as Record<string, unknown>)[k];
    if (v instanceof RegExp && typeof actual === "string" ? !v.test(actual) : !deep(actual, v, new Map())) {
      fail(message, `The error's ${k} is ${show(actual)}, expected ${show(v)}`);
    }
  }
}

function strictEqual(actual: unknown, expected: unknown, message?: string | Error): void {
  if (!Object.is(actual, expected)) fail(message, `Expected ${show(actual)} to be ${show(expected)}`);
}

function ok(value: unknown, message?: string | Error): asserts value {
  if (!value) fail(message, `The expression evaluated to a falsy value: ${show(value)}`);
}

const assert = Object.assign(ok, {
  AssertionError,
  ok,
  fail: (message?: string | Error): never => fail(message),
  equal: strictEqual,
  strictEqual,
  notEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (Object.is(actual, expected)) fail(message, `Expected ${show(actual)} not to be ${show(expected)}`);
  },
  deepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (!deep(actual, expected, new Map()))
      fail(message, `Expected ${show(actual)} to equal ${show(expected)}`);
  },
  notDeepEqual(actual: unknown, expected: unknown, message?: string | Error): void {
    if (deep(actual, expected, new Map()))
      fail(message, `Expected ${show(actual)} not to equal ${show(expected)}`);
  },
  match(text: string, re: RegExp, message?: string | Error): void {
    if (typeof text !== "string" || !re.test(text)) fail(message, `${show(text)} does not match ${re}`);
  },
  doesNotMatch(text: string, re: RegExp, message?: string | Error): void {
    if (typeof text !== "string" || re.test(text)) fail(message, `${show(text)} matches ${re}`);
  },
  throws(fn: () => unknown, expected?: Expected | string, message?: string | Error): void {
    if (typeof expected === "string") [message, expected] = [expected, undefined];
    try {
      fn();
    } catch (e) {
      matches(e, expected, message);
      return;
    }
    fail(message, "Missing expected exception.");
  },
  doesNotThrow(fn: () => unknown, message?: string | Error): void {
    try {
      fn();
    } catch (e) {
      fail(message, `Got unwanted exception: ${show(e)}`);
    }
  },
  async rejects(
    p: Promise<unknown> | (() => Promise<unknown>),
    expected?: Expected | string,
    message?: string | Error,
  ): Promise<void> {
    if (typeof expected === "string") [message, expected] = [expected, undefined];
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      matches(e, expected, message);
      return;
    }
    fail(message, "Missing expected rejection.");
  },
  async doesNotReject(
    p: Promise<unknown> | (() => Promise<unknown>),
    message?: string | Error,
  ): Promise<void> {
    try {
      await (typeof p === "function" ? p() : p);
    } catch (e) {
      fail(message, `Got unwanted rejection: ${show(e)}`);
    }
  },
});

export default assert;
export const {
  equal,
  notEqual,
  deepEqual,
  notDeepEqual,
  match,
  doesNotMatch,
  throws,
  doesNotThrow,
  rejects,
} = assert;
export { ok };
