// Pool<T>: Go's sync.Pool, made deterministic. Go's pool may drop items at any GC and has no size
// limit; this one keeps what is put until it is full (`maxSize`, default 1024) and drops items the
// `accept` predicate rejects — the rule for pools of buffers: never keep an oversized buffer,
// or one huge request pins its memory forever (golang/go#23199). get() reuses the most recently put
// item (LIFO keeps caches warm), else makes one with `new` (required: Go's nil New makes Get return
// nil, which TypeScript would have to type as T | undefined everywhere).

import { checkCount, checkFunction } from "../internal/errors.js";
import { registry } from "../internal/registry.js";

/**
 * How a Pool makes, vets and resets its items.
 *
 * @example
 * ```ts
 * const opts: PoolOptions<string[]> = { new: () => [], maxSize: 64, accept: (a) => a.length < 1000, reset: (a) => { a.length = 0; } };
 * const arrays = new Pool(opts);
 * ```
 */
export interface PoolOptions<T> {
  /** Makes an item when the pool is empty (Go's New; required, so get() always has one to give). */
  readonly new: () => T;
  /** Items kept at most; put() drops the rest. Default 1024. */
  readonly maxSize?: number;
  /** put() keeps an item only if this returns true (e.g. `(b) => b.capacity <= 64 * 1024`). */
  readonly accept?: (item: T) => boolean;
  /** Called on an item as it is put back (e.g. clear a buffer). */
  readonly reset?: (item: T) => void;
}

/**
 * Go's sync.Pool: a set of temporary objects to reuse, bounded, with a rule for what to keep.
 *
 * @example
 * ```ts
 * const buffers = new Pool({ new: () => new Uint8Array(4096), accept: (b) => b.length <= 65536 });
 * const buf = buffers.get();
 * try { use(buf); } finally { buffers.put(buf); }
 * ```
 */
export class Pool<T> {
  readonly #items: T[] = [];
  readonly #new: () => T;
  readonly #max: number;
  readonly #accept: ((item: T) => boolean) | undefined;
  readonly #reset: ((item: T) => void) | undefined;

  constructor(options: PoolOptions<T>) {
    if (options === null || typeof options !== "object")
      throw new TypeError("options must be an object with new");
    checkFunction("options.new", options.new);
    if (options.accept !== undefined) checkFunction("options.accept", options.accept);
    if (options.reset !== undefined) checkFunction("options.reset", options.reset);
    this.#new = options.new;
    this.#max = checkCount("options.maxSize", options.maxSize ?? 1024);
    this.#accept = options.accept;
    this.#reset = options.reset;
  }

  /** Items held now. */
  get size(): number {
    return this.#items.length;
  }

  /** An item from the pool (the most recently put), or a new one. */
  get(): T {
    if (this.#items.length > 0) {
      const item = this.#items.pop() as T;
      // Diagnostics: a put happens before the get that returns the same item (as Go's race build).
      const o = registry.observer;
      if (o !== null && typeof item === "object") o.acquire(item as object, "get");
      return item;
    }
    return this.#new();
  }

  /** Returns an item to the pool, unless `accept` rejects it or the pool is full. */
  put(item: T): void {
    if (item === undefined || item === null) return; // Go ignores nil
    if (this.#accept !== undefined && !this.#accept(item)) return;
    if (this.#items.length >= this.#max) return;
    this.#reset?.(item);
    const o = registry.observer;
    if (o !== null && typeof item === "object") o.release(item as object, "put");
    this.#items.push(item);
  }
}
