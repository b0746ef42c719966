// The worker side of test/threads/helpers.ts: imports the module named in workerData and serves
// its exported functions to the main thread. Each call's arguments arrive through attach() and its
// result leaves through share(); an export is called as fn(emit, ...args), where emit(v) sends a
// progress message for that call (e.g. "I have queued") before it returns.
import { parentPort, workerData } from "node:worker_threads";
import { attach, share } from "../../src/threads/index.js";

export type Emit = (value: unknown) => void;

interface Call {
  readonly id: number;
  readonly fn: string;
  readonly args: unknown;
}

const port = parentPort!;
const mod = (await import(String((workerData as { module: string }).module))) as Record<string, unknown>;

port.on("message", (msg: Call) => {
  const { id, fn, args } = msg;
  const f = mod[fn];
  const emit: Emit = (value) => port.postMessage({ id, kind: "progress", value: share(value) });
  const fail = (e: unknown): void => {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ id, kind: "err", name: err.name, message: err.message, stack: err.stack });
  };
  if (typeof f !== "function") {
    fail(new TypeError(`no export ${fn}`));
    return;
  }
  try {
    const r: unknown = f(emit, ...attach<unknown[]>(args));
    Promise.resolve(r).then((value) => port.postMessage({ id, kind: "ok", value: share(value) }), fail);
  } catch (e) {
    fail(e);
  }
});
port.postMessage({ id: 0, kind: "ready" });
