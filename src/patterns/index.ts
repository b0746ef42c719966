// The channel patterns (Concurrency in Go ch. 4, and smallnest's Go 并发编程实战课 lesson 14):
// or-done, or, fan-in, fan-out, tee, bridge, stream operators, map-reduce, pub/sub, rate limiting
// and pipelines. Every pattern takes a `Done` (Context, AbortSignal, done channel or null), closes its
// outputs when it is finished, and ends all its tasks when its inputs end or the ctx is done.
// May import (ARCHITECTURE.md): every core layer (internal up to ext); no subpath.

export { bridge } from "./bridge.js";
export { type BroadcastOptions, broadcast, fanOut } from "./broadcast.js";
export { filter } from "./filter.js";
export { fromIterable, generate } from "./generate.js";
export { type MapOptions, map } from "./map.js";
export { type MapReduceOptions, mapReduce } from "./map-reduce.js";
export { fanIn, merge } from "./merge.js";
export { or } from "./or.js";
export { orDone } from "./or-done.js";
export { pipeline, type Source, type Stage, stage } from "./pipeline.js";
export { PubSub } from "./pubsub.js";
export { type RateLimitOptions, rateLimit } from "./rate-limit.js";
export type { Done } from "./scope.js";
export { skip } from "./skip.js";
export { skipWhile } from "./skip-while.js";
export { take } from "./take.js";
export { takeWhile } from "./take-while.js";
export { tee } from "./tee.js";
export {
  type DropPolicy,
  type SubscribeOptions,
  type SubscriberOptions,
  Subscription,
  Topic,
} from "./topic.js";
