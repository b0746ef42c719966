import { setImmediate as immediate } from "./browser-globals.js";

// node:timers/promises' setTimeout and setImmediate, for runtimes without it (a browser): what the
// runtime-independent suites use to wait a little or for the next macrotask.

export function setTimeout<T = void>(ms?: number, value?: T): Promise<T> {
  return new Promise((resolve) => globalThis.setTimeout(() => resolve(value as T), ms ?? 1));
}

/** The next macrotask, without setTimeout's 4 ms clamp on nested timers. */
export function setImmediate<T = void>(value?: T): Promise<T> {
  return new Promise((resolve) => immediate(() => resolve(value as T)));
}
