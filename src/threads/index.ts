// gosync/threads: Go's sync toolkit, channels, a concurrent map and a thread pool across worker
// threads, over SharedArrayBuffer and Atomics. See each file's header for the Go API it mirrors.

export type { Codec } from "./codec.js";
export { Mutex } from "./mutex.js";
export { attach, type Shareable, type SharedHandle, share } from "./share.js";
export { SharedChan } from "./shared-chan.js";
export { SharedMap } from "./shared-map.js";
export {
  PoolClosedError,
  QueueFullError,
  type RunOptions,
  ThreadExitError,
  ThreadPool,
  type ThreadPoolOptions,
} from "./thread-pool.js";
