// State that must exist once per process even when several copies of gosync are loaded: the ESM and
// the CommonJS build side by side (an app that both imports and requires gosync, or
// `node --import gosync/debug app.cjs`), or two installed copies. Each lives on globalThis under a
// Symbol.for key, so whichever copy loads first creates it and the others find it. The key carries a
// protocol version: a copy whose state has another shape must use another number.

/**
 * The process-wide value named `name` (`gosync.<name>` in the global symbol registry), made by
 * `make` the first time any copy asks for it.
 */
export function processWide<T>(name: string, make: () => T): T {
  const key = Symbol.for(`gosync.${name}`);
  const g = globalThis as unknown as Record<symbol, T | undefined>;
  let value = g[key];
  if (value === undefined) {
    value = make();
    // Not enumerable, not writable: invisible to ordinary code and replaced by nobody.
    Object.defineProperty(globalThis, key, {
      value,
      enumerable: false,
      writable: false,
      configurable: false,
    });
  }
  return value;
}
