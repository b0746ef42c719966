// instrument(obj): the objects the race detector (race.ts) checks. Each is a Proxy that reports
// every property read and write made through it to the active detector, and passes it through
// unchecked while the detector is off.

import { activeDetector, KEYS } from "./race.js";

interface Instrumented {
  readonly target: object;
  readonly label: string;
}

/** Wrapper → what it wraps. */
const instrumentedOf = new WeakMap<object, Instrumented>();
/** Object → its wrapper (instrumenting an object twice returns the same wrapper). */
const wrapperOf = new WeakMap<object, object>();

/** What `wrapper` wraps, if instrument() made it. */
export function instrumentedTarget(wrapper: object): Instrumented | undefined {
  return instrumentedOf.get(wrapper);
}

/**
 * Wraps `obj` so that the race detector checks every property read and write made through the
 * wrapper (use the wrapper everywhere the state is shared). `name` labels it in reports
 * (`counter.value`). While the detector is off it returns `obj` itself: zero cost, so calls can stay
 * in the code — but enable the detector before instrumenting.
 *
 * @example
 * ```ts
 * const counter = instrument({ value: 0 }, "counter");
 * wg.go(async () => { const v = counter.value; await yieldNow(); counter.value = v + 1; });
 * ```
 */
export function instrument<T extends object>(obj: T, name?: string): T {
  if (activeDetector() === null || instrumentedOf.has(obj)) return obj;
  const existing = wrapperOf.get(obj);
  if (existing !== undefined) return existing as T;
  const label = name ?? defaultLabel(obj);
  const proxy: T = new Proxy(obj, {
    get(target, key, receiver) {
      activeDetector()?.read(proxy, target, key, label);
      return Reflect.get(target, key, receiver);
    },
    set(target, key, value) {
      const d = activeDetector();
      if (d !== null) {
        if (!Object.hasOwn(target, key)) d.write(proxy, target, KEYS, label);
        d.write(proxy, target, key, label);
      }
      return Reflect.set(target, key, value);
    },
    has(target, key) {
      activeDetector()?.read(proxy, target, key, label);
      return Reflect.has(target, key);
    },
    deleteProperty(target, key) {
      const d = activeDetector();
      if (d !== null) {
        d.write(proxy, target, key, label);
        d.write(proxy, target, KEYS, label);
      }
      return Reflect.deleteProperty(target, key);
    },
    defineProperty(target, key, attributes) {
      const d = activeDetector();
      if (d !== null) {
        if (!Object.hasOwn(target, key)) d.write(proxy, target, KEYS, label);
        d.write(proxy, target, key, label);
      }
      return Reflect.defineProperty(target, key, attributes);
    },
    ownKeys(target) {
      activeDetector()?.read(proxy, target, KEYS, label);
      return Reflect.ownKeys(target);
    },
  });
  instrumentedOf.set(proxy, { target: obj, label });
  wrapperOf.set(obj, proxy);
  return proxy;
}

/**
 * The name instrument() had in 0.1.0; "track" now means task tracking only (enableTracking).
 *
 * @deprecated Use {@link instrument}; this alias goes in the next minor release.
 * @example
 * ```ts
 * const counter = instrument({ value: 0 }, "counter"); // was: track({ value: 0 }, "counter")
 * ```
 */
export const track: typeof instrument = instrument;

function defaultLabel(obj: object): string {
  if (Array.isArray(obj)) return "array";
  const ctor = (obj as { constructor?: { name?: unknown } }).constructor;
  return typeof ctor?.name === "string" && ctor.name !== "" ? ctor.name : "object";
}
