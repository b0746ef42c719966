// The extended primitives (x/sync and neighbours): re-exported by the package's core entry point.
// May import (ARCHITECTURE.md): internal, chan, task, time, context, sync; never patterns.

export {
  type AsyncFunc,
  all,
  allSettled,
  race,
  retry,
  takeFirst,
  takeLast,
  waterfall,
} from "./combinators.js";
export { BrokenBarrierError, CyclicBarrier } from "./cyclic-barrier.js";
export { ErrGroup } from "./errgroup.js";
export { ScheduledGroup } from "./schedgroup.js";
export { Semaphore } from "./semaphore.js";
export { SingleFlight, type SingleFlightResult, type SingleFlightValue } from "./singleflight.js";
export {
  ErrSizedGroup,
  type ErrSizedGroupOptions,
  SizedGroup,
  type SizedGroupOptions,
} from "./sized-group.js";
export type { GroupTask } from "./task-group.js";
export { PoolStoppedError, WorkerPool, type WorkerPoolOptions } from "./worker-pool.js";
