// share() and attach(): moving shared primitives and contexts through postMessage / workerData.
//
// Structured cloning copies objects; a shared primitive must instead arrive as a live view of the
// same memory. share() makes a deep copy of plain data (plain objects, arrays, Maps, Sets) in which
// every Shareable is replaced by its handle and every gosync Context by a shared-context handle;
// attach() on the receiving thread makes the reverse copy, reviving each handle through the registry
// (handle.ts). Anything else (numbers, strings, typed arrays, Dates, class instances) is left for
// structured cloning to deal with, as postMessage would. Object identity inside one value is kept:
// a primitive or an object that appears twice comes out as one object twice.
//
// Attaching the same handle again, in another message, makes a new view object of the same memory:
// the two behave as one primitive (all state is in shared memory), but are not `===`.

import { isContext, shareContext } from "./context.js";
import { handleOf, isHandle, reviveHandle } from "./handle.js";

export { registerKind, type Shareable, type SharedHandle } from "./handle.js";

function isPlain(v: object): boolean {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function copyShare(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== "object" || v === null) return v;
  const known = seen.get(v);
  if (known !== undefined) return known;
  if (isHandle(v)) return v;
  const h = handleOf(v);
  if (h !== undefined) {
    seen.set(v, h);
    return h;
  }
  if (isContext(v)) {
    const ch = shareContext(v);
    seen.set(v, ch);
    return ch;
  }
  return copyContainer(v, seen, copyShare);
}

function copyAttach(v: unknown, seen: Map<object, unknown>): unknown {
  if (typeof v !== "object" || v === null) return v;
  const known = seen.get(v);
  if (known !== undefined) return known;
  if (isHandle(v)) {
    const live = reviveHandle(v);
    seen.set(v, live);
    return live;
  }
  return copyContainer(v, seen, copyAttach);
}

type Copier = (v: unknown, seen: Map<object, unknown>) => unknown;

function copyContainer(v: object, seen: Map<object, unknown>, copy: Copier): unknown {
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    seen.set(v, out);
    for (const x of v) out.push(copy(x, seen));
    return out;
  }
  if (v instanceof Map) {
    const out = new Map<unknown, unknown>();
    seen.set(v, out);
    for (const [k, x] of v) out.set(copy(k, seen), copy(x, seen));
    return out;
  }
  if (v instanceof Set) {
    const out = new Set<unknown>();
    seen.set(v, out);
    for (const x of v) out.add(copy(x, seen));
    return out;
  }
  if (isPlain(v)) {
    const out: Record<string, unknown> = {};
    seen.set(v, out);
    for (const k of Object.keys(v)) out[k] = copy((v as Record<string, unknown>)[k], seen);
    return out;
  }
  return v;
}

/**
 * For `postMessage` / `workerData`: a deep copy of `value` (plain objects, arrays, Maps, Sets) in
 * which every shared primitive is replaced by its handle and every gosync Context by a shared one:
 * cancelling it (or its deadline passing) cancels its attached copies on every thread, with the
 * same `err()` and `cause()` text. Context values do not cross.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * const [ctx, cancel] = withTimeout(background(), 5000);
 * worker.postMessage(share({ mu, ctx, rounds: 1000 }));
 * ```
 */
export function share(value: unknown): unknown {
  return copyShare(value, new Map());
}

/**
 * The reverse of {@link share}, on the receiving thread: handles become live primitives and
 * contexts again. Throws a TypeError for a handle whose kind is unknown here.
 *
 * @example
 * ```ts
 * parentPort.on("message", async (msg) => {
 *   const { mu, ctx, rounds } = attach<{ mu: Mutex; ctx: Context; rounds: number }>(msg);
 *   for (let i = 0; i < rounds && ctx.err() === null; i++) await mu.withLock(step);
 * });
 * ```
 */
export function attach<T>(value: unknown): T {
  return copyAttach(value, new Map()) as T;
}
