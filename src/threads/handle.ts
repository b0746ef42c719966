// Handles: what crosses a thread boundary for a shared primitive or context, and the registry that
// turns a handle back into a live object on the receiving thread.
//
// A handle is plain structured-cloneable data: a SharedArrayBuffer (the primitive's memory), an
// offset into it, its kind, and kind-specific plain data (sizes, nested handles). It is recognised by
// a brand key no user data has ("@gosync/threads"), which survives structured cloning (a symbol
// would not). Every primitive's module calls registerKind at load, so importing gosync/threads on a
// thread is enough for attach() there to revive every kind.
//
// One constructor, two ways in: a primitive's public constructor both makes new memory and, during
// attach(), adopts the memory behind a handle, so an attached object is built by the same code as
// an original one (its views, its derived fields). The module registers its kind with
// registerShared, whose reviver marks the handle as the one being adopted and calls the
// constructor; the constructor's first step, adoptOr(create), takes that handle (or, when nothing
// is being attached, calls create() for a fresh one). The mark is cleared as soon as it is taken,
// so a constructor running inside another (a Cond's Mutex) makes its own memory.

/**
 * What crosses a thread boundary for a shared primitive or context: plain, structured-cloneable
 * data. Opaque: get one from `x.handle` or `share(x)`, turn it back with `attach(h)`.
 *
 * @example
 * ```ts
 * const mu = new Mutex();
 * worker.postMessage(mu.handle); // in the worker: const mu = attach<Mutex>(msg);
 * ```
 */
export interface SharedHandle {
  /** Which primitive the handle stands for ("Mutex", "SharedChan", a shared context, …). */
  readonly kind: string;
}

/**
 * Every shared primitive (and a shared context) has a handle.
 *
 * @example
 * ```ts
 * function send(x: Shareable) { port.postMessage(x.handle); }
 * ```
 */
export interface Shareable {
  /** What crosses to another thread: pass it (or the object, through share()) to postMessage. */
  readonly handle: SharedHandle;
}

/** The brand key: a property name user data does not use. */
export const BRAND = "@gosync/threads";

/** The full shape of a handle (internal; the public type is the opaque SharedHandle). */
export interface HandleData extends SharedHandle {
  readonly [BRAND]: 1;
  readonly kind: string;
  readonly sab: SharedArrayBuffer;
  /** Byte offset of the primitive's block in `sab`. */
  readonly offset: number;
  /** Kind-specific plain data: numbers, strings, nested handles. */
  readonly extra: unknown;
}

/** Makes a (frozen) handle. */
export function makeHandle(
  kind: string,
  sab: SharedArrayBuffer,
  offset = 0,
  extra: unknown = null,
): HandleData {
  return Object.freeze({ [BRAND]: 1, kind, sab, offset, extra }) as HandleData;
}

/** A handle of `kind` over a fresh zeroed block of `words` Int32 words. */
export function newHandle(kind: string, words: number, extra: unknown = null): HandleData {
  return makeHandle(kind, allocWords(words), 0, extra);
}

/** Whether `x` is a handle (as made by makeHandle, possibly after a structured clone). */
export function isHandle(x: unknown): x is HandleData {
  if (typeof x !== "object" || x === null) return false;
  const h = x as Partial<HandleData>;
  return (
    h[BRAND] === 1 &&
    typeof h.kind === "string" &&
    typeof SharedArrayBuffer !== "undefined" &&
    h.sab instanceof SharedArrayBuffer &&
    typeof h.offset === "number"
  );
}

const kinds = new Map<string, (h: HandleData) => unknown>();

/**
 * Registers how to revive handles of `kind` (each shared primitive's module does this at load).
 * Registering the same kind again replaces the reviver (a module loaded twice, e.g. ESM and CJS).
 */
export function registerKind(kind: string, revive: (h: HandleData) => unknown): void {
  kinds.set(kind, revive);
}

/** The handle a constructor is to adopt (see the header), or null. */
let adopting: HandleData | null = null;

/**
 * For a shared primitive's constructor, first thing: the handle attach() is reviving, or else the
 * fresh one `create()` makes (validating the constructor's arguments as it goes). See the header.
 */
export function adoptOr(create: () => HandleData): HandleData {
  const h = adopting;
  adopting = null;
  return h ?? create();
}

/**
 * Registers `kind` as a primitive built by its constructor (see the header): attach() checks the
 * handle's kind, runs `prepare(h)` (revive nested handles, check the kind-specific data), then
 * `construct(prepared)` with h marked as the one its adoptOr() call takes.
 */
export function registerShared<A>(
  kind: string,
  construct: (prepared: A) => unknown,
  prepare: (h: HandleData) => A = () => undefined as A,
): void {
  registerKind(kind, (handle) => {
    const h = checkHandle("attach", kind, handle);
    const prepared = prepare(h);
    adopting = h;
    try {
      return construct(prepared);
    } finally {
      adopting = null;
    }
  });
}

/** An Int32Array over the first `words` words of h's block. */
export function int32View(h: SharedHandle, words: number): Int32Array {
  const d = h as HandleData;
  return new Int32Array(d.sab, d.offset, words);
}

/** Revives a handle on this thread; a TypeError if its kind's module was never loaded here. */
export function reviveHandle(h: HandleData): unknown {
  const revive = kinds.get(h.kind);
  if (revive === undefined) {
    throw new TypeError(`attach: unknown shared kind "${h.kind}" (import gosync/threads on this thread)`);
  }
  return revive(h);
}

/** The handle of a Shareable, or undefined. */
export function handleOf(x: unknown): HandleData | undefined {
  if (typeof x !== "object" || x === null) return undefined;
  let h: unknown;
  try {
    h = (x as Partial<Shareable>).handle;
  } catch {
    return undefined;
  }
  return isHandle(h) ? h : undefined;
}

/** Throws a TypeError naming `what` unless `h` is a handle of `kind`; returns it typed. */
export function checkHandle(what: string, kind: string, h: unknown): HandleData {
  if (!isHandle(h) || h.kind !== kind) {
    throw new TypeError(`${what}: expected a shared handle of kind "${kind}"`);
  }
  return h;
}

/** A new zeroed SharedArrayBuffer of `words` Int32 words (throws a TypeError where none exists). */
export function allocWords(words: number): SharedArrayBuffer {
  if (typeof SharedArrayBuffer === "undefined") {
    throw new TypeError(
      "gosync/threads needs SharedArrayBuffer (in a browser: a cross-origin-isolated page)",
    );
  }
  return new SharedArrayBuffer(words * 4);
}
