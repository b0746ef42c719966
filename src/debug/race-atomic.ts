// The race detector's sync/atomic (atomicAdd, atomicLoad, atomicStore, atomicSwap,
// atomicCompareAndSwap) for instrumented objects.
//
// In JavaScript a property update is never torn, so these do what
// `obj[key] += delta` does; what they add is the meaning Go gives atomics: the access is deliberate
// and synchronising (a load acquires what earlier stores and read-modify-writes released), and two
// atomic accesses never race with each other — while an atomic and a plain access still can. They
// work on any object; only instrumented ones (through their wrapper) are checked.

import { activeDetector } from "./race.js";
import { instrumentedTarget } from "./race-instrument.js";

type KeysOf<T, V> = { [K in keyof T]-?: T[K] extends V ? K : never }[keyof T];

function atomicOp<R>(
  obj: object,
  key: PropertyKey,
  kind: "load" | "store" | "rmw",
  op: (target: Record<PropertyKey, unknown>) => R,
): R {
  const t = instrumentedTarget(obj);
  const d = activeDetector();
  if (t === undefined) return op(obj as Record<PropertyKey, unknown>);
  if (d !== null) {
    if (kind === "load") d.read(obj, t.target, key, t.label, true);
    else d.write(obj, t.target, key, t.label, true, kind === "rmw");
  }
  return op(t.target as Record<PropertyKey, unknown>);
}

/**
 * Go's atomic.AddInt64: adds `delta` to `obj[key]` and returns the new value.
 *
 * @example
 * ```ts
 * const counter = instrument({ value: 0 }, "counter");
 * atomicAdd(counter, "value", 1);
 * ```
 */
export function atomicAdd<T extends object>(obj: T, key: KeysOf<T, number>, delta: number): number {
  return atomicOp(obj, key, "rmw", (o) => {
    const v = (o[key] as number) + delta;
    o[key] = v;
    return v;
  });
}

/**
 * Go's atomic.LoadInt64: reads `obj[key]`.
 *
 * @example
 * ```ts
 * if (atomicLoad(flags, "shutdown") === 1) return;
 * ```
 */
export function atomicLoad<T extends object, K extends keyof T>(obj: T, key: K): T[K] {
  return atomicOp(obj, key, "load", (o) => o[key] as T[K]);
}

/**
 * Go's atomic.StoreInt64: writes `obj[key]`.
 *
 * @example
 * ```ts
 * atomicStore(flags, "shutdown", 1);
 * ```
 */
export function atomicStore<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): void {
  atomicOp(obj, key, "store", (o) => {
    o[key] = value;
  });
}

/**
 * Go's atomic.SwapInt64: writes `obj[key]` and returns the old value.
 *
 * @example
 * ```ts
 * const previous = atomicSwap(state, "phase", "draining");
 * ```
 */
export function atomicSwap<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): T[K] {
  return atomicOp(obj, key, "rmw", (o) => {
    const old = o[key] as T[K];
    o[key] = value;
    return old;
  });
}

/**
 * Go's atomic.CompareAndSwapInt64: if `obj[key]` is `old` (Object.is), writes `value`; returns
 * whether it did. A failed compare is an atomic load.
 *
 * @example
 * ```ts
 * if (atomicCompareAndSwap(state, "phase", "idle", "running")) start();
 * ```
 */
export function atomicCompareAndSwap<T extends object, K extends keyof T>(
  obj: T,
  key: K,
  old: T[K],
  value: T[K],
): boolean {
  const t = instrumentedTarget(obj);
  const target = (t === undefined ? obj : t.target) as Record<PropertyKey, unknown>;
  const swap = Object.is(target[key], old);
  return atomicOp(obj, key, swap ? "rmw" : "load", (o) => {
    if (swap) o[key] = value;
    return swap;
  });
}
