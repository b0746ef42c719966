// Real worker threads for the gosync/threads tests (not a test file itself).
//
// Agent.start(moduleUrl) runs a TypeScript module on a new worker thread (tsx registered there) and
// lets the test call its exported functions: `agent.call("fn", a, b)` runs `fn(emit, a, b)` on the
// worker, arguments through share()/attach(), so shared primitives and contexts arrive live; the
// promise settles with the (attached) result or rejects with a RemoteError carrying the worker's
// error name, message and stack. `onProgress` receives what the function emits before it returns.
// Every agent started in a test file is terminated when the file's tests end (node:test `after`),
// so no worker outlives its tests and no test file hangs on a live worker.
import { after } from "node:test";
import { Worker } from "node:worker_threads";
import { attach, share } from "../../src/threads/index.js";

/** An error thrown on a worker, as it arrives on the main thread. */
export class RemoteError extends Error {
  constructor(
    readonly remoteName: string,
    message: string,
    readonly remoteStack: string | undefined,
  ) {
    super(message);
  }
  override get name(): string {
    return `RemoteError(${this.remoteName})`;
  }
}

type Reply =
  | { readonly id: number; readonly kind: "ready" }
  | { readonly id: number; readonly kind: "progress" | "ok"; readonly value: unknown }
  | {
      readonly id: number;
      readonly kind: "err";
      readonly name: string;
      readonly message: string;
      readonly stack?: string;
    };

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  progress?: ((v: unknown) => void) | undefined;
}

const live = new Set<Agent>();
after(() => Promise.all([...live].map((a) => a.terminate())).then(() => {}));

const tsxApi = import.meta.resolve("tsx/esm/api");
const agentUrl = new URL("./agent.ts", import.meta.url).href;
const bootstrap = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(agentUrl)}); })`;

const spawned = new Set<Worker>();
after(() => Promise.all([...spawned].map((w) => w.terminate())).then(() => {}));

/**
 * Runs the TypeScript module `module` on a plain new worker thread (tsx registered there), with
 * `workerData` passed through share(); for tests about the worker itself (e.g. when it exits).
 * Terminated when the file's tests end if still running.
 */
export function spawnModule(module: URL, workerData: unknown): Worker {
  const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(module.href)}); })`;
  const w = new Worker(boot, { eval: true, workerData: share(workerData) });
  spawned.add(w);
  w.once("exit", () => spawned.delete(w));
  return w;
}

/** A worker thread serving the exported functions of one module. */
export class Agent {
  readonly #worker: Worker;
  readonly #pending = new Map<number, Pending>();
  #next = 1;
  #dead: Error | null = null;

  private constructor(worker: Worker) {
    this.#worker = worker;
  }

  /** Starts a worker running `module` (a URL of a .ts file) and waits until it serves calls. */
  static start(module: URL): Promise<Agent> {
    const worker = new Worker(bootstrap, { eval: true, workerData: { module: module.href } });
    const agent = new Agent(worker);
    live.add(agent);
    return new Promise<Agent>((resolve, reject) => {
      worker.on("message", (msg: Reply) => {
        if (msg.kind === "ready") {
          resolve(agent);
          return;
        }
        agent.#reply(msg);
      });
      const die = (e: Error): void => {
        agent.#dead = e;
        reject(e);
        for (const p of agent.#pending.values()) p.reject(e);
        agent.#pending.clear();
        live.delete(agent);
      };
      worker.on("error", die);
      worker.on("exit", (code) => die(new Error(`worker exited (code ${code})`)));
    });
  }

  /** Calls export `fn` on the worker with `args`; `onProgress` gets what it emits. */
  call<R = unknown>(
    fn: string,
    args: readonly unknown[] = [],
    onProgress?: (v: unknown) => void,
  ): Promise<R> {
    if (this.#dead !== null) return Promise.reject(this.#dead);
    const id = this.#next++;
    return new Promise<R>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject, progress: onProgress });
      this.#worker.postMessage({ id, fn, args: share(args) });
    });
  }

  /** Calls `fn` and resolves with its first emitted value; `result` settles when it returns. */
  start<R = unknown>(
    fn: string,
    args: readonly unknown[] = [],
  ): { started: Promise<unknown>; result: Promise<R> } {
    let onStart!: (v: unknown) => void;
    const started = new Promise<unknown>((r) => {
      onStart = r;
    });
    const result = this.call<R>(fn, args, onStart);
    // A call that returns (or fails) without emitting has started too.
    void result.then(onStart, () => onStart(undefined));
    return { started, result };
  }

  /** Ends the worker thread (idempotent). */
  async terminate(): Promise<void> {
    live.delete(this);
    await this.#worker.terminate();
  }

  #reply(msg: Reply): void {
    const p = this.#pending.get(msg.id);
    if (p === undefined) return;
    if (msg.kind === "progress") {
      p.progress?.(attach(msg.value));
      return;
    }
    this.#pending.delete(msg.id);
    if (msg.kind === "ok") p.resolve(attach(msg.value));
    else if (msg.kind === "err") p.reject(new RemoteError(msg.name, msg.message, msg.stack));
  }
}

/** Starts `n` agents serving `module`. */
export function agents(n: number, module: URL): Promise<Agent[]> {
  return Promise.all(Array.from({ length: n }, () => Agent.start(module)));
}

/** Round trips to every agent: each has handled everything sent to it before. */
export async function drain(list: readonly Agent[]): Promise<void> {
  await Promise.all(list.map((a) => a.call("ping")));
}
