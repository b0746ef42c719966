// gosync — Go's concurrency toolkit for TypeScript. This is the core entry point (`gosync`): tasks,
// channels and select, time, context. It has no runtime dependencies and imports nothing from
// `node:`, so it runs in Node, Deno, Bun and browsers.

export { Chan } from "./chan/chan.js";
export type { Canceller, Context, ContextKey } from "./chan/context-type.js";
export {
  otherwise,
  type RecvArgs,
  recv,
  type SelectCase,
  type SelectResult,
  select,
  send,
} from "./chan/select.js";
export type { Selectable, SelectableChan } from "./chan/selectable.js";
export { afterFunc } from "./context/after-func.js";
export { background, createKey, todo } from "./context/background.js";
export { withDeadline, withDeadlineCause, withTimeout, withTimeoutCause } from "./context/deadline.js";
export {
  Canceled,
  CanceledError,
  DeadlineExceeded,
  DeadlineExceededError,
  type FailedCall,
  failedCall,
} from "./context/errors.js";
export { fromSignal } from "./context/signal.js";
export { withoutCancel, withValue } from "./context/value.js";
export {
  type CancelCauseFunc,
  type CancelFunc,
  cause,
  withCancel,
  withCancelCause,
} from "./context/with-cancel.js";
export * from "./ext/index.js";
export { ChanClosedError, GoSyncError } from "./internal/errors.js";
export type { TaskRecord } from "./internal/registry.js";
export * from "./patterns/index.js";
export { Cond } from "./sync/cond.js";
export { LockHandle } from "./sync/lock-handle.js";
export type { Locker } from "./sync/locker.js";
export { Mutex } from "./sync/mutex.js";
export { Once } from "./sync/once.js";
export { onceFunc, onceValue, onceValues } from "./sync/once-func.js";
export { Pool, type PoolOptions } from "./sync/pool.js";
export { RecursiveMutex } from "./sync/recursive-mutex.js";
export { RetryOnce } from "./sync/retry-once.js";
export { RWMutex } from "./sync/rwmutex.js";
export { WaitGroup } from "./sync/waitgroup.js";
export { go, type PanicHandler, type PanicTask, setPanicHandler, yieldNow } from "./task/go.js";
export { Hour, Microsecond, Millisecond, Minute, Nanosecond, Second } from "./time/duration.js";
export { sleep } from "./time/sleep.js";
export { Ticker, tick } from "./time/ticker.js";
export { after, Timer } from "./time/timer.js";
