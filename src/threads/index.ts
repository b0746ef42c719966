// gosync/threads: Go's sync toolkit, channels, a concurrent map and a thread pool across worker
// threads, over SharedArrayBuffer and Atomics. See each file's header for the Go API it mirrors.
// May import (ARCHITECTURE.md): the core layers; never etcd, debug or testing.

export { AtomicBigInt64, AtomicBool, AtomicInt32, AtomicUint32 } from "./atomic.js";
export type { Codec } from "./codec.js";
export { Cond } from "./cond.js";
export { BrokenBarrierError, CyclicBarrier } from "./cyclic-barrier.js";
export { Mutex } from "./mutex.js";
export { Once } from "./once.js";
export { RWMutex } from "./rwmutex.js";
export { Semaphore } from "./semaphore.js";
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
export { WaitGroup } from "./waitgroup.js";
