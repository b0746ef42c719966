// gosync/testing's leakCheck, for the runtime bundles: the leak check needs node:test's hooks and
// Node's AsyncLocalStorage, and is proven on Node; elsewhere the suites run without it. A test file
// importing anything else from gosync/testing (synctest...) does not bundle, and is left to Node.

export function leakCheck(): void {}
