// The two Node globals that some runtime-independent suites' helpers use, for the browser bundle
// (esbuild injects these where the code names the global): setImmediate (the next macrotask, through
// a MessageChannel as browsers have no setImmediate) and the part of `process` that watches for
// unhandled rejections, mapped to the browser's `unhandledrejection` event.

type Listener = (reason: unknown, promise: Promise<unknown>) => void;
const wrapped = new Map<Listener, (e: PromiseRejectionEvent) => void>();

interface ProcessShim {
  readonly env: Record<string, string | undefined>;
  listeners(event: string): Listener[];
  on(event: string, fn: Listener): ProcessShim;
  off(event: string, fn: Listener): ProcessShim;
}

export const process: ProcessShim = {
  env: {},
  listeners(_event: string): Listener[] {
    return [];
  },
  on(event: string, fn: Listener): ProcessShim {
    if (event !== "unhandledRejection") throw new Error(`browser process shim: no '${event}' event`);
    const w = (e: PromiseRejectionEvent): void => {
      e.preventDefault();
      fn(e.reason, e.promise);
    };
    wrapped.set(fn, w);
    globalThis.addEventListener("unhandledrejection", w);
    return process;
  },
  off(_event: string, fn: Listener): ProcessShim {
    const w = wrapped.get(fn);
    if (w !== undefined) globalThis.removeEventListener("unhandledrejection", w);
    wrapped.delete(fn);
    return process;
  },
};

// One channel for all: a message per call, run in order, each in a macrotask of its own (as Node's
// check phase runs immediates after the current task's microtasks).
const queue: (() => void)[] = [];
let channel: MessageChannel | null = null;

export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): void {
  if (channel === null) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => queue.shift()?.();
  }
  queue.push(() => fn(...args));
  channel.port2.postMessage(null);
}
